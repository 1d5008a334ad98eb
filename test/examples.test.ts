// examples/: every example config is loaded with loadConfig and checked for what it demonstrates;
// the local ones (stdio, tool allow/deny, per-client) and the remote ones (SSE, Streamable HTTP,
// WebSocket: pointed at an upstream multi-mcp) run in a real proxy; examples/client.ts runs
// against a proxy over Streamable HTTP and SSE.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type ServerSpec } from '../src/config/index.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { pollUntil, streamableClient, toolText } from './helpers/http-mcp.js';
import { runToExit, startListening, type ListeningProcess } from './helpers/listening-process.js';
import { waitGone } from './helpers/process-tree.js';
import { CLI, fixtureServer, isAlive } from './helpers/proxy-process.js';
import { waitFor } from './helpers/wait.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = path.join(REPO, 'examples/config');
const CLIENT = path.join(REPO, 'dist/examples/client.js');
const KEY = 'examples-test-key';

const example = (name: string) => path.join(EXAMPLES, name);
const server = (servers: ServerSpec[], name: string) => servers.find((s) => s.name === name)!;

/** The environment for a proxy or client child: no inherited API key, plus `extra`. */
function childEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  if (!extra.MULTI_MCP_API_KEY) delete env.MULTI_MCP_API_KEY;
  return env;
}

/** The proxy in HTTP mode on a config file, started from an unrelated directory; stopped after. */
async function proxyOn(config: string, cwd: string, env = childEnv()): Promise<ListeningProcess> {
  const proxy = await startListening(process.execPath, [CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', '0', '--config', config], { cwd, env });
  try {
    await waitFor(() => /\d+ of \d+ servers ready/.test(proxy.stderr()), 'backends to start', 15_000, 10);
  } catch (e) {
    await proxy.stop();
    throw e;
  }
  return proxy;
}

async function toolNames(url: string, expected: string[], headers: Record<string, string> = {}): Promise<string[]> {
  const { client } = await streamableClient(url, { headers });
  try {
    return await pollUntil(async () => {
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      return expected.every((n) => names.includes(n)) ? names : undefined;
    }, `tools ${expected.join(', ')}`);
  } finally {
    await client.close();
  }
}

describe('examples/config', { timeout: 90_000 }, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'multi-mcp-examples-'));
  const started: ListeningProcess[] = [];
  let upstream: HttpProxy;

  before(async () => {
    // The remote examples talk to "another multi-mcp on 127.0.0.1:9080": this one, on a free port.
    upstream = await startHttpProxy({ servers: { weather: fixtureServer('weather') }, env: { MULTI_MCP_API_KEY: KEY } });
  });
  after(async () => {
    for (const proxy of started) await proxy.stop();
    await upstream?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const run = async (config: string, env?: Record<string, string | undefined>) => {
    const proxy = await proxyOn(config, scratch, env);
    started.push(proxy);
    return proxy;
  };

  /** The example with its 127.0.0.1:9080 URLs pointed at the upstream proxy. */
  const againstUpstream = (name: string) => {
    const port = new URL(upstream.url).port;
    const file = path.join(scratch, name);
    writeFileSync(file, readFileSync(example(name), 'utf8').replace(/:\/\/127\.0\.0\.1:9080\//g, `://127.0.0.1:${port}/`));
    return file;
  };

  it('has one tested config per backend type and feature', () => {
    assert.deepEqual(readdirSync(EXAMPLES).sort(), [
      'editors', 'env-interpolation.json', 'http.json', 'per-client.json', 'sse.json', 'stdio.json', 'tools-allow-deny.json', 'ws.json',
    ]);
  });

  it('stdio.json: child processes with cwd relative to the file, env, timeout, restart; serves from any directory', async () => {
    const { servers } = loadConfig(example('stdio.json'), {});
    assert.deepEqual(servers.map((s) => [s.name, s.transport, s.command, s.cwd]), [
      ['weather', 'stdio', 'node', REPO],
      ['calculator', 'stdio', 'node', REPO],
    ]);
    const calculator = server(servers, 'calculator');
    assert.ok(calculator.env.NODE_OPTIONS);
    assert.equal(calculator.timeoutMs, 30_000);
    assert.deepEqual([calculator.restart.enabled, calculator.restart.maxDelayMs], [true, 10_000]);

    const proxy = await run(example('stdio.json'));
    const names = await toolNames(proxy.url, ['weather__get_weather', 'calculator__add']);
    assert.ok(names.every((n) => /^(weather|calculator)__/.test(n)));
    const { client } = await streamableClient(proxy.url);
    try {
      assert.match(toolText(await client.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } })), /^Oslo: /);
    } finally {
      await client.close();
    }
  });

  for (const [name, expected] of [
    ['sse.json', { remote: 'sse' }],
    ['http.json', { search: 'http', docs: 'auto-http' }],
    ['ws.json', { live: 'ws' }],
  ] as const) {
    it(`${name}: ${Object.values(expected).join(' and ')} backends with a bearer header from the environment, working against a real upstream`, async () => {
      const { servers } = loadConfig(example(name), { UPSTREAM_API_KEY: 'k' });
      assert.deepEqual(Object.fromEntries(servers.map((s) => [s.name, s.transport])), expected);
      for (const s of servers) assert.equal(s.headers.Authorization, 'Bearer k');
      assert.throws(() => loadConfig(example(name), {}), /UPSTREAM_API_KEY is not set/);

      const proxy = await run(againstUpstream(name), childEnv({ UPSTREAM_API_KEY: KEY }));
      const wanted = servers.map((s) => `${s.name}__weather__get_weather`);
      await toolNames(proxy.url, wanted);
      const { client } = await streamableClient(proxy.url);
      try {
        for (const tool of wanted) assert.match(toolText(await client.callTool({ name: tool, arguments: { city: 'Lima' } })), /^Lima: /);
      } finally {
        await client.close();
      }
    });
  }

  it('env-interpolation.json: ${VAR}, ${VAR:-default}, $${ and disabled servers', () => {
    const env = { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_x', SEARCH_TOKEN: 's3' };
    const config = loadConfig(example('env-interpolation.json'), env);
    assert.equal(server(config.servers, 'github').env.GITHUB_PERSONAL_ACCESS_TOKEN, 'ghp_x');
    const search = server(config.servers, 'search');
    assert.equal(search.url, 'http://127.0.0.1:9080/mcp', 'default used while SEARCH_URL is unset');
    assert.equal(search.headers.Authorization, 'Bearer s3');
    assert.equal(search.headers['X-Template'], '${NOT_A_VARIABLE}');
    assert.deepEqual(config.disabledServers, ['brave']);
    assert.equal(server(loadConfig(example('env-interpolation.json'), { ...env, SEARCH_URL: 'https://search.test/mcp' }).servers, 'search').url, 'https://search.test/mcp');

    assert.throws(
      () => loadConfig(example('env-interpolation.json'), {}),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues.map((i) => i.message.split(' ')[2]).sort().join() === 'GITHUB_PERSONAL_ACCESS_TOKEN,SEARCH_TOKEN',
    );
  });

  it('tools-allow-deny.json: only the allowed, not denied tools are listed and callable', async () => {
    const { servers } = loadConfig(example('tools-allow-deny.json'), {});
    assert.deepEqual(server(servers, 'calculator').tools, { allow: ['add', 'multiply'] });
    assert.deepEqual(server(servers, 'unit_converter').tools, { deny: ['convert_weight'] });

    const proxy = await run(example('tools-allow-deny.json'));
    const names = await toolNames(proxy.url, ['calculator__add']);
    assert.deepEqual(names, [
      'calculator__add', 'calculator__multiply', 'unit_converter__convert_length', 'unit_converter__convert_temperature',
    ]);
    const { client } = await streamableClient(proxy.url);
    try {
      assert.equal(toolText(await client.callTool({ name: 'calculator__multiply', arguments: { a: 6, b: 7 } })), '42');
      const hidden = await client.callTool({ name: 'calculator__divide', arguments: { a: 1, b: 1 } }).then(
        (r) => r.isError === true,
        () => true,
      );
      assert.ok(hidden, 'a filtered tool cannot be called');
    } finally {
      await client.close();
    }
  });

  it('per-client.json: each client gets its own instance of a per-client server', async () => {
    const { servers } = loadConfig(example('per-client.json'), {});
    assert.deepEqual(servers.map((s) => [s.name, s.session]), [['features', 'per-client'], ['calculator', 'shared']]);

    const proxy = await run(example('per-client.json'));
    await toolNames(proxy.url, ['features__whoami', 'calculator__add']);
    const clients = await Promise.all(['alice', 'bob'].map((name) => streamableClient(proxy.url, { name })));
    try {
      const who = await Promise.all(
        clients.map(async ({ client }) => JSON.parse(toolText(await client.callTool({ name: 'features__whoami', arguments: {} })))),
      );
      assert.notEqual(who[0].pid, who[1].pid, 'two processes');
      assert.ok(who.every((w) => isAlive(w.pid)));

      // Ending alice's session stops her instance only.
      await clients[0].transport.terminateSession();
      assert.deepEqual(await waitGone([who[0].pid]), [], "alice's instance stopped");
      assert.ok(isAlive(who[1].pid), "bob's instance still runs");
      const again = JSON.parse(toolText(await clients[1].client.callTool({ name: 'features__whoami', arguments: {} })));
      assert.equal(again.pid, who[1].pid, 'bob keeps his instance');
    } finally {
      for (const { client } of clients) await client.close();
    }
  });
});

describe('examples/client.ts', { timeout: 60_000 }, () => {
  let proxy: ListeningProcess;
  before(async () => {
    proxy = await proxyOn(path.join(REPO, 'mcp.json'), REPO, childEnv({ MULTI_MCP_API_KEY: KEY }));
  });
  after(() => proxy?.stop());

  const client = (env: Record<string, string>) =>
    runToExit(process.execPath, [CLIENT], { cwd: REPO, env: childEnv({ MULTI_MCP_URL: proxy.url, ...env }) });

  for (const [transport, wire] of [['auto', 'Streamable HTTP'], ['sse', 'SSE']]) {
    it(`lists the tools and calls tools of three servers over ${wire}`, async () => {
      const run = await client({ MULTI_MCP_API_KEY: KEY, MULTI_MCP_TRANSPORT: transport });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^connected to ${proxy.url} over ${wire}: \\d+ tools$`, 'm'));
      assert.match(run.stdout, /^ {2}calculator__divide: /m);
      assert.match(run.stdout, /^weather__get_weather\({"city":"Paris"}\) -> Paris: -?\d+°C/m);
      assert.match(run.stdout, /^calculator__add\({"a":2,"b":3}\) -> 5$/m);
      assert.match(run.stdout, /^unit_converter__convert_length\(.*\) -> .*6\.21/m);
    });
  }

  it('fails with a clear message and exit code 1 when the API key is wrong', async () => {
    const run = await client({ MULTI_MCP_API_KEY: 'wrong', MULTI_MCP_TRANSPORT: 'http' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^example client: .*/m);
    assert.equal(run.stdout, '');
  });
});
