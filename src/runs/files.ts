/**
 * @module
 * The file plumbing of a run directory: atomic writes (a temporary sibling, flushed, then renamed
 * into place) and JSON in Python's `json.dumps` convention, pretty-printed.
 */
import { randomUUID } from "node:crypto";
import { open, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes `data` to `path` so that a reader (or a crash) sees the old file or the new one, never a
 * mix: the data goes to `<path>.tmp-<uuid>`, is flushed to disk, and is renamed over `path`.
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

const FLOAT_SENTINEL = "__mimic_float__";

/**
 * JSON text the way Python's `json.dumps(value, indent=…)` writes it for floats: ±Infinity and
 * NaN as bare tokens and negative zero as `-0.0`, so `parsePythonJson` gives every number back
 * exactly. Throws a TypeError for what JSON cannot hold (a BigInt, a cycle).
 */
export function formatJson(value: unknown, indent = 2): string {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== "number") return v;
      if (!Number.isFinite(v)) return `${FLOAT_SENTINEL}${v}`;
      return Object.is(v, -0) ? `${FLOAT_SENTINEL}-0.0` : v;
    },
    indent,
  );
  if (text === undefined) throw new TypeError("the value has no JSON form (it is undefined or a function)");
  return text.replace(/"__mimic_float__(-?Infinity|NaN|-0\.0)"/g, "$1");
}
