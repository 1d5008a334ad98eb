// Merged lists are served from JSON text cached per kind: the cache must follow every change.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/backends/backend.js';
import { MergedCatalog } from '../src/router/aggregate.js';
import { tool } from './helpers/fake-backend.js';
import { routerHarness } from './helpers/router-harness.js';

function fakeBackend(name: string, tools: { name: string }[]): Backend {
  return { name, state: 'ready', listed: true, catalog: { tools, prompts: [], resources: [], resourceTemplates: [] } } as unknown as Backend;
}

describe('merged list cache', { timeout: 15_000 }, () => {
  it('serves the serialized list until the kind is invalidated, then the new one', () => {
    const a = fakeBackend('a', [{ name: 'one' }]);
    const catalog = new MergedCatalog(() => [a], { separator: '__', namespace: true }, () => {});
    const first = catalog.resultJson('tools');
    assert.equal(first, `"tools":${JSON.stringify(catalog.list('tools'))}`);
    assert.equal(catalog.resultJson('tools'), first, 'unchanged: the same text');
    a.catalog = { ...a.catalog, tools: [{ name: 'one' }, { name: 'two' }] as any };
    catalog.invalidate(['prompts']);
    assert.equal(catalog.resultJson('tools'), first, 'another kind changed: still the same text');
    catalog.invalidate(['tools']);
    assert.deepEqual(JSON.parse(`{${catalog.resultJson('tools')}}`).tools.map((t: { name: string }) => t.name), ['a__one', 'a__two']);
  });

  it('answers tools/list with the new list after list_changed, with the client id of each request', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('one')] } });
    await client.initialize();
    const before = await client.request('tools/list', undefined, 'list-1');
    assert.equal(before.id, 'list-1');
    assert.deepEqual(before.result.tools.map((x: { name: string }) => x.name), ['a__one']);
    backends.server('a').script.tools = [tool('one'), tool('two')];
    backends.server('a').notify('notifications/tools/list_changed');
    // The cache is invalidated when the backend's new list is stored, before the announcement.
    await client.waitForNotification('notifications/tools/list_changed');
    const after = await client.request('tools/list', undefined, 7);
    assert.equal(after.id, 7);
    assert.deepEqual(after.result.tools.map((x: { name: string }) => x.name), ['a__one', 'a__two']);
  });
});
