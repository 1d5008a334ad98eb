// Replays every recorded transcript in fixtures/recordings against the router in memory, and
// checks that the replay can fail: tampered transcripts are reported at the right line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPath } from './harness/compare.js';
import { formatDivergence } from './harness/divergence.js';
import { replay, replayFile } from './harness/replay.js';
import { parseTranscript } from './harness/transcript.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RECORDINGS = path.join(ROOT, 'fixtures/recordings');
const REPLAY_CLI = path.join(ROOT, 'dist/test/harness/replay-cli.js');
const files = readdirSync(RECORDINGS).filter((f) => f.endsWith('.jsonl')).sort();
/** Recorded in HTTP mode with two clients at once. */
const MULTI_SESSION = ['http-progress', 'http-sampling-roots', 'http-logging'];

/** A transcript as editable rows: row i is line i + 1. */
function rowsOf(name: string): any[] {
  return readFileSync(path.join(RECORDINGS, name), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

const textOf = (rows: any[]) => rows.map((r) => JSON.stringify(r)).join('\n');

/** The 0-based row of the proxy>client answer whose first content text is `text`. */
function answerRow(rows: any[], text: string): number {
  const i = rows.findIndex((r) => r.dir === 'proxy>client' && r.msg.result?.content?.[0]?.text === text);
  assert.ok(i > 0, `no proxy>client answer with text ${text}`);
  return i;
}

describe('replay: recorded transcripts', { timeout: 60_000 }, () => {
  it('has a recording for each behaviour the harness must cover', () => {
    for (const name of [
      'initialize-2025-11-25', 'initialize-2025-06-18', 'initialize-2025-03-26', 'initialize-2024-11-05',
      'initialize-unsupported-version', 'list-backend-pages', 'list-client-pages', 'tool-call', 'tool-unknown',
      'cancellation', 'progress', 'sampling', 'elicitation', 'list-changed', 'subscription', 'backend-crash', 'sdk-backend', 'era-probe',
      ...MULTI_SESSION,
    ]) {
      assert.ok(files.includes(`${name}.jsonl`), `missing fixtures/recordings/${name}.jsonl`);
    }
  });

  it('the HTTP recordings have two client sessions, and a backend wire that relates messages to requests', () => {
    for (const name of MULTI_SESSION) {
      const rows = rowsOf(`${name}.jsonl`);
      const sessions = new Set(rows.filter((r) => r.dir === 'client>proxy').map((r) => r.peer));
      assert.deepEqual([...sessions].sort(), ['client-a', 'client-b'], name);
      for (const peer of sessions) assert.ok(rows.some((r) => r.dir === 'proxy>client' && r.peer === peer), `${name}: nothing to ${peer}`);
    }
    for (const name of ['http-sampling-roots', 'http-logging']) {
      assert.ok(rowsOf(`${name}.jsonl`).some((r) => r.dir === 'backend>proxy' && r.rel !== undefined), `${name}: no backend message with rel`);
    }
  });

  for (const file of files) {
    it(`${file} replays without divergence`, async () => {
      const result = await replayFile(path.join(RECORDINGS, file));
      assert.ok(result.ok, result.divergence && formatDivergence(result.divergence, file));
      assert.ok(result.expected > 0);
      assert.equal(result.matched, result.expected);
    });
  }
});

describe('replay: divergences are reported', { timeout: 30_000 }, () => {
  it('a changed value in a proxy>client result is a mismatch at that line, with its path', async () => {
    const rows = rowsOf('tool-call.jsonl');
    const row = answerRow(rows, '5');
    rows[row].msg.result.content[0].text = '6';
    const result = await replay(parseTranscript(textOf(rows)));
    assert.equal(result.ok, false);
    const d = result.divergence!;
    assert.equal(d.kind, 'mismatch');
    assert.equal(d.line, row + 1);
    assert.equal(d.stream, 'proxy>client stdio');
    assert.deepEqual(d.differences.map((x) => [formatPath(x.path), x.expected, x.actual]), [['result.content[0].text', '6', '5']]);
    const text = formatDivergence(d, 'tool-call.jsonl');
    assert.match(text, new RegExp(`^divergence at tool-call\\.jsonl:${row + 1} \\(proxy>client stdio\\)`));
    assert.match(text, /at result\.content\[0\]\.text: expected "6", got "5"/);
    assert.match(text, /^> +"text": "6"$/m, 'the expected side marks the differing line');
    assert.match(text, /^> +"text": "5"$/m, 'the actual side marks the differing line');
  });

  it('a dropped output line makes the proxy message land on the next expected one of its stream', async () => {
    const rows = rowsOf('tool-call.jsonl');
    const dropped = answerRow(rows, '5');
    const next = rows.findIndex((r, i) => i > dropped && r.dir === 'proxy>client');
    assert.ok(next > dropped);
    rows.splice(dropped, 1);
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.equal(d.kind, 'mismatch');
    assert.equal(d.line, next, 'the line of the next proxy>client message, in the file without the dropped line');
    assert.equal(d.stream, 'proxy>client stdio');
    assert.ok(d.differences.some((x) => formatPath(x.path) === 'result.content[0].text'));
  });

  it('an output the proxy never sends is reported missing at its line', async () => {
    const rows = rowsOf('tool-call.jsonl');
    const after = answerRow(rows, '5');
    const ghost = { t: rows[after].t, dir: 'proxy>client', peer: 'stdio', msg: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'never sent' } } };
    rows.splice(after + 1, 0, ghost);
    const result = await replay(parseTranscript(textOf(rows)), { timeoutMs: 200 });
    const d = result.divergence!;
    assert.equal(d.kind, 'missing');
    assert.equal(d.line, after + 2);
    assert.match(formatDivergence(d), /the proxy sent nothing within 200 ms/);
  });

  it('an output the transcript does not have is reported as unexpected', async () => {
    const rows = rowsOf('tool-call.jsonl');
    const last = rows.findLastIndex((r) => r.dir === 'proxy>client');
    rows.splice(last, 1); // the last answer on that stream: nothing is left to compare it with
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.equal(d.kind, 'unexpected');
    assert.equal(d.stream, 'proxy>client stdio');
    assert.equal((d.actual as any).result.isError, true);
  });

  for (const file of ['progress.jsonl', 'http-logging.jsonl']) {
    it(`ids the proxy allocates are matched by bijection: a consistent renumbering still replays (${file})`, async () => {
      const rows = rowsOf(file);
      const shift = (id: unknown) => (typeof id === 'number' ? id + 100 : id);
      let renumbered = 0;
      for (const r of rows) {
        const m = r.msg;
        if (r.dir === 'proxy>backend' && m.method && 'id' in m) {
          m.id = shift(m.id);
          renumbered++;
          if (m.params?._meta?.progressToken !== undefined) m.params._meta.progressToken = shift(m.params._meta.progressToken);
        } else if (r.dir === 'backend>proxy' && !m.method) {
          m.id = shift(m.id);
        } else if (r.dir === 'backend>proxy' && m.method === 'notifications/progress') {
          m.params.progressToken = shift(m.params.progressToken);
        }
        if (r.dir === 'backend>proxy' && r.rel !== undefined) r.rel = shift(r.rel); // names one of the proxy's requests
      }
      assert.ok(renumbered >= 3);
      const result = await replay(parseTranscript(textOf(rows)));
      assert.ok(result.ok, result.divergence && formatDivergence(result.divergence));
      assert.equal(result.matched, result.expected);
    });
  }

  it("the proxy's own version is not compared (serverInfo to clients, clientInfo to backends); its name is", async () => {
    const rows = rowsOf('initialize-2025-06-18.jsonl');
    const answer = rows.findIndex((r) => r.dir === 'proxy>client' && r.msg.result?.serverInfo);
    const hello = rows.findIndex((r) => r.dir === 'proxy>backend' && r.msg.method === 'initialize');
    rows[answer].msg.result.serverInfo.version = '9.9.9';
    rows[hello].msg.params.clientInfo.version = '9.9.9';
    const bumped = await replay(parseTranscript(textOf(rows)));
    assert.ok(bumped.ok, bumped.divergence && formatDivergence(bumped.divergence));

    rows[answer].msg.result.serverInfo.name = 'other-proxy';
    const renamed = await replay(parseTranscript(textOf(rows)));
    assert.equal(renamed.divergence?.line, answer + 1);
    assert.deepEqual(renamed.divergence?.differences.map((x) => formatPath(x.path)), ['result.serverInfo.name']);
  });

  it('the bijection is one-to-one: two proxy requests recorded with one id diverge', async () => {
    const rows = rowsOf('tool-call.jsonl');
    const calls = rows.map((r, i) => [r, i] as const).filter(([r]) => r.dir === 'proxy>backend' && r.msg.method === 'tools/call');
    assert.equal(calls.length, 2);
    calls[1][0].msg.id = calls[0][0].msg.id;
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.equal(d.kind, 'mismatch');
    assert.equal(d.line, calls[1][1] + 1);
    assert.deepEqual(d.differences.map((x) => formatPath(x.path)), ['id']);
    assert.match(d.differences[0].note ?? '', /was matched to replayed id/);
  });

  it('sessions are told apart: progress fed for b\'s call but recorded as a\'s is a mismatch on a\'s stream', async () => {
    const rows = rowsOf('http-progress.jsonl');
    // The proxy's progress token for a session's call: the forwarded call with the same arguments.
    const token = (peer: string) => {
      const ms = rows.find((r) => r.dir === 'client>proxy' && r.peer === peer && r.msg.method === 'tools/call').msg.params.arguments.ms;
      return rows.find((r) => r.dir === 'proxy>backend' && r.msg.params?.arguments?.ms === ms).msg.params._meta.progressToken;
    };
    const [a, b] = [token('client-a'), token('client-b')];
    assert.notEqual(a, b);
    // Both clients used request id 1, so progress token 1: only the session tells them apart.
    assert.deepEqual(rows.filter((r) => r.dir === 'client>proxy' && r.msg.method === 'tools/call').map((r) => r.msg.params._meta.progressToken), [1, 1]);
    const fed = rows.findIndex((r) => r.dir === 'backend>proxy' && r.msg.params?.progressToken === b);
    rows[fed].msg.params.progressToken = a; // the backend now reports this step on a's call
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.equal(d.kind, 'mismatch');
    assert.equal(d.stream, 'proxy>client client-a');
    assert.equal((d.actual as any).params.total, 2, "b's step, sent to a");
  });

  it('a backend message the wire related to a\'s request goes to a only: without its rel, b gets it too', async () => {
    const rows = rowsOf('http-logging.jsonl');
    const related = rows.findIndex((r) => r.dir === 'backend>proxy' && r.msg.method === 'notifications/message' && r.rel !== undefined);
    assert.ok(related > 0);
    const intact = await replay(parseTranscript(textOf(rows)));
    assert.ok(intact.ok, intact.divergence && formatDivergence(intact.divergence));
    delete rows[related].rel; // as a stdio backend would send it: related to nothing, so for every session whose level admits it
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.ok(d, 'the replay must notice');
    assert.equal(d.stream, 'proxy>client client-b');
    assert.equal((d.actual as any).params.data, 'remote working');
  });

  it("a backend's request related to b's call goes to b; without its rel (both have calls there) it is refused", async () => {
    const rows = rowsOf('http-sampling-roots.jsonl');
    const toB = rows.findIndex((r) => r.dir === 'backend>proxy' && r.msg.method === 'sampling/createMessage' && r.msg.params.messages[0].content.text === 'from b');
    assert.ok(toB > 0 && rows[toB].rel !== undefined);
    delete rows[toB].rel;
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.ok(d, 'the replay must notice');
    assert.equal(d.stream, 'proxy>backend remote');
    assert.match((d.actual as any).error?.message ?? '', /cannot tell which client/);
  });

  it("roots/list after b's roots change goes to b: recorded as a's change, a gets it", async () => {
    const rows = rowsOf('http-sampling-roots.jsonl');
    const change = rows.findIndex((r) => r.dir === 'client>proxy' && r.msg.method === 'notifications/roots/list_changed');
    assert.equal(rows[change].peer, 'client-b');
    rows[change].peer = 'client-a';
    const result = await replay(parseTranscript(textOf(rows)));
    const d = result.divergence!;
    assert.ok(d, 'the replay must notice');
    assert.equal(d.stream, 'proxy>client client-a');
    assert.equal((d.actual as any).method, 'roots/list');
  });

  it('npm run replay: "ok: N messages matched" and exit 0; a tampered file prints the line and exits 1', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-replay-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const good = await run([path.join(RECORDINGS, 'tool-call.jsonl')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^ok: \d+ messages matched\n$/);

    const rows = rowsOf('tool-call.jsonl');
    const row = answerRow(rows, '5');
    rows[row].msg.result.content[0].text = 'five';
    const bad = path.join(dir, 'tampered.jsonl');
    writeFileSync(bad, textOf(rows) + '\n');
    const out = await run([bad]);
    assert.equal(out.code, 1, out.stderr);
    assert.ok(out.stdout.startsWith(`divergence at ${bad}:${row + 1} (proxy>client stdio)`), out.stdout);
    assert.match(out.stdout, /at result\.content\[0\]\.text: expected "five", got "5"/);
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [REPLAY_CLI, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as any).code ?? null) : 0, stdout, stderr });
    });
  });
}
