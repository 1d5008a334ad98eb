// An in-memory channel pair for tests: each message crosses as JSON text, asynchronously,
// so the router sees exactly what a wire would give it.
import { channelOf, McpReader, McpWriter, type MessageChannel } from './channel.js';

class MemoryReader extends McpReader {
  protected startListening(): void {}
  receive(text: string): void {
    this.deliverText(text);
  }
  end(): void {
    this.closeOnce();
  }
}

class MemoryWriter extends McpWriter {
  private ended = false;
  constructor(private readonly peer: MemoryReader) {
    super();
  }
  /** Also used by tests to send raw text, e.g. a malformed line. */
  sendText(text: string): void {
    if (this.ended) return;
    queueMicrotask(() => this.peer.receive(text));
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => this.peer.end());
    this.fireClose();
  }
}

export interface MemoryChannel extends MessageChannel {
  readonly writer: MemoryWriter;
}

export function memoryChannelPair(): [MemoryChannel, MemoryChannel] {
  const readerA = new MemoryReader();
  const readerB = new MemoryReader();
  return [channelOf(readerA, new MemoryWriter(readerB)), channelOf(readerB, new MemoryWriter(readerA))];
}
