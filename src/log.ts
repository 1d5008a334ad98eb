// Logs go to stderr only: in stdio mode stdout belongs to the protocol.
// Callers pass strings (or thunks for costly ones) so nothing is serialized below the level.
// Two formats: text (default, for people) and json (--log-format json: one object per line with
// time, level, msg and the caller's fields, for log collectors).
// Every line goes through URL redaction: credentials in a URL never reach the log.
import { redactUrlsIn } from './redact.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

type Text = string | (() => string);
/** Structured context of a line: server, session, method, id, ms, trace_id, ... */
export type LogFields = Record<string, string | number | boolean | undefined>;

const RESERVED = new Set(['time', 'level', 'msg']);

let current: number = rank.info;
let format: LogFormat = 'text';
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: LogLevel): void {
  current = rank[level];
}

export function setLogFormat(f: LogFormat): void {
  format = f;
}

/** Redirects log lines (tests capture them). Returns a function restoring the previous sink. */
export function setLogSink(fn: (line: string) => void): () => void {
  const previous = sink;
  sink = fn;
  return () => (sink = previous);
}

export function enabled(level: Exclude<LogLevel, 'silent'>): boolean {
  return rank[level] <= current;
}

function emit(level: Exclude<LogLevel, 'silent'>, text: Text, fields?: LogFields): void {
  if (rank[level] > current) return;
  const msg = typeof text === 'function' ? text() : text;
  if (format === 'json') return sink(redactUrlsIn(jsonLine(level, msg, fields)));
  let line = `multi-mcp ${level}: ${msg}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) line += ` ${key}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : value}`;
    }
  }
  sink(redactUrlsIn(line));
}

function jsonLine(level: string, msg: string, fields: LogFields | undefined): string {
  const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
  if (fields) for (const [key, value] of Object.entries(fields)) if (value !== undefined && !RESERVED.has(key)) entry[key] = value;
  return JSON.stringify(entry);
}

export const log = {
  error: (text: Text, fields?: LogFields) => emit('error', text, fields),
  warn: (text: Text, fields?: LogFields) => emit('warn', text, fields),
  info: (text: Text, fields?: LogFields) => emit('info', text, fields),
  debug: (text: Text, fields?: LogFields) => emit('debug', text, fields),
};

/** One line a backend process wrote on its stderr: passed on whatever the level, as `[name] line` or a JSON object. */
export function backendOutput(server: string, line: string): void {
  sink(format === 'json' ? jsonLine('info', line, { server, stream: 'stderr' }) : `[${server}] ${line}`);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
