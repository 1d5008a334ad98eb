// The numbered, bounded history of a Streamable HTTP session's server→client stream: events
// sent while no GET stream is open wait here, and a client resuming with Last-Event-ID is
// replayed what came after. The oldest events go first when a bound is reached: the session's own
// (events, bytes), or the budget all sessions share, which drops the oldest events of any session.

export interface StoredEvent {
  id: number;
  text: string;
  /** Set once the event left its log (bounds, or the session ended). */
  dropped?: boolean;
}

/** Bytes of events kept across every session's log; past `maxBytes` the oldest events anywhere go. */
export class EventBudget {
  /** Kept events of every log in the order they were kept; dropped ones are skipped and compacted away. */
  private queue: { log: EventLog; event: StoredEvent }[] = [];
  private head = 0;
  private bytes = 0;
  private live = 0;

  constructor(readonly maxBytes: number) {}

  get usedBytes(): number {
    return this.bytes;
  }

  kept(log: EventLog, event: StoredEvent): void {
    this.queue.push({ log, event });
    this.bytes += event.text.length;
    this.live++;
    while (this.bytes > this.maxBytes && this.head < this.queue.length) {
      const oldest = this.queue[this.head++];
      if (!oldest.event.dropped) oldest.log.drop(oldest.event);
    }
    this.compact();
  }

  released(event: StoredEvent): void {
    this.bytes -= event.text.length;
    this.live--;
  }

  /** Keeps the queue near the number of live events, whatever dropped them (and forgets what was popped). */
  private compact(): void {
    const size = this.queue.length - this.head;
    if (size > 64 && size > 2 * this.live) {
      this.queue = this.queue.slice(this.head).filter((entry) => !entry.event.dropped);
      this.head = 0;
    } else if (this.head > 64 && this.head > size) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

export class EventLog {
  private readonly events: StoredEvent[] = [];
  private bytes = 0;

  /** `lastId`: the id before the first event (a paused stream's log continues the stream's numbering). */
  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    private readonly budget?: EventBudget,
    private lastId = 0,
  ) {}

  get lastEventId(): number {
    return this.lastId;
  }

  append(text: string): StoredEvent {
    const event: StoredEvent = { id: ++this.lastId, text };
    this.events.push(event);
    this.bytes += text.length;
    while (this.events.length > this.maxEvents || (this.bytes > this.maxBytes && this.events.length > 1)) {
      this.drop(this.events[0]);
    }
    this.budget?.kept(this, event);
    return event;
  }

  /** Removes one event (normally the oldest) from the log. */
  drop(event: StoredEvent): void {
    const index = this.events[0] === event ? 0 : this.events.indexOf(event);
    if (index === -1) return;
    this.events.splice(index, 1);
    event.dropped = true;
    this.bytes -= event.text.length;
    this.budget?.released(event);
    event.text = ''; // the budget's queue may still point at the event until it compacts: not at its text
  }

  /** The session ended: nothing is kept for it any more. */
  clear(): void {
    while (this.events.length > 0) this.drop(this.events[0]);
  }

  /** Events with an id above `afterId`, oldest first. */
  after(afterId: number): StoredEvent[] {
    const first = this.events.findIndex((e) => e.id > afterId);
    return first === -1 ? [] : this.events.slice(first);
  }

  /** Parses a Last-Event-ID header value; undefined when it is not one of ours. */
  parseId(header: string | undefined): number | undefined {
    if (header === undefined || !/^\d{1,15}$/.test(header.trim())) return undefined;
    const id = Number(header.trim());
    return id <= this.lastId ? id : undefined;
  }
}
