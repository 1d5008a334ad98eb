// Reading a server-sent-events response body from fetch, event by event, with bounded waits.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { PATIENCE_MS, waitFor } from './wait.js';

export class SseReader {
  readonly events: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  ended = false;
  private taken = 0;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(response: Response) {
    if (!response.body) throw new Error('response has no body');
    this.reader = response.body.getReader();
    void this.pump();
  }

  private async pump(): Promise<void> {
    const parser = createParser({ onEvent: (e) => this.events.push(e), onComment: (c) => this.comments.push(c) });
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted or cut: the stream has ended either way
    }
    this.ended = true;
  }

  /** The next event not yet taken, waiting up to `timeoutMs`. */
  async next(timeoutMs = PATIENCE_MS): Promise<EventSourceMessage> {
    await waitFor(() => this.events.length > this.taken || this.ended, 'an SSE event', timeoutMs);
    if (this.events.length <= this.taken) throw new Error(`SSE stream ended after ${this.taken} events`);
    return this.events[this.taken++];
  }

  /** The next event's data parsed as JSON, skipping id-only (empty data) events. */
  async nextMessage(timeoutMs = PATIENCE_MS): Promise<any> {
    for (let i = 0; i < 100; i++) {
      const event = await this.next(timeoutMs);
      if (event.data !== '') return JSON.parse(event.data);
    }
    throw new Error('no message among 100 events');
  }

  waitEnd(timeoutMs = PATIENCE_MS): Promise<unknown> {
    return waitFor(() => this.ended, 'the SSE stream to end', timeoutMs);
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
