// Listener lists that cost nothing until someone listens. Every client session has a reader and a
// writer with several events each; vscode-jsonrpc's abstract bases allocate an Emitter per event
// up front (five per channel), a good part of what an idle session held. Our bases implement the
// same MessageReader/MessageWriter interfaces on these instead.
import type { Disposable } from 'vscode-jsonrpc/node';
import { errorMessage, log } from '../log.js';

export type Listener<T> = (value: T) => unknown;
export type Listeners<T> = Listener<T>[] | undefined;

/** Adds a listener to a list (made by the caller on first use); vscode-jsonrpc's Event signature. */
export function subscribe<T>(list: Listener<T>[], listener: Listener<T>, thisArgs?: unknown, disposables?: Disposable[]): Disposable {
  const fn: Listener<T> = thisArgs === undefined ? listener : listener.bind(thisArgs);
  list.push(fn);
  const disposable = {
    dispose: () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    },
  };
  disposables?.push(disposable);
  return disposable;
}

/** Calls every listener; one that throws does not stop the others. */
export function fire<T>(list: Listeners<T>, value: T): void {
  if (!list || list.length === 0) return;
  for (const listener of list.length === 1 ? list : [...list]) {
    try {
      listener(value);
    } catch (e) {
      log.error(`an event listener failed: ${errorMessage(e)}`);
    }
  }
}

export const NO_DISPOSABLE: Disposable = Object.freeze({ dispose() {} });
