// Command-line flags: parsing, validation and the --help text. No side effects.
import { parseArgs } from 'node:util';
import { DISCOVERY_MODES, type DiscoveryMode } from './config/discovery.js';
import { normalizeAllowedHost, normalizeOrigin } from './http/security.js';
import { DEFAULT_MAX_SESSIONS } from './http/server.js';
import { DEFAULT_SESSION_IDLE_MS } from './http/streamable-front.js';
import { DEFAULT_STARTUP_GRACE_MS } from './router/startup.js';
import { DEFAULT_MAX_BUFFERED_BYTES } from './transports/backlog.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.js';
import { splitCommand } from './oauth/opener.js';
import { CALLBACK_PATH } from './oauth/redirect.js';

export interface CliOptions {
  /** serve (default), or `multi-mcp tools`: print what the tool definitions cost, then exit. */
  command: 'serve' | 'tools';
  config: string;
  transport: 'stdio' | 'http';
  host: string;
  port: number;
  separator?: string;
  namespace?: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** --metrics [HOST:]PORT: /metrics on a port of its own. */
  metrics?: { host: string; port: number };
  metricsToolLabels: boolean;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** The longest start-up waits for slow backends before answering clients. */
  startupGraceMs: number;
  pageSize?: number;
  maxMessageBytes: number;
  /** HTTP mode: browser origins allowed besides localhost (normalized), or "*". */
  allowOrigins: string[];
  /** HTTP mode: Host header values accepted besides localhost/127.0.0.1/[::1] (normalized). */
  allowHosts: string[];
  /** HTTP mode: serve a non-loopback address without MULTI_MCP_API_KEY. */
  allowUnauthenticated: boolean;
  /** HTTP mode: largest accepted POST body. */
  maxBodyBytes: number;
  /** HTTP mode: client sessions of all fronts together. */
  maxSessions: number;
  /** HTTP mode: a Streamable HTTP session with no connection open is closed after this long. */
  sessionIdleMs: number;
  /** HTTP mode: total of replay events kept, and of unsent stream data (each). */
  maxBufferedBytes: number;
  /** Append every message crossing the proxy to this JSONL file. */
  record?: string;
  /** Reload when the config file changes (--no-watch: only on SIGHUP). */
  watch: boolean;
  /** Admin API changes are not written to the config file. */
  readOnlyConfig: boolean;
  /** --tool-discovery: over the config's top-level toolDiscovery.mode. */
  toolDiscovery?: DiscoveryMode;
  /** --view: stdio mode and `tools` serve this view of the config. */
  view?: string;
  /** `tools --json` */
  json: boolean;
  /** Where sign-in tokens are kept (default: the user's state directory). */
  oauthStore?: string;
  /** Opens sign-in links instead of the platform opener; the link is its last argument. */
  oauthOpenCommand?: string;
  /** HTTP mode: the redirect URI browsers return to after sign-in. */
  oauthRedirectUrl?: string;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: multi-mcp [options]
       multi-mcp tools [--view NAME] [--json] [options]
       multi-mcp auth login|status|logout [SERVER] [--config PATH] [--oauth-store DIR] [--oauth-open-command CMD]

One MCP server in front of many: spawns or connects the servers in mcp.json and routes between them.
\`multi-mcp tools\` starts the servers, prints the number and size (bytes, ~tokens) of their tool
definitions per server, in total and in search mode, and exits.

Options:
  --config PATH            config file (default: ./mcp.json)
  --transport stdio|sse|http
                           stdio (default): serve one client on stdin/stdout.
                           sse or http (same thing): serve SSE, Streamable HTTP and WebSocket on --host:--port
  --host HOST              HTTP bind address (default: 127.0.0.1)
  --port PORT              HTTP port (default: 8080)
  --separator SEP          between server and tool name in exposed names (default: __)
  --no-namespace           expose original tool and prompt names (first server wins on a clash)
  --log-level LEVEL        silent|error|warn|info|debug (default: info); logs go to stderr
  --log-format text|json   json: one JSON object per line (time, level, msg, server, session, ...)
  --metrics [HOST:]PORT    also serve Prometheus /metrics on this port (HOST default: --host)
  --metrics-tool-labels    add a tool label to request metrics (one series per tool: mind the cardinality)
  --request-timeout MS     per-request timeout towards backends (default: 60000)
  --connect-timeout MS     connect + initialize timeout per backend at start (default: 30000)
  --startup-grace MS       start-up is over once every backend is ready or failed, or MS after the last one
                           was and others are still starting; those join later with list_changed (default: 3000)
  --page-size N            paginate merged lists to clients, N items per page (default: no pagination)
  --max-message-size BYTES largest accepted message (default: 16777216)
  --allow-origin ORIGIN    HTTP mode: also accept browser requests from ORIGIN, e.g. https://app.example.com
                           (repeatable; "*" accepts any). Loopback origins are always accepted.
                           The admin API refuses every browser Origin.
  --allow-host HOST        HTTP mode: also accept requests whose Host header is HOST (a name, or name:port;
                           repeatable). Bound to loopback, only localhost/127.0.0.1/[::1] are accepted otherwise;
                           given for another bind address, Host is checked there too
  --allow-unauthenticated  HTTP mode: serve a non-loopback --host without MULTI_MCP_API_KEY (refused otherwise);
                           logged as a warning at every start. The admin API's write routes stay disabled
  --max-body BYTES         HTTP mode: largest accepted POST body (default: 4194304)
  --max-sessions N         HTTP mode: client sessions of all fronts together; past it, 503 (default: 1000)
  --session-idle MS        HTTP mode: close a Streamable HTTP session with no open connection after MS
                           without a request (default: 1800000, 30 minutes)
  --max-buffered-bytes BYTES
                           HTTP mode: total of server→client events kept for replay (oldest dropped first),
                           and total of data not yet sent to slow readers (the slowest cut) (default: 33554432)
  --record FILE            append every message crossing the proxy to FILE (JSONL transcript)
  --no-watch               do not reload when the config file changes (SIGHUP still reloads)
  --read-only-config       keep admin API changes (POST/DELETE /mcp_servers) out of the config file
  --tool-discovery all|search
                           search: tools/list shows only the pinned tools and search_tools, describe_tools,
                           call_tool (default: the config's toolDiscovery.mode, else all)
  --view NAME              stdio mode and \`tools\`: serve the view NAME of the config's "views"
  --json                   \`tools\`: print JSON
  --oauth-store DIR        where sign-in tokens are kept, owner-only
                           (default: the user's state directory, e.g. ~/.local/state/multi-mcp/oauth)
  --oauth-open-command CMD open sign-in links with CMD (the link is its last argument) instead of the browser
  --oauth-redirect-url URL HTTP mode: where browsers return after sign-in
                           (default: http://HOST:PORT/oauth/callback of this proxy)
  -h, --help               show this help
  -v, --version            show the version

Commands (servers that need sign-in, see docs/oauth.md):
  auth login SERVER        sign in to SERVER now (opens the browser, waits for the redirect)
  auth status              show which remote servers are signed in
  auth logout SERVER       forget SERVER's tokens and client registration

Environment:
  MULTI_MCP_API_KEY        HTTP mode: require "Authorization: Bearer <key>" on every route but /health
                           and /oauth/callback (the status page also takes a login form).
                           At least 16 characters, not a placeholder (openssl rand -hex 32 makes one).
                           Needed to bind a non-loopback --host and to use POST/DELETE /mcp_servers.
                           Never passed on to backend processes (no MULTI_MCP_* variable is).
`;

export class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined, fallback: number): number;
function positiveInt(flag: string, value: string | undefined, fallback?: number): number | undefined;
function positiveInt(flag: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

export function parseCli(argv: string[]): CliOptions {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        transport: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        separator: { type: 'string' },
        'no-namespace': { type: 'boolean' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        metrics: { type: 'string' },
        'metrics-tool-labels': { type: 'boolean' },
        'request-timeout': { type: 'string' },
        'connect-timeout': { type: 'string' },
        'startup-grace': { type: 'string' },
        'page-size': { type: 'string' },
        'max-message-size': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        'allow-unauthenticated': { type: 'boolean' },
        'max-body': { type: 'string' },
        'max-sessions': { type: 'string' },
        'session-idle': { type: 'string' },
        'max-buffered-bytes': { type: 'string' },
        record: { type: 'string' },
        'no-watch': { type: 'boolean' },
        'read-only-config': { type: 'boolean' },
        'tool-discovery': { type: 'string' },
        view: { type: 'string' },
        json: { type: 'boolean' },
        'oauth-store': { type: 'string' },
        'oauth-open-command': { type: 'string' },
        'oauth-redirect-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [first, ...extra] = positionals;
  if ((first !== undefined && first !== 'tools') || extra.length > 0) {
    throw new UsageError(`unexpected argument "${first === 'tools' ? extra[0] : first}" (the commands are "tools" and "auth")`);
  }
  const command = first === 'tools' ? 'tools' : 'serve';
  const toolDiscovery = values['tool-discovery'] as DiscoveryMode | undefined;
  if (toolDiscovery !== undefined && !DISCOVERY_MODES.includes(toolDiscovery)) {
    throw new UsageError(`--tool-discovery must be ${DISCOVERY_MODES.join(' or ')}, got "${toolDiscovery}"`);
  }
  if (values.json && command !== 'tools') throw new UsageError('--json goes with the "tools" command');
  if (values.view !== undefined && command !== 'tools' && values.transport !== undefined && values.transport !== 'stdio') {
    throw new UsageError(`--view is for stdio mode; in HTTP mode every view is served at /mcp/NAME, /sse/NAME and /ws/NAME`);
  }
  const transport = values.transport ?? 'stdio';
  if (!['stdio', 'sse', 'http'].includes(transport)) {
    throw new UsageError(`--transport must be stdio, sse or http, got "${transport}"`);
  }
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (values['log-format'] ?? 'text') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}`);
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
  if (values.separator !== undefined && (values.separator.length < 1 || values.separator.length > 8)) {
    throw new UsageError('--separator must be 1 to 8 characters');
  }
  const allowOrigins = (values['allow-origin'] ?? []).map((value) => {
    try {
      return normalizeOrigin(value);
    } catch {
      throw new UsageError(`--allow-origin must be an origin like https://app.example.com or "*", got "${value}"`);
    }
  });
  const allowHosts = (values['allow-host'] ?? []).map((value) => {
    try {
      return normalizeAllowedHost(value);
    } catch {
      throw new UsageError(`--allow-host must be a host name or name:port like mcp.example.com, got "${value}"`);
    }
  });
  return {
    command,
    config: values.config ?? 'mcp.json',
    transport: transport === 'stdio' ? 'stdio' : 'http',
    host: values.host ?? '127.0.0.1',
    port,
    separator: values.separator,
    namespace: values['no-namespace'] ? false : undefined,
    logLevel,
    logFormat,
    metrics: values.metrics === undefined ? undefined : parseListen('--metrics', values.metrics, values.host ?? '127.0.0.1'),
    metricsToolLabels: values['metrics-tool-labels'] ?? false,
    requestTimeoutMs: positiveInt('--request-timeout', values['request-timeout'], 60_000),
    connectTimeoutMs: positiveInt('--connect-timeout', values['connect-timeout'], 30_000),
    startupGraceMs: positiveInt('--startup-grace', values['startup-grace'], DEFAULT_STARTUP_GRACE_MS),
    pageSize: positiveInt('--page-size', values['page-size']),
    maxMessageBytes: positiveInt('--max-message-size', values['max-message-size'], 16 * 1024 * 1024),
    allowOrigins,
    allowHosts,
    allowUnauthenticated: values['allow-unauthenticated'] ?? false,
    maxBodyBytes: positiveInt('--max-body', values['max-body'], 4 * 1024 * 1024),
    maxSessions: positiveInt('--max-sessions', values['max-sessions'], DEFAULT_MAX_SESSIONS),
    sessionIdleMs: positiveInt('--session-idle', values['session-idle'], DEFAULT_SESSION_IDLE_MS),
    maxBufferedBytes: positiveInt('--max-buffered-bytes', values['max-buffered-bytes'], DEFAULT_MAX_BUFFERED_BYTES),
    record: values.record,
    watch: !values['no-watch'],
    readOnlyConfig: values['read-only-config'] ?? false,
    toolDiscovery,
    view: values.view,
    json: values.json ?? false,
    oauthStore: values['oauth-store'],
    oauthOpenCommand: openCommand(values['oauth-open-command']),
    oauthRedirectUrl: redirectUrl(values['oauth-redirect-url']),
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

/** PORT, HOST:PORT or [IPv6]:PORT. */
function parseListen(flag: string, value: string, defaultHost: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${flag} must be PORT or HOST:PORT, e.g. 9464 or 0.0.0.0:9464, got "${value}"`);
  return { host: m[1] === undefined ? defaultHost : m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

function openCommand(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let words: string[];
  try {
    words = splitCommand(value);
  } catch (e) {
    throw new UsageError(`--oauth-open-command: ${(e as Error).message}`);
  }
  if (words.length === 0) throw new UsageError('--oauth-open-command must name a program');
  return value;
}

function redirectUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--oauth-redirect-url must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--oauth-redirect-url must be an http: or https: URL');
  if (!url.pathname.endsWith(CALLBACK_PATH)) {
    throw new UsageError(`--oauth-redirect-url must end in ${CALLBACK_PATH} (the route multi-mcp serves), got "${value}"`);
  }
  return value;
}

export type AuthAction = 'login' | 'status' | 'logout';

export interface AuthCliOptions {
  action: AuthAction;
  server?: string;
  config: string;
  oauthStore?: string;
  oauthOpenCommand?: string;
  logLevel: LogLevel;
}

export const AUTH_USAGE = `Usage: multi-mcp auth login SERVER | auth status | auth logout SERVER [options]

Signs in to remote servers ahead of time (tokens are kept in the store the proxy reads).

Options:
  --config PATH            config file (default: ./mcp.json)
  --oauth-store DIR        token store (default: the user's state directory)
  --oauth-open-command CMD open the sign-in link with CMD instead of the browser
  --log-level LEVEL        silent|error|warn|info|debug (default: warn)
`;

/** `multi-mcp auth …` (argv after "auth"). */
export function parseAuthCli(argv: string[]): AuthCliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'oauth-store': { type: 'string' },
        'oauth-open-command': { type: 'string' },
        'log-level': { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, server, ...extra] = positionals;
  if (action !== 'login' && action !== 'status' && action !== 'logout') {
    throw new UsageError(action === undefined ? 'auth needs a command: login, status or logout' : `unknown auth command "${action}"; expected login, status or logout`);
  }
  if (action !== 'status' && server === undefined) throw new UsageError(`auth ${action} needs the name of a server from the config`);
  if (extra.length > 0 || (action === 'status' && server !== undefined)) throw new UsageError(`unexpected argument "${extra[0] ?? server}"`);
  const logLevel = (values['log-level'] ?? 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    action,
    ...(server !== undefined ? { server } : {}),
    config: values.config ?? 'mcp.json',
    oauthStore: values['oauth-store'],
    oauthOpenCommand: openCommand(values['oauth-open-command']),
    logLevel,
  };
}
