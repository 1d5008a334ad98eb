// Real MCP servers built with the SDK, on 127.0.0.1 port 0, for remote-backend tests: legacy SSE,
// Streamable HTTP (JSON or SSE answers) and WebSocket. Each records the HTTP requests it saw
// (method, path, headers) and stops everything it started in close().
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { WebSocketServer, type WebSocket } from 'ws';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport, type EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface RunningServer {
  /** The URL to configure the backend with. */
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Sessions initialized so far (one per initialize the server accepted). */
  initializations: number;
  close(): Promise<void>;
}

/**
 * An MCP server with tools: `whoami` (answers `label`), `echo` {text}, `report`, which sends a
 * log message and two progress notifications (when asked for progress) before answering,
 * `meta` (the request's `_meta` as JSON) and `drop_stream`.
 */
export function buildMcpServer(label: string): McpServer {
  const server = new McpServer({ name: `test-${label}`, version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('whoami', { description: 'Names the server' }, async () => ({ content: [{ type: 'text', text: label }] }));
  server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text: `${label}: ${text}` }],
  }));
  server.registerTool('report', { description: 'Logs and reports progress, then answers', inputSchema: {} }, async (_args, extra) => {
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'report', data: `${label} working` } });
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      for (const progress of [1, 2]) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total: 2 } });
      }
    }
    return { content: [{ type: 'text', text: `${label} done` }] };
  });
  server.registerTool('meta', { description: "Answers with the request's _meta as JSON", inputSchema: {} }, async (_args, extra) => ({
    content: [{ type: 'text', text: JSON.stringify(extra._meta ?? {}) }],
  }));
  // Closes its own answer stream (when the transport allows it), then answers: the client must
  // resume with GET + Last-Event-ID to get the answer (SEP-1699 polling).
  // The SDK stores what it sends only while a stream is open: the answer waits `waitMs` for the
  // client's GET (long enough here; the REF server waits 100 ms while advertising retry: 5000).
  server.registerTool('drop_stream', { description: 'Answers after closing its SSE stream', inputSchema: { waitMs: z.number().optional() } }, async ({ waitMs }, extra) => {
    extra.closeSSEStream?.();
    await new Promise((resolve) => setTimeout(resolve, waitMs ?? 50));
    return { content: [{ type: 'text', text: `${label} resumed` }] };
  });
  return server;
}

/** In-memory event store: every event of every stream, replayable after any of its ids. */
function memoryEventStore(): EventStore {
  const events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}_${events.length}`;
      events.push({ id, streamId, message });
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.find((e) => e.id === eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const at = events.findIndex((e) => e.id === lastEventId);
      const streamId = events[at].streamId;
      for (const e of events.slice(at + 1)) if (e.streamId === streamId && Object.keys(e.message).length > 0) await send(e.id, e.message);
      return streamId;
    },
  };
}

async function listen(server: http.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function record(seen: SeenRequest[], req: http.IncomingMessage): URL {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers });
  return url;
}

function jsonError(res: http.ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

async function stopHttp(server: http.Server, closers: Array<() => Promise<unknown>>): Promise<void> {
  await Promise.allSettled(closers.map((c) => c()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Legacy SSE server: GET `streamPath` opens a session, POST `messagesPath?sessionId=` delivers. */
export async function startSseServer(label: string, streamPath = '/sse', messagesPath = '/messages'): Promise<RunningServer> {
  const sessions = new Map<string, SSEServerTransport>();
  const closers: Array<() => Promise<unknown>> = [];
  const seen: SeenRequest[] = [];
  const result = { seen, initializations: 0 } as RunningServer;
  const server = http.createServer(async (req, res) => {
    const url = record(seen, req);
    if (req.method === 'GET' && url.pathname === streamPath) {
      const transport = new SSEServerTransport(messagesPath, res);
      sessions.set(transport.sessionId, transport);
      const mcp = buildMcpServer(label);
      closers.push(() => mcp.close());
      res.on('close', () => sessions.delete(transport.sessionId));
      await mcp.connect(transport);
      result.initializations++;
      return;
    }
    if (req.method === 'POST' && url.pathname === messagesPath) {
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) return void res.writeHead(404).end('unknown session');
      return void transport.handlePostMessage(req, res);
    }
    res.writeHead(url.pathname === streamPath ? 405 : 404).end();
  });
  const port = await listen(server);
  return Object.assign(result, { url: `http://127.0.0.1:${port}${streamPath}`, port, close: () => stopHttp(server, closers) });
}

/**
 * Streamable HTTP server at /mcp, one SDK transport per session; an unknown session id gets 404
 * (as the spec asks), so a fresh instance on the same port makes an old client re-initialize.
 */
export async function startStreamableServer(
  label: string,
  options: {
    json: boolean;
    port?: number;
    /** Event ids and replay; `retry:` hint in ms. */
    resumableRetryMs?: number;
    /** The server each session gets (default buildMcpServer). */
    build?: (label: string) => McpServer;
  },
): Promise<RunningServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const closers: Array<() => Promise<unknown>> = [];
  const seen: SeenRequest[] = [];
  const result = { seen, initializations: 0 } as RunningServer;
  const server = http.createServer(async (req, res) => {
    const url = record(seen, req);
    if (url.pathname !== '/mcp') return void res.writeHead(404).end();
    const sessionId = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readJson(req).catch(() => undefined) : undefined;
    if (typeof sessionId === 'string') {
      const transport = sessions.get(sessionId);
      if (!transport) return void jsonError(res, 404, -32001, 'Session not found');
      return void transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return void jsonError(res, 400, -32000, 'Bad Request: no session');
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.json,
      ...(options.resumableRetryMs === undefined ? {} : { eventStore: memoryEventStore(), retryInterval: options.resumableRetryMs }),
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
        result.initializations++;
      },
    });
    transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
    const mcp = (options.build ?? buildMcpServer)(label);
    closers.push(() => mcp.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  const port = await listen(server, options.port);
  return Object.assign(result, { url: `http://127.0.0.1:${port}/mcp`, port, close: () => stopHttp(server, closers) });
}

/** The SDK's server side of one WebSocket: one JSON-RPC message per text frame. */
class WsServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(private readonly socket: WebSocket) {}

  async start(): Promise<void> {
    this.socket.on('message', (data) => {
      try {
        this.onmessage?.(JSON.parse(data.toString()));
      } catch (e) {
        this.onerror?.(e as Error);
      }
    });
    this.socket.on('close', () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.socket.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
    this.socket.close();
  }
}

/** WebSocket server (subprotocol "mcp") at /ws; each connection is its own MCP session. */
export async function startWsServer(label: string): Promise<RunningServer> {
  const seen: SeenRequest[] = [];
  const result = { seen, initializations: 0 } as RunningServer;
  const server = http.createServer((req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/ws', handleProtocols: (protocols) => (protocols.has('mcp') ? 'mcp' : false) });
  const closers: Array<() => Promise<unknown>> = [];
  wss.on('connection', (socket, req) => {
    record(seen, req);
    const mcp = buildMcpServer(label);
    closers.push(() => mcp.close());
    result.initializations++;
    void mcp.connect(new WsServerTransport(socket));
  });
  const port = await listen(server);
  const close = async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await stopHttp(server, closers);
  };
  return Object.assign(result, { url: `ws://127.0.0.1:${port}/ws`, port, close });
}
