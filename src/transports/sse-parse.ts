// Reads a text/event-stream response body event by event (eventsource-parser does the framing),
// and any response body chunk by chunk as text.
import type { IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseCallbacks {
  onEvent(event: EventSourceMessage): void;
  /** The server's `retry:` field: how long to wait before reconnecting. */
  onRetry?(ms: number): void;
}

/**
 * Resolves when the server ends the stream cleanly; rejects when it breaks off, is aborted, or
 * one event grows past `maxEventChars` (the stream is then ended: it cannot be resynchronized).
 */
export function readSse(res: IncomingMessage, callbacks: SseCallbacks, maxEventChars: number): Promise<void> {
  const parser = createParser({
    onEvent: callbacks.onEvent,
    onRetry: callbacks.onRetry,
    maxBufferSize: maxEventChars,
    onError: (err) => {
      // Thrown inside feed(): readText ends the stream with it.
      if (err.type === 'max-buffer-size-exceeded') throw new Error(`an event was larger than ${maxEventChars} characters`);
    },
  });
  return readText(res, (chunk) => parser.feed(chunk));
}

/**
 * Hands a response body to `feed` chunk by chunk as text. Resolves when it ends cleanly (after
 * `end`); rejects when it breaks off, is aborted, or `feed` throws (the response is then destroyed).
 */
export function readText(res: IncomingMessage, feed: (chunk: string) => void, end?: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      res.destroy();
      reject(err);
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (settled) return;
      try {
        feed(chunk);
      } catch (e) {
        fail(e as Error);
      }
    });
    res.once('end', () => {
      if (settled) return;
      settled = true;
      end?.();
      resolve();
    });
    res.once('error', fail);
    res.once('close', () => fail(new Error('stream closed')));
  });
}
