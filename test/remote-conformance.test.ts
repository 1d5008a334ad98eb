// The reference conformance server (Streamable HTTP, resumable streams, sessions) behind the proxy.
// The first run installs it with npm ci (cached under the OS temp dir afterwards).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startConformanceServer, type PeerServer } from './helpers/conformance-server.js';
import { startRemoteProxy, textOf } from './helpers/remote-proxy.js';

describe('reference conformance server as a backend', { timeout: 10 * 60_000 }, () => {
  let peer: PeerServer | undefined;
  after(() => peer?.stop());

  it('serves test_simple_text through the proxy', async (t) => {
    peer = await startConformanceServer();
    const proxy = await startRemoteProxy(t, { everything: { url: peer.url } });
    const { tools } = await proxy.client.listTools();
    assert.ok(tools.some((x) => x.name === 'everything__test_simple_text'), 'tool listed');
    const result = await proxy.client.callTool({ name: 'everything__test_simple_text', arguments: {} });
    assert.equal(textOf(result), 'This is a simple text response for testing.');
    assert.match(proxy.stderr(), /server "everything": .* speaks Streamable HTTP \(auto-detected\)/);
  });
});
