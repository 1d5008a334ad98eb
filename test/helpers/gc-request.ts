// The other side of gc-probe.ts: asks a process started with it for its memory after full GCs.
import type { ChildProcess } from 'node:child_process';

export function memoryAfterGc(child: ChildProcess): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve, reject) => {
    if (!child.connected) return reject(new Error('the proxy was not started with gcProbe, or has exited'));
    const timer = setTimeout(() => reject(new Error('no memory report from the proxy within 30 s')), 30_000);
    child.once('message', (usage) => {
      clearTimeout(timer);
      resolve(usage as NodeJS.MemoryUsage);
    });
    child.send('gc');
  });
}
