// The status page, /status and /metrics on the HTTP server, wired as the command line wires
// them: counters after known traffic (an answer, a tool error, a crash that fails the call and
// restarts the backend), and who may see them (loopback without a key; bearer or login cookie
// with one).
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { ObserveAccess } from '../src/observe/access.js';
import { Observability } from '../src/observe/setup.js';
import type { Router } from '../src/router/router.js';
import { callBody, pollUntil, rawSession } from './helpers/http-mcp.js';
import { inProcessServer } from './helpers/http-inprocess.js';
import { parseExposition, sampleValue } from './helpers/prometheus.js';
import { waitFor } from './helpers/wait.js';

const KEY = 'observe-test-key-0123456789';

async function observedServer(t: import('node:test').TestContext, fixtures: string[], apiKey?: string) {
  let router: Router | undefined;
  const observability = new Observability({ mode: 'http', metricsToolLabels: false, apiKey }, () => router!.registry.list());
  const observe = observability.httpOptions('127.0.0.1')!;
  const started = await inProcessServer(t, fixtures, { apiKey, observe }, { observer: observability.observer });
  router = started.router;
  return { ...started, traffic: observe.traffic! };
}

test('after known traffic /metrics counts answers, a tool error, a crashed call and its restart; /status and the page agree', async (t) => {
  const { http } = await observedServer(t, ['calculator', 'crash']);
  const session = await rawSession(http.url);
  assert.equal((await session.request('tools/call', { name: 'calculator__add', arguments: { a: 1, b: 2 } })).result.structuredContent.result, 3);
  assert.equal((await session.request('tools/call', { name: 'calculator__divide', arguments: { a: 1, b: 0 } })).result.isError, true);
  assert.match((await session.request('tools/call', { name: 'crash__crash', arguments: {} })).error.message, /"crash"/);

  const status = await pollUntil(async () => {
    const s = (await (await fetch(`${http.url}/status`)).json()) as any;
    const crash = s.backends.find((b: any) => b.name === 'crash');
    return crash.restarts >= 1 && crash.state === 'ready' ? s : undefined;
  }, 'the crash backend to restart', 15_000);
  assert.deepEqual(status.backends.map((b: any) => [b.name, b.state, b.transport]), [['calculator', 'ready', 'stdio'], ['crash', 'ready', 'stdio']]);
  const calculator = status.backends[0];
  assert.equal(calculator.tools, 4);
  assert.equal(calculator.protocolVersion, '2025-11-25');
  assert.equal(calculator.era, '2025');
  assert.ok(calculator.pid > 0 && calculator.readySince <= status.proxy.now);
  assert.deepEqual(status.calls.map((c: any) => `${c.server} ${c.name} ${c.outcome}`), ['crash crash error', 'calculator divide tool_error', 'calculator add ok']);
  assert.deepEqual(status.sessions.byFront, { 'streamable-http': 1 });
  assert.equal(status.sessions.list[0].client, 'raw-test 1.0.0');

  const res = await fetch(`${http.url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const families = parseExposition(await res.text());
  const requests = (server: string, outcome: string) => sampleValue(families, 'multi_mcp_backend_requests_total', { server, method: 'tools/call', outcome });
  assert.equal(requests('calculator', 'ok'), 1);
  assert.equal(requests('calculator', 'tool_error'), 1);
  assert.equal(requests('crash', 'error'), 1);
  assert.equal(sampleValue(families, 'multi_mcp_backend_request_duration_seconds_count', { server: 'calculator', method: 'tools/call' }), 2);
  assert.equal(sampleValue(families, 'multi_mcp_backend_restarts_total', { server: 'crash' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_backend_restarts_total', { server: 'calculator' }), 0);
  assert.equal(sampleValue(families, 'multi_mcp_backend_state', { server: 'crash', state: 'ready' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_backend_requests_in_flight', { server: 'crash' }), 0);
  assert.equal(sampleValue(families, 'multi_mcp_front_sessions_open', { front: 'streamable-http' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_front_sessions_total', { front: 'sse' }), 0);
  assert.ok(sampleValue(families, 'multi_mcp_front_received_bytes_total', { front: 'streamable-http' })! > 500);
  assert.ok(sampleValue(families, 'multi_mcp_front_sent_bytes_total', { front: 'streamable-http' })! > 500);
  assert.equal(sampleValue(families, 'multi_mcp_front_received_bytes_total', { front: 'ws' }), 0);
  assert.ok(sampleValue(families, 'process_resident_memory_bytes')! > 0);

  const page = await fetch(`${http.url}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'; connect-src 'self'/);
  const html = await page.text();
  assert.match(html, /<tbody id="servers">/);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no external request');
  assert.doesNotMatch(html, /Log out/, 'no login to end without a key');

  await session.end();
  const after = (await (await fetch(`${http.url}/status`)).json()) as any;
  assert.equal(after.sessions.total, 0);
});

test('with a key: bearer or the login cookie opens /metrics, /status and the page; nothing else does', async (t) => {
  const { http } = await observedServer(t, ['calculator'], KEY);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${http.url}${path}`, { headers, redirect: 'manual' });
  for (const path of ['/metrics', '/status']) {
    const refused = await get(path);
    assert.equal(refused.status, 401, path);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="multi-mcp"');
    assert.equal((await get(path, { Authorization: 'Bearer wrong-key-wrong-key' })).status, 401);
    assert.equal((await get(path, { Authorization: `Bearer ${KEY}` })).status, 200, path);
  }
  const form = await get('/');
  assert.equal(form.status, 200);
  const formHtml = await form.text();
  assert.match(formHtml, /<form method="post" action="login"><input type="password" name="key"/);
  assert.doesNotMatch(formHtml, /id="servers"/, 'the login form shows no status');

  const login = (key: string) =>
    fetch(`${http.url}/login`, { method: 'POST', body: new URLSearchParams({ key }), redirect: 'manual' });
  const wrong = await login('not-the-key-at-all');
  assert.equal(wrong.status, 401);
  assert.match(await wrong.text(), /That key is not the proxy's key/);
  assert.equal(wrong.headers.get('set-cookie'), null);

  const ok = await login(KEY);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), './');
  const setCookie = ok.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^multi_mcp_status=\d+\.[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.ok(!setCookie.includes(KEY), 'the cookie does not carry the key');
  const cookie = setCookie.split(';')[0];
  const page = await get('/', { Cookie: cookie });
  assert.match(await page.text(), /id="servers"/);
  assert.equal((await get('/status', { Cookie: cookie })).status, 200);
  assert.equal((await get('/metrics', { Cookie: `other=1; ${cookie}` })).status, 200);
  const forged = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal((await get('/status', { Cookie: forged })).status, 401);
  assert.equal((await get('/status', { Cookie: cookie.replace(/=\d+/, '=99999999999') })).status, 401, 'a longer expiry is not signed');
  // The cookie opens only the observability routes, not the admin API or the MCP fronts.
  assert.equal((await get('/mcp_servers', { Cookie: cookie })).status, 401);

  const logout = await fetch(`${http.url}/logout`, { method: 'POST', redirect: 'manual' });
  assert.equal(logout.status, 303);
  assert.match(logout.headers.get('set-cookie') ?? '', /^multi_mcp_status=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.match(await (await get('/')).text(), /name="key"/);
});

test('access: no key means loopback binds only; a cookie expires and dies with a new key', () => {
  const req = (headers: Record<string, string> = {}) => ({ headers, socket: {} }) as any;
  assert.equal(new ObserveAccess(undefined, '127.0.0.1').check(req()), 'ok');
  assert.equal(new ObserveAccess(undefined, '::1').check(req()), 'ok');
  assert.equal(new ObserveAccess(undefined, 'localhost').check(req()), 'ok');
  assert.equal(new ObserveAccess(undefined, '0.0.0.0').check(req()), 'remote-without-key');
  assert.equal(new ObserveAccess(undefined, '192.0.2.7').check(req()), 'remote-without-key');
  assert.equal(new ObserveAccess(KEY, '0.0.0.0').check(req()), 'needs-login');
  assert.equal(new ObserveAccess(KEY, '0.0.0.0').check(req({ authorization: `Bearer ${KEY}` })), 'ok');

  let now = Date.UTC(2026, 5, 1);
  const access = new ObserveAccess(KEY, '127.0.0.1', () => now);
  const cookie = access.loginCookie(req()).split(';')[0];
  assert.ok(!access.loginCookie(req()).includes('Secure'));
  assert.match(access.loginCookie(req({ 'x-forwarded-proto': 'https' })), /; Secure$/);
  now += 11 * 3600_000;
  assert.equal(access.check(req({ cookie })), 'ok');
  assert.equal(new ObserveAccess(`${KEY}-rotated`, '127.0.0.1', () => now).check(req({ cookie })), 'needs-login');
  now += 2 * 3600_000;
  assert.equal(access.check(req({ cookie })), 'needs-login', 'expired after 12 h');
  assert.equal(access.keyMatches(KEY), true);
  assert.equal(access.keyMatches(`${KEY}x`), false);
  assert.equal(new ObserveAccess(undefined, '127.0.0.1').keyMatches(''), false);
});

test('bytes per front: a connection is forgotten once closed, and counts nothing more', async (t) => {
  const { http, traffic } = await observedServer(t, ['calculator']);
  const session = await rawSession(http.url);
  assert.equal((await session.post(callBody(7, 'calculator__add', { a: 2, b: 2 }))).status, 200);
  await session.end();
  assert.ok(traffic.size > 0);
  const sentBefore = sampleValue(parseExposition(await (await fetch(`${http.url}/metrics`)).text()), 'multi_mcp_front_sent_bytes_total', { front: 'streamable-http' })!;
  assert.ok(sentBefore > 0);
  http.server.closeIdleConnections(); // fetch keeps connections alive; the server ends the idle ones
  await waitFor(() => traffic.size === 0, 'every connection to be forgotten');
  // A fresh connection: fetch's pool may not have seen its sockets close yet.
  const text = await new Promise<string>((resolve, reject) => {
    get(`${http.url}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    }).on('error', reject);
  });
  const sentAfter = sampleValue(parseExposition(text), 'multi_mcp_front_sent_bytes_total', { front: 'streamable-http' });
  assert.equal(sentAfter, sentBefore);
});
