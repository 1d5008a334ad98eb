// Exposed names: namespacing, repair of bad names, length limits, collisions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exposedName, NameTable, separatorIsStrict, type NamingOptions } from '../src/router/names.js';

const STRICT = /^[a-zA-Z0-9_-]{1,64}$/;
const ns: NamingOptions = { separator: '__', namespace: true };

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
