// Hot reload and persistence through the real proxy process: an editor saving by rename-replace,
// SIGHUP, --no-watch, an invalid file refused; admin changes kept across a restart, concurrent
// admin changes all kept, --read-only-config; a hopeless backend given up and retried.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCli, USAGE } from '../src/cli-args.js';
import { Debouncer, type Timers } from '../src/config/watch.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { pollUntil, streamableClient } from './helpers/http-mcp.js';
import { fixtureServer } from './helpers/proxy-process.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'multi-mcp-reload-process-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;

/** A config file of its own for one test (JSONC, as an editor might keep it). */
function configFile(servers: Record<string, object>): string {
  const file = path.join(scratch, `mcp-${++files}.json`);
  writeConfig(file, servers);
  return file;
}

function writeConfig(file: string, servers: Record<string, object>): void {
  writeFileSync(file, `// kept by the test\n${JSON.stringify({ mcpServers: servers }, null, 2)}\n`);
}

/** Saves like vim or JetBrains do: a new file renamed over the old one. */
function renameReplace(file: string, servers: Record<string, object>): void {
  const temp = `${file}.saving`;
  writeConfig(temp, servers);
  renameSync(temp, file);
}

// The admin API's write routes need a key (test/security-access.test.ts).
const KEY = 'reload-test-key-2d9f4b71';
const env = { MULTI_MCP_API_KEY: KEY };

const api = (proxy: HttpProxy, route: string, method = 'GET', body?: unknown) =>
  fetch(`${proxy.url}${route}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function servers(proxy: HttpProxy): Promise<Record<string, any>> {
  const body = (await (await api(proxy, '/mcp_servers')).json()) as any;
  return Object.fromEntries(body.servers.map((s: any) => [s.name, s]));
}

const fileServers = (file: string) => Object.keys(JSON.parse(readFileSync(file, 'utf8').replace(/^\/\/.*\n/, '')).mcpServers).sort();

/** Waits until the proxy has logged `count` lines matching `pattern`. */
const logged = (proxy: HttpProxy, pattern: RegExp, count = 1) =>
  proxy.waitForLog(new RegExp(`(${pattern.source}[^]*){${count}}`));

describe('reload through the real proxy', { timeout: 120_000 }, () => {
  it('picks up an editor saving by rename-replace: added server listed, untouched one keeps its process', async (t) => {
    const file = configFile({ weather: fixtureServer('weather') });
    const proxy = await startHttpProxy({ configFile: file, env });
    t.after(() => proxy.stop());
    await proxy.waitForLog(/1 of 1 servers ready/);
    assert.match(proxy.stderr(), /reloading .* when it changes and on SIGHUP/);
    const weatherPid = (await servers(proxy)).weather.pid;
    const { client } = await streamableClient(proxy.url, { headers: { Authorization: `Bearer ${KEY}` } });
    t.after(() => client.close());

    renameReplace(file, { weather: fixtureServer('weather'), echo: fixtureServer('echo') });
    await proxy.waitForLog(/config reloaded \(file changed\): added "echo"/);
    const names = await pollUntil(async () => {
      const tools = (await client.listTools()).tools.map((x) => x.name);
      return tools.includes('echo__echo') ? tools : undefined;
    }, 'echo__echo to be listed', 15_000);
    assert.ok(names.includes('weather__get_weather'));
    assert.equal((await servers(proxy)).weather.pid, weatherPid, 'weather was not restarted');

    // A second save by rename: the watch survives the replaced inode.
    renameReplace(file, { weather: fixtureServer('weather') });
    await proxy.waitForLog(/config reloaded \(file changed\): removed "echo"/);
  });

  it('refuses an invalid file and keeps serving; SIGHUP reloads; --no-watch leaves reloading to SIGHUP', async (t) => {
    const file = configFile({ echo: fixtureServer('echo') });
    const proxy = await startHttpProxy({ configFile: file, args: ['--no-watch'], env });
    t.after(() => proxy.stop());
    await proxy.waitForLog(/1 of 1 servers ready/);
    assert.match(proxy.stderr(), /reloading .* on SIGHUP/);
    assert.doesNotMatch(proxy.stderr(), /when it changes/);

    writeFileSync(file, '{ "mcpServers": { "echo": { "comand": "x" } } }');
    process.kill(proxy.pid, 'SIGHUP');
    await proxy.waitForLog(/config not reloaded \(SIGHUP\); still serving the previous one:\n.*unknown key "comand"/);
    const { client } = await streamableClient(proxy.url, { headers: { Authorization: `Bearer ${KEY}` } });
    t.after(() => client.close());
    assert.deepEqual((await client.callTool({ name: 'echo__echo', arguments: { text: 'still' } })).content, [{ type: 'text', text: 'still' }]);

    writeConfig(file, { echo: fixtureServer('echo'), weather: fixtureServer('weather') });
    process.kill(proxy.pid, 'SIGHUP');
    await proxy.waitForLog(/config reloaded \(SIGHUP\): added "weather"/);
    assert.equal(proxy.exited(), false, 'SIGHUP does not stop the proxy');
    assert.equal((await servers(proxy)).weather.state, 'ready');
  });
});

describe('admin changes saved to the config file', { timeout: 120_000 }, () => {
  let file: string;
  let proxy: HttpProxy;
  before(async () => {
    file = configFile({ weather: fixtureServer('weather') });
    proxy = await startHttpProxy({ configFile: file, env });
    await proxy.waitForLog(/1 of 1 servers ready/);
  });
  after(() => proxy?.stop());

  it('POST and DELETE write the file (comments kept); concurrent changes all land; a restart serves the same servers', async () => {
    const names = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
    const answers = await Promise.all([
      ...names.map((name) => api(proxy, '/mcp_servers', 'POST', { mcpServers: { [name]: fixtureServer('echo') } })),
      api(proxy, '/mcp_servers/weather', 'DELETE'),
    ]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as any[];
    assert.deepEqual(answers.map((r) => r.status), [201, 201, 201, 201, 201, 201, 200], JSON.stringify(bodies));
    assert.ok(bodies.every((b) => b.persisted === true), JSON.stringify(bodies));
    assert.deepEqual(fileServers(file), names);
    assert.match(readFileSync(file, 'utf8'), /^\/\/ kept by the test\n/);
    await logged(proxy, /config reloaded \(file changed\): no server changed/);

    await proxy.stop();
    proxy = await startHttpProxy({ configFile: file, env });
    await proxy.waitForLog(/6 of 6 servers ready/);
    assert.deepEqual(Object.keys(await servers(proxy)).sort(), names);
  });
});

describe('admin changes with --read-only-config', { timeout: 60_000 }, () => {
  it('apply at run time, say they are not saved, and leave the file alone', async (t) => {
    const file = configFile({ weather: fixtureServer('weather') });
    const before = readFileSync(file, 'utf8');
    const proxy = await startHttpProxy({ configFile: file, args: ['--read-only-config'], env });
    t.after(() => proxy.stop());
    await proxy.waitForLog(/1 of 1 servers ready/);
    const added = await api(proxy, '/mcp_servers', 'POST', { mcpServers: { echo: fixtureServer('echo') } });
    assert.equal(added.status, 201);
    const body = (await added.json()) as any;
    assert.equal(body.persisted, false);
    assert.match(body.warning, /^not saved to the config file: started with --read-only-config/);
    assert.equal(readFileSync(file, 'utf8'), before);
    assert.equal((await servers(proxy)).echo.state, 'ready');
  });
});

describe('hopeless backends', { timeout: 60_000 }, () => {
  it('give up after repeated "command not found" with a hint; a reload or POST /restart tries again', async (t) => {
    const missing = { command: 'multi-mcp-test-no-such-command', restart: { initialDelayMs: 1, maxDelayMs: 5 } };
    const file = configFile({ tool: missing });
    const proxy = await startHttpProxy({ configFile: file, env });
    t.after(() => proxy.stop());
    await proxy.waitForLog(/server "tool" gave up/);
    const failed = (await servers(proxy)).tool;
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError, /spawn multi-mcp-test-no-such-command ENOENT \(3 attempts in a row failed this way; command not found: multi-mcp-test-no-such-command — is it installed\?/);
    assert.match(failed.lastError, /POST \/mcp_servers\/tool\/restart/);

    const retried = await api(proxy, '/mcp_servers/tool/restart', 'POST');
    assert.equal(retried.status, 502, 'tried again, and failed again');
    assert.match(((await retried.json()) as any).server.lastError, /ENOENT/);
    await logged(proxy, /server "tool" gave up/, 2);
    assert.equal((await api(proxy, '/mcp_servers/nope/restart', 'POST')).status, 404);

    writeConfig(file, { tool: fixtureServer('echo') });
    await proxy.waitForLog(/config reloaded \(file changed\): restarted \(changed\) "tool"/);
    assert.equal((await servers(proxy)).tool.state, 'ready');
    const restarted = await api(proxy, '/mcp_servers/tool/restart', 'POST');
    assert.equal(restarted.status, 200);
    assert.equal(((await restarted.json()) as any).server.state, 'ready');
  });
});

describe('reload flags', () => {
  it('watch by default, --no-watch; write admin changes by default, --read-only-config', () => {
    assert.deepEqual([parseCli([]).watch, parseCli([]).readOnlyConfig], [true, false]);
    assert.deepEqual([parseCli(['--no-watch']).watch, parseCli(['--read-only-config']).readOnlyConfig], [false, true]);
    assert.match(USAGE, /--no-watch .*\n.*--read-only-config/);
  });
});

describe('Debouncer', () => {
  it('fires once, after the last poke of a burst; cancel drops a pending one', () => {
    const pending = new Map<number, () => void>();
    let next = 0;
    const timers: Timers = {
      setTimeout: (fn) => (pending.set(++next, fn), next),
      clearTimeout: (handle) => void pending.delete(handle as number),
    };
    const runPending = () => {
      const due = [...pending.values()];
      pending.clear();
      for (const fn of due) fn();
    };
    let fired = 0;
    const debouncer = new Debouncer(() => fired++, 200, timers);
    for (let i = 0; i < 5; i++) debouncer.poke();
    assert.equal(pending.size, 1, 'one timer for the burst');
    runPending();
    assert.equal(fired, 1);
    debouncer.poke();
    debouncer.cancel();
    assert.equal(pending.size, 0);
    runPending();
    assert.equal(fired, 1);
  });
});
