// The bridge between the protocol eras with real peers: the official TypeScript SDK v2 client
// speaking only MCP 2026-07-28 (pinned), through the proxy, to server-everything (a 2025-11-25
// server over stdio). server-everything's sampling, elicitation and roots requests reach the
// client as input_required results; the SDK client fulfils them with its own handlers and retries;
// the tools' answers show what the client gave.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { backendsStarted, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';

const require = createRequire(import.meta.url);
const EVERYTHING = path.join(path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

describe('bridge: a 2026-07-28 SDK client, a 2025-11-25 server (server-everything)', { timeout: 120_000 }, () => {
  let proxy: HttpProxy;
  let client: Client;
  const asked: string[] = [];

  before(async () => {
    proxy = await startHttpProxy({ servers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } });
    await backendsStarted(proxy);
    client = new Client(
      { name: 'bridge-peer-test', version: '1.0.0' },
      { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    client.setRequestHandler('sampling/createMessage', async (request) => {
      asked.push('sampling/createMessage');
      const prompt = JSON.stringify(request.params.messages);
      return { role: 'assistant', content: { type: 'text', text: `sampled for ${prompt.length} chars` }, model: 'test-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler('elicitation/create', async () => {
      asked.push('elicitation/create');
      return { action: 'accept', content: { color: 'blue', number: 7, name: 'Ada' } };
    });
    client.setRequestHandler('roots/list', async () => {
      asked.push('roots/list');
      return { roots: [{ uri: 'file:///work/bridge', name: 'bridge root' }] };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`)));
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await proxy?.stop();
  });

  const text = (result: { content?: unknown }) => JSON.stringify(result.content);

  it('lists the tools over 2026-07-28 (no session)', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ['everything__trigger-sampling-request', 'everything__trigger-elicitation-request', 'everything__get-roots-list']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
  });

  it("sampling: the server's request comes back as input_required, the client's answer reaches the server", async () => {
    const result = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'Say hi', maxTokens: 20 } });
    assert.match(text(result), /sampled for \d+ chars/);
    assert.ok(asked.includes('sampling/createMessage'));
  });

  it('elicitation: the accepted content reaches the server', async () => {
    const result = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    assert.match(text(result), /Ada/);
    assert.ok(asked.includes('elicitation/create'));
  });

  it("roots: the server gets the client's roots", async () => {
    const result = await client.callTool({ name: 'everything__get-roots-list', arguments: {} });
    assert.match(text(result), /file:\/\/\/work\/bridge/);
    assert.ok(asked.includes('roots/list'));
  });
});
