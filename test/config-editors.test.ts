// Configs as other editors write them (examples/config/editors/, one file per editor): each loads
// as it is, with what it means there (aliases, a bare "timeout" in Cline/Roo seconds, envFile,
// VS Code variables, JSONC), editor-only keys left out and listed, unknown keys still refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, parseConfig, type Config, type ServerSpec } from '../src/config/index.js';
import { parseDuration } from '../src/config/duration.js';
import { parseDotenv } from '../src/config/env-file.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EDITORS = path.join(REPO, 'examples/config/editors');
const FIXTURES = path.join(REPO, 'fixtures/servers');
const ENV = { UPSTREAM_API_KEY: 'k', HOME: '/home/someone' };

const load = (file: string, env: Record<string, string> = ENV): Config => loadConfig(path.join(EDITORS, file), env);
const byName = (config: Config): Record<string, ServerSpec> => Object.fromEntries(config.servers.map((s) => [s.name, s]));
const fixture = (name: string) => path.join(FIXTURES, `${name}.mjs`);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  assert.fail('expected a ConfigError');
}

describe('config formats of other editors (examples/config/editors)', () => {
  it('has one example per editor, each tested below', () => {
    assert.deepEqual(readdirSync(EDITORS).sort(), [
      'calculator.env',
      'claude-code.mcp.json',
      'claude_desktop_config.json',
      'cline_mcp_settings.json',
      'cursor-mcp.json',
      'roo-mcp.json',
      'vscode-mcp.json',
      'windsurf-mcp_config.json',
    ]);
  });

  it('Claude Desktop: mcpServers with command, args (a script beside the file, anchored there) and env', () => {
    const { weather } = byName(load('claude_desktop_config.json'));
    assert.deepEqual([weather.transport, weather.command, weather.args, weather.env], ['stdio', 'node', [fixture('weather')], { WEATHER_UNITS: 'metric' }]);
  });

  it('Cursor: envFile read relative to the file (env wins over it), url with headers', () => {
    const { calculator, remote } = byName(load('cursor-mcp.json'));
    assert.deepEqual(calculator.env, { CALCULATOR_PRECISION: '6', CALCULATOR_MODE: 'strict' });
    assert.deepEqual([remote.transport, remote.url, remote.headers], ['auto-http', 'http://127.0.0.1:9080/mcp', { Authorization: 'Bearer k' }]);
  });

  it('Claude Code (.mcp.json): explicit type stdio/http, ${VAR:-default}', () => {
    const { unit_converter, remote } = byName(load('claude-code.mcp.json'));
    assert.equal(unit_converter.transport, 'stdio');
    assert.deepEqual(unit_converter.env, { LOG_LEVEL: 'warn' });
    assert.equal(remote.transport, 'http');
  });

  it('VS Code (.vscode/mcp.json): JSONC, "servers", inputs, envFile, ${env:…}, ${input:…}, ${workspaceFolder}; dev left out', () => {
    const config = load('vscode-mcp.json', { HOME: '/home/someone', UPSTREAM_API_KEY: 'from-env' });
    const { weather, remote } = byName(config);
    assert.deepEqual(weather.args.map((a) => path.resolve(a)), [fixture('weather')]);
    assert.deepEqual(weather.env, { CALCULATOR_PRECISION: '6', CALCULATOR_MODE: 'strict', HOME_DIR: '/home/someone' });
    assert.deepEqual([remote.transport, remote.headers], ['http', { Authorization: 'Bearer from-env' }]);
    assert.deepEqual(config.ignoredKeys, ['inputs', 'servers.weather.dev']);
  });

  it('VS Code: an ${input:…} with no variable set says which variable stands in for the prompt', () => {
    const err = configError(() => load('vscode-mcp.json', { HOME: '/h' }));
    assert.deepEqual(err.issues, [
      {
        path: 'servers.remote.headers.Authorization',
        message: '${input:upstream-api-key} asks the editor to prompt for a value, which a proxy cannot do: set the environment variable UPSTREAM_API_KEY instead (used by server "remote")',
      },
    ]);
  });

  it('Cline: transportType and type "streamableHttp", bare timeout in seconds (said once), autoApprove left out, disabled honoured', () => {
    const config = load('cline_mcp_settings.json');
    const { calculator, remote } = byName(config);
    assert.deepEqual([calculator.transport, calculator.timeoutMs], ['stdio', 60_000]);
    assert.deepEqual([remote.transport, remote.timeoutMs], ['http', 300_000]);
    assert.deepEqual(config.disabledServers, ['old']);
    assert.deepEqual(config.ignoredKeys, ['mcpServers.calculator.autoApprove', 'mcpServers.remote.autoApprove']);
    assert.equal(config.notes.length, 1);
    assert.match(config.notes[0], /"timeout" numbers are read as seconds, as Cline and Roo Code mean them \(mcpServers\.calculator\.timeout: 60 → 60 s, mcpServers\.remote\.timeout: 300 → 300 s\)/);
  });

  it('Roo Code: alwaysAllow and watchPaths left out, disabledTools honoured, type "streamable-http", cwd relative to the file', () => {
    const config = load('roo-mcp.json');
    const { unit_converter, remote } = byName(config);
    assert.equal(unit_converter.cwd, REPO);
    assert.deepEqual(unit_converter.args, ['fixtures/servers/unit_converter.mjs'], 'with a cwd, args stay relative to it');
    assert.deepEqual(unit_converter.tools, { deny: ['convert_weight'] });
    assert.equal(unit_converter.timeoutMs, 120_000);
    assert.equal(remote.transport, 'http');
    assert.deepEqual(config.ignoredKeys, ['mcpServers.unit_converter.alwaysAllow', 'mcpServers.unit_converter.watchPaths']);
  });

  it('Windsurf: serverUrl, disabledTools', () => {
    const { calculator, remote } = byName(load('windsurf-mcp_config.json'));
    assert.deepEqual(calculator.tools, { deny: ['divide'] });
    assert.deepEqual([remote.url, remote.transport], ['http://127.0.0.1:9080/mcp', 'auto-http']);
  });
});

describe('config: one loader, strict where it matters', () => {
  const SOURCE = '/configs/mcp.json';
  const parse = (doc: unknown, source = SOURCE, env: Record<string, string> = {}) => parseConfig(JSON.stringify(doc), source, env);

  it('still refuses a truly unknown key with its path and a suggestion, next to editor keys', () => {
    const err = configError(() => parse({ servers: { a: { command: 'c', autoApprove: [], comand: 'x' } } }));
    assert.equal(err.issues[0].path, 'servers.a');
    assert.match(err.issues[0].message, /^unknown key "comand" \(did you mean "command"\?\)/);
  });

  it('takes mcpServers and servers together, refusing a name in both', () => {
    assert.deepEqual(parse({ mcpServers: { a: { command: 'a' } }, servers: { b: { command: 'b' } } }).servers.map((s) => s.name), ['a', 'b']);
    const err = configError(() => parse({ mcpServers: { a: { command: 'a' } }, servers: { a: { command: 'b' } } }));
    assert.deepEqual(err.issues, [{ path: 'servers.a', message: 'server "a" is also in "mcpServers"; keep one of the two' }]);
  });

  it('refuses aliases that disagree', () => {
    const err = configError(() => parse({ mcpServers: { a: { url: 'http://h/mcp', serverUrl: 'http://other/mcp', type: 'http', transportType: 'sse' } } }));
    assert.deepEqual(err.issues.map((i) => [i.path, i.message]), [
      ['mcpServers.a.serverUrl', 'has both "url" and "serverUrl" with different values; keep one'],
      ['mcpServers.a.transportType', 'has both "type" and "transportType" with different values; keep one'],
    ]);
  });

  it('every type name: stdio, sse, http, streamable-http, streamableHttp, ws', () => {
    const transport = (type: string, where: object) => parse({ mcpServers: { s: { type, ...where } } }).servers[0].transport;
    assert.equal(transport('stdio', { command: 'c' }), 'stdio');
    assert.equal(transport('sse', { url: 'http://h/x' }), 'sse');
    for (const type of ['http', 'streamable-http', 'streamableHttp']) assert.equal(transport(type, { url: 'http://h/x' }), 'http');
    assert.equal(transport('ws', { url: 'ws://h/x' }), 'ws');
  });

  it('${workspaceFolder} is the folder above .vscode/.cursor/.roo, else the file\'s own; ${userHome} the home directory', () => {
    const args = (source: string) => parse({ mcpServers: { s: { command: 'c', args: ['${workspaceFolder}', '${userHome}'] } } }, source).servers[0].args;
    assert.deepEqual(args('/proj/.vscode/mcp.json'), [path.resolve('/proj'), homedir()]);
    assert.deepEqual(args('/proj/tools/mcp.json'), [path.resolve('/proj/tools'), homedir()]);
  });

  it('names an unsupported editor variable as such', () => {
    const err = configError(() => parse({ mcpServers: { s: { command: 'c', args: ['${command:pickFile}'] } } }));
    assert.match(err.issues[0].message, /^unsupported editor variable "\$\{command:pickFile\}": expected \$\{NAME\}/);
  });

  it('an envFile that is missing or malformed is reported with its path', () => {
    const missing = configError(() => parse({ mcpServers: { s: { command: 'c', envFile: 'nope.env' } } }));
    assert.deepEqual(missing.issues, [{ path: 'mcpServers.s.envFile', message: `env file does not exist: ${path.resolve('/configs/nope.env')}` }]);
  });
});

describe('config: units are never guessed', () => {
  const timeoutOf = (entry: object, source = '/c/mcp.json') =>
    parseConfig(JSON.stringify({ mcpServers: { s: { command: 'c', ...entry } } }), source, {}).servers[0].timeoutMs;

  it('timeoutMs is milliseconds; a timeout string carries its unit', () => {
    assert.equal(timeoutOf({ timeoutMs: 1500 }), 1500);
    assert.equal(timeoutOf({ timeout: '60s' }), 60_000);
    assert.equal(timeoutOf({ timeout: '1.5s' }), 1500);
    assert.equal(timeoutOf({ timeout: '500ms' }), 500);
    assert.equal(timeoutOf({ timeout: '2m' }), 120_000);
  });

  it('a bare number is seconds in a Cline or Roo Code file (by name or by their keys), refused elsewhere', () => {
    assert.equal(timeoutOf({ timeout: 60 }, '/c/cline_mcp_settings.json'), 60_000);
    assert.equal(timeoutOf({ timeout: 60 }, '/c/mcp_settings.json'), 60_000);
    assert.equal(timeoutOf({ timeout: 60 }, '/proj/.roo/mcp.json'), 60_000);
    assert.equal(timeoutOf({ timeout: 60, alwaysAllow: [] }), 60_000);
    const err = configError(() => timeoutOf({ timeout: 60 }));
    assert.deepEqual(err.issues, [
      {
        path: 'mcpServers.s.timeout',
        message: '60 has no unit: write "timeoutMs": 60 for milliseconds, or "timeout": "60s" for seconds (a bare number means seconds only in Cline and Roo Code files)',
      },
    ]);
  });

  it('refuses a string without unit, and timeout together with timeoutMs', () => {
    assert.equal(configError(() => timeoutOf({ timeout: '60' })).issues[0].message, 'expected a duration with its unit, such as "60s" or "500ms"');
    assert.match(configError(() => timeoutOf({ timeout: '60s', timeoutMs: 1 })).issues[0].message, /has both "timeout" and "timeoutMs"; keep one/);
  });

  it('parseDuration: units ms, s, m, h; nothing else', () => {
    assert.deepEqual(['10ms', '3s', '0.5m', '1h'].map(parseDuration), [10, 3000, 30_000, 3_600_000]);
    assert.deepEqual(['60', 's', '-1s', '0s', '1d', '1 sec'].map(parseDuration), [undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('envFile: dotenv syntax', () => {
  it('reads KEY=value, export, comments, quotes and escapes', () => {
    const text = '# comment\n\nA=1\nexport B = two words # trailing\nC="line\\nbreak \\"q\\""\nD=\'$literal # kept\'\nE=\n';
    assert.deepEqual(parseDotenv(text), { A: '1', B: 'two words', C: 'line\nbreak "q"', D: '$literal # kept', E: '' });
  });

  it('names the line of a malformed entry, never its value', () => {
    assert.throws(() => parseDotenv('A=1\nsecret-value-without-key\n'), /^Error: line 2: expected KEY=value$/);
    assert.throws(() => parseDotenv('A="unterminated'), /^Error: line 1: missing closing "$/);
  });
});
