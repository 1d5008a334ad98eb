// The last N finished calls, for the status page: a fixed-size ring, so memory stays bounded
// however many calls pass. It holds whatever the observer finished (its call objects, so a call
// allocates nothing more); CallRecord is what the page gets.
import type { CallOutcome } from './observer.js';

export interface CallRecord {
  /** Wall-clock start, ms since the epoch. */
  time: number;
  /** The session id, shortened (see shortId). */
  session: string;
  front: string;
  method: string;
  /** Tool or prompt name (the backend's own), when the method names one. */
  name?: string;
  server: string;
  ms: number;
  outcome: CallOutcome;
  traceId?: string;
}

export const DEFAULT_CALL_LOG_SIZE = 100;

export class CallLog<T> {
  private readonly ring: (T | undefined)[];
  private next = 0;

  constructor(readonly size = DEFAULT_CALL_LOG_SIZE) {
    this.ring = new Array(size).fill(undefined);
  }

  add(record: T): void {
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.size;
  }

  /** Newest first. */
  recent(limit = this.size): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const record = this.ring[(this.next - i + this.size) % this.size];
      if (!record) break;
      out.push(record);
    }
    return out;
  }
}

/**
 * A Streamable HTTP session id lets whoever holds it post into the session: pages and logs show
 * only its start, enough to tell sessions apart.
 */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}
