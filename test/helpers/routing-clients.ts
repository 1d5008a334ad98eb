// SDK clients for the protocol-routing tests, over Streamable HTTP or stdio: each declares the
// capabilities of the handlers it is given and records every notification and server→client
// request it receives, so a test can assert what reached which client (and what did not).
// Every client is closed after its test (t.after); a stdio proxy is SIGKILLed if still alive.
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
  ProgressNotificationSchema,
  type ClientCapabilities,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
  type ListRootsResult,
} from '@modelcontextprotocol/sdk/types.js';
import { CLI, isAlive } from './proxy-process.js';
import { PATIENCE_MS, waitFor } from './wait.js';

type Signal = { signal: AbortSignal };

export interface Handlers {
  sampling?: (request: CreateMessageRequest, extra: Signal) => CreateMessageResult | Promise<CreateMessageResult>;
  elicitation?: (request: ElicitRequest, extra: Signal) => ElicitResult | Promise<ElicitResult>;
  roots?: () => ListRootsResult | Promise<ListRootsResult>;
}

export interface RoutingClientOptions {
  name: string;
  handlers?: Handlers;
  /** Defaults to exactly what the handlers need (no handler: no capability). */
  capabilities?: ClientCapabilities;
  /**
   * Record notifications/progress as they come instead of handing them to the SDK's per-request
   * handlers: tests that choose their own progress tokens need this (the SDK only knows its own).
   */
  rawProgress?: boolean;
}

export interface Received {
  method: string;
  params?: any;
}

export class RoutingClient {
  /** Every notification received (progress only with rawProgress). */
  readonly notes: Received[] = [];
  /** Every server→client request received, handled or not. */
  readonly requests: Received[] = [];

  constructor(
    readonly client: Client,
    readonly name: string,
  ) {}

  notifications(method: string): Received[] {
    return this.notes.filter((n) => n.method === method);
  }

  requestsOf(method: string): Received[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** Waits (bounded) for a notification of `method` matching `match`. */
  waitForNote(method: string, match: (params: any) => boolean = () => true, timeoutMs = PATIENCE_MS): Promise<Received> {
    return waitFor(() => this.notes.find((n) => n.method === method && match(n.params)), `${this.name}: ${method}`, timeoutMs, 10);
  }

  /** Calls a tool and returns its text content (joined), failing on a protocol error. */
  async callText(name: string, args: Record<string, unknown> = {}, options?: { signal?: AbortSignal }): Promise<string> {
    const result = await this.client.callTool({ name, arguments: args }, undefined, options);
    return textOf(result);
  }
}

export function textOf(result: any): string {
  return ((result?.content ?? []) as { text?: string }[]).map((c) => c.text ?? '').join('');
}

function capabilitiesFor(handlers: Handlers): ClientCapabilities {
  const caps: ClientCapabilities = {};
  if (handlers.sampling) caps.sampling = {};
  if (handlers.elicitation) caps.elicitation = {};
  if (handlers.roots) caps.roots = { listChanged: true };
  return caps;
}

function buildClient(options: RoutingClientOptions): RoutingClient {
  const handlers = options.handlers ?? {};
  const client = new Client({ name: options.name, version: '1.0.0' }, { capabilities: options.capabilities ?? capabilitiesFor(handlers) });
  const rc = new RoutingClient(client, options.name);
  client.fallbackNotificationHandler = async (n) => void rc.notes.push({ method: n.method, params: n.params });
  client.fallbackRequestHandler = async (r) => {
    rc.requests.push({ method: r.method, params: r.params });
    throw new McpError(ErrorCode.MethodNotFound, `${options.name} does not handle ${r.method}`);
  };
  if (options.rawProgress) client.setNotificationHandler(ProgressNotificationSchema, (n) => void rc.notes.push(n));
  const { sampling, elicitation, roots } = handlers;
  if (sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, (req, extra) => {
      rc.requests.push(req);
      return sampling(req, extra);
    });
  }
  if (elicitation) {
    client.setRequestHandler(ElicitRequestSchema, (req, extra) => {
      rc.requests.push(req);
      return elicitation(req, extra);
    });
  }
  if (roots) {
    client.setRequestHandler(ListRootsRequestSchema, (req) => {
      rc.requests.push(req);
      return roots();
    });
  }
  return rc;
}

export interface HttpRoutingClient extends RoutingClient {
  transport: StreamableHTTPClientTransport;
}

/** An SDK client over Streamable HTTP to `base`/mcp; its session is ended after the test. */
export async function connectHttp(t: TestContext, base: string, options: RoutingClientOptions): Promise<HttpRoutingClient> {
  const rc = buildClient(options) as HttpRoutingClient;
  rc.transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
  // DELETE ends the proxy session (close() alone would leave it to the idle timeout).
  t.after(async () => {
    await rc.transport.terminateSession().catch(() => {});
    await rc.client.close();
  });
  await rc.client.connect(rc.transport);
  return rc;
}

export interface StdioRoutingClient extends RoutingClient {
  transport: StdioClientTransport;
  stderr(): string;
}

/** An SDK client running the proxy over stdio with `--config file` (+ args); closed after the test. */
export async function connectStdio(t: TestContext, configFile: string, options: RoutingClientOptions, args: string[] = []): Promise<StdioRoutingClient> {
  const rc = buildClient(options) as StdioRoutingClient;
  rc.transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--config', configFile, '--log-level', 'warn', ...args],
    stderr: 'pipe',
  });
  let stderr = '';
  rc.transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  rc.stderr = () => stderr;
  t.after(async () => {
    const pid = rc.transport.pid;
    await rc.client.close();
    if (pid !== null && pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  await rc.client.connect(rc.transport);
  return rc;
}

/** A promise with its resolve function outside, to hold a handler until the test lets it go. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

export const samplingAnswer = (text: string): CreateMessageResult => ({
  role: 'assistant',
  model: 'test-model',
  content: { type: 'text', text },
});
