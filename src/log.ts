// Logs go to stderr only: in stdio mode stdout belongs to the protocol.
// Callers pass strings (or thunks for costly ones) so nothing is serialized below the level.

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

type Text = string | (() => string);

let current: number = rank.info;
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: LogLevel): void {
  current = rank[level];
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

function emit(level: Exclude<LogLevel, 'silent'>, text: Text): void {
  if (rank[level] > current) return;
  sink(`multi-mcp ${level}: ${typeof text === 'function' ? text() : text}`);
}

export const log = {
  error: (text: Text) => emit('error', text),
  warn: (text: Text) => emit('warn', text),
  info: (text: Text) => emit('info', text),
  debug: (text: Text) => emit('debug', text),
};

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
