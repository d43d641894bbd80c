/**
 * @module
 * readMinari: a Minari dataset directory (metadata.json and main_data.hdf5) into a Dataset, with
 * warnings for what is not kept.
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { DatasetFormatError, MimicError } from "../../../core/errors.js";
import { formatValue, parsePythonJson, type Space, spaceFromJSON } from "../../../core/spaces/index.js";
import { columnFor, layoutFor } from "../../columns.js";
import { Dataset } from "../../dataset.js";
import { readEnvSpec } from "./env-spec.js";
import { loadH5, withHdf5Errors } from "./hdf5.js";
import { DERIVED_KEYS, MAIN_FILE, METADATA_FILE, MINARI_KEYS, metadataSchema } from "./metadata.js";
import { readEpisodes } from "./read-episode.js";
import { Warnings } from "./warnings.js";

export interface ReadMinariResult {
  dataset: Dataset;
  /** Things that were read but not kept, or that Python's Minari would trip over. */
  warnings: string[];
}

/**
 * Reads a dataset in Minari's layout, written by `writeMinari` or by Python's Minari and h5py.
 * `dir` is the dataset directory (holding `data/`), or its `data/` directory itself.
 * Anything missing, damaged or not in the declared spaces throws `DatasetFormatError` naming the
 * file, the episode and the field. Things that are read but not kept come back as `warnings`.
 */
export async function readMinari(dir: string): Promise<ReadMinariResult> {
  const root = resolve(dir);
  const rootStat = await stat(root).catch(() => null);
  if (rootStat === null || !rootStat.isDirectory()) {
    throw new DatasetFormatError(
      { file: root },
      `readMinari: ${root} ${rootStat === null ? "does not exist" : "is not a directory"}. ` +
        `Pass the dataset directory, the one that holds data/${MAIN_FILE} and data/${METADATA_FILE}.`,
    );
  }
  const exists = async (path: string) => (await stat(path).catch(() => null)) !== null;
  // `dir` is the dataset directory, or (as Minari's MinariDataset takes it) its data/ directory.
  const dataDir =
    (await exists(join(root, "data"))) || !(await exists(join(root, MAIN_FILE))) ? join(root, "data") : root;
  const warnings = new Warnings();

  // metadata.json: Minari's data/metadata.json, else the copy writeMinari also puts at the top.
  const metaCandidates = [
    join(dataDir, METADATA_FILE),
    ...(dataDir === root ? [] : [join(root, METADATA_FILE)]),
  ];
  let metaFile = metaCandidates[0]!;
  let metaText: string | undefined;
  for (const candidate of metaCandidates) {
    metaText = await readFile(candidate, "utf8").catch(() => undefined);
    if (metaText !== undefined) {
      metaFile = candidate;
      break;
    }
  }
  if (metaText === undefined) {
    throw new DatasetFormatError(
      { file: metaFile },
      `readMinari: ${metaFile} is missing, so ${root} is not a complete Minari dataset. ` +
        `Write the dataset again, or copy its ${METADATA_FILE}.`,
    );
  }
  if (metaFile !== metaCandidates[0]) {
    warnings.add(
      `${metaCandidates[0]} is missing; read ${metaFile} instead. Python's Minari reads only the one in data/.`,
    );
  }
  let metaRaw: unknown;
  try {
    metaRaw = parsePythonJson(metaText);
  } catch (cause) {
    throw new DatasetFormatError(
      { file: metaFile },
      `readMinari: ${metaFile} is not valid JSON (${(cause as Error).message}). The file is damaged; write the dataset again.`,
      { cause },
    );
  }
  const parsed = metadataSchema.safeParse(metaRaw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || undefined;
    throw new DatasetFormatError(
      { file: metaFile, ...(field && { field }) },
      `readMinari: ${metaFile}: ${field ? `"${field}"` : "the top level"}: ${issue.message}. ` +
        "Minari's metadata.json needs dataset_id, observation_space and action_space (serialized spaces).",
    );
  }
  const meta = parsed.data as Record<string, unknown> & z.infer<typeof metadataSchema>;
  if (meta.data_format !== undefined && meta.data_format !== "hdf5") {
    throw new DatasetFormatError(
      { file: metaFile, field: "data_format" },
      `readMinari: ${metaFile}: the dataset is stored as "${meta.data_format}"; readMinari reads only "hdf5" datasets. ` +
        'Convert it in Python (e.g. minari.create_dataset_from_buffers with data_format="hdf5").',
    );
  }
  for (const key of Object.keys(meta)) {
    if (!MINARI_KEYS.has(key))
      warnings.add(`${metaFile}: unknown metadata key "${key}" (kept in dataset.metadata).`);
  }
  const parseSpace = <T>(field: "observation_space" | "action_space", store: (s: Space) => T): T => {
    try {
      return store(spaceFromJSON(meta[field], field));
    } catch (cause) {
      throw new DatasetFormatError(
        { file: metaFile, field },
        `readMinari: ${metaFile}: ${(cause as Error).message}`,
        { cause },
      );
    }
  };
  const obs = parseSpace("observation_space", (s) => ({ space: s, layout: layoutFor(s, "observation") }));
  const act = parseSpace("action_space", (s) => ({ space: s, column: columnFor(s, "action") }));
  const envSpec = meta.env_spec ? readEnvSpec(meta.env_spec, metaFile, warnings) : null;

  // main_data.hdf5
  const mainFile = join(dataDir, MAIN_FILE);
  if ((await stat(mainFile).catch(() => null)) === null) {
    throw new DatasetFormatError(
      { file: mainFile },
      `readMinari: ${mainFile} is missing, so ${root} has metadata but no episodes. Write the dataset again, or copy its ${MAIN_FILE}.`,
    );
  }
  const h5 = await loadH5();
  const episodes = withHdf5Errors(h5, () => readEpisodes(h5, mainFile, obs, act, warnings));

  const ids = episodes.map((e) => e.id);
  if (ids.some((id, i) => id !== i)) {
    warnings.add(
      `${mainFile}: episode ids are not 0 … ${ids.length - 1} (${formatValue(ids)}); Python's Minari reads ` +
        "episodes 0 … total_episodes − 1 and would miss some. writeMinari renumbers them.",
    );
  }
  const totalSteps = episodes.reduce((sum, e) => sum + e.length, 0);
  if (meta.total_episodes !== undefined && meta.total_episodes !== episodes.length) {
    warnings.add(
      `${metaFile}: total_episodes is ${meta.total_episodes}, but ${mainFile} has ${episodes.length} episodes.`,
    );
  }
  if (meta.total_steps !== undefined && meta.total_steps !== totalSteps) {
    warnings.add(
      `${metaFile}: total_steps is ${meta.total_steps}, but the episodes have ${totalSteps} steps.`,
    );
  }
  const metadata = Object.fromEntries(Object.entries(meta).filter(([key]) => !DERIVED_KEYS.has(key)));
  try {
    const dataset = new Dataset({
      id: meta.dataset_id,
      episodes,
      observationSpace: obs.space,
      actionSpace: act.space,
      envSpec,
      metadata,
    });
    return { dataset, warnings: warnings.lines };
  } catch (cause) {
    if (cause instanceof MimicError && !(cause instanceof DatasetFormatError)) {
      throw new DatasetFormatError({ file: mainFile }, `readMinari: ${cause.message}`, { cause });
    }
    throw cause;
  }
}
