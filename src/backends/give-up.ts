// When restarting a backend is hopeless: an error that retrying cannot fix (a missing command or
// script, refused credentials, no MCP endpoint at the URL), the same several times in a row. Then
// the backend stays `failed` with the cause and a hint, until a config reload or the admin API
// tries it again. Anything else (a crash, a refused connection, a timeout, HTTP 5xx) may pass:
// it is retried forever, the backoff capped by the restart policy.
import type { ServerSpec } from '../config/spec.js';

/** Attempts that must fail with one same hopeless cause before giving up. */
export const GIVE_UP_AFTER = 3;

export class GiveUp {
  private cause: string | undefined;
  private count = 0;

  /**
   * Records a failed attempt. Returns undefined to retry, or the message to give up with once
   * the same hopeless cause has failed GIVE_UP_AFTER times in a row.
   */
  failed(cause: string, spec: ServerSpec): string | undefined {
    this.count = cause === this.cause ? this.count + 1 : 1;
    this.cause = cause;
    const hint = this.count >= GIVE_UP_AFTER ? hopeless(cause, spec) : undefined;
    if (hint === undefined) return undefined;
    return (
      `${cause} (${this.count} attempts in a row failed this way; ${hint}). ` +
      `Not retried any more: once fixed, edit the config, send SIGHUP or POST /mcp_servers/${encodeURIComponent(spec.name)}/restart`
    );
  }

  /** The backend became ready: later failures count afresh. */
  succeeded(): void {
    this.cause = undefined;
    this.count = 0;
  }
}

/** For a cause no retry can fix, what the user can do about it; undefined for any other cause. */
export function hopeless(cause: string, spec: ServerSpec): string | undefined {
  const command = spec.command ?? '';
  if (/spawn .*\bENOENT\b/.test(cause)) {
    return `command not found: ${command} — is it installed? Editors often start the proxy with a short PATH: an absolute path works everywhere`;
  }
  if (/spawn .*\bEACCES\b/.test(cause)) return `${command} is not executable (chmod +x?)`;
  const missing = /Cannot find module '([^']+)'|can't open file '([^']+)'/.exec(cause);
  if (missing) {
    return `script not found: ${missing[1] ?? missing[2]} — a relative path in "args" is read from the config file's directory when it names a file there, else from the server's "cwd"`;
  }
  if (/HTTP 40[13]\b/.test(cause)) return 'the server refused the credentials: check "headers" (e.g. "Authorization") for this server';
  if (/HTTP 404\b/.test(cause)) return `nothing answers MCP at ${spec.url ?? 'that URL'}: check "url"`;
  if (/unsupported protocol version/.test(cause)) return 'the server speaks an MCP version this proxy does not: update one of the two';
  return undefined;
}
