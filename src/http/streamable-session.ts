// One Streamable HTTP session: the channel the router writes to, and where each message goes.
// A response goes to the POST waiting for its id; a message related to an open POST's request
// (progress, a server→client request) turns that POST into an SSE stream; everything else goes
// to the GET stream, numbered and kept in a bounded log for Last-Event-ID resumption.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, isValidId, type JsonRpcId, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { ClientSession } from '../router/session.js';
import { channelOf, McpWriter, type MessageChannel } from '../transports/channel.js';
import type { Accepts } from './accept.js';
import { EventLog } from './event-log.js';
import { PushReader } from '../transports/push-reader.js';
import { SseStream } from './sse-stream.js';

export interface StreamableSessionOptions {
  heartbeatMs: number;
  maxQueuedEvents: number;
  maxQueuedBytes: number;
}

interface PendingPost {
  res: ServerResponse;
  accepts: Accepts;
  headers: OutgoingHttpHeaders;
  stream?: SseStream;
  onAnswer?: (answer: JsonRpcResponse | undefined) => void;
}

class StreamableWriter extends McpWriter {
  constructor(private readonly session: StreamableSession) {
    super();
  }

  sendText(text: string, msg?: Message, relatedRequestId?: JsonRpcId): void {
    this.session.route(text, msg, relatedRequestId);
  }

  end(): void {
    this.session.end();
    this.fireClose();
  }
}

export class StreamableSession {
  readonly reader = new PushReader();
  readonly channel: MessageChannel;
  client!: ClientSession;
  lastActivity = Date.now();
  private readonly posts = new Map<JsonRpcId, PendingPost>();
  private getStream: SseStream | undefined;
  private readonly events: EventLog;
  /** Highest event id written to a GET stream; later ones are sent when one opens. */
  private delivered = 0;
  private ended = false;

  constructor(
    readonly id: string,
    private readonly options: StreamableSessionOptions,
    private readonly onEnded: () => void,
  ) {
    this.events = new EventLog(options.maxQueuedEvents, options.maxQueuedBytes);
    this.channel = channelOf(this.reader, new StreamableWriter(this));
  }

  /** No connection of this session is open. */
  get idle(): boolean {
    return this.getStream === undefined && this.posts.size === 0;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  hasPost(id: JsonRpcId): boolean {
    return this.posts.has(id);
  }

  /** Registers a POSTed request; its answer (and related messages) will go to `res`. */
  addPost(
    id: JsonRpcId,
    res: ServerResponse,
    accepts: Accepts,
    headers: OutgoingHttpHeaders = {},
    onAnswer?: PendingPost['onAnswer'],
  ): void {
    const post: PendingPost = { res, accepts, headers, onAnswer };
    this.posts.set(id, post);
    // A POST the client dropped is forgotten: a late answer then goes to the GET stream.
    res.on('close', () => {
      if (this.posts.get(id) === post) this.posts.delete(id);
      this.touch();
    });
  }

  /** Ends the POST of a request the client cancelled: an open stream just ends; otherwise 202, no body. */
  dropPost(id: unknown): void {
    const post = isValidId(id) ? this.posts.get(id) : undefined;
    if (!post) return;
    this.posts.delete(id as JsonRpcId);
    if (post.stream) post.stream.end();
    else if (!post.res.headersSent) post.res.writeHead(202, post.headers).end();
  }

  /** `related`: the client request (this session's id) the message belongs to, if any. */
  route(text: string, msg: Message | undefined, related: JsonRpcId | undefined): void {
    const m = msg as (Partial<JsonRpcResponse> & { method?: string }) | undefined;
    if (m && m.method === undefined && m.id !== undefined && m.id !== null) {
      const post = this.posts.get(m.id);
      if (post) return this.answer(m.id, post, text, m as JsonRpcResponse);
    }
    if (related !== undefined) {
      const post = this.posts.get(related);
      if (post?.accepts.sse) return this.streamOf(post).send(text, 'message');
    }
    this.toGetStream(text);
  }

  private answer(id: JsonRpcId, post: PendingPost, text: string, msg: JsonRpcResponse | undefined): void {
    this.posts.delete(id);
    // SSE when the client takes nothing else or asks for it first; JSON otherwise (smaller, simpler).
    if (!post.stream && (!post.accepts.json || post.accepts.prefersSse)) this.streamOf(post);
    if (post.stream) {
      post.stream.send(text, 'message');
      post.stream.end();
    } else if (!post.res.destroyed && !post.res.headersSent) {
      post.res.writeHead(200, { ...post.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      post.res.end(text);
    }
    post.onAnswer?.(msg);
  }

  private streamOf(post: PendingPost): SseStream {
    post.stream ??= new SseStream(post.res, this.options.heartbeatMs, post.headers);
    return post.stream;
  }

  private toGetStream(text: string): void {
    const event = this.events.append(text);
    const stream = this.getStream;
    if (!stream || stream.closed) return;
    stream.send(text, 'message', event.id);
    this.delivered = event.id;
  }

  /**
   * GET: opens (or replaces) the server→client stream. With a valid Last-Event-ID, replays the
   * logged events after it; otherwise sends those no stream has had yet.
   */
  openGetStream(res: ServerResponse, lastEventId: string | undefined): void {
    const stream = new SseStream(res, this.options.heartbeatMs);
    const previous = this.getStream;
    this.getStream = stream;
    previous?.end();
    stream.onClose(() => {
      if (this.getStream === stream) this.getStream = undefined;
      this.touch();
    });
    const backlog = this.events.after(this.events.parseId(lastEventId) ?? this.delivered);
    for (const event of backlog) stream.send(event.text, 'message', event.id);
    this.delivered = this.events.lastEventId;
    // An id-only event gives the client a Last-Event-ID to resume from.
    if (backlog.length === 0) stream.send('', undefined, this.delivered);
  }

  /** The router closed the session: waiting POSTs get an error answer, streams end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const [id, post] of [...this.posts]) {
      const answer = errorResponse(id, ErrorCode.ConnectionClosed, 'session closed before the request was answered');
      this.answer(id, post, JSON.stringify(answer), undefined);
    }
    this.getStream?.end();
    this.getStream = undefined;
    this.onEnded();
  }
}
