// Admin API through the real proxy: list servers and tools, add a server at run time (201, 400,
// 409, 502) and see list_changed reach a connected client, remove it (200, 404) and see its process gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { backendsStarted, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { pollUntil, streamableClient } from './helpers/http-mcp.js';
import { WsClient } from './helpers/http-ws.js';
import { waitFor } from './helpers/wait.js';

// Writes need the key (test/security-access.test.ts covers the keyless proxy).
const KEY = 'admin-test-key-5b8e2f0a';
const authed = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { Authorization: `Bearer ${KEY}`, ...(init.headers as Record<string, string>) } });

const json = (base: string, path: string, method: string, body?: unknown) =>
  authed(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('http: admin API', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { weather: fixtureServer('weather') }, env: { MULTI_MCP_API_KEY: KEY } });
    await backendsStarted(proxy);
  });
  after(() => proxy?.stop());

  it('GET /mcp_servers lists active servers and their state', async () => {
    const res = await authed(`${proxy.url}/mcp_servers`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.deepEqual(body.active_servers, ['weather']);
    const [weather] = body.servers;
    assert.equal(weather.name, 'weather');
    assert.equal(weather.transport, 'stdio');
    assert.equal(weather.state, 'ready');
    assert.deepEqual([weather.tools, weather.prompts, weather.resources, weather.resourceTemplates], [2, 1, 1, 1]);
    assert.equal(typeof weather.pid, 'number');
  });

  it('GET /mcp_tools maps each exposed tool to its server and original name', async () => {
    const body = (await (await authed(`${proxy.url}/mcp_tools`)).json()) as any;
    const entry = body.tools.find((t: any) => t.name === 'weather__get_weather');
    assert.deepEqual(entry, { name: 'weather__get_weather', server: 'weather', original: 'get_weather' });
  });

  it('adds a server (201), tells connected clients, refuses a duplicate (409), removes it (200) with its process', async (t) => {
    const { client } = await streamableClient(proxy.url, { headers: { Authorization: `Bearer ${KEY}` } });
    const ws = await WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/ws`, { headers: { Authorization: `Bearer ${KEY}` } });
    t.after(() => Promise.all([client.close(), ws.close()]));
    await ws.initialize();
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
    const wsChanges = () => ws.messages.filter((m) => m.method === 'notifications/tools/list_changed').length;
    const weatherPid = ((await (await authed(`${proxy.url}/mcp_servers`)).json()) as any).servers[0].pid;

    const added = await json(proxy.url, '/mcp_servers', 'POST', { mcpServers: { echo: fixtureServer('echo') } });
    assert.equal(added.status, 201);
    const [echo] = ((await added.json()) as any).servers;
    assert.deepEqual([echo.name, echo.state, echo.tools], ['echo', 'ready', 1]);
    assert.equal(typeof echo.pid, 'number');
    await waitFor(() => changes >= 1 && wsChanges() >= 1, 'tools/list_changed at both clients');
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'echo__echo'));
    const servers = ((await (await authed(`${proxy.url}/mcp_servers`)).json()) as any);
    assert.deepEqual(servers.active_servers, ['weather', 'echo']);
    assert.equal(servers.servers[0].pid, weatherPid, 'the other backend was not restarted');

    const duplicate = await json(proxy.url, '/mcp_servers', 'POST', { mcpServers: { echo: fixtureServer('echo') } });
    assert.equal(duplicate.status, 409);
    assert.match(((await duplicate.json()) as any).error, /echo/);

    const removed = await authed(`${proxy.url}/mcp_servers/echo`, { method: 'DELETE' });
    assert.equal(removed.status, 200);
    // The answer comes once the child is gone; the poll only covers the kernel reaping it.
    await pollUntil(async () => processGone(echo.pid) || undefined, `pid ${echo.pid} to be gone`, 5000, 20);
    await waitFor(() => changes >= 2 && wsChanges() >= 2, 'a second tools/list_changed');
    assert.ok(!(await client.listTools()).tools.some((tool) => tool.name === 'echo__echo'));
    assert.equal((await authed(`${proxy.url}/mcp_servers/echo`, { method: 'DELETE' })).status, 404);
  });

  it('answers 400 with the field path for an invalid server config, and for a body that is not JSON', async () => {
    const bad = await json(proxy.url, '/mcp_servers', 'POST', { mcpServers: { broken: { command: 42 } } });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as any;
    assert.ok(body.issues.some((i: any) => i.path === 'mcpServers.broken.command'), JSON.stringify(body));
    const noServers = await json(proxy.url, '/mcp_servers', 'POST', { servers: {} });
    assert.equal(noServers.status, 400);
    assert.ok(((await noServers.json()) as any).issues.some((i: any) => i.path === 'mcpServers'));
    const notJson = await json(proxy.url, '/mcp_servers', 'POST', '{"mcpServers": ');
    assert.equal(notJson.status, 400);
    const text = { 'Content-Type': 'text/plain' };
    const wrongType = await authed(`${proxy.url}/mcp_servers`, { method: 'POST', headers: text, body: '{}' });
    assert.equal(wrongType.status, 415);
  });

  it('answers 502 for a server that fails to start, and keeps nothing of it', async () => {
    const broken = fixtureServer('crash', ['--exit-at-start']);
    const res = await json(proxy.url, '/mcp_servers', 'POST', { mcpServers: { broken } });
    assert.equal(res.status, 502);
    const body = (await res.json()) as any;
    assert.equal(body.failed[0].name, 'broken');
    assert.match(body.error, /broken/);
    const servers = ((await (await authed(`${proxy.url}/mcp_servers`)).json()) as any).servers.map((s: any) => s.name);
    assert.deepEqual(servers, ['weather']);
  });

  it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
    const unknown = await authed(`${proxy.url}/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.ok(((await unknown.json()) as any).error);
    const put = await authed(`${proxy.url}/mcp_servers`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.deepEqual(put.headers.get('allow')?.split(', ').sort(), ['GET', 'OPTIONS', 'POST']);
    const getOne = await authed(`${proxy.url}/mcp_servers/weather`);
    assert.equal(getOne.status, 405);
    assert.match(getOne.headers.get('allow') ?? '', /DELETE/);
    const postTools = await authed(`${proxy.url}/mcp_tools`, { method: 'POST' });
    assert.equal(postTools.status, 405);
  });

  it('GET /health is ok, and verbose adds each backend', async () => {
    const plain = await authed(`${proxy.url}/health`);
    assert.equal(plain.status, 200);
    assert.deepEqual(await plain.json(), { status: 'ok' });
    const verbose = (await (await authed(`${proxy.url}/health?verbose=1`)).json()) as any;
    assert.equal(verbose.status, 'ok');
    assert.deepEqual(verbose.servers.map((s: any) => [s.name, s.state]), [['weather', 'ready']]);
  });
});
