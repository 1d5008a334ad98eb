// What a backend transport hands to the Backend: a message channel and a way to end it.
// One implementation per way of reaching a server (child process, SSE, Streamable HTTP, WebSocket).
import type { ListKind } from '../../protocol/mcp.js';
import type { ServerSpec } from '../config/spec.js';
import type { RemoteAuth } from '../oauth/remote-auth.js';
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
  /** Remote servers that may want a token: their sign-in state. */
  auth?: RemoteAuth;
  /** The backend's own definition of a tool by name (2026-07-28 HTTP: its schema names Mcp-Param-* headers). */
  inputSchemaOf?: (tool: string) => unknown;
}

export type Connector = (spec: ServerSpec, options: ConnectOptions) => Promise<BackendConnection>;

/**
 * The side that carries every message of a backend's connections: the router's exchange. A
 * Backend only supervises (connect, handshake, catalog, restart) and announces its connections;
 * every correlation (ids, progress tokens, requests to clients) lives with the host.
 */
export interface BackendHost<B = unknown> {
  /** A new connection, not initialized yet: the host reads it from now on. */
  attach(backend: B, connection: BackendConnection): void;
  /** The connection is over (lost, closed, replaced): what belonged to it fails or is dropped now. */
  detach(backend: B, connection: BackendConnection, reason: string): void;
  /** The proxy's own request (initialize, lists, setLevel) on that connection. */
  request(connection: BackendConnection, method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<any>;
  /** The backend became ready on its current connection (after a start or restart). */
  ready(backend: B): void;
  /** State, catalog or capabilities changed; `kinds`: which lists (empty: state only). */
  changed(backend: B, kinds: ListKind[]): void;
  /** The resources clients subscribed to, per backend (a 2026 backend's listen names them). */
  readonly subscriptions?: { uris(backend: B): string[] };
}
