// `multi-mcp auth login|status|logout` from the command line, with the test browser as
// --oauth-open-command; then a stdio proxy on the same store uses the token without signing in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { approve, ProtectedMcpServer, TestAuthServer } from './helpers/oauth-servers.js';
import { CLI, connectSdkClient, fixtureServer } from './helpers/proxy-process.js';
import { runChild } from './helpers/run-child.js';
import { toolText } from './helpers/http-mcp.js';
import { PATIENCE_MS } from './helpers/wait.js';

const BROWSER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'harness/browser.js');

describe('oauth: auth login, status, logout', { timeout: 180_000 }, () => {
  let as: TestAuthServer;
  let rs: ProtectedMcpServer;
  let dir: string;
  let config: string;
  let store: string;

  before(async () => {
    as = await new TestAuthServer().start();
    rs = await new ProtectedMcpServer(as).start();
    dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-oauth-cli-'));
    store = path.join(dir, 'store');
    config = path.join(dir, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { remote: { url: rs.resource }, calc: fixtureServer('calculator'), off: { url: rs.resource, oauth: false } } }));
  });
  after(async () => {
    await rs.stop();
    await as.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = (...args: string[]) =>
    runChild(process.execPath, [CLI, 'auth', ...args, '--config', config, '--oauth-store', store, '--oauth-open-command', `${process.execPath} ${BROWSER}`], { timeoutMs: 2 * PATIENCE_MS });

  it('signs in ahead of time; the store is owner-only and the token is printed nowhere', async () => {
    const login = await auth('login', 'remote');
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /signed in to "remote" with scope "mcp", token valid for 60 min, renewed automatically/);
    assert.match(login.stderr, /server "remote" needs sign-in: open http/);
    assert.equal(as.counts.authorize, 1);
    const files = readdirSync(store);
    assert.equal(files.length, 1);
    assert.equal(statSync(path.join(store, files[0])).mode & 0o777, 0o600);
    assert.equal(statSync(store).mode & 0o777, 0o700);
    for (const token of [...as.accessTokens.keys(), ...as.refreshTokens.keys()]) {
      assert.ok(!login.stdout.includes(token) && !login.stderr.includes(token));
    }

    const status = await auth('status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^remote {2}http:\/\/127\.0\.0\.1:\d+\/mcp {2}signed in, scope "mcp", token valid for 60 min/m);
    assert.match(status.stdout, /^calc {2}.* {2}no sign-in \(is a local process\)$/m);
    assert.match(status.stdout, /^off {2}.* {2}no sign-in \(has "oauth": false\)$/m);
    for (const token of as.accessTokens.keys()) assert.ok(!status.stdout.includes(token));
  });

  it('a proxy on the same store uses the token at once', async (t) => {
    const { client } = await connectSdkClient(t, config, ['--oauth-store', store, '--oauth-open-command', `${process.execPath} ${BROWSER}`]);
    const tools = (await client.listTools()).tools.map((x) => x.name);
    assert.ok(tools.includes('remote__whoami'), tools.join(', '));
    assert.match(toolText(await client.callTool({ name: 'remote__whoami', arguments: {} })), /token #1/);
    assert.equal(as.counts.authorize, 1, 'no second sign-in');
  });

  it('logs out: the record is gone and the next login signs in afresh', async () => {
    const out = await auth('logout', 'remote');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /signed out of "remote"/);
    assert.deepEqual(readdirSync(store), []);
    assert.match((await auth('status')).stdout, /^remote .* not signed in$/m);
    assert.match((await auth('logout', 'remote')).stdout, /"remote" was not signed in/);
  });

  it('says what is wrong: unknown server, local server, missing argument', async () => {
    const unknown = await auth('login', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /has no server "nope"/);
    const local = await auth('login', 'calc');
    assert.equal(local.code, 1);
    assert.match(local.stderr, /server "calc" is a local process: there is nothing to sign in to/);
    const missing = await runChild(process.execPath, [CLI, 'auth', 'login'], { timeoutMs: 2 * PATIENCE_MS });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /auth login needs the name of a server/);
    const bad = await runChild(process.execPath, [CLI, 'auth', 'frobnicate'], { timeoutMs: 2 * PATIENCE_MS });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown auth command "frobnicate"/);
  });

  it('a sign-in link can also be opened by hand: login waits for the redirect', async () => {
    // No opener that follows the link: the test "opens" it from the log line.
    let stderr = '';
    let opened = false;
    const child = runChild(process.execPath, [CLI, 'auth', 'login', 'remote', '--config', config, '--oauth-store', store, '--oauth-open-command', 'true'], {
      timeoutMs: 2 * PATIENCE_MS,
      onStderr: (chunk) => {
        stderr += chunk;
        const link = /open (http\S+)\n/.exec(stderr)?.[1];
        if (link && !opened) {
          opened = true;
          void approve(link);
        }
      },
    });
    const run = await child;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /signed in to "remote"/);
  });
});
