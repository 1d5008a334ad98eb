// The numbered, bounded history of a Streamable HTTP session's server→client stream: events
// sent while no GET stream is open wait here, and a client resuming with Last-Event-ID is
// replayed what came after. The oldest events go first when a bound is reached.

export interface StoredEvent {
  id: number;
  text: string;
}

export class EventLog {
  private readonly events: StoredEvent[] = [];
  private bytes = 0;
  private lastId = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  get lastEventId(): number {
    return this.lastId;
  }

  append(text: string): StoredEvent {
    const event = { id: ++this.lastId, text };
    this.events.push(event);
    this.bytes += text.length;
    while (this.events.length > this.maxEvents || (this.bytes > this.maxBytes && this.events.length > 1)) {
      this.bytes -= this.events.shift()!.text.length;
    }
    return event;
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
