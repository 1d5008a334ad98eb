// What the remote transports see of sign-in: a header to send, and what to do when the server
// refuses it. Everything else (discovery, registration, browser, store) stays in src/oauth.
// Types only: a proxy of local servers loads none of it.
import type { ServerSpec } from '../config/spec.js';

export interface RemoteAuth {
  /** The Authorization header value for the next request (refreshed first when about to expire), if any. */
  authorization(): Promise<string | undefined>;
  /**
   * The server answered 401, or 403 with a challenge: resolves true once a new token is there and
   * the request should be sent again (this may wait for a browser sign-in), false to give up.
   * `used` is the header the refused request carried.
   */
  refused(status: number, challenge: string | undefined, used: string | undefined, signal?: AbortSignal): Promise<boolean>;
  /** A request with `used` got past authorization. */
  accepted(used: string | undefined): void;
  /** Why the last attempt to get a token failed, for error messages. */
  readonly problem: string | undefined;
}

/** What a Backend sees of its server's sign-in. */
export interface SignInState extends RemoteAuth {
  /** The server cannot be used until someone opens `link` and signs in (a step-up does not count). */
  readonly needsSignIn: boolean;
  /** The sign-in link while one waits (sign-in or step-up). */
  readonly link: string | undefined;
  /** Called whenever a sign-in starts waiting, ends, or gets a new link. */
  onChange(listener: () => void): () => void;
}

/** Hands each remote backend the sign-in state of its server (undefined: no sign-in for it). */
export interface AuthProvider {
  /** `onChange` is called whenever a sign-in of that server starts waiting, ends, or gets a new link. */
  acquire(spec: ServerSpec, onChange?: () => void): SignInState | undefined;
  release(state: SignInState, onChange?: () => void): void;
}
