// Relative paths in a config are anchored at the config file's directory (cwd and envFile always;
// command and script args when the entry has no cwd), so the bundled mcp.json serves its three
// servers whatever directory the proxy is started in, e.g. "/" as editors do.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parseConfig } from '../src/config/index.js';
import { CLI } from './helpers/proxy-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('relative paths in a config', () => {
  it('anchor command paths, file-naming args, cwd and envFile at the config file\'s directory', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-paths-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'server.js'), '');
    writeFileSync(path.join(dir, 'vars.env'), 'A=1\n');
    const doc = {
      mcpServers: {
        local: { command: './bin/run', args: ['bin/server.js', 'missing.js', '-y', '@scope/pkg', '--flag=bin/server.js', '/abs/x.js'], envFile: 'vars.env' },
        onPath: { command: 'node', args: ['bin/server.js'] },
        withCwd: { command: './run', args: ['bin/server.js'], cwd: 'bin' },
      },
    };
    const [local, onPath, withCwd] = parseConfig(JSON.stringify(doc), path.join(dir, 'mcp.json'), {}).servers;
    assert.equal(local.command, path.join(dir, 'bin', 'run'));
    assert.deepEqual(local.args, [path.join(dir, 'bin', 'server.js'), 'missing.js', '-y', '@scope/pkg', '--flag=bin/server.js', '/abs/x.js']);
    assert.deepEqual(local.env, { A: '1' });
    assert.equal(onPath.command, 'node', 'a bare command name is looked up on PATH');
    assert.deepEqual(onPath.args, [path.join(dir, 'bin', 'server.js')]);
    assert.deepEqual([withCwd.command, withCwd.args, withCwd.cwd], ['./run', ['bin/server.js'], path.join(dir, 'bin')], 'with a cwd, as in a shell');
  });

  it('leave a script that is not beside the config to the process (the Docker image: /config/mcp.json, scripts in /app)', () => {
    const { servers } = parseConfig('{"mcpServers":{"weather":{"command":"node","args":["fixtures/servers/weather.mjs"]}}}', '/config/mcp.json', {});
    assert.deepEqual(servers[0].args, ['fixtures/servers/weather.mjs']);
  });
});

describe('the bundled mcp.json', { timeout: 60_000 }, () => {
  it('serves its three servers when started from "/" as an editor would', async (t) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--config', path.join(REPO, 'mcp.json'), '--log-level', 'warn'],
      cwd: '/',
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'from-root', version: '1.0.0' }, { capabilities: {} });
    t.after(() => client.close());
    await client.connect(transport);
    const names = (await client.listTools()).tools.map((x) => x.name);
    assert.deepEqual(
      [...new Set(names.map((n) => n.split('__')[0]))].sort(),
      ['calculator', 'unit_converter', 'weather'],
      `tools: ${names.join(', ')}; stderr: ${stderr}`,
    );
    const sum = await client.callTool({ name: 'calculator__add', arguments: { a: 2, b: 3 } });
    assert.deepEqual(sum.content, [{ type: 'text', text: '5' }]);
  });
});
