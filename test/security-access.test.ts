// Who may drive the proxy (issue 13): the admin API's write routes need a key, admin routes refuse
// every browser Origin, Host is checked on loopback (DNS rebinding), a reachable proxy needs a real
// key to start, and the proxy's own secrets never reach a backend's environment.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCli, UsageError } from '../src/cli-args.js';
import { childEnv } from '../src/backends/child-env.js';
import { apiKeyProblem, checkExposure } from '../src/http/exposure.js';
import { hostAllowed, normalizeAllowedHost } from '../src/http/security.js';
import { backendsStarted, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { initializeBody, postMcp, streamableClient, toolText } from './helpers/http-mcp.js';
import { WsClient } from './helpers/http-ws.js';
import { runToExit } from './helpers/listening-process.js';
import { CLI, fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { Reaper } from './helpers/process-tree.js';
import { rawRequest } from './helpers/raw-http.js';
import { waitFor } from './helpers/wait.js';

const KEY = 'sec-test-key-6f1c9a2b7d';
const AUTH = { Authorization: `Bearer ${KEY}` };
const JSON_TYPE = { 'Content-Type': 'application/json' };

function addBody(marker: string): string {
  return JSON.stringify({ mcpServers: { x: { command: 'sh', args: ['-c', `touch ${marker}`] } } });
}

async function serverNames(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const body = (await (await fetch(`${url}/mcp_servers`, { headers })).json()) as { servers: { name: string }[] };
  return body.servers.map((s) => s.name);
}

describe('security: admin API and Host without a key (loopback)', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-sec-'));
  const marker = path.join(dir, 'ran');
  before(async () => {
    proxy = await startHttpProxy({ servers: { calculator: fixtureServer('calculator') }, args: ['--allow-host', 'proxy.test'] });
    await backendsStarted(proxy);
  });
  after(async () => {
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses POST and DELETE /mcp_servers with 403 saying how to enable them; nothing runs, nothing is removed', async () => {
    const add = await fetch(`${proxy.url}/mcp_servers`, { method: 'POST', headers: JSON_TYPE, body: addBody(marker) });
    assert.equal(add.status, 403);
    const { error } = (await add.json()) as { error: string };
    assert.match(error, /MULTI_MCP_API_KEY/);
    assert.match(error, /Authorization: Bearer/);
    const remove = await fetch(`${proxy.url}/mcp_servers/calculator`, { method: 'DELETE' });
    assert.equal(remove.status, 403);
    await remove.body?.cancel();
    const restart = await fetch(`${proxy.url}/mcp_servers/calculator/restart`, { method: 'POST' });
    assert.equal(restart.status, 403);
    await restart.body?.cancel();
    assert.deepEqual(await serverNames(proxy.url), ['calculator']);
    assert.ok(!existsSync(marker), 'the command did not run');
  });

  it('keeps the read routes open on loopback', async () => {
    for (const route of ['/mcp_servers', '/mcp_tools', '/health', '/health?verbose=1']) {
      const res = await fetch(`${proxy.url}${route}`);
      assert.equal(res.status, 200, route);
      await res.body?.cancel();
    }
  });

  it('refuses every browser Origin on admin routes, preflights included, without CORS headers', async () => {
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1', 'http://[::1]:8080', 'null', 'https://evil.example']) {
      for (const [method, route] of [['GET', '/mcp_servers'], ['GET', '/mcp_tools'], ['GET', '/health'], ['POST', '/mcp_servers'], ['DELETE', '/mcp_servers/calculator'], ['POST', '/mcp_servers/calculator/restart']]) {
        const res = await fetch(`${proxy.url}${route}`, { method, headers: { Origin: origin, ...JSON_TYPE }, body: method === 'POST' ? addBody(marker) : undefined });
        assert.equal(res.status, 403, `${method} ${route} from ${origin}`);
        assert.equal(res.headers.get('access-control-allow-origin'), null);
        await res.body?.cancel();
      }
      const preflight = await fetch(`${proxy.url}/mcp_servers`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      assert.equal(preflight.status, 403, `preflight from ${origin}`);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      await preflight.body?.cancel();
    }
    assert.ok(!existsSync(marker));
  });

  it('answers 403 to a foreign Host on every route, the WebSocket handshake included', async () => {
    const evil = { Host: 'evil.example' };
    const routes: [string, string, string?][] = [
      ['GET', '/mcp_servers'], ['GET', '/mcp_tools'], ['GET', '/health?verbose=1'], ['GET', '/health'], ['GET', '/sse'],
      ['POST', '/mcp', JSON.stringify(initializeBody())], ['GET', '/nowhere'], ['OPTIONS', '/mcp'],
    ];
    for (const [method, route, body] of routes) {
      const headers = { ...evil, ...JSON_TYPE, Accept: 'application/json, text/event-stream', Origin: 'http://localhost:3000' };
      const reply = await rawRequest(`${proxy.url}${route}`, method, headers, body);
      assert.equal(reply.status, 403, `${method} ${route}`);
      assert.match(JSON.parse(reply.body).error, /Host "evil\.example" is not allowed.*--allow-host/);
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
    }
    for (const host of ['evil.example:80', '127.0.0.1.evil.example', 'localhost.evil.example', 'user@127.0.0.1', '127.0.0.1/x']) {
      const reply = await rawRequest(`${proxy.url}/health`, 'GET', { Host: host });
      assert.equal(reply.status, 403, host);
    }
    await assert.rejects(WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/ws`, { headers: evil }), { status: 403 });
  });

  it('accepts localhost, 127.0.0.1 and [::1] with or without the port, and --allow-host names', async () => {
    const port = new URL(proxy.url).port;
    for (const host of ['localhost', `localhost:${port}`, 'LocalHost', '127.0.0.1', `127.0.0.1:${port}`, '[::1]', `[::1]:${port}`, 'proxy.test', 'proxy.test:443']) {
      const reply = await rawRequest(`${proxy.url}/mcp_servers`, 'GET', { Host: host });
      assert.equal(reply.status, 200, host);
    }
    const ws = await WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/ws`, { headers: { Host: 'proxy.test' } });
    await ws.close();
  });
});

describe('security: with a key', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    const env = fixtureServer('env');
    proxy = await startHttpProxy({
      servers: { env: { ...env, env: { FROM_CONFIG: 'yes', MULTI_MCP_EXPLICIT: 'kept' } } },
      env: { MULTI_MCP_API_KEY: KEY, MULTI_MCP_OTHER: 'also-ours' },
    });
    await backendsStarted(proxy);
  });
  after(() => proxy?.stop());

  it('refuses an admin write that carries any Origin, even with the key', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000']) {
      const res = await fetch(`${proxy.url}/mcp_servers`, {
        method: 'POST',
        headers: { ...AUTH, ...JSON_TYPE, Origin: origin },
        body: JSON.stringify({ mcpServers: { y: fixtureServer('echo') } }),
      });
      assert.equal(res.status, 403, origin);
      await res.body?.cancel();
    }
    assert.deepEqual(await serverNames(proxy.url, AUTH), ['env']);
  });

  it('keeps MULTI_MCP_* variables out of backend processes, configured and added ones; the config\'s own env passes', async (t) => {
    const added = await fetch(`${proxy.url}/mcp_servers`, {
      method: 'POST',
      headers: { ...AUTH, ...JSON_TYPE },
      body: JSON.stringify({ mcpServers: { env2: fixtureServer('env') } }),
    });
    assert.equal(added.status, 201);
    const { client } = await streamableClient(proxy.url, { headers: AUTH });
    t.after(() => client.close());
    for (const tool of ['env__env', 'env2__env']) {
      const report = JSON.parse(toolText(await client.callTool({ name: tool, arguments: {} }))) as { names: string[] };
      assert.ok(report.names.includes('PATH'), 'the rest of the environment is passed');
      const ours = report.names.filter((n) => n.startsWith('MULTI_MCP_'));
      assert.deepEqual(ours, tool === 'env__env' ? ['MULTI_MCP_EXPLICIT'] : [], tool);
    }
    const fromConfig = JSON.parse(toolText(await client.callTool({ name: 'env__env', arguments: { name: 'FROM_CONFIG' } })));
    assert.equal(fromConfig.value, 'yes');
  });
});

describe('security: start-up refusals', { timeout: 120_000 }, () => {
  const run = (t: import('node:test').TestContext, args: string[], key?: string) => {
    const config = writeConfig(t, { mcpServers: { calculator: fixtureServer('calculator') } });
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.MULTI_MCP_API_KEY;
    if (key !== undefined) env.MULTI_MCP_API_KEY = key;
    return runToExit(process.execPath, [CLI, '--transport', 'http', '--port', '0', '--config', config, ...args], { cwd: process.cwd(), env });
  };

  it('refuses to bind a non-loopback address without a key, naming the variable and the opt-out', async (t) => {
    for (const host of ['0.0.0.0', '::']) {
      const result = await run(t, ['--host', host]);
      assert.equal(result.code, 1, host);
      assert.match(result.stderr, /MULTI_MCP_API_KEY/);
      assert.match(result.stderr, /--allow-unauthenticated/);
      assert.doesNotMatch(result.stderr, /listening on/);
    }
  });

  it('refuses empty, short and placeholder keys with a clear error, on any address', async (t) => {
    // Each is a process start: the rules themselves are covered by the apiKeyProblem unit test.
    const bad = ['', 'change-me', 'your-api-key-here'];
    for (const key of bad) {
      const result = await run(t, [], key);
      assert.equal(result.code, 1, JSON.stringify(key));
      assert.match(result.stderr, /MULTI_MCP_API_KEY (is|looks|repeats|contains)/, JSON.stringify(key));
      assert.ok(!key || !result.stderr.includes(key), 'the key itself is not printed');
    }
  });

  it('--allow-unauthenticated serves a non-loopback address, warns at start, keeps admin closed', async (t) => {
    const config = writeConfig(t, { mcpServers: { calculator: fixtureServer('calculator') } });
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.MULTI_MCP_API_KEY;
    const args = [CLI, '--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--config', config, '--allow-unauthenticated'];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const reaper = new Reaper();
    t.after(async () => {
      if (child.pid !== undefined) reaper.rememberTree(child.pid);
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      reaper.killAll();
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const port = await waitFor(() => /listening on http:\/\/0\.0\.0\.0:(\d+)/.exec(stderr)?.[1], 'the proxy to listen', 15_000, 10);
    await waitFor(() => /SECURITY WARNING: --allow-unauthenticated/.test(stderr), 'the warning', 15_000, 10);
    const url = `http://127.0.0.1:${port}`;
    const add = await fetch(`${url}/mcp_servers`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ mcpServers: { y: fixtureServer('echo') } }) });
    assert.equal(add.status, 403);
    await add.body?.cancel();
    const list = await fetch(`${url}/mcp_servers`);
    assert.equal(list.status, 403, 'admin reads need a loopback bind without a key');
    await list.body?.cancel();
    const init = await postMcp(url, initializeBody());
    assert.equal(init.status, 200, 'MCP itself is served, as asked');
    await init.body?.cancel();
  });
});

describe('security: units', () => {
  it('apiKeyProblem accepts generated keys and refuses placeholders', () => {
    for (const good of ['0f3a9c2e7b1d4a6f8e0c3b5d7a9f1e2c', 'sec-test-key-6f1c9a2b7d', 'dGhpcyBpcyBub3QgYSByZWFsIGtleQ']) assert.equal(apiKeyProblem(good), undefined, good);
    const bad = ['', 'change-me', 'changeme', 'secret', 'password', 's3cret', 'short-key-123', 'your-api-key-here', 'CHANGE_ME_CHANGE_ME',
      'change-me-change-me', 'my-secret-1234567890', 'aaaaaaaaaaaaaaaaaaaa', 'abcabcabcabcabcabc', 'tab\there-long-enough-key', 'with a space in it, long enough'];
    for (const key of bad) {
      assert.match(apiKeyProblem(key) ?? '', /^MULTI_MCP_API_KEY /, key);
    }
  });

  it('checkExposure: loopback needs no key; elsewhere a key or the loud opt-out', () => {
    assert.deepEqual(checkExposure('127.0.0.1', undefined, false), { warnings: [] });
    assert.deepEqual(checkExposure('localhost', undefined, false), { warnings: [] });
    assert.match(checkExposure('0.0.0.0', undefined, false).error ?? '', /--allow-unauthenticated/);
    assert.equal(checkExposure('0.0.0.0', undefined, true).warnings.length, 1);
    assert.deepEqual(checkExposure('0.0.0.0', KEY, false), { warnings: [] });
    assert.ok(checkExposure('127.0.0.1', 'change-me', false).error);
  });

  it('hostAllowed and --allow-host', () => {
    assert.ok(hostAllowed('localhost:8080', []));
    assert.ok(hostAllowed('[::1]', []));
    assert.ok(!hostAllowed(undefined, []));
    assert.ok(!hostAllowed('[::2]:80', []));
    assert.ok(hostAllowed('mcp.example.com', ['mcp.example.com']));
    assert.ok(hostAllowed('mcp.example.com:9000', ['mcp.example.com']));
    assert.ok(hostAllowed('mcp.example.com:443', ['mcp.example.com:443']));
    assert.ok(!hostAllowed('mcp.example.com:444', ['mcp.example.com:443']));
    assert.equal(normalizeAllowedHost('MCP.Example.com.'), 'mcp.example.com');
    assert.deepEqual(parseCli(['--allow-host', 'A.test', '--allow-host', 'b.test:8443']).allowHosts, ['a.test', 'b.test:8443']);
    assert.throws(() => parseCli(['--allow-host', 'http://a.test/']), UsageError);
    assert.equal(parseCli([]).allowUnauthenticated, false);
    assert.equal(parseCli(['--allow-unauthenticated']).allowUnauthenticated, true);
  });

  it('childEnv drops MULTI_MCP_* from the inherited environment, keeps what the config sets', () => {
    const env = childEnv({ MULTI_MCP_X: 'explicit', A: 'from config' }, { PATH: '/bin', MULTI_MCP_API_KEY: KEY, multi_mcp_lower: 'x', A: 'inherited' });
    assert.deepEqual(env, { PATH: '/bin', MULTI_MCP_X: 'explicit', A: 'from config' });
  });
});
