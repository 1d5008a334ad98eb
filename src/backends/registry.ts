// The set of backends, in config order: start them all in parallel, add and remove at run time,
// and sweep their request deadlines.
import type { ServerSpec } from '../config/spec.js';
import { Backend, type BackendOptions } from './backend.js';

const SWEEP_INTERVAL_MS = 250;

export class Registry {
  private readonly backends = new Map<string, Backend>();
  private readonly instances = new Set<Backend>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: BackendOptions) {}

  list(): IterableIterator<Backend> {
    return this.backends.values();
  }

  get(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  has(name: string): boolean {
    return this.backends.has(name);
  }

  /** A backend for one client session (per-client servers): not registered, not swept here. */
  instance(spec: ServerSpec, owner: unknown): Backend {
    const backend = new Backend(spec, this.options);
    backend.owner = owner;
    this.instances.add(backend);
    return backend;
  }

  /** Forgets a per-client instance once stopped. */
  release(backend: Backend): void {
    this.instances.delete(backend);
  }

  /** Registers a backend without starting it. */
  create(spec: ServerSpec): Backend {
    if (this.backends.has(spec.name)) throw new Error(`a server named "${spec.name}" already exists`);
    const backend = new Backend(spec, this.options);
    this.backends.set(spec.name, backend);
    this.startSweeping();
    return backend;
  }

  isRegistered(backend: Backend): boolean {
    return this.backends.get(backend.name) === backend;
  }

  /**
   * Starts every registered backend at once; resolves when all have become ready or failed, so
   * start-up takes as long as the slowest backend, not the sum. A failure leaves only that one out.
   */
  async startAll(clientCapabilities: Record<string, unknown>): Promise<void> {
    await Promise.allSettled([...this.backends.values()].map((b) => b.start(clientCapabilities)));
  }

  /** Adds and starts a backend; one that fails to start is stopped and not kept. */
  async add(spec: ServerSpec, clientCapabilities: Record<string, unknown>): Promise<Backend> {
    const backend = this.create(spec);
    try {
      await backend.start(clientCapabilities, false);
      return backend;
    } catch (e) {
      this.backends.delete(spec.name);
      await backend.stop('failed to start');
      throw e;
    }
  }

  async remove(name: string): Promise<boolean> {
    const backend = this.backends.get(name);
    if (!backend) return false;
    this.backends.delete(name);
    await backend.stop('was removed');
    return true;
  }

  async stopAll(reason = 'is shutting down'): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    const all = [...this.backends.values(), ...this.instances];
    this.instances.clear();
    await Promise.allSettled(all.map((b) => b.stop(reason)));
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const b of this.backends.values()) b.sweep(now);
      for (const b of this.instances) b.sweep(now);
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }
}
