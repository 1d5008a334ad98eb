// An agent-side client of multi-mcp, with the official SDK: connect over Streamable HTTP (falling
// back to legacy SSE), list the tools of every server behind the proxy, and call tools that live
// in different servers through the one connection.
//
//   npx multi-mcp --transport http --port 8080 &      # the proxy, on the bundled example servers
//   node dist/examples/client.js
//
// Environment: MULTI_MCP_URL (default http://127.0.0.1:8080), MULTI_MCP_API_KEY (sent as a
// bearer token), MULTI_MCP_TRANSPORT = auto (default) | http | sse.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

const base = (process.env.MULTI_MCP_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const apiKey = process.env.MULTI_MCP_API_KEY;
const mode = process.env.MULTI_MCP_TRANSPORT ?? 'auto';
const headers: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
const requestInit: RequestInit = { headers };

// What an agent would decide to call: one tool from each of several servers.
const PLAN: [tool: string, args: Record<string, unknown>][] = [
  ['get_weather', { city: 'Paris' }],
  ['add', { a: 2, b: 3 }],
  ['convert_length', { value: 10, from: 'km', to: 'mi' }],
];

const newClient = () => new Client({ name: 'multi-mcp-example-client', version: '1.0.0' });

async function connect(): Promise<{ client: Client; wire: string }> {
  if (mode !== 'sse') {
    const client = newClient();
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit }));
      return { client, wire: 'Streamable HTTP' };
    } catch (e) {
      if (mode === 'http') throw e;
      console.error(`Streamable HTTP failed (${(e as Error).message}); trying SSE`);
    }
  }
  const client = newClient();
  await client.connect(new SSEClientTransport(new URL(`${base}/sse`), { requestInit }));
  return { client, wire: 'SSE' };
}

/** Every tool, following pagination (bounded). */
async function listAllTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/** The exposed name of a backend tool: `<server>__<tool>` by default, the bare name with --no-namespace. */
function findTool(tools: Tool[], original: string): Tool | undefined {
  return tools.find((t) => t.name === original) ?? tools.find((t) => t.name.endsWith(`__${original}`));
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join(' ');
}

async function main(): Promise<void> {
  const { client, wire } = await connect();
  try {
    const tools = await listAllTools(client);
    console.log(`connected to ${base} over ${wire}: ${tools.length} tools`);
    for (const tool of tools) console.log(`  ${tool.name}: ${tool.description ?? ''}`);
    for (const [original, args] of PLAN) {
      const tool = findTool(tools, original);
      if (!tool) {
        console.log(`no ${original} tool behind this proxy: skipped`);
        continue;
      }
      const result = await client.callTool({ name: tool.name, arguments: args });
      console.log(`${tool.name}(${JSON.stringify(args)}) -> ${result.isError ? 'error: ' : ''}${textOf(result)}`);
    }
  } finally {
    await client.close();
  }
}

main().catch((e) => {
  console.error(`example client: ${(e as Error).message}`);
  process.exitCode = 1;
});
