// The Bearer challenge of a WWW-Authenticate header (RFC 6750 §3, RFC 9728 §5.1): which
// protected resource metadata to read, which scopes the server wants, and why it refused.
// A header may carry several challenges ("Basic realm=x, Bearer scope=y"); only Bearer counts.

export interface BearerChallenge {
  resourceMetadata?: string;
  /** Space-separated, as sent. */
  scope?: string;
  error?: string;
  errorDescription?: string;
}

export function parseBearerChallenge(header: string | string[] | undefined): BearerChallenge | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(', ') : header;
  let scheme: string | undefined;
  let bearer: Record<string, string> | undefined;
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < text.length && chars.test(text[i])) i++;
  };
  while (i < text.length) {
    skip(/[\s,]/);
    const start = i;
    while (i < text.length && !/[\s,=]/.test(text[i])) i++;
    const token = text.slice(start, i);
    if (token === '') break;
    skip(/\s/);
    if (text[i] !== '=') {
      // A new challenge begins (its scheme), possibly followed by a token68 we ignore.
      scheme = token.toLowerCase();
      if (scheme === 'bearer') bearer ??= {};
      continue;
    }
    i++; // '='
    if (text[i] === '=') {
      // token68 padding ("abc==") of a non-Bearer scheme
      skip(/=/);
      continue;
    }
    skip(/\s/);
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      i++; // closing quote
    } else {
      const from = i;
      while (i < text.length && !/[\s,]/.test(text[i])) i++;
      value = text.slice(from, i);
    }
    if (scheme === 'bearer' && bearer) bearer[token.toLowerCase()] ??= value;
  }
  if (!bearer) return undefined;
  const challenge: BearerChallenge = {};
  if (bearer.resource_metadata) challenge.resourceMetadata = bearer.resource_metadata;
  if (bearer.scope?.trim()) challenge.scope = bearer.scope.trim();
  if (bearer.error) challenge.error = bearer.error;
  if (bearer.error_description) challenge.errorDescription = bearer.error_description;
  return challenge;
}

/** Splits a scope string into its scopes (no duplicates, order kept). */
export function scopeList(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];
}

/** The scopes of `a` followed by those of `b` not already in it. */
export function unionScopes(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])];
}
