// Replays a --record transcript against the router in memory and reports the first place where
// what the proxy sends differs from what was recorded.
//
// How: a Router is built from the setup event (servers in config order, separator, namespace,
// pageSize; a server gets restart enabled, with 1 ms delays, only if the transcript shows it lost
// and initialized again). Its connector hands out a fresh in-memory channel per connection attempt.
// Client sessions are opened, under their recorded ids, at their first message. The transcript is
// then walked in order. INPUT lines are fed: client>proxy on the session's channel, backend>proxy
// on the server's current channel (with its `rel`, the request the wire related it to, beside it
// as a Streamable HTTP stream gives it), event backend-lost fires the connection's onLost and closes
// it, event session-closed closes the client's channel (for the stdio session: router.shutdown(),
// which is what the CLI does when stdin ends). Before an input is fed, every OUTPUT line
// (proxy>client, proxy>backend) above it must have been observed from the proxy, within a deadline;
// otherwise the replay stops: "expected X, the proxy sent nothing". (Exception, for the stdio
// shutdown: the error answers the proxy gives to requests in flight, recorded just above the
// session-closed event, are awaited after it.) Outputs are compared per stream (dir + peer) in
// FIFO order, as they arrive; the order across streams is free.
//
// Normalisation (everything else must be equal, key order aside):
//  - ids the proxy allocates are matched by a learned bijection (recorded ↔ replayed id, per
//    server for its request ids towards that backend, per session for its request ids towards
//    that client): `id` of proxy requests, `params._meta.progressToken` of proxy>backend requests
//    (the proxy uses its request id as the progress token), `params.requestId` of
//    notifications/cancelled the proxy sends. A pair learned once must hold for the whole replay.
//  - a recorded input referring to such an id is rewritten through the bijection before it is
//    fed: a backend's response id, notifications/progress token and `rel`, a client's response id.
//  - `t` is ignored; so is the proxy's own version: `result.serverInfo.version` in its initialize
//    answer to clients, `params.clientInfo.version` in its initialize request to backends, and the
//    `clientInfo` version in the `_meta` of its own requests to 2026-07-28 backends.
//
// Sessions: any number, each its own in-memory client peer under its recorded id (HTTP mode has
// several; stdio one, "stdio"). Outputs to each are their own stream, so a message that reaches
// the wrong session is a divergence on both streams.
//
// Limits: per-client server instances share one peer name in a transcript, so only one instance
// per server can be replayed; invalid input the proxy answered (parse errors) is not recorded as
// input; which request a message TO a client relates to (the POST stream it takes over HTTP) is
// not recorded, only which session gets it.
import type { Connector } from '../../src/backends/connection.js';
import { DEFAULT_RESTART } from '../../src/config/schema.js';
import type { ServerSpec } from '../../src/config/spec.js';
import { setLogSink } from '../../src/log.js';
import type { Direction } from '../../src/record/recorder.js';
import { Router } from '../../src/router/router.js';
import { memoryChannelPair, type MemoryChannel } from '../../src/transports/memory.js';
import { fakeSpec } from '../helpers/fake-backend.js';
import { compareMessage } from './compare.js';
import type { Divergence } from './divergence.js';
import { IdBijection } from './id-bijection.js';
import { outputRules, rewriteInput, rewriteRel } from './normalise.js';
import { Signal } from './signal.js';
import { isOutput, readTranscript, streamOf, type Line, type Transcript } from './transcript.js';

export interface ReplayOptions {
  /** How long an expected output may take before it counts as missing (ms). */
  timeoutMs?: number;
  /** After the last line, how long to watch for output the transcript does not have (ms). */
  quietMs?: number;
}

export interface ReplayResult {
  ok: boolean;
  /** Output messages that matched. */
  matched: number;
  /** Output messages in the transcript. */
  expected: number;
  divergence?: Divergence;
  /** What the proxy logged during the replay. */
  logs: string[];
}

/** The session id the CLI gives its one stdio client. */
const STDIO_SESSION = 'stdio';

export function replayFile(file: string, options?: ReplayOptions): Promise<ReplayResult> {
  return replay(readTranscript(file), options);
}

export function replay(transcript: Transcript, options: ReplayOptions = {}): Promise<ReplayResult> {
  return new Replay(transcript, options).run();
}

/** One fake connection to a server: the far side of the proxy's channel. */
interface Wire {
  readonly channel: MemoryChannel;
  lost?: (reason: string) => void;
  closed: boolean;
  close(): void;
}

interface Expected {
  index: number;
  line: Line;
}

class Replay {
  private readonly lines: Line[];
  private readonly timeoutMs: number;
  private readonly quietMs: number;
  private readonly outputs: number[] = [];
  private readonly observed: boolean[];
  private readonly streams = new Map<string, Expected[]>();
  private readonly ids = new IdBijection();
  private readonly clients = new Map<string, MemoryChannel>();
  private readonly wires = new Map<string, Wire>();
  private readonly allWires: Wire[] = [];
  private readonly progress = new Signal();
  private readonly logs: string[] = [];
  private readonly router: Router;
  private divergence: Divergence | undefined;
  private matched = 0;
  /** The transcript line the replay stands at (for output nobody expected). */
  private position = 0;
  private finished = false;
  private shutDown = false;

  constructor(
    private readonly transcript: Transcript,
    options: ReplayOptions,
  ) {
    this.lines = transcript.lines;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.quietMs = options.quietMs ?? 50;
    this.observed = this.lines.map(() => false);
    this.lines.forEach((line, index) => {
      if (!isOutput(line)) return;
      this.outputs.push(index);
      const key = streamOf(line.dir, line.peer);
      const queue = this.streams.get(key) ?? [];
      queue.push({ index, line });
      this.streams.set(key, queue);
    });
    this.router = this.buildRouter();
  }

  async run(): Promise<ReplayResult> {
    const restoreLog = setLogSink((line) => this.logs.push(line));
    try {
      const eager = this.eagerStart();
      if (eager) void this.router.start(eager, { perClient: false });
      for (let i = 0; i < this.lines.length && !this.divergence; i++) {
        const line = this.lines[i];
        if (isOutput(line)) continue;
        this.position = line.line;
        await this.waitForOutputsBefore(i, this.shutdownAnswers(i));
        if (this.divergence) break;
        await this.feed(line);
        await new Promise<void>((resolve) => setImmediate(resolve)); // let the proxy handle it
      }
      this.position = (this.lines.at(-1)?.line ?? 1) + 1;
      if (!this.divergence) await this.waitForOutputsBefore(this.lines.length);
      if (!this.divergence) await this.progress.wait(this.quietMs); // only a divergence wakes it early
    } finally {
      this.finished = true;
      await this.close();
      restoreLog();
    }
    const result: ReplayResult = { ok: !this.divergence, matched: this.matched, expected: this.outputs.length, logs: this.logs };
    if (this.divergence) result.divergence = this.divergence;
    return result;
  }

  private buildRouter(): Router {
    const { setup } = this.transcript;
    const router = new Router({
      connector: this.connector,
      naming: { separator: setup.separator, namespace: setup.namespace },
      connectTimeoutMs: 30_000,
      requestTimeoutMs: 60_000,
      maxRequestMs: 600_000,
      pageSize: setup.pageSize,
    });
    router.configure(
      setup.servers.map((s) =>
        fakeSpec(s.name, {
          session: s.session as 'shared' | 'per-client',
          // Transcripts from before the era probe name no protocol: they speak 2025 only.
          protocol: (s.protocol ?? '2025-11-25') as ServerSpec['protocol'],
          restart: { ...DEFAULT_RESTART, enabled: this.restarts(s.name), initialDelayMs: 1, maxDelayMs: 1 },
        }),
      ),
    );
    return router;
  }

  /** Whether the transcript shows the server lost and then initialized again. */
  private restarts(server: string): boolean {
    const lost = this.lines.findIndex((l) => l.dir === 'event' && l.peer === server && l.msg.type === 'backend-lost');
    return lost >= 0 && this.lines.slice(lost).some((l) => l.dir === 'proxy>backend' && l.peer === server && l.msg.method === 'initialize');
  }

  /**
   * HTTP mode starts the backends before any client speaks (per-client servers wait for their
   * sessions): then the first proxy>backend line comes before the first client>proxy one.
   * Returns the client capabilities to start with.
   */
  private eagerStart(): Record<string, unknown> | undefined {
    const first = this.lines.find((l) => l.dir === 'client>proxy' || l.dir === 'proxy>backend');
    if (first?.dir !== 'proxy>backend') return undefined;
    return first.msg.params?.capabilities ?? {};
  }

  private readonly connector: Connector = async (spec) => {
    const [proxySide, replaySide] = memoryChannelPair();
    const wire: Wire = {
      channel: replaySide,
      closed: false,
      close() {
        wire.closed = true;
        proxySide.close();
        replaySide.close();
      },
    };
    replaySide.reader.listen((msg) => this.observe('proxy>backend', spec.name, msg));
    this.wires.set(spec.name, wire);
    this.allWires.push(wire);
    return {
      channel: proxySide,
      transport: 'memory',
      onLost: (callback) => (wire.lost = callback),
      close: async () => wire.close(),
    };
  };

  /** The client side of a session's channel; the session is opened at its first message. */
  private client(peer: string): MemoryChannel {
    let channel = this.clients.get(peer);
    if (!channel) {
      const [clientSide, proxySide] = memoryChannelPair();
      clientSide.reader.listen((msg) => this.observe('proxy>client', peer, msg));
      this.router.openSession(proxySide, peer);
      this.clients.set(peer, clientSide);
      channel = clientSide;
    }
    return channel;
  }

  private async feed(line: Line): Promise<void> {
    const { dir, peer, msg } = line;
    if (dir === 'client>proxy' || dir === 'backend>proxy') {
      const relatedRequestId = rewriteRel(dir, peer, line.rel, this.ids);
      const channel = dir === 'client>proxy' ? this.client(peer) : this.openWire(line)?.channel;
      return channel?.writer.send(rewriteInput(dir, peer, msg, this.ids), relatedRequestId === undefined ? undefined : { relatedRequestId });
    }
    switch (msg.type) {
      case 'backend-lost': {
        const wire = this.openWire(line);
        wire?.lost?.(String(msg.reason));
        wire?.close();
        return;
      }
      case 'session-closed':
        if (peer !== STDIO_SESSION) return this.clients.get(peer)?.close();
        this.shutDown = true;
        return this.router.shutdown();
      default:
        return; // events a later recorder may add: nothing to feed
    }
  }

  private openWire(line: Line): Wire | undefined {
    const wire = this.wires.get(line.peer);
    if (wire && !wire.closed) return wire;
    this.diverge({
      kind: 'input',
      line: line.line,
      stream: streamOf(line.dir, line.peer),
      expected: line.msg,
      differences: [],
      summary: `cannot feed this: the proxy has no open connection to server "${line.peer}"`,
    });
    return undefined;
  }

  /** Compares what the proxy just sent with the next expected message of that stream. */
  private observe(dir: Direction, peer: string, msg: unknown): void {
    if (this.finished || this.divergence) return;
    const stream = streamOf(dir, peer);
    const next = this.streams.get(stream)?.[0];
    if (!next) {
      return this.diverge({
        kind: 'unexpected',
        line: this.position,
        stream,
        actual: msg,
        differences: [],
        summary: 'the proxy sent a message the transcript does not have (nothing more is expected on this stream)',
      });
    }
    const comparison = compareMessage(next.line.msg, msg, outputRules(dir, peer, next.line.msg), this.ids);
    if (comparison.differences.length > 0) {
      return this.diverge({
        kind: 'mismatch',
        line: next.line.line,
        stream,
        expected: next.line.msg,
        actual: msg,
        differences: comparison.differences,
        summary: 'the proxy sent a different message',
      });
    }
    this.ids.commit(comparison.pairs);
    this.streams.get(stream)!.shift();
    this.observed[next.index] = true;
    this.matched++;
    this.progress.notify();
  }

  private diverge(d: Divergence): void {
    this.divergence ??= d;
    this.progress.notify();
  }

  /** Waits until every output above line index `before` (but `except`) was observed, or diverges. */
  private async waitForOutputsBefore(before: number, except: Set<number> = new Set()): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (this.divergence) return;
      const missing = this.outputs.find((i) => i < before && !this.observed[i] && !except.has(i));
      if (missing === undefined) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        const line = this.lines[missing];
        return this.diverge({
          kind: 'missing',
          line: line.line,
          stream: streamOf(line.dir, line.peer),
          expected: line.msg,
          differences: [],
          summary: `expected this message, the proxy sent nothing within ${this.timeoutMs} ms`,
        });
      }
      await this.progress.wait(left);
    }
  }

  /**
   * The stdio session ends with the proxy's shutdown, which first answers the requests in flight
   * with errors: those answers sit just above the session-closed event but are caused by it.
   */
  private shutdownAnswers(index: number): Set<number> {
    const answers = new Set<number>();
    const event = this.lines[index];
    if (event.dir !== 'event' || event.msg.type !== 'session-closed' || event.peer !== STDIO_SESSION) return answers;
    for (let i = index - 1; i >= 0; i--) {
      const line = this.lines[i];
      if (line.dir !== 'proxy>client' || line.peer !== event.peer || !('error' in line.msg) || 'method' in line.msg) break;
      answers.add(i);
    }
    return answers;
  }

  private async close(): Promise<void> {
    if (!this.shutDown) await this.router.shutdown();
    for (const channel of this.clients.values()) channel.close();
    for (const wire of this.allWires) wire.close();
  }
}
