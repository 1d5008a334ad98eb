// Dynamic client registration (RFC 7591), the fallback when the authorization server supports
// neither a configured client nor Client ID Metadata Documents. The proxy registers as a public
// client where the server allows it, asks for refresh tokens (SEP-2207), and says which kind of
// application it is (SEP-837): "native" for loopback redirects, "web" otherwise.
import { PROXY_INFO } from '../proxy-info.js';
import type { AuthServerMetadata } from './discovery.js';
import { describeErrorAnswer, displayUrl, jsonObject, oauthFetch } from './http.js';
import type { Registration } from './store.js';

export async function registerClient(
  metadata: AuthServerMetadata,
  redirectUri: string,
  scopes: string[],
  native: boolean,
): Promise<Registration> {
  const url = new URL(metadata.registration_endpoint!);
  const request: Record<string, unknown> = {
    client_name: 'multi-mcp',
    software_id: 'multi-mcp',
    software_version: PROXY_INFO.version,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    application_type: native ? 'native' : 'web',
  };
  if (metadata.token_endpoint_auth_methods_supported?.includes('none')) request.token_endpoint_auth_method = 'none';
  if (scopes.length > 0) request.scope = scopes.join(' ');
  const res = await oauthFetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`dynamic client registration at ${displayUrl(url)} failed: ${describeErrorAnswer(res)}`);
  }
  const body = jsonObject(res);
  if (typeof body.client_id !== 'string' || body.client_id === '') {
    throw new Error(`dynamic client registration at ${displayUrl(url)} answered without a client_id`);
  }
  const registration: Registration = { issuer: metadata.issuer, redirectUri, clientId: body.client_id };
  if (typeof body.client_secret === 'string' && body.client_secret !== '') registration.clientSecret = body.client_secret;
  if (typeof body.token_endpoint_auth_method === 'string') registration.authMethod = body.token_endpoint_auth_method;
  return registration;
}
