// Resource subscriptions: which sessions want notifications/resources/updated for which URI of
// which backend. One backend subscription serves every session subscribed to the URI; it is
// dropped at the backend when the last of them goes, and made again when the backend restarts.
import type { Backend } from '../backends/backend.js';
import type { ClientSession } from './session.js';

export class Subscriptions {
  private readonly byBackend = new Map<Backend, Map<string, Set<ClientSession>>>();

  get size(): number {
    let n = 0;
    for (const uris of this.byBackend.values()) n += uris.size;
    return n;
  }

  add(backend: Backend, uri: string, session: ClientSession): void {
    let uris = this.byBackend.get(backend);
    if (!uris) this.byBackend.set(backend, (uris = new Map()));
    let sessions = uris.get(uri);
    if (!sessions) uris.set(uri, (sessions = new Set()));
    sessions.add(session);
  }

  /** Removes the session's subscription; returns how many sessions still want the URI. */
  remove(backend: Backend, uri: string, session: ClientSession): number {
    const uris = this.byBackend.get(backend);
    const sessions = uris?.get(uri);
    if (!uris || !sessions) return 0;
    sessions.delete(session);
    if (sessions.size > 0) return sessions.size;
    uris.delete(uri);
    if (uris.size === 0) this.byBackend.delete(backend);
    return 0;
  }

  sessions(backend: Backend, uri: unknown): Iterable<ClientSession> {
    return (typeof uri === 'string' && this.byBackend.get(backend)?.get(uri)) || [];
  }

  uris(backend: Backend): string[] {
    return [...(this.byBackend.get(backend)?.keys() ?? [])];
  }

  /** Removes every subscription of the session; returns those nobody wants any more. */
  dropSession(session: ClientSession): [Backend, string][] {
    const orphaned: [Backend, string][] = [];
    for (const [backend, uris] of [...this.byBackend]) {
      for (const [uri, sessions] of [...uris]) {
        if (sessions.has(session) && this.remove(backend, uri, session) === 0) orphaned.push([backend, uri]);
      }
    }
    return orphaned;
  }

  /** The backend is gone for good. */
  forget(backend: Backend): void {
    this.byBackend.delete(backend);
  }
}
