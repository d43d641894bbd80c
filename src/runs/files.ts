/**
 * @module
 * The file plumbing of a run directory: atomic writes (a temporary sibling, flushed, then renamed
 * into place) and JSON in Python's `json.dumps` convention, pretty-printed.
 */

export { syncDirectory, writeFileAtomic } from "../core/files.js";

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
