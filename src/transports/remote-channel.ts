// The reader/writer pair shared by the HTTP-based backend transports. The wire code pushes
// received messages into the reader and gets every written message from the writer; the reader
// holds messages that arrive before anyone listens (a stream may start before the Backend reads).
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, type JsonRpcId } from '../../protocol/jsonrpc.js';
import { McpReader, McpWriter, type MessageChannel } from './channel.js';

export class RemoteReader extends McpReader {
  private early: Array<{ value: unknown; related: JsonRpcId | undefined }> | undefined = [];

  protected startListening(): void {
    const early = this.early ?? [];
    this.early = undefined;
    for (const { value, related } of early) this.deliverValue(value, related);
  }

  /** Parses one message text; returns the parsed value, or undefined (reported as invalid) if it is not JSON. */
  pushText(text: string, related?: JsonRpcId): unknown {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fireInvalid({ code: ErrorCode.ParseError, message: `Parse error: ${(e as Error).message}`, id: null });
      return undefined;
    }
    this.pushValue(value, related);
    return value;
  }

  pushValue(value: unknown, related?: JsonRpcId): void {
    if (this.early) this.early.push({ value, related });
    else this.deliverValue(value, related);
  }

  /** Answers one of our requests locally: the wire failed, and nothing may wait for an answer that cannot come. */
  pushError(id: JsonRpcId, code: number, message: string): void {
    this.pushValue(errorResponse(id, code, message));
  }

  reportInvalid(message: string): void {
    this.fireInvalid({ code: ErrorCode.InvalidRequest, message, id: null });
  }

  end(): void {
    this.closeOnce();
  }
}

/** Where written messages go: one wire (or, while auto-detecting, whichever wire won). */
export interface MessageSink {
  send(text: string, msg: Message | undefined): void;
}

export class RemoteWriter extends McpWriter {
  constructor(
    private readonly sink: MessageSink,
    private readonly onEnd: () => void,
  ) {
    super();
  }

  sendText(text: string, msg?: Message): void {
    this.sink.send(text, msg);
  }

  end(): void {
    this.onEnd();
  }
}

export function remoteChannel(reader: RemoteReader, sink: MessageSink, close: () => void): MessageChannel {
  const writer = new RemoteWriter(sink, close);
  return { reader, writer, close };
}

/** The parsed message a writer was given, or parsed from its text when the caller gave none. */
export function messageOf(text: string, msg: Message | undefined): Record<string, any> {
  return (msg ?? JSON.parse(text)) as Record<string, any>;
}

/** The id of a request (a message with method and id); undefined for notifications and responses. */
export function requestIdOf(msg: Record<string, any>): JsonRpcId | undefined {
  return typeof msg.method === 'string' && (typeof msg.id === 'string' || typeof msg.id === 'number') ? msg.id : undefined;
}
