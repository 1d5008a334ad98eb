// start-server.sh, the production start: it refuses to start without MULTI_MCP_API_KEY or while a
// variable the config needs is unset (naming each one and its servers), explains a missing config,
// and otherwise runs the HTTP mode on HOST/PORT. msc/mcp.example.json, the file users copy, is a valid config.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../src/config/index.js';
import { pollUntil } from './helpers/http-mcp.js';
import { runToExit, startListening, type ListeningProcess } from './helpers/listening-process.js';
import { fixture } from './helpers/proxy-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(REPO, 'start-server.sh');
const EXAMPLE = path.join(REPO, 'msc/mcp.example.json');

const KEY = 'start-script-key-7c2e91';

/** The test's environment without anything a config below refers to, with a test API key. */
function baseEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', PORT: '0', MULTI_MCP_API_KEY: KEY, ...extra };
  for (const name of ['DEPLOY_TEST_TOKEN', 'DEPLOY_TEST_OTHER', 'DEPLOY_TEST_DISABLED', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'BRAVE_API_KEY']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

describe('start-server.sh', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-start-'));
  const config = path.join(dir, 'mcp.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        echo: { command: process.execPath, args: [fixture('echo')], env: { TOKEN: '${DEPLOY_TEST_TOKEN}', LEVEL: '${DEPLOY_TEST_LEVEL:-info}' } },
        other: { command: process.execPath, args: [fixture('calculator')], env: { A: '${DEPLOY_TEST_OTHER}', B: '${DEPLOY_TEST_TOKEN}' } },
        off: { disabled: true, command: 'nothing', env: { C: '${DEPLOY_TEST_DISABLED}' } },
      },
    }),
  );
  let server: ListeningProcess | undefined;
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start while referenced variables are unset, naming each and its servers', async () => {
    const run = await runToExit('sh', [SCRIPT], { cwd: dir, env: baseEnv({ MULTI_MCP_CONFIG: config, DEPLOY_TEST_OTHER: '' }) });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /needs these environment variables, which are not set/);
    assert.match(run.stderr, /DEPLOY_TEST_TOKEN\s+\(used by echo, other\)/);
    assert.match(run.stderr, /DEPLOY_TEST_OTHER\s+\(used by other\)/, 'an empty value counts as unset');
    assert.doesNotMatch(run.stderr, /DEPLOY_TEST_DISABLED|DEPLOY_TEST_LEVEL/, 'disabled servers and ${VAR:-default} are not required');
    assert.doesNotMatch(run.stderr, /listening on/);
  });

  it('refuses to start without MULTI_MCP_API_KEY, saying how to make one', async () => {
    const env = baseEnv({ MULTI_MCP_CONFIG: config, DEPLOY_TEST_TOKEN: 't0ken', DEPLOY_TEST_OTHER: 'x' });
    delete env.MULTI_MCP_API_KEY;
    const run = await runToExit('sh', [SCRIPT], { cwd: dir, env });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /MULTI_MCP_API_KEY is not set/);
    assert.match(run.stderr, /openssl rand -hex 32/);
    assert.doesNotMatch(run.stderr, /listening on/);
  });

  it('explains a missing config file', async () => {
    const run = await runToExit('sh', [SCRIPT], { cwd: dir, env: baseEnv({ MULTI_MCP_CONFIG: path.join(dir, 'absent.json') }) });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /config file not found: .*absent\.json/);
    assert.match(run.stderr, /cp msc\/mcp\.example\.json msc\/mcp\.json/);
  });

  it('with the variables set, serves HTTP on HOST/PORT: /health answers and the servers are up', async () => {
    const env = baseEnv({ MULTI_MCP_CONFIG: config, DEPLOY_TEST_TOKEN: 't0ken', DEPLOY_TEST_OTHER: 'x' });
    server = await startListening('sh', [SCRIPT], { cwd: dir, env });
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const tools = await pollUntil(async () => {
      const reply = await fetch(`${server!.url}/mcp_tools`, { headers: { Authorization: `Bearer ${KEY}` } });
      const body = (await reply.json()) as { tools: { name: string }[] };
      const names = body.tools.map((t) => t.name);
      return names.includes('echo__echo') && names.includes('other__add') ? names : undefined;
    }, 'both servers\' tools');
    assert.ok(tools.length > 2);
    await server.stop();
    server = undefined;
  });

  it('msc/mcp.example.json is a valid config once its variables are set', async () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const loaded = parseConfig(text, EXAMPLE, { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_example' });
    const github = loaded.servers.find((s) => s.name === 'github');
    assert.equal(github?.env.GITHUB_PERSONAL_ACCESS_TOKEN, 'ghp_example');
    assert.ok(loaded.servers.some((s) => s.name === 'weather'));
    assert.throws(() => parseConfig(text, EXAMPLE, {}), (e: unknown) => e instanceof ConfigError && /GITHUB_PERSONAL_ACCESS_TOKEN/.test(e.message));

    const run = await runToExit('sh', [SCRIPT], { cwd: dir, env: baseEnv({ MULTI_MCP_CONFIG: EXAMPLE }) });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /GITHUB_PERSONAL_ACCESS_TOKEN\s+\(used by github\)/);
  });
});
