// Credentials stay out of everything the proxy prints or returns (issue 13): URL userinfo and query
// values are redacted in log lines, admin answers, errors sent to clients and --record transcripts;
// header and env values never appear at all; the transcript is private (0600).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { redactUrl, redactUrlsIn } from '../src/redact.js';
import { backendsStarted, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { streamableClient } from './helpers/http-mcp.js';
import { onPostedRequest } from './helpers/posted-request.js';
import { fixtureServer } from './helpers/proxy-process.js';

const KEY = 'secrets-test-key-93b1e7';
const AUTH = { Authorization: `Bearer ${KEY}` };
const SECRETS = ['pa55word', 'tok3n-abc', 'hdr-s3cret-value', 'env-s3cret-value', KEY];

/** A Streamable HTTP server with one tool, "boom", whose every call answers HTTP 500. */
function failingServer(): http.Server {
  return http.createServer((req, res) =>
    onPostedRequest(req, res, (msg) => {
      const reply = (result: unknown) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'leaky-session' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      };
      if (msg.method === 'initialize') {
        return reply({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'leaky', version: '1' } });
      }
      if (msg.method === 'tools/list') return reply({ tools: [{ name: 'boom', inputSchema: { type: 'object' } }] });
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('kaboom');
    }),
  );
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows ${secret}:\n${text}`);
}

describe('security: secrets in URLs, headers and env', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-secrets-'));
  const record = path.join(dir, 'transcript.jsonl');
  let server: http.Server;
  let proxy: HttpProxy;
  before(async () => {
    server = failingServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(record, '', { mode: 0o644 }); // an existing, world-readable file is made private
    proxy = await startHttpProxy({
      servers: {
        leaky: { type: 'http', url: `http://user:pa55word@127.0.0.1:${port}/mcp?token=tok3n-abc`, headers: { 'X-Api-Key': 'hdr-s3cret-value' } },
        deadsse: { type: 'sse', url: 'http://user:pa55word@127.0.0.1:1/sse?token=tok3n-abc', headers: { Authorization: 'Bearer hdr-s3cret-value' } },
        deadws: { url: 'ws://user:pa55word@127.0.0.1:1/ws?token=tok3n-abc', headers: { 'X-Api-Key': 'hdr-s3cret-value' } },
        env: { ...fixtureServer('env'), env: { ENV_SECRET: 'env-s3cret-value' } },
      },
      env: { MULTI_MCP_API_KEY: KEY },
      args: ['--record', record, '--log-level', 'debug'],
    });
    await backendsStarted(proxy);
  });
  after(async () => {
    await proxy?.stop();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redacts URL credentials in errors sent to clients, admin answers, health, the log and the transcript', async (t) => {
    const { client } = await streamableClient(proxy.url, { headers: AUTH });
    t.after(() => client.close());
    const failure = await client.callTool({ name: 'leaky__boom', arguments: {} }).then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    assert.match(failure, /POST http:\/\/\*\*\*@127\.0\.0\.1:\d+\/mcp\?token=\*\*\* of tools\/call answered HTTP 500/);
    assertNoSecret(failure, 'the error sent to the client');

    const servers = await (await fetch(`${proxy.url}/mcp_servers`, { headers: AUTH })).text();
    assertNoSecret(servers, '/mcp_servers');
    const dead = (JSON.parse(servers).servers as { name: string; lastError?: string }[]).filter((s) => s.name.startsWith('dead'));
    assert.equal(dead.length, 2);
    for (const s of dead) assert.match(s.lastError ?? '', /\*\*\*@127\.0\.0\.1:1\/(sse|ws)\?token=\*\*\*/, s.name);
    assertNoSecret(await (await fetch(`${proxy.url}/health?verbose=1`, { headers: AUTH })).text(), '/health?verbose=1');

    await proxy.stop(); // flushes the transcript and the log
    assert.match(proxy.stderr(), /\*\*\*@127\.0\.0\.1/);
    assertNoSecret(proxy.stderr(), 'the log');
    const transcript = readFileSync(record, 'utf8');
    assert.match(transcript, /token=\*\*\*/, 'the error is in the transcript, redacted');
    assertNoSecret(transcript, 'the transcript');
    assert.equal(statSync(record).mode & 0o777, 0o600);
  });
});

describe('redactUrl', () => {
  it('keeps scheme, host, port and path; hides userinfo, query values and fragments', () => {
    assert.equal(redactUrl('http://user:pass@host:8080/mcp?token=abc&x=1'), 'http://***@host:8080/mcp?token=***&x=***');
    assert.equal(redactUrl(new URL('wss://example.test/ws')), 'wss://example.test/ws');
    assert.equal(redactUrl('https://h/p#access_token=z'), 'https://h/p#***');
    assert.equal(redactUrl('http://[::1]:9/sse?k'), 'http://[::1]:9/sse?k=***');
    assert.equal(redactUrl('not a url'), '***');
    assert.equal(redactUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080', 'nothing to hide: unchanged');
  });

  it('redactUrlsIn rewrites every URL in a text, leaving the rest', () => {
    const text = 'POST http://u:p@a.test/mcp?key=v failed; retry ws://b.test/ws?t=1. Done: http://c.test/x.';
    assert.equal(redactUrlsIn(text), 'POST http://***@a.test/mcp?key=*** failed; retry ws://b.test/ws?t=***. Done: http://c.test/x.');
    assert.equal(redactUrlsIn('no url here'), 'no url here');
  });
});
