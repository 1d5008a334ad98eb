// WebSocket front: /ws with subprotocol "mcp", one JSON-RPC message per text frame. The HTTP
// server checks Origin and auth on the upgrade request before handing it here.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { errorMessage, log } from '../log.js';
import type { View } from '../discovery/view.js';
import type { Router } from '../router/router.js';
import type { ClientSession } from '../router/session.js';
import type { BacklogBudget } from '../transports/backlog.js';
import { MCP_SUBPROTOCOL, wsChannel } from '../transports/ws.js';

export const WS_PATH = '/ws';

export interface WsOptions {
  maxMessageBytes: number;
  /** Ping interval; a client that did not answer the previous ping is dropped. */
  heartbeatMs: number;
  /** Shared by every stream of the server: the total of unsent data. */
  outputBudget?: BacklogBudget;
}

/** Refuses an upgrade with a plain HTTP answer (the socket has not become a WebSocket). */
export function rejectUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: message });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.on('error', () => {}); // a client gone mid-answer is not our problem
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export class WsFront {
  /**
   * Created on the first upgrade: loading `ws` costs ~5 MB of RSS, which a proxy with no WebSocket
   * clients need not pay.
   */
  private wss: Promise<WebSocketServer> | undefined;
  private closed = false;
  private readonly clients = new Map<WebSocket, { client: ClientSession; alive: boolean }>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly router: Router,
    private readonly options: WsOptions,
  ) {
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  get sessionCount(): number {
    return this.clients.size;
  }

  /** `view`: the view of /ws/NAME; undefined for /ws. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, view?: View): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(MCP_SUBPROTOCOL)) {
      return rejectUpgrade(socket, 400, `the WebSocket subprotocol must be "${MCP_SUBPROTOCOL}"`);
    }
    this.server().then(
      (wss) => {
        if (this.closed) return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, view));
      },
      (e) => {
        log.error(`WebSocket upgrade: ${errorMessage(e)}`);
        socket.destroy();
      },
    );
  }

  private server(): Promise<WebSocketServer> {
    this.wss ??= import('ws').then(
      ({ WebSocketServer }) =>
        new WebSocketServer({
          noServer: true,
          maxPayload: this.options.maxMessageBytes,
          handleProtocols: (offered) => (offered.has(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : false),
        }),
    );
    return this.wss;
  }

  private connected(ws: WebSocket, view: View | undefined): void {
    const channel = wsChannel(ws, this.options.maxMessageBytes, this.options.outputBudget);
    const client = this.router.openSession(channel, undefined, view, 'ws');
    const entry = { client, alive: true };
    this.clients.set(ws, entry);
    ws.on('pong', () => (entry.alive = true));
    ws.on('close', () => this.clients.delete(ws));
  }

  private ping(): void {
    for (const [ws, entry] of this.clients) {
      if (!entry.alive) {
        ws.terminate(); // its close event closes the session
        continue;
      }
      entry.alive = false;
      ws.ping();
    }
  }

  /** Server shutdown: every session closes, which closes its socket (1000). */
  close(reason: string): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const { client } of [...this.clients.values()]) this.router.closeSession(client, reason);
    this.clients.clear();
    void this.wss?.then((wss) => wss.close());
  }

  /** Cuts sockets whose closing handshake has not finished. */
  terminateAll(): void {
    void this.wss?.then((wss) => {
      for (const socket of wss.clients) socket.terminate();
    });
  }
}
