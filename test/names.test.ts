// Exposed names: namespacing, repair of bad names, length limits, collisions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exposedName, NameTable, separatorIsStrict, type NamingOptions } from '../src/router/names.js';
import { routerHarness } from './helpers/router-harness.js';

const STRICT = /^[a-zA-Z0-9_-]{1,64}$/;
const ns: NamingOptions = { separator: '__', namespace: true };
const FILESYSTEM = 'github.com/modelcontextprotocol/servers/tree/main/src/filesystem';
/** The tools of @modelcontextprotocol/server-filesystem. */
const FILESYSTEM_TOOLS = [
  'read_file', 'read_text_file', 'read_media_file', 'read_multiple_files', 'write_file', 'edit_file', 'create_directory',
  'list_directory', 'list_directory_with_sizes', 'directory_tree', 'move_file', 'search_files', 'get_file_info', 'list_allowed_directories',
];

describe('exposedName', () => {
  it('defaults to server__tool', () => {
    assert.equal(exposedName('weather', 'get_weather', ns), 'weather__get_weather');
  });

  it('uses a custom separator', () => {
    assert.equal(exposedName('weather', 'get_weather', { separator: '-', namespace: true }), 'weather-get_weather');
    assert.equal(exposedName('weather', 'get_weather', { separator: '_x_', namespace: true }), 'weather_x_get_weather');
  });

  it('sanitizes bad characters in server names', () => {
    const name = exposedName('my server.v2/é', 'tool', ns);
    assert.match(name, STRICT);
    assert.ok(name.startsWith('my_server_v2_'), name);
    assert.ok(name.endsWith('__tool'), name);
  });

  it('shortens over-long names deterministically to at most 64 strict characters', () => {
    const server = 's'.repeat(40);
    const tool = 't'.repeat(60);
    const a = exposedName(server, tool, ns);
    assert.match(a, STRICT);
    assert.equal(exposedName(server, tool, ns), a, 'same input, same output');
    // Inputs differing only past the cut must still get different names.
    const b = exposedName(server, 't'.repeat(59) + 'u', ns);
    const c = exposedName('s'.repeat(39) + 'z', tool, ns);
    assert.match(b, STRICT);
    assert.match(c, STRICT);
    assert.equal(new Set([a, b, c]).size, 3, `${a} ${b} ${c}`);
  });

  it('shortens a long server name, not the tool part: 14 filesystem tools stay distinct and readable', () => {
    const names = FILESYSTEM_TOOLS.map((tool) => exposedName(FILESYSTEM, tool, ns));
    assert.equal(new Set(names).size, FILESYSTEM_TOOLS.length, names.join(' '));
    const prefix = names[0].slice(0, names[0].length - `__${FILESYSTEM_TOOLS[0]}`.length);
    names.forEach((name, i) => {
      assert.match(name, STRICT);
      assert.equal(name, `${prefix}__${FILESYSTEM_TOOLS[i]}`, 'the tool part is whole, after one server part for all');
    });
    assert.match(prefix, /^github_com_modelcont_[0-9a-f]{6}$/, 'a prefix of the server name and a hash of all of it');
    assert.deepEqual(FILESYSTEM_TOOLS.map((tool) => exposedName(FILESYSTEM, tool, ns)), names, 'deterministic');
    // Two long servers sharing the first 20 characters still differ (the hash covers the whole name).
    const other = exposedName(`${FILESYSTEM}2`, 'read_file', ns);
    assert.notEqual(other, exposedName(FILESYSTEM, 'read_file', ns));
    assert.ok(other.endsWith('__read_file'), other);
  });

  it('cuts the tool part (with a hash) only when it does not fit beside a short server part', () => {
    const tool = `${'long_tool_name_'.repeat(5)}end`; // 78 characters
    const short = exposedName('srv', tool, ns);
    assert.match(short, STRICT);
    assert.equal(short.length, 64);
    assert.match(short, new RegExp(`^srv__${tool.slice(0, 50)}_[0-9a-f]{8}$`));
    const both = exposedName(FILESYSTEM, tool, ns);
    assert.match(both, STRICT);
    assert.match(both, new RegExp(`^github_com_modelcont_[0-9a-f]{6}__${tool.slice(0, 64 - 27 - 2 - 9)}_[0-9a-f]{8}$`));
    // The server part is kept whole when it is already short, and a name that fits is untouched.
    assert.equal(exposedName('a'.repeat(27), 't'.repeat(35), ns), `${'a'.repeat(27)}__${'t'.repeat(35)}`);
  });

  it('keeps a name of exactly 64 valid characters as is', () => {
    const tool = 'x'.repeat(64 - 'srv__'.length);
    assert.equal(exposedName('srv', tool, ns), `srv__${tool}`);
  });

  it('repairs tool names with dots, spaces or non-ASCII, keeping distinct originals distinct', () => {
    const originals = ['get.weather', 'get weather', 'get_wéather', 'get_weather✓', 'get_weather'];
    const names = originals.map((t) => exposedName('w', t, ns));
    for (const n of names) assert.match(n, STRICT);
    assert.equal(new Set(names).size, originals.length, names.join(' '));
    assert.equal(names[4], 'w__get_weather');
    assert.equal(exposedName('w', 'get.weather', ns), names[0], 'deterministic');
  });

  it('works with a "::" separator (names contain ::)', () => {
    assert.equal(separatorIsStrict('::'), false);
    const opts = { separator: '::', namespace: true };
    assert.equal(exposedName('weather', 'get_weather', opts), 'weather::get_weather');
    const repaired = exposedName('weather', 'get.weather', opts);
    assert.ok(repaired.startsWith('weather::get_weather_'), repaired);
    assert.notEqual(repaired, exposedName('weather', 'get weather', opts));
  });

  it('exposes original names verbatim without namespacing', () => {
    assert.equal(exposedName('any', 'get.weather ✓', { separator: '__', namespace: false }), 'get.weather ✓');
  });
});

describe('NameTable', () => {
  it('maps exposed names back to (server, original)', () => {
    const table = new NameTable(ns, 'tool');
    assert.equal(table.add('weather', 'get_weather'), 'weather__get_weather');
    assert.equal(table.add('calc', 'add'), 'calc__add');
    assert.deepEqual(table.get('weather__get_weather'), { server: 'weather', original: 'get_weather' });
    assert.deepEqual(table.get('calc__add'), { server: 'calc', original: 'add' });
    assert.equal(table.get('weather__add'), undefined);
    assert.equal(table.size, 2);
    assert.deepEqual(table.problems, []);
  });

  it('keeps both of two pairs that collide on one exposed name, and reports it', () => {
    const table = new NameTable(ns, 'tool');
    const first = table.add('a.b', 'run');
    const second = table.add('a_b', 'run');
    assert.equal(first, 'a_b__run');
    assert.ok(second !== undefined && second !== first, `second name: ${second}`);
    assert.match(second!, STRICT);
    assert.deepEqual(table.get(first!), { server: 'a.b', original: 'run' });
    assert.deepEqual(table.get(second!), { server: 'a_b', original: 'run' });
    assert.equal(table.problems.length, 1);
    assert.match(table.problems[0], /a\.b/);
    assert.match(table.problems[0], /a_b/);
    // Rebuilding in the same order gives the same names.
    const again = new NameTable(ns, 'tool');
    assert.deepEqual([again.add('a.b', 'run'), again.add('a_b', 'run')], [first, second]);
  });

  it('re-checks a repaired name: a hash-shortened name that collides gets one nobody holds', () => {
    // A 78-character tool is shortened to its first 52 characters + "_" + hash. A second tool of the
    // same server is literally named like that shortened form: both want the same exposed name, and
    // repairing that name with the same hash gives it back unchanged.
    const long = `${'long_tool_name_'.repeat(5)}end`;
    const shortened = exposedName('s', long, ns);
    assert.equal(shortened.length, 64);
    const literal = shortened.slice('s__'.length);
    assert.equal(exposedName('s', literal, ns), shortened, 'the constructed collision');
    const table = new NameTable(ns, 'tool');
    const first = table.add('s', literal);
    const second = table.add('s', long);
    assert.equal(first, shortened);
    assert.ok(second !== undefined && second !== first, `second: ${second}`);
    assert.match(second!, STRICT);
    assert.deepEqual(table.get(first!), { server: 's', original: literal });
    assert.deepEqual(table.get(second!), { server: 's', original: long });
    assert.equal(table.size, 2);
    assert.equal(table.problems.length, 1);
    assert.ok(table.problems[0].includes(second!), table.problems[0]);
    const again = new NameTable(ns, 'tool');
    assert.deepEqual([again.add('s', literal), again.add('s', long)], [first, second], 'config order decides, every time');
  });

  it('re-checks a repaired name: a repair that is taken too is repaired again', () => {
    const table = new NameTable(ns, 'tool');
    // Learn which name the collision of a.b/run and a_b/run is repaired to, then take it first.
    const probe = new NameTable(ns, 'tool');
    probe.add('a.b', 'run');
    const repaired = probe.add('a_b', 'run')!;
    const squatter = repaired.slice('a_b__'.length);
    assert.equal(table.add('a.b', squatter), repaired);
    assert.equal(table.add('a.b', 'run'), 'a_b__run');
    const third = table.add('a_b', 'run');
    assert.ok(third !== undefined && third !== repaired && third !== 'a_b__run', `third: ${third}`);
    assert.match(third!, STRICT);
    assert.deepEqual(table.get(repaired), { server: 'a.b', original: squatter }, 'the holder keeps its name');
    assert.deepEqual(table.get(third!), { server: 'a_b', original: 'run' });
    assert.equal(table.size, 3);
  });

  it('without namespacing, keeps original names and makes the second of a collision unreachable', () => {
    const table = new NameTable({ separator: '__', namespace: false }, 'tool');
    assert.equal(table.add('one', 'echo'), 'echo');
    assert.equal(table.add('one', 'other'), 'other');
    assert.equal(table.add('two', 'echo'), undefined);
    assert.deepEqual(table.get('echo'), { server: 'one', original: 'echo' });
    assert.equal(table.problems.length, 1);
    assert.match(table.problems[0], /"one"/);
    assert.match(table.problems[0], /"two"/);
    assert.match(table.problems[0], /echo/);
  });
});

describe('long server names through the proxy', () => {
  it('lists and calls each of 14 tools of a server with a 63-character name', async (t) => {
    const h = routerHarness(t, { [FILESYSTEM]: { tools: FILESYSTEM_TOOLS.map((name) => ({ name, inputSchema: { type: 'object' } })) } });
    await h.client.initialize();
    const listed = (await h.client.listAll('tools/list', 'tools')).map((tool) => tool.name as string);
    assert.equal(listed.length, 14);
    assert.equal(new Set(listed).size, 14);
    for (const [i, name] of listed.entries()) {
      assert.match(name, STRICT);
      assert.ok(name.endsWith(`__${FILESYSTEM_TOOLS[i]}`), name);
      const res = await h.client.call(name, { path: '/tmp' });
      assert.equal(res.error, undefined, `${name}: ${JSON.stringify(res.error)}`);
      assert.deepEqual(res.result.structuredContent, { server: FILESYSTEM, tool: FILESYSTEM_TOOLS[i], arguments: { path: '/tmp' } });
    }
    assert.deepEqual(h.logs.filter((l) => /exposing it as/.test(l)), [], 'no collision to repair');
  });
});
