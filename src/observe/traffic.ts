// Bytes in and out per front, as counted by the sockets themselves (HTTP framing included).
// A kept-alive connection may serve several routes one after another: its bytes go to the front
// of the request it is serving, and are settled whenever it switches to another front, closes,
// or a scrape happens. Connections serving no front (the admin API, the status page) count nowhere.
import type { Socket } from 'node:net';
import { MESSAGES_PATH, SSE_PATH } from '../http/sse-front.js';
import { MCP_PATH } from '../http/streamable-front.js';
import { WS_PATH } from '../http/ws-front.js';
import { Counter, type MetricsRegistry } from './metrics.js';

/** The front each MCP path (and its views below it) belongs to; other paths are no front. */
const FRONT_OF_PATH = new Map([
  [SSE_PATH, 'sse'],
  [MESSAGES_PATH, 'sse'],
  [MCP_PATH, 'streamable-http'],
  [WS_PATH, 'ws'],
]);
export const HTTP_FRONTS = ['sse', 'streamable-http', 'ws'];

interface Tracked {
  front: string | undefined;
  /** socket.bytesRead / bytesWritten already counted. */
  read: number;
  written: number;
}

interface ByteCounts {
  readonly bytesRead?: number;
  readonly bytesWritten?: number;
}

export class FrontTraffic {
  private readonly received: Counter;
  private readonly sent: Counter;
  private readonly sockets = new Map<Socket, Tracked>();
  private stdio: { input: ByteCounts; output: ByteCounts } | undefined;

  constructor(registry: MetricsRegistry) {
    this.received = registry.add(new Counter('multi_mcp_front_received_bytes_total', 'Bytes received from clients, by front (HTTP framing included)', ['front']));
    this.sent = registry.add(new Counter('multi_mcp_front_sent_bytes_total', 'Bytes sent to clients, by front (HTTP framing included)', ['front']));
    registry.onCollect(() => this.settleAll());
  }

  /** Connections tracked now (tests: empty once every connection has closed). */
  get size(): number {
    return this.sockets.size;
  }

  declareFronts(fronts: readonly string[]): void {
    for (const front of fronts) {
      this.received.labels(front);
      this.sent.labels(front);
    }
  }

  /** stdio mode: the byte counts of our stdin and stdout (pipes and TTYs have them; a file may not). */
  useStdio(input: ByteCounts, output: ByteCounts): void {
    this.stdio = { input, output };
  }

  /** A request (or WebSocket upgrade) for `pathname` arrived on `socket`. */
  note(socket: Socket, pathname: string): void {
    // By the first segment: /mcp/NAME (a view) is the Streamable HTTP front too.
    const second = pathname.indexOf('/', 1);
    const front = FRONT_OF_PATH.get(second < 0 ? pathname : pathname.slice(0, second));
    const tracked = this.sockets.get(socket);
    if (tracked) {
      if (tracked.front === front) return;
      this.settle(socket, tracked);
      tracked.front = front;
      return;
    }
    const fresh: Tracked = { front, read: 0, written: 0 };
    this.sockets.set(socket, fresh);
    socket.once('close', () => {
      this.settle(socket, fresh);
      this.sockets.delete(socket);
    });
  }

  private settle(socket: Socket, tracked: Tracked): void {
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    if (tracked.front !== undefined) {
      this.received.labels(tracked.front).value += read - tracked.read;
      this.sent.labels(tracked.front).value += written - tracked.written;
    }
    tracked.read = read;
    tracked.written = written;
  }

  private settleAll(): void {
    for (const [socket, tracked] of this.sockets) this.settle(socket, tracked);
    if (this.stdio) {
      const { input, output } = this.stdio;
      if (typeof input.bytesRead === 'number') this.received.labels('stdio').value = input.bytesRead;
      if (typeof output.bytesWritten === 'number') this.sent.labels('stdio').value = output.bytesWritten;
    }
  }
}
