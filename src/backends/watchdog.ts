// Backends run in process groups of their own (so a terminal's Ctrl-C reaches only the proxy, which
// then stops them in order). If the proxy dies by SIGKILL, nothing of it runs to stop them: each
// group would live on. So the proxy keeps one tiny watchdog, a POSIX shell in a process group of
// its own, holding the read end of a pipe from the proxy and the list of backend process groups.
// When the pipe closes, however the proxy ended, the watchdog sends SIGTERM to every group still
// listed, SIGKILL a second later, and exits. A shell, not node: it costs about 1 MB, not 40.
import { spawn, type ChildProcess } from 'node:child_process';
import { errorMessage, log } from '../log.js';

const SCRIPT = `
groups=' '
while IFS= read -r line; do
  case "$line" in
    +*) groups="$groups\${line#+} " ;;
    -*) id=\${line#-}; case "$groups" in *" $id "*) groups="\${groups%% $id *} \${groups#* $id }" ;; esac ;;
  esac
done
[ "$groups" = ' ' ] && exit 0
for g in $groups; do kill -s TERM -- -$g 2>/dev/null; done
sleep 1
for g in $groups; do kill -s KILL -- -$g 2>/dev/null; done
`;

class Watchdog {
  private broken = false;

  constructor(private readonly child: ChildProcess) {
    // Neither the watchdog nor the pipe to it may keep the proxy running.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    child.stdin!.on('error', (e) => this.fail(e));
    child.on('error', (e) => this.fail(e));
    child.on('exit', (code, signal) => this.fail(new Error(`exited (${signal ?? code})`)));
  }

  watch(pgid: number): void {
    this.tell(`+${pgid}`);
  }

  /** The group is gone (or about to be, by our hand): never signal that number again. */
  unwatch(pgid: number): void {
    this.tell(`-${pgid}`);
  }

  private tell(line: string): void {
    if (!this.broken) this.child.stdin!.write(`${line}\n`);
  }

  private fail(e: Error): void {
    if (this.broken) return;
    this.broken = true;
    log.warn(`backend watchdog ${errorMessage(e)}: if the proxy is killed, its backends may outlive it`);
  }
}

let instance: Watchdog | undefined;

/** The proxy's watchdog, started on first use; undefined where process groups do not exist (Windows). */
export function watchdog(): Watchdog | undefined {
  if (process.platform === 'win32') return undefined;
  instance ??= new Watchdog(spawn('/bin/sh', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true }));
  return instance;
}
