// One interactive sign-in, start to finish: discovery, client identity, PKCE S256, the
// authorization link, the redirect (checked per RFC 9207), the code exchange. Stateless: the
// caller (ServerAuth) decides when to sign in and keeps what comes out.
import { createHash, randomBytes } from 'node:crypto';
import type { BearerChallenge } from './challenge.js';
import { scopeList, unionScopes } from './challenge.js';
import type { OAuthSettings } from './config.js';
import {
  canonicalResource,
  checkResource,
  defaultEndpoints,
  discoverAuthServer,
  discoverProtectedResource,
  type AuthServerMetadata,
} from './discovery.js';
import { displayUrl } from './http.js';
import type { PendingRedirect, RedirectReceiver } from './redirect.js';
import { registerClient } from './registration.js';
import type { Registration, StoredTokens } from './store.js';
import { requestToken, type OAuthClient } from './token-endpoint.js';

export interface SignInRequest {
  /** Server name, for messages. */
  name: string;
  serverUrl: URL;
  settings: OAuthSettings;
  /** The server's last Bearer challenge, if any (where its metadata is, which scopes it wants). */
  challenge?: BearerChallenge;
  /** Step-up: exactly these scopes (plus offline_access where offered). Else chosen per the spec. */
  scopes?: string[];
  /** Scopes asked for before (re-authorization keeps them). */
  previous: string[];
  /** Clients registered earlier, by issuer and redirect URI. */
  registrations: readonly Registration[];
  redirects: RedirectReceiver;
  now(): number;
  /** A new dynamic registration, to be kept. */
  registered(registration: Registration): void;
  /** The authorization link is ready: show it (and open it). */
  link(url: string): void;
  /** Aborts the sign-in (cancelled, or the link expired). */
  signal: AbortSignal;
}

export async function signIn(req: SignInRequest): Promise<StoredTokens> {
  let redirect: PendingRedirect | undefined;
  const stop = () => redirect?.close(String(req.signal.reason ?? 'sign-in cancelled'));
  req.signal.addEventListener('abort', stop, { once: true });
  try {
    const found = await discover(req);
    req.signal.throwIfAborted();
    const scopes = chooseScopes(req, found);
    const state = randomText();
    const verifier = randomText();
    const prepared = await clientFor(req, found.metadata, scopes, state);
    redirect = prepared.redirect;
    const { client } = prepared;
    if (req.signal.aborted) throw req.signal.reason;
    const link = authorizationLink(found.metadata, client, redirect.uri, state, verifier, scopes, found.resource);
    req.link(link);
    const callback = await redirect.result;
    try {
      const code = checkCallback(callback.params, found.metadata);
      const tokens = await requestToken(
        found.metadata,
        client,
        { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirect.uri, resource: found.resource },
        req.now(),
      );
      callback.reply(true, `multi-mcp is signed in to "${req.name}". You can close this page.`);
      return { ...tokens, issuer: found.metadata.issuer, clientId: client.clientId, requested: scopes, resource: found.resource };
    } catch (e) {
      callback.reply(false, `Signing in to "${req.name}" failed: ${(e as Error).message}`);
      throw e;
    }
  } catch (e) {
    // Once aborted, the reason says more than whatever the abort broke.
    throw req.signal.aborted ? new Error(String((req.signal.reason as Error)?.message ?? req.signal.reason ?? 'sign-in cancelled')) : e;
  } finally {
    req.signal.removeEventListener('abort', stop);
    redirect?.close();
  }
}

interface Discovered {
  metadata: AuthServerMetadata;
  resource: string;
  scopesSupported?: string[];
}

async function discover(req: SignInRequest): Promise<Discovered> {
  const prm = await discoverProtectedResource(req.serverUrl, req.challenge?.resourceMetadata);
  if (!prm) {
    // A 2025-03-26 server: its origin is the authorization server.
    const issuer = req.serverUrl.origin;
    return { metadata: (await discoverAuthServer(issuer)) ?? defaultEndpoints(req.serverUrl), resource: canonicalResource(req.serverUrl) };
  }
  checkResource(req.serverUrl, prm.resource);
  const issuer = prm.authorizationServers[0];
  const metadata = await discoverAuthServer(issuer);
  if (!metadata) throw new Error(`the authorization server ${displayUrl(issuer)} publishes no metadata (RFC 8414 or OpenID Connect Discovery)`);
  return { metadata, resource: prm.resource, ...(prm.scopesSupported ? { scopesSupported: prm.scopesSupported } : {}) };
}

/**
 * The spec's selection: the challenge's scope, else the metadata's scopes_supported, else none;
 * configured scopes replace both. Earlier scopes are kept on re-authorization, and offline_access
 * is added where the authorization server offers it (for a refresh token), never alone.
 */
function chooseScopes(req: SignInRequest, found: Discovered): string[] {
  const challenged = scopeList(req.challenge?.scope);
  const selected = req.scopes ?? req.settings.scopes ?? (challenged.length > 0 ? challenged : (found.scopesSupported ?? []));
  const scopes = unionScopes(req.previous, selected);
  if (scopes.length > 0 && found.metadata.scopes_supported?.includes('offline_access') && !scopes.includes('offline_access')) {
    scopes.push('offline_access');
  }
  return scopes;
}

/**
 * Who the proxy is to this authorization server, in the 2026-07-28 priority order: a configured
 * client, a Client ID Metadata Document where supported, a client registered earlier for the
 * same issuer and redirect URI, else a dynamic registration.
 */
async function clientFor(
  req: SignInRequest,
  metadata: AuthServerMetadata,
  scopes: string[],
  state: string,
): Promise<{ client: OAuthClient; redirect: PendingRedirect }> {
  const { settings } = req;
  if (settings.clientId !== undefined) {
    const redirect = await req.redirects.open(state, settings.redirectPort);
    return { redirect, client: { clientId: settings.clientId, ...(settings.clientSecret !== undefined ? { clientSecret: settings.clientSecret } : {}) } };
  }
  if (metadata.client_id_metadata_document_supported === true && settings.clientMetadataUrl !== undefined) {
    const redirect = await req.redirects.open(state, settings.redirectPort);
    return { redirect, client: { clientId: settings.clientMetadataUrl, authMethod: 'none' } };
  }
  const known = [...req.registrations].reverse().find((r) => r.issuer === metadata.issuer);
  let redirect: PendingRedirect | undefined;
  if (known) {
    redirect = await req.redirects.open(state, settings.redirectPort ?? loopbackPort(known.redirectUri)).catch(() => undefined);
    if (redirect?.uri === known.redirectUri) return { redirect, client: known };
  }
  if (!metadata.registration_endpoint) {
    redirect?.close();
    throw new Error(
      `the authorization server ${displayUrl(metadata.issuer)} offers neither Client ID Metadata Documents` +
        `${settings.clientMetadataUrl === undefined ? '' : ' (oauth.clientMetadataUrl is set but not supported there)'} nor dynamic client registration; ` +
        `register a client there and set "oauth": { "clientId": … } for server "${req.name}"`,
    );
  }
  redirect ??= await req.redirects.open(state, settings.redirectPort);
  try {
    const registration = await registerClient(metadata, redirect.uri, scopes, req.redirects.loopback);
    req.registered(registration);
    return { redirect, client: registration };
  } catch (e) {
    redirect.close();
    throw e;
  }
}

function loopbackPort(uri: string): number | undefined {
  try {
    const url = new URL(uri);
    return url.hostname === '127.0.0.1' && url.port ? Number(url.port) : undefined;
  } catch {
    return undefined;
  }
}

function authorizationLink(
  metadata: AuthServerMetadata,
  client: OAuthClient,
  redirectUri: string,
  state: string,
  verifier: string,
  scopes: string[],
  resource: string,
): string {
  const url = new URL(metadata.authorization_endpoint);
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', client.clientId);
  params.set('redirect_uri', redirectUri);
  params.set('state', state);
  params.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  params.set('code_challenge_method', 'S256');
  if (scopes.length > 0) params.set('scope', scopes.join(' '));
  // OpenID Connect grants offline access only after explicit consent.
  if (scopes.includes('offline_access')) params.set('prompt', 'consent');
  params.set('resource', resource);
  return url.toString();
}

/**
 * RFC 9207 as the 2026-07-28 revision tables it: a present `iss` must equal the recorded issuer
 * (simple string comparison, advertised or not); an absent one is refused only when the server
 * advertises it. Only then are `error` or `code` looked at.
 */
function checkCallback(params: URLSearchParams, metadata: AuthServerMetadata): string {
  const iss = params.get('iss');
  if (iss !== null && iss !== metadata.issuer) {
    throw new Error(
      `the sign-in answer names issuer ${JSON.stringify(clean(iss))}, not ${JSON.stringify(metadata.issuer)}: ` +
        'it may come from another authorization server (a mix-up attack), so it was not used',
    );
  }
  if (iss === null && metadata.authorization_response_iss_parameter_supported === true) {
    throw new Error(`the sign-in answer carries no "iss" although ${metadata.issuer} promises one (RFC 9207), so it was not used`);
  }
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description');
    throw new Error(`the authorization server refused: ${clean(error)}${description ? ` (${clean(description)})` : ''}`);
  }
  const code = params.get('code');
  if (!code) throw new Error('the sign-in answer carries no authorization code');
  return code;
}

/** Text from the browser's URL, safe to show: printable and short. */
function clean(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

function randomText(): string {
  return randomBytes(32).toString('base64url');
}
