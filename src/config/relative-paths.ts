// Where relative paths in a server entry point. One rule: they are anchored at the config file's
// directory, so a config works from whatever directory the proxy (or the editor) starts in.
// `cwd` and `envFile` always; `command` and `args` when the entry has no `cwd` (with one, they are
// relative to that `cwd`, as in a shell). A bare command name (`node`, `npx`) is looked up on PATH,
// and only arguments that name an existing file are touched: `-y`, `@scope/package`, URLs are not.
import { statSync } from "node:fs";
import * as path from "node:path";

/** `./bin/server` or `bin/server` → absolute; `node` (no slash) stays a PATH lookup. */
export function anchorCommand(command: string, baseDir: string, hasCwd: boolean): string {
  if (hasCwd || path.isAbsolute(command) || !/[\\/]/.test(command)) return command;
  return path.resolve(baseDir, command);
}

/** Each argument naming an existing file relative to the config file's directory becomes absolute. */
export function anchorArgs(args: string[], baseDir: string, hasCwd: boolean): string[] {
  if (hasCwd) return args;
  return args.map((arg) => {
    if (arg === "" || arg.startsWith("-") || path.isAbsolute(arg)) return arg;
    const candidate = path.resolve(baseDir, arg);
    return isFile(candidate) ? candidate : arg;
  });
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
