// The small pieces of sign-in: WWW-Authenticate parsing, the discovery order of both spec
// revisions, the resource check, client authentication choice, the opener's command line, the
// "oauth" config key, URLs safe to print, the default store location, and a WebSocket handshake
// that wants a token.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { connectWs } from '../src/backends/remote-ws.js';
import { parseConfig } from '../src/config/index.js';
import { parseBearerChallenge, unionScopes } from '../src/oauth/challenge.js';
import { canonicalResource, checkResource, metadataUrls } from '../src/oauth/discovery.js';
import { displayUrl } from '../src/oauth/http.js';
import { splitCommand } from '../src/oauth/opener.js';
import type { RemoteAuth } from '../src/oauth/remote-auth.js';
import { defaultStoreDir } from '../src/oauth/store.js';
import { chooseAuthMethod } from '../src/oauth/token-endpoint.js';
import { remoteSpec } from './helpers/channel-client.js';

describe('oauth: WWW-Authenticate', () => {
  it('reads the Bearer challenge, quoted or not, among other schemes', () => {
    assert.deepEqual(
      parseBearerChallenge('Basic realm="x", Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"'),
      { error: 'insufficient_scope', scope: 'files:read files:write', resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource' },
    );
    assert.deepEqual(parseBearerChallenge('bearer scope=mcp, error_description="say \\"no\\""'), { scope: 'mcp', errorDescription: 'say "no"' });
    assert.deepEqual(parseBearerChallenge('Negotiate abc==, Bearer realm="r"'), {});
    assert.equal(parseBearerChallenge('Basic realm="x"'), undefined);
    assert.equal(parseBearerChallenge(undefined), undefined);
  });

  it('unions scopes without duplicates, in order', () => {
    assert.deepEqual(unionScopes(['a', 'b'], ['b', 'c']), ['a', 'b', 'c']);
  });
});

describe('oauth: discovery rules', () => {
  it('tries the authorization server metadata URLs in the spec order', () => {
    assert.deepEqual(metadataUrls('https://auth.example.com/tenant1').map(String), [
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant1',
      'https://auth.example.com/.well-known/openid-configuration/tenant1',
      'https://auth.example.com/tenant1/.well-known/openid-configuration',
    ]);
    assert.deepEqual(metadataUrls('https://auth.example.com').map(String), [
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ]);
  });

  it('accepts a resource that is this server or contains it, nothing else', () => {
    checkResource(new URL('https://mcp.example.com/mcp'), 'https://mcp.example.com/mcp');
    checkResource(new URL('https://mcp.example.com/mcp'), 'https://mcp.example.com');
    assert.throws(() => checkResource(new URL('https://mcp.example.com/mcp'), 'https://evil.example.com/mcp'), /not https:\/\/mcp\.example\.com\/mcp; refusing/);
    assert.throws(() => checkResource(new URL('https://mcp.example.com/mcp'), 'https://mcp.example.com/other'), /refusing/);
    assert.throws(() => checkResource(new URL('https://mcp.example.com/mcp'), 'not a url'), /not a URL/);
  });

  it('names a server without metadata by its canonical URI', () => {
    assert.equal(canonicalResource(new URL('https://MCP.example.com/')), 'https://mcp.example.com');
    assert.equal(canonicalResource(new URL('https://mcp.example.com/mcp#x')), 'https://mcp.example.com/mcp');
  });
});

describe('oauth: client authentication at the token endpoint', () => {
  it('uses what registration said when the server supports it, else the best the server lists', () => {
    assert.equal(chooseAuthMethod({ clientId: 'c', clientSecret: 's', authMethod: 'client_secret_post' }, ['client_secret_basic', 'client_secret_post']), 'client_secret_post');
    assert.equal(chooseAuthMethod({ clientId: 'c', clientSecret: 's' }, ['client_secret_basic']), 'client_secret_basic');
    assert.equal(chooseAuthMethod({ clientId: 'c', clientSecret: 's' }, ['client_secret_post']), 'client_secret_post');
    assert.equal(chooseAuthMethod({ clientId: 'c' }, ['none']), 'none');
    assert.equal(chooseAuthMethod({ clientId: 'c', clientSecret: 's' }, undefined), 'client_secret_basic', "RFC 8414's default");
    assert.equal(chooseAuthMethod({ clientId: 'c' }, undefined), 'none');
    assert.equal(chooseAuthMethod({ clientId: 'c', clientSecret: 's', authMethod: 'private_key_jwt' }, ['client_secret_post']), 'client_secret_post');
  });
});

describe('oauth: the opener command line', () => {
  it('splits words, keeps quoted groups, never involves a shell', () => {
    assert.deepEqual(splitCommand('node "my dir/open.js" --flag'), ['node', 'my dir/open.js', '--flag']);
    assert.deepEqual(splitCommand(`firefox --new-tab ''`), ['firefox', '--new-tab', '']);
    assert.deepEqual(splitCommand('a\\ b c', 'linux'), ['a b', 'c']);
    assert.deepEqual(splitCommand('C:\\tools\\open.exe x', 'win32'), ['C:\\tools\\open.exe', 'x']);
    assert.throws(() => splitCommand('node "x'), /unterminated/);
  });
});

describe('oauth: the "oauth" config key', () => {
  const parse = (oauth: unknown, extra: object = {}) => parseConfig(JSON.stringify({ mcpServers: { s: { url: 'https://x.example.com/mcp', oauth, ...extra } } }), '/tmp/mcp.json', { SECRET: 'shh' });

  it('takes false, or the settings object with ${VAR} secrets', () => {
    assert.equal(parse(false).servers[0].oauth, false);
    const spec = parse({ clientId: 'abc', clientSecret: '${SECRET}', scopes: ['read', 'write'], redirectPort: 33418, clientMetadataUrl: 'https://me.example.com/client.json' }).servers[0];
    assert.deepEqual(spec.oauth, { clientId: 'abc', clientSecret: 'shh', scopes: ['read', 'write'], redirectPort: 33418, clientMetadataUrl: 'https://me.example.com/client.json' });
  });

  it('says which field is wrong and what it expects', () => {
    assert.throws(() => parse(true), /mcpServers\.s\.oauth: expected false or an object/);
    assert.throws(() => parse({ clientSecret: 'x' }), /mcpServers\.s\.oauth\.clientSecret: clientSecret needs clientId/);
    assert.throws(() => parse({ redirectPort: 70000 }), /mcpServers\.s\.oauth\.redirectPort: expected a port from 1 to 65535/);
    assert.throws(() => parse({ scopes: ['a b'] }), /mcpServers\.s\.oauth\.scopes\[0\]: a scope has no spaces/);
    assert.throws(() => parse({ clientMetadataUrl: 'http://me.example.com/c.json' }), /expected an https: URL with a path/);
    assert.throws(() => parse({ clientid: 'x' }), /unknown key "clientid"/);
    assert.throws(
      () => parseConfig(JSON.stringify({ mcpServers: { s: { command: 'node', oauth: {} } } }), '/tmp/mcp.json', {}),
      /mcpServers\.s\.oauth: "oauth" applies to remote servers/,
    );
  });
});

describe('oauth: printing and storing', () => {
  it('prints URLs without credentials or query values', () => {
    assert.equal(displayUrl('https://user:pw@auth.example.com/cb?code=abc&state=xyz#f'), 'https://auth.example.com/cb?code=…&state=…');
  });

  it('keeps the store in the user state directory of each platform', () => {
    assert.equal(defaultStoreDir({ XDG_STATE_HOME: '/s' }, 'linux'), '/s/multi-mcp/oauth');
    assert.match(defaultStoreDir({}, 'linux'), /\.local\/state\/multi-mcp\/oauth$/);
    assert.match(defaultStoreDir({}, 'darwin'), /Library\/Application Support\/multi-mcp\/oauth$/);
    assert.match(defaultStoreDir({ LOCALAPPDATA: 'C:\\L' }, 'win32'), /multi-mcp.oauth$/);
  });
});

describe('oauth: WebSocket servers', { timeout: 180_000 }, () => {
  it('a handshake refused with 401 is tried again with the new token', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    const seen: (string | undefined)[] = [];
    server.on('upgrade', (req, socket, head) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer good') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer scope="mcp"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => ws.close());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let token: string | undefined;
    const refusals: { status: number; challenge?: string }[] = [];
    const auth: RemoteAuth = {
      problem: undefined,
      authorization: async () => token,
      accepted: () => {},
      refused: async (status, challenge) => {
        refusals.push({ status, challenge });
        token = 'Bearer good';
        return true;
      },
    };
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const connection = await connectWs(remoteSpec('ws', url), { timeoutMs: 5000, auth });
    await connection.close();
    assert.deepEqual(seen, [undefined, 'Bearer good']);
    assert.deepEqual(refusals, [{ status: 401, challenge: 'Bearer scope="mcp"' }]);
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
