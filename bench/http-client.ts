// The HTTP clients of the bench: Streamable HTTP (POST per message over keep-alive connections,
// answers as JSON or SSE) and legacy SSE (GET /sse stream + POST to its endpoint). The same
// code drives multi-mcp, the bare node:http endpoint and the peer proxies.
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { RpcClient } from './ndjson-client.js';
import { Waiters } from './waiters.js';

export const PROTOCOL_VERSION = '2025-06-18';
const MODERN_VERSION = '2026-07-28';
const INIT_PARAMS = { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } };

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request; resolves with the whole body (an SSE answer stream ends after its answer). */
export function send(agent: Agent, url: URL, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, method, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every `data:` payload of an SSE body, parsed. */
function sseMessages(body: string): any[] {
  const out: any[] = [];
  for (const block of body.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l[5] === ' ' ? 6 : 5))
      .join('\n');
    if (data) out.push(JSON.parse(data));
  }
  return out;
}

function resultOf(reply: Reply, id: number): any {
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);
  const type = String(reply.headers['content-type'] ?? '');
  const messages = type.startsWith('text/event-stream') ? sseMessages(reply.body) : [JSON.parse(reply.body)];
  const answer = messages.find((m) => m.id === id && m.method === undefined);
  if (!answer) throw new Error(`no answer to request ${id} in: ${reply.body.slice(0, 300)}`);
  if (answer.error) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.result;
}

export function keepAliveAgent(maxSockets = 64): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export class StreamableClient implements RpcClient {
  private nextId = 1;
  private sessionId: string | undefined;
  private readonly headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
  };

  constructor(
    private readonly url: URL,
    private readonly agent: Agent,
  ) {}

  async initialize(): Promise<any> {
    const id = this.nextId++;
    const reply = await send(this.agent, this.url, 'POST', this.headers, JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: INIT_PARAMS }));
    const result = resultOf(reply, id);
    const sessionId = reply.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      this.sessionId = sessionId;
      this.headers['Mcp-Session-Id'] = sessionId;
    }
    this.headers['MCP-Protocol-Version'] = result.protocolVersion ?? PROTOCOL_VERSION;
    const ack = await send(this.agent, this.url, 'POST', this.headers, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    if (ack.status !== 202 && ack.status !== 200) throw new Error(`notifications/initialized: HTTP ${ack.status}`);
    return result;
  }

  async request(method: string, params?: unknown): Promise<any> {
    const id = this.nextId++;
    const reply = await send(this.agent, this.url, 'POST', this.headers, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return resultOf(reply, id);
  }

  notify(method: string, params?: unknown): void {
    void send(this.agent, this.url, 'POST', this.headers, JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** DELETE: ends the session. */
  async close(): Promise<void> {
    if (this.sessionId === undefined) return;
    await send(this.agent, this.url, 'DELETE', this.headers);
    this.sessionId = undefined;
  }
}

/** MCP 2026-07-28: no session; each request carries its envelope in `_meta` and the revision's headers. */
export class StatelessClient implements RpcClient {
  private nextId = 1;
  private readonly meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': INIT_PARAMS.clientInfo,
  };

  constructor(
    private readonly url: URL,
    private readonly agent: Agent,
  ) {}

  /** server/discover: proves the endpoint speaks 2026-07-28 (nothing to set up). */
  async initialize(): Promise<any> {
    const result = await this.request('server/discover', {});
    if (!result.supportedVersions?.includes(MODERN_VERSION)) throw new Error(`server/discover: ${JSON.stringify(result)}`);
    return result;
  }

  async request(method: string, params: Record<string, any> = {}): Promise<any> {
    const id = this.nextId++;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': MODERN_VERSION,
      'Mcp-Method': method,
    };
    if (typeof params.name === 'string') headers['Mcp-Name'] = params.name;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: this.meta } });
    return resultOf(await send(this.agent, this.url, 'POST', headers, body), id);
  }

  notify(): void {}

  async close(): Promise<void> {}
}

/** Legacy HTTP+SSE: answers arrive on the GET stream, matched to requests by id. */
export class LegacySseClient implements RpcClient {
  private endpoint: URL | undefined;
  private stream: IncomingMessage | undefined;
  private readonly waiters = new Waiters();
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private onEndpoint: ((url: URL) => void) | undefined;

  constructor(
    private readonly sseUrl: URL,
    private readonly agent: Agent,
  ) {}

  async initialize(): Promise<any> {
    const endpoint = new Promise<URL>((resolve) => (this.onEndpoint = resolve));
    await new Promise<void>((resolve, reject) => {
      // The stream holds its connection for the session: not taken from the POST pool.
      const req = httpRequest(this.sseUrl, { method: 'GET', headers: { Accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${this.sseUrl}: HTTP ${res.statusCode}`));
        this.stream = res;
        res.setEncoding('utf8');
        res.on('data', (text: string) => this.onText(text));
        res.on('close', () => this.waiters.failAll(new Error('SSE stream closed')));
        resolve();
      });
      req.on('error', reject);
      req.end();
    });
    this.endpoint = await endpoint;
    const result = await this.request('initialize', INIT_PARAMS);
    this.notify('notifications/initialized');
    return result;
  }

  request(method: string, params?: unknown): Promise<any> {
    const { id, answer } = this.waiters.add();
    this.post({ jsonrpc: '2.0', id, method, params }).catch((e) => this.waiters.fail(id, e));
    return answer;
  }

  notify(method: string, params?: unknown): void {
    void this.post({ jsonrpc: '2.0', method, params }).catch(() => {});
  }

  async close(): Promise<void> {
    this.stream?.destroy();
  }

  private async post(msg: object): Promise<void> {
    const reply = await send(this.agent, this.endpoint!, 'POST', { 'Content-Type': 'application/json' }, JSON.stringify(msg));
    if (reply.status !== 202 && reply.status !== 200) throw new Error(`POST ${this.endpoint}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
  }

  private onText(text: string): void {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line === '') this.dispatch();
      else if (line.startsWith('data:')) this.data.push(line.slice(line[5] === ' ' ? 6 : 5));
      else if (line.startsWith('event:')) this.event = line.slice(6).trim();
    }
  }

  private dispatch(): void {
    const event = this.event || 'message';
    const data = this.data.join('\n');
    this.event = '';
    this.data = [];
    if (event === 'endpoint') return this.onEndpoint?.(new URL(data, this.sseUrl));
    if (event !== 'message' || data === '') return;
    this.waiters.settle(JSON.parse(data));
  }
}
