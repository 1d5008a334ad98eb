// Server→client requests (sampling, elicitation) from a shared backend through the real proxy:
// each goes to the client whose call the backend is serving and the tool result shows that
// client's answer; when two clients have calls in flight at the backend the proxy refuses rather
// than guess; a client that declared no sampling/elicitation is never asked (the backend gets an
// error). Over stdio the backend is not even offered what the client lacks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { connectHttp, connectStdio, gate, samplingAnswer, textOf, type Handlers, type RoutingClient } from './helpers/routing-clients.js';

/** Handlers answering with the client's name, so a result shows whose answer came back. */
function answeringAs(who: string): Handlers {
  return {
    sampling: (req) => samplingAnswer(`${who} sampled: ${(req.params.messages[0].content as { text: string }).text}`),
    elicitation: () => ({ action: 'accept', content: { answer: `${who} elicited` } }),
  };
}

describe('routing: sampling and elicitation over Streamable HTTP (shared backend)', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { features: fixtureServer('features') } });
  });
  after(() => proxy?.stop());

  it("sends each client's sampling and elicitation requests to that client only", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a', handlers: answeringAs('A') });
    const b = await connectHttp(t, proxy.url, { name: 'client-b', handlers: answeringAs('B') });
    for (let round = 0; round < 3; round++) {
      assert.equal(await a.callText('features__sample', { prompt: `a${round}` }), `A sampled: a${round}`);
      assert.equal(await b.callText('features__sample', { prompt: `b${round}` }), `B sampled: b${round}`);
      assert.deepEqual(JSON.parse(await b.callText('features__elicit', { message: 'b?' })), { action: 'accept', content: { answer: 'B elicited' } });
      assert.deepEqual(JSON.parse(await a.callText('features__elicit', { message: 'a?' })), { action: 'accept', content: { answer: 'A elicited' } });
    }
    const prompts = (c: RoutingClient) => c.requestsOf('sampling/createMessage').map((r) => r.params.messages[0].content.text);
    assert.deepEqual(prompts(a), ['a0', 'a1', 'a2']);
    assert.deepEqual(prompts(b), ['b0', 'b1', 'b2']);
    assert.deepEqual(a.requestsOf('elicitation/create').map((r) => r.params.message), ['a?', 'a?', 'a?']);
    assert.deepEqual(b.requestsOf('elicitation/create').map((r) => r.params.message), ['b?', 'b?', 'b?']);
  });

  it('refuses a sampling request it cannot attribute (two clients in flight) instead of guessing', async (t) => {
    const held = gate();
    const asked = gate();
    const a = await connectHttp(t, proxy.url, {
      name: 'client-a',
      handlers: {
        sampling: async () => {
          asked.open();
          await held.promise;
          return samplingAnswer('A answered');
        },
      },
    });
    const b = await connectHttp(t, proxy.url, { name: 'client-b', handlers: answeringAs('B') });
    const callA = a.callText('features__sample', { prompt: 'first' });
    await asked.promise; // A's call is in flight at the backend, waiting for A's answer
    const resultB = await b.client.callTool({ name: 'features__sample', arguments: { prompt: 'second' } });
    assert.equal(resultB.isError, true);
    assert.match(textOf(resultB), /cannot tell which client/);
    assert.equal(b.requests.length, 0, 'B was not asked');
    assert.equal(a.requests.length, 1, "A was not asked B's question");
    held.open();
    assert.equal(await callA, 'A answered');
  });

  it('never forwards sampling or elicitation to a client that did not declare it; the backend gets an error', async (t) => {
    const c = await connectHttp(t, proxy.url, { name: 'client-c', capabilities: {} });
    for (const [tool, capability] of [['features__sample', 'sampling'], ['features__elicit', 'elicitation']] as const) {
      const result = await c.client.callTool({ name: tool, arguments: { prompt: 'x', message: 'x' } });
      assert.equal(result.isError, true, tool);
      // The proxy's refusal (the backend was offered the capability: HTTP mode offers all of them).
      assert.match(textOf(result), new RegExp(`client \\(client-c 1\\.0\\.0\\) does not support ${capability}`));
    }
    assert.deepEqual(c.requests, [], 'no request reached the client');
  });
});

describe('routing: sampling and elicitation over stdio', { timeout: 60_000 }, () => {
  it('reach the stdio client and its answers reach the backend', async (t) => {
    const config = writeConfig(t, { mcpServers: { features: fixtureServer('features') } });
    const c = await connectStdio(t, config, { name: 'stdio-client', handlers: answeringAs('S') });
    assert.equal(await c.callText('features__sample', { prompt: 'p' }), 'S sampled: p');
    assert.deepEqual(JSON.parse(await c.callText('features__elicit', { message: 'm' })), { action: 'accept', content: { answer: 'S elicited' } });
    assert.deepEqual(c.requests.map((r) => r.method), ['sampling/createMessage', 'elicitation/create']);
  });

  it('offers the backend no sampling or elicitation when the client declared none', async (t) => {
    const config = writeConfig(t, { mcpServers: { features: fixtureServer('features') } });
    const c = await connectStdio(t, config, { name: 'stdio-client', capabilities: {} });
    // features refuses by itself when its initialize capabilities lack them.
    assert.equal(await c.callText('features__sample', { prompt: 'p' }), 'Client does not support sampling');
    assert.equal(await c.callText('features__elicit', { message: 'm' }), 'Client does not support elicitation');
    assert.deepEqual(c.requests, []);
  });
});
