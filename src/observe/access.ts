// Who may see the status page, /status and /metrics: the same key as the admin API. A browser
// cannot send a bearer header, so the page's login form exchanges the key for a cookie
// (HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it). The cookie
// holds an expiry and an HMAC of it under the key, so the proxy keeps no table of logins, and a
// new key ends every login. With no key configured, all of it is served on a loopback bind only.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerMatches } from '../http/security.js';

export const COOKIE_NAME = 'multi_mcp_status';
const COOKIE_TTL_SECONDS = 12 * 3600;

/** ok; needs-login: a key is set and the request has neither it nor a valid cookie; remote-without-key: no key and a non-loopback bind. */
export type Access = 'ok' | 'needs-login' | 'remote-without-key';

export class ObserveAccess {
  constructor(
    private readonly apiKey: string | undefined,
    /** The address the server listens on. */
    private readonly bindHost: string,
    private readonly now: () => number = Date.now,
  ) {}

  get hasKey(): boolean {
    return this.apiKey !== undefined;
  }

  check(req: IncomingMessage): Access {
    if (this.apiKey === undefined) return isLoopbackHost(this.bindHost) ? 'ok' : 'remote-without-key';
    if (req.headers.authorization !== undefined) return bearerMatches(req.headers.authorization, this.apiKey) ? 'ok' : 'needs-login';
    return this.cookieValid(cookieOf(req, COOKIE_NAME)) ? 'ok' : 'needs-login';
  }

  /** Constant-time comparison of a key typed into the login form. */
  keyMatches(given: string): boolean {
    if (this.apiKey === undefined) return false;
    const a = createHash('sha256').update(given).digest();
    const b = createHash('sha256').update(this.apiKey).digest();
    return timingSafeEqual(a, b);
  }

  /** Set-Cookie value for a successful login; Secure when the request came over TLS (directly or per X-Forwarded-Proto). */
  loginCookie(req: IncomingMessage): string {
    const expires = Math.floor(this.now() / 1000) + COOKIE_TTL_SECONDS;
    const secure = (req.socket as { encrypted?: boolean }).encrypted || req.headers['x-forwarded-proto'] === 'https';
    return `${COOKIE_NAME}=${expires}.${this.sign(expires)}; Max-Age=${COOKIE_TTL_SECONDS}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  logoutCookie(): string {
    return `${COOKIE_NAME}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`;
  }

  private sign(expires: number): string {
    return createHmac('sha256', this.apiKey!).update(`multi-mcp status login until ${expires}`).digest('base64url');
  }

  private cookieValid(value: string | undefined): boolean {
    const m = value === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return false;
    const expires = Number(m[1]);
    if (expires * 1000 <= this.now()) return false;
    return timingSafeEqual(Buffer.from(m[2]), Buffer.from(this.sign(expires)));
  }
}

/** A bind address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
