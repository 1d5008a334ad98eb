// End to end on the raw process: NDJSON written to the proxy's stdin, every stdout line read
// back. Framing errors, stdout purity, clean shutdown with every child gone, CLI flags, bad config.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, fixtureServer, isAlive, startRawProxy, writeConfig } from './helpers/proxy-process.js';
import { waitFor } from './helpers/wait.js';

const version = JSON.parse(readFileSync(path.resolve(FIXTURES, '../../package.json'), 'utf8')).version as string;

/** Runs the proxy with the given args to completion (bounded) and returns its exit and output. */
async function run(t: Parameters<typeof startRawProxy>[0], args: string[]) {
  const proxy = startRawProxy(t, args);
  proxy.child.stdin.end();
  assert.ok(await proxy.exitsWithin(10_000), `proxy ${args.join(' ')} did not exit`);
  const { code } = await proxy.exited;
  return { code, stdout: proxy.lines.join('\n') + proxy.trailing, stderr: proxy.stderr };
}

const textOf = (res: any) => res.result.content.map((c: { text: string }) => c.text).join('');

describe('e2e process: framing and stdout', { timeout: 60_000 }, () => {
  it('answers a malformed line with -32700 and id null, then answers the next request', async (t) => {
    const config = writeConfig(t, { mcpServers: { echo: fixtureServer('echo') } });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'warn']);
    const init = await proxy.initialize();
    assert.equal((init as any).result.serverInfo.name, 'multi-mcp');
    proxy.sendRaw('{"jsonrpc":"2.0","id":5,"method":\n');
    const parseError = await proxy.response(null);
    assert.equal(parseError.error?.code, -32700);
    proxy.sendRaw('[1,2]\n');
    const call = await proxy.request(6, 'tools/call', { name: 'echo__echo', arguments: { text: 'still here' } });
    assert.equal(textOf(call), 'still here');
    const errors = proxy.messages().filter((m) => m.error);
    assert.deepEqual(errors.map((m) => [m.id, m.error.code]), [[null, -32700], [null, -32600]]);
  });

  it('writes only JSON-RPC lines to stdout', async (t) => {
    const config = writeConfig(t, {
      mcpServers: {
        weather: fixtureServer('weather'),
        crash: fixtureServer('crash', ['--garbage']),
        ghost: { command: '/nonexistent/multi-mcp-test/no-such-server' },
      },
    });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'debug']);
    await proxy.initialize();
    await proxy.request(1, 'tools/list');
    await proxy.request(2, 'tools/call', { name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    proxy.sendRaw('garbage\n');
    await proxy.request(3, 'ping');
    proxy.child.stdin.end();
    assert.ok(await proxy.exitsWithin(15_000), 'proxy exits after stdin closes');
    assert.equal(proxy.trailing, '', 'stdout ends with a newline');
    assert.ok(proxy.lines.length >= 5, `${proxy.lines.length} lines`);
    for (const line of proxy.lines) {
      const msg = JSON.parse(line);
      assert.equal(msg.jsonrpc, '2.0', line);
      assert.ok('method' in msg || 'result' in msg || 'error' in msg, line);
    }
    assert.match(proxy.stderr, /multi-mcp/, 'logs went to stderr');
  });
});

describe('e2e process: shutdown', { timeout: 60_000 }, () => {
  it('closing stdin ends the proxy (exit 0) and every backend process, grandchildren included', async (t) => {
    const config = writeConfig(t, { mcpServers: { grandchild: fixtureServer('grandchild'), features: fixtureServer('features') } });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'warn']);
    await proxy.initialize();
    const { pid, childPid } = JSON.parse(textOf(await proxy.request(1, 'tools/call', { name: 'grandchild__pids', arguments: {} })));
    const { pid: featuresPid } = JSON.parse(textOf(await proxy.request(2, 'tools/call', { name: 'features__whoami', arguments: {} })));
    const pids: number[] = [pid, childPid, featuresPid, proxy.child.pid!];
    for (const p of pids) assert.ok(Number.isInteger(p) && isAlive(p), `pid ${p} alive before shutdown`);
    assert.equal(textOf(await proxy.request(3, 'tools/call', { name: 'grandchild__ping_child', arguments: {} })), 'alive');

    proxy.child.stdin.end();
    assert.ok(await proxy.exitsWithin(15_000), 'proxy exited after stdin closed');
    assert.deepEqual(await proxy.exited, { code: 0, signal: null });
    await waitFor(() => pids.every((p) => !isAlive(p)), `every pid gone: ${pids.filter(isAlive).join(', ')}`, 10_000, 50);
  });
});

describe('e2e process: command line', { timeout: 60_000 }, () => {
  it('--help prints the usage on stdout and exits 0', async (t) => {
    const { code, stdout } = await run(t, ['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: multi-mcp/);
    assert.match(stdout, /--config PATH/);
  });

  it('--version prints the package version and exits 0', async (t) => {
    const { code, stdout } = await run(t, ['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), version);
  });

  it('an unknown flag is a usage error (exit 2)', async (t) => {
    const { code, stderr, stdout } = await run(t, ['--frobnicate']);
    assert.equal(code, 2);
    assert.match(stderr, /frobnicate/);
    assert.equal(stdout, '');
  });

  it('a config that fails validation exits 1 naming the file and the JSON path', async (t) => {
    const file = writeConfig(t, { mcpServers: { broken: { command: 42 } } });
    const { code, stderr, stdout } = await run(t, ['--config', file]);
    assert.equal(code, 1);
    assert.ok(stderr.includes(file), stderr);
    assert.match(stderr, /mcpServers\.broken\.command/);
    assert.equal(stdout, '');
  });

  it('a config that is not JSON exits 1 naming the file', async (t) => {
    const file = writeConfig(t, '{ "mcpServers": { ');
    const { code, stderr } = await run(t, ['--config', file]);
    assert.equal(code, 1);
    assert.ok(stderr.includes(file), stderr);
  });

  it('a missing config file exits 1 naming the file', async (t) => {
    const file = path.join(path.dirname(writeConfig(t, {})), 'absent.json');
    const { code, stderr } = await run(t, ['--config', file]);
    assert.equal(code, 1);
    assert.ok(stderr.includes(file), stderr);
  });
});
