// Legacy HTTP+SSE front (protocol 2024-11-05): GET /sse opens a session's stream and names the
// endpoint to POST to; POST /messages?sessionId= carries client messages (202, answers come on the stream).
import type { Message } from 'vscode-jsonrpc/node';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { classify, ErrorCode, idOf } from '../../protocol/jsonrpc.js';
import type { View } from '../discovery/view.js';
import type { Router } from '../router/router.js';
import type { ClientSession } from '../router/session.js';
import { channelOf, McpWriter } from '../transports/channel.js';
import { readJsonBody, rejectBody } from './body.js';
import { PushReader } from '../transports/push-reader.js';
import { sendEmpty, sendRpcError } from './respond.js';
import { SseStream } from './sse-stream.js';
import { adoptTraceHeaders } from '../observe/trace.js';
import type { BacklogBudget } from '../transports/backlog.js';

export const SSE_PATH = '/sse';
export const MESSAGES_PATH = '/messages';

class SseWriter extends McpWriter {
  constructor(private readonly stream: SseStream) {
    super();
    stream.onClose(() => this.fireClose());
  }

  sendText(text: string): void {
    this.stream.send(text, 'message');
  }

  end(): void {
    this.stream.end();
  }
}

interface LegacySession {
  reader: PushReader;
  client: ClientSession;
}

export interface LegacySseOptions {
  maxBodyBytes: number;
  heartbeatMs: number;
  /** Shared by every stream of the server: the total of unsent stream data. */
  outputBudget?: BacklogBudget;
}

export class LegacySseFront {
  private readonly sessions = new Map<string, LegacySession>();

  constructor(
    private readonly router: Router,
    private readonly options: LegacySseOptions,
  ) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** GET /sse, or /sse/NAME with its `view` */
  open(_req: IncomingMessage, res: ServerResponse, view?: View): void {
    const id = randomUUID();
    const stream = new SseStream(res, this.options.heartbeatMs, {}, this.options.outputBudget);
    const reader = new PushReader();
    const channel = channelOf(reader, new SseWriter(stream));
    stream.send(`${MESSAGES_PATH}?sessionId=${id}`, 'endpoint');
    const client = this.router.openSession(channel, id, view, 'sse');
    this.sessions.set(id, { reader, client });
    // The client hanging up is the only way a legacy session ends.
    stream.onClose(() => {
      this.sessions.delete(id);
      reader.end();
    });
  }

  /** POST /messages?sessionId= */
  async post(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const id = url.searchParams.get('sessionId');
    if (!id) return sendRpcError(res, 400, null, ErrorCode.InvalidRequest, 'Bad Request: sessionId query parameter is required');
    const session = this.sessions.get(id);
    if (!session) return sendRpcError(res, 404, null, ErrorCode.InvalidRequest, `Session not found: ${id}`);
    const body = await readJsonBody(req, this.options.maxBodyBytes);
    if (!body.ok) return rejectBody(res, body, true);
    const kind = classify(body.value);
    if (typeof kind !== 'string') {
      return sendRpcError(res, 400, idOf(body.value), ErrorCode.InvalidRequest, `Invalid Request: ${kind.invalid}`);
    }
    if (session.client.closed) return sendRpcError(res, 404, null, ErrorCode.InvalidRequest, `Session not found: ${id}`);
    sendEmpty(res, 202);
    adoptTraceHeaders(req.headers, body.value);
    session.reader.pushMessage(body.value as Message);
  }

  /** Server shutdown: every stream ends, every session closes. */
  close(reason: string): void {
    for (const { client } of [...this.sessions.values()]) this.router.closeSession(client, reason);
    this.sessions.clear();
  }
}
