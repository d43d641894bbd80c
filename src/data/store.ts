/**
 * @module
 * Loading and saving datasets by path: a directory is Minari's HDF5 layout, a `.jsonl` file is
 * JSONL. Every write is atomic: the data goes to a temporary sibling first and is renamed into
 * place, so a crash never leaves a half-written dataset where a good one was.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DatasetFormatError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { parsePythonJson, stringifyPythonJson } from "../core/spaces/index.js";
import type { ColumnStats, Dataset } from "./dataset.js";
import { contentHash } from "./hash.js";
import { readMinari, type WriteMinariOptions, writeMinari } from "./io/minari-hdf5/index.js";
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

/** The file beside a Minari dataset's data/ that holds its normalization statistics. */
export const NORMALIZATION_FILE = "normalization.json";

/** What training needs to normalize inputs: per-dimension statistics, and what they were computed on. */
export interface NormalizationStats {
  /** The content hash of the dataset the statistics describe. */
  hash: string;
  episodes: number;
  steps: number;
  observations: ColumnStats;
  actions: ColumnStats;
}

export function normalizationStats(dataset: Dataset): NormalizationStats {
  const stats = dataset.stats();
  return {
    hash: contentHash(dataset),
    episodes: stats.episodes,
    steps: stats.steps,
    observations: stats.observations,
    actions: stats.actions,
  };
}

/**
 * Writes a dataset to a Minari directory or a `.jsonl` file, atomically. A Minari directory also
 * gets `normalization.json` (per-dimension observation and action statistics) in the same swap.
 */
export async function saveDataset(
  path: string,
  dataset: Dataset,
  options: WriteMinariOptions = {},
): Promise<void> {
  if (!isJsonlPath(path)) {
    const normalization = `${stringifyPythonJson(normalizationStats(dataset))}\n`;
    await writeMinari(path, dataset, {
      ...options,
      extraFiles: { ...options.extraFiles, [NORMALIZATION_FILE]: normalization },
    });
    return;
  }
  await writeFileAtomic(path, toJsonl(dataset));
}

/**
 * The normalization statistics saved with a dataset: read from `normalization.json` when it is
 * there and still describes the dataset's content, computed from the episodes otherwise.
 */
export async function loadNormalization(path: string): Promise<NormalizationStats> {
  const { dataset } = await loadDataset(path);
  const file = join(path, NORMALIZATION_FILE);
  if (!isJsonlPath(path) && existsSync(file)) {
    const saved = parsePythonJson(await readFile(file, "utf8")) as NormalizationStats;
    if (saved.hash === contentHash(dataset)) return saved;
  }
  return normalizationStats(dataset);
}
