// Notifications a remote backend sends before its answer (a log message, progress) reach the
// client through the proxy, before the answer and with the client's progress token: over an
// SSE-answered POST (Streamable HTTP), the legacy SSE stream, and a WebSocket.
// Driven with raw NDJSON so the order on the wire is what is checked (the SDK client handles
// notifications a microtask later than responses, so it may drop progress that arrives in the
// same read as the answer).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSseServer, startStreamableServer, startWsServer, type RunningServer } from './helpers/sdk-servers.js';
import { startRawProxy, writeConfig } from './helpers/proxy-process.js';

describe('progress and logging from remote backends', { timeout: 60_000 }, () => {
  let stream: RunningServer, sse: RunningServer, ws: RunningServer;
  before(async () => {
    [stream, sse, ws] = await Promise.all([startStreamableServer('http-sse', { json: false }), startSseServer('sse'), startWsServer('ws')]);
  });
  after(() => Promise.all([stream, sse, ws].map((s) => s?.close())));

  it('reach the client before the answer', async (t) => {
    const config = writeConfig(t, { mcpServers: { stream: { url: stream.url }, sse: { url: sse.url }, ws: { url: ws.url } } });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'warn']);
    await proxy.initialize();
    const labels: Record<string, string> = { stream: 'http-sse', sse: 'sse', ws: 'ws' };
    for (const server of Object.keys(labels)) {
      const id = `call-${server}`;
      const token = `progress-${server}`;
      const start = proxy.lines.length;
      const answer = await proxy.request(id, 'tools/call', { name: `${server}__report`, arguments: {}, _meta: { progressToken: token } });
      assert.equal(answer.result?.content[0].text, `${labels[server]} done`);
      const got = proxy.messages().slice(start);
      const answerAt = got.findIndex((m) => m.id === id);
      const before = got.slice(0, answerAt);
      const progress = before.filter((m) => m.method === 'notifications/progress');
      assert.deepEqual(progress.map((m) => m.params), [
        { progressToken: token, progress: 1, total: 2 },
        { progressToken: token, progress: 2, total: 2 },
      ], `progress from ${server}`);
      const logs = before.filter((m) => m.method === 'notifications/message');
      assert.deepEqual(logs.map((m) => m.params), [{ level: 'info', logger: `${server}/report`, data: `${labels[server]} working` }]);
    }
  });
});
