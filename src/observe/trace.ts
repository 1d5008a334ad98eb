// W3C Trace Context through the proxy. A client's trace context arrives as HTTP headers or in a
// request's `params._meta` (MCP SEP-414: keys traceparent, tracestate, baggage); it goes on to the
// backend in `_meta` always and as HTTP headers to HTTP backends. The proxy records no spans of
// its own, so it forwards the context unchanged (a new parent-id would point at a span that no
// tracing backend ever receives) and puts the trace id in its log lines.
import type { IncomingHttpHeaders } from 'node:http';

export const TRACE_KEYS = ['traceparent', 'tracestate', 'baggage'] as const;

/** W3C limits: tracestate has at most 32 members (~512 chars in practice), baggage 8192 bytes. */
const MAX_VALUE_CHARS = 8192;

/**
 * The trace id of a valid traceparent (W3C Trace Context level 1, §3.2), else undefined. Version
 * 00 is exactly 55 characters; a later version may append fields after a dash; "ff" is invalid.
 */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string' || traceparent.length < 55) return undefined;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(traceparent);
  if (!m || m[1] === 'ff') return undefined;
  if (m[1] === '00' && m[5] !== undefined) return undefined;
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return m[2];
}

/**
 * Copies the trace context of an HTTP request's headers into a JSON-RPC request's
 * `params._meta`, unless the message carries its own traceparent. Only a valid traceparent is
 * taken, and tracestate/baggage only with it.
 */
export function adoptTraceHeaders(headers: IncomingHttpHeaders, message: unknown): void {
  const traceparent = headers.traceparent;
  if (traceIdOf(traceparent) === undefined) return;
  const msg = message as { id?: unknown; method?: unknown; params?: Record<string, any> };
  if (typeof msg?.method !== 'string' || msg.id === undefined) return;
  const params = (msg.params ??= {});
  const meta = typeof params._meta === 'object' && params._meta !== null ? params._meta : (params._meta = {});
  if (meta.traceparent !== undefined) return;
  for (const key of TRACE_KEYS) {
    const value = headers[key];
    if (isHeaderSafe(value)) meta[key] = value;
  }
}

/** HTTP headers for a backend request carrying trace context in `_meta` (none when its traceparent is not valid). */
export function traceHeaders(msg: { params?: Record<string, any> } | undefined): Record<string, string> | undefined {
  const meta = msg?.params?._meta;
  if (typeof meta !== 'object' || meta === null || traceIdOf(meta.traceparent) === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const key of TRACE_KEYS) {
    const value = meta[key];
    if (isHeaderSafe(value)) headers[key] = value;
  }
  return headers;
}

/** Printable ASCII of sane length: what a header may carry and node will send. */
function isHeaderSafe(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_VALUE_CHARS && /^[\x20-\x7e]*$/.test(value);
}
