// Sign-in against a local authorization server, in this process: the whole flow (discovery,
// registration, PKCE, resource, the redirect, the code exchange), refresh before expiry and on
// 401, a revoked refresh token, step-up with its limit, RFC 9207 checks, and the waiting
// sign-ins table emptied on answer, expiry, cancel and a refusing browser.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setLogSink } from '../src/log.js';
import { CallbackRoute, LoopbackRedirects, type RedirectReceiver } from '../src/oauth/redirect.js';
import { ServerAuth } from '../src/oauth/server-auth.js';
import { TokenStore } from '../src/oauth/store.js';
import { HttpClient, readBody } from '../src/transports/http-request.js';
import { approve, ProtectedMcpServer, TestAuthServer, type AuthServerOptions, type ProtectedServerOptions } from './helpers/oauth-servers.js';
import { waitFor } from './helpers/wait.js';

const logs: string[] = [];
const restoreLog = setLogSink((line) => logs.push(line));
after(restoreLog);

interface Setup {
  as: TestAuthServer;
  rs: ProtectedMcpServer;
  auth: ServerAuth;
  store: TokenStore;
  links: string[];
  /** Whether the "browser" approves each link as soon as it opens (tests may change it). */
  browser: { approves: boolean };
  clock: { now: number };
  http: HttpClient;
  call(method?: string): Promise<{ status: number; text: string }>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeEach(() => {
  logs.length = 0;
});

/** A protected server, its authorization server, and a ServerAuth whose "browser" approves at once (unless told not to). */
async function setup(
  options: { as?: AuthServerOptions; rs?: ProtectedServerOptions; approve?: boolean; redirects?: RedirectReceiver; linkTtlMs?: number; dir?: string } = {},
): Promise<Setup> {
  const as = await new TestAuthServer(options.as).start();
  const rs = await new ProtectedMcpServer(as, options.rs).start();
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'multi-mcp-oauth-'));
  const store = new TokenStore(path.join(dir, 'store'));
  const links: string[] = [];
  const browser = { approves: options.approve !== false };
  const clock = { now: Date.now() };
  const auth = new ServerAuth({
    name: 'srv',
    url: new URL(rs.resource),
    settings: {},
    store,
    redirects: options.redirects ?? new LoopbackRedirects(),
    opener: (link) => {
      links.push(link);
      if (browser.approves) void approve(link);
    },
    now: () => clock.now,
    ...(options.linkTtlMs ? { linkTtlMs: options.linkTtlMs } : {}),
  });
  const http = new HttpClient('http:', auth);
  cleanups.push(async () => {
    auth.cancel('test over');
    http.destroy();
    await rs.stop();
    await as.stop();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  });
  let id = 0;
  const call = async (method = 'tools/call') => {
    const res = await http.request('POST', new URL(rs.resource), {
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: { name: 'whoami' } }),
    });
    return { status: res.statusCode ?? 0, text: await readBody(res, 1 << 20) };
  };
  return { as, rs, auth, store, links, browser, clock, http, call };
}

describe('oauth: sign-in flow', { timeout: 180_000 }, () => {
  it('signs in on the first 401: metadata, registration, PKCE S256, resource, state, then retries with the token', async () => {
    const s = await setup();
    const first = await s.call();
    assert.equal(first.status, 200, first.text);
    assert.match(first.text, /token #1 of client-1/);
    assert.equal(s.as.counts.register, 1);
    assert.equal(s.as.counts.authorize, 1);
    assert.equal(s.as.counts.authorizationCode, 1);
    const q = s.as.lastAuthorization!;
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('resource'), s.rs.resource);
    assert.equal(q.get('scope'), 'mcp', 'the challenge scope');
    assert.ok((q.get('state') ?? '').length >= 32);
    assert.equal(s.as.lastTokenRequest!.get('resource'), s.rs.resource);
    assert.equal(s.rs.count(401), 1);
    // The next request carries the token at once.
    assert.equal((await s.call()).status, 200);
    assert.equal(s.rs.count(401), 1);
    assert.equal(s.links.length, 1);
  });

  it('refreshes the token before it expires, so the server never sees the old one', async () => {
    const s = await setup({ as: { expiresIn: 300 } });
    assert.equal((await s.call()).status, 200);
    s.clock.now += 250_000; // 50 s left: inside the refresh margin (60 s)
    const second = await s.call();
    assert.equal(second.status, 200);
    assert.match(second.text, /token #2/);
    assert.equal(s.as.counts.refresh, 1);
    assert.equal(s.rs.count(401), 1, 'only the first, token-less request was refused');
    assert.equal(s.as.counts.authorize, 1, 'no second sign-in');
  });

  it('refreshes on 401 and sends the request again', async () => {
    const s = await setup();
    assert.equal((await s.call()).status, 200);
    s.as.expireAccessTokens();
    const again = await s.call();
    assert.equal(again.status, 200);
    assert.match(again.text, /token #2/);
    assert.equal(s.as.counts.refresh, 1);
    assert.equal(s.as.counts.authorize, 1);
  });

  it('a revoked refresh token leads to a new sign-in, whose link is offered', async () => {
    const s = await setup();
    assert.equal((await s.call()).status, 200);
    s.as.revokeAll();
    // This time the browser does not come back by itself.
    s.browser.approves = false;
    const waiting = s.http.request('POST', new URL(s.rs.resource), {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami' } }),
    });
    await waitFor(() => s.auth.needsSignIn, 'the sign-in to wait');
    assert.ok(s.auth.link?.startsWith(`${s.as.url}/authorize?`));
    assert.match(s.auth.problem ?? '', /refresh token was refused/);
    assert.equal(s.as.counts.refresh, 1);
    // Approving the link lets the waiting request through.
    await approve(s.auth.link!);
    const res = await waiting;
    assert.equal(res.statusCode, 200);
    assert.equal(s.auth.needsSignIn, false);
  });

  it('keeps tokens across a restart: a new ServerAuth on the same store needs no sign-in', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-oauth-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const s = await setup({ dir });
    assert.equal((await s.call()).status, 200);
    const again = new ServerAuth({ name: 'srv', url: new URL(s.rs.resource), settings: {}, store: s.store, redirects: new LoopbackRedirects() });
    const header = await again.authorization();
    assert.ok(header?.startsWith('Bearer at-'));
    assert.equal(s.as.introspect(header!.slice(7))?.serial, 1);
  });

  it('step-up: a 403 insufficient_scope asks for the granted scopes plus the challenged ones, once', async () => {
    const s = await setup({ rs: { callScopes: ['mcp', 'write'] } });
    const res = await s.call();
    assert.equal(res.status, 200, res.text);
    assert.equal(s.as.counts.authorize, 2);
    assert.deepEqual(s.as.lastAuthorization!.get('scope')!.split(' ').sort(), ['mcp', 'write']);
  });

  it('step-up: a server that keeps refusing what was granted is not asked again (retry limit)', async () => {
    const s = await setup({ rs: { callScopes: ['admin'] }, as: { grantOnly: ['mcp'] } });
    // The server wants "admin"; the step-up asks for it; the authorization server does not grant it.
    await assert.rejects(s.call(), /HTTP 403/);
    assert.equal(s.as.counts.authorize, 2, 'the sign-in and one step-up');
    await assert.rejects(s.call(), /HTTP 403.*still wants scope "admin"/);
    assert.equal(s.as.counts.authorize, 2, 'no further sign-in for the same scopes');
  });

  it('rejects an authorization answer from another issuer (RFC 9207) and keeps a fresh link ready', async () => {
    const s = await setup({ as: { issInRedirect: 'https://evil.example.com' } });
    const pending = s.call().catch((e: Error) => e);
    await waitFor(() => /sign-in failed: the sign-in answer names issuer "https:\/\/evil\.example\.com"/.test(logs.join('\n')), 'the rejection');
    assert.equal(s.as.counts.authorizationCode, 0, 'the code never reached the token endpoint');
    // A new link is offered, without opening the browser again.
    await waitFor(() => s.auth.needsSignIn && s.auth.link !== s.links[0], 'a fresh link');
    assert.equal(s.links.length, 1);
    s.auth.cancel('test over');
    const outcome = await pending;
    assert.ok(outcome instanceof Error);
  });

  it('an authorization answer without iss is refused when the server promises one', async () => {
    const s = await setup({ as: { issInRedirect: 'omit' } });
    void s.call().catch(() => {});
    await waitFor(() => /carries no "iss"/.test(logs.join('\n')), 'the rejection');
    assert.equal(s.as.counts.authorizationCode, 0);
  });
});

describe('oauth: waiting sign-ins at /oauth/callback', { timeout: 180_000 }, () => {
  function routeSetup(linkTtlMs?: number) {
    const route = new CallbackRoute('http://127.0.0.1:9/oauth/callback');
    return { route, ...(linkTtlMs ? { linkTtlMs } : {}) };
  }

  it('a sign-in leaves the table when answered', async () => {
    const { route } = routeSetup();
    const s = await setup({ redirects: route, approve: false });
    void s.call().catch(() => {});
    await waitFor(() => s.auth.link, 'the link');
    assert.equal(route.size, 1);
    const state = new URL(s.auth.link!).searchParams.get('state')!;
    const { res, done } = fakeResponse();
    // What the authorization server would redirect the browser to (a refusal, here).
    route.handle(new URL(`http://x/oauth/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(s.as.url)}`), res);
    assert.equal(route.size, 0);
    assert.match(await done, /Sign-in failed.*access_denied/s);
    // A sign-in that the user refused is replaced by a fresh link, itself waiting.
    await waitFor(() => route.size === 1, 'a fresh link');
    s.auth.cancel('test over');
    assert.equal(route.size, 0, 'cancel empties it');
  });

  it('an expired link leaves the table and a fresh one takes its place', async () => {
    const { route } = routeSetup();
    const s = await setup({ redirects: route, approve: false, linkTtlMs: 50 });
    void s.call().catch(() => {});
    await waitFor(() => s.auth.link, 'the link');
    const first = s.auth.link;
    await waitFor(() => s.auth.link !== undefined && s.auth.link !== first, 'a fresh link');
    assert.equal(route.size, 1, 'only the fresh one waits');
    s.auth.cancel('test over');
    assert.equal(route.size, 0);
  });

  it('an unknown state is answered 400 and changes nothing', async () => {
    const route = new CallbackRoute('http://127.0.0.1:9/oauth/callback');
    const { res, done } = fakeResponse();
    route.handle(new URL('http://x/oauth/callback?code=abc&state=nope'), res);
    assert.match(await done, /unknown or has expired/);
    assert.equal(route.size, 0);
  });
});

/** A ServerResponse stand-in capturing the page. */
function fakeResponse() {
  let resolve!: (text: string) => void;
  const done = new Promise<string>((r) => (resolve = r));
  const res = {
    headersSent: false,
    writeHead() {
      return res;
    },
    end(body: string) {
      resolve(body);
    },
  };
  return { res: res as never, done };
}
