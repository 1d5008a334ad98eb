// Replacing a file so that a crash or a concurrent reader never sees half of it: write a temp
// file beside it, fsync, rename over the original, fsync the directory.
import { randomBytes } from "node:crypto";
import { open, realpath, rename, stat, unlink } from "node:fs/promises";
import * as path from "node:path";

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  // Through a symlink (a dotfiles repo, a Kubernetes ConfigMap) the link stays and its target changes.
  const target = await realpath(file).catch(() => file);
  const mode = await stat(target).then((s) => s.mode & 0o777, () => 0o644);
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  // The rename itself is durable only once the directory is synced (not possible everywhere).
  const dirHandle = await open(dir, "r").catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close();
}
