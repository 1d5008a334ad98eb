// What the status page shows of a URL: scheme, host, port and path. Userinfo and query values
// often hold credentials (user:pass@, ?token=), so they are masked.

const MASK = '***';

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.username) parsed.username = MASK;
  if (parsed.password) parsed.password = MASK;
  for (const key of new Set(parsed.searchParams.keys())) parsed.searchParams.set(key, MASK);
  parsed.hash = '';
  return parsed.toString().replaceAll('%2A%2A%2A', MASK);
}

/** Masks every URL inside a free text (an error message may quote the URL it failed on). */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}
