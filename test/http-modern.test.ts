// MCP 2026-07-28 on the Streamable HTTP endpoint, beside 2025 sessions: the era is chosen per POST;
// the revision's checks run in its order with its status codes; answers are JSON, or SSE when
// progress comes first; a 2025 session on the same endpoint is untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetaKey } from '../protocol/modern.js';
import { inProcessServer } from './helpers/http-inprocess.js';
import { rawSession } from './helpers/http-mcp.js';

const META = {
  [MetaKey.protocolVersion]: '2026-07-28',
  [MetaKey.clientCapabilities]: {},
  [MetaKey.clientInfo]: { name: 'http-modern-test', version: '1' },
};

interface Post {
  id?: number;
  method: string;
  params?: Record<string, unknown>;
  headers?: Record<string, string | undefined>;
}

async function post(url: string, { id = 1, method, params = { _meta: META }, headers = {} }: Post): Promise<{ status: number; type: string; body: any; text: string }> {
  const base: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...headers,
  };
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined)),
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? JSON.parse(text) : undefined;
  return { status: res.status, type, body, text };
}

describe('http: MCP 2026-07-28 requests on /mcp', { timeout: 60_000 }, () => {
  it('validates in the revision’s order, with its codes and statuses', async (t) => {
    const { http } = await inProcessServer(t, ['calculator']);
    const cases: [string, Post, number, number][] = [
      ['no _meta, 2026 header', { method: 'server/discover', params: {} }, 400, -32602],
      ['no header, a _meta claim', { method: 'server/discover', headers: { 'mcp-protocol-version': undefined } }, 400, -32020],
      ['header and _meta disagree', { method: 'server/discover', params: { _meta: { ...META, [MetaKey.protocolVersion]: 'v999' } } }, 400, -32020],
      ['an unsupported version', { method: 'server/discover', params: { _meta: { ...META, [MetaKey.protocolVersion]: 'v999' } }, headers: { 'mcp-protocol-version': 'v999' } }, 400, -32022],
      ['Mcp-Method missing', { method: 'tools/list', headers: { 'mcp-method': undefined } }, 400, -32020],
      ['Mcp-Method in other case', { method: 'tools/list', headers: { 'mcp-method': 'TOOLS/LIST' } }, 400, -32020],
      ['Mcp-Name missing', { method: 'tools/call', params: { _meta: META, name: 'calculator__add', arguments: { a: 1, b: 2 } } }, 400, -32020],
      ['initialize is not a 2026 method', { method: 'initialize' }, 404, -32601],
      ['an unknown method', { method: 'unknown/method' }, 404, -32601],
    ];
    for (const [what, request, status, code] of cases) {
      const res = await post(http.url, request);
      assert.deepEqual([res.status, res.body?.error?.code, res.body?.id], [status, code, 1], what);
    }
    const unsupported = await post(http.url, cases[3][1]);
    assert.deepEqual(unsupported.body.error.data, { supported: ['2026-07-28'], requested: 'v999' });
  });

  it('serves discover, lists and calls without a session; Mcp-Name may be base64 and padded', async (t) => {
    const { http, router } = await inProcessServer(t, ['calculator']);
    const discover = await post(http.url, { method: 'server/discover' });
    assert.equal(discover.status, 200);
    assert.deepEqual(discover.body.result.supportedVersions, ['2026-07-28']);
    const list = await post(http.url, { method: 'tools/list' });
    assert.ok(list.body.result.tools.some((x: { name: string }) => x.name === 'calculator__add'));
    assert.equal(list.body.result.resultType, 'complete');
    const encoded = `=?base64?${Buffer.from('calculator__add').toString('base64')}?=`;
    for (const name of ['calculator__add', `  calculator__add  `, encoded]) {
      const call = await post(http.url, { method: 'tools/call', params: { _meta: META, name: 'calculator__add', arguments: { a: 2, b: 3 } }, headers: { 'mcp-name': name } });
      assert.deepEqual([call.status, call.body.result.structuredContent], [200, { result: 5 }], name);
    }
    assert.equal(router.sessionCount, 0, 'no session outlives its request');
  });

  it('a 2025 session on the same endpoint still works', async (t) => {
    const { http } = await inProcessServer(t, ['calculator']);
    const session = await rawSession(http.url);
    const answer = await session.request('tools/call', { name: 'calculator__add', arguments: { a: 1, b: 1 } });
    assert.deepEqual(answer.result.structuredContent, { result: 2 });
    assert.equal(answer.result.resultType, undefined, 'a 2025 client gets 2025 answers');
    await session.end();
  });
});
