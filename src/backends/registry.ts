// The set of backends, in config order: start them all in parallel, add and remove at run time.
// Per-client instances (one per client session of a `per-client` server) are kept apart: they
// are never listed or merged, and stop with their session or with the proxy.
import type { ServerSpec } from '../config/spec.js';
import { Backend, type BackendOptions, type ClientInfo } from './backend.js';

export class Registry {
  private readonly backends = new Map<string, Backend>();
  private readonly instances = new Set<Backend>();
  /** HTTP mode: a per-client server's registered entry goes idle once listed (see startAll). */
  private idlePerClient = false;

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

  /** A backend for one client session (per-client servers): not registered, not listed. */
  instance(spec: ServerSpec): Backend {
    const backend = new Backend(spec, this.options);
    this.instances.add(backend);
    return backend;
  }

  isInstance(backend: Backend): boolean {
    return this.instances.has(backend);
  }

  /** Forgets a per-client instance once stopped. */
  release(backend: Backend): void {
    this.instances.delete(backend);
  }

  /** Registers a backend without starting it. */
  create(spec: ServerSpec): Backend {
    if (this.backends.has(spec.name)) throw new Error(`a server named "${spec.name}" already exists`);
    const backend = this.newBackend(spec);
    this.backends.set(spec.name, backend);
    return backend;
  }

  private newBackend(spec: ServerSpec): Backend {
    const backend = new Backend(spec, this.options);
    backend.idleWhenReady = this.idlePerClient && spec.session === 'per-client';
    return backend;
  }

  isRegistered(backend: Backend): boolean {
    return this.backends.get(backend.name) === backend;
  }

  /**
   * Starts every registered backend at once, so start-up takes as long as the slowest backend, not
   * the sum; one promise per backend, settled when it is ready or has failed. `perClient`: false
   * makes per-client servers idle once listed (HTTP mode: each session starts its own).
   */
  startAll(clientCapabilities: Record<string, unknown>, clientInfo?: ClientInfo, perClient = true): Promise<void>[] {
    const all = [...this.backends.values()];
    this.idlePerClient = !perClient;
    for (const b of all) b.idleWhenReady = !perClient && b.spec.session === 'per-client';
    return all.map((b) => b.start(clientCapabilities, true, clientInfo));
  }


  /** Adds and starts a backend; one that fails to start is stopped and not kept. */
  async add(spec: ServerSpec, clientCapabilities: Record<string, unknown>, clientInfo?: ClientInfo): Promise<Backend> {
    const backend = this.create(spec);
    backend.idleWhenReady = spec.session === 'per-client'; // each session starts its own
    try {
      await backend.start(clientCapabilities, false, clientInfo);
      return backend;
    } catch (e) {
      this.backends.delete(spec.name);
      await backend.stop('failed to start');
      throw e;
    }
  }

  /**
   * Registers a backend for `spec`, replacing one of the same name in its place in the order (a
   * restart with a new spec); returns it and the one replaced, once that one has stopped.
   */
  async put(spec: ServerSpec, reason: string): Promise<{ backend: Backend; replaced?: Backend }> {
    const replaced = this.backends.get(spec.name);
    if (!replaced) return { backend: this.create(spec) };
    const backend = this.newBackend(spec);
    this.backends.set(spec.name, backend);
    await replaced.stop(reason);
    return { backend, replaced };
  }

  async remove(name: string, reason = 'was removed'): Promise<Backend | undefined> {
    const backend = this.backends.get(name);
    if (!backend) return undefined;
    this.backends.delete(name);
    await backend.stop(reason);
    return backend;
  }

  async stopAll(reason = 'is shutting down'): Promise<void> {
    const all = [...this.backends.values(), ...this.instances];
    this.instances.clear();
    await Promise.allSettled(all.map((b) => b.stop(reason)));
  }
}
