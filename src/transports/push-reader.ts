// A reader whose wire code hands it each received message (HTTP bodies, SSE events, in-memory
// test channels): as text to parse, or as a value already parsed.
import type { Message } from 'vscode-jsonrpc/node';
import { McpReader, type MessageExtra } from './channel.js';

export class PushReader extends McpReader {
  protected startListening(): void {}

  pushText(text: string, extra?: MessageExtra): void {
    this.deliverText(text, extra);
  }

  /** Classifies and delivers one parsed message (invalid ones are reported on onInvalid). */
  /** A message the front has already classified as valid JSON-RPC: delivered without classifying again. */
  pushMessage(msg: Message): void {
    this.deliverValue(msg, undefined, undefined, true);
  }

  pushValue(value: unknown, extra?: MessageExtra): void {
    this.deliverValue(value, extra);
  }

  /** The other side went away: whoever listens closes its end. */
  end(): void {
    this.closeOnce();
  }
}
