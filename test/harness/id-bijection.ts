// The learned correspondence between ids the recorded proxy allocated and ids the replayed proxy
// allocates, per scope ("backend NAME" for its request ids towards a server, which are also its
// progress tokens there; "client SESSION" for its request ids towards a client). One-to-one both
// ways: a recorded id pairs with exactly one replayed id. Keys keep the JSON type (1 is not "1").
import type { JsonRpcId } from '../../protocol/jsonrpc.js';

export interface IdPair {
  scope: string;
  recorded: unknown;
  replayed: unknown;
}

const key = (scope: string, id: unknown) => `${scope}\u0000${JSON.stringify(id)}`;

export class IdBijection {
  private readonly forward = new Map<string, unknown>();
  private readonly backward = new Map<string, unknown>();

  /** The replayed id a recorded one was matched to, if any. */
  replayedFor(scope: string, recorded: unknown): unknown {
    return this.forward.get(key(scope, recorded));
  }

  /**
   * Whether recorded ↔ replayed may pair, given what is known and `tentative` (pairs seen earlier
   * in the same message). Returns why not, or undefined when it may.
   */
  conflict(pair: IdPair, tentative: IdPair[]): string | undefined {
    const known = [...tentative];
    const fwd = this.forward.get(key(pair.scope, pair.recorded));
    if (fwd !== undefined) known.push({ scope: pair.scope, recorded: pair.recorded, replayed: fwd });
    const bwd = this.backward.get(key(pair.scope, pair.replayed));
    if (bwd !== undefined) known.push({ scope: pair.scope, recorded: bwd, replayed: pair.replayed });
    for (const k of known) {
      if (k.scope !== pair.scope) continue;
      const sameRecorded = key('', k.recorded) === key('', pair.recorded);
      const sameReplayed = key('', k.replayed) === key('', pair.replayed);
      if (sameRecorded && !sameReplayed) return `recorded id ${JSON.stringify(pair.recorded)} was matched to replayed id ${JSON.stringify(k.replayed)} before (${pair.scope})`;
      if (sameReplayed && !sameRecorded) return `replayed id ${JSON.stringify(pair.replayed)} was matched to recorded id ${JSON.stringify(k.recorded)} before (${pair.scope})`;
    }
    return undefined;
  }

  commit(pairs: IdPair[]): void {
    for (const p of pairs) {
      this.forward.set(key(p.scope, p.recorded), p.replayed);
      this.backward.set(key(p.scope, p.replayed), p.recorded);
    }
  }

  /** Maps a recorded id through the bijection; ids never matched stay as they are. */
  map(scope: string, recorded: JsonRpcId): JsonRpcId {
    const replayed = this.replayedFor(scope, recorded);
    return replayed === undefined ? recorded : (replayed as JsonRpcId);
  }
}
