// One Streamable HTTP session: the channel the router writes to, and where each message goes.
// A response goes to the POST waiting for its id; a message related to an open POST's request
// (progress, a server→client request) turns that POST into an SSE stream; everything else goes
// to the GET stream, numbered and kept in a bounded log for Last-Event-ID resumption.
// For 2025-11-25 clients a POST's SSE stream starts with a priming event (an id, a retry time)
// and numbers its events, so when its backend pauses the request's stream (SEP-1699 polling) the
// proxy pauses the client's too, keeps what comes meanwhile, and a GET with that stream's
// Last-Event-ID takes it up again.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, isValidId, type JsonRpcId, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { ClientSession } from '../router/session.js';
import { channelOf, McpWriter, type MessageChannel } from '../transports/channel.js';
import type { Accepts } from './accept.js';
import type { BacklogBudget } from '../transports/backlog.js';
import { EventLog, type EventBudget } from './event-log.js';
import { PushReader } from '../transports/push-reader.js';
import { SseStream } from './sse-stream.js';

export interface StreamableSessionOptions {
  heartbeatMs: number;
  maxQueuedEvents: number;
  maxQueuedBytes: number;
  /** Shared by every session: the total of events kept for replay. */
  eventBudget?: EventBudget;
  /** Shared by every stream of the server: the total of unsent stream data. */
  outputBudget?: BacklogBudget;
}

interface PendingPost {
  id: JsonRpcId;
  res: ServerResponse;
  accepts: Accepts;
  headers: OutgoingHttpHeaders;
  stream?: SseStream;
  onAnswer?: (answer: JsonRpcResponse | undefined) => void;
  /** Its SSE stream's event ids are `<key>.<n>` (2025-11-25 clients). */
  key?: string;
  seq: number;
  /** Paused: what came since (bounded like the GET stream's history), kept for the GET that resumes it; `answered` once the answer is in. */
  paused?: { log: EventLog; answered: boolean };
}

/** How long a client waits before resuming a paused stream (the SSE `retry` field). */
export const RESUME_RETRY_MS = 1000;
/** Paused streams kept for resumption per session; past this the oldest is dropped. */
const MAX_PAUSED = 100;

class StreamableWriter extends McpWriter {
  constructor(private readonly session: StreamableSession) {
    super();
  }

  sendText(text: string, msg?: Message, relatedRequestId?: JsonRpcId): void {
    this.session.route(text, msg, relatedRequestId);
  }

  override pause(relatedRequestId: JsonRpcId): void {
    this.session.pausePost(relatedRequestId);
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
  /** Paused POST streams by key, until a GET resumes them (made on first use: most sessions never pause). */
  private paused: Map<string, PendingPost> | undefined;
  private nextStreamKey = 1;
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
    this.events = new EventLog(options.maxQueuedEvents, options.maxQueuedBytes, options.eventBudget);
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
    const post: PendingPost = { id, res, accepts, headers, onAnswer, seq: 0 };
    this.posts.set(id, post);
    // A POST the client dropped is forgotten: a late answer then goes to the GET stream.
    res.on('close', () => {
      if (this.posts.get(id) === post && !post.paused) this.posts.delete(id);
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
      if (post?.accepts.sse) return this.onPost(post, text);
    }
    this.toGetStream(text);
  }

  /** One event on a POST's stream (kept while the stream is paused). */
  private onPost(post: PendingPost, text: string): void {
    if (post.paused) return void (post.seq = post.paused.log.append(text).id);
    const seq = ++post.seq;
    this.streamOf(post).send(text, 'message', post.key === undefined ? undefined : `${post.key}.${seq}`);
  }

  /** The backend paused this request's stream: the client's stream of it ends, to be resumed by a GET. */
  pausePost(id: JsonRpcId): void {
    const post = this.posts.get(id);
    if (!post?.accepts.sse || post.paused) return;
    this.streamOf(post); // primed, so the client has an id to resume from
    if (post.key === undefined) return; // a client before 2025-11-25 cannot resume: its stream stays open
    const { maxQueuedEvents, maxQueuedBytes, eventBudget } = this.options;
    post.paused = { log: new EventLog(maxQueuedEvents, maxQueuedBytes, eventBudget, post.seq), answered: false };
    const paused = (this.paused ??= new Map());
    if (paused.size >= MAX_PAUSED) this.forgetPaused(paused.values().next().value!);
    paused.set(post.key, post);
    post.stream!.end();
  }

  private forgetPaused(post: PendingPost): void {
    post.paused?.log.clear();
    this.paused?.delete(post.key!);
    if (this.posts.get(post.id) === post) this.posts.delete(post.id);
  }

  private answer(id: JsonRpcId, post: PendingPost, text: string, msg: JsonRpcResponse | undefined): void {
    if (post.paused) {
      this.onPost(post, text);
      post.paused.answered = true;
      this.posts.delete(id); // the id is free again; the stream waits in `paused` for its GET
      post.onAnswer?.(msg);
      return;
    }
    this.posts.delete(id);
    // SSE when the client takes nothing else or asks for it first; JSON otherwise (smaller, simpler).
    if (!post.stream && (!post.accepts.json || post.accepts.prefersSse)) this.streamOf(post);
    if (post.stream) {
      this.onPost(post, text);
      post.stream.end();
    } else if (!post.res.destroyed && !post.res.headersSent) {
      post.res.writeHead(200, { ...post.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      post.res.end(text);
    }
    post.onAnswer?.(msg);
  }

  private streamOf(post: PendingPost): SseStream {
    if (post.stream) return post.stream;
    post.stream = new SseStream(post.res, this.options.heartbeatMs, post.headers, this.options.outputBudget);
    // SEP-1699 (2025-11-25): a priming event gives the client an id to resume from, and a retry time.
    if (this.client?.protocolVersion === '2025-11-25') {
      post.key = `p${this.nextStreamKey++}`;
      post.stream.prime(`${post.key}.0`, RESUME_RETRY_MS);
    }
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
    const [key, after] = lastEventId?.split('.') ?? [];
    const paused = key === undefined ? undefined : this.paused?.get(key);
    if (paused) return this.resumePost(paused, res, Number(after));
    const stream = new SseStream(res, this.options.heartbeatMs, {}, this.options.outputBudget);
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

  /** A GET resuming a paused POST stream: what it missed after `after`, then the rest of it. */
  private resumePost(post: PendingPost, res: ServerResponse, after: number): void {
    const { log, answered } = post.paused!;
    this.paused?.delete(post.key!);
    post.paused = undefined;
    post.res = res;
    post.stream = new SseStream(res, this.options.heartbeatMs, {}, this.options.outputBudget);
    for (const event of log.after(Number.isFinite(after) ? after : -1)) post.stream.send(event.text, 'message', `${post.key}.${event.id}`);
    log.clear();
    if (answered) return post.stream.end();
    res.on('close', () => {
      if (this.posts.get(post.id) === post && !post.paused) this.posts.delete(post.id);
      this.touch();
    });
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
    for (const post of this.paused?.values() ?? []) post.paused?.log.clear();
    this.paused = undefined;
    this.events.clear();
    this.onEnded();
  }
}
