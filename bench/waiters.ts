// Requests waiting for their answers, by id: one table for every bench client.
interface Waiter {
  resolve: (value: any) => void;
  reject: (error: Error) => void;
}

export class Waiters {
  private nextId = 1;
  private readonly byId = new Map<number, Waiter>();

  /** A fresh id and the promise of its answer's result. */
  add(): { id: number; answer: Promise<any> } {
    const id = this.nextId++;
    const answer = new Promise<any>((resolve, reject) => this.byId.set(id, { resolve, reject }));
    return { id, answer };
  }

  /** Settles the waiter of an answer (notifications and unknown ids are ignored). */
  settle(msg: any): void {
    const waiter = msg.method === undefined ? this.byId.get(msg.id) : undefined;
    if (!waiter) return;
    this.byId.delete(msg.id);
    if (msg.error) waiter.reject(new Error(`${msg.error.code}: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  }

  fail(id: number, error: Error): void {
    this.byId.get(id)?.reject(error);
    this.byId.delete(id);
  }

  failAll(error: Error): void {
    for (const w of this.byId.values()) w.reject(error);
    this.byId.clear();
  }
}
