// Newline-delimited JSON over any byte stream (our stdio front, child processes).
// Lines are split on the 0x0A byte, which never occurs inside a multi-byte UTF-8 sequence, so a
// chunk boundary anywhere (mid-line, mid-character) is handled by buffering bytes, not text.
import { isUtf8 } from 'node:buffer';
import type { Readable, Writable } from 'node:stream';
import { ErrorCode } from '../../protocol/jsonrpc.js';
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

/**
 * Serializes each message once and batches all messages written in the same event-loop turn into
 * one stream write: flushing on setImmediate (not a microtask) also joins what the I/O callbacks of
 * one poll phase produce, e.g. requests read from 64 HTTP connections, so the peer process gets one
 * write (and one wake-up) instead of one per message. When the stream reports backpressure, queues
 * until 'drain' instead of writing on.
 */
export class NdjsonWriter extends McpWriter {
  private queue: string[] = [];
  private scheduled = false;
  private blocked = false;
  private ended = false;

  constructor(private readonly writable: Writable) {
    super();
    writable.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    writable.on('error', (err) => this.fireError(err, undefined, ++this.errorCount));
    writable.on('close', () => this.fireClose());
  }

  sendText(line: string): void {
    if (this.ended) return;
    this.queue.push(line);
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private readonly flushNow = () => this.flush();

  private flush(): void {
    this.scheduled = false;
    if (this.blocked || this.queue.length === 0 || this.writable.destroyed) return;
    const data = this.queue.length === 1 ? this.queue[0] + '\n' : this.queue.join('\n') + '\n';
    this.queue = [];
    if (!this.writable.write(data)) this.blocked = true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.writable.destroyed) return;
    // Hand what is still queued to the stream (it buffers past backpressure) before ending it.
    if (this.queue.length > 0) this.writable.write(this.queue.join('\n') + '\n');
    this.queue = [];
    this.writable.end();
  }
}

export function ndjsonChannel(readable: Readable, writable: Writable, maxMessageBytes?: number): MessageChannel {
  return channelOf(new NdjsonReader(readable, maxMessageBytes), new NdjsonWriter(writable));
}
