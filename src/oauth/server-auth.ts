// Sign-in state of one remote server: its tokens (from the store), refreshing them before they
// expire and when the server says 401, and at most one interactive sign-in at a time, which every
// refused request waits for. A sign-in whose link was given out and then failed or expired is
// replaced by a fresh link (without opening the browser again), so a link is always there while
// the server needs one. Step-up (403 insufficient_scope) asks for the union of the scopes granted
// so far and the challenged ones, and never twice for the same set.
import { errorMessage, log } from '../log.js';
import { parseBearerChallenge, scopeList, unionScopes, type BearerChallenge } from './challenge.js';
import type { OAuthSettings } from './config.js';
import type { AuthServerMetadata } from './discovery.js';
import { showLink, type Opener } from './opener.js';
import type { RedirectReceiver } from './redirect.js';
import type { SignInState } from './remote-auth.js';
import { storeKey, type Registration, type ServerRecord, type StoredTokens, type TokenStore } from './store.js';
import type { OAuthClient } from './token-endpoint.js';

// Loaded on first use (like the remote transports): the HTTPS client costs memory a proxy whose
// servers never ask for a token need not pay.
const network = () => Promise.all([import('./sign-in.js'), import('./token-endpoint.js'), import('./discovery.js')]);

/** Refresh this long before the expiry the server announced. */
export const REFRESH_MARGIN_MS = 60_000;
/** A sign-in link is replaced by a fresh one after this long (its state and PKCE verifier expire). */
export const LINK_TTL_MS = 30 * 60_000;

export interface ServerAuthOptions {
  name: string;
  url: URL;
  settings: OAuthSettings;
  store: TokenStore;
  redirects: RedirectReceiver;
  /** Opens sign-in links; undefined: they are only printed. */
  opener?: Opener;
  now?: () => number;
  linkTtlMs?: number;
}

type Kind = 'sign-in' | 'step-up';

interface Flow {
  kind: Kind;
  link?: string;
  done: Promise<boolean>;
  abort: AbortController;
}

export interface AuthStatus {
  signedIn: boolean;
  expiresAt?: number;
  canRefresh: boolean;
  scope?: string;
  issuer?: string;
}

export class ServerAuth implements SignInState {
  readonly key: string;
  problem: string | undefined;
  private record: ServerRecord;
  private flow: Flow | undefined;
  private refreshing: Promise<boolean> | undefined;
  private challenge: BearerChallenge | undefined;
  private readonly metadata = new Map<string, AuthServerMetadata>();
  private readonly listeners = new Set<() => void>();
  /** The current token came from an interactive sign-in and no request has got past with it yet. */
  private unproven = false;
  /** Scopes asked for by the last sign-in, kept when tokens are dropped (re-authorization keeps them). */
  private previous: string[] = [];
  private storeWarned = false;
  private readonly now: () => number;

  constructor(private readonly options: ServerAuthOptions) {
    this.now = options.now ?? Date.now;
    this.key = storeKey(options.url.toString(), identityOf(options.settings));
    this.record = { version: 1, server: options.url.toString(), identity: identityOf(options.settings), registrations: [] };
    this.reload();
  }

  get name(): string {
    return this.options.name;
  }

  /** The link the user must open while a sign-in waits for them. */
  get link(): string | undefined {
    return this.flow?.link;
  }

  /** True while the server cannot be used until someone signs in (not for a step-up). */
  get needsSignIn(): boolean {
    return this.flow?.kind === 'sign-in' && this.flow.link !== undefined;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.offChange(listener);
  }

  offChange(listener: () => void): void {
    this.listeners.delete(listener);
  }

  /** Listeners (for tests: each backend's leaves with it). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  status(): AuthStatus {
    const t = this.record.tokens;
    if (!t) return { signedIn: false, canRefresh: false };
    return { signedIn: true, canRefresh: t.refreshToken !== undefined, issuer: t.issuer, ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}), ...(t.scope !== undefined ? { scope: t.scope } : {}) };
  }

  // ---- what the transports call ------------------------------------------------------------

  async authorization(): Promise<string | undefined> {
    const t = this.record.tokens;
    if (!t) return undefined;
    if (t.expiresAt !== undefined && t.refreshToken !== undefined && this.now() >= t.expiresAt - REFRESH_MARGIN_MS) {
      await this.refresh();
    }
    return this.header();
  }

  accepted(used: string | undefined): void {
    if (used !== undefined && used === this.header()) this.unproven = false;
  }

  async refused(status: number, header: string | undefined, used: string | undefined, signal?: AbortSignal): Promise<boolean> {
    const challenge = parseBearerChallenge(header);
    if (status === 403) {
      if (challenge?.error !== 'insufficient_scope') return false;
      if (challenge.resourceMetadata) this.challenge = { ...this.challenge, resourceMetadata: challenge.resourceMetadata };
      return this.stepUp(challenge, signal);
    }
    if (challenge) this.challenge = challenge;
    const current = this.header();
    if (current !== undefined && current !== used) return true; // another request got a new token meanwhile
    if (used !== undefined && used === current && this.unproven) {
      this.problem = `the server refused the token it had just issued (${describe(challenge)})`;
      log.warn(`server "${this.name}": ${this.problem}`);
      return false;
    }
    if (used !== undefined && (await this.refresh())) return true;
    if (this.reload() && this.header() !== undefined && this.header() !== used) return true; // signed in elsewhere (auth login)
    return this.interactive('sign-in', undefined, signal);
  }

  private async stepUp(challenge: BearerChallenge, signal?: AbortSignal): Promise<boolean> {
    const needed = scopeList(challenge.scope);
    const had = this.record.tokens?.requested ?? [];
    if (needed.length === 0) {
      this.problem = 'the server refused the token for lack of scope (insufficient_scope) but named no scope';
      return false;
    }
    if (this.record.tokens && needed.every((s) => had.includes(s))) {
      // Asking again for what was asked for before would only loop.
      this.problem = `the server still wants scope "${needed.join(' ')}", which was asked for and not granted; ask its operator for access`;
      log.warn(`server "${this.name}": ${this.problem}`);
      return false;
    }
    return this.interactive('step-up', unionScopes(had, needed), signal);
  }

  // ---- refreshing ------------------------------------------------------------------------------

  private header(): string | undefined {
    const t = this.record.tokens;
    return t ? `Bearer ${t.accessToken}` : undefined;
  }

  private refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const t = this.record.tokens;
    if (!t?.refreshToken) return false;
    const [, { requestToken, TokenError }, { discoverAuthServer }] = await network();
    try {
      const metadata = await this.metadataOf(t.issuer, discoverAuthServer);
      const fresh = await requestToken(metadata, this.clientOf(t), { grant_type: 'refresh_token', refresh_token: t.refreshToken, resource: t.resource }, this.now());
      if (this.record.tokens !== t) return true; // replaced meanwhile (a sign-in finished)
      this.keepTokens({ ...t, ...fresh, refreshToken: fresh.refreshToken ?? t.refreshToken, scope: fresh.scope ?? t.scope }, false);
      log.debug(`server "${this.name}": access token refreshed`);
      return true;
    } catch (e) {
      if (e instanceof TokenError && ['invalid_grant', 'invalid_client', 'unauthorized_client'].includes(e.code ?? '')) {
        this.problem = `the refresh token was refused (${e.message}); signing in again is needed`;
        if (this.record.tokens === t) this.dropTokens();
      } else {
        this.problem = `refreshing the access token failed: ${errorMessage(e)}`;
      }
      log.warn(`server "${this.name}": ${this.problem}`);
      return false;
    }
  }

  private async metadataOf(issuer: string, discoverAuthServer: (issuer: string) => Promise<AuthServerMetadata | undefined>): Promise<AuthServerMetadata> {
    const known = this.metadata.get(issuer);
    if (known) return known;
    const found = await discoverAuthServer(issuer);
    if (!found) throw new Error(`the authorization server ${issuer} no longer publishes its metadata`);
    this.metadata.set(issuer, found);
    return found;
  }

  /** The client the tokens were issued to. */
  private clientOf(t: StoredTokens): OAuthClient {
    const { settings } = this.options;
    if (settings.clientId === t.clientId) return { clientId: t.clientId, ...(settings.clientSecret !== undefined ? { clientSecret: settings.clientSecret } : {}) };
    const registration = this.record.registrations.find((r) => r.issuer === t.issuer && r.clientId === t.clientId);
    return registration ?? { clientId: t.clientId, authMethod: 'none' };
  }

  // ---- signing in ------------------------------------------------------------------------------

  /** Joins the sign-in in progress, or starts one; resolves true once new tokens are kept. */
  private async interactive(kind: Kind, scopes: string[] | undefined, signal?: AbortSignal): Promise<boolean> {
    this.flow ??= this.startFlow(kind, scopes, this.options.opener !== undefined);
    const done = this.flow.done;
    if (!signal) return done;
    if (signal.aborted) return false;
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      void done.then((ok) => {
        signal.removeEventListener('abort', onAbort);
        resolve(ok);
      });
    });
  }

  /** `auth login`: a sign-in now, even with tokens in hand; `challenge` is the server's WWW-Authenticate, if it sent one. */
  async login(challenge?: string): Promise<void> {
    const parsed = parseBearerChallenge(challenge);
    if (parsed) this.challenge = parsed;
    this.flow?.abort.abort(new Error('replaced by a new sign-in'));
    this.flow = this.startFlow('sign-in', undefined, this.options.opener !== undefined, false);
    if (!(await this.flow.done)) throw new Error(this.problem ?? 'sign-in failed');
  }

  private startFlow(kind: Kind, scopes: string[] | undefined, open: boolean, renew = true): Flow {
    const abort = new AbortController();
    const flow: Flow = { kind, abort, done: Promise.resolve(false) };
    let timer: NodeJS.Timeout | undefined;
    let afterLink = false;
    flow.done = network().then(([{ signIn }]) => signIn({
      name: this.name,
      serverUrl: this.options.url,
      settings: this.options.settings,
      ...(this.challenge ? { challenge: this.challenge } : {}),
      ...(scopes ? { scopes } : {}),
      previous: kind === 'sign-in' ? this.previous : [],
      registrations: this.record.registrations,
      redirects: this.options.redirects,
      now: this.now,
      registered: (r) => this.keepRegistration(r),
      link: (url) => {
        flow.link = url;
        afterLink = true;
        const what = kind === 'sign-in' ? 'needs sign-in' : `needs more permissions (scope "${scopes?.join(' ')}")`;
        showLink(`server "${this.name}" ${what}: open ${url}`);
        if (open) this.options.opener!(url);
        timer = setTimeout(() => abort.abort(new Error('the sign-in link expired')), this.options.linkTtlMs ?? LINK_TTL_MS);
        timer.unref();
        this.changed();
      },
      signal: abort.signal,
    })).then(
      (tokens) => {
        clearTimeout(timer);
        this.previous = tokens.requested;
        this.problem = undefined;
        this.keepTokens(tokens, true);
        log.info(`server "${this.name}": signed in${tokens.scope ? ` (scope "${tokens.scope}")` : ''}`);
        this.endFlow(flow, false);
        return true;
      },
      (e: unknown) => {
        clearTimeout(timer);
        const expired = abort.signal.aborted && /expired/.test(String(abort.signal.reason));
        const cancelled = abort.signal.aborted && !expired;
        this.problem = expired ? 'the sign-in link expired' : `sign-in failed: ${errorMessage(e)}`;
        if (!cancelled) (expired ? log.info : log.error)(`server "${this.name}": ${this.problem}`);
        // A link was handed out: keep one available (without opening the browser again).
        const again = renew && !cancelled && kind === 'sign-in' && afterLink;
        this.endFlow(flow, again);
        return false;
      },
    );
    return flow;
  }

  private endFlow(flow: Flow, again: boolean): void {
    if (this.flow !== flow) return;
    this.flow = again ? this.startFlow('sign-in', undefined, false) : undefined;
    this.changed();
  }

  /** Stops a waiting sign-in (the server was removed, or the proxy stops). */
  cancel(reason: string): void {
    const flow = this.flow;
    this.flow = undefined;
    flow?.abort.abort(new Error(reason));
  }

  /** Forgets tokens and registrations of this server, here and on disk. */
  logout(): boolean {
    this.cancel('signed out');
    const had = this.record.tokens !== undefined || this.record.registrations.length > 0;
    this.record = { ...this.record, registrations: [], tokens: undefined };
    this.previous = [];
    const removed = this.options.store.remove(this.key);
    this.changed();
    return had || removed;
  }

  // ---- the store ------------------------------------------------------------------------------

  /** Reads the stored record; true if it brought other tokens than those in hand. */
  private reload(): boolean {
    let stored: ServerRecord | undefined;
    try {
      stored = this.options.store.load(this.key);
    } catch (e) {
      this.warnStore(e);
      return false;
    }
    if (!stored) return false;
    const before = this.record.tokens?.accessToken;
    this.record = { ...this.record, registrations: stored.registrations, ...(stored.tokens ? { tokens: stored.tokens } : {}) };
    if (stored.tokens) this.previous = stored.tokens.requested;
    return stored.tokens !== undefined && stored.tokens.accessToken !== before;
  }

  private keepTokens(tokens: StoredTokens, fromSignIn: boolean): void {
    this.record = { ...this.record, tokens };
    this.unproven = fromSignIn;
    this.save();
  }

  private dropTokens(): void {
    this.record = { ...this.record, tokens: undefined };
    this.save();
  }

  private keepRegistration(registration: Registration): void {
    const others = this.record.registrations.filter((r) => !(r.issuer === registration.issuer && r.redirectUri === registration.redirectUri));
    this.record = { ...this.record, registrations: [...others, registration] };
    this.save();
  }

  private save(): void {
    try {
      this.options.store.save(this.key, this.record);
    } catch (e) {
      this.warnStore(e);
    }
  }

  private warnStore(e: unknown): void {
    if (this.storeWarned) return;
    this.storeWarned = true;
    log.warn(`server "${this.name}": ${errorMessage(e)}; sign-ins are kept in memory only (see --oauth-store)`);
  }
}

/** Whose tokens these are: the configured client, or "" for dynamically registered ones. */
function identityOf(settings: OAuthSettings): string {
  return settings.clientId ?? settings.clientMetadataUrl ?? '';
}

function describe(challenge: BearerChallenge | undefined): string {
  return challenge?.error ? `${challenge.error}${challenge.errorDescription ? `: ${challenge.errorDescription.slice(0, 200)}` : ''}` : 'HTTP 401';
}
