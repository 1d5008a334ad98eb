// Config keys of issue 18: top-level toolDiscovery, views (servers, tool globs, own discovery
// mode); what is wrong is reported with its JSON path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../src/config/index.js';

const parse = (doc: object) => parseConfig(JSON.stringify({ mcpServers: { a: { command: 'a' }, b: { command: 'b' }, off: { command: 'x', disabled: true } }, ...doc }), '/c/mcp.json', {});

function issues(doc: object): { path: string; message: string }[] {
  try {
    parse(doc);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.issues;
  }
  assert.fail('expected a ConfigError');
}

describe('discovery: config', () => {
  it('defaults to mode all, nothing pinned, no views', () => {
    const config = parse({});
    assert.deepEqual(config.toolDiscovery, { mode: 'all', pinned: [] });
    assert.deepEqual(config.views, []);
  });

  it('reads toolDiscovery and views, in file order', () => {
    const config = parse({
      toolDiscovery: { mode: 'search', pinned: ['a__*'] },
      views: {
        dev: { servers: ['a', 'off'], tools: { include: ['a__*'], exclude: ['a__rm'] } },
        lean: { toolDiscovery: { mode: 'all' } },
      },
    });
    assert.deepEqual(config.toolDiscovery, { mode: 'search', pinned: ['a__*'] });
    assert.deepEqual(config.views, [
      { name: 'dev', servers: ['a', 'off'], include: ['a__*'], exclude: ['a__rm'] },
      { name: 'lean', toolDiscovery: { mode: 'all', pinned: [] } },
    ]);
  });

  it('reports a bad mode, an unknown key, a server no entry has and a name that cannot be a URL segment', () => {
    assert.deepEqual(issues({ toolDiscovery: { mode: 'lazy' } }).map((i) => i.path), ['toolDiscovery.mode']);
    assert.match(issues({ toolDiscovery: { mode: 'lazy' } })[0].message, /"all"|all/);
    assert.deepEqual(issues({ views: { v: { tool: {} } } }).map((i) => i.path), ['views.v']);
    const unknown = issues({ views: { v: { servers: ['a', 'nope'] } } });
    assert.deepEqual(unknown, [{ path: 'views.v.servers[1]', message: 'no server "nope" in mcpServers (servers: "a", "b", "off")' }]);
    const badName = issues({ views: { 'my view': {} } });
    assert.equal(badName[0].path, 'views["my view"]');
    assert.match(badName[0].message, /1 to 64 of A-Z a-z 0-9 _ -/);
    assert.deepEqual(issues({ views: { v: { tools: { include: [''] } } } }).map((i) => i.path), ['views.v.tools.include[0]']);
  });

  it('interpolates ${VAR} in the keys it reads', () => {
    const config = parseConfig(
      JSON.stringify({ mcpServers: { a: { command: 'a' } }, toolDiscovery: { mode: '${MODE}' }, views: { v: { servers: ['${S}'] } } }),
      '/c/mcp.json',
      { MODE: 'search', S: 'a' },
    );
    assert.equal(config.toolDiscovery.mode, 'search');
    assert.deepEqual(config.views[0].servers, ['a']);
  });
});
