// Whether HTTP mode may start as configured: the API key must be a real one, and a proxy that
// other machines can reach must have one (unless the user opts out, loudly). The admin API can
// start any command, so "reachable without a key" means "anyone on the network runs commands".
import { isLoopbackAddress } from './security.js';

export const API_KEY_VARIABLE = 'MULTI_MCP_API_KEY';
export const MIN_API_KEY_LENGTH = 16;
const HOW_TO = `generate one with: openssl rand -hex 32`;

/** Words that mark a value copied from an example rather than generated (compared without case or punctuation). */
const PLACEHOLDERS = ['changeme', 'replaceme', 'placeholder', 'yourapikey', 'yourkey', 'yoursecret', 'yourtoken', 'insertkey', 'secret', 'password', 'apikey', 'example', 'dummy', 'default'];

/** Why `key` must not be used as the API key, or undefined when it is acceptable. */
export function apiKeyProblem(key: string): string | undefined {
  if (key === '') return `${API_KEY_VARIABLE} is set but empty; unset it or ${HOW_TO}`;
  if (/\s/.test(key)) return `${API_KEY_VARIABLE} contains whitespace (a stray newline from a file?); clients could never send it in a Bearer header`;
  const plain = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  const placeholder = PLACEHOLDERS.find((word) => plain === word || (plain.includes(word) && plain.replaceAll(word, '').replace(/\d/g, '').length < 8));
  if (placeholder) return `${API_KEY_VARIABLE} looks like a placeholder copied from an example; ${HOW_TO}`;
  if (key.length < MIN_API_KEY_LENGTH) return `${API_KEY_VARIABLE} is ${key.length} characters long; use at least ${MIN_API_KEY_LENGTH}: ${HOW_TO}`;
  if (new Set(key).size < 6) return `${API_KEY_VARIABLE} repeats too few characters to be a secret; ${HOW_TO}`;
  return undefined;
}

export interface Exposure {
  /** Set when the proxy must not start; says what to do instead. */
  error?: string;
  /** To log at every start. */
  warnings: string[];
}

/** Checks the key and the bind address together (HTTP mode). */
export function checkExposure(host: string, apiKey: string | undefined, allowUnauthenticated: boolean): Exposure {
  if (apiKey !== undefined) {
    const problem = apiKeyProblem(apiKey);
    return problem ? { error: problem, warnings: [] } : { warnings: [] };
  }
  if (isLoopbackAddress(host)) return { warnings: [] };
  if (!allowUnauthenticated) {
    return {
      error:
        `refusing to serve on ${host} without an API key: anyone who can reach the port could use every server. ` +
        `Set ${API_KEY_VARIABLE} (${HOW_TO}), bind --host 127.0.0.1, or pass --allow-unauthenticated if a network boundary you trust protects the port`,
      warnings: [],
    };
  }
  return {
    warnings: [
      `SECURITY WARNING: --allow-unauthenticated: serving on ${host} with no API key. Anyone who can reach this port can call ` +
        `every tool of every server. The admin API's write routes stay disabled; set ${API_KEY_VARIABLE} to protect the port.`,
    ],
  };
}
