// Newline-delimited JSON over any byte stream (our stdio front, child processes).
// Lines are split on the 0x0A byte, which never occurs inside a multi-byte UTF-8 sequence, so a
// chunk boundary anywhere (mid-line, mid-character) is handled by buffering bytes, not text.
import { isUtf8 } from 'node:buffer';
import type { Readable, Writable } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, type JsonRpcId } from '../../protocol/jsonrpc.js';
import { MAX_PEER_BACKLOG_BYTES } from './backlog.js';
import { channelOf, DEFAULT_MAX_MESSAGE_BYTES, McpReader, McpWriter, type MessageChannel } from './channel.js';

const LF = 0x0a;
const CR = 0x0d;

export class NdjsonReader extends McpReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private oversized = false;

  constructor(
    private readonly readable: Readable,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    super();
  }

  protected startListening(): void {
    this.readable.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    this.readable.on('end', () => {
      // A last line without its newline is still a message.
      if (this.partBytes > 0 && !this.oversized) this.onLine(Buffer.concat(this.parts, this.partBytes));
      this.parts = [];
      this.partBytes = 0;
      this.closeOnce();
    });
    this.readable.on('close', () => this.closeOnce());
    this.readable.on('error', (err) => {
      this.fireError(err);
      this.closeOnce();
    });
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        this.keep(chunk.subarray(start));
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.partBytes > 0) {
        this.parts.push(line);
        line = Buffer.concat(this.parts, this.partBytes + line.length);
        this.parts = [];
        this.partBytes = 0;
      }
      if (this.oversized || line.length > this.maxMessageBytes) this.rejectOversized();
      else this.onLine(line);
      start = nl + 1;
    }
  }

  /** Buffers an incomplete line; past the size limit, drops its bytes until the next newline. */
  private keep(rest: Buffer): void {
    if (rest.length === 0) return;
    if (this.oversized) return;
    if (this.partBytes + rest.length > this.maxMessageBytes) {
      this.oversized = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    // Copy: the stream may reuse the chunk's memory.
    this.parts.push(Buffer.from(rest));
    this.partBytes += rest.length;
  }

  private rejectOversized(): void {
    this.oversized = false;
    this.fireInvalid({
      code: ErrorCode.InvalidRequest,
      message: `Invalid Request: message larger than ${this.maxMessageBytes} bytes`,
      id: null,
    });
  }

  private onLine(line: Buffer): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end === 0) return;
    const bytes = end === line.length ? line : line.subarray(0, end);
    if (!isUtf8(bytes)) {
      this.fireInvalid({ code: ErrorCode.ParseError, message: 'Parse error: message is not valid UTF-8', id: null });
      return;
    }
    const text = bytes.toString('utf8');
    if (text.trim() === '') return;
    this.deliverText(text);
  }
}

/** What a writer does when its peer falls too far behind. */
export interface BacklogPolicy {
  /** Unsent bytes (ours plus the stream's buffer) past which the peer counts as stuck. */
  maxBytes: number;
  /** Called once; the writer has dropped everything and accepts nothing more. */
  onOverflow(reason: string): void;
}

/** Writes of at most about this much: what is not handed to the stream yet can still be unsent. */
const BATCH_BYTES = 64 * 1024;

/**
 * Serializes each message once and batches all messages written in the same event-loop turn into
 * one stream write: flushing on setImmediate (not a microtask) also joins what the I/O callbacks of
 * one poll phase produce, e.g. requests read from 64 HTTP connections, so the peer process gets one
 * write (and one wake-up) instead of one per message. When the stream reports backpressure, queues
 * until 'drain' instead of writing on; a request still queued can be taken back (unsend), and a
 * peer more than `backlog.maxBytes` behind is given up on (see BacklogPolicy).
 */
export class NdjsonWriter extends McpWriter {
  private queue: string[] = [];
  private queuedBytes = 0;
  /** Queued requests by id, with their place in the queue, so a timed-out one can be dropped unsent. */
  private queuedRequests = new Map<JsonRpcId, number>();
  /** Entries taken back (left as '' so the others keep their places). */
  private holes = 0;
  private scheduled = false;
  private blocked = false;
  private ended = false;

  constructor(
    private readonly writable: Writable,
    private readonly backlog: BacklogPolicy = { maxBytes: MAX_PEER_BACKLOG_BYTES, onOverflow: () => {} },
  ) {
    super();
    writable.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    writable.on('error', (err) => this.fireError(err, undefined, ++this.errorCount));
    writable.on('close', () => this.fireClose());
  }

  sendText(line: string, msg?: Message): void {
    if (this.ended) return;
    const request = msg as { id?: JsonRpcId; method?: string } | undefined;
    if (request?.method !== undefined && request.id !== undefined) this.queuedRequests.set(request.id, this.queue.length);
    this.queue.push(line);
    this.queuedBytes += line.length + 1;
    if (this.queuedBytes + this.writable.writableLength > this.backlog.maxBytes) return this.overflow();
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Takes back a request not yet handed to the stream; true if it was still queued (the peer never sees it). */
  override unsend(id: JsonRpcId): boolean {
    const index = this.queuedRequests.get(id);
    if (index === undefined) return false;
    this.queuedRequests.delete(id);
    this.queuedBytes -= this.queue[index].length + 1;
    this.queue[index] = '';
    this.holes++;
    return true;
  }

  private readonly flushNow = () => this.flush();

  private flush(): void {
    this.scheduled = false;
    if (this.writable.destroyed) return;
    while (!this.blocked && this.queue.length > 0) {
      let end = 0;
      let size = 0;
      while (end < this.queue.length && (end === 0 || size < BATCH_BYTES)) size += this.queue[end++].length + 1;
      let batch = this.queue;
      if (end === this.queue.length) this.queue = [];
      else {
        batch = this.queue.slice(0, end);
        this.queue = this.queue.slice(end);
      }
      if (this.holes > 0) {
        const all = batch.length;
        batch = batch.filter((line) => line !== '');
        this.holes -= all - batch.length;
        size -= all - batch.length; // their bytes were subtracted when they were taken back
      }
      this.queuedBytes -= size;
      if (this.queuedRequests.size > 0) this.shiftQueuedRequests(end);
      if (batch.length === 0) continue;
      if (!this.writable.write(batch.length === 1 ? batch[0] + '\n' : batch.join('\n') + '\n')) this.blocked = true;
    }
  }

  /** The first `count` queue entries left the queue: forget the requests among them, move the others up. */
  private shiftQueuedRequests(count: number): void {
    for (const [id, index] of this.queuedRequests) {
      if (index < count) this.queuedRequests.delete(id);
      else this.queuedRequests.set(id, index - count);
    }
  }

  private overflow(): void {
    const behind = this.queuedBytes + this.writable.writableLength;
    this.ended = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.holes = 0;
    this.queuedRequests.clear();
    const max = this.backlog.maxBytes;
    const bound = max % (1024 * 1024) === 0 ? `${max / (1024 * 1024)} MiB` : `${max} bytes`;
    // Not from inside send(): the caller registers the message it is sending only once send() returns.
    queueMicrotask(() => this.backlog.onOverflow(`stopped reading: more than ${bound} behind (${behind} bytes unsent)`));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.writable.destroyed) return;
    // Hand what is still queued to the stream (it buffers past backpressure) before ending it.
    const rest = this.queue.filter((line) => line !== '');
    if (rest.length > 0) this.writable.write(rest.join('\n') + '\n');
    this.queue = [];
    this.queuedBytes = 0;
    this.queuedRequests.clear();
    this.writable.end();
  }
}

export function ndjsonChannel(readable: Readable, writable: Writable, maxMessageBytes?: number, backlog?: BacklogPolicy): MessageChannel {
  return channelOf(new NdjsonReader(readable, maxMessageBytes), new NdjsonWriter(writable, backlog));
}
