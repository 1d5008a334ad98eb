// `multi-mcp auth login|status|logout`: signing in ahead of time, with the same store, discovery
// and browser step the proxy uses (a loopback redirect, as in stdio mode). Output on stdout; the
// sign-in link and problems on stderr. Never prints a token.
import type { AuthCliOptions } from '../cli-args.js';
import { loadConfig, type ServerSpec } from '../config/index.js';
import { errorMessage } from '../log.js';
import { displayUrl, oauthFetch } from './http.js';
import { OAuthManager } from './manager.js';
import type { ServerAuth } from './server-auth.js';

type Print = (line: string) => void;

export async function runAuthCommand(opts: AuthCliOptions, print: Print = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const config = loadConfig(opts.config);
  const manager = new OAuthManager({
    ...(opts.oauthStore !== undefined ? { storeDir: opts.oauthStore } : {}),
    ...(opts.oauthOpenCommand !== undefined ? { openCommand: opts.oauthOpenCommand } : {}),
  });
  try {
    if (opts.action === 'status') {
      for (const spec of config.servers) print(statusLine(spec, manager));
      if (config.servers.length === 0) print(`no servers in ${config.source}`);
      return 0;
    }
    const spec = config.servers.find((s) => s.name === opts.server);
    if (!spec) {
      const disabled = config.disabledServers.includes(opts.server!);
      throw new Error(`${config.source} has no ${disabled ? 'enabled ' : ''}server "${opts.server}"`);
    }
    const auth = manager.acquire(spec);
    if (!auth) throw new Error(`server "${spec.name}" ${whyNoSignIn(spec)}: there is nothing to sign in to`);
    if (opts.action === 'logout') {
      print(auth.logout() ? `signed out of "${spec.name}" (tokens and client registration forgotten)` : `"${spec.name}" was not signed in`);
      return 0;
    }
    return await login(spec, auth, print);
  } finally {
    manager.close();
  }
}

async function login(spec: ServerSpec, auth: ServerAuth, print: Print): Promise<number> {
  const probe = await challengeOf(spec);
  if (probe.status >= 200 && probe.status < 300) {
    print(`"${spec.name}" (${displayUrl(spec.url!)}) answered without asking for sign-in (HTTP ${probe.status}); nothing to do`);
    return 0;
  }
  await auth.login(probe.challenge);
  const status = auth.status();
  print(`signed in to "${spec.name}"${status.scope ? ` with scope "${status.scope}"` : ''}${expiry(status.expiresAt, status.canRefresh)}`);
  return 0;
}

/** An unauthenticated request, for the server's WWW-Authenticate challenge (where its metadata is, which scopes). */
async function challengeOf(spec: ServerSpec): Promise<{ status: number; challenge?: string }> {
  const url = new URL(spec.url!.replace(/^ws/, 'http'));
  const res =
    spec.transport === 'sse' || spec.transport === 'ws'
      ? await oauthFetch(url, { headers: { ...spec.headers, Accept: 'text/event-stream' } })
      : await oauthFetch(url, {
          method: 'POST',
          headers: { ...spec.headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'multi-mcp', version: 'auth-login' } },
          }),
        });
  const challenge = res.headers['www-authenticate'];
  return { status: res.status, ...(challenge !== undefined ? { challenge } : {}) };
}

function statusLine(spec: ServerSpec, manager: OAuthManager): string {
  const where = spec.url ? displayUrl(spec.url) : `${spec.command} (local process)`;
  const auth = manager.acquire(spec);
  if (!auth) return `${spec.name}  ${where}  no sign-in (${whyNoSignIn(spec)})`;
  try {
    const status = auth.status();
    if (!status.signedIn) return `${spec.name}  ${where}  not signed in`;
    return `${spec.name}  ${where}  signed in${status.scope ? `, scope "${status.scope}"` : ''}${expiry(status.expiresAt, status.canRefresh)}`;
  } catch (e) {
    return `${spec.name}  ${where}  unknown (${errorMessage(e)})`;
  }
}

function whyNoSignIn(spec: ServerSpec): string {
  if (!spec.url) return 'is a local process';
  if (spec.oauth === false) return 'has "oauth": false';
  return 'sends its own Authorization header';
}

function expiry(expiresAt: number | undefined, canRefresh: boolean): string {
  const refresh = canRefresh ? ', renewed automatically' : '';
  if (expiresAt === undefined) return refresh;
  const left = expiresAt - Date.now();
  if (left <= 0) return `, token expired${canRefresh ? ' (renewed on next use)' : ''}`;
  const minutes = Math.round(left / 60_000);
  return `, token valid for ${minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`}${refresh}`;
}
