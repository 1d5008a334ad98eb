// Finding the authorization server of an MCP server (MCP authorization, 2025-11-25 and
// 2026-07-28): protected resource metadata (RFC 9728) from the challenge's resource_metadata, else
// the path-based, then the root well-known URI; then the authorization server's metadata (RFC 8414
// and OpenID Connect Discovery) in the spec's order, with the checks both revisions require.
import { describeErrorAnswer, displayUrl, jsonObject, oauthFetch, type OAuthResponse } from './http.js';

export interface ProtectedResource {
  /** The resource identifier, verbatim (sent as RFC 8707 `resource`). */
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
}

export interface AuthServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  scopes_supported?: string[];
  response_types_supported?: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  client_id_metadata_document_supported?: boolean;
  authorization_response_iss_parameter_supported?: boolean;
}

/** Protected resource metadata, or undefined when the server publishes none (a 2025-03-26 server). */
export async function discoverProtectedResource(serverUrl: URL, fromChallenge?: string): Promise<ProtectedResource | undefined> {
  const candidates: URL[] = [];
  if (fromChallenge) {
    try {
      candidates.push(new URL(fromChallenge));
    } catch {
      // an unusable hint: fall back to the well-known locations
    }
  }
  const path = serverUrl.pathname.replace(/\/$/, '');
  if (path !== '') candidates.push(new URL(`/.well-known/oauth-protected-resource${path}`, serverUrl));
  candidates.push(new URL('/.well-known/oauth-protected-resource', serverUrl));
  for (const url of candidates) {
    const res = await oauthFetch(url);
    if (res.status >= 400 && res.status < 500) continue;
    if (res.status !== 200) throw new Error(`protected resource metadata ${displayUrl(url)}: ${describeErrorAnswer(res)}`);
    return parseProtectedResource(res);
  }
  return undefined;
}

function parseProtectedResource(res: OAuthResponse): ProtectedResource {
  const body = jsonObject(res);
  const where = `protected resource metadata ${displayUrl(res.url)}`;
  if (typeof body.resource !== 'string') throw new Error(`${where} has no "resource"`);
  const servers = stringList(body.authorization_servers);
  if (servers.length === 0) throw new Error(`${where} lists no authorization_servers`);
  const scopes = stringList(body.scopes_supported);
  return { resource: body.resource, authorizationServers: servers, ...(Array.isArray(body.scopes_supported) ? { scopesSupported: scopes } : {}) };
}

/**
 * The metadata's resource must be this server: same origin, and the server's path within the
 * resource's (RFC 8707 / RFC 9728 §3.3). Anything else could make us obtain, and send, a token
 * for another resource.
 */
export function checkResource(serverUrl: URL, resource: string): void {
  let configured: URL;
  try {
    configured = new URL(resource);
  } catch {
    throw new Error(`protected resource metadata names resource ${JSON.stringify(resource)}, which is not a URL`);
  }
  const withSlash = (p: string) => (p.endsWith('/') ? p : `${p}/`);
  if (configured.origin !== serverUrl.origin || !withSlash(serverUrl.pathname).startsWith(withSlash(configured.pathname))) {
    throw new Error(
      `protected resource metadata names resource ${displayUrl(configured)}, which is not ${displayUrl(serverUrl)}; ` +
        'refusing to sign in (a token for another resource must not be requested or sent)',
    );
  }
}

/** The canonical URI of a server without metadata (RFC 8707 §2): no fragment, no trailing slash at the root. */
export function canonicalResource(serverUrl: URL): string {
  const url = new URL(serverUrl);
  url.hash = '';
  return url.pathname === '/' && url.search === '' ? url.origin : url.toString();
}

/** The well-known URLs for an issuer, in the spec's priority order. */
export function metadataUrls(issuer: string): URL[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  if (path === '') {
    return [new URL('/.well-known/oauth-authorization-server', url.origin), new URL('/.well-known/openid-configuration', url.origin)];
  }
  return [
    new URL(`/.well-known/oauth-authorization-server${path}`, url.origin),
    new URL(`/.well-known/openid-configuration${path}`, url.origin),
    new URL(`${path}/.well-known/openid-configuration`, url.origin),
  ];
}

/**
 * The authorization server's metadata, validated: its `issuer` must be exactly the identifier the
 * well-known URL was built from (RFC 8414 §3.3), and it must support PKCE with S256. Undefined when
 * no document exists at any of the URLs.
 */
export async function discoverAuthServer(issuer: string): Promise<AuthServerMetadata | undefined> {
  for (const url of metadataUrls(issuer)) {
    const res = await oauthFetch(url);
    if (res.status >= 400 && res.status < 500) continue;
    if (res.status !== 200) throw new Error(`authorization server metadata ${displayUrl(url)}: ${describeErrorAnswer(res)}`);
    return validateMetadata(jsonObject(res), issuer, url);
  }
  return undefined;
}

function validateMetadata(body: Record<string, unknown>, issuer: string, url: URL): AuthServerMetadata {
  const where = `authorization server metadata ${displayUrl(url)}`;
  if (body.issuer !== issuer) {
    throw new Error(
      `${where} says its issuer is ${JSON.stringify(body.issuer)}, not ${JSON.stringify(issuer)}; ` +
        'such metadata must not be used (RFC 8414 §3.3). Ask the server operator to fix the issuer or authorization_servers',
    );
  }
  for (const key of ['authorization_endpoint', 'token_endpoint'] as const) {
    if (typeof body[key] !== 'string') throw new Error(`${where} has no ${key}`);
  }
  const responseTypes = body.response_types_supported;
  if (Array.isArray(responseTypes) && !responseTypes.includes('code')) {
    throw new Error(`${where}: the server does not offer the authorization code flow (response_types_supported)`);
  }
  const pkce = body.code_challenge_methods_supported;
  if (!Array.isArray(pkce) || !pkce.includes('S256')) {
    throw new Error(`${where} does not list S256 in code_challenge_methods_supported; signing in without PKCE is refused`);
  }
  return body as unknown as AuthServerMetadata;
}

/**
 * 2025-03-26 servers without any metadata: the authorization server is the server's origin and
 * its endpoints sit at their default paths.
 */
export function defaultEndpoints(serverUrl: URL): AuthServerMetadata {
  const origin = serverUrl.origin;
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
