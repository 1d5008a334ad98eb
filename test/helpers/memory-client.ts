// A minimal MCP client over an in-memory channel, for router tests: sends requests with chosen
// ids (numbers and strings kept apart: 1 is not "1"), records everything the proxy sends back.
import type { JsonRpcId, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { MemoryChannel } from '../../src/transports/memory.js';
import { waitFor } from './wait.js';

const key = (id: JsonRpcId | null) => JSON.stringify(id);

export class MemoryClient {
  readonly responses: JsonRpcResponse[] = [];
  readonly notifications: JsonRpcNotification[] = [];
  /** Server→client requests (sampling, roots, ...). */
  readonly requests: JsonRpcRequest[] = [];
  /** The client request each received message was related to by the proxy (SendOptions.relatedRequestId). */
  readonly relatedOf = new Map<object, JsonRpcId>();
  private readonly waiters = new Map<string, ((r: JsonRpcResponse) => void)[]>();
  private nextId = 1000;

  constructor(readonly channel: MemoryChannel) {
    channel.reader.listen((raw, extra) => {
      const msg = raw as unknown as JsonRpcResponse | JsonRpcNotification | JsonRpcRequest;
      if (extra?.relatedRequestId !== undefined) this.relatedOf.set(msg, extra.relatedRequestId);
      if (!('method' in msg)) return this.onResponse(msg);
      if ('id' in msg) this.requests.push(msg as JsonRpcRequest);
      else this.notifications.push(msg);
    });
  }

  private onResponse(msg: JsonRpcResponse): void {
    this.responses.push(msg);
    const list = this.waiters.get(key(msg.id));
    const waiter = list?.shift();
    if (list && list.length === 0) this.waiters.delete(key(msg.id));
    waiter?.(msg);
  }

  send(msg: object): void {
    this.channel.writer.send(msg as never);
  }

  /** Sends a request and resolves with the response carrying the same id (same type too). */
  request(method: string, params?: Record<string, unknown>, id: JsonRpcId = this.nextId++): Promise<JsonRpcResponse> {
    const answered = new Promise<JsonRpcResponse>((resolve) => {
      const list = this.waiters.get(key(id)) ?? [];
      list.push(resolve);
      this.waiters.set(key(id), list);
    });
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return answered;
  }

  notify(method: string, params?: Record<string, unknown>): void {
    this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** Sends notifications/cancelled for a request and stops waiting for its answer. */
  cancel(id: JsonRpcId, reason?: string): void {
    this.waiters.delete(key(id));
    this.notify('notifications/cancelled', reason === undefined ? { requestId: id } : { requestId: id, reason });
  }

  /** initialize + notifications/initialized; returns the initialize result. */
  async initialize(protocolVersion = '2025-11-25', capabilities: Record<string, unknown> = {}, clientInfo: Record<string, unknown> = { name: 'test-client', version: '1.0' }): Promise<any> {
    const res = await this.request('initialize', { protocolVersion, capabilities, clientInfo });
    if (res.error) throw new Error(`initialize failed: ${res.error.message}`);
    this.notify('notifications/initialized');
    return res.result;
  }

  /** tools/call, returning the whole response. */
  call(name: string, args: Record<string, unknown> = {}, id?: JsonRpcId): Promise<JsonRpcResponse> {
    return this.request('tools/call', { name, arguments: args }, id);
  }

  /** Every item of a list, following nextCursor (bounded). */
  async listAll(method: string, key: string, maxPages = 100): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const res = await this.request(method, cursor === undefined ? undefined : { cursor });
      if (res.error) throw new Error(`${method} failed: ${res.error.message}`);
      items.push(...res.result[key]);
      cursor = res.result.nextCursor;
      if (cursor === undefined) return items;
    }
    throw new Error(`${method} did not end within ${maxPages} pages`);
  }

  notificationsOf(method: string): JsonRpcNotification[] {
    return this.notifications.filter((n) => n.method === method);
  }

  waitForNotification(method: string, count = 1): Promise<JsonRpcNotification[]> {
    return waitFor(() => {
      const found = this.notificationsOf(method);
      return found.length >= count && found;
    }, `${count} × ${method}`);
  }
}
