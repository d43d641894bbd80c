/**
 * @module
 * Spaces to and from Minari's JSON form, and JSON with Python's spelling of non-finite floats.
 */
import { InvalidSpaceError } from "../errors.js";
import { Box } from "./box.js";
import { DictSpace, TupleSpace } from "./composite.js";
import { Discrete, MultiBinary, MultiDiscrete } from "./discrete.js";
import type { BoxDtype, NestedNumbers, Space, SpaceJson } from "./space.js";
import { ALPHANUMERIC, TextSpace } from "./text.js";
import { flattenNested, formatValue } from "./values.js";

/**
 * Parses JSON written by Python's `json.dumps`, which spells non-finite floats as bare
 * `Infinity`, `-Infinity` and `NaN` (Minari's Box bounds use them).
 */
export function parsePythonJson(text: string): unknown {
  // Replace the bare tokens outside strings with sentinel strings, then revive them.
  const marked = text.replace(/("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)/g, (match, str: string | undefined) =>
    str !== undefined ? match : `"__mimic_float__${match}"`,
  );
  return JSON.parse(marked, (_key, value: unknown) => {
    if (typeof value === "string" && value.startsWith("__mimic_float__")) {
      return Number(value.slice("__mimic_float__".length));
    }
    return value;
  });
}

/**
 * Writes JSON the way Python's `json.dumps` does for floats: ±Infinity and NaN as bare tokens, and
 * negative zero as `-0.0` (plain JSON.stringify would lose its sign).
 */
export function stringifyPythonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "number") return v;
    if (!Number.isFinite(v)) return `__mimic_float__${v}`;
    return Object.is(v, -0) ? "__mimic_float__-0.0" : v;
  }).replace(/"__mimic_float__(-?Infinity|NaN|-0\.0)"/g, "$1");
}

/** Builds a space from Minari's JSON form (an object, or the string Minari stores). */
export function spaceFromJSON(json: SpaceJson | string, path = "space"): Space {
  let value: unknown;
  try {
    value = typeof json === "string" ? parsePythonJson(json) : json;
  } catch (cause) {
    throw new InvalidSpaceError(`${path}: not valid JSON (${(cause as Error).message}).`, { cause });
  }
  if (typeof value !== "object" || value === null)
    throw new InvalidSpaceError(`${path}: expected an object with a "type" field.`);
  const v = value as Record<string, unknown>;
  const need = (field: string): unknown => {
    if (!(field in v))
      throw new InvalidSpaceError(`${path}: a ${String(v.type)} space needs a "${field}" field.`);
    return v[field];
  };
  try {
    switch (v.type) {
      case "Box":
        return new Box(
          need("low") as NestedNumbers,
          need("high") as NestedNumbers,
          need("shape") as number[],
          (v.dtype ?? "float32") as BoxDtype,
        );
      case "Discrete":
        return new Discrete(need("n") as number, (v.start ?? 0) as number);
      case "MultiDiscrete":
        return new MultiDiscrete(
          flattenNested(need("nvec") as NestedNumbers),
          v.start ? flattenNested(v.start as NestedNumbers) : undefined,
        );
      case "MultiBinary":
        return new MultiBinary(need("n") as number | number[]);
      case "Dict": {
        const subspaces = need("subspaces") as Record<string, SpaceJson>;
        return new DictSpace(
          Object.fromEntries(
            Object.entries(subspaces).map(([k, s]) => [k, spaceFromJSON(s, `${path}.${k}`)]),
          ),
        );
      }
      case "Tuple":
        return new TupleSpace(
          (need("subspaces") as SpaceJson[]).map((s, i) => spaceFromJSON(s, `${path}[${i}]`)),
        );
      case "Text":
        return new TextSpace(need("max_length") as number, {
          minLength: (v.min_length ?? 1) as number,
          charset: (v.charset ?? ALPHANUMERIC) as string,
        });
      default:
        throw new InvalidSpaceError(
          `${path}: unknown space type ${formatValue(v.type)}; expected Box, Discrete, MultiDiscrete, MultiBinary, Dict, Tuple or Text.`,
        );
    }
  } catch (error) {
    if (error instanceof InvalidSpaceError && !error.message.startsWith(path)) {
      throw new InvalidSpaceError(`${path}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Minari's string form of a space (`serialize_space`). */
export function spaceToJSONString(space: Space): string {
  return stringifyPythonJson(space.toJSON());
}
