// How far behind a peer may fall before the proxy stops buffering for it. Every writer towards a
// peer that may stop reading (an SSE or WebSocket client, a backend's stdin, our own stdout) has a
// bound; peers that share a process-wide budget (the HTTP fronts' streams) are also bounded in
// total, so many slow readers cannot add up to more than the budget.

/** One peer more than this behind is cut (a client) or restarted (a backend). */
export const MAX_PEER_BACKLOG_BYTES = 32 * 1024 * 1024;
/** Default total for all of the HTTP fronts' unsent stream data (--max-buffered-bytes). */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Past the total, only peers this far behind are cut: a reader that keeps up has far less pending. */
export const SLOW_PEER_BYTES = 1024 * 1024;

/** The unsent bytes of every registered stream, against one limit. */
export class BacklogBudget {
  private readonly meters = new Set<() => number>();

  constructor(readonly maxBytes = DEFAULT_MAX_BUFFERED_BYTES) {}

  /** Counts a stream's unsent bytes (read on demand); returns the function that stops counting it. */
  register(meter: () => number): () => void {
    this.meters.add(meter);
    return () => this.meters.delete(meter);
  }

  /** Unsent bytes of all streams now. Summed only when a stream is already slow, so it stays off the fast path. */
  total(): number {
    let sum = 0;
    for (const meter of this.meters) sum += meter();
    return sum;
  }

  /** Whether a stream with `pending` unsent bytes must be cut. */
  tooFarBehind(pending: number, perPeerMax = MAX_PEER_BACKLOG_BYTES): boolean {
    if (pending > perPeerMax) return true;
    return pending >= SLOW_PEER_BYTES && this.total() > this.maxBytes;
  }
}
