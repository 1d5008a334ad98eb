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
  const { auth } = options;
  // A handshake refused for want of a token is tried again once a new one is there (see sendAuthorized).
  for (let attempt = 1; ; attempt++) {
    const used = await auth?.authorization();
    const headers = used === undefined ? spec.headers : { ...spec.headers, Authorization: used };
    const socket = new WebSocket(url, MCP_SUBPROTOCOL, { headers, handshakeTimeout: options.timeoutMs });
    // Errors are reported by the handshake promise or, later, by the close that follows them.
    socket.on('error', (err) => log.debug(`server "${spec.name}": WebSocket: ${err.message}`));
    const outcome = await handshake(socket, url);
    if (outcome.socket) {
      auth?.accepted(used);
      return new WsConnection(outcome.socket, options.maxMessageBytes);
    }
    const { status, challenge } = outcome;
    if (!auth || attempt >= 3 || !(await auth.refused(status, challenge, used))) {
      throw new Error(`cannot open WebSocket ${url}: HTTP ${status}${auth?.problem ? `: ${auth.problem}` : ''}`);
    }
  }
}

type Handshake = { socket: WebSocket; status?: undefined; challenge?: undefined } | { socket?: undefined; status: number; challenge: string | undefined };

/** The open socket, or the status of a handshake refused for want of a token (401, 403). */
function handshake(socket: WebSocket, url: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot open WebSocket ${redactUrl(url)}: ${errorMessage(err)}`));
    socket.once('error', onError);
    socket.once('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      const challenge = res.headers['www-authenticate'];
      res.resume();
      socket.off('error', onError);
      req.destroy();
      if (status === 401 || status === 403) resolve({ status, challenge });
      else reject(new Error(`cannot open WebSocket ${url}: Unexpected server response: ${status}`));
    });
    socket.once('open', () => {
      socket.off('error', onError);
      resolve({ socket });
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
