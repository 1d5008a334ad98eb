// Connectors for servers reached over HTTP: legacy SSE, Streamable HTTP, and "auto-http", which
// tries Streamable HTTP and falls back to legacy SSE (the spec's backwards-compatibility procedure).
// Streamable HTTP of either protocol era: see byEra.
//
// Auto-detection happens on the Backend's own initialize, not on a probe: the first POST carries
// the real initialize; if it answers 400/404/405 the same message is sent over a legacy SSE
// session opened on the same URL. So a server that accepts initialize gets it exactly once, and
// one that rejects it has not started a session. `transport` reads 'auto-http' until decided.
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode } from '../../protocol/jsonrpc.js';
import type { ServerSpec } from '../config/spec.js';
import { errorMessage, log } from '../log.js';
import type { MessageChannel } from '../transports/channel.js';
import { HttpSession } from '../transports/http-client.js';
import { remoteChannel, RemoteReader, type MessageSink } from '../transports/remote-channel.js';
import { SseSession, type RemoteOptions } from '../transports/sse-client.js';
import { ModernHttpWire } from '../transports/modern-http-client.js';
import type { BackendConnection, ConnectOptions } from './connection.js';
import { redactUrl } from '../redact.js';
import { eraOf } from './era.js';
import type { EraAware } from './era-connection.js';

type Wire = MessageSink & { onLost(cb: (reason: string) => void): void; close(): void | Promise<void> };

/** One remote backend: a reader the Backend listens to, and the wire currently carrying its messages. */
class RemoteConnection implements BackendConnection, EraAware {
  readonly channel: MessageChannel;
  readonly reader = new RemoteReader();
  private wire: Wire | undefined;
  /** Messages written while auto-detection switches wires. */
  private held: Array<[string, Message | undefined]> | undefined;
  private lostCallback: ((reason: string) => void) | undefined;
  private lostReason: string | undefined;
  private closing: Promise<void> | undefined;
  useEra?: (modern: boolean) => void;

  constructor(public transport: string) {
    this.channel = remoteChannel(this.reader, { send: (text, msg) => this.send(text, msg) }, () => void this.close());
  }

  use(wire: Wire): void {
    this.wire = wire;
    wire.onLost((reason) => {
      if (this.wire === wire) this.lost(reason);
    });
  }

  private send(text: string, msg: Message | undefined): void {
    if (this.held) this.held.push([text, msg]);
    else if (this.wire && !this.closing) this.wire.send(text, msg);
    else this.reader.failWritten(text, msg, ErrorCode.ConnectionClosed, 'connection closed');
  }

  /** Holds writes while auto-detection switches wires; releaseWrites sends them on, or answers them with `why`. */
  holdWrites(): void {
    this.held ??= [];
  }

  releaseWrites(why?: string): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const [text, msg] of held) {
      if (why === undefined) this.send(text, msg);
      else this.reader.failWritten(text, msg, ErrorCode.InternalError, why);
    }
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  onLost(callback: (reason: string) => void): void {
    this.lostCallback = callback;
    if (this.lostReason !== undefined) queueMicrotask(() => callback(this.lostReason!));
  }

  private lost(reason: string): void {
    if (this.closing || this.lostReason !== undefined) return;
    this.lostReason = reason;
    this.reader.end();
    this.lostCallback?.(reason);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.releaseWrites('connection closed');
      await this.wire?.close();
      this.reader.end();
    })();
    return this.closing;
  }
}

function remoteOptions(spec: ServerSpec, options: ConnectOptions): RemoteOptions {
  if (!spec.url) throw new Error('no url configured');
  const { timeoutMs, maxMessageBytes, auth } = options;
  return { name: spec.name, url: new URL(spec.url), headers: spec.headers, timeoutMs, maxMessageBytes, ...(auth ? { auth } : {}) };
}

export async function connectSse(spec: ServerSpec, options: ConnectOptions): Promise<BackendConnection> {
  const connection = new RemoteConnection('sse');
  connection.use(await SseSession.open(remoteOptions(spec, options), connection.reader));
  return connection;
}

export async function connectHttp(spec: ServerSpec, options: ConnectOptions): Promise<BackendConnection> {
  return byEra(spec, options, 'http', (connection) => connection.use(new HttpSession(remoteOptions(spec, options), connection.reader)));
}

export async function connectAutoHttp(spec: ServerSpec, options: ConnectOptions): Promise<BackendConnection> {
  return byEra(spec, options, 'auto-http', (connection) => useAutoHttp(connection, spec, remoteOptions(spec, options)));
}

/**
 * One URL may serve both protocol eras. Unless the server is known to speak 2025 only, the
 * connection starts on the stateless 2026-07-28 wire (the Backend's probe goes out on it); when
 * the probe says 2025, `legacy` puts the session-based wire in its place.
 */
function byEra(spec: ServerSpec, options: ConnectOptions, transport: string, legacy: (connection: RemoteConnection) => void): RemoteConnection {
  const connection = new RemoteConnection(transport);
  if (eraOf(spec) === 'legacy') {
    legacy(connection);
    return connection;
  }
  const modern = new ModernHttpWire({ ...remoteOptions(spec, options), inputSchemaOf: options.inputSchemaOf }, connection.reader);
  connection.use(modern);
  connection.useEra = (isModern) => {
    if (isModern) return void (connection.transport = 'http');
    modern.close();
    legacy(connection);
  };
  return connection;
}

/** Streamable HTTP, falling back to legacy SSE when the initialize POST says it is not such an endpoint. */
function useAutoHttp(connection: RemoteConnection, spec: ServerSpec, base: RemoteOptions): void {
  const http = new HttpSession(
    {
      ...base,
      onConfirmed: () => {
        connection.transport = 'http';
        log.info(`server "${spec.name}": ${redactUrl(base.url)} speaks Streamable HTTP (auto-detected)`);
      },
      onFallback: (text, msg, status) => {
        log.info(`server "${spec.name}": ${redactUrl(base.url)} answered ${status} to the Streamable HTTP initialize; trying legacy SSE`);
        connection.holdWrites();
        void http.close();
        SseSession.open(base, connection.reader).then(
          (sse) => {
            if (connection.closed) return sse.close();
            connection.transport = 'sse';
            connection.use(sse);
            log.info(`server "${spec.name}": ${redactUrl(base.url)} speaks legacy SSE (auto-detected)`);
            sse.send(text, msg);
            connection.releaseWrites();
          },
          (e) => {
            const why =
              `${redactUrl(base.url)} is neither a Streamable HTTP endpoint (initialize answered ${status}) ` +
              `nor a legacy SSE one (${errorMessage(e)})`;
            connection.reader.failWritten(text, msg, ErrorCode.InternalError, why);
            connection.releaseWrites(why);
          },
        );
      },
    },
    connection.reader,
  );
  connection.use(http);
}
