// A raw WebSocket MCP client (subprotocol "mcp", one JSON-RPC message per text frame).
import WebSocket from 'ws';
import { PATIENCE_MS, waitFor } from './wait.js';

export class WsClient {
  readonly messages: any[] = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data))));
  }

  /** Opens a socket; rejects with the HTTP status when the handshake is refused. */
  static connect(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<WsClient> {
    const socket = new WebSocket(url, options.protocols ?? ['mcp'], { headers: options.headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        const error = new Error(`handshake refused: HTTP ${res.statusCode}`);
        reject(Object.assign(error, { status: res.statusCode, headers: res.headers }));
        res.resume();
        socket.terminate();
      });
      socket.once('error', (e) => reject(e));
    });
  }

  send(msg: object): void {
    this.socket.send(JSON.stringify(msg));
  }

  async request(method: string, params?: Record<string, unknown>, timeoutMs = PATIENCE_MS): Promise<any> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return waitFor(() => this.messages.find((m) => m.id === id && !('method' in m)), `ws answer to ${method} #${id}`, timeoutMs);
  }

  async initialize(): Promise<any> {
    const clientInfo = { name: 'ws-test', version: '1.0.0' };
    const res = await this.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo });
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return res;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
      setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}
