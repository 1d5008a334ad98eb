// Hot reload on the router with in-memory backends: added servers start, removed ones stop (their
// calls fail with a clear error), changed ones restart, untouched ones keep their connection and
// calls in flight; one list_changed per list that really changed; an invalid file is refused while
// the old config serves; admin changes queued and kept in the file.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { setLogSink } from '../src/log.js';
import { diffServers, LiveConfig } from '../src/reload.js';
import { Router } from '../src/router/router.js';
import { memoryChannelPair } from '../src/transports/memory.js';
import { FakeBackends, fakeSpec, REFUSE, tool, type FakeServerScript } from './helpers/fake-backend.js';
import { MemoryClient } from './helpers/memory-client.js';
import { waitFor } from './helpers/wait.js';

type Entries = Record<string, object>;
const TOOLS_CHANGED = 'notifications/tools/list_changed';
const PROMPTS_CHANGED = 'notifications/prompts/list_changed';

async function liveHarness(t: TestContext, scripts: Record<string, FakeServerScript | typeof REFUSE>, entries: Entries, persist = true) {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-reload-'));
  const file = path.join(dir, 'mcp.json');
  const write = (servers: Entries | string) =>
    writeFileSync(file, typeof servers === 'string' ? servers : JSON.stringify({ mcpServers: servers }, null, 2));
  write(entries);
  const logs: string[] = [];
  const restoreLog = setLogSink((line) => logs.push(line));
  const backends = new FakeBackends(scripts);
  const router = new Router({
    connector: backends.connector,
    naming: { separator: '__', namespace: true },
    connectTimeoutMs: 2000,
    requestTimeoutMs: 30_000,
    maxRequestMs: 60_000,
  });
  const text = readFileSync(file, 'utf8');
  const config = parseConfig(text, file, {});
  router.configure(config.servers);
  const live = new LiveConfig(router, config, text, { persist, env: {} });
  const [clientSide, proxySide] = memoryChannelPair();
  router.openSession(proxySide);
  const client = new MemoryClient(clientSide);
  t.after(async () => {
    await router.shutdown();
    restoreLog();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize();
  const openClient = async () => {
    const [other, otherProxySide] = memoryChannelPair();
    router.openSession(otherProxySide);
    const c = new MemoryClient(other);
    await c.initialize();
    return c;
  };
  /** Notifications counted once everything sent before a ping's answer has arrived. */
  const settledCount = async (method: string) => {
    await client.request('ping');
    return client.notificationsOf(method).length;
  };
  return { router, backends, client, openClient, live, file, dir, write, logs, settledCount };
}

const toolNames = async (client: MemoryClient) => (await client.listAll('tools/list', 'tools')).map((t) => t.name).sort();
const state = (router: Router, name: string) => router.registry.get(name)?.state;

describe('reload: applying a changed config file', () => {
  it('adds, removes and restarts servers; leaves the others and their calls alone; one list_changed for tools', async (t) => {
    const prompts = [{ name: 'p' }];
    const scripts = {
      keep: { tools: [tool('k')], prompts, calls: 'hold' as const },
      gone: { tools: [tool('g')], calls: 'hold' as const },
      changes: { tools: [tool('c')] },
      added: { tools: [tool('n')] },
    };
    const h = await liveHarness(t, scripts, { keep: { command: 'fake' }, gone: { command: 'fake' }, changes: { command: 'fake' } });
    const keepConnection = h.backends.server('keep');
    const keepCall = h.client.call('keep__k', {}, 'keep-call');
    const goneCall = h.client.call('gone__g', {}, 'gone-call');
    await keepConnection.heldCalls(1);
    await h.backends.server('gone').heldCalls(1);

    h.write({ keep: { command: 'fake' }, changes: { command: 'fake', args: ['--v2'] }, added: { command: 'fake' } });
    assert.equal(await h.live.reload('test'), 'applied');

    const gone = await goneCall;
    assert.match(gone.error?.message ?? '', /server "gone" was removed from the config while handling tools\/call/);
    assert.equal(h.backends.server('keep'), keepConnection, 'untouched server: same connection');
    keepConnection.answer(keepConnection.held[0].id, { content: [{ type: 'text', text: 'still here' }] });
    assert.deepEqual((await keepCall).result, { content: [{ type: 'text', text: 'still here' }] });
    assert.deepEqual(Object.fromEntries(h.backends.connects), { keep: 1, gone: 1, changes: 2, added: 1 });
    assert.deepEqual(await toolNames(h.client), ['added__n', 'changes__c', 'keep__k']);
    assert.equal(await h.settledCount(TOOLS_CHANGED), 1, 'one tools/list_changed for the whole reload');
    assert.equal(await h.settledCount(PROMPTS_CHANGED), 0, 'prompts did not change');
    assert.ok(h.logs.some((l) => /config reloaded \(test\): added "added"; removed "gone"; restarted \(changed\) "changes"/.test(l)), h.logs.join('\n'));
  });

  it('a restart that leaves every list as it was sends no list_changed', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] }, b: { tools: [tool('y')] } }, { a: { command: 'fake' }, b: { command: 'fake' } });
    h.write({ a: { command: 'fake', env: { V: '2' } }, b: { command: 'fake' } });
    await h.live.reload('test');
    assert.equal(h.backends.connects.get('a'), 2, 'a restarted');
    assert.equal(await h.settledCount(TOOLS_CHANGED), 0);
  });

  it('refuses a file that does not load, logs why, and keeps serving the old config', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] } }, { a: { command: 'fake' } });
    h.write({ a: { comand: 'fake' } });
    assert.equal(await h.live.reload('test'), 'invalid');
    assert.ok(h.logs.some((l) => /config not reloaded \(test\); still serving the previous one:\n.*mcpServers\.a: unknown key "comand"/s.test(l)), h.logs.join('\n'));
    assert.equal((await h.client.call('a__x')).result?.content?.[0]?.text, 'a:x');
    h.write('{ "mcpServers": ');
    assert.equal(await h.live.reload('test'), 'invalid');
    h.write({ a: { command: 'fake' }, b: { command: 'fake' } });
    assert.equal(await h.live.reload('fixed'), 'applied', 'the next good file applies (b is refused by the fake, and retried)');
    assert.equal(h.backends.connects.get('a'), 1);
  });

  it('skips an unchanged file unless forced (SIGHUP), and retries servers that failed', async (t) => {
    const scripts: Record<string, FakeServerScript | typeof REFUSE> = { a: { tools: [tool('x')] }, flaky: REFUSE };
    const h = await liveHarness(t, scripts, { a: { command: 'fake' }, flaky: { command: 'fake', restart: false } });
    await waitFor(() => state(h.router, 'flaky') === 'failed', 'flaky to fail');
    assert.equal(await h.live.reload('file changed'), 'unchanged');
    scripts.flaky = { tools: [tool('f')] };
    assert.equal(await h.live.reload('SIGHUP', true), 'applied');
    assert.equal(state(h.router, 'flaky'), 'ready');
    assert.equal(h.backends.connects.get('a'), 1, 'a untouched');
    assert.ok(h.logs.some((l) => /config reloaded \(SIGHUP\): retried \(had failed\) "flaky"/.test(l)));
    assert.equal(await h.settledCount(TOOLS_CHANGED), 1);
  });

  it('stops the per-client instances of a removed server', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] }, mine: { tools: [tool('m')] } }, { a: { command: 'fake' }, mine: { command: 'fake', session: 'per-client' } });
    const other = await h.openClient();
    assert.ok((await other.call('mine__m')).result, 'the second client got its own instance');
    const instance = h.backends.server('mine');
    const call = other.call('mine__m', {}, 'held');
    instance.script.calls = 'hold';
    h.write({ a: { command: 'fake' } });
    await h.live.reload('test');
    await waitFor(() => instance.closed, 'the per-client instance to stop');
    assert.match((await call).error?.message ?? '', /server "mine" was removed from the config while handling tools\/call/);
  });

  it('a server added at run time only is left alone by reloads; one the file adds under its name replaces it', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] }, extra: { tools: [tool('e')] } }, { a: { command: 'fake' } }, false);
    await h.router.addServer(fakeSpec('extra'));
    h.write({ a: { command: 'fake', args: ['2'] } });
    await h.live.reload('test');
    assert.equal(state(h.router, 'extra'), 'ready');
    assert.equal(h.backends.connects.get('extra'), 1);
    h.write({ a: { command: 'fake', args: ['2'] }, extra: { command: 'fake' } });
    await h.live.reload('test');
    assert.equal(h.backends.connects.get('extra'), 2);
  });
});

describe('reload: admin changes kept in the file', () => {
  it('writes added and removed entries; the reload that follows the write finds nothing to do', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] }, b: { tools: [tool('y')] } }, { a: { command: 'fake' } });
    const spec = parseConfig(JSON.stringify({ mcpServers: { b: { command: 'fake' } } }), h.file, {}).servers;
    const added = await h.live.serialize(async () => {
      await h.router.addServer(spec[0]);
      return h.live.persistAdded({ b: { command: 'fake' } }, spec);
    });
    assert.deepEqual(added, { persisted: true });
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(h.file, 'utf8')).mcpServers), ['a', 'b']);
    await h.live.reload('file changed');
    assert.deepEqual(Object.fromEntries(h.backends.connects), { a: 1, b: 1 });
    assert.ok(h.logs.some((l) => /config reloaded \(file changed\): no server changed/.test(l)));

    const removed = await h.live.serialize(async () => {
      await h.router.removeServer('a');
      return h.live.persistRemoved('a');
    });
    assert.deepEqual(removed, { persisted: true });
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(h.file, 'utf8')).mcpServers), ['b']);
    await h.live.reload('file changed');
    assert.equal(state(h.router, 'a'), undefined, 'not brought back');
  });

  it('queued changes at once all reach the file', async (t) => {
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const h = await liveHarness(t, Object.fromEntries(names.map((n) => [n, { tools: [tool(n)] }])), {});
    await Promise.all(
      names.map((name) =>
        h.live.serialize(async () => {
          const spec = fakeSpec(name);
          await h.router.addServer(spec);
          return h.live.persistAdded({ [name]: { command: 'fake' } }, [spec]);
        }),
      ),
    );
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(h.file, 'utf8')).mcpServers).sort(), [...names].sort());
  });

  it('says why a change is not persisted with --read-only-config, and leaves the file alone', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] } }, { a: { command: 'fake' } }, false);
    const before = readFileSync(h.file, 'utf8');
    const result = await h.live.persistRemoved('a');
    assert.equal(result.persisted, false);
    assert.match(result.reason ?? '', /--read-only-config/);
    assert.equal(readFileSync(h.file, 'utf8'), before);
  });

  it('says why a change could not be written, and keeps it at run time', async (t) => {
    const h = await liveHarness(t, { a: { tools: [tool('x')] } }, { a: { command: 'fake' } });
    rmSync(h.file);
    mkdirSync(h.file); // something that cannot be read or replaced as a file
    const result = await h.live.persistRemoved('a');
    assert.equal(result.persisted, false);
    assert.match(result.reason ?? '', new RegExp(`^cannot write ${h.file}: .*EISDIR.*; the change lasts until the proxy stops`));
    assert.ok(h.logs.some((l) => /admin change not saved: cannot write/.test(l)));
  });
});

describe('diffServers', () => {
  it('compares specs by content, whatever the order of their maps', () => {
    const a = { ...fakeSpec('a'), env: { X: '1', Y: '2' } };
    const reordered = { ...fakeSpec('a'), env: { Y: '2', X: '1' } };
    assert.deepEqual(diffServers([a], [reordered]), { added: [], removed: [], changed: [] });
    const changed = { ...fakeSpec('a'), env: { X: '1' } };
    assert.deepEqual(diffServers([a, fakeSpec('b')], [changed, fakeSpec('c')]), { added: [fakeSpec('c')], removed: ['b'], changed: [changed] });
  });
});
