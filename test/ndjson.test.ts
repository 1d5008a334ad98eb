// NDJSON framing (stdio front and child-process backends) over in-process streams.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node';
import type { InvalidMessage } from '../src/transports/channel.js';
import { NdjsonReader, NdjsonWriter } from '../src/transports/ndjson.js';
import { settle } from './helpers/wait.js';

/** A reader over a PassThrough, recording what it delivers and what it rejects. */
function readerFixture(maxMessageBytes?: number) {
  const input = new PassThrough();
  const reader = new NdjsonReader(input, maxMessageBytes);
  const messages: Message[] = [];
  const invalid: InvalidMessage[] = [];
  reader.onInvalid((bad) => invalid.push(bad));
  reader.listen((msg) => messages.push(msg));
  return { input, reader, messages, invalid };
}

const req = (id: number | string, extra: object = {}) => ({ jsonrpc: '2.0', id, method: 'ping', ...extra });
const line = (v: unknown) => JSON.stringify(v) + '\n';

describe('NdjsonReader', { timeout: 15_000 }, () => {
  it('delivers one message per line', async () => {
    const { input, messages } = readerFixture();
    input.write(line(req(1)));
    input.write(line(req('two')));
    await settle();
    assert.deepEqual(messages, [req(1), req('two')]);
  });

  it('delivers several messages from one chunk', async () => {
    const { input, messages } = readerFixture();
    input.write(line(req(1)) + line(req(2)) + line({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await settle();
    assert.deepEqual(messages, [req(1), req(2), { jsonrpc: '2.0', method: 'notifications/initialized' }]);
  });

  it('reassembles a message split across two chunks at every byte offset (multi-byte UTF-8 included)', async () => {
    const msg = req(7, { params: { text: 'héllo ✓ 😀' } });
    const bytes = Buffer.from(line(msg));
    for (let cut = 1; cut < bytes.length; cut++) {
      const { input, messages, invalid } = readerFixture();
      input.write(bytes.subarray(0, cut));
      await settle();
      assert.equal(messages.length, 0, `nothing before the newline (cut ${cut})`);
      input.write(bytes.subarray(cut));
      await settle();
      assert.deepEqual(messages, [msg], `cut at byte ${cut}`);
      assert.deepEqual(invalid, []);
    }
  });

  it('reassembles a message delivered one byte per chunk', async () => {
    const msg = req('x', { params: { text: '😀✓é' } });
    const { input, messages } = readerFixture();
    for (const b of Buffer.from(line(msg))) input.write(Buffer.from([b]));
    await settle();
    assert.deepEqual(messages, [msg]);
  });

  it('accepts CRLF line endings', async () => {
    const { input, messages, invalid } = readerFixture();
    input.write(JSON.stringify(req(1)) + '\r\n' + JSON.stringify(req(2)) + '\r');
    input.write('\n');
    await settle();
    assert.deepEqual(messages, [req(1), req(2)]);
    assert.deepEqual(invalid, []);
  });

  it('ignores empty and whitespace-only lines', async () => {
    const { input, messages, invalid } = readerFixture();
    input.write('\n\r\n   \n\t \r\n' + line(req(1)) + '\n  \n');
    await settle();
    assert.deepEqual(messages, [req(1)]);
    assert.deepEqual(invalid, []);
  });

  it('reports a non-JSON line as -32700 with id null and goes on with the next line', async () => {
    const { input, messages, invalid } = readerFixture();
    input.write('this is not json\n' + line(req(3)));
    await settle();
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0].code, -32700);
    assert.equal(invalid[0].id, null);
    assert.deepEqual(messages, [req(3)]);
  });

  it('reports JSON values that are not JSON-RPC messages as -32600, with the id when usable', async () => {
    const { input, messages, invalid } = readerFixture();
    const cases: [unknown, number | string | null][] = [
      [[req(1), req(2)], null], // batch
      [42, null],
      ['"a string"', null],
      [{ id: 5, method: 'ping' }, 5], // no jsonrpc
      [{ jsonrpc: '1.0', id: 'abc', method: 'ping' }, 'abc'],
      [{ jsonrpc: '2.0', id: { nested: 1 }, method: 'ping' }, null], // bad id
      [{ jsonrpc: '2.0', id: true, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: 9, method: 'ping', params: [1, 2] }, 9], // positional params
      [{ jsonrpc: '2.0', id: 10 }, 10], // neither method nor result
    ];
    for (const [value] of cases) input.write((typeof value === 'string' ? value : JSON.stringify(value)) + '\n');
    input.write(line(req('after')));
    await settle();
    assert.deepEqual(
      invalid.map((i) => [i.code, i.id]),
      cases.map(([, id]) => [-32600, id]),
    );
    assert.deepEqual(messages, [req('after')]);
  });

  it('reports invalid UTF-8 as -32700 and goes on', async () => {
    const { input, messages, invalid } = readerFixture();
    // A JSON string containing a lone 0xff byte and a truncated 3-byte sequence.
    const bad = [Buffer.from('{"jsonrpc":"2.0","id":1,"method":"a'), Buffer.from([0xff, 0xe2, 0x9c]), Buffer.from('"}\n')];
    input.write(Buffer.concat(bad));
    input.write(line(req(2)));
    await settle();
    assert.deepEqual(invalid.map((i) => [i.code, i.id]), [[-32700, null]]);
    assert.deepEqual(messages, [req(2)]);
  });

  it('rejects an oversized line in one chunk with -32600 and delivers the next line', async () => {
    const { input, messages, invalid } = readerFixture(100);
    const big = req(1, { params: { pad: 'x'.repeat(200) } });
    input.write(line(big) + line(req(2)));
    await settle();
    assert.deepEqual(invalid.map((i) => i.code), [-32600]);
    assert.match(invalid[0].message, /100 bytes/);
    assert.deepEqual(messages, [req(2)]);
  });

  it('drops an oversized line arriving in many chunks without buffering it, then delivers the next line', async () => {
    const max = 1000;
    const { input, reader, messages, invalid } = readerFixture(max);
    input.write('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"');
    for (let i = 0; i < 200; i++) input.write('y'.repeat(500)); // 100 kB in total, no newline yet
    await settle();
    // The reader must not hold the big line: what it buffers stays within the limit.
    const buffered = (reader as unknown as { partBytes: number }).partBytes;
    assert.ok(buffered <= max, `reader buffers ${buffered} bytes of an oversized line (limit ${max})`);
    assert.equal(messages.length, 0);
    input.write('"}}\n' + line(req(2)));
    await settle();
    assert.deepEqual(invalid.map((i) => i.code), [-32600]);
    assert.deepEqual(messages, [req(2)]);
  });

  it('accepts a line of exactly the size limit', async () => {
    const text = JSON.stringify(req(1, { params: { pad: 'z'.repeat(50) } }));
    const { input, messages, invalid } = readerFixture(Buffer.byteLength(text));
    input.write(text + '\n');
    await settle();
    assert.deepEqual(invalid, []);
    assert.equal(messages.length, 1);
  });

  it('fires close once when the stream ends', async () => {
    const { input, reader } = readerFixture();
    let closes = 0;
    reader.onClose(() => closes++);
    input.end();
    await settle();
    input.destroy();
    await settle();
    assert.equal(closes, 1);
  });
});

/** A Writable recording each write call; `hold` keeps write callbacks pending to create backpressure. */
function sinkFixture(opts: { highWaterMark?: number; hold?: boolean } = {}) {
  const writes: string[] = [];
  const held: (() => void)[] = [];
  const sink = new Writable({
    highWaterMark: opts.highWaterMark ?? 16384,
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk.toString('utf8'));
      if (opts.hold) held.push(cb);
      else cb();
    },
  });
  const returns: boolean[] = [];
  const write = sink.write.bind(sink) as (data: string) => boolean;
  (sink as unknown as { write: (data: string) => boolean }).write = (data: string) => {
    const ok = write(data);
    returns.push(ok);
    return ok;
  };
  /** Completes every held write, which lets the stream emit 'drain'. */
  const release = () => {
    while (held.length) held.shift()!();
  };
  return { sink, writes, returns, release };
}

describe('NdjsonWriter', { timeout: 15_000 }, () => {
  it('writes the messages sent in one tick as one write of newline-terminated lines', async () => {
    const { sink, writes } = sinkFixture();
    const writer = new NdjsonWriter(sink);
    writer.send(req(1) as Message);
    writer.send(req('b', { params: { t: 'é😀' } }) as Message);
    writer.send({ jsonrpc: '2.0', method: 'x' } as Message);
    assert.equal(writes.length, 0, 'nothing written synchronously');
    await settle();
    assert.deepEqual(writes, [line(req(1)) + line(req('b', { params: { t: 'é😀' } })) + line({ jsonrpc: '2.0', method: 'x' })]);
    writer.send(req(2) as Message);
    await settle();
    assert.deepEqual(writes.slice(1), [line(req(2))]);
  });

  it('stops writing under backpressure until drain, then sends the rest in order', async () => {
    const { sink, writes, returns, release } = sinkFixture({ highWaterMark: 1, hold: true });
    const writer = new NdjsonWriter(sink);
    writer.send(req(1) as Message);
    await settle();
    assert.deepEqual(returns, [false], 'the stream asked the writer to wait');
    for (let i = 2; i <= 5; i++) {
      writer.send(req(i) as Message);
      await settle();
    }
    assert.equal(returns.length, 1, 'no write while the stream is full');
    release();
    await settle();
    assert.equal(returns.length, 2, 'one write after drain');
    release();
    await settle();
    assert.equal(writes.join(''), [1, 2, 3, 4, 5].map((i) => line(req(i))).join(''));
  });

  it('end() flushes what is queued, then ends the stream', async () => {
    const { sink, writes } = sinkFixture();
    const finished = new Promise<void>((resolve) => sink.on('finish', resolve));
    const writer = new NdjsonWriter(sink);
    writer.send(req(1) as Message);
    writer.send(req(2) as Message);
    writer.end();
    writer.send(req(3) as Message); // after end: dropped
    await finished;
    assert.equal(writes.join(''), line(req(1)) + line(req(2)));
  });

  it('end() under backpressure still hands the queued messages to the stream', async () => {
    const { sink, writes, release } = sinkFixture({ highWaterMark: 1, hold: true });
    const finished = new Promise<void>((resolve) => sink.on('finish', resolve));
    const writer = new NdjsonWriter(sink);
    writer.send(req(1) as Message);
    await settle();
    writer.send(req(2) as Message);
    writer.send(req(3) as Message);
    writer.end();
    for (let i = 0; i < 10 && writes.length < 2; i++) {
      release();
      await settle();
    }
    release();
    await finished;
    assert.equal(writes.join(''), [1, 2, 3].map((i) => line(req(i))).join(''));
  });

  it('round-trips through a reader', async () => {
    const pipe = new PassThrough();
    const writer = new NdjsonWriter(pipe);
    const reader = new NdjsonReader(pipe);
    const got: Message[] = [];
    reader.listen((m) => got.push(m));
    const sent = [req(1, { params: { s: 'line\nbreak' } }), req('two'), { jsonrpc: '2.0', id: 3, result: { ok: '✓' } }];
    for (const m of sent) writer.send(m as Message);
    await settle();
    assert.deepEqual(got, sent);
  });
});
