// Tells clients when a merged list changed: one notification per list for a burst of backend
// changes, and none when a backend came back with the same list (e.g. after a restart).
import { ListKinds, type ListKind } from '../../protocol/mcp.js';

const DELAY_MS = 10;

export class ListChanges {
  private readonly changed = new Set<ListKind>();
  /** Each list as last announced (JSON). */
  private readonly announced = new Map<ListKind, string>();
  private timer: NodeJS.Timeout | undefined;
  /** While above 0 (a reload in progress), changes are only collected. */
  private held = 0;

  constructor(
    /** A list as its clients see it (JSON). */
    private readonly text: (kind: ListKind) => string,
    private readonly announce: (method: string) => void,
  ) {}

  /** The lists as clients first see them: later changes are measured against these. */
  baseline(): void {
    for (const kind of Object.keys(ListKinds) as ListKind[]) this.announced.set(kind, this.text(kind));
  }

  note(kinds: ListKind[]): void {
    for (const k of kinds) this.changed.add(k);
    this.timer ??= setTimeout(() => this.flush(), DELAY_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  hold(): void {
    this.held++;
  }

  release(): void {
    if (--this.held === 0) this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held > 0) return;
    const methods = new Set<string>();
    for (const kind of this.changed) {
      const text = this.text(kind);
      if (text === this.announced.get(kind)) continue;
      this.announced.set(kind, text);
      methods.add(ListKinds[kind].changed);
    }
    this.changed.clear();
    for (const method of methods) this.announce(method);
  }
}
