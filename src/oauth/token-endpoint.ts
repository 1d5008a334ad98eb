// The token endpoint (OAuth 2.1 §3.2, §4.1.3, §4.3): authorization code and refresh token
// grants, with client authentication client_secret_basic, client_secret_post or none (public).
import type { AuthServerMetadata } from './discovery.js';
import { describeErrorAnswer, displayUrl, jsonObject, oauthFetch } from './http.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface OAuthClient {
  clientId: string;
  clientSecret?: string;
  /** What registration said (or config implies); checked against the server's supported methods. */
  authMethod?: string;
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; undefined when the server did not say. */
  expiresAt?: number;
  /** What the server granted, if it said. */
  scope?: string;
}

/** An error answer of the token endpoint; `code` is the OAuth error ("invalid_grant", …). */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post', 'none'];

/**
 * The registered method if the server supports it; else basic or post for a client with a
 * secret (basic when the server lists nothing: RFC 8414 §2's default), none for one without.
 */
export function chooseAuthMethod(client: OAuthClient, supported: string[] | undefined): ClientAuthMethod {
  const list = supported ?? [];
  const registered = client.authMethod;
  if (registered && METHODS.includes(registered) && (list.length === 0 || list.includes(registered))) {
    if (registered === 'none' || client.clientSecret !== undefined) return registered as ClientAuthMethod;
  }
  const secret = client.clientSecret !== undefined;
  if (list.length === 0) return secret ? 'client_secret_basic' : 'none';
  if (secret && list.includes('client_secret_basic')) return 'client_secret_basic';
  if (secret && list.includes('client_secret_post')) return 'client_secret_post';
  if (list.includes('none') || !secret) return 'none';
  return 'client_secret_post';
}

export async function requestToken(
  metadata: AuthServerMetadata,
  client: OAuthClient,
  grant: Record<string, string>,
  now: number,
): Promise<TokenSet> {
  const params = new URLSearchParams(grant);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const method = chooseAuthMethod(client, metadata.token_endpoint_auth_methods_supported);
  if (method === 'client_secret_basic') {
    // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
    const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret ?? '')}`;
    headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  } else {
    params.set('client_id', client.clientId);
    if (method === 'client_secret_post' && client.clientSecret !== undefined) params.set('client_secret', client.clientSecret);
  }
  const url = new URL(metadata.token_endpoint);
  const res = await oauthFetch(url, { method: 'POST', headers, body: params.toString() });
  if (res.status !== 200) {
    let code: string | undefined;
    try {
      const error = (JSON.parse(res.text) as Record<string, unknown>).error;
      if (typeof error === 'string') code = error;
    } catch {
      // not JSON
    }
    throw new TokenError(`token endpoint ${displayUrl(url)} answered ${describeErrorAnswer(res)}`, code);
  }
  const body = jsonObject(res);
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new Error(`token endpoint ${displayUrl(url)} answered without an access_token`);
  }
  if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
    throw new Error(`token endpoint ${displayUrl(url)} issued a ${JSON.stringify(body.token_type)} token; only Bearer tokens are supported`);
  }
  const tokens: TokenSet = { accessToken: body.access_token };
  if (typeof body.refresh_token === 'string' && body.refresh_token !== '') tokens.refreshToken = body.refresh_token;
  const expiresIn = Number(body.expires_in);
  if (body.expires_in !== undefined && Number.isFinite(expiresIn) && expiresIn > 0) tokens.expiresAt = now + expiresIn * 1000;
  if (typeof body.scope === 'string') tokens.scope = body.scope;
  return tokens;
}
