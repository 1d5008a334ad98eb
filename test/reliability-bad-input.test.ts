// Bad input on the stdio front of the real proxy process: each kind gets the spec's error (or is
// ignored) and the session goes on; the process never throws out. One proxy serves the whole
// suite, so every case also proves that the ones before it left it working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureServer } from './helpers/proxy-process.js';
import { startStdioProxy } from './helpers/stdio-proxy.js';

const MAX = 1_000_000;

describe('reliability: bad input on the stdio front', () => {
  const proxy = startStdioProxy({ after }, {
    servers: { echo: fixtureServer('echo'), slow: fixtureServer('slow') },
    args: ['--max-message-size', String(MAX)],
  });

  before(async () => {
    await proxy.initialize();
  });

  /** How many answers with a null id came so far (errors for input whose id could not be read). */
  const nullAnswers = () => proxy.answersTo(null).length;

  /** Sends raw bytes and returns the null-id error they caused. */
  async function nullIdErrorFor(bytes: string | Buffer): Promise<any> {
    const before = nullAnswers();
    await proxy.write(bytes);
    await stillServes();
    const answers = proxy.answersTo(null).slice(before);
    assert.equal(answers.length, 1, `one null-id answer, got ${JSON.stringify(answers)}`);
    return answers[0];
  }

  /** The session goes on: a ping is answered, and so is a tool call through a backend. */
  async function stillServes(): Promise<void> {
    const pong = await proxy.request('ping');
    assert.deepEqual(pong.result, {});
    const echoed = await proxy.call('echo__echo', { text: 'alive' });
    assert.deepEqual(echoed.result?.content, [{ type: 'text', text: 'alive' }]);
    assert.ok(proxy.running, 'the proxy process is still running');
  }

  it('a line over --max-message-size: -32600, then the session goes on', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 'too-big', method: 'tools/call', params: { name: 'echo__echo', arguments: { text: 'x'.repeat(MAX + 10) } } });
    const error = await nullIdErrorFor(big + '\n');
    assert.equal(error.error.code, -32600);
    assert.match(error.error.message, /larger than/);
    assert.deepEqual(proxy.answersTo('too-big'), [], 'its id could not be read, so nothing answers it');
    // The same, arriving in many small writes (the buffer must not keep growing).
    const before = nullAnswers();
    for (let i = 0; i < 20; i++) await proxy.write('y'.repeat(MAX / 10));
    await proxy.write('\n');
    await stillServes();
    assert.equal(nullAnswers(), before + 1);
  });

  it('non-UTF-8 bytes: -32700', async () => {
    const bytes = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"latin1","method":"ping","params":{"x":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}}\n')]);
    const error = await nullIdErrorFor(bytes);
    assert.equal(error.error.code, -32700);
    assert.deepEqual(proxy.answersTo('latin1'), []);
  });

  it('deep nesting: 100000 open brackets, balanced nested arrays, nested params', async () => {
    const depth = 100_000;
    const open = await nullIdErrorFor('['.repeat(depth) + '\n');
    assert.equal(open.error.code, -32700);
    const balanced = await nullIdErrorFor('['.repeat(depth) + ']'.repeat(depth) + '\n');
    assert.equal(balanced.error.code, -32600, 'an array is not a message');
    // A valid request whose arguments nest 100000 deep: the proxy cannot forward it (serializing it
    // overflows the stack), so it refuses it as an invalid request with its id, instead of taking
    // the process down or hanging.
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    await proxy.write(`{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"echo__echo","arguments":${nested}}}\n`);
    const deep = await proxy.answer('deep');
    assert.equal(deep.error?.code, -32600, `refused, got ${JSON.stringify(deep).slice(0, 300)}`);
    assert.match(deep.error.message, /nested too deeply to serialize again \(flatten its deepest values\)/);
    await stillServes();
    assert.equal(proxy.answersTo('deep').length, 1);
  });

  it('wrong param types: -32602 / -32600 with the request id', async () => {
    const nameNumber = await proxy.request('tools/call', { name: 5, arguments: {} });
    assert.equal(nameNumber.error?.code, -32602);

    await proxy.write('{"jsonrpc":"2.0","id":"params-string","method":"tools/call","params":"x"}\n');
    assert.equal((await proxy.answer('params-string')).error?.code, -32600);
    await proxy.write('{"jsonrpc":"2.0","id":"params-array","method":"tools/list","params":[1,2]}\n');
    assert.equal((await proxy.answer('params-array')).error?.code, -32600);

    const noParams = await proxy.request('tools/call');
    assert.equal(noParams.error?.code, -32602);
    const badInit = await proxy.request('initialize', { protocolVersion: 5 });
    assert.equal(badInit.error?.code, -32602);
    const badLevel = await proxy.request('logging/setLevel', { level: 'loud' });
    assert.equal(badLevel.error?.code, -32602);

    // _meta of the wrong type (and a progress token that is neither string nor number): the proxy
    // reads only a valid _meta.progressToken and passes the rest through, so the backend decides;
    // echo.mjs ignores _meta and answers the call.
    for (const meta of [null, 'x', 5, [], { progressToken: {} }, { progressToken: null }]) {
      const res = await proxy.request('tools/call', { name: 'echo__echo', arguments: { text: 'm' }, _meta: meta });
      assert.deepEqual(res.result?.content, [{ type: 'text', text: 'm' }], `_meta ${JSON.stringify(meta)}: ${JSON.stringify(res)}`);
    }
    // Arguments that are not an object are passed through too: echo.mjs reads them as no arguments.
    const argsString = await proxy.request('tools/call', { name: 'echo__echo', arguments: 'text' });
    assert.deepEqual(argsString.result?.content, [{ type: 'text', text: '' }], JSON.stringify(argsString));
    await stillServes();
  });

  it('ids that are not string or number: -32600 with a null id', async () => {
    for (const id of ['null', 'true', '{}', '[1]']) {
      const error = await nullIdErrorFor(`{"jsonrpc":"2.0","id":${id},"method":"ping"}\n`);
      assert.equal(error.error.code, -32600, `id ${id}`);
    }
    const batch = await nullIdErrorFor('[{"jsonrpc":"2.0","id":"in-batch","method":"ping"}]\n');
    assert.equal(batch.error.code, -32600);
    assert.deepEqual(proxy.answersTo('in-batch'), []);
    // A readable id is answered even when the rest of the envelope is wrong.
    await proxy.write('{"jsonrpc":"1.0","id":"old","method":"ping"}\n');
    assert.equal((await proxy.answer('old')).error?.code, -32600);
  });

  it('responses with unknown ids from the client are ignored', async () => {
    const before = proxy.answerCount;
    await proxy.send({ jsonrpc: '2.0', id: 'nobody-asked', result: {} });
    await proxy.send({ jsonrpc: '2.0', id: 424242, error: { code: -1, message: 'no' } });
    await proxy.send({ jsonrpc: '2.0', id: null, error: { code: -1, message: 'null id' } });
    await stillServes();
    assert.equal(proxy.answerCount, before + 2, 'only the ping and the echo call were answered');
    assert.deepEqual(proxy.answersTo('nobody-asked'), []);
    assert.deepEqual(proxy.answersTo(424242), []);
  });

  it('a duplicate id of a request in flight: -32600; the first is still the one in flight', async () => {
    await proxy.send({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'slow__wait_for_cancel', arguments: {} } });
    const second = await proxy.call('echo__echo', { text: 'second' }, { id: 'dup' });
    assert.equal(second.error?.code, -32600);
    assert.match(second.error.message, /already in use/);
    // Cancelling "dup" reaches the first request (the backend stops waiting), which is never answered.
    await proxy.notify('notifications/cancelled', { requestId: 'dup', reason: 'test' });
    // The backend got the cancellation before this call and answers in order: an answer to the
    // cancelled request, from the backend or the proxy, would have come before this one.
    assert.deepEqual((await proxy.call('slow__sleep', { ms: 1 })).result?.content, [{ type: 'text', text: 'slept 1' }]);
    assert.equal(proxy.answersTo('dup').length, 1, 'only the refusal answered "dup"');
    // Once it is no longer in flight, the id may be used again.
    const reused = await proxy.call('echo__echo', { text: 'again' }, { id: 'dup' });
    assert.deepEqual(reused.result?.content, [{ type: 'text', text: 'again' }]);
  });

  it('notifications sent with an id: -32601, there is no such request method', async () => {
    const initialized = await proxy.request('notifications/initialized', undefined, { id: 'notif-with-id' });
    assert.equal(initialized.error?.code, -32601, JSON.stringify(initialized));
    assert.match(initialized.error.message, /notifications\/initialized/, 'the error names the method');
    const cancelled = await proxy.request('notifications/cancelled', { requestId: 'nothing' }, { id: 7 });
    assert.equal(cancelled.error?.code, -32601, JSON.stringify(cancelled));
    assert.match(cancelled.error.message, /notifications\/cancelled/);
    await stillServes();
  });

  it('never wrote anything but JSON-RPC lines on stdout', () => {
    assert.deepEqual(proxy.badLines, []);
    assert.ok(proxy.running);
  });
});
