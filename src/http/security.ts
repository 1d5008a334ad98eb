// Who may talk to us: the bearer key (MULTI_MCP_API_KEY) and the browser Origin check that
// stops other web pages (DNS rebinding) from driving a proxy bound to localhost.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const UNAUTHORIZED_HEADERS: OutgoingHttpHeaders = { 'WWW-Authenticate': 'Bearer realm="multi-mcp"' };

/** Constant-time check of an `Authorization: Bearer <key>` header (hashing makes the lengths equal). */
export function bearerMatches(header: string | undefined, key: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const given = createHash('sha256').update(match ? match[1] : '').digest();
  const expected = createHash('sha256').update(key).digest();
  return timingSafeEqual(given, expected) && match !== null;
}

/** Canonical form of an --allow-origin value ("*" or scheme://host[:port]); throws if it is neither. */
export function normalizeOrigin(value: string): string {
  if (value === '*') return value;
  const origin = new URL(value).origin;
  if (origin === 'null') throw new Error(`not an origin: ${value}`);
  return origin;
}

/**
 * No Origin header (not a browser) is fine; a browser page must be on a loopback host (any port)
 * or listed. `allowed` holds normalized origins.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed pages, file://) and garbage
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname)) return true;
  return allowed.includes(url.origin);
}

/** CORS answer headers for an accepted browser Origin, so allowed pages can read what we send. */
export function corsHeaders(origin: string | undefined): OutgoingHttpHeaders {
  if (origin === undefined) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'Mcp-Session-Id, WWW-Authenticate',
    Vary: 'Origin',
  };
}

export function preflightHeaders(origin: string | undefined, allow: string): OutgoingHttpHeaders {
  return {
    ...corsHeaders(origin),
    Allow: allow,
    'Access-Control-Allow-Methods': allow,
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID',
    'Access-Control-Max-Age': '600',
  };
}
