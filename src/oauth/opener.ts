// Opening the sign-in URL: the platform's opener, or `--oauth-open-command CMD` with the URL as
// its last argument (a headless box, a test). The URL comes from a remote server, so it is always
// a separate argument, never text for a shell. The opener's output goes to our stderr: in stdio
// mode stdout belongs to the protocol.
import spawn from 'cross-spawn';
import { enabled, errorMessage, log } from '../log.js';

export type Opener = (url: string) => void;

/**
 * Shows the sign-in link in full on stderr. Not through the log, which hides URL query values
 * (they may be credentials): this link is useless without them, and holds nothing secret (a
 * single-use state, a PKCE challenge). Only --log-level silent keeps it quiet.
 */
export function showLink(line: string): void {
  if (enabled('error')) process.stderr.write(`multi-mcp: ${line}\n`);
}

export function platformCommand(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler'];
  return ['xdg-open'];
}

export function commandOpener(argv: string[], label = argv[0]): Opener {
  return (url) => {
    let child;
    try {
      child = spawn(argv[0], [...argv.slice(1), url], { stdio: ['ignore', 2, 2], detached: process.platform !== 'win32' });
    } catch (e) {
      return log.warn(`cannot run ${label} to open the sign-in page (${errorMessage(e)}); open it yourself`);
    }
    child.once('error', (e) => log.warn(`cannot run ${label} to open the sign-in page (${errorMessage(e)}); open it yourself`));
    child.once('exit', (code) => {
      if (code) log.warn(`${label} exited with code ${code} while opening the sign-in page; open it yourself`);
    });
    child.unref();
  };
}

/**
 * Splits a command line into words; "double" and 'single' quotes group. A backslash escapes the
 * next character inside double quotes, and outside quotes except on Windows (paths).
 */
export function splitCommand(command: string, platform: NodeJS.Platform = process.platform): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word += command[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && platform !== 'win32' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in ${JSON.stringify(command)}`);
  if (inWord) words.push(word);
  return words;
}
