// One server-sent-events response: events, comment heartbeats (so idle proxies and load
// balancers keep the connection), and a single close notification however it ends.
// A client that reads slower than events come cannot make the proxy buffer without bound: its
// stream is cut past MAX_PEER_BACKLOG_BYTES of unsent data, or past SLOW_PEER_BYTES while all
// streams sharing the budget together hold more than it allows (a GET stream can resume with
// Last-Event-ID).
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { log } from '../log.js';
import { BacklogBudget } from '../transports/backlog.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;

export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeCallbacks: (() => void)[] = [];
  private isClosed = false;
  private readonly unregister: () => void;

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs: number,
    headers: OutgoingHttpHeaders = {},
    private readonly budget = new BacklogBudget(),
  ) {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: do not buffer the stream
    });
    res.flushHeaders();
    this.heartbeat = setInterval(() => this.comment('ping'), heartbeatMs);
    this.heartbeat.unref();
    this.unregister = budget.register(() => res.writableLength);
    res.on('close', () => this.markClosed());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  onClose(callback: () => void): void {
    if (this.isClosed) callback();
    else this.closeCallbacks.push(callback);
  }

  /** Writes one event; `data` may be empty (an id-only event primes a client's Last-Event-ID). */
  send(data: string, event?: string, id?: number | string): void {
    if (this.isClosed) return;
    let frame = '';
    if (event !== undefined) frame += `event: ${event}\n`;
    if (id !== undefined) frame += `id: ${id}\n`;
    // JSON.stringify output has no raw newlines, but a data field must never contain one.
    if (/[\r\n]/.test(data)) for (const line of data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
    else frame += `data: ${data}\n`;
    this.write(frame + '\n');
  }

  /** The SEP-1699 priming event: an id to resume from, empty data, and how long to wait before resuming. */
  prime(id: string, retryMs: number): void {
    if (!this.isClosed) this.write(`id: ${id}\nretry: ${retryMs}\ndata: \n\n`);
  }

  comment(text: string): void {
    if (!this.isClosed) this.write(`: ${text}\n\n`);
  }

  private write(text: string): void {
    this.res.write(text);
    if (this.budget.tooFarBehind(this.res.writableLength)) {
      log.warn(`cutting an SSE stream whose client reads too slowly (${this.res.writableLength} bytes unsent)`);
      this.res.destroy(new Error('SSE client reads too slowly'));
      this.markClosed(); // now, not when the socket says so: nothing more is written to it
    }
  }

  end(): void {
    if (this.isClosed) return;
    this.res.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.unregister();
    clearInterval(this.heartbeat);
    for (const callback of this.closeCallbacks.splice(0)) callback();
  }
}
