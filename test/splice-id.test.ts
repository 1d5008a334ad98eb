// A response passed on with only its id replaced: the splice happens only where the id is
// certainly the top-level member; everywhere else the caller serializes as usual.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spliceId } from '../src/transports/splice-id.js';

describe('spliceId', () => {
  it('replaces a leading id after "jsonrpc" and a trailing one, keeping every other byte', () => {
    assert.equal(spliceId('{"jsonrpc":"2.0","id":12,"result":{"x":1}}', 12, '"abc"'), '{"jsonrpc":"2.0","id":"abc","result":{"x":1}}');
    assert.equal(spliceId('{"result":{"x": 1.0},"jsonrpc":"2.0","id":7}', 7, '3'), '{"result":{"x": 1.0},"jsonrpc":"2.0","id":3}');
    assert.equal(spliceId('{"id":7}  ', 7, '"s"'), '{"id":"s"}  ');
  });

  it('gives up where the id is not certainly the top-level one', () => {
    const cases: [string, number][] = [
      ['{"jsonrpc":"2.0","id":123,"result":{}}', 12], // another number
      ['{"result":{"id":7},"jsonrpc":"2.0","id":8}', 7], // the nested one
      ['{"result":{},"xid":7}', 7], // a longer key
      ['{"result":{}, "id": 7}', 7], // spaced: left to the serializer
      ['{"result":"\\"id\\":7}"}', 7],
      ['{"id":7,"result":{}}', 7], // neither at the end nor after "jsonrpc"
    ];
    for (const [text, id] of cases) assert.equal(spliceId(text, id, '1'), undefined, text);
  });
});
