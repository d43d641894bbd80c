/**
 * @module
 * Datasets on disk in Minari's HDF5 layout, read and written with h5wasm (HDF5 compiled to
 * WebAssembly, using Node's real filesystem). The layout follows Minari 0.5
 * (`minari/dataset/_storages/hdf5_storage.py`, `minari/dataset/minari_storage.py`,
 * `minari/utils.py`, `minari/data_collector/data_collector.py`):
 *
 * ```text
 * <dir>/data/main_data.hdf5   one group episode_<i> per episode, i = 0 … N − 1
 * <dir>/data/metadata.json    dataset_id, spaces, env_spec, counts, … as Minari's json.dump writes them
 * ```
 *
 * Minari reads metadata.json from `data/`, next to main_data.hdf5 (`MinariStorage.read_raw_metadata`).
 * writeMinari also puts an identical copy at `<dir>/metadata.json`, where Minari plans to move it
 * (see the TODO in `minari/storage/local.py`). readMinari reads that copy only when data/'s is missing.
 * An episode group holds `observations` (T + 1 rows), `actions` (T rows), `rewards` (float64),
 * `terminations` and `truncations` (T flags, set only at the last step) and an `infos` group (one
 * dataset of T + 1 rows per key). Its attributes are `id`, `seed` (when known), `total_steps` and
 * the `rewards_sum/mean/std/max/min` statistics that Minari's DataCollector adds. Every dataset
 * can grow along its first axis (`maxshape=(None, …)`), and its chunk shape is the one h5py picks.
 * Discrete and MultiDiscrete values are int64, MultiBinary int8, and Box values keep their dtype.
 *
 * Caveats:
 * - Flags are stored as int8 0/1. h5py stores numpy bools as an HDF5 enum over int8 {FALSE, TRUE},
 *   and h5wasm cannot create enum types. numpy reads the flags as int8, which Minari handles.
 *   Reading accepts bool enums and any integer flags that are 0 or 1.
 * - Box observations may hold NaN: recorded data sometimes does, and it is cleaned later. NaN in
 *   an action is refused, because a NaN action comes from a diverged policy.
 * - Image-like Box spaces are stored raw, and metadata.json says `"jpeg_encoding": false`. Minari's
 *   main branch honours that, but Minari 0.5.3 and earlier expect JPEG bytes for those spaces.
 * - Only spaces that `columnFor` stores work (Box, Discrete, MultiDiscrete, MultiBinary). Dict and
 *   Tuple spaces are not supported.
 *
 * Writes are atomic. The whole dataset is written to a sibling `<dir>.tmp-<uuid>`, synced, and
 * renamed into place. An existing dataset is first moved aside to `<dir>.old-<uuid>` and deleted
 * once the new one is in place, so a crash never leaves a half-written dataset at `<dir>`.
 * Only a crash between the two renames can leave the old dataset under its `.old-` name.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type {
  Dataset as H5Dataset,
  File as H5File,
  Group as H5Group,
  Metadata as H5Metadata,
} from "h5wasm/node";
import { z } from "zod";
import { type EnvSpec, mimicKwargs, pythonKwargs } from "../../core/env.js";
import { DatasetFormatError, type DatasetLocation, MimicError } from "../../core/errors.js";
import { replaceDirectory, syncDirectory, syncFile } from "../../core/files.js";
import {
  type Box,
  formatValue,
  type MultiBinary,
  type MultiDiscrete,
  parsePythonJson,
  type Space,
  type SpaceJson,
  spaceFromJSON,
  type TypedArray,
} from "../../core/spaces.js";
import { type Column, columnFor } from "../columns.js";
import { Dataset } from "../dataset.js";
import { Episode } from "../episode.js";

/** The Minari release whose layout these files follow. Minari refuses datasets from versions it does not list. */
export const MINARI_VERSION = "0.5.3";

const MAIN_FILE = "main_data.hdf5";
const METADATA_FILE = "metadata.json";

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
   * classic-control ids mimic ports (so Python's `recover_environment()` works), otherwise null.
   */
  entryPoint?: string | null;
}

export interface ReadMinariResult {
  dataset: Dataset;
  /** Things that were read but not kept, or that Python's Minari would trip over. */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// h5wasm
// ---------------------------------------------------------------------------------------------

type H5Lib = typeof import("h5wasm/node")["default"];
type H5Module = Awaited<H5Lib["ready"]>;
interface H5 {
  lib: H5Lib;
  module: H5Module;
}

let h5Loading: Promise<H5> | undefined;

/**
 * Loads h5wasm's Node build on first use. The load costs about 150 ms, and importing mimic
 * should not pay it. A failed load is retried on the next call.
 */
async function loadH5(): Promise<H5> {
  h5Loading ??= import("h5wasm/node").then(async ({ default: lib }) => ({ lib, module: await lib.ready }));
  try {
    return await h5Loading;
  } catch (error) {
    h5Loading = undefined;
    throw error;
  }
}

/**
 * Runs synchronous h5wasm calls with HDF5's error stack turned into exceptions, instead of being
 * printed to stderr while the call fails quietly. The handler is restored before returning, and
 * nothing async runs in between.
 */
function withHdf5Errors<T>(h5: H5, fn: () => T): T {
  h5.module.activate_throwing_error_handler();
  try {
    return fn();
  } finally {
    h5.module.deactivate_throwing_error_handler();
  }
}

/** The innermost message of an HDF5 error stack, e.g. `truncated file: eof = 4156, …`. */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = text.split("\n").filter((line) => /^\s*#\d+:/.test(line));
  const innermost = frames.at(-1);
  const match = innermost === undefined ? null : /\(\): (.*)$/.exec(innermost);
  return (match?.[1] ?? text.split("\n")[0] ?? "").trim().slice(0, 300);
}

// HDF5 type classes (H5T_class_t).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_ENUM = 8;
const H5T_VLEN = 9;

/** numpy's name for an HDF5 type, as h5py maps it (for messages and dtype checks). */
function numpyDtype(meta: H5Metadata): string {
  if (meta.type === H5T_ENUM) {
    const members = meta.enum_type?.members ?? {};
    const keys = Object.keys(members);
    if (keys.length === 2 && members.FALSE === 0 && members.TRUE === 1) return "bool";
    return `enum(int${meta.size * 8})`;
  }
  if (meta.type === H5T_FLOAT) return `float${meta.size * 8}`;
  if (meta.type === H5T_INTEGER) return `${meta.signed ? "int" : "uint"}${meta.size * 8}`;
  if (meta.type === H5T_STRING) return "strings";
  if (meta.type === H5T_VLEN) return "variable-length arrays";
  return `HDF5 type class ${meta.type}`;
}

/** h5wasm's dtype string for a numpy dtype. */
const H5_DTYPE: Record<string, string> = {
  float32: "<f",
  float64: "<d",
  int8: "<b",
  int16: "<h",
  int32: "<i",
  int64: "<q",
  uint8: "<B",
  uint16: "<H",
  uint32: "<I",
};

const ARRAY_FOR: Record<string, { new (n: number): TypedArray; from(a: ArrayLike<number>): TypedArray }> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/** The array h5wasm writes for `dtype`: int64 goes through BigInt64Array. */
function diskArray(values: ArrayLike<number>, dtype: string): TypedArray | BigInt64Array {
  if (dtype === "int64") return BigInt64Array.from(values, (v) => BigInt(v));
  const Ctor = ARRAY_FOR[dtype]!;
  return values instanceof Ctor ? (values as TypedArray) : Ctor.from(values);
}

/** numpy's name for a typed array's element type (`Float32Array` → `float32`). */
function dtypeOfArray(values: TypedArray): string {
  return values.constructor.name.replace("Array", "").toLowerCase();
}

// h5py's chunk guess (h5py/_hl/filters.py `guess_chunk`), so chunks match what Minari writes.
const CHUNK_BASE = 16 * 1024; // bytes; multiplier by which chunks are adjusted
const CHUNK_MIN = 8 * 1024; // bytes; soft lower limit
const CHUNK_MAX = 1024 * 1024; // bytes; hard upper limit

function guessChunk(shape: readonly number[], typesize: number): number[] {
  const chunks = shape.map((x) => (x !== 0 ? x : 1024));
  const product = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);
  let target = CHUNK_BASE * 2 ** Math.log10((product(chunks) * typesize) / (1024 * 1024));
  if (target > CHUNK_MAX) target = CHUNK_MAX;
  else if (target < CHUNK_MIN) target = CHUNK_MIN;
  for (let idx = 0; ; idx++) {
    const bytes = product(chunks) * typesize;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < CHUNK_MAX) break;
    if (product(chunks) === 1) break;
    const axis = idx % chunks.length;
    chunks[axis] = Math.ceil(chunks[axis]! / 2);
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// JSON as Python's json.dumps writes it
// ---------------------------------------------------------------------------------------------

/** A number that json.dumps prints as a Python float (`475.0`, not `475`). */
class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `repr(float)`: the shortest round-trip digits, with an exponent below 1e-4 or from 1e16. */
function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exponent] = x.toExponential().split("e") as [string, string];
  const sign = x < 0 ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  const exp = Number(exponent);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fraction = digits.slice(exp + 1) || "0";
  return `${sign}${whole}.${fraction}`;
}

/** json.dumps with its defaults: `", "` and `": "` separators, ASCII only, bare Infinity/NaN. */
function pythonJsonDumps(value: unknown, path = "value"): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return pythonFloatRepr(value);
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value) || value instanceof Set) {
    return `[${[...value].map((v, i) => pythonJsonDumps(v, `${path}[${i}]`)).join(", ")}]`;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v, `${path}.${k}`)}`).join(", ")}}`;
  }
  throw new NotJsonError(path, `${path} is ${formatValue(value)}, which JSON cannot hold`);
}

class NotJsonError extends TypeError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Minari's `serialize_space`: the space JSON with float Box bounds printed as Python floats. */
function pythonSpaceString(space: Space): string {
  const mark = (json: SpaceJson): unknown => {
    switch (json.type) {
      case "Box": {
        if (!json.dtype.startsWith("float")) return json;
        const floats = (v: unknown): unknown => (Array.isArray(v) ? v.map(floats) : new PyFloat(v as number));
        return { ...json, low: floats(json.low), high: floats(json.high) };
      }
      case "Dict":
        return {
          ...json,
          subspaces: Object.fromEntries(Object.entries(json.subspaces).map(([k, s]) => [k, mark(s)])),
        };
      case "Tuple":
        return { ...json, subspaces: json.subspaces.map(mark) };
      default:
        return json;
    }
  };
  return pythonJsonDumps(mark(space.toJSON()));
}

// ---------------------------------------------------------------------------------------------
// env_spec: Gymnasium's EnvSpec.to_json
// ---------------------------------------------------------------------------------------------

/** Gymnasium's registrations of the classic-control envs mimic ports (gymnasium/envs/__init__.py). */
const GYMNASIUM_ENTRY_POINTS: Record<string, { entry: string; vector?: string }> = {
  "CartPole-v0": {
    entry: "gymnasium.envs.classic_control.cartpole:CartPoleEnv",
    vector: "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv",
  },
  "CartPole-v1": {
    entry: "gymnasium.envs.classic_control.cartpole:CartPoleEnv",
    vector: "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv",
  },
  "MountainCar-v0": { entry: "gymnasium.envs.classic_control.mountain_car:MountainCarEnv" },
  "MountainCarContinuous-v0": {
    entry: "gymnasium.envs.classic_control.continuous_mountain_car:Continuous_MountainCarEnv",
  },
  "Pendulum-v1": { entry: "gymnasium.envs.classic_control.pendulum:PendulumEnv" },
  "Acrobot-v1": { entry: "gymnasium.envs.classic_control.acrobot:AcrobotEnv" },
};

/** The fields of `EnvSpec.to_json()` (dataclasses.asdict order, namespace/name/version popped). */
function gymnasiumEnvSpec(spec: EnvSpec, entryPoint: string | null | undefined): Record<string, unknown> {
  const known = GYMNASIUM_ENTRY_POINTS[spec.id];
  return {
    id: spec.id,
    entry_point: entryPoint !== undefined ? entryPoint : (known?.entry ?? null),
    reward_threshold: spec.rewardThreshold === undefined ? null : new PyFloat(spec.rewardThreshold),
    nondeterministic: spec.nondeterministic ?? false,
    max_episode_steps: spec.maxEpisodeSteps ?? null,
    order_enforce: true,
    disable_env_checker: false,
    kwargs: pythonKwargs(spec.kwargs),
    additional_wrappers: [],
    vector_entry_point: known?.vector ?? null,
  };
}

const envSpecSchema = z.looseObject({
  id: z.string(),
  kwargs: z.record(z.string(), z.unknown()).nullable().optional(),
  reward_threshold: z.number().nullable().optional(),
  nondeterministic: z.boolean().optional(),
  max_episode_steps: z.number().int().positive().nullable().optional(),
});

function readEnvSpec(text: string, file: string, warnings: Warnings): EnvSpec {
  const fail = (why: string, cause?: unknown) =>
    new DatasetFormatError(
      { file, field: "env_spec" },
      `${file}: env_spec ${why}. It should be the string Gymnasium's EnvSpec.to_json() gives; fix or delete the key.`,
      { cause },
    );
  let raw: unknown;
  try {
    raw = parsePythonJson(text);
  } catch (cause) {
    throw fail(`is not valid JSON (${(cause as Error).message})`, cause);
  }
  const parsed = envSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`has a bad ${issue.path.join(".") || "value"} (${issue.message})`);
  }
  const v = parsed.data;
  const spec: EnvSpec = {
    id: v.id,
    ...(v.max_episode_steps != null && { maxEpisodeSteps: v.max_episode_steps }),
    ...(v.reward_threshold != null && { rewardThreshold: v.reward_threshold }),
    nondeterministic: v.nondeterministic ?? false,
    ...(v.kwargs != null && Object.keys(v.kwargs).length > 0 && { kwargs: mimicKwargs(v.kwargs) }),
  };
  // Say which Gymnasium fields a rewrite would not reproduce.
  const rewritten = gymnasiumEnvSpec(spec, undefined);
  // reward_threshold and kwargs are kept; only a number's int/float spelling may differ.
  const dropped = Object.keys(v).filter(
    (key) =>
      key in rewritten &&
      key !== "reward_threshold" &&
      key !== "kwargs" &&
      pythonJsonDumps(rewritten[key]) !== pythonJsonDumps((v as Record<string, unknown>)[key]),
  );
  if (dropped.length > 0) {
    warnings.add(
      `${file}: env_spec ${dropped.map((k) => `${k}=${pythonJsonDumps((v as Record<string, unknown>)[k])}`).join(", ")} ` +
        "is not kept in mimic's EnvSpec; writing this dataset again writes Gymnasium's defaults for it.",
    );
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// metadata.json
// ---------------------------------------------------------------------------------------------

/** Every key Minari itself writes to metadata.json. Other keys get a warning on read. */
const MINARI_KEYS = new Set([
  "dataset_id",
  "total_episodes",
  "total_steps",
  "data_format",
  "jpeg_encoding",
  "observation_space",
  "action_space",
  "env_spec",
  "eval_env_spec",
  "code_permalink",
  "author",
  "author_email",
  "algorithm_name",
  "description",
  "minari_version",
  "ref_min_score",
  "ref_max_score",
  "num_episodes_average_score",
  "requirements",
  "combined_datasets",
  "dataset_size",
]);

/** Keys a Dataset holds elsewhere, or that are recomputed on write: not kept in `dataset.metadata`. */
const DERIVED_KEYS = new Set([
  "dataset_id",
  "total_episodes",
  "total_steps",
  "data_format",
  "jpeg_encoding",
  "observation_space",
  "action_space",
  "env_spec",
  "dataset_size",
]);

/** Keys writeMinari places itself, in Minari's order; other metadata goes between them. */
const PLACED_KEYS = new Set([
  "code_permalink",
  "author",
  "author_email",
  "algorithm_name",
  "description",
  "minari_version",
  "requirements",
]);

/** Metadata keys Minari writes as Python floats. */
const FLOAT_KEYS = new Set(["ref_min_score", "ref_max_score", "dataset_size"]);

const stringOrList = z.union([z.string(), z.array(z.string())]);
const metadataSchema = z.looseObject({
  dataset_id: z.string(),
  observation_space: z.string(),
  action_space: z.string(),
  data_format: z.string().optional(),
  total_episodes: z.number().int().nonnegative().optional(),
  total_steps: z.number().int().nonnegative().optional(),
  env_spec: z.string().nullable().optional(),
  eval_env_spec: z.string().nullable().optional(),
  jpeg_encoding: z.boolean().optional(),
  minari_version: z.string().optional(),
  author: stringOrList.nullable().optional(),
  author_email: stringOrList.nullable().optional(),
  algorithm_name: z.string().nullable().optional(),
  code_permalink: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  requirements: z.array(z.string()).optional(),
});

function asList(value: unknown): unknown {
  return typeof value === "string" ? [value] : value;
}

// ---------------------------------------------------------------------------------------------
// Checking rows against spaces
// ---------------------------------------------------------------------------------------------

/** The shape of one row of `space` as stored on disk (Minari stacks values along a new first axis). */
function rowShape(space: Space): number[] {
  switch (space.kind) {
    case "discrete":
      return [];
    case "box":
      return [...(space as Box).shape];
    case "multi-binary":
      return [...(space as MultiBinary).shape];
    case "multi-discrete":
      return [(space as MultiDiscrete).nvec.length];
    default:
      return [space.flatDim];
  }
}

/**
 * Why row `row` of `values` is not in `space`, or null when it is. NaN elements of a Box row are
 * accepted when `allowNaN` is set. The other elements are still checked.
 */
function explainRow(space: Space, values: ArrayLike<number>, row: number, dim: number, allowNaN: boolean) {
  if (space.kind === "discrete") return space.explain(values[row]);
  let view: ArrayLike<number> =
    ArrayBuffer.isView(values) && !(values instanceof DataView)
      ? (values as TypedArray).subarray(row * dim, (row + 1) * dim)
      : Array.prototype.slice.call(values, row * dim, (row + 1) * dim);
  if (allowNaN && space.kind === "box") {
    let hasNaN = false;
    for (let i = 0; i < dim; i++) if (Number.isNaN(view[i]!)) hasNaN = true;
    if (hasNaN) {
      const box = space as Box;
      view = Float64Array.from(view, (v, i) =>
        Number.isNaN(v) ? Math.min(Math.max(0, box.low[i]!), box.high[i]!) : v,
      );
    }
  }
  return space.explain(view);
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

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
    observations: columnFor(dataset.observationSpace, "observation"),
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

/** Writes main_data.hdf5 at `path` in one synchronous pass (`where` names the file in errors). */
function writeHdf5(
  h5: H5,
  path: string,
  where: string,
  dataset: Dataset,
  columns: { observations: Column; actions: Column },
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
        for (const field of ["observations", "actions"] as const) {
          const values = episode[field];
          const dim = columns[field].dim;
          const rows = field === "observations" ? T + 1 : T;
          for (let t = 0; t < rows; t++) {
            const why = explainRow(spaces[field], values, t, dim, field === "observations");
            if (why !== null) {
              const what = field === "observations" ? "observation" : "action";
              throw new DatasetFormatError(
                at(field),
                `writeMinari: ${where}: episode ${episode.id}: ${what} ${t} is not in the ${what} space ${spaces[field]} (${why}). ` +
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
        ) => {
          g.create_dataset({
            name,
            data: values,
            shape,
            dtype: H5_DTYPE[dtype]!,
            maxshape: [null, ...shape.slice(1)],
            chunks: guessChunk(shape, values.BYTES_PER_ELEMENT),
          });
        };
        for (const field of ["observations", "actions"] as const) {
          const column = columns[field];
          const rows = field === "observations" ? T + 1 : T;
          put(group, field, diskArray(episode[field], column.dtype), column.dtype, [
            rows,
            ...rowShape(spaces[field]),
          ]);
        }
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

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** Collects warnings. The same note about several episodes becomes one line that lists them. */
class Warnings {
  readonly lines: string[] = [];
  private readonly grouped = new Map<string, { index: number; episodes: number[] }>();

  add(line: string): void {
    if (!this.lines.includes(line)) this.lines.push(line);
  }

  /** Adds `episode` to the note `key`; `format` gets "episode 3" or "episodes 0, 3, 7". */
  perEpisode(key: string, episode: number, format: (episodes: string) => string): void {
    let entry = this.grouped.get(key);
    if (entry === undefined) {
      entry = { index: this.lines.length, episodes: [] };
      this.grouped.set(key, entry);
      this.lines.push("");
    }
    entry.episodes.push(episode);
    const list = entry.episodes.length === 1 ? `episode ${episode}` : `episodes ${entry.episodes.join(", ")}`;
    this.lines[entry.index] = format(list);
  }
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
  const space = (field: "observation_space" | "action_space"): { space: Space; column: Column } => {
    try {
      const s = spaceFromJSON(meta[field], field);
      return { space: s, column: columnFor(s, field === "observation_space" ? "observation" : "action") };
    } catch (cause) {
      throw new DatasetFormatError(
        { file: metaFile, field },
        `readMinari: ${metaFile}: ${(cause as Error).message}`,
        { cause },
      );
    }
  };
  const obs = space("observation_space");
  const act = space("action_space");
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

function readEpisodes(
  h5: H5,
  mainFile: string,
  obs: { space: Space; column: Column },
  act: { space: Space; column: Column },
  warnings: Warnings,
): Episode[] {
  let file: H5File;
  try {
    file = new h5.lib.File(mainFile, "r");
  } catch (cause) {
    const reason = hdf5Reason(cause);
    const what = /signature not found/.test(reason)
      ? "is not an HDF5 file"
      : /truncated/.test(reason)
        ? "is cut short"
        : "could not be opened";
    throw new DatasetFormatError(
      { file: mainFile },
      `readMinari: ${mainFile} ${what} (HDF5: ${reason}). The file is damaged or incomplete (a copy or download cut short?); ` +
        "write or download the dataset again.",
      { cause },
    );
  }
  try {
    const names = file.keys();
    const groups: { id: number; name: string }[] = [];
    for (const name of names) {
      const match = /^episode_(\d+)$/.exec(name);
      if (match && file.get(name) instanceof h5.lib.Group) groups.push({ id: Number(match[1]), name });
      else warnings.add(`${mainFile}: /${name} is not an episode_<id> group; ignored.`);
    }
    if (groups.length === 0) {
      throw new DatasetFormatError(
        { file: mainFile },
        `readMinari: ${mainFile} has no episode_<id> groups (it holds ${
          names.length === 0
            ? "nothing"
            : names
                .slice(0, 5)
                .map((n) => `/${n}`)
                .join(", ")
        }${names.length > 5 ? ", …" : ""}), so it is not a Minari dataset. ` +
          "Check that the path points at a dataset written by Minari or writeMinari.",
      );
    }
    groups.sort((a, b) => a.id - b.id);
    return groups.map(({ id, name }) =>
      readEpisode(h5, file.get(name) as H5Group, { file: mainFile, episode: id }, obs, act, warnings),
    );
  } finally {
    try {
      file.close();
    } catch {
      // Reading already failed or finished; closing cannot add anything useful.
    }
  }
}

interface NumericData {
  values: ArrayLike<number>;
  shape: number[];
  dtype: string;
}

/** Reads a numeric HDF5 dataset; int64 values come back as exact numbers or the read fails. */
function readNumeric(h5: H5, group: H5Group, name: string, where: DatasetLocation): NumericData {
  const label = `${where.file}: episode ${where.episode}: ${where.field}`;
  const entity = group.get(name);
  if (entity === null) {
    throw new DatasetFormatError(
      where,
      `readMinari: ${label} is missing. Every episode group needs observations, actions, rewards, terminations and truncations.`,
    );
  }
  if (!(entity instanceof h5.lib.Dataset)) {
    throw new DatasetFormatError(
      where,
      `readMinari: ${label} is a group, not an array: Dict and Tuple spaces are not supported yet. Flatten the space in Python first.`,
    );
  }
  const dataset: H5Dataset = entity;
  let meta: H5Metadata;
  let raw: unknown;
  try {
    meta = dataset.metadata;
    if (meta.type !== H5T_INTEGER && meta.type !== H5T_FLOAT && meta.type !== H5T_ENUM) {
      throw new DatasetFormatError(
        where,
        `readMinari: ${label} holds ${numpyDtype(meta)}, not numbers (JPEG-encoded images and strings are not supported).`,
      );
    }
    raw = dataset.value;
  } catch (cause) {
    if (cause instanceof DatasetFormatError) throw cause;
    throw new DatasetFormatError(
      where,
      `readMinari: ${label} could not be read (HDF5: ${hdf5Reason(cause)}). The file is damaged; write or download it again.`,
      { cause },
    );
  }
  const shape = dataset.shape ?? [];
  let values: ArrayLike<number>;
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    const out = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = Number(raw[i]!);
      if (!Number.isSafeInteger(v)) {
        throw new DatasetFormatError(
          where,
          `readMinari: ${label}[${i}] is ${raw[i]}, beyond the integers JavaScript numbers hold exactly (±2^53).`,
        );
      }
      out[i] = v;
    }
    values = out;
  } else if (ArrayBuffer.isView(raw)) {
    values = raw as unknown as ArrayLike<number>;
  } else if (typeof raw === "number") {
    values = [raw];
  } else {
    throw new DatasetFormatError(
      where,
      `readMinari: ${label} did not read as numbers (got ${formatValue(raw)}).`,
    );
  }
  return { values, shape, dtype: numpyDtype(meta) };
}

const formatShape = (shape: readonly number[]) =>
  shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;

function readEpisode(
  h5: H5,
  group: H5Group,
  at: { file: string; episode: number },
  obs: { space: Space; column: Column },
  act: { space: Space; column: Column },
  warnings: Warnings,
): Episode {
  const { file, episode: id } = at;
  const where = (field: string): DatasetLocation => ({ ...at, field });
  const prefix = `readMinari: ${file}: episode ${id}`;
  const read = (field: string) => readNumeric(h5, group, field, where(field));

  const rewards = read("rewards");
  if (rewards.shape.length !== 1 || rewards.shape[0]! < 1) {
    throw new DatasetFormatError(
      where("rewards"),
      `${prefix}: rewards has shape ${formatShape(rewards.shape)}; expected (T,) with T ≥ 1 steps.`,
    );
  }
  const T = rewards.shape[0]!;

  const column = (field: "observations" | "actions", spec: { space: Space; column: Column }): TypedArray => {
    const data = read(field);
    const rows = field === "observations" ? T + 1 : T;
    const dim = spec.column.dim;
    const trailing = data.shape.slice(1).reduce((p, x) => p * x, 1);
    if (data.shape[0] !== rows || trailing !== dim) {
      const expected = formatShape([rows, ...rowShape(spec.space)]);
      const countHint =
        trailing === dim && field === "observations"
          ? ` There are ${data.shape[0]} observations for ${T} actions; an episode has one more observation than actions (T + 1).`
          : trailing === dim
            ? ` There are ${data.shape[0]} actions for ${T} rewards.`
            : ` Each row should hold ${dim} values of ${spec.space}.`;
      throw new DatasetFormatError(
        where(field),
        `${prefix}: ${field} has shape ${formatShape(data.shape)}, expected ${expected}.${countHint}`,
      );
    }
    for (let t = 0; t < rows; t++) {
      const why = explainRow(spec.space, data.values, t, dim, field === "observations");
      if (why !== null) {
        const what = field === "observations" ? "observation" : "action";
        throw new DatasetFormatError(
          where(field),
          `${prefix}: ${what} ${t} is not in the ${what} space ${spec.space} (${why}). ` +
            `The data does not match metadata.json's ${what}_space; fix the space or the episode.`,
        );
      }
    }
    if (data.dtype !== spec.column.dtype) {
      const note = `${file}: ${field} are stored as ${data.dtype}, not ${spec.column.dtype} as Minari writes ${spec.space}; converted.`;
      warnings.add(note);
    }
    const out = spec.column.create(rows);
    out.set(data.values);
    return out;
  };
  const observations = column("observations", obs);
  const actions = column("actions", act);

  const flag = (field: "terminations" | "truncations"): boolean => {
    const data = read(field);
    if (data.shape.length !== 1 || data.shape[0] !== T) {
      throw new DatasetFormatError(
        where(field),
        `${prefix}: ${field} has shape ${formatShape(data.shape)}, expected (${T},): one flag per step.`,
      );
    }
    for (let t = 0; t < T; t++) {
      const v = data.values[t]!;
      if (v !== 0 && v !== 1) {
        throw new DatasetFormatError(
          where(field),
          `${prefix}: ${field}[${t}] is ${v}; flags must be true/false (1/0).`,
        );
      }
      if (v === 1 && t < T - 1) {
        throw new DatasetFormatError(
          where(field),
          `${prefix}: ${field}[${t}] is set before the last step (${T - 1}). An episode ends at its first termination ` +
            "or truncation; split the episode there.",
        );
      }
    }
    return data.values[T - 1] === 1;
  };
  const terminated = flag("terminations");
  const truncated = flag("truncations");

  // Attributes: id, seed, total_steps (the rewards_* statistics are recomputed on write).
  const attr = (name: string): unknown => {
    if (!(name in group.attrs)) return undefined;
    try {
      return group.attrs[name]!.value;
    } catch (cause) {
      throw new DatasetFormatError(
        where(name),
        `${prefix}: attribute ${name} could not be read (HDF5: ${hdf5Reason(cause)}).`,
        { cause },
      );
    }
  };
  const idAttr = attr("id");
  if (idAttr !== undefined && Number(idAttr) !== id) {
    warnings.add(`${file}: episode_${id} has id attribute ${idAttr}; the group name's ${id} is used.`);
  }
  const totalSteps = attr("total_steps");
  if (totalSteps !== undefined && Number(totalSteps) !== T) {
    warnings.add(`${file}: episode ${id}: total_steps attribute is ${totalSteps}, but it has ${T} steps.`);
  }
  let seed: number | undefined;
  const seedAttr = attr("seed");
  if (seedAttr !== undefined && seedAttr !== null) {
    const n = Number(seedAttr);
    if (Number.isSafeInteger(n) && n >= 0) seed = n;
    else {
      warnings.add(
        `${file}: episode ${id}: seed ${seedAttr} is not an integer from 0 to 2^53 − 1, which mimic's seeds are; it is dropped.`,
      );
    }
  }

  const infos: Record<string, TypedArray> = {};
  const infoGroup = group.get("infos");
  if (infoGroup instanceof h5.lib.Group) readInfos(h5, infoGroup, "", T + 1, infos, at, warnings);

  try {
    return new Episode({
      id,
      observations,
      actions,
      rewards: rewards.values instanceof Float64Array ? rewards.values : Float64Array.from(rewards.values),
      terminated,
      truncated,
      obsDim: obs.column.dim,
      actDim: act.column.dim,
      ...(seed !== undefined && { seed }),
      infos,
    });
  } catch (cause) {
    throw new DatasetFormatError(at, `${prefix}: ${(cause as Error).message}`, { cause });
  }
}

/** Numeric info datasets of T + 1 rows become info columns (nested keys joined with `/`); others are skipped with a warning. */
function readInfos(
  h5: H5,
  group: H5Group,
  prefix: string,
  rows: number,
  out: Record<string, TypedArray>,
  at: { file: string; episode: number },
  warnings: Warnings,
): void {
  for (const name of group.keys()) {
    const key = `${prefix}${name}`;
    const entity = group.get(name);
    if (entity instanceof h5.lib.Group) {
      readInfos(h5, entity, `${key}/`, rows, out, at, warnings);
      continue;
    }
    const skip = (why: string) =>
      warnings.perEpisode(
        `infos/${key}: ${why}`,
        at.episode,
        (episodes) => `${at.file}: ${episodes}: infos/${key} skipped: ${why}.`,
      );
    if (!(entity instanceof h5.lib.Dataset)) {
      skip("not an array");
      continue;
    }
    let data: NumericData;
    try {
      data = readNumeric(h5, group, name, { ...at, field: `infos/${key}` });
    } catch (error) {
      if (!(error instanceof DatasetFormatError)) throw error;
      skip(error.message.replace(/^.*infos\/\S+ /, "").replace(/\.$/, ""));
      continue;
    }
    if (data.shape[0] !== rows) {
      skip(`its shape ${formatShape(data.shape)} does not have one row per observation`);
      continue;
    }
    const v = data.values;
    out[key] =
      ArrayBuffer.isView(v) && !(v instanceof Uint8ClampedArray) ? (v as TypedArray) : Float64Array.from(v);
  }
}
