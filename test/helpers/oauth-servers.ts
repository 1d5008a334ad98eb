// A local OAuth 2.1 authorization server and MCP servers protected by it, for sign-in tests
// (no network). The authorization server approves every authorization request at once (the test's
// "browser" only has to follow the redirect), checks PKCE, binds each token to the `resource` it
// was asked for, rotates refresh tokens, and can expire or revoke tokens on demand. A protected
// server answers 401 with a Bearer challenge unless it gets a live token issued for it, and serves
// an MCP tool "whoami" naming the token it was called with.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthServerOptions {
  /** expires_in of access tokens, in seconds (default 3600). */
  expiresIn?: number;
  /** Issue refresh tokens (default true). */
  refreshTokens?: boolean;
  /** Send this as `iss` in the redirect instead of the issuer ('omit' leaves it out). */
  issInRedirect?: string;
  scopesSupported?: string[];
  /** Grant only these of the requested scopes (default: all requested). */
  grantOnly?: string[];
}

interface Grant {
  clientId: string;
  resource: string;
  scope: string;
  /** Serial number, so tests can tell tokens apart without seeing them. */
  serial: number;
}

/** An HTTP server on 127.0.0.1, any free port. */
abstract class LocalServer {
  readonly server = http.createServer((req, res) => void this.handle(req, res));
  url = '';

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export class TestAuthServer extends LocalServer {
  /** Requests by kind, for assertions. */
  readonly counts = { register: 0, authorize: 0, authorizationCode: 0, refresh: 0, metadata: 0 };
  readonly clients = new Map<string, { secret?: string; redirectUris: string[] }>();
  readonly accessTokens = new Map<string, Grant>();
  readonly refreshTokens = new Map<string, Grant>();
  private readonly codes = new Map<string, Grant & { challenge: string; redirectUri: string }>();
  private serial = 0;
  /** The last authorization request's query (scope, resource, client_id, …). */
  lastAuthorization: URLSearchParams | undefined;
  /** The last token request's form (never contains the issued tokens themselves). */
  lastTokenRequest: URLSearchParams | undefined;

  constructor(readonly options: AuthServerOptions = {}) {
    super();
  }

  /** The grant behind a live access token (what a protected server asks). */
  introspect(token: string): Grant | undefined {
    return this.accessTokens.get(token);
  }

  /** Every access token stops working (as if expired); refresh tokens still work. */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** Every token, access and refresh, is revoked. */
  revokeAll(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }

  private issue(grant: Omit<Grant, 'serial'>): Record<string, unknown> {
    const full = { ...grant, serial: ++this.serial };
    const access = `at-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(access, full);
    const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: this.options.expiresIn ?? 3600 };
    if (this.options.refreshTokens !== false) {
      const refresh = `rt-${randomBytes(12).toString('hex')}`;
      this.refreshTokens.set(refresh, full);
      body.refresh_token = refresh;
    }
    if (grant.scope) body.scope = grant.scope;
    return body;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      this.counts.metadata++;
      return json(res, 200, {
        issuer: this.url,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        registration_endpoint: `${this.url}/register`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
        authorization_response_iss_parameter_supported: true,
        ...(this.options.scopesSupported ? { scopes_supported: this.options.scopesSupported } : {}),
      });
    }
    if (url.pathname === '/register' && req.method === 'POST') {
      this.counts.register++;
      const request = JSON.parse(body) as { redirect_uris: string[]; token_endpoint_auth_method?: string };
      const clientId = `client-${this.counts.register}`;
      this.clients.set(clientId, { redirectUris: request.redirect_uris });
      return json(res, 201, { client_id: clientId, redirect_uris: request.redirect_uris, token_endpoint_auth_method: 'none' });
    }
    if (url.pathname === '/authorize') {
      this.counts.authorize++;
      const q = url.searchParams;
      this.lastAuthorization = q;
      const client = this.clients.get(q.get('client_id') ?? '');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!client || !client.redirectUris.includes(redirectUri)) return json(res, 400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
      const code = `code-${randomBytes(8).toString('hex')}`;
      this.codes.set(code, {
        clientId: q.get('client_id')!,
        resource: q.get('resource') ?? '',
        scope: q.get('scope') ?? '',
        serial: 0,
        challenge: q.get('code_challenge') ?? '',
        redirectUri,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      const iss = this.options.issInRedirect ?? this.url;
      if (iss !== 'omit') back.searchParams.set('iss', iss);
      res.writeHead(302, { Location: back.toString() });
      return void res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      this.lastTokenRequest = form;
      if (form.get('grant_type') === 'authorization_code') {
        this.counts.authorizationCode++;
        const grant = this.codes.get(form.get('code') ?? '');
        this.codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (!grant || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge || grant.redirectUri !== form.get('redirect_uri')) {
          return json(res, 400, { error: 'invalid_grant' });
        }
        if (form.get('resource') !== grant.resource) return json(res, 400, { error: 'invalid_target' });
        const requested = grant.scope.split(' ').filter(Boolean);
        const scope = (this.options.grantOnly ? requested.filter((s) => this.options.grantOnly!.includes(s)) : requested).join(' ');
        return json(res, 200, this.issue({ clientId: grant.clientId, resource: grant.resource, scope }));
      }
      if (form.get('grant_type') === 'refresh_token') {
        this.counts.refresh++;
        const grant = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (!grant) return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token revoked' });
        this.refreshTokens.delete(form.get('refresh_token')!); // rotation
        return json(res, 200, this.issue({ clientId: grant.clientId, resource: grant.resource, scope: grant.scope }));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    json(res, 404, { error: 'not_found' });
  }
}

export interface ProtectedServerOptions {
  /** Scopes tools/call needs (403 insufficient_scope otherwise). */
  callScopes?: string[];
}

/** An MCP server (Streamable HTTP, JSON answers, no sessions) that wants tokens of `auth` issued for it. */
export class ProtectedMcpServer extends LocalServer {
  /** Every Authorization header value it received (to check what was, and was not, sent). */
  readonly authorizations: string[] = [];
  /** Answers by status. */
  readonly statuses = new Map<number, number>();

  constructor(
    private readonly auth: TestAuthServer,
    private readonly options: ProtectedServerOptions = {},
  ) {
    super();
  }

  get resource(): string {
    return `${this.url}/mcp`;
  }

  count(status: number): number {
    return this.statuses.get(status) ?? 0;
  }

  private answer(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.statuses.set(status, this.count(status) + 1);
    json(res, status, body, headers);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    const metadataUrl = `${this.url}/.well-known/oauth-protected-resource/mcp`;
    if (url.pathname === '/.well-known/oauth-protected-resource/mcp') {
      return this.answer(res, 200, { resource: this.resource, authorization_servers: [this.auth.url], scopes_supported: ['mcp'] });
    }
    if (url.pathname !== '/mcp') return this.answer(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return this.answer(res, 405, { error: 'method not allowed' });
    const header = req.headers.authorization;
    if (header !== undefined) this.authorizations.push(header);
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const grant = token === undefined ? undefined : this.auth.introspect(token);
    if (!grant || grant.resource !== this.resource) {
      return this.answer(res, 401, { error: 'invalid_token' }, { 'WWW-Authenticate': `Bearer resource_metadata="${metadataUrl}", scope="mcp"` });
    }
    const msg = JSON.parse(body) as { id?: number | string; method: string; params?: { name?: string } };
    if (msg.method === 'tools/call' && this.options.callScopes) {
      const granted = grant.scope.split(' ');
      const missing = this.options.callScopes.filter((s) => !granted.includes(s));
      if (missing.length > 0) {
        return this.answer(res, 403, { error: 'insufficient_scope' }, {
          'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${missing.join(' ')}", resource_metadata="${metadataUrl}"`,
        });
      }
    }
    if (msg.id === undefined) {
      this.statuses.set(202, this.count(202) + 1);
      return void res.writeHead(202).end();
    }
    const reply = (result: unknown) => this.answer(res, 200, { jsonrpc: '2.0', id: msg.id, result });
    switch (msg.method) {
      case 'initialize':
        return reply({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'protected', version: '1' } });
      case 'tools/list':
        return reply({ tools: [{ name: 'whoami', description: 'Names the token it was called with', inputSchema: { type: 'object' } }] });
      case 'tools/call':
        return reply({ content: [{ type: 'text', text: `token #${grant.serial} of ${grant.clientId} for ${grant.resource}` }] });
      default:
        return this.answer(res, 200, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
    }
  }
}

/** Follows a sign-in link like a browser whose user approves at once; resolves with the final page's status. */
export async function approve(link: string): Promise<number> {
  let url = new URL(link);
  for (let hop = 0; hop < 5; hop++) {
    const { status, location } = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      http
        .get(url, { agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
        })
        .on('error', reject);
    });
    if (status >= 300 && status < 400 && location) url = new URL(location, url);
    else return status;
  }
  throw new Error('too many redirects');
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
