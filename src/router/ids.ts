// Outbound id allocation and the outbound-id → pending-entry map. Ids are numbers counting up
// per connection, so they are unique on that connection for its whole life.
import type { JsonRpcId } from '../../protocol/jsonrpc.js';

export class PendingTable<T> {
  private next = 1;
  private readonly entries = new Map<number, T>();

  /** Stores the entry under a fresh id and returns the id. */
  add(entry: T): number {
    const id = this.next++;
    this.entries.set(id, entry);
    return id;
  }

  get(id: JsonRpcId): T | undefined {
    return typeof id === 'number' ? this.entries.get(id) : undefined;
  }

  /** Removes and returns the entry (the answer arrived, or the request was given up). */
  take(id: JsonRpcId): T | undefined {
    if (typeof id !== 'number') return undefined;
    const entry = this.entries.get(id);
    if (entry !== undefined) this.entries.delete(id);
    return entry;
  }

  delete(id: number): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Removes and returns every entry. */
  drain(): T[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    return all;
  }

  values(): IterableIterator<T> {
    return this.entries.values();
  }

  entriesList(): [number, T][] {
    return [...this.entries.entries()];
  }
}
