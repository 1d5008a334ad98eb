// In-memory fake MCP backends for router tests: a Connector whose connections are one side of
// memoryChannelPair(), with a scripted MCP server on the other side. The server answers
// initialize and the four lists (paginated if asked), and either answers tools/call at once or
// holds it so the test can answer, fail or drop it in any order.
import type { JsonRpcId, JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { BackendConnection, Connector } from '../../src/backends/connection.js';
import { DEFAULT_RESTART } from '../../src/config/schema.js';
import type { ServerSpec } from '../../src/config/spec.js';
import { memoryChannelPair, type MemoryChannel } from '../../src/transports/memory.js';
import { waitFor } from './wait.js';

type Item = Record<string, unknown>;

export interface FakeServerScript {
  tools?: Item[];
  prompts?: Item[];
  resources?: Item[];
  resourceTemplates?: Item[];
  /** Merged over the capabilities derived from the lists given; null removes one. */
  capabilities?: Record<string, unknown | null>;
  instructions?: string;
  protocolVersion?: string;
  /** `_meta` of its initialize result and of every list result. */
  initializeMeta?: Record<string, unknown>;
  listMeta?: Record<string, unknown>;
  /** Paginate list answers, this many items per page. */
  pageSize?: number;
  /** 'error': answer initialize with an error. */
  initialize?: 'ok' | 'error';
  /** 'hold': keep tools/call requests for the test to answer (default: answer at once). */
  calls?: 'answer' | 'hold';
  /** List methods (e.g. 'prompts/list') to hold in `held` instead of answering; answer them with listResult(). */
  holdLists?: string[];
  /** Answers for other request methods; the default echoes {server, method, params}. */
  handlers?: Record<string, (params: any, msg: JsonRpcRequest) => unknown>;
}

/** Names of the fake servers the connector refuses to connect to (like a missing command). */
export const REFUSE = 'refuse' as const;

export class FakeServer {
  readonly received: JsonRpcMessage[] = [];
  readonly held: JsonRpcRequest[] = [];
  closed = false;
  private lostCallback: ((reason: string) => void) | undefined;

  constructor(
    readonly name: string,
    readonly script: FakeServerScript,
    private readonly channel: MemoryChannel,
  ) {
    channel.reader.listen((msg) => this.onMessage(msg as unknown as JsonRpcMessage));
  }

  /** `related`: the proxy's request this message belongs to (as a Streamable HTTP server's stream says). */
  send(msg: object, related?: JsonRpcId): void {
    if (!this.closed) this.channel.writer.send(msg as never, related === undefined ? undefined : { relatedRequestId: related });
  }

  /** Sends text as it is (e.g. JSON nested deeper than the proxy can serialize again). */
  sendRaw(text: string): void {
    if (!this.closed) this.channel.writer.sendText(text);
  }

  notify(method: string, params?: Record<string, unknown>, related?: JsonRpcId): void {
    this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }, related);
  }

  /** Sends a request of its own to the client side; resolves with the answer the proxy brings back. */
  ask(method: string, params: Record<string, unknown> | undefined, id: JsonRpcId, related?: JsonRpcId): Promise<JsonRpcResponse> {
    const answered = waitFor(() => this.received.find((m): m is JsonRpcResponse => !('method' in m) && m.id === id), `the answer to ${method} ${JSON.stringify(id)} at "${this.name}"`);
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }, related);
    return answered;
  }

  answer(id: JsonRpcId, result: unknown): void {
    this.send({ jsonrpc: '2.0', id, result });
  }

  fail(id: JsonRpcId, error: { code: number; message: string; data?: unknown }): void {
    this.send({ jsonrpc: '2.0', id, error });
  }

  /** The requests (not notifications) received with this method. */
  requests(method: string): JsonRpcRequest[] {
    return this.received.filter((m): m is JsonRpcRequest => 'method' in m && 'id' in m && m.method === method);
  }

  notifications(method: string): JsonRpcNotification[] {
    return this.received.filter((m): m is JsonRpcNotification => 'method' in m && !('id' in m) && m.method === method);
  }

  /** Waits until at least `count` tools/call requests are held; returns them in arrival order. */
  async heldCalls(count: number): Promise<JsonRpcRequest[]> {
    await waitFor(() => this.held.length >= count, `${count} held calls at "${this.name}" (have ${this.held.length})`);
    return [...this.held];
  }

  /** Answers a held list request with the script's current items. */
  answerList(req: JsonRpcRequest): void {
    const key = req.method === 'resources/templates/list' ? 'resourceTemplates' : req.method.split('/')[0];
    this.answer(req.id, this.page(key, (this.script as Record<string, Item[] | undefined>)[key] ?? [], req.params?.cursor));
  }

  /** Waits for a held request with this method. */
  heldRequest(method: string): Promise<JsonRpcRequest> {
    return waitFor(() => this.held.find((m) => m.method === method), `a held ${method} at "${this.name}"`);
  }

  /** Simulates the wire dropping: the Backend hears onLost, the channel closes. */
  loseConnection(reason = 'connection dropped by the test'): void {
    this.lostCallback?.(reason);
    this.closed = true;
    this.channel.close();
  }

  /** @internal for the connector */
  setLostCallback(cb: (reason: string) => void): void {
    this.lostCallback = cb;
  }

  capabilities(): Record<string, unknown> {
    const s = this.script;
    const caps: Record<string, unknown> = {};
    if (s.tools) caps.tools = { listChanged: true };
    if (s.prompts) caps.prompts = { listChanged: true };
    if (s.resources || s.resourceTemplates) caps.resources = { listChanged: true };
    for (const [k, v] of Object.entries(s.capabilities ?? {})) {
      if (v === null) delete caps[k];
      else caps[k] = v;
    }
    return caps;
  }

  private onMessage(msg: JsonRpcMessage): void {
    this.received.push(msg);
    if (!('method' in msg) || !('id' in msg)) return;
    const req = msg as JsonRpcRequest;
    if (this.script.holdLists?.includes(req.method)) return void this.held.push(req);
    const list = (key: string, items: Item[] | undefined) => this.answer(req.id, this.page(key, items ?? [], req.params?.cursor));
    switch (req.method) {
      case 'initialize':
        if (this.script.initialize === 'error') return this.fail(req.id, { code: -32603, message: 'initialize refused by script' });
        return this.answer(req.id, {
          protocolVersion: this.script.protocolVersion ?? '2025-11-25',
          capabilities: this.capabilities(),
          serverInfo: { name: `fake-${this.name}`, version: '0.0.1' },
          ...(this.script.instructions ? { instructions: this.script.instructions } : {}),
          ...(this.script.initializeMeta ? { _meta: this.script.initializeMeta } : {}),
        });
      case 'tools/list':
        return list('tools', this.script.tools);
      case 'prompts/list':
        return list('prompts', this.script.prompts);
      case 'resources/list':
        return list('resources', this.script.resources);
      case 'resources/templates/list':
        return list('resourceTemplates', this.script.resourceTemplates);
    }
    const handler = this.script.handlers?.[req.method];
    if (handler) return this.answer(req.id, handler(req.params, req));
    if (req.method === 'tools/call') {
      if (this.script.calls === 'hold') return void this.held.push(req);
      const { name, arguments: args } = req.params ?? {};
      return this.answer(req.id, {
        content: [{ type: 'text', text: `${this.name}:${name}` }],
        structuredContent: { server: this.name, tool: name, arguments: args ?? null },
      });
    }
    this.answer(req.id, { server: this.name, method: req.method, params: req.params ?? null });
  }

  private page(key: string, items: Item[], cursor: unknown): Record<string, unknown> {
    const size = this.script.pageSize;
    const offset = typeof cursor === 'string' ? Number(cursor.replace('page-', '')) : 0;
    const meta = this.script.listMeta ? { _meta: this.script.listMeta } : {};
    if (!size) return { [key]: items, ...meta };
    const end = offset + size;
    return end < items.length ? { [key]: items.slice(offset, end), nextCursor: `page-${end}`, ...meta } : { [key]: items.slice(offset), ...meta };
  }
}

/** The set of fake servers, by name, and the Connector that reaches them. */
export class FakeBackends {
  private readonly servers = new Map<string, FakeServer>();
  /** How many times each name was connected. */
  readonly connects = new Map<string, number>();

  constructor(private readonly scripts: Record<string, FakeServerScript | typeof REFUSE>) {}

  readonly connector: Connector = async (spec) => {
    this.connects.set(spec.name, (this.connects.get(spec.name) ?? 0) + 1);
    const script = this.scripts[spec.name];
    if (script === undefined || script === REFUSE) throw new Error(`fake connector refuses "${spec.name}"`);
    const [proxySide, serverSide] = memoryChannelPair();
    const server = new FakeServer(spec.name, script, serverSide);
    this.servers.set(spec.name, server);
    const connection: BackendConnection = {
      channel: proxySide,
      transport: 'memory',
      onLost: (cb) => server.setLostCallback(cb),
      close: async () => {
        server.closed = true;
        proxySide.close();
        serverSide.close();
      },
    };
    return connection;
  };

  server(name: string): FakeServer {
    const s = this.servers.get(name);
    if (!s) throw new Error(`fake server "${name}" was never connected`);
    return s;
  }
}

/** A ServerSpec as parseConfig would produce it, for a fake server. */
export function fakeSpec(name: string, overrides: Partial<ServerSpec> = {}): ServerSpec {
  return {
    name,
    transport: 'stdio',
    command: 'fake',
    args: [],
    env: {},
    headers: {},
    tools: {},
    session: 'shared',
    restart: { enabled: false, ...DEFAULT_RESTART },
    // The 2025 lifecycle unless a test asks for the era probe ('auto') or 2026-07-28.
    protocol: '2025-11-25',
    ...overrides,
  };
}

/** A tool definition with a recognizable schema, as a backend would list it. */
export function tool(name: string, extra: Item = {}): Item {
  return { name, description: `the ${name} tool`, inputSchema: { type: 'object', properties: { x: { type: 'number' } } }, ...extra };
}
