// A backend reached over WebSocket (ws:// or wss://), subprotocol "mcp", one message per frame.
import type { WebSocket } from 'ws';
import type { ServerSpec } from '../config/spec.js';
import { errorMessage, log } from '../log.js';
import { MCP_SUBPROTOCOL, wsChannel } from '../transports/ws.js';
import type { BackendConnection, ConnectOptions } from './connection.js';
import { redactUrl } from '../redact.js';

const CLOSE_GRACE_MS = 2000;

export async function connectWs(spec: ServerSpec, options: ConnectOptions): Promise<BackendConnection> {
  if (!spec.url) throw new Error('no url configured');
  const url = spec.url;
  // Loaded on first use: `ws` costs ~5 MB of RSS that a proxy without WebSocket servers need not pay.
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(url, MCP_SUBPROTOCOL, { headers: spec.headers, handshakeTimeout: options.timeoutMs });
  // Errors are reported by the handshake promise or, later, by the close that follows them.
  socket.on('error', (err) => log.debug(`server "${spec.name}": WebSocket: ${err.message}`));
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot open WebSocket ${redactUrl(url)}: ${errorMessage(err)}`));
    socket.once('error', onError);
    socket.once('open', () => {
      socket.off('error', onError);
      resolve(new WsConnection(socket, options.maxMessageBytes));
    });
  });
}

class WsConnection implements BackendConnection {
  readonly channel;
  readonly transport = 'ws';
  private lostCallback: ((reason: string) => void) | undefined;
  private lostReason: string | undefined;
  private closing = false;
  private readonly gone: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    maxMessageBytes?: number,
  ) {
    this.channel = wsChannel(socket, maxMessageBytes);
    this.gone = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        resolve();
        if (this.closing) return;
        this.lostReason = `WebSocket closed (code ${code}${reason.length ? `: ${reason.toString('utf8')}` : ''})`;
        this.lostCallback?.(this.lostReason);
      });
    });
  }

  onLost(callback: (reason: string) => void): void {
    this.lostCallback = callback;
    if (this.lostReason !== undefined) queueMicrotask(() => callback(this.lostReason!));
  }

  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.channel.close();
      const timer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
      await this.gone;
      clearTimeout(timer);
    }
    return this.gone;
  }
}
