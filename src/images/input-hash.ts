import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

/** Folders never hashed: build caches and tool binaries, not inputs. */
const SKIPPED_DIRS = new Set([".bin", "node_modules", ".git", ".cache"]);

/** Lists the files below `dir` (or `dir` itself when it is a file), sorted, relative to `root`. */
export async function listInputFiles(root: string, entries: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  async function walk(rel: string): Promise<void> {
    const abs = path.join(root, rel);
    let st;
    try {
      st = await stat(abs);
    } catch {
      return; // an optional input (go.work.sum) may be absent; its absence changes the hash anyway
    }
    if (st.isFile()) {
      files.push(rel);
      return;
    }
    if (!st.isDirectory()) return;
    for (const child of await readdir(abs)) {
      if (SKIPPED_DIRS.has(child)) continue;
      await walk(path.join(rel, child));
    }
  }
  for (const e of entries) await walk(e);
  return files.sort();
}

/** A stable sha256 over named values and the contents of files (names included). */
export async function hashInputs(
  values: unknown,
  root?: string,
  files: readonly string[] = [],
): Promise<string> {
  const h = createHash("sha256");
  h.update(JSON.stringify(values));
  for (const rel of files) {
    h.update(`\0file:${rel}\0`);
    h.update(await readFile(path.join(root ?? ".", rel)));
  }
  return h.digest("hex");
}
