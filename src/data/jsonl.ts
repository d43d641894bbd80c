/**
 * @module
 * JSONL import and export, for small or hand-made data. The first line is a header with the
 * dataset id, the spaces (Minari's JSON form) and the env id; every other line is one episode:
 * `{"id":0,"seed":5,"observations":[[…],…],"actions":[…],"rewards":[…],"terminated":true,"truncated":false}`.
 * A Dict or Tuple observation is a JSON object or array per row, nested as its space is, with
 * each leaf as a flat list (or a number for Discrete):
 * `{"image":[0,255,…],"state":[0.5,-1.5]}` or `[[0.5,-1.5],2]`.
 * Non-finite numbers are written as Python's json module writes them (bare `NaN`, `Infinity`).
 * Float32 values round-trip exactly: JSON holds their exact float64 value.
 */
import { type EnvSpec, storableKwargs } from "../core/env.js";
import { ShapeMismatchError } from "../core/errors.js";
import {
  parsePythonJson,
  type Space,
  type SpaceJson,
  type SpaceValue,
  spaceFromJSON,
  stringifyPythonJson,
} from "../core/spaces/index.js";
import { type Column, columnFor, type Layout, layoutFor } from "./columns.js";
import { Dataset } from "./dataset.js";
import { Episode } from "./episode.js";

interface JsonlHeader {
  format: "mimic-jsonl";
  version: 1;
  dataset_id: string;
  env_id: string | null;
  /** The env's own options (`EnvSpec.kwargs`), when it was made with any. */
  env_kwargs?: Record<string, unknown>;
  observation_space: SpaceJson;
  action_space: SpaceJson;
}

function rows(data: ArrayLike<number>, dim: number, scalar: boolean): (number | number[])[] {
  const out: (number | number[])[] = [];
  for (let r = 0; r < data.length / dim; r++) {
    out.push(scalar ? data[r]! : Array.from({ length: dim }, (_, k) => data[r * dim + k]!));
  }
  return out;
}

/** Rows of a Dict or Tuple observation as nested JSON values (leaves as plain lists). */
function nestedRows(
  layout: Layout,
  leaves: Readonly<Record<string, ArrayLike<number>>>,
  count: number,
): unknown[] {
  const out: unknown[] = [];
  for (let r = 0; r < count; r++) {
    out.push(
      layout.join(
        layout.leaves.map((l) => {
          const d = l.column.dim;
          const data = leaves[l.path]!;
          return l.space.kind === "discrete"
            ? data[r]!
            : Array.from({ length: d }, (_, k) => data[r * d + k]!);
        }),
      ),
    );
  }
  return out;
}

/** The dataset as JSONL text (header line, then one episode per line). */
export function toJsonl(dataset: Dataset): string {
  const header: JsonlHeader = {
    format: "mimic-jsonl",
    version: 1,
    dataset_id: dataset.id,
    env_id: dataset.envSpec?.id ?? null,
    ...(Object.keys(storableKwargs(dataset.envSpec?.kwargs)).length === 0
      ? {}
      : { env_kwargs: storableKwargs(dataset.envSpec?.kwargs) }),
    observation_space: dataset.observationSpace.toJSON(),
    action_space: dataset.actionSpace.toJSON(),
  };
  const obsScalar = dataset.observationSpace.kind === "discrete";
  const actScalar = dataset.actionSpace.kind === "discrete";
  const obsLayout = layoutFor(dataset.observationSpace, "observation");
  const lines = [stringifyPythonJson(header)];
  for (const e of dataset.episodes) {
    lines.push(
      stringifyPythonJson({
        id: e.id,
        ...(e.seed === undefined ? {} : { seed: e.seed }),
        observations: obsLayout.composite
          ? nestedRows(obsLayout, e.observationLeaves!, e.length + 1)
          : rows(e.observations, e.obsDim, obsScalar),
        actions: rows(e.actions, e.actDim, actScalar),
        rewards: Array.from(e.rewards),
        terminated: e.terminated,
        truncated: e.truncated,
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Parses JSONL text. Without a header line, pass the spaces in `options`. Errors name the line,
 * the episode and the field.
 */
export function fromJsonl(
  text: string,
  options: {
    file?: string;
    observationSpace?: Space;
    actionSpace?: Space;
    id?: string;
    envSpec?: EnvSpec;
  } = {},
): Dataset {
  const file = options.file ?? "JSONL input";
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  let observationSpace = options.observationSpace;
  let actionSpace = options.actionSpace;
  let id = options.id ?? "dataset-v0";
  let envSpec: EnvSpec | undefined = options.envSpec;
  let start = 0;
  const parse = (line: string, n: number): Record<string, unknown> => {
    try {
      const value = parsePythonJson(line);
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw new Error("not an object");
      return value as Record<string, unknown>;
    } catch (cause) {
      throw new ShapeMismatchError(
        `${file}, line ${n + 1}: not a JSON object (${(cause as Error).message}).`,
      );
    }
  };
  if (lines.length > 0) {
    const first = parse(lines[0]!, 0);
    if (first.format === "mimic-jsonl") {
      observationSpace = spaceFromJSON(
        first.observation_space as SpaceJson,
        `${file} header observation_space`,
      );
      actionSpace = spaceFromJSON(first.action_space as SpaceJson, `${file} header action_space`);
      id = options.id ?? String(first.dataset_id ?? id);
      if (typeof first.env_id === "string" && envSpec === undefined) {
        const kwargs = first.env_kwargs;
        if (
          kwargs !== undefined &&
          (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs))
        ) {
          throw new ShapeMismatchError(
            `${file}, line 1: env_kwargs should be an object of the env's options, got ${JSON.stringify(kwargs)}.`,
          );
        }
        envSpec = {
          id: first.env_id,
          ...(kwargs !== undefined && Object.keys(kwargs).length > 0
            ? { kwargs: kwargs as Record<string, unknown> }
            : {}),
        };
      }
      start = 1;
    }
  }
  if (!observationSpace || !actionSpace) {
    throw new ShapeMismatchError(
      `${file}: no header line with the spaces; pass observationSpace and actionSpace.`,
    );
  }
  const obsLayout = layoutFor(observationSpace, "observation");
  const actColumn = columnFor(actionSpace, "action");
  const episodes: Episode[] = [];
  for (let n = start; n < lines.length; n++) {
    const record = parse(lines[n]!, n);
    const where = `${file}, line ${n + 1}, episode ${String(record.id ?? episodes.length)}`;
    /** Why `v` is not in `space` (non-finite Box elements are let through, to be cleaned later). */
    const explain = (space: Space, v: unknown): string | null => {
      const why = space.explain(
        typeof v === "number" || space.kind === "discrete" ? v : Array.isArray(v) ? v : undefined,
      );
      const nonFinite =
        space.kind === "box" &&
        Array.isArray(v) &&
        v.some((x) => typeof x === "number" && !Number.isFinite(x));
      return nonFinite ? null : why;
    };
    const array = (field: string): unknown[] => {
      const values = record[field];
      if (!Array.isArray(values)) throw new ShapeMismatchError(`${where}: field ${field} must be an array.`);
      return values;
    };
    const column = (field: string, col: Column, space: Space) => {
      const values = array(field);
      const out = col.create(values.length);
      values.forEach((v, t) => {
        const why = explain(space, v);
        if (why !== null)
          throw new ShapeMismatchError(`${where}: ${field}[${t}] does not fit ${space}: ${why}.`);
        col.write(v as never, out, t);
      });
      return out;
    };
    const leafColumns = () => {
      const values = array("observations");
      const out = obsLayout.create(values.length);
      values.forEach((v, t) => {
        let parts: SpaceValue[];
        try {
          parts = obsLayout.split(v as SpaceValue);
        } catch (error) {
          if (!(error instanceof ShapeMismatchError)) throw error;
          throw new ShapeMismatchError(`${where}: observations[${t}]: ${error.message}`);
        }
        obsLayout.leaves.forEach((leaf, i) => {
          const why = explain(leaf.space, parts[i]);
          if (why !== null) {
            throw new ShapeMismatchError(
              `${where}: observations[${t}].${leaf.path.replaceAll("/", ".")} does not fit ${leaf.space}: ${why}.`,
            );
          }
          leaf.column.write(parts[i]!, out[leaf.path]!, t);
        });
      });
      return out;
    };
    const rewards = record.rewards;
    if (!Array.isArray(rewards) || !rewards.every((r) => typeof r === "number")) {
      throw new ShapeMismatchError(`${where}: field rewards must be an array of numbers.`);
    }
    try {
      episodes.push(
        new Episode({
          id: typeof record.id === "number" ? record.id : episodes.length,
          observations: obsLayout.composite
            ? leafColumns()
            : column("observations", obsLayout.leaves[0]!.column, observationSpace),
          actions: column("actions", actColumn, actionSpace),
          rewards: rewards as number[],
          terminated: record.terminated === true,
          truncated: record.truncated === true,
          obsDim: obsLayout.dim,
          actDim: actColumn.dim,
          seed: typeof record.seed === "number" ? record.seed : undefined,
        }),
      );
    } catch (error) {
      if (error instanceof ShapeMismatchError) throw new ShapeMismatchError(`${where}: ${error.message}`);
      throw error;
    }
  }
  return new Dataset({ id, episodes, observationSpace, actionSpace, envSpec });
}
