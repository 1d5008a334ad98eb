// A reader whose wire code hands it each received message (HTTP bodies, SSE events, in-memory
// test channels): as text to parse, or as a value already parsed.
import { McpReader, type MessageExtra } from './channel.js';

export class PushReader extends McpReader {
  protected startListening(): void {}

  pushText(text: string, extra?: MessageExtra): void {
    this.deliverText(text, extra);
  }

  /** Classifies and delivers one parsed message (invalid ones are reported on onInvalid). */
  pushValue(value: unknown, extra?: MessageExtra): void {
    this.deliverValue(value, extra);
  }

  /** The other side went away: whoever listens closes its end. */
  end(): void {
    this.closeOnce();
  }
}
