// What every wire format provides: a vscode-jsonrpc reader + writer pair, plus the two things
// MCP needs that LSP framing has no word for: invalid input to answer, and a "related request"
// hint (which request a server→client message belongs to, when the wire tells us).
import { AbstractMessageReader, AbstractMessageWriter, Emitter, type DataCallback, type Disposable, type Event, type Message, type MessageReader, type MessageWriter } from 'vscode-jsonrpc/node';
import { classify, ErrorCode, idOf, type JsonRpcId } from '../../protocol/jsonrpc.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Input that was not a JSON-RPC message; `code` is the JSON-RPC error to answer with. */
export interface InvalidMessage {
  code: number;
  message: string;
  id: JsonRpcId | null;
}

/** Set by a transport on a received message when the wire says which of our requests it relates to. */
export const RELATED_ID: unique symbol = Symbol('relatedRequestId');
export type Related = { [RELATED_ID]?: JsonRpcId };

export interface MessageChannel {
  readonly reader: McpReader;
  readonly writer: McpWriter;
  /** Ends the writer and stops reading; idempotent. */
  close(): void;
}

/** Base reader: decodes one JSON text into a message or reports it as invalid. */
export abstract class McpReader extends AbstractMessageReader implements MessageReader {
  protected callback: DataCallback | undefined;
  /** Messages that arrived before listen(): kept, not lost. */
  private early: Message[] = [];
  private readonly invalidEmitter = new Emitter<InvalidMessage>();
  private closed = false;

  get onInvalid(): Event<InvalidMessage> {
    return this.invalidEmitter.event;
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const early = this.early;
    this.early = [];
    for (const msg of early) callback(msg);
    this.startListening();
    return { dispose: () => (this.callback = undefined) };
  }

  protected abstract startListening(): void;

  protected fireInvalid(invalid: InvalidMessage): void {
    this.invalidEmitter.fire(invalid);
  }

  /** Fire close once, whatever mix of end/close/error events the source emits. */
  protected closeOnce(): void {
    if (this.closed) return;
    this.closed = true;
    this.fireClose();
  }

  /** Parses and classifies one message text; delivers it or reports why it is invalid. */
  protected deliverText(text: string, related?: JsonRpcId): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fireInvalid({ code: ErrorCode.ParseError, message: `Parse error: ${(e as Error).message}`, id: null });
      return;
    }
    this.deliverValue(value, related);
  }

  protected deliverValue(value: unknown, related?: JsonRpcId): void {
    const kind = classify(value);
    if (typeof kind !== 'string') {
      this.fireInvalid({ code: ErrorCode.InvalidRequest, message: `Invalid Request: ${kind.invalid}`, id: idOf(value) });
      return;
    }
    if (related !== undefined) (value as Related)[RELATED_ID] = related;
    if (this.callback) this.callback(value as Message);
    else this.early.push(value as Message);
  }
}

/** Pairs a reader and a writer; closing ends the writer and stops reading. */
export function channelOf<R extends McpReader, W extends McpWriter>(reader: R, writer: W): MessageChannel & { reader: R; writer: W } {
  return {
    reader,
    writer,
    close() {
      writer.end();
      reader.dispose();
    },
  };
}

/**
 * Base writer. `send` is the synchronous path the router uses (it throws when a message cannot be
 * serialized, so the caller can answer with an error); `write` is vscode-jsonrpc's promise API.
 * A message may carry RELATED_ID: JSON.stringify skips symbol keys, but a transport that routes by
 * request (Streamable HTTP) can read it.
 */
export abstract class McpWriter extends AbstractMessageWriter implements MessageWriter {
  protected errorCount = 0;

  /** `text`: the message already serialized (a cached list answer), so it is not serialized again. */
  send(msg: Message, text = JSON.stringify(msg)): void {
    this.sendText(text, msg);
  }

  /** Sends one serialized message; `msg` is the parsed form, for transports that route by it. */
  abstract sendText(text: string, msg?: Message): void;
  abstract end(): void;

  write(msg: Message): Promise<void> {
    try {
      this.send(msg);
      return Promise.resolve();
    } catch (e) {
      this.fireError(e, msg, ++this.errorCount);
      return Promise.reject(e);
    }
  }
}

