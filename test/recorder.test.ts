// --record: what a tapped channel writes, and the `rel` of messages the wire relates to a request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileRecorder, tapChannel } from '../src/record/recorder.js';
import { memoryChannelPair } from '../src/transports/memory.js';
import { waitFor } from './helpers/wait.js';

describe('recorder', () => {
  it('writes each message crossing a tapped channel; a received one the wire relates to a request carries rel', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-recorder-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'transcript.jsonl');
    const recorder = new FileRecorder(file);
    const [proxySide, backendSide] = memoryChannelPair();
    tapChannel(proxySide, recorder, 'remote', 'backend>proxy', 'proxy>backend');
    const received: unknown[] = [];
    proxySide.reader.listen((msg) => received.push(msg));
    backendSide.reader.listen(() => {});

    proxySide.writer.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'report' } } as never, { relatedRequestId: 3 });
    backendSide.writer.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'on the stream of 7' } } as never, { relatedRequestId: 7 });
    backendSide.writer.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'on no stream' } } as never);
    await waitFor(() => received.length === 2, 'both notifications');
    await recorder.close();

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map(({ t, ...rest }) => (assert.equal(typeof t, 'number'), rest)),
      [
        // What the proxy sends: only the message (the relation of a message it sends is not recorded).
        { dir: 'proxy>backend', peer: 'remote', msg: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'report' } } },
        { dir: 'backend>proxy', peer: 'remote', msg: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'on the stream of 7' } }, rel: 7 },
        { dir: 'backend>proxy', peer: 'remote', msg: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'on no stream' } } },
      ],
    );
  });
});
