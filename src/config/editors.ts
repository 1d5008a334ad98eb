// What other editors write in their MCP configs, so their files load as they are: keys that only
// matter to the editor's own UI, and how they mean a bare "timeout".
import * as path from "node:path";
import { isPlainObject } from "./schema.js";

/**
 * Keys an editor keeps in a server entry for itself (auto-approval lists, its file watcher, its
 * gallery), meaningless to a proxy: accepted and left out. `disabledTools` is honoured instead.
 */
export const EDITOR_ONLY_KEYS: ReadonlySet<string> = new Set([
  "alwaysAllow", // Roo Code, older Cline
  "autoApprove", // Cline
  "watchPaths", // Roo Code
  "dev", // VS Code: its own watch/debug mode
  "gallery", // VS Code: where the entry was installed from
  "version", // VS Code: the installed server version
]);

/** Keys only Cline and Roo Code write. */
const CLINE_ROO_KEYS = ["alwaysAllow", "autoApprove", "transportType", "watchPaths"];
const CLINE_ROO_FILES = new Set(["cline_mcp_settings.json", "mcp_settings.json"]);

/**
 * Whether a bare number in "timeout" means seconds: Cline and Roo Code write it so (default 60).
 * Told by the file's name (cline_mcp_settings.json, Roo's mcp_settings.json or .roo/mcp.json)
 * or by keys only those two write, in any entry.
 */
export function timeoutInSeconds(source: string, entries: unknown[]): boolean {
  if (CLINE_ROO_FILES.has(path.basename(source)) || path.basename(path.dirname(source)) === ".roo") return true;
  return entries.some((e) => isPlainObject(e) && (CLINE_ROO_KEYS.some((k) => k in e) || e.type === "streamableHttp"));
}

/**
 * What `${workspaceFolder}` means here: the folder holding the editor's settings folder for a
 * file such as .vscode/mcp.json, else the config file's own folder.
 */
export function workspaceFolder(source: string): string {
  const dir = path.dirname(path.resolve(source));
  return [".vscode", ".cursor", ".roo"].includes(path.basename(dir)) ? path.dirname(dir) : dir;
}
