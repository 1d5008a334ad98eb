#!/usr/bin/env node
// Entry point: flags, config, wiring of the router to a front, signals. Nothing else.
import * as path from 'node:path';
import { AUTH_USAGE, parseAuthCli, parseCli, USAGE, UsageError, type CliOptions } from './cli-args.js';
import { ConfigError, parseConfig, readConfigText, type Config } from './config/index.js';
import { watchConfigFile } from './config/watch.js';
import { connect } from './connectors.js';
import type { View } from './discovery/view.js';
import { formatToolCosts, toolCosts } from './discovery/tools-command.js';
import { API_KEY_VARIABLE, checkExposure, type Exposure } from './http/exposure.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { errorMessage, log, setLogFormat, setLogLevel } from './log.js';
import type { Observer } from './observe/observer.js';
import { Observability } from './observe/setup.js';
import { OAuthManager } from './oauth/manager.js';
import { PROXY_INFO } from './proxy-info.js';
import { FileRecorder } from './record/recorder.js';
import { DEFAULT_SEPARATOR, separatorIsStrict } from './router/names.js';
import { ROUTABLE_CLIENT_CAPABILITIES } from './router/capabilities.js';
import { Router } from './router/router.js';
import { LiveConfig, reportConfigNotes } from './reload.js';
import { serveStdioChannel } from './stdio-front.js';
import { MAX_PEER_BACKLOG_BYTES } from './transports/backlog.js';
import { ndjsonChannel } from './transports/ndjson.js';

let recorder: FileRecorder | undefined;
let oauth: OAuthManager | undefined;

function createRouter(opts: CliOptions, config: Config, observer: Observer): Router {
  if (opts.record) recorder = new FileRecorder(opts.record);
  const separator = opts.separator ?? config.separator ?? DEFAULT_SEPARATOR;
  const namespace = opts.namespace ?? config.namespace ?? true;
  if (namespace && !separatorIsStrict(separator)) {
    log.warn(`separator "${separator}" makes tool names that many clients reject (they accept only ^[a-zA-Z0-9_-]{1,64}$)`);
  }
  oauth = new OAuthManager({
    ...(opts.oauthStore !== undefined ? { storeDir: opts.oauthStore } : {}),
    ...(opts.oauthOpenCommand !== undefined ? { openCommand: opts.oauthOpenCommand } : {}),
    // A server opens no browser of its own: its links are in /mcp_servers and the log.
    noOpen: opts.transport === 'http' && opts.oauthOpenCommand === undefined,
  });
  const router = new Router({
    connector: connect,
    recorder,
    auth: oauth,
    naming: { separator, namespace },
    connectTimeoutMs: opts.connectTimeoutMs,
    startupGraceMs: opts.startupGraceMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    maxRequestMs: Math.max(10 * opts.requestTimeoutMs, 600_000),
    maxMessageBytes: opts.maxMessageBytes,
    pageSize: opts.pageSize,
    discoveryMode: opts.toolDiscovery,
    observer,
  });
  router.configure(config.servers);
  router.views.configure(config);
  for (const name of config.disabledServers) log.info(`server "${name}" is disabled in ${config.source}`);
  reportConfigNotes(config);
  return router;
}

/** Serves one client over stdin/stdout; stdin EOF or a signal stops everything. */
function serveStdio(router: Router, opts: CliOptions, view: View): void {
  const channel = ndjsonChannel(process.stdin, process.stdout, opts.maxMessageBytes, {
    maxBytes: MAX_PEER_BACKLOG_BYTES,
    onOverflow: (reason) => void shutdown(router, `the client ${reason}`),
  });
  // Registered before the session's own close handler: shutdown must answer the requests in
  // flight before closing the session would cancel them silently.
  channel.reader.onClose(() => void shutdown(router, 'stdin closed'));
  serveStdioChannel(router, channel, 'stdio', view);
  process.stdout.on('error', (e) => void shutdown(router, `stdout: ${e.message}`));
}

/** HTTP mode: every remote front and the admin API on one port; backends start at once. */
async function serveHttp(router: Router, opts: CliOptions, live: LiveConfig, observability: Observability, exposure: Exposure): Promise<HttpServer> {
  const apiKey = process.env[API_KEY_VARIABLE];
  let http: HttpServer;
  try {
    http = await startHttpServer(router, {
      host: opts.host,
      port: opts.port,
      apiKey,
      allowedOrigins: opts.allowOrigins,
      allowedHosts: opts.allowHosts,
      maxBodyBytes: opts.maxBodyBytes,
      maxSessions: opts.maxSessions,
      sessionIdleMs: opts.sessionIdleMs,
      maxBufferedBytes: opts.maxBufferedBytes,
      maxMessageBytes: opts.maxMessageBytes,
      liveConfig: live,
      observe: observability.httpOptions(opts.host),
      oauthCallback: (url, res) => oauth?.handleCallback(url, res),
    });
  } catch (e) {
    log.error(`cannot listen on ${opts.host}:${opts.port}: ${errorMessage(e)}`);
    process.exit(1);
  }
  oauth?.useCallbackUrl(opts.oauthRedirectUrl ?? `${reachableUrl(http.url)}/oauth/callback`);
  const ws = http.url.replace(/^http/, 'ws');
  log.info(`listening on ${http.url} (Streamable HTTP ${http.url}/mcp, SSE ${http.url}/sse, WebSocket ${ws}/ws; status page ${http.url}/, metrics ${http.url}/metrics)`);
  const views = router.views.names();
  if (views.length > 0) log.info(`views: ${views.map((v) => `/mcp/${v}`).join(', ')} (also under /sse/ and /ws/)`);
  for (const warning of exposure.warnings) log.warn(warning);
  // Sessions come and go; backends are shared, so offer them everything the proxy can route: the
  // exchange sends a backend's request on only to a session that declared what it needs.
  void router.start(ROUTABLE_CLIENT_CAPABILITIES, { perClient: false });
  return http;
}

/** A browser cannot go to 0.0.0.0 or ::, but to localhost it can (same machine, or a forwarded port). */
function reachableUrl(url: string): string {
  return url.replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, 'http://localhost');
}

let stopping = false;
async function shutdown(router: Router, why: string, http?: HttpServer): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`shutting down (${why})`);
  const force = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 15_000);
  force.unref();
  try {
    // No await without HTTP: on stdin EOF, router.shutdown() must answer the requests in flight
    // in this very tick, before the session's own close handler cancels them unanswered.
    if (http) await http.close();
    oauth?.close();
    await router.shutdown();
    await recorder?.close();
  } catch (e) {
    log.error(`shutdown: ${errorMessage(e)}`);
  }
  process.exit(0);
}

/** `multi-mcp auth …` */
async function authMain(argv: string[]): Promise<never> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(AUTH_USAGE);
    process.exit(0);
  }
  try {
    const opts = parseAuthCli(argv);
    setLogLevel(opts.logLevel);
    const { runAuthCommand } = await import('./oauth/auth-command.js');
    process.exit(await runAuthCommand(opts));
  } catch (e) {
    if (e instanceof UsageError) process.stderr.write(`multi-mcp auth: ${e.message}\n\n${AUTH_USAGE}`);
    else process.stderr.write(`multi-mcp auth: ${e instanceof ConfigError ? e.message : errorMessage(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
}

function main(): void {
  if (process.argv[2] === 'auth') return void authMain(process.argv.slice(3));
  let opts: CliOptions;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`multi-mcp: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) return void process.stdout.write(USAGE);
  if (opts.version) return void process.stdout.write(`${PROXY_INFO.version}\n`);
  setLogLevel(opts.logLevel);
  setLogFormat(opts.logFormat);
  // Before anything starts: a proxy that must not serve starts no backend either.
  const exposure = opts.transport === 'http' ? checkExposure(opts.host, process.env[API_KEY_VARIABLE], opts.allowUnauthenticated) : undefined;
  if (exposure?.error) {
    log.error(exposure.error);
    process.exit(1);
  }
  let config: Config;
  let text: string;
  try {
    text = readConfigText(opts.config);
    config = parseConfig(text, path.resolve(opts.config));
  } catch (e) {
    log.error(e instanceof ConfigError ? e.message : `cannot load config: ${errorMessage(e)}`);
    process.exit(1);
  }
  const apiKey = process.env.MULTI_MCP_API_KEY || undefined;
  const observability = new Observability(
    { mode: opts.transport, metrics: opts.metrics, metricsToolLabels: opts.metricsToolLabels, apiKey, logCalls: opts.logLevel === 'debug' },
    () => router.registry.list(),
  );
  const router = createRouter(opts, config, observability.observer);
  const view = opts.view === undefined ? router.views.root : router.views.get(opts.view);
  if (!view) {
    const names = router.views.names();
    log.error(`no view named "${opts.view}" in ${config.source} (views: ${names.length ? names.join(', ') : 'none'})`);
    process.exit(1);
  }
  // A bug must not take the proxy (and every client's session) down: log it and go on.
  process.on('uncaughtException', (e) => log.error(`internal error: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log.error(`internal error: ${e instanceof Error ? e.stack : e}`));
  if (opts.command === 'tools') {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(router, signal));
    return void printTools(router, view, opts.json);
  }
  void observability.serveMetricsPort();
  const live = new LiveConfig(router, config, text, { persist: !opts.readOnlyConfig });
  process.on('SIGHUP', () => void live.reload('SIGHUP', true));
  if (opts.watch) watchConfigFile(config.source, () => void live.reload('file changed'));
  log.info(`reloading ${config.source} ${opts.watch ? 'when it changes and ' : ''}on SIGHUP`);
  if (opts.transport === 'http') {
    let http: HttpServer | undefined;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(router, signal, http));
    void serveHttp(router, opts, live, observability, exposure!).then((h) => (http = h));
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(router, signal));
  serveStdio(router, opts, view);
}

/** `multi-mcp tools`: start the servers, print what their tool definitions cost, stop them. */
async function printTools(router: Router, view: View, json: boolean): Promise<void> {
  await router.start({});
  const costs = toolCosts(router, view);
  await router.shutdown();
  process.stdout.write(json ? `${JSON.stringify(costs, null, 2)}\n` : formatToolCosts(costs), () => process.exit(0));
}

main();
