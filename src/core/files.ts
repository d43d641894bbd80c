/**
 * @module
 * Crash-safe file plumbing shared by datasets, saved policies and run directories (Node only):
 * a reader, or a crash, sees the old file or directory or the new one, never a mix.
 */
import { createHash, randomUUID } from "node:crypto";
import { open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Flushes a file's contents to disk. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (a rename in it) to disk; a no-op where directories cannot be opened. */
export async function syncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch {
    // Some platforms cannot open or sync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `data` to `path` atomically: to `<path>.tmp-<uuid>` first, flushed, then renamed over
 * `path`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${randomUUID()}`;
  try {
    await writeFile(temporary, data, { flush: true });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Renames the finished directory `temporary` to `target`. An existing `target` is moved to
 * `aside` first and deleted once the new one is in place; if the second rename fails, the old
 * one is moved back.
 */
export async function replaceDirectory(
  temporary: string,
  target: string,
  aside = `${target}.old-${randomUUID()}`,
): Promise<void> {
  let movedAside = false;
  try {
    await rename(target, aside);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    if (movedAside) await rename(aside, target).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(target));
  if (movedAside) await rm(aside, { recursive: true, force: true });
}

/**
 * `sha256:<hex>` over a directory's files, recursively: each file's path relative to `dir`, its
 * length and its bytes, in path order. Two directories with the same files hash the same.
 */
export async function directoryDigest(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const path = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk("");
  files.sort();
  const hash = createHash("sha256");
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest("hex")}`;
}
