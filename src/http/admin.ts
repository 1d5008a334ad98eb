// The admin API (as in the original multi-mcp, fixed): list, add and remove servers at run time,
// list exposed tools, and health.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../backends/backend.js';
import { ConfigError, parseServerEntries, SERVER_TABLES, type ServerSpec } from '../config/index.js';
import { isPlainObject } from '../config/schema.js';
import { errorMessage, log } from '../log.js';
import { redactUrlsIn } from '../redact.js';
import { LiveConfig, type Persisted } from '../reload.js';
import type { Router } from '../router/router.js';
import { readJsonBody, rejectBody } from './body.js';
import { sendError, sendJson } from './respond.js';

export const SERVERS_PATH = '/mcp_servers';
export const TOOLS_PATH = '/mcp_tools';
export const HEALTH_PATH = '/health';

export interface ServerStatus {
  name: string;
  transport: string;
  state: string;
  tools: number;
  prompts: number;
  resources: number;
  resourceTemplates: number;
  pid?: number;
  lastError?: string;
  /** While a sign-in waits: the link to open. */
  authorizationUrl?: string;
}

export function describeBackend(b: Backend): ServerStatus {
  const status: ServerStatus = {
    name: b.name,
    transport: b.transport,
    state: b.state,
    tools: b.catalog.tools.length,
    prompts: b.catalog.prompts.length,
    resources: b.catalog.resources.length,
    resourceTemplates: b.catalog.resourceTemplates.length,
  };
  if (b.pid !== undefined) status.pid = b.pid;
  if (b.lastError !== undefined) status.lastError = redactUrlsIn(b.lastError);
  if (b.authorizationUrl !== undefined) status.authorizationUrl = b.authorizationUrl;
  return status;
}

/** `verbose=1|true|yes` on /health asks for the per-backend detail (which needs the key). */
export function isVerboseHealth(url: URL): boolean {
  const v = url.searchParams.get('verbose');
  return v !== null && v !== '0' && v.toLowerCase() !== 'false' && v.toLowerCase() !== 'no';
}

/** How an admin change answer says whether the config file has it. */
function persistence({ persisted, reason }: Persisted): { persisted: boolean; warning?: string } {
  return persisted ? { persisted } : { persisted, warning: `not saved to the config file: ${reason}` };
}

/** The entry for `name` as posted, from whichever servers table of the body holds it. */
function postedEntry(body: unknown, name: string): unknown {
  for (const table of SERVER_TABLES) {
    const servers = isPlainObject(body) ? body[table] : undefined;
    if (isPlainObject(servers) && Object.hasOwn(servers, name)) return servers[name];
  }
  return undefined;
}

export class AdminApi {
  /** Changes to the set of servers go through it one at a time, and into the config file. */
  private readonly live: LiveConfig;

  constructor(
    private readonly router: Router,
    private readonly maxBodyBytes: number,
    live?: LiveConfig,
  ) {
    this.live = live ?? new LiveConfig(router, undefined, undefined, { persist: false });
  }

  listServers(res: ServerResponse): void {
    const backends = [...this.router.registry.list()];
    sendJson(res, 200, {
      active_servers: backends.filter((b) => b.state === 'ready').map((b) => b.name),
      servers: backends.map(describeBackend),
    });
  }

  /** POST {"mcpServers": {...}}: all start, or none is kept. */
  async addServers(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonBody(req, this.maxBodyBytes);
    if (!body.ok) return rejectBody(res, body, false);
    let specs: ServerSpec[];
    try {
      specs = parseServerEntries(body.value, 'request body', process.env, this.live.file).servers;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return sendJson(res, 400, { error: 'invalid server configuration', issues: e.issues });
    }
    if (specs.length === 0) {
      const issues = [{ path: 'mcpServers', message: 'must name at least one enabled server' }];
      return sendJson(res, 400, { error: 'no servers to add', issues });
    }
    // Queued: another admin change or a reload in between would see, or write, half of this one.
    await this.live.serialize(async () => {
      const taken = specs.filter((s) => this.router.registry.has(s.name)).map((s) => s.name);
      if (taken.length > 0) return sendJson(res, 409, { error: `server already exists: ${taken.join(', ')}`, names: taken });

      const results = await Promise.allSettled(specs.map((spec) => this.router.addServer(spec)));
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ name: specs[i].name, error: errorMessage(r.reason) }] : [],
      );
      const added = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (failed.length > 0) {
        // Keep nothing of a partly failed request, so retrying it does not hit 409.
        await Promise.allSettled(added.map((b) => this.router.removeServer(b.name)));
        const summary = failed.map((f) => `${f.name}: ${f.error}`).join('; ');
        return sendJson(res, 502, { error: `failed to start ${summary}`, failed });
      }
      const entries = Object.fromEntries(specs.map((s) => [s.name, postedEntry(body.value, s.name)]));
      const persisted = await this.live.persistAdded(entries, specs);
      log.info(`added server${added.length > 1 ? 's' : ''} ${added.map((b) => `"${b.name}"`).join(', ')} through the admin API`);
      sendJson(res, 201, { servers: added.map(describeBackend), ...persistence(persisted) });
    });
  }

  async removeServer(res: ServerResponse, name: string): Promise<void> {
    await this.live.serialize(async () => {
      if (!(await this.router.removeServer(name))) return sendError(res, 404, `no server named ${JSON.stringify(name)}`);
      const persisted = await this.live.persistRemoved(name);
      log.info(`removed server "${name}" through the admin API`);
      sendJson(res, 200, { removed: name, ...persistence(persisted) });
    });
  }

  /** Stops and starts a server again: the way to retry one that gave up (state "failed"). */
  async restartServer(res: ServerResponse, name: string): Promise<void> {
    const backend = await this.live.restart(name);
    if (!backend) return sendError(res, 404, `no server named ${JSON.stringify(name)}`);
    log.info(`restarted server "${name}" through the admin API`);
    sendJson(res, backend.state === 'ready' ? 200 : 502, { server: describeBackend(backend) });
  }

  listTools(res: ServerResponse): void {
    sendJson(res, 200, { tools: this.router.catalog.toolOwners() });
  }

  health(res: ServerResponse, verbose: boolean): void {
    if (!verbose) return sendJson(res, 200, { status: 'ok' });
    const backends = [...this.router.registry.list()];
    sendJson(res, 200, { status: 'ok', servers: backends.map(describeBackend) });
  }
}
