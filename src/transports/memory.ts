// An in-memory channel pair for tests: each message crosses as JSON text, asynchronously,
// so the router sees exactly what a wire would give it; the related request a sender names
// arrives beside it, as a Streamable HTTP stream would carry it.
import type { Message } from 'vscode-jsonrpc/node';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { channelOf, McpWriter, type MessageChannel } from './channel.js';
import { PushReader } from './push-reader.js';

class MemoryWriter extends McpWriter {
  private ended = false;
  constructor(private readonly peer: PushReader) {
    super();
  }
  /** Also used by tests to send raw text, e.g. a malformed line. */
  sendText(text: string, _msg?: Message, relatedRequestId?: JsonRpcId): void {
    if (this.ended) return;
    queueMicrotask(() => this.peer.pushText(text, relatedRequestId === undefined ? undefined : { relatedRequestId }));
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
  const readerA = new PushReader();
  const readerB = new PushReader();
  return [channelOf(readerA, new MemoryWriter(readerB)), channelOf(readerB, new MemoryWriter(readerA))];
}
