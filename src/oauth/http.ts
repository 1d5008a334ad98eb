// HTTP requests to authorization servers and metadata endpoints: small JSON documents, each on a
// fresh connection (no pool to drain when the process exits), bounded in time and size.
// GETs of public metadata follow redirects; POSTs, which may carry client credentials, never do.
import * as http from 'node:http';
import * as https from 'node:https';
import { errorMessage } from '../log.js';

const TIMEOUT_MS = 15_000;
const MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 3;

export interface OAuthResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  url: URL;
}

export interface OAuthRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function oauthFetch(url: URL, options: OAuthRequest = {}): Promise<OAuthResponse> {
  const method = options.method ?? 'GET';
  for (let redirects = 0; ; redirects++) {
    const res = await once(url, method, options);
    const location = res.headers.location;
    if (method !== 'GET' || !location || res.status < 300 || res.status > 399 || redirects >= MAX_REDIRECTS) return res;
    url = new URL(location, url);
  }
}

function once(url: URL, method: string, options: OAuthRequest): Promise<OAuthResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`${displayUrl(url)} is not an http(s) URL`));
  }
  const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (body) headers['Content-Length'] = String(body.length);
  const send = url.protocol === 'https:' ? https.request : http.request;
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, agent: false, signal: options.signal });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const fail = (e: unknown) => {
      clearTimeout(timer);
      reject(new Error(`${method} ${displayUrl(url)}: ${errorMessage(e)}`));
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) return req.destroy(new Error(`answer larger than ${MAX_BYTES} bytes`));
        parts.push(chunk);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8'), url });
      });
      res.once('error', fail);
    });
    req.end(body);
  });
}

/** The body as a JSON object, or an error naming the URL and what came instead. */
export function jsonObject(res: OAuthResponse): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(res.text);
  } catch {
    throw new Error(`${displayUrl(res.url)} did not answer JSON (HTTP ${res.status}${snippet(res.text)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${displayUrl(res.url)} did not answer a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** An OAuth error answer (RFC 6749 §5.2) as "error: description", else the status and a snippet. */
export function describeErrorAnswer(res: OAuthResponse): string {
  try {
    const body = JSON.parse(res.text) as Record<string, unknown>;
    if (typeof body.error === 'string') {
      return `HTTP ${res.status} ${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description.slice(0, 300)}` : ''}`;
    }
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}${snippet(res.text)}`;
}

function snippet(text: string): string {
  const line = text.trim().split('\n')[0]?.slice(0, 120);
  return line ? `: ${line}` : '';
}

/** A URL safe to print: no user info, query values elided (they may hold codes or state). */
export function displayUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  u.username = '';
  u.password = '';
  u.hash = '';
  for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '…');
  return u.toString().replace(/%E2%80%A6/g, '…');
}
