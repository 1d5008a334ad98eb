// Sending a request to a server that may want a token: the current one goes along; when the
// server refuses it (401, or 403 insufficient_scope), the server's sign-in state gets a new one
// (refresh, or a browser sign-in the request waits for) and the request is sent again.
import type { IncomingMessage } from 'node:http';
import type { RemoteAuth } from './remote-auth.js';

/** Sends of one request at most: the first, and two more after a new token (sign-in, then step-up). */
const MAX_SENDS = 3;

export async function sendAuthorized(
  auth: RemoteAuth,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  send: (headers: Record<string, string>) => Promise<IncomingMessage>,
): Promise<IncomingMessage> {
  for (let sends = 1; ; sends++) {
    const used = await auth.authorization();
    const res = await send(used === undefined ? headers : { ...headers, Authorization: used });
    const status = res.statusCode ?? 0;
    const challenge = res.headers['www-authenticate'];
    const refused = status === 401 || (status === 403 && /insufficient_scope/i.test(String(challenge ?? '')));
    if (!refused) {
      auth.accepted(used);
      return res;
    }
    res.resume();
    const again = sends < MAX_SENDS && (await auth.refused(status, challenge, used, signal));
    if (!again) {
      const why = auth.problem ?? (sends >= MAX_SENDS ? 'refused again after a new sign-in' : 'not signed in');
      throw new Error(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}: ${why}`);
    }
  }
}
