// Raw Streamable HTTP requests with fetch (for status codes and headers), plus SDK clients over
// Streamable HTTP and legacy SSE. Callers close what they open (t.after / after hooks).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PATIENCE_MS } from './wait.js';

export const ACCEPT_BOTH = 'application/json, text/event-stream';

type Headers = Record<string, string>;

export function initializeBody(id: number | string = 1, capabilities: Record<string, unknown> = {}, protocolVersion = '2025-11-25') {
  const clientInfo = { name: 'raw-test', version: '1.0.0' };
  return { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion, capabilities, clientInfo } };
}

/** A tools/call request body; `progressToken` asks for progress. */
export function callBody(id: number | string, name: string, args: Record<string, unknown> = {}, progressToken?: number | string) {
  const params: Record<string, unknown> = { name, arguments: args };
  if (progressToken !== undefined) params._meta = { progressToken };
  return { jsonrpc: '2.0', id, method: 'tools/call', params };
}

/** POSTs one JSON body to /mcp (any value, so tests can send garbage too). */
export function postMcp(base: string, body: unknown, headers: Headers = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

/** A raw Streamable HTTP session: initialize + initialized; returns its id and request helpers. */
export async function rawSession(base: string, capabilities: Record<string, unknown> = {}, extraHeaders: Headers = {}) {
  const init = await postMcp(base, initializeBody(1, capabilities), extraHeaders);
  if (init.status !== 200) throw new Error(`initialize: HTTP ${init.status} ${await init.text()}`);
  const sessionId = init.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('initialize answer has no Mcp-Session-Id');
  const initResult = (await init.json()) as any;
  const headers = { ...extraHeaders, 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': initResult.result.protocolVersion };
  const initialized = await postMcp(base, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  if (initialized.status !== 202) throw new Error(`initialized: HTTP ${initialized.status}`);
  let nextId = 100;
  return {
    sessionId,
    headers,
    initResult,
    post: (body: unknown, more: Headers = {}, signal?: AbortSignal) => postMcp(base, body, { ...headers, ...more }, signal),
    /** A request answered as JSON (Accept: application/json only). */
    async request(method: string, params?: Record<string, unknown>): Promise<any> {
      const body = { jsonrpc: '2.0', id: nextId++, method, params };
      const res = await postMcp(base, body, { ...headers, Accept: 'application/json' });
      if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    },
    /** GET /mcp: the server→client stream. */
    openStream: (more: Headers = {}, signal?: AbortSignal) =>
      fetch(`${base}/mcp`, { method: 'GET', headers: { ...headers, Accept: 'text/event-stream', ...more }, signal }),
    end: () => fetch(`${base}/mcp`, { method: 'DELETE', headers }),
  };
}

export type RawSession = Awaited<ReturnType<typeof rawSession>>;

export async function streamableClient(base: string, options: { headers?: Headers; name?: string } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: options.headers ?? {} } });
  const client = new Client({ name: options.name ?? 'streamable-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, transport };
}

export async function sseClient(base: string, options: { headers?: Headers; name?: string } = {}) {
  const transport = new SSEClientTransport(new URL(`${base}/sse`), { requestInit: { headers: options.headers ?? {} } });
  const client = new Client({ name: options.name ?? 'sse-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, transport };
}

/** The text of a tools/call result (SDK result or raw JSON-RPC result). */
export function toolText(result: any): string {
  const r = result?.result ?? result;
  return (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');
}

/** Polls an async check until it returns a value (bounded by time and count); throws with `what`. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = PATIENCE_MS, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
