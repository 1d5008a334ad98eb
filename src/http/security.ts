// Who may talk to us: the bearer key (MULTI_MCP_API_KEY), the browser Origin check that stops
// other web pages from driving the proxy, and the Host check that stops DNS rebinding (a page on
// evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example, often no Origin).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A bind address only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Canonical form of an --allow-host value: a lowercase hostname (any port) or host:port; throws if neither. */
export function normalizeAllowedHost(value: string): string {
  const parsed = parseHostHeader(value);
  if (!parsed) throw new Error(`not a host name: ${value}`);
  return parsed.port === undefined ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
}

/** Splits a Host header into hostname (IPv6 in brackets) and port; undefined for anything else (userinfo, paths). */
function parseHostHeader(value: string): { hostname: string; port?: string } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  return { hostname: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] };
}

/**
 * The Host header names this machine (localhost, 127.0.0.1, [::1], any port) or one of `allowed`
 * (normalized: "name" for any port, "name:port" for that port). A missing Host is refused.
 */
export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  const parsed = header === undefined ? undefined : parseHostHeader(header);
  if (!parsed) return false;
  if (LOOPBACK_HOSTS.has(parsed.hostname) || allowed.includes(parsed.hostname)) return true;
  return parsed.port !== undefined && allowed.includes(`${parsed.hostname}:${parsed.port}`);
}

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
