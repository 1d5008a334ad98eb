// URLs as the proxy prints or returns them: scheme, host, port and path only. Userinfo and query
// values are credentials often enough (http://user:pass@host/mcp?token=abc) that they never
// appear in a log line, an admin answer, an error sent to a client or a transcript.

const HIDDEN = '***';

/** The URL with userinfo and every query value (and any fragment) replaced by ***. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return HIDDEN; // not a URL we can take apart: show nothing of it
  }
  if (!parsed.username && !parsed.password && !parsed.search && !parsed.hash) return typeof url === 'string' ? url : url.href;
  const userinfo = parsed.username || parsed.password ? `${HIDDEN}@` : '';
  const host = parsed.host ? `//${userinfo}${parsed.host}` : '';
  let query = '';
  if (parsed.search) {
    const names = [...new URLSearchParams(parsed.search).keys()];
    query = `?${names.map((name) => `${encodeURIComponent(name)}=${HIDDEN}`).join('&')}`;
  }
  return `${parsed.protocol}${host}${parsed.pathname}${query}${parsed.hash ? `#${HIDDEN}` : ''}`;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** Redacts every absolute URL found in free text (a safety net for messages built elsewhere). */
export function redactUrlsIn(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (found) => {
    // Sentence punctuation after a URL is not part of it.
    const trail = /[.,;:!?)\]]+$/.exec(found)?.[0] ?? '';
    const url = trail ? found.slice(0, -trail.length) : found;
    return redactUrl(url) + trail;
  });
}
