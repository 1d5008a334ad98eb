// SseStream: frames, and the bound on what a slow reader can make the proxy buffer.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { SseStream } from '../src/http/sse-stream.js';
import { setLogSink } from '../src/log.js';
import { BacklogBudget, MAX_PEER_BACKLOG_BYTES as MAX_BUFFERED_BYTES, SLOW_PEER_BYTES } from '../src/transports/backlog.js';

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

test('cuts a stream whose reader falls MAX_PEER_BACKLOG_BYTES behind', (t) => {
  t.after(setLogSink(() => {}));
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

test('cuts slow streams once all streams of a budget hold more than it, keeps the ones that keep up', (t) => {
  t.after(setLogSink(() => {}));
  const budget = new BacklogBudget(4 * 1024 * 1024);
  const stuck = [new StuckResponse(), new StuckResponse(), new StuckResponse()];
  const streams = stuck.map((res) => new SseStream(res as unknown as ServerResponse, 60_000, {}, budget));
  const fast = new StuckResponse();
  fast.write = function (text: string) {
    this.written.push(text); // drains at once: nothing stays buffered
    return true;
  };
  const fastStream = new SseStream(fast as unknown as ServerResponse, 60_000, {}, budget);
  const event = 'x'.repeat(256 * 1024);
  for (let i = 0; i < 40; i++) for (const s of [...streams, fastStream]) s.send(event);
  assert.deepEqual(stuck.map((r) => r.destroyed), [true, true, true]);
  for (const r of stuck) assert.ok(r.writableLength < 4 * 1024 * 1024 + SLOW_PEER_BYTES + event.length, `${r.writableLength}`);
  assert.equal(fast.destroyed, false);
  assert.equal(fastStream.closed, false);
  assert.equal(budget.total(), 0, 'closed streams are not counted any more');
  fastStream.end();
  assert.equal((budget as unknown as { meters: Set<unknown> }).meters.size, 0, 'every stream unregistered once closed');
});
