// Tokens and client registrations on disk, one JSON file per (server URL, client identity),
// readable by the owner only (directory 0700, files 0600), written atomically (temp file +
// rename) so a crash never leaves half a file. Nothing here is ever logged.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** A client obtained by dynamic registration, bound to the authorization server that issued it. */
export interface Registration {
  issuer: string;
  redirectUri: string;
  clientId: string;
  clientSecret?: string;
  authMethod?: string;
}

export interface StoredTokens {
  /** The authorization server that issued them: they are only ever sent back there. */
  issuer: string;
  /** The client they were issued to (refreshing must use the same one). */
  clientId: string;
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
  /** Granted scopes, as the server said. */
  scope?: string;
  /** Scopes asked for (kept for step-up, which asks for these plus the new ones). */
  requested: string[];
  /** The RFC 8707 resource the tokens are for. */
  resource: string;
}

export interface ServerRecord {
  version: 1;
  /** The server URL, as configured. */
  server: string;
  /** Configured client id or metadata URL; "" for dynamically registered clients. */
  identity: string;
  registrations: Registration[];
  tokens?: StoredTokens;
}

/** Older registrations past this many per server are dropped (each loopback port needs its own). */
const MAX_REGISTRATIONS = 4;

export function storeKey(server: string, identity: string): string {
  return createHash('sha256').update(`${server}\n${identity}`).digest('hex').slice(0, 32);
}

/** Default location: the user's state directory (XDG on Linux, Library on macOS, LOCALAPPDATA on Windows). */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(homedir(), 'AppData', 'Local'), 'multi-mcp', 'oauth');
  if (platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'multi-mcp', 'oauth');
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state'), 'multi-mcp', 'oauth');
}

export class TokenStore {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  load(key: string): ServerRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the token store ${this.dir}: ${(e as Error).message}`);
    }
    try {
      const record = JSON.parse(text) as ServerRecord;
      return record.version === 1 && Array.isArray(record.registrations) ? record : undefined;
    } catch {
      return undefined; // unreadable: treated as empty, overwritten on the next save
    }
  }

  save(key: string, record: ServerRecord): void {
    const trimmed = { ...record, registrations: record.registrations.slice(-MAX_REGISTRATIONS) };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') chmodSync(this.dir, 0o700);
    const temp = path.join(this.dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      writeFileSync(temp, JSON.stringify(trimmed, null, 2), { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.file(key));
    } catch (e) {
      rmSync(temp, { force: true });
      throw new Error(`cannot write the token store ${this.dir}: ${(e as Error).message}`);
    }
  }

  remove(key: string): boolean {
    try {
      rmSync(this.file(key));
      return true;
    } catch {
      return false;
    }
  }

  /** Every record (for `auth status`). */
  list(): ServerRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      if (!/^[0-9a-f]{32}\.json$/.test(name)) return [];
      const record = this.load(name.slice(0, -5));
      return record ? [record] : [];
    });
  }
}
