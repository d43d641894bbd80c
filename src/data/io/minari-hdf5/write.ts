/**
 * @module
 * writeMinari: a Dataset to Minari's layout, checked row by row and swapped into place atomically.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { File as H5File, Group as H5Group } from "h5wasm/node";
import { DatasetFormatError, type DatasetLocation } from "../../../core/errors.js";
import { replaceDirectory, syncDirectory, syncFile } from "../../../core/files.js";
import { formatValue, type TypedArray } from "../../../core/spaces/index.js";
import { type Column, columnFor, type Layout, layoutFor } from "../../columns.js";
import type { Dataset } from "../../dataset.js";
import { gymnasiumEnvSpec } from "./env-spec.js";
import { diskArray, dtypeOfArray, guessChunk, type H5, H5_DTYPE, loadH5, withHdf5Errors } from "./hdf5.js";
import {
  asList,
  DERIVED_KEYS,
  FLOAT_KEYS,
  MAIN_FILE,
  METADATA_FILE,
  MINARI_VERSION,
  PLACED_KEYS,
} from "./metadata.js";
import { NotJsonError, PyFloat, pythonJsonDumps, pythonSpaceString } from "./python-json.js";
import { alwaysInSpace, explainRow, rowShape } from "./rows.js";

export interface WriteMinariOptions {
  /** Extra files to write at the top of the dataset directory (name → text), in the same atomic swap. */
  extraFiles?: Readonly<Record<string, string>>;
  /** Minari's `author`, stored as a list. Default: `dataset.metadata.author`. */
  author?: string | readonly string[];
  /** Minari's `author_email`, stored as a list. Default: `dataset.metadata.author_email`. */
  authorEmail?: string | readonly string[];
  /** Default: `dataset.metadata.description`. */
  description?: string;
  /** The algorithm that produced the episodes. Default: `dataset.metadata.algorithm_name`. */
  algorithmName?: string;
  /** A link to the versioned code that produced the dataset. Default: `dataset.metadata.code_permalink`. */
  codePermalink?: string;
  /** pip-style requirements to rebuild the env, e.g. `gymnasium>=1.0`. Default: `dataset.metadata.requirements`. */
  requirements?: readonly string[];
  /**
   * The Gymnasium `entry_point` in `env_spec`. Default: Gymnasium's own entry point for the
   * classic-control and MuJoCo v5 ids mimic ports, and the v5 class for the seals MuJoCo variants
   * (so Python's `recover_environment()` works), otherwise null.
   */
  entryPoint?: string | null;
}

/**
 * Writes `dataset` to `dir` in Minari's layout (see the module comment). The write is atomic: the
 * files appear at `dir` together, or not at all. An existing dataset at `dir` is replaced only
 * once the new one is complete. A `dir` that holds something other than a dataset is refused.
 * Every observation and action is checked against the dataset's spaces as its episode is written.
 * A bad one throws `DatasetFormatError` naming the episode and the field, and leaves `dir` as it was.
 *
 * Episodes are written as episode_0 … episode_{N−1} in dataset order, because Minari requires
 * sequential ids. An episode whose `id` differs is renumbered.
 */
export async function writeMinari(
  dir: string,
  dataset: Dataset,
  options: WriteMinariOptions = {},
): Promise<void> {
  const target = resolve(dir);
  const mainFile = join(target, "data", MAIN_FILE);
  if (dataset.episodes.length === 0) {
    throw new DatasetFormatError(
      { file: mainFile },
      `writeMinari: ${mainFile}: dataset ${dataset.id} has no episodes, and a Minari file without episode groups is not a dataset. ` +
        "Collect or keep at least one episode before writing.",
    );
  }
  await checkReplaceable(target);
  const h5 = await loadH5();
  const columns = {
    observations: layoutFor(dataset.observationSpace, "observation"),
    actions: columnFor(dataset.actionSpace, "action"),
  };
  // Build the metadata first: a value JSON cannot hold should fail before any file is written.
  const metadata = buildMetadata(dataset, options, mainFile);

  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${randomUUID()}`;
  try {
    await mkdir(join(tmp, "data"), { recursive: true });
    const tmpMain = join(tmp, "data", MAIN_FILE);
    writeHdf5(h5, tmpMain, mainFile, dataset, columns);
    // Minari's get_size(): every file in data/, in MB, rounded to 0.1.
    const h5Bytes = (await stat(tmpMain)).size;
    const draft = pythonJsonDumps({ ...metadata, dataset_size: new PyFloat(0) });
    metadata.dataset_size = new PyFloat(Math.round((h5Bytes + Buffer.byteLength(draft)) / 1e5) / 10);
    // data/metadata.json is where Minari reads it.
    const tmpMeta = join(tmp, "data", METADATA_FILE);
    await writeFile(tmpMeta, pythonJsonDumps(metadata));
    // Files of mimic's own beside data/ (Minari ignores them), written inside the same atomic swap.
    const extras = Object.entries(options.extraFiles ?? {}).map(
      ([name, text]) => [join(tmp, name), text] as const,
    );
    for (const [path, text] of extras) await writeFile(path, text);
    for (const path of [tmpMain, tmpMeta, ...extras.map(([path]) => path)]) await syncFile(path);
    for (const path of [join(tmp, "data"), tmp]) await syncDirectory(path);
    await replaceDirectory(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Refuses to replace anything but a directory that is empty or holds a Minari dataset. */
async function checkReplaceable(target: string): Promise<void> {
  const existing = await stat(target).catch(() => null);
  if (existing === null) return;
  const refuse = (why: string) =>
    new DatasetFormatError(
      { file: target },
      `writeMinari: ${target} ${why}; writeMinari only replaces a Minari dataset. Choose another directory, or remove it first.`,
    );
  if (!existing.isDirectory()) throw refuse("exists and is not a directory");
  const entries = await readdir(target);
  if (entries.length === 0) return;
  const markers = [join("data", METADATA_FILE), join("data", MAIN_FILE), METADATA_FILE, MAIN_FILE];
  for (const marker of markers) {
    if (await stat(join(target, marker)).catch(() => null)) return;
  }
  throw refuse(`holds ${entries.length} entries but no data/${METADATA_FILE}`);
}

function buildMetadata(dataset: Dataset, options: WriteMinariOptions, file: string): Record<string, unknown> {
  const m = dataset.metadata;
  const pick = <T>(option: T | undefined, key: string): unknown => (option !== undefined ? option : m[key]);
  const passthrough = Object.fromEntries(
    Object.entries(m)
      .filter(([key]) => !DERIVED_KEYS.has(key) && !PLACED_KEYS.has(key))
      .map(([key, value]) => [
        key,
        FLOAT_KEYS.has(key) && typeof value === "number" ? new PyFloat(value) : value,
      ]),
  );
  // Key order as a dataset made by Minari's DataCollector has it.
  const metadata: Record<string, unknown> = {
    total_episodes: dataset.episodes.length,
    total_steps: dataset.totalSteps,
    data_format: "hdf5",
    jpeg_encoding: false,
    observation_space: pythonSpaceString(dataset.observationSpace),
    action_space: pythonSpaceString(dataset.actionSpace),
    env_spec: dataset.envSpec
      ? pythonJsonDumps(gymnasiumEnvSpec(dataset.envSpec, options.entryPoint))
      : undefined,
    dataset_id: dataset.id,
    code_permalink: pick(options.codePermalink, "code_permalink"),
    author: asList(pick(options.author, "author")),
    author_email: asList(pick(options.authorEmail, "author_email")),
    algorithm_name: pick(options.algorithmName, "algorithm_name"),
    description: pick(options.description, "description"),
    ...passthrough,
    minari_version: MINARI_VERSION,
    requirements: pick(options.requirements, "requirements"),
    dataset_size: new PyFloat(0),
  };
  for (const key of Object.keys(metadata)) if (metadata[key] === undefined) delete metadata[key];
  try {
    pythonJsonDumps(metadata, "metadata");
  } catch (cause) {
    if (!(cause instanceof NotJsonError)) throw cause;
    const metaFile = join(dirname(file), METADATA_FILE);
    throw new DatasetFormatError(
      { file: metaFile, field: cause.path },
      `writeMinari: ${metaFile}: ${cause.message}. Metadata values must be JSON: strings, numbers, booleans, null, ` +
        "arrays and plain objects. Nothing was written.",
      { cause },
    );
  }
  return metadata;
}

/** The values of one observation leaf (`""`: a plain space's whole observations). */
function leafValues(episode: Dataset["episodes"][number], path: string): TypedArray {
  return path === "" ? episode.observations : episode.observationLeaves![path]!;
}

/** Writes main_data.hdf5 at `path` in one synchronous pass (`where` names the file in errors). */
function writeHdf5(
  h5: H5,
  path: string,
  where: string,
  dataset: Dataset,
  columns: { observations: Layout; actions: Column },
): void {
  const spaces = { observations: dataset.observationSpace, actions: dataset.actionSpace };
  withHdf5Errors(h5, () => {
    const file: H5File = new h5.lib.File(path, "w", { track_order: true });
    try {
      dataset.episodes.forEach((episode, index) => {
        const at = (field?: string): DatasetLocation => ({
          file: where,
          episode: episode.id,
          ...(field && { field }),
        });
        const T = episode.length;
        // Check everything about this episode before its group exists.
        const checks = [
          ...columns.observations.leaves.map((leaf) => ({
            field: "observations" as const,
            leaf: leaf.path,
            space: leaf.space,
            values: leafValues(episode, leaf.path),
            dim: leaf.column.dim,
          })),
          {
            field: "actions" as const,
            leaf: "",
            space: spaces.actions,
            values: episode.actions,
            dim: columns.actions.dim,
          },
        ];
        for (const { field, leaf, space, values, dim } of checks) {
          const rows = field === "observations" ? T + 1 : T;
          if (alwaysInSpace(space, values)) continue;
          for (let t = 0; t < rows; t++) {
            const why = explainRow(space, values, t, dim, field === "observations");
            if (why !== null) {
              const what = field === "observations" ? "observation" : "action";
              const inLeaf = leaf === "" ? "" : `${leaf}: ${space}: `;
              throw new DatasetFormatError(
                at(leaf === "" ? field : `${field}/${leaf}`),
                `writeMinari: ${where}: episode ${episode.id}: ${what} ${t} is not in the ${what} space ${spaces[field]} (${inLeaf}${why}). ` +
                  `Nothing was written to ${dirname(dirname(where))}. Fix or drop the episode before writing.`,
              );
            }
          }
        }
        if (episode.seed !== undefined && !(Number.isSafeInteger(episode.seed) && episode.seed >= 0)) {
          throw new DatasetFormatError(
            at("seed"),
            `writeMinari: ${where}: episode ${episode.id}: seed ${formatValue(episode.seed)} is not a non-negative integer, ` +
              `which Minari's seed attribute must be. Nothing was written to ${dirname(dirname(where))}.`,
          );
        }

        const group = file.create_group(`episode_${index}`);
        group.create_attribute("id", BigInt64Array.of(BigInt(index)), [], "<q");
        if (episode.seed !== undefined)
          group.create_attribute("seed", BigInt64Array.of(BigInt(episode.seed)), [], "<q");
        group.create_attribute("total_steps", BigInt64Array.of(BigInt(T)), [], "<q");
        // DataCollector's EpisodeMetadataCallback statistics (numpy's population std).
        const rewards = episode.rewards;
        const sum = rewards.reduce((a, b) => a + b, 0);
        const mean = sum / T;
        const variance = rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / T;
        const stats: [string, number][] = [
          ["rewards_sum", sum],
          ["rewards_mean", mean],
          ["rewards_std", Math.sqrt(variance)],
          ["rewards_max", rewards.reduce((a, b) => (Number.isNaN(a) || b > a || Number.isNaN(b) ? b : a))],
          ["rewards_min", rewards.reduce((a, b) => (Number.isNaN(a) || b < a || Number.isNaN(b) ? b : a))],
        ];
        for (const [name, value] of stats) group.create_attribute(name, Float64Array.of(value), [], "<d");

        const put = (
          g: H5Group,
          name: string,
          values: TypedArray | BigInt64Array,
          dtype: string,
          shape: number[],
          compress = false,
        ) => {
          g.create_dataset({
            name,
            data: values,
            shape,
            dtype: H5_DTYPE[dtype]!,
            maxshape: [null, ...shape.slice(1)],
            chunks: guessChunk(shape, values.BYTES_PER_ELEMENT),
            // h5py's compression="gzip" (deflate, level 4).
            ...(compress && { compression: "gzip" as const, compression_opts: 4 }),
          });
        };
        const obsLayout = columns.observations;
        if (!obsLayout.composite) {
          const column = obsLayout.leaves[0]!.column;
          put(group, "observations", diskArray(episode.observations, column.dtype), column.dtype, [
            T + 1,
            ...rowShape(spaces.observations),
          ]);
        } else {
          // Minari's layout: observations/ is a group, a Dict key or Tuple _index_<i> per subgroup or dataset.
          const root = group.create_group("observations");
          for (const leaf of obsLayout.leaves) {
            let parent = root;
            for (const segment of leaf.segments.slice(0, -1)) {
              const existing = parent.get(segment);
              parent = existing instanceof h5.lib.Group ? existing : parent.create_group(segment);
            }
            const dtype = leaf.column.dtype;
            put(
              parent,
              leaf.segments.at(-1)!,
              diskArray(leafValues(episode, leaf.path), dtype),
              dtype,
              [T + 1, ...rowShape(leaf.space)],
              dtype === "uint8",
            );
          }
        }
        put(group, "actions", diskArray(episode.actions, columns.actions.dtype), columns.actions.dtype, [
          T,
          ...rowShape(spaces.actions),
        ]);
        put(group, "rewards", rewards, "float64", [T]);
        const flag = (set: boolean) => {
          const flags = new Int8Array(T);
          flags[T - 1] = set ? 1 : 0;
          return flags;
        };
        put(group, "terminations", flag(episode.terminated), "int8", [T]);
        put(group, "truncations", flag(episode.truncated), "int8", [T]);
        const infos = group.create_group("infos");
        for (const [key, values] of Object.entries(episode.infos)) {
          const parts = key.split("/");
          let parent = infos;
          for (const part of parts.slice(0, -1)) {
            const existing = parent.get(part);
            parent = existing instanceof h5.lib.Group ? existing : parent.create_group(part);
          }
          const dim = values.length / (T + 1);
          put(parent, parts.at(-1)!, values, dtypeOfArray(values), dim === 1 ? [T + 1] : [T + 1, dim]);
        }
      });
    } finally {
      try {
        file.close();
      } catch {
        // The write already failed; its error is the one to report.
      }
    }
  });
}
