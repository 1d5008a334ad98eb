// --record FILE: every message crossing the proxy, appended to a JSONL transcript as it crosses.
// Only messages are written (never config, env or headers), each serialized at the moment it
// crosses, before the router rewrites ids or names in place. A received message the wire relates
// to a request (a Streamable HTTP backend's message on the stream of our POST) carries that
// request's id as `rel`: it decides which client session the message is for. Messages carry users'
// data, so the file is readable by its owner only (0600), an existing one included.
import { createWriteStream, fchmod, type WriteStream } from 'node:fs';
import { errorMessage, log } from '../log.js';
import { performance } from 'node:perf_hooks';
import type { Message } from 'vscode-jsonrpc/node';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import type { McpDataCallback, MessageChannel, MessageExtra, SendOptions } from '../transports/channel.js';

/**
 * Who sent a message to whom; `peer` is the session id (client) or server name (backend).
 * 'event' lines are not messages: the proxy's setup (first line) and connections that end.
 */
export type Direction = 'client>proxy' | 'proxy>client' | 'proxy>backend' | 'backend>proxy' | 'event';

/** What 'event' lines carry. */
export type TranscriptEvent =
  | { type: 'setup'; servers: { name: string; session: string; protocol?: string }[]; separator: string; namespace: boolean; pageSize?: number }
  | { type: 'backend-lost'; reason: string }
  | { type: 'session-closed' };

export interface TranscriptLine {
  /** Milliseconds since the recording started (monotonic). */
  t: number;
  dir: Direction;
  /** Client session id for client directions, server name for backend directions. */
  peer: string;
  msg: unknown;
  /** Received messages only: the id (ours, on that wire) of the request the wire relates it to. */
  rel?: JsonRpcId;
}

export interface Recorder {
  record(dir: Direction, peer: string, msg: unknown, rel?: JsonRpcId): void;
  close(): Promise<void>;
}

export class FileRecorder implements Recorder {
  private readonly out: WriteStream;
  private readonly start = performance.now();

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // mode applies to a file created now; one appended to keeps its mode unless we change it.
    this.out.once('open', (fd: number) => fchmod(fd, 0o600, (e) => e && log.warn(`--record ${path}: cannot make it private (chmod 600): ${errorMessage(e)}`)));
    this.out.on('error', (e) => log.error(`--record ${path}: ${errorMessage(e)}`));
  }

  record(dir: Direction, peer: string, msg: unknown, rel?: JsonRpcId): void {
    const t = Math.round((performance.now() - this.start) * 1000) / 1000;
    const line: TranscriptLine = rel === undefined ? { t, dir, peer, msg } : { t, dir, peer, msg, rel };
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch (e) {
      // Too deep to serialize: the line says so instead of failing the send it records.
      text = JSON.stringify({ ...line, msg: { unserializable: errorMessage(e) } });
    }
    this.out.write(`${text}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}

/**
 * Makes a channel report what it reads and writes. `inbound` is the direction of what the
 * reader delivers (e.g. client>proxy), `outbound` of what the writer sends.
 */
export function tapChannel(
  channel: MessageChannel,
  recorder: Recorder,
  peer: string,
  inbound: Direction,
  outbound: Direction,
): MessageChannel {
  const { reader, writer } = channel;
  const listen = reader.listen.bind(reader);
  reader.listen = (callback: McpDataCallback) =>
    listen((msg: Message, extra?: MessageExtra) => {
      recorder.record(inbound, peer, msg, extra?.relatedRequestId);
      callback(msg, extra);
    });
  const send = writer.send.bind(writer);
  writer.send = (msg: Message, options?: SendOptions) => {
    recorder.record(outbound, peer, msg);
    send(msg, options);
  };
  return channel;
}
