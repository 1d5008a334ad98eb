// A backend's start-up must not wait for a person to sign in: it returns as soon as its server
// needs a sign-in, and the start-up attempt goes on (it completes once the token arrives).
import type { SignInState } from './remote-auth.js';

/** Settles with `attempt`, or resolves as soon as the server waits for a sign-in (the attempt goes on). */
export function untilSignInNeeded(attempt: Promise<void>, signIn: SignInState): Promise<void> {
  if (signIn.needsSignIn) {
    attempt.catch(() => {});
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const stop = signIn.onChange(() => {
      if (!signIn.needsSignIn) return;
      stop();
      resolve();
    });
    attempt.then(resolve, reject).finally(stop);
  });
}
