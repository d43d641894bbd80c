/**
 * @module
 * Reading main_data.hdf5: its episode groups, each group's arrays checked against the spaces, its
 * attributes and its infos.
 */
import type {
  Dataset as H5Dataset,
  File as H5File,
  Group as H5Group,
  Metadata as H5Metadata,
} from "h5wasm/node";
import { DatasetFormatError, type DatasetLocation } from "../../../core/errors.js";
import { formatValue, type Space, type TypedArray } from "../../../core/spaces/index.js";
import type { Column, Layout } from "../../columns.js";
import { Episode } from "../../episode.js";
import { type H5, H5T_ENUM, H5T_FLOAT, H5T_INTEGER, hdf5Reason, numpyDtype } from "./hdf5.js";
import { alwaysInSpace, explainRow, rowShape } from "./rows.js";
import type { Warnings } from "./warnings.js";

export function readEpisodes(
  h5: H5,
  mainFile: string,
  obs: { space: Space; layout: Layout },
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
    const hint =
      where.field === "actions"
        ? "Minari stores a Dict or Tuple action space so; mimic reads Dict and Tuple observations only. Flatten the action space in Python first."
        : where.field === "observations"
          ? "Minari stores a Dict or Tuple observation space so, but metadata.json's observation_space is not one. Fix the space in metadata.json."
          : "The space declares an array here; fix the space in metadata.json or the file.";
    throw new DatasetFormatError(where, `readMinari: ${label} is a group, not an array. ${hint}`);
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
  obs: { space: Space; layout: Layout },
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

  /** One array of `rows` rows of `space`, at `name` in `g` (`field` names it in errors). */
  const column = (
    g: H5Group,
    name: string,
    field: string,
    space: Space,
    col: Column,
    rows: number,
    what: "observation" | "action",
  ): TypedArray => {
    const data = readNumeric(h5, g, name, where(field));
    const dim = col.dim;
    const trailing = data.shape.slice(1).reduce((p, x) => p * x, 1);
    if (data.shape[0] !== rows || trailing !== dim) {
      const expected = formatShape([rows, ...rowShape(space)]);
      const countHint =
        trailing === dim && what === "observation"
          ? ` There are ${data.shape[0]} observations for ${T} actions; an episode has one more observation than actions (T + 1).`
          : trailing === dim
            ? ` There are ${data.shape[0]} actions for ${T} rewards.`
            : ` Each row should hold ${dim} values of ${space}.`;
      throw new DatasetFormatError(
        where(field),
        `${prefix}: ${field} has shape ${formatShape(data.shape)}, expected ${expected}.${countHint}`,
      );
    }
    const whole = what === "observation" ? obs.space : act.space;
    const rowsToCheck = alwaysInSpace(space, data.values) ? 0 : rows;
    for (let t = 0; t < rowsToCheck; t++) {
      const why = explainRow(space, data.values, t, dim, what === "observation");
      if (why !== null) {
        const inLeaf = space === whole ? "" : `${field.slice("observations/".length)}: ${space}: `;
        throw new DatasetFormatError(
          where(field),
          `${prefix}: ${what} ${t} is not in the ${what} space ${whole} (${inLeaf}${why}). ` +
            `The data does not match metadata.json's ${what}_space; fix the space or the episode.`,
        );
      }
    }
    if (data.dtype !== col.dtype) {
      const note = `${file}: ${field} are stored as ${data.dtype}, not ${col.dtype} as Minari writes ${space}; converted.`;
      warnings.add(note);
    }
    const out = col.create(rows);
    out.set(data.values);
    return out;
  };

  /** A Dict or Tuple observation: observations/ is a group, one subgroup or array per key (Tuple: `_index_<i>`). */
  const leafColumns = (): Record<string, TypedArray> => {
    const entity = group.get("observations");
    if (!(entity instanceof h5.lib.Group)) {
      throw new DatasetFormatError(
        where("observations"),
        entity === null
          ? `${prefix}: observations is missing. Every episode group needs observations, actions, rewards, terminations and truncations.`
          : `${prefix}: observations is an array, but metadata.json's observation_space is ${obs.space}, which Minari stores as a group ` +
              "(one dataset per Dict key, _index_<i> per Tuple position). Fix the space in metadata.json, or write the observations in Minari's layout.",
      );
    }
    const root: H5Group = entity;
    const missing = (path: string) =>
      new DatasetFormatError(
        where(path),
        `${prefix}: ${path} is missing; metadata.json's observation_space ${obs.space} has it. ` +
          "Write the episode with every key of the space, or fix the space.",
      );
    const out: Record<string, TypedArray> = {};
    const known = new Set<string>();
    for (const leaf of obs.layout.leaves) {
      let parent = root;
      leaf.segments.slice(0, -1).forEach((segment, i) => {
        const path = ["observations", ...leaf.segments.slice(0, i + 1)].join("/");
        const next = parent.get(segment);
        if (next === null) throw missing(path);
        if (!(next instanceof h5.lib.Group)) {
          throw new DatasetFormatError(
            where(path),
            `${prefix}: ${path} is an array, but the observation space ${obs.space} has a Dict or Tuple there, which Minari stores as a group.`,
          );
        }
        parent = next;
      });
      const field = `observations/${leaf.path}`;
      const name = leaf.segments.at(-1)!;
      if (parent.get(name) === null) throw missing(field);
      for (let i = 1; i <= leaf.segments.length; i++) known.add(leaf.segments.slice(0, i).join("/"));
      out[leaf.path] = column(parent, name, field, leaf.space, leaf.column, T + 1, "observation");
    }
    // Keys the space does not have are reported, not kept.
    const visit = (g: H5Group, at: string): void => {
      for (const name of g.keys()) {
        const path = at === "" ? name : `${at}/${name}`;
        if (!known.has(path)) {
          warnings.perEpisode(
            `observations/${path}`,
            id,
            (episodes) =>
              `${file}: ${episodes}: observations/${path} is not in the observation space ${obs.space}; ignored.`,
          );
          continue;
        }
        const child = g.get(name);
        if (child instanceof h5.lib.Group) visit(child, path);
      }
    };
    visit(root, "");
    return out;
  };

  const observations = obs.layout.composite
    ? leafColumns()
    : column(
        group,
        "observations",
        "observations",
        obs.space,
        obs.layout.leaves[0]!.column,
        T + 1,
        "observation",
      );
  const actions = column(group, "actions", "actions", act.space, act.column, T, "action");

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
      obsDim: obs.layout.dim,
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
