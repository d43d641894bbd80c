/**
 * @module
 * Loading and saving datasets by path: a directory is Minari's HDF5 layout, a `.jsonl` file is
 * JSONL. Every write is atomic: the data goes to a temporary sibling first and is renamed into
 * place, so a crash never leaves a half-written dataset where a good one was.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { DatasetFormatError } from "../core/errors.js";
import type { Dataset } from "./dataset.js";
import { readMinari, type WriteMinariOptions, writeMinari } from "./io/minari-hdf5.js";
import { fromJsonl, toJsonl } from "./jsonl.js";

export function isJsonlPath(path: string): boolean {
  return path.endsWith(".jsonl");
}

/** Reads a dataset from a Minari directory or a `.jsonl` file; returns warnings beside it. */
export async function loadDataset(path: string): Promise<{ dataset: Dataset; warnings: string[] }> {
  if (!isJsonlPath(path)) return readMinari(path);
  if (!existsSync(path)) {
    throw new DatasetFormatError(
      { file: path },
      `${path}: no such file. Check the path, or create it with \`mimic collect --out ${path}\`.`,
    );
  }
  return { dataset: fromJsonl(await readFile(path, "utf8"), { file: path }), warnings: [] };
}

/** Writes a dataset to a Minari directory or a `.jsonl` file, atomically. */
export async function saveDataset(
  path: string,
  dataset: Dataset,
  options: WriteMinariOptions = {},
): Promise<void> {
  if (!isJsonlPath(path)) {
    await writeMinari(path, dataset, options);
    return;
  }
  const temporary = `${path}.tmp-${randomUUID()}`;
  try {
    await writeFile(temporary, toJsonl(dataset), { flush: true });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
