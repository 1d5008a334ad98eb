// The Streamable HTTP backend of the multi-session recordings (record-fixtures.ts): an SDK server
// whose messages about a request travel on that request's POST stream, so the proxy's wire says
// which request (and so which client session) they belong to. Stdio backends never say.
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema, ListRootsResultSchema, RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

/**
 * Tools: `report` (a log message and, when asked, progress on the call's own stream, then
 * answers), `ask {prompt}` (sampling/createMessage related to the call; answers the sampled text),
 * `roots` (roots/list related to the call), `last_roots` (the roots it fetched itself, unasked by
 * any call, when a client said its roots changed).
 */
export function recordingServer(label: string): McpServer {
  const server = new McpServer({ name: `recording-${label}`, version: '1.0.0' }, { capabilities: { logging: {} } });
  let lastRoots: unknown = null;
  server.registerTool('report', { description: 'Logs and reports progress on its own stream, then answers', inputSchema: { steps: z.number().int().optional() } }, async ({ steps = 0 }, extra) => {
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'report', data: `${label} working` } });
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      for (let progress = 1; progress <= steps; progress++) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total: steps } });
      }
    }
    return text(`${label} done`);
  });
  server.registerTool('ask', { description: 'Samples the client that called it', inputSchema: { prompt: z.string() } }, async ({ prompt }, extra) => {
    const res = await extra.sendRequest(
      { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 50 } },
      CreateMessageResultSchema,
    );
    return text(res.content.type === 'text' ? res.content.text : `(${res.content.type})`);
  });
  server.registerTool('roots', { description: 'The roots of the client that called it' }, async (extra) => {
    const res = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
    return text(JSON.stringify(res.roots));
  });
  server.registerTool('last_roots', { description: 'The roots fetched after the last roots change' }, async () => text(JSON.stringify(lastRoots)));
  server.server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    lastRoots = (await server.server.listRoots()).roots;
  });
  return server;
}
