// One JSON-RPC message per WebSocket text frame, on either end (our /ws front, ws:// backends).
// A peer that stops reading is cut once its unsent data passes the backlog bounds (backlog.ts):
// a client's session ends, a backend is reconnected.
import type { RawData, WebSocket } from 'ws';
import { ErrorCode } from '../../protocol/jsonrpc.js';
import { log } from '../log.js';
import { BacklogBudget } from './backlog.js';
import { channelOf, DEFAULT_MAX_MESSAGE_BYTES, McpReader, McpWriter, type MessageChannel } from './channel.js';

export const MCP_SUBPROTOCOL = 'mcp';

class WsReader extends McpReader {
  constructor(
    socket: WebSocket,
    private readonly maxMessageBytes: number,
  ) {
    super();
    // Listening from the start: a server may speak the moment the socket opens.
    // Binary frames are decoded as UTF-8 text too: some clients send JSON that way.
    socket.on('message', (data: RawData) => this.onFrame(data));
    socket.on('close', () => this.closeOnce());
    socket.on('error', (err) => this.fireError(err));
  }

  protected startListening(): void {}

  private onFrame(data: RawData): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buf.length > this.maxMessageBytes) {
      this.fireInvalid({ code: ErrorCode.InvalidRequest, message: `Invalid Request: message larger than ${this.maxMessageBytes} bytes`, id: null });
      return;
    }
    this.deliverText(buf.toString('utf8'));
  }
}

class WsWriter extends McpWriter {
  constructor(
    private readonly socket: WebSocket,
    private readonly budget: BacklogBudget,
  ) {
    super();
    const unregister = budget.register(() => socket.bufferedAmount);
    socket.on('close', () => {
      unregister();
      this.fireClose();
    });
  }

  sendText(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text, (err) => {
      if (err) this.fireError(err, undefined, ++this.errorCount);
    });
    if (this.budget.tooFarBehind(this.socket.bufferedAmount)) {
      log.warn(`cutting a WebSocket peer that reads too slowly (${this.socket.bufferedAmount} bytes unsent)`);
      this.socket.terminate();
    }
  }

  end(): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(1000);
  }
}

/** `budget`: shared with other peers (the /ws front), or the peer's own bound only. */
export function wsChannel(socket: WebSocket, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES, budget = new BacklogBudget()): MessageChannel {
  return channelOf(new WsReader(socket, maxMessageBytes), new WsWriter(socket, budget));
}
