// What every wire format provides: a vscode-jsonrpc reader + writer pair, plus the two things
// MCP needs that LSP framing has no word for: invalid input to answer, and which request a
// message relates to when the wire tells (a Streamable HTTP POST's stream). That relation travels
// beside the message as a typed argument (as the MCP SDK's Transport does), never on the message.
import type { Disposable, Message, MessageReader, MessageWriter, PartialMessageInfo } from 'vscode-jsonrpc/node';
import { classify, ErrorCode, idOf, type JsonRpcId } from '../../protocol/jsonrpc.js';
import { fire, NO_DISPOSABLE, subscribe, type Listener, type Listeners } from './listeners.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Listeners get an Error, whatever was thrown. */
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** Input that was not a JSON-RPC message; `code` is the JSON-RPC error to answer with. */
export interface InvalidMessage {
  code: number;
  message: string;
  id: JsonRpcId | null;
}

/** What the wire said about a received message: the id of the request (ours, on that wire) it relates to. */
export interface MessageExtra {
  relatedRequestId?: JsonRpcId;
}

/** `text`: the message as received, when the wire gave it as text (a response can be passed on spliced). */
export type McpDataCallback = (msg: Message, extra?: MessageExtra, text?: string) => void;

/** How to send one message: the request (the peer's, on that wire) it relates to, and its text when already serialized. */
export interface SendOptions {
  relatedRequestId?: JsonRpcId;
  text?: string;
}

export interface MessageChannel {
  readonly reader: McpReader;
  readonly writer: McpWriter;
  /** Ends the writer and stops reading; idempotent. */
  close(): void;
}

/** Base reader: decodes one JSON text into a message or reports it as invalid. */
export abstract class McpReader implements MessageReader {
  protected callback: McpDataCallback | undefined;
  /** Messages that arrived before listen(): kept, not lost. */
  private early: [Message, MessageExtra | undefined, string | undefined][] | undefined;
  private errorListeners: Listeners<Error>;
  private closeListeners: Listeners<void>;
  private invalidListeners: Listeners<InvalidMessage>;
  private pausedListeners: Listeners<JsonRpcId>;
  private closed = false;
  private listening = false;

  onError(listener: Listener<Error>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
    return subscribe((this.errorListeners ??= []), listener, thisArgs, disposables);
  }

  onClose(listener: Listener<void>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
    return subscribe((this.closeListeners ??= []), listener, thisArgs, disposables);
  }

  /** Part of vscode-jsonrpc's MessageReader; no MCP wire reports partial messages. */
  onPartialMessage(_listener: Listener<PartialMessageInfo>): Disposable {
    return NO_DISPOSABLE;
  }

  onInvalid(listener: Listener<InvalidMessage>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
    return subscribe((this.invalidListeners ??= []), listener, thisArgs, disposables);
  }

  /** The peer closed the stream of one of our requests on purpose and will resume it (Streamable HTTP polling). */
  onStreamPaused(listener: Listener<JsonRpcId>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
    return subscribe((this.pausedListeners ??= []), listener, thisArgs, disposables);
  }

  protected fireStreamPaused(id: JsonRpcId): void {
    fire(this.pausedListeners, id);
  }

  protected fireError(error: unknown): void {
    fire(this.errorListeners, asError(error));
  }

  protected fireClose(): void {
    fire(this.closeListeners, undefined);
  }

  /** Forgets every listener. */
  dispose(): void {
    this.errorListeners = this.closeListeners = this.invalidListeners = this.pausedListeners = undefined;
  }

  listen(callback: McpDataCallback): Disposable {
    this.callback = callback;
    const early = this.early;
    this.early = undefined;
    for (const [msg, extra, text] of early ?? []) this.dispatch(msg, extra, text);
    // A second listen (a front handing the channel on) replaces the listener, not the source.
    if (!this.listening) {
      this.listening = true;
      this.startListening();
    }
    return { dispose: () => (this.callback = undefined) };
  }

  protected abstract startListening(): void;

  protected fireInvalid(invalid: InvalidMessage): void {
    fire(this.invalidListeners, invalid);
  }

  /** Fire close once, whatever mix of end/close/error events the source emits. */
  protected closeOnce(): void {
    if (this.closed) return;
    this.closed = true;
    this.fireClose();
  }

  /** Parses and classifies one message text; delivers it or reports why it is invalid. */
  protected deliverText(text: string, extra?: MessageExtra): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fireInvalid({ code: ErrorCode.ParseError, message: `Parse error: ${(e as Error).message}`, id: null });
      return;
    }
    this.deliverValue(value, extra, text);
  }

  protected deliverValue(value: unknown, extra?: MessageExtra, text?: string, classified = false): void {
    const kind = classified ? 'request' : classify(value);
    if (typeof kind !== 'string') {
      this.fireInvalid({ code: ErrorCode.InvalidRequest, message: `Invalid Request: ${kind.invalid}`, id: idOf(value) });
      return;
    }
    if (this.callback) this.dispatch(value as Message, extra, text);
    else (this.early ??= []).push([value as Message, extra, text]);
  }

  /** Hands a message already delivered once to the current listener (a front that looked at it first). */
  redeliver(msg: Message, extra?: MessageExtra): void {
    this.dispatch(msg, extra);
  }

  /** One listener exception must not lose the rest of a chunk's messages: report it, go on. */
  private dispatch(msg: Message, extra: MessageExtra | undefined, text?: string): void {
    try {
      this.callback!(msg, extra, text);
    } catch (e) {
      this.fireError(e);
    }
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
 */
export abstract class McpWriter implements MessageWriter {
  protected errorCount = 0;
  private errorListeners: Listeners<[Error, Message | undefined, number | undefined]>;
  private closeListeners: Listeners<void>;

  onError(listener: Listener<[Error, Message | undefined, number | undefined]>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
    return subscribe((this.errorListeners ??= []), listener, thisArgs, disposables);
  }

  onClose(listener: Listener<void>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
    return subscribe((this.closeListeners ??= []), listener, thisArgs, disposables);
  }

  protected fireError(error: unknown, message?: Message, count?: number): void {
    fire(this.errorListeners, [asError(error), message, count]);
  }

  protected fireClose(): void {
    fire(this.closeListeners, undefined);
  }

  /** Forgets every listener. */
  dispose(): void {
    this.errorListeners = this.closeListeners = undefined;
  }

  send(msg: Message, options?: SendOptions): void {
    this.sendText(options?.text ?? JSON.stringify(msg), msg, options?.relatedRequestId);
  }

  /** Sends one serialized message; `msg` is the parsed form, for transports that route by it. */
  abstract sendText(text: string, msg?: Message, relatedRequestId?: JsonRpcId): void;

  /**
   * The backend paused the stream of the request the peer knows as `relatedRequestId`: a
   * transport with per-request streams (Streamable HTTP) pauses that one too. Others ignore it.
   */
  pause(_relatedRequestId: JsonRpcId): void {}

  /**
   * Takes back a request this writer still holds unsent (its deadline passed, it was cancelled):
   * true means the peer will never see it. Writers that hand every message on at once hold nothing.
   */
  unsend(_id: JsonRpcId): boolean {
    return false;
  }

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

