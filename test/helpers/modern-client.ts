// A 2026-07-28 client in memory: each request is a session of its own on the router (as the
// HTTP and stdio fronts make it), with its own `_meta` envelope; everything the proxy writes for
// it (progress, logs, the answer) is collected.
import type { JsonRpcId, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { MetaKey, MODERN_VERSION, type Envelope } from '../../protocol/modern.js';
import type { Router } from '../../src/router/router.js';
import type { ClientSession } from '../../src/router/session.js';
import { memoryChannelPair } from '../../src/transports/memory.js';
import { waitFor } from './wait.js';

export interface ModernCall {
  session: ClientSession;
  /** Every message the proxy sent for this request, in order. */
  messages: Record<string, any>[];
  answer: Promise<JsonRpcResponse>;
  /** Ends the request from the client's side (an HTTP client closing its POST). */
  close(): void;
}

let nextId = 1;

export function envelope(capabilities: Record<string, unknown> = {}, extra: Partial<Envelope> = {}): Envelope {
  return { protocolVersion: MODERN_VERSION, clientCapabilities: capabilities, clientInfo: { name: 'modern-test', version: '1' }, ...extra };
}

export function modernRequest(router: Router, method: string, params: Record<string, unknown> = {}, env = envelope(), id: JsonRpcId = `m${nextId++}`): ModernCall {
  const [clientSide, proxySide] = memoryChannelPair();
  const messages: Record<string, any>[] = [];
  clientSide.reader.listen((msg) => messages.push(msg as unknown as Record<string, any>));
  const session = router.openModern(proxySide, env);
  const meta = { ...(params._meta as object), [MetaKey.protocolVersion]: env.protocolVersion, [MetaKey.clientCapabilities]: env.clientCapabilities };
  clientSide.writer.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } } as never);
  const answer = waitFor(() => messages.find((m) => m.method === undefined && m.id === id) as JsonRpcResponse | undefined, `the answer to ${method} ${id}`);
  // As the fronts do: the request's session ends with its answer.
  void answer.then(() => router.closeSession(session, 'request answered'), () => {});
  return { session, messages, answer, close: () => clientSide.close() };
}
