// The bounds behind issue 13's memory cases, unit by unit: the NDJSON writer towards a peer that
// stops reading (bounded batches, take-back of queued requests, give-up past the backlog bound),
// the replay history shared by all sessions (oldest events anywhere go first), and the size check
// on what a session keeps from initialize.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node';
import { MAX_KEPT_DEPTH, initializeParamsProblem, tooLargeToKeep } from '../protocol/limits.js';
import { EventBudget, EventLog } from '../src/http/event-log.js';
import { NdjsonWriter } from '../src/transports/ndjson.js';
import { settle } from './helpers/wait.js';

/** A stream whose reader reads nothing until release(): every write waits for it. */
function stuckStream(): { stream: Writable; written: string[]; release: () => void } {
  const written: string[] = [];
  const held: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString('utf8'));
      held.push(() => callback());
    },
  });
  return { stream, written, release: () => held.splice(0).forEach((done) => done()) };
}

/** Requests the writer still holds, by id (must drain to empty). */
const held = (writer: NdjsonWriter) => (writer as unknown as { queuedRequests: Map<unknown, number> }).queuedRequests.size;

const request = (id: number, pad = '') => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { pad } }) as Message;

describe('NdjsonWriter towards a peer that stops reading', () => {
  it('hands the stream one bounded batch, keeps the rest queued, and takes back queued requests', async () => {
    const { stream, written, release } = stuckStream();
    const writer = new NdjsonWriter(stream, { maxBytes: 10 * 1024 * 1024, onOverflow: () => assert.fail('no overflow') });
    for (let i = 1; i <= 4; i++) writer.send(request(i, 'x'.repeat(100 * 1024)));
    await settle();
    assert.equal(written.length, 1, 'one write, then backpressure');
    assert.ok(written[0].length < 256 * 1024, `the first batch is bounded (${written[0].length} chars)`);
    assert.equal(writer.unsend(1), false, 'handed to the stream already: cannot be taken back');
    assert.equal(writer.unsend(3), true);
    assert.equal(writer.unsend(3), false, 'only once');
    assert.equal(writer.unsend(99), false);
    assert.equal(held(writer), 2, 'requests 2 and 4 are still queued');
    writer.end();
    assert.equal(held(writer), 0, 'nothing held after end()');
    for (let i = 0; i < 10; i++) {
      release();
      await settle();
    }
    const all = written.join('');
    assert.ok(all.includes('"id":4'), 'the rest is still sent at the end');
    assert.ok(!all.includes('"id":3'), 'a request taken back is never sent');
  });

  it('forgets the requests it has handed to a stream that keeps up', async () => {
    const { stream, release } = stuckStream();
    const writer = new NdjsonWriter(stream);
    for (let i = 1; i <= 50; i++) writer.send(request(i, 'x'.repeat(4096)));
    for (let i = 0; i < 20 && held(writer) > 0; i++) {
      release();
      await settle();
    }
    assert.equal(held(writer), 0);
  });

  it('gives up once the peer is more than maxBytes behind: drops everything, reports once, accepts nothing more', async () => {
    const { stream, written } = stuckStream();
    const reasons: string[] = [];
    const writer = new NdjsonWriter(stream, { maxBytes: 512 * 1024, onOverflow: (r) => reasons.push(r) });
    for (let i = 1; i <= 10; i++) {
      const before = reasons.length;
      writer.send(request(i, 'x'.repeat(100 * 1024)));
      assert.equal(reasons.length, before, 'never reported from inside send(): the caller is not done with the message yet');
      await settle();
    }
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /stopped reading: more than 524288 bytes behind \(\d+ bytes unsent\)/);
    const before = written.length;
    writer.send(request(11));
    await settle();
    assert.equal(written.length, before, 'nothing is written after giving up');
    assert.equal(writer.unsend(10), false, 'the queue was dropped');
    assert.equal(held(writer), 0);
  });
});

describe('EventBudget: replay history across sessions', () => {
  it('drops the oldest events of any session once all logs together pass the budget', () => {
    const budget = new EventBudget(100);
    const a = new EventLog(1000, 1_000_000, budget);
    const b = new EventLog(1000, 1_000_000, budget);
    a.append('a'.repeat(40)); // a1
    b.append('b'.repeat(40)); // b1
    a.append('a'.repeat(40)); // a2: 120 > 100, a1 goes
    assert.deepEqual(a.after(0).map((e) => e.id), [2]);
    assert.deepEqual(b.after(0).map((e) => e.id), [1]);
    b.append('b'.repeat(40)); // b2: b1 goes
    assert.deepEqual(b.after(0).map((e) => e.id), [2]);
    assert.equal(budget.usedBytes, 80);
    a.clear();
    b.clear();
    assert.equal(budget.usedBytes, 0, 'ended sessions give their bytes back');
  });

  it('stays within the budget under a long burst to many sessions, and its bookkeeping stays small', () => {
    const budget = new EventBudget(10_000);
    const logs = Array.from({ length: 50 }, () => new EventLog(1000, 1_000_000, budget));
    for (let i = 0; i < 2000; i++) for (const log of logs) log.append('x'.repeat(100));
    assert.ok(budget.usedBytes <= 10_000, `${budget.usedBytes}`);
    const kept = logs.reduce((n, log) => n + log.after(0).length, 0);
    assert.equal(kept, 100);
    assert.ok((budget as unknown as { queue: unknown[] }).queue.length < 1000, 'dropped entries are compacted away');
  });

  it("a session's own bounds still apply, and what they drop leaves the budget", () => {
    const budget = new EventBudget(1_000_000);
    const log = new EventLog(3, 1_000_000, budget);
    for (let i = 0; i < 10; i++) log.append('x'.repeat(10));
    assert.deepEqual(log.after(0).map((e) => e.id), [8, 9, 10]);
    assert.equal(budget.usedBytes, 30);
  });
});

describe('what a session keeps from initialize', () => {
  it('refuses capabilities or clientInfo too deep, too many or too large, without recursion', () => {
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assert.match(tooLargeToKeep(deep) ?? '', new RegExp(`deeper than ${MAX_KEPT_DEPTH}`));
    assert.match(initializeParamsProblem({ capabilities: { experimental: { x: deep } } }) ?? '', /^capabilities is nested deeper/);
    assert.match(initializeParamsProblem({ capabilities: {}, clientInfo: { name: 'x'.repeat(300_000), version: '1' } }) ?? '', /^clientInfo is larger/);
    assert.match(tooLargeToKeep({ many: Array.from({ length: 20_000 }, () => 1) }) ?? '', /more than 10000 values/);
    const real = { roots: { listChanged: true }, sampling: { tools: {} }, elicitation: { form: {}, url: {} }, experimental: { a: { b: [1, 2] } } };
    assert.equal(initializeParamsProblem({ capabilities: real, clientInfo: { name: 'claude', version: '1.0' } }), undefined);
  });
});
