// A reader fed by the HTTP fronts: each POST body is handed in as an already-parsed value.
import { McpReader } from '../transports/channel.js';

export class PushReader extends McpReader {
  protected startListening(): void {}

  /** Classifies and delivers one parsed message (invalid ones are reported on onInvalid). */
  receive(value: unknown): void {
    this.deliverValue(value);
  }

  /** The client side went away: the router closes the session. */
  end(): void {
    this.closeOnce();
  }
}
