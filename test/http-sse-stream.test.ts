// SseStream: frames, and the bound on what a slow reader can make the proxy buffer.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { MAX_BUFFERED_BYTES, SseStream } from '../src/http/sse-stream.js';

/** A response that never drains: everything written stays buffered. */
class StuckResponse extends EventEmitter {
  written: string[] = [];
  writableLength = 0;
  destroyed = false;
  writeHead(): void {}
  flushHeaders(): void {}
  write(text: string): boolean {
    this.written.push(text);
    this.writableLength += Buffer.byteLength(text);
    return false;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
  end(): void {
    this.emit('close');
  }
}

test('frames an event with its name, id and data', (t) => {
  const res = new StuckResponse();
  const stream = new SseStream(res as unknown as ServerResponse, 60_000);
  t.after(() => stream.end());
  stream.send('{"a":1}', 'message', 7);
  stream.send('two\nlines');
  assert.deepEqual(res.written, ['event: message\nid: 7\ndata: {"a":1}\n\n', 'data: two\ndata: lines\n\n']);
});

test('cuts a stream whose reader falls MAX_BUFFERED_BYTES behind', () => {
  const res = new StuckResponse();
  const stream = new SseStream(res as unknown as ServerResponse, 60_000);
  let closed = false;
  stream.onClose(() => (closed = true));
  const event = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 64 && !res.destroyed; i++) stream.send(event, 'message');
  assert.equal(res.destroyed, true);
  assert.ok(res.writableLength > MAX_BUFFERED_BYTES && res.writableLength < MAX_BUFFERED_BYTES + 2 * event.length);
  assert.equal(closed, true);
  assert.equal(stream.closed, true);
});
