// Sign-in for the whole proxy: the token store, where redirects come back (a loopback listener
// per sign-in, or HTTP mode's /oauth/callback), how links are opened, and one ServerAuth per
// remote server, shared by every backend instance of that server and released with the last.
import type { ServerResponse } from 'node:http';
import type { ServerSpec } from '../config/spec.js';
import { commandOpener, platformCommand, splitCommand, type Opener } from './opener.js';
import { CallbackRoute, LoopbackRedirects, type RedirectReceiver } from './redirect.js';
import type { AuthProvider, SignInState } from './remote-auth.js';
import { ServerAuth } from './server-auth.js';
import { defaultStoreDir, TokenStore } from './store.js';

export interface OAuthOptions {
  /** --oauth-store (default: the user's state directory). */
  storeDir?: string;
  /** --oauth-open-command: run with the link as last argument instead of the platform opener. */
  openCommand?: string;
  /** Do not open links at all (print them only). */
  noOpen?: boolean;
  /** Opens links in this process (embedding, tests); wins over openCommand. */
  opener?: Opener;
  now?: () => number;
  linkTtlMs?: number;
}

export class OAuthManager implements AuthProvider {
  readonly store: TokenStore;
  private redirects: RedirectReceiver = new LoopbackRedirects();
  private route: CallbackRoute | undefined;
  private readonly opener: Opener | undefined;
  private readonly servers = new Map<string, { auth: ServerAuth; refs: number }>();

  constructor(private readonly options: OAuthOptions = {}) {
    this.store = new TokenStore(options.storeDir ?? defaultStoreDir());
    if (options.noOpen) this.opener = undefined;
    else if (options.opener) this.opener = options.opener;
    else if (options.openCommand !== undefined) this.opener = commandOpener(splitCommand(options.openCommand), '--oauth-open-command');
    else this.opener = commandOpener(platformCommand());
  }

  /** Whichever receiver is current when a sign-in starts (HTTP mode switches after listening). */
  private readonly receiver: RedirectReceiver = ((manager: OAuthManager): RedirectReceiver => ({
    get loopback() {
      return manager.redirects.loopback;
    },
    open: (state, port) => manager.redirects.open(state, port),
  }))(this);

  /** HTTP mode: redirects come to this URL (the proxy's own /oauth/callback). */
  useCallbackUrl(url: string): void {
    this.route = new CallbackRoute(url);
    this.redirects = this.route;
  }

  /** Sign-ins waiting at /oauth/callback (for tests: every one leaves on answer or cancel). */
  get waitingCallbacks(): number {
    return this.route?.size ?? 0;
  }

  /** GET /oauth/callback in HTTP mode. */
  handleCallback(url: URL, res: ServerResponse): void {
    if (this.route) return this.route.handle(url, res);
    res.writeHead(404).end();
  }

  /** True when sign-in applies: a remote server, not turned off, no Authorization header of its own. */
  static applies(spec: ServerSpec): boolean {
    if (!spec.url || spec.transport === 'stdio' || spec.oauth === false) return false;
    return !Object.keys(spec.headers).some((h) => h.toLowerCase() === 'authorization');
  }

  /** The sign-in state of a server (undefined when sign-in does not apply to it). */
  acquire(spec: ServerSpec, onChange?: () => void): ServerAuth | undefined {
    if (!OAuthManager.applies(spec)) return undefined;
    const settings = spec.oauth || {};
    const key = `${spec.name}\n${spec.url}\n${settings.clientId ?? ''}\n${settings.clientMetadataUrl ?? ''}`;
    let entry = this.servers.get(key);
    if (!entry) {
      const auth = new ServerAuth({
        name: spec.name,
        url: new URL(spec.url!),
        settings,
        store: this.store,
        redirects: this.receiver,
        ...(this.opener ? { opener: this.opener } : {}),
        ...(this.options.now ? { now: this.options.now } : {}),
        ...(this.options.linkTtlMs ? { linkTtlMs: this.options.linkTtlMs } : {}),
      });
      entry = { auth, refs: 0 };
      this.servers.set(key, entry);
    }
    entry.refs++;
    if (onChange) entry.auth.onChange(onChange);
    return entry.auth;
  }

  /** Servers with a backend holding their sign-in state. */
  get size(): number {
    return this.servers.size;
  }

  /** The last backend of a server let go: a sign-in still waiting is cancelled. */
  release(state: SignInState, onChange?: () => void): void {
    for (const [key, entry] of this.servers) {
      if (entry.auth !== state) continue;
      if (onChange) entry.auth.offChange(onChange);
      if (--entry.refs > 0) continue;
      this.servers.delete(key);
      entry.auth.cancel('the server was removed');
    }
  }

  /** Cancels every waiting sign-in (shutdown). */
  close(): void {
    for (const { auth } of this.servers.values()) auth.cancel('multi-mcp is shutting down');
    this.servers.clear();
  }
}
