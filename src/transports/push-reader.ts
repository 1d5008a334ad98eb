// A reader whose wire code hands it each received message (HTTP bodies, SSE events, in-memory
// test channels): as text to parse, or as a value already parsed.
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { McpReader } from './channel.js';

export class PushReader extends McpReader {
  protected startListening(): void {}

  pushText(text: string, related?: JsonRpcId): void {
    this.deliverText(text, related);
  }

  /** Classifies and delivers one parsed message (invalid ones are reported on onInvalid). */
  pushValue(value: unknown, related?: JsonRpcId): void {
    this.deliverValue(value, related);
  }

  /** The other side went away: whoever listens closes its end. */
  end(): void {
    this.closeOnce();
  }
}
