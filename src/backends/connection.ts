// What a backend transport hands to the Backend: a message channel and a way to end it.
// One implementation per way of reaching a server (child process, SSE, Streamable HTTP, WebSocket).
import type { ServerSpec } from '../config/spec.js';
import type { MessageChannel } from '../transports/channel.js';

export interface BackendConnection {
  readonly channel: MessageChannel;
  /** The wire actually used: stdio, sse, http or ws. */
  readonly transport: string;
  readonly pid?: number;
  /** Called once when the connection is lost for any reason other than close(). */
  onLost(callback: (reason: string) => void): void;
  /** Ends the connection; for a process: stdin close, then SIGTERM, then SIGKILL. Resolves when gone. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Deadline for the connection itself (not the MCP handshake). */
  timeoutMs: number;
  maxMessageBytes?: number;
}

export type Connector = (spec: ServerSpec, options: ConnectOptions) => Promise<BackendConnection>;
