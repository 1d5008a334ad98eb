// Writing admin changes into the config file: one entry added or removed, every other byte kept
// (comments, order, indentation, other settings); the file replaced atomically.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../src/config/atomic-write.js';
import { removeServerEntry, setServerEntry } from '../src/config/edit.js';
import { blankJsonc } from '../src/config/jsonc.js';

const FILE = `{
  // my servers
  "inputs": [],
  "mcpServers": {
    "a": { "command": "a" }, // first
    "b": {
      "command": "b",
      "args": ["x"]
    }
  },
  "editor.setting": true
}
`;

describe('config edits keep the rest of the file', () => {
  it('adds an entry after the last one, in the file\'s indentation', () => {
    assert.equal(
      setServerEntry(FILE, 'c', { command: 'c', env: { K: '${K}' } }),
      FILE.replace(
        '      "args": ["x"]\n    }\n',
        '      "args": ["x"]\n    },\n    "c": {\n      "command": "c",\n      "env": {\n        "K": "${K}"\n      }\n    }\n',
      ),
    );
  });

  it('removes a middle entry with its line and comment, a last one with the comma before it', () => {
    assert.equal(removeServerEntry(FILE, 'a'), FILE.replace('    "a": { "command": "a" }, // first\n', ''));
    assert.equal(
      removeServerEntry(FILE, 'b'),
      FILE.replace('"a": { "command": "a" }, // first\n    "b": {\n      "command": "b",\n      "args": ["x"]\n    }', '"a": { "command": "a" } // first'),
    );
    assert.equal(removeServerEntry(FILE, 'nope'), FILE);
  });

  it('replaces an entry of the same name where it is (e.g. a disabled one), in either table', () => {
    const vscode = '{\n  "servers": {\n    "x": { "command": "old", "disabled": true }\n  }\n}\n';
    assert.equal(setServerEntry(vscode, 'x', { command: 'new' }), '{\n  "servers": {\n    "x": {\n      "command": "new"\n    }\n  }\n}\n');
  });

  it('fills an empty table, creates mcpServers when there is none, and keeps one-line objects on one line', () => {
    assert.equal(setServerEntry('{ "mcpServers": {} }', 'a', { command: 'a' }), '{ "mcpServers": {\n  "a": {\n    "command": "a"\n  }\n} }');
    assert.equal(setServerEntry('{\n  "other": 1\n}', 'a', { command: 'a' }), '{\n  "other": 1,\n  "mcpServers": {\n    "a": {\n      "command": "a"\n    }\n  }\n}');
    assert.equal(setServerEntry('{"mcpServers": {"a": {"command": "a"}}}', 'b', { command: 'b' }), '{"mcpServers": {"a": {"command": "a"}, "b": {"command":"b"}}}');
    assert.equal(removeServerEntry('{"mcpServers": {"a": {}, "b": {}}}', 'a'), '{"mcpServers": {"b": {}}}');
    assert.equal(removeServerEntry('{"mcpServers": {"a": {}}}', 'a'), '{"mcpServers": {}}');
  });

  it('results stay valid JSON(C) through a run of edits, with a trailing comma and a BOM', () => {
    let text = '\uFEFF{\n\t"mcpServers": {\n\t\t"a": {},\n\t},\n}';
    for (const name of ['b', 'c', 'd']) text = setServerEntry(text, name, { command: name });
    text = removeServerEntry(removeServerEntry(text, 'a'), 'c');
    const doc = JSON.parse(blankJsonc(text).replace(/^\uFEFF/, ''));
    assert.deepEqual(Object.keys(doc.mcpServers), ['b', 'd']);
    assert.match(text, /\n\t\t"d": \{\n\t\t\t"command": "d"\n\t\t\}/, 'tabs kept');
  });

  it('refuses to edit a file that is not JSON right now', () => {
    assert.throws(() => setServerEntry('{ "mcpServers": ', 'a', {}), /the file is not valid JSON right now/);
    assert.throws(() => removeServerEntry('[]', 'a'), /top level is not a JSON object/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file (mode kept, no temp file left) and writes through a symlink', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-atomic-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const real = path.join(dir, 'real.json');
    writeFileSync(real, 'old');
    chmodSync(real, 0o600);
    const link = path.join(dir, 'mcp.json');
    symlinkSync(real, link);
    await writeFileAtomic(link, 'new');
    assert.equal(readFileSync(real, 'utf8'), 'new');
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link stays a link');
    assert.equal(statSync(real).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['mcp.json', 'real.json']);
  });

  it('fails without a trace when the rename fails (here: a directory in the way)', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-atomic-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const inTheWay = path.join(dir, 'mcp.json');
    mkdirSync(inTheWay);
    writeFileSync(path.join(inTheWay, 'kept'), 'x');
    await assert.rejects(writeFileAtomic(inTheWay, 'new'), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual(readdirSync(dir), ['mcp.json']);
    assert.deepEqual(readdirSync(inTheWay), ['kept']);
  });
});
