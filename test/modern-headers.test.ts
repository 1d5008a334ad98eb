// The pure parts of the 2026-07-28 HTTP client: header values (base64 sentinel rule), the
// x-mcp-header rules and the Mcp-Param-* headers they name, and the application/json splitter
// that reads NDJSON-in-JSON answers value by value.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonValueSplitter } from '../src/transports/json-values.js';
import { encodeHeaderValue, headerPlan, invalidHeaderAnnotation, modernHeaders, paramHeaders } from '../src/transports/mcp-headers.js';

/** Valid annotations of each allowed type, one nested under an object property. */
const ANNOTATED = {
  region: { type: 'string', 'x-mcp-header': 'Region' },
  n: { type: 'integer', 'x-mcp-header': 'N' },
  b: { type: 'boolean', 'x-mcp-header': 'B' },
  nested: { type: 'object', properties: { deep: { type: 'string', 'x-mcp-header': 'Deep' } } },
};

describe('2026-07-28 headers', () => {
  it('encodes values with the base64 sentinel exactly when the spec says (its own examples)', () => {
    assert.equal(encodeHeaderValue('us-west1'), 'us-west1');
    assert.equal(encodeHeaderValue('Hello, 世界'), '=?base64?SGVsbG8sIOS4lueVjA==?=');
    assert.equal(encodeHeaderValue(' padded '), '=?base64?IHBhZGRlZCA=?=');
    assert.equal(encodeHeaderValue('line1\nline2'), '=?base64?bGluZTEKbGluZTI=?=');
    assert.equal(encodeHeaderValue('=?base64?literal?='), '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=');
    assert.equal(encodeHeaderValue('\tindented'), `=?base64?${Buffer.from('\tindented').toString('base64')}?=`);
    assert.equal(encodeHeaderValue('us west 1'), 'us west 1', 'inner spaces are fine');
    assert.equal(encodeHeaderValue(''), '', 'an empty value stays empty');
  });

  it('rejects the x-mcp-header annotations the conformance suite lists as invalid, with a reason', () => {
    const tool = (properties: Record<string, unknown>) => ({ type: 'object', properties });
    const invalid: Record<string, unknown> = {
      empty: tool({ a: { type: 'string', 'x-mcp-header': '' } }),
      object: tool({ a: { type: 'object', 'x-mcp-header': 'A' } }),
      array: tool({ a: { type: 'array', 'x-mcp-header': 'A' } }),
      null: tool({ a: { type: 'null', 'x-mcp-header': 'A' } }),
      number: tool({ a: { type: 'number', 'x-mcp-header': 'A' } }),
      sameCase: tool({ a: { type: 'string', 'x-mcp-header': 'Region' }, b: { type: 'string', 'x-mcp-header': 'Region' } }),
      diffCase: tool({ a: { type: 'string', 'x-mcp-header': 'MyField' }, b: { type: 'string', 'x-mcp-header': 'myfield' } }),
      space: tool({ a: { type: 'string', 'x-mcp-header': 'My Region' } }),
      colon: tool({ a: { type: 'string', 'x-mcp-header': 'Region:Primary' } }),
      nonAscii: tool({ a: { type: 'string', 'x-mcp-header': 'Région' } }),
      control: tool({ a: { type: 'string', 'x-mcp-header': 'Region\t1' } }),
      notString: tool({ a: { type: 'string', 'x-mcp-header': 7 } }),
      inItems: tool({ a: { type: 'array', items: { type: 'string', 'x-mcp-header': 'A' } } }),
      inAnyOf: { anyOf: [tool({ a: { type: 'string', 'x-mcp-header': 'A' } })] },
      inDefs: { type: 'object', $defs: { x: { type: 'string', 'x-mcp-header': 'A' } } },
      atRoot: { type: 'string', 'x-mcp-header': 'A' },
    };
    for (const [name, schema] of Object.entries(invalid)) assert.ok(invalidHeaderAnnotation(schema), `${name} is invalid`);
    assert.match(invalidHeaderAnnotation(invalid.diffCase)!, /x-mcp-header "myfield" on property "[ab]" repeats the one on "[ab]"/i);
    assert.match(invalidHeaderAnnotation(invalid.number)!, /only allowed on string, integer and boolean properties/);
  });

  it('accepts valid annotations, nested ones through properties only, and a property named x-mcp-header', () => {
    const schema = {
      type: 'object',
      properties: {
        ...ANNOTATED,
        'x-mcp-header': { type: 'string' },
        ref: { $ref: 'http://example.com/never-fetched.json' },
      },
    };
    assert.equal(invalidHeaderAnnotation(schema), undefined);
    assert.equal(invalidHeaderAnnotation(undefined), undefined);
    assert.deepEqual(
      [...headerPlan(schema)].sort(),
      [[['b'], 'B'], [['n'], 'N'], [['nested', 'deep'], 'Deep'], [['region'], 'Region']].sort(),
    );
  });

  it('Mcp-Param-* carry present, non-null values: strings (sentinel rule), integers, booleans, empty strings', () => {
    const schema = {
      type: 'object',
      properties: {
        ...ANNOTATED,
        empty: { type: 'string', 'x-mcp-header': 'Empty' },
        gone: { type: 'string', 'x-mcp-header': 'Gone' },
        nul: { type: 'string', 'x-mcp-header': 'Nul' },
      },
    };
    const headers: Record<string, string> = {};
    paramHeaders(headerPlan(schema), { region: 'Hello, 世界', n: 42, b: false, empty: '', nul: null, nested: { deep: 'x' } }, headers);
    assert.deepEqual(headers, {
      'Mcp-Param-Region': '=?base64?SGVsbG8sIOS4lueVjA==?=',
      'Mcp-Param-N': '42',
      'Mcp-Param-B': 'false',
      'Mcp-Param-Empty': '',
      'Mcp-Param-Deep': 'x',
    });
  });

  it('standard headers: version from _meta, method, and the name or URI of the three named methods', () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
    assert.deepEqual(modernHeaders({ method: 'tools/list', params: { _meta: meta } }), { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' });
    assert.equal(modernHeaders({ method: 'prompts/get', params: { _meta: meta, name: 'p' } })['Mcp-Name'], 'p');
    assert.equal(modernHeaders({ method: 'resources/read', params: { _meta: meta, uri: 'file:///a%20b' } })['Mcp-Name'], 'file:///a%20b');
    assert.equal(modernHeaders({ method: 'tools/call', params: { _meta: meta, name: 'ünï' } })['Mcp-Name'], `=?base64?${Buffer.from('ünï').toString('base64')}?=`);
    const schema = { type: 'object', properties: { r: { type: 'string', 'x-mcp-header': 'R' } } };
    const call = modernHeaders({ method: 'tools/call', params: { _meta: meta, name: 't', arguments: { r: 'x' } } }, (name) => (name === 't' ? schema : undefined));
    assert.equal(call['Mcp-Param-R'], 'x');
  });
});

describe('application/json answers, value by value', () => {
  const split = (chunks: string[]) => {
    const values: unknown[] = [];
    const garbage: string[] = [];
    const splitter = new JsonValueSplitter({ value: (t) => values.push(JSON.parse(t)), garbage: (t) => garbage.push(t) }, 1000);
    for (const c of chunks) splitter.feed(c);
    splitter.end();
    return { values, garbage };
  };

  it('reads NDJSON lines, pretty-printed values and values back to back, split anywhere', () => {
    const text = '{"a":1}\n{"b":"}{\\"x"}\n{\n  "c": [1, {"d": "]"}]\n}{"e":true}\n';
    const whole = split([text]);
    assert.deepEqual(whole.values, [{ a: 1 }, { b: '}{"x' }, { c: [1, { d: ']' }] }, { e: true }]);
    assert.deepEqual(whole.garbage, []);
    for (let cut = 1; cut < text.length; cut++) assert.deepEqual(split([text.slice(0, cut), text.slice(cut)]).values, whole.values, `cut at ${cut}`);
    const bytewise = split([...text]);
    assert.deepEqual(bytewise.values, whole.values);
  });

  it('reports what is not JSON, up to its newline, and an unfinished value at the end', () => {
    const { values, garbage } = split(['oops\n{"a":1}\n{"b":']);
    assert.deepEqual(values, [{ a: 1 }]);
    assert.deepEqual(garbage, ['oops', '{"b":']);
  });

  it('refuses a value larger than the limit', () => {
    const splitter = new JsonValueSplitter({ value: () => {}, garbage: () => {} }, 10);
    assert.throws(() => splitter.feed(`{"a":"${'x'.repeat(20)}`), /larger than 10 characters/);
  });
});
