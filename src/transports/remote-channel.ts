// The reader/writer pair shared by the HTTP-based backend transports. The wire code pushes
// received messages into the reader and gets every written message from the writer (messages
// that arrive before anyone listens are held by McpReader).
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, type JsonRpcId } from '../../protocol/jsonrpc.js';
import { McpWriter, type MessageChannel } from './channel.js';
import { PushReader } from './push-reader.js';

export class RemoteReader extends PushReader {
  /** Answers one of our requests locally: the wire failed, and nothing may wait for an answer that cannot come. */
  pushError(id: JsonRpcId, code: number, message: string): void {
    this.pushValue(errorResponse(id, code, message));
  }

  /** Answers the request inside a written message, if it is one, locally with an error. */
  failWritten(text: string, msg: Message | undefined, code: number, message: string): void {
    const id = requestIdOf(messageOf(text, msg));
    if (id !== undefined) this.pushError(id, code, message);
  }

  /** The server closed the stream of our request `id` on purpose; it will be resumed (SEP-1699 polling). */
  paused(id: JsonRpcId): void {
    this.fireStreamPaused(id);
  }

  reportInvalid(message: string): void {
    this.fireInvalid({ code: ErrorCode.InvalidRequest, message, id: null });
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

/**
 * What a sink's send starts with: the message (parsed from its text when the caller gave none) and
 * its request id. When the wire cannot send, a request is answered "connection closed" at once, so
 * nothing waits for it, and the result is undefined.
 */
export function outgoing(text: string, given: Message | undefined, reader: RemoteReader, canSend: boolean): { msg: Record<string, any>; id: JsonRpcId | undefined } | undefined {
  const msg = messageOf(text, given);
  const id = requestIdOf(msg);
  if (canSend) return { msg, id };
  if (id !== undefined) reader.pushError(id, ErrorCode.ConnectionClosed, 'connection closed');
  return undefined;
}

/** The parsed message a writer was given, or parsed from its text when the caller gave none. */
function messageOf(text: string, msg: Message | undefined): Record<string, any> {
  return (msg ?? JSON.parse(text)) as Record<string, any>;
}

/** The id of a request (a message with method and id); undefined for notifications and responses. */
function requestIdOf(msg: Record<string, any>): JsonRpcId | undefined {
  return typeof msg.method === 'string' && (typeof msg.id === 'string' || typeof msg.id === 'number') ? msg.id : undefined;
}
