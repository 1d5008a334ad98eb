// A backend built with the official SDK (McpServer over stdio), so one recording has a peer we
// did not write. Run: node dist/test/harness/sdk-stdio-server.js
// Tools: greet {name} → "Hello, NAME!", count {n} → structured {count}. Resource sdk://about.
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'sdk-fixture', version: '1.0.0' });

server.registerTool('greet', { description: 'Greets someone by name', inputSchema: { name: z.string() } }, async ({ name }) => ({
  content: [{ type: 'text', text: `Hello, ${name}!` }],
}));

server.registerTool(
  'count',
  { description: 'Counts to n', inputSchema: { n: z.number().int().min(0) }, outputSchema: { count: z.number() } },
  async ({ n }) => ({ content: [{ type: 'text', text: String(n) }], structuredContent: { count: n } }),
);

server.registerResource('about', 'sdk://about', { description: 'What this server is', mimeType: 'text/plain' }, async (uri) => ({
  contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'an MCP server built with the SDK' }],
}));

await server.connect(new StdioServerTransport());
