// Seeded generator of fuzz input for a proxy front: valid JSON-RPC envelopes with random methods
// and params, wrong types, truncated JSON, random bytes, huge strings, duplicated ids, responses
// to nothing, non-UTF-8. Every case with a readable id says what the proxy owes it (one answer
// with that id, or none), so a test can check every such id, and that nothing else was answered.
// Id namespaces keep the cases apart: tracked requests use "fz-N" or numbers from 2e6 up; every
// other id the generator writes ("resp-", "nc-", "mut-", ...) can never be one of them.
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import type { Random } from './mulberry32.js';

/** 'one': exactly one answer with `id`; 'none': no answer with `id`. */
export type Expectation = 'one' | 'none';

export interface FuzzCase {
  kind: string;
  /** One message, without the line end (never contains a 0x0A byte). */
  data: Buffer;
  /** The id a reader of `data` finds (absent: none can be read, only a null-id answer is possible). */
  id?: JsonRpcId;
  /** The method, for a request. */
  method?: string;
  /** A JSON object with a readable id that is not a valid JSON-RPC message: refused with that id. */
  invalid?: boolean;
  /** What the proxy owes `id` (only with an id). */
  expect?: Expectation;
}

export interface FuzzOptions {
  /** The proxy's message size limit: "huge" cases stay under it, "oversized" ones go over. */
  maxBytes: number;
  /** Tool names the proxy exposes, with valid arguments for each. */
  tools: Record<string, () => Record<string, unknown>>;
  prompts: string[];
}

const METHODS = [
  'ping', 'initialize', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'resources/list',
  'resources/read', 'resources/templates/list', 'resources/subscribe', 'resources/unsubscribe',
  'completion/complete', 'logging/setLevel', 'sampling/createMessage', 'elicitation/create', 'roots/list',
  'notifications/cancelled', 'notifications/initialized', 'notifications/progress', '$/cancelRequest', 'rpc.discover', '',
];
const NOTIFICATIONS = [
  'notifications/initialized', 'notifications/progress', 'notifications/roots/list_changed', 'notifications/message',
  'notifications/tools/list_changed', 'notifications/unknown', 'ping', 'tools/call',
];
const STRINGS = ['', 'a', 'échec', '日本語', '🙂🚀', '\u0000', '\u2028\u2029', '\ud800', '"\\', '</script>', 'x'.repeat(300), '__proto__', 'null'];
const KEYS = ['a', 'name', 'text', 'uri', 'cursor', 'level', '_meta', 'progressToken', '__proto__', 'constructor', 'arguments', ''];
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency', 'loud'];

export class FuzzMessages {
  private n = 0;
  /** Ids of tracked requests sent so far, reused by "duplicate" cases. */
  private readonly trackedIds: JsonRpcId[] = [];

  constructor(
    private readonly rnd: Random,
    private readonly options: FuzzOptions,
  ) {}

  /** The next case (two for a "twin"). */
  next(): FuzzCase[] {
    const kind = this.rnd.weighted({
      request: 34, tool: 12, notification: 8, response: 7, envelope: 9, badId: 3, truncated: 7,
      garbage: 6, huge: 2, oversized: 1, duplicate: 5, twin: 2, nonUtf8: 2, mutated: 2,
    });
    if (kind === 'twin') return this.twin();
    return [this[kind]()];
  }

  /** Ids 0 and "" are valid JSON-RPC ids, easy to mishandle as falsy. */
  edgeIds(): FuzzCase[] {
    return [0, ''].map((id) => this.tracked('edge-id', { jsonrpc: '2.0', id, method: 'ping' }, id));
  }

  private freshId(): JsonRpcId {
    const n = this.n++;
    switch (this.rnd.int(4)) {
      case 0:
        return 2_000_000 + n;
      case 1:
        return 2_000_000 + n + 0.25;
      default:
        return `fz-${n}`;
    }
  }

  private tracked(kind: string, msg: Record<string, unknown>, id: JsonRpcId): FuzzCase {
    this.trackedIds.push(id);
    return { kind, data: json(msg), id, method: typeof msg.method === 'string' ? msg.method : undefined, expect: 'one' };
  }

  private request(): FuzzCase {
    const method = this.rnd.chance(0.9) ? this.rnd.pick(METHODS) : this.string();
    const msg: Record<string, unknown> = { jsonrpc: '2.0', id: this.freshId(), method };
    if (this.rnd.chance(0.8)) msg.params = this.params(method);
    return this.tracked('request', msg, msg.id as JsonRpcId);
  }

  private tool(): FuzzCase {
    const names = Object.keys(this.options.tools);
    const name = this.rnd.chance(0.85) ? this.rnd.pick(names) : this.string();
    const valid = Object.hasOwn(this.options.tools, name) ? this.options.tools[name] : undefined;
    const args = valid !== undefined && this.rnd.chance(0.7) ? valid() : this.object(2);
    const params: Record<string, unknown> = { name, arguments: args };
    if (this.rnd.chance(0.2)) params._meta = this.rnd.chance(0.7) ? { progressToken: this.rnd.pick([`pt-${this.n}`, this.n, {}, null]) } : this.value(1);
    const id = this.freshId();
    return this.tracked('tool', { jsonrpc: '2.0', id, method: 'tools/call', params }, id);
  }

  private params(method: string): unknown {
    switch (method) {
      case 'tools/call':
        return { name: this.rnd.pick([...Object.keys(this.options.tools), this.string()]), arguments: this.object(2) };
      case 'prompts/get':
        return { name: this.rnd.pick([...this.options.prompts, this.string()]), arguments: this.object(1) };
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return { uri: this.rnd.pick(['weather://cities', 'file:///etc/passwd', this.string()]) };
      case 'completion/complete':
        return {
          ref: this.rnd.chance(0.5) ? { type: 'ref/prompt', name: this.rnd.pick([...this.options.prompts, this.string()]) } : { type: this.string(), uri: this.string() },
          argument: { name: this.rnd.pick(['operation', this.string()]), value: this.string() },
        };
      case 'logging/setLevel':
        return { level: this.rnd.pick(LEVELS) };
      case 'initialize':
        return this.rnd.chance(0.5)
          ? { protocolVersion: this.rnd.pick(['2025-11-25', '2024-11-05', '1999-01-01']), capabilities: this.object(1), clientInfo: { name: 'fuzz', version: '0' } }
          : this.object(2);
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list':
        return this.rnd.chance(0.5) ? { cursor: this.string() } : this.object(1);
      default:
        return this.object(2);
    }
  }

  private notification(): FuzzCase {
    const method = this.rnd.chance(0.3) ? 'notifications/cancelled' : this.rnd.pick(NOTIFICATIONS);
    // Cancellations never name a tracked id: a cancelled request is rightly never answered.
    const params = method === 'notifications/cancelled' ? { requestId: this.rnd.pick([`nc-${this.n}`, -1e9 - this.n]), reason: this.string() } : this.object(2);
    return { kind: 'notification', data: json({ jsonrpc: '2.0', method, params }) };
  }

  /** A response (result or well-formed error) to a request the proxy never sent: ignored. */
  private response(): FuzzCase {
    const id = this.rnd.chance(0.5) ? `resp-${this.n++}` : -1e9 - this.n++;
    const body = this.rnd.chance(0.5) ? { result: this.value(2) } : { error: { code: this.rnd.between(-32768, 1000), message: this.string() } };
    return { kind: 'response', data: json({ jsonrpc: '2.0', id, ...body }), id, expect: 'none' };
  }

  /** A broken envelope whose id is still readable: answered with that id (-32600). */
  private envelope(): FuzzCase {
    const id = this.freshId();
    const variants: Record<string, unknown>[] = [
      { id, method: 'ping' },
      { jsonrpc: '1.0', id, method: 'ping' },
      { jsonrpc: 2, id, method: 'tools/list' },
      { jsonrpc: '2.0', id, method: this.rnd.pick([5, null, {}, ['ping'], true]) },
      { jsonrpc: '2.0', id, method: 'tools/call', params: this.rnd.pick(['x', 5, [1, 2], null, true]) },
      { jsonrpc: '2.0', id },
      { jsonrpc: '2.0', id, error: this.rnd.pick(['oops', 5, null, { code: 'x', message: 1 }]) },
    ];
    return { ...this.tracked('envelope', this.rnd.pick(variants), id), invalid: true };
  }

  /** Ids that are not string or number: answered with a null id, which nothing tracks. */
  private badId(): FuzzCase {
    const id = this.rnd.pick([null, true, {}, [1], { id: 1 }]);
    return { kind: 'badId', data: json({ jsonrpc: '2.0', id, method: 'ping' }) };
  }

  private truncated(): FuzzCase {
    const id = this.freshId();
    const full = json({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: this.rnd.pick(Object.keys(this.options.tools)), arguments: this.object(2) } });
    return { kind: 'truncated', data: full.subarray(0, this.rnd.between(1, full.length - 1)), id, expect: 'none' };
  }

  private garbage(): FuzzCase {
    const data = this.rnd.chance(0.2) ? Buffer.from(this.rnd.pick(['', '   ', '\r', 'null', '42', '"str"', '[]', '{}', 'true'])) : this.rnd.bytes(this.rnd.between(1, 200), [0x0a]);
    return { kind: 'garbage', data };
  }

  private hugeText(min: number, max: number): string {
    return this.rnd.pick(['x', 'é', '🙂']).repeat(Math.ceil(this.rnd.between(min, max) / 4));
  }

  private huge(): FuzzCase {
    const [name] = Object.keys(this.options.tools);
    const id = this.freshId();
    const limit = this.options.maxBytes;
    return this.tracked('huge', { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text: this.hugeText(limit / 8, limit / 2) } } }, id);
  }

  private oversized(): FuzzCase {
    const id = this.freshId();
    const limit = this.options.maxBytes;
    const data = json({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'x', arguments: { text: 'y'.repeat(limit + this.rnd.int(limit / 2)) } } });
    return { kind: 'oversized', data, id, expect: 'none' };
  }

  /** A valid request reusing the id of an earlier one: one answer per line either way. */
  private duplicate(): FuzzCase {
    if (this.trackedIds.length === 0) return this.request();
    const id = this.rnd.pick(this.trackedIds);
    return this.tracked('duplicate', { jsonrpc: '2.0', id, method: this.rnd.pick(['ping', 'tools/list', 'tools/call']), params: this.params('tools/call') as object }, id);
  }

  /** A number id and the same digits as a string: two different ids, each answered once. */
  private twin(): FuzzCase[] {
    const n = 2_000_000 + this.n++;
    return [this.tracked('twin', { jsonrpc: '2.0', id: n, method: 'ping' }, n), this.tracked('twin', { jsonrpc: '2.0', id: String(n), method: 'ping' }, String(n))];
  }

  private nonUtf8(): FuzzCase {
    const id = this.freshId();
    const [head, tail] = json({ jsonrpc: '2.0', id, method: 'ping', params: { s: '@@' } }).toString('utf8').split('@@');
    const data = Buffer.concat([Buffer.from(head), this.rnd.pick([Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])]), Buffer.from(tail)]);
    // Every front refuses input that is not UTF-8 as a whole (-32700, null id).
    return { kind: 'nonUtf8', data, id, expect: 'none' };
  }

  /** A valid message with a few random bytes changed: what is owed is read from what came out. */
  private mutated(): FuzzCase {
    const data = Buffer.from(json({ jsonrpc: '2.0', id: `mut-${this.n++}`, method: this.rnd.pick(METHODS), params: this.object(2) }));
    for (let i = this.rnd.between(1, 3); i > 0; i--) {
      let b = this.rnd.int(256);
      while (b === 0x0a) b = this.rnd.int(256);
      data[this.rnd.int(data.length)] = b;
    }
    return { kind: 'mutated', data, ...owed(data) };
  }

  private string(): string {
    return this.rnd.chance(0.6) ? this.rnd.pick(STRINGS) : `s${this.rnd.int(1e6)}`;
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = this.rnd.int(4); i > 0; i--) {
      // defineProperty: a plain assignment to "__proto__" would set the prototype instead.
      Object.defineProperty(out, this.rnd.pick(KEYS), { value: this.value(depth - 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private value(depth: number): unknown {
    const kinds = depth > 0 ? 8 : 6;
    switch (this.rnd.int(kinds)) {
      case 0:
        return null;
      case 1:
        return this.rnd.chance(0.5);
      case 2:
        return this.rnd.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 2, this.rnd.int(1000)]);
      case 3:
      case 4:
      case 5:
        return this.string();
      case 6:
        return Array.from({ length: this.rnd.int(4) }, () => this.value(depth - 1));
      default:
        return this.object(depth);
    }
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const isId = (id: unknown): id is JsonRpcId => typeof id === 'string' || typeof id === 'number';

/**
 * What JSON-RPC 2.0 owes one line of input, decided from the bytes alone: nothing can be owed to
 * input that does not decode, parse to an object or carry a string/number id (it gets a null-id
 * error at most); a valid response is never answered; anything else with a readable id is
 * answered once with that id (a request, or an invalid message refused with its id).
 */
export function owed(data: Buffer): Pick<FuzzCase, 'id' | 'method' | 'invalid' | 'expect'> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const m = value as Record<string, unknown>;
  if (!isId(m.id)) return {};
  const paramsOk = m.params === undefined || (typeof m.params === 'object' && m.params !== null && !Array.isArray(m.params));
  if (m.jsonrpc === '2.0' && typeof m.method === 'string' && paramsOk) return { id: m.id, method: m.method, expect: 'one' };
  const error = m.error as Record<string, unknown> | null | undefined;
  const errorOk = !('error' in m) || (typeof error === 'object' && error !== null && typeof error.code === 'number' && typeof error.message === 'string');
  if (m.jsonrpc === '2.0' && !('method' in m) && ('result' in m || 'error' in m) && errorOk) return { id: m.id, expect: 'none' };
  return { id: m.id, invalid: true, expect: 'one' };
}
