// Content negotiation for Streamable HTTP POSTs: which answer forms (JSON, SSE) a client
// accepts, and which it prefers when it accepts both.

/** What a POSTed request's client accepts, from its Accept header. */
export interface Accepts {
  json: boolean;
  sse: boolean;
  /** Both are accepted and SSE ranks first (higher q, or equal q and listed earlier). */
  prefersSse: boolean;
}

interface Rank {
  q: number;
  index: number;
}

const JSON_RANGES = new Set(['application/json', 'application/*', '*/*']);
const SSE_RANGES = new Set(['text/event-stream', 'text/*']);

/**
 * Parses the Accept header; no header means JSON, and `*\/*` means JSON too (curl sends it).
 * q=0 excludes a type. Equal weights are ranked by order, as common negotiators do (Express's
 * `negotiator`): a client listing text/event-stream first asks for an SSE answer.
 */
export function parseAccept(header: string | undefined): Accepts {
  if (!header) return { json: true, sse: false, prefersSse: false };
  let json: Rank | undefined;
  let sse: Rank | undefined;
  header.split(',').forEach((part, index) => {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = weightOf(params);
    if (q <= 0) return;
    const better = (rank: Rank | undefined) => !rank || q > rank.q;
    if (JSON_RANGES.has(range) && better(json)) json = { q, index };
    if (SSE_RANGES.has(range) && better(sse)) sse = { q, index };
  });
  const prefersSse = !!json && !!sse && (sse.q > json.q || (sse.q === json.q && sse.index < json.index));
  return { json: !!json, sse: !!sse, prefersSse };
}

function weightOf(params: string[]): number {
  const q = params.find((p) => p.startsWith('q='));
  if (q === undefined) return 1;
  const value = Number(q.slice(2));
  return Number.isFinite(value) ? value : 1;
}
