/**
 * @module
 * How a space's values sit in an HDF5 dataset: the shape of one row, and why a row is not in its
 * space (used by both the writer and the reader).
 */
import type { Box, MultiBinary, MultiDiscrete, Space, TypedArray } from "../../../core/spaces/index.js";

/** The values each integer typed array can hold. */
const ARRAY_RANGE: readonly [new (n: number) => TypedArray, number, number][] = [
  [Uint8Array, 0, 255],
  [Int8Array, -128, 127],
  [Uint16Array, 0, 65535],
  [Int16Array, -32768, 32767],
];

/**
 * Whether every value `values` can hold is in `space`, so its rows need no check: an integer Box
 * (an image, typically `Box(0, 255, (H, W, C), uint8)`) whose bounds span the whole range of the
 * array's element type. Checking such rows element by element cost more than writing them.
 */
export function alwaysInSpace(space: Space, values: ArrayLike<number>): boolean {
  if (space.kind !== "box") return false;
  const box = space as Box;
  if (box.dtype.startsWith("float")) return false;
  const range = ARRAY_RANGE.find(([Ctor]) => values instanceof Ctor);
  if (range === undefined) return false;
  const [, min, max] = range;
  return box.low.every((l) => l <= min) && box.high.every((h) => h >= max);
}

/** The shape of one row of `space` as stored on disk (Minari stacks values along a new first axis). */
export function rowShape(space: Space): number[] {
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
export function explainRow(
  space: Space,
  values: ArrayLike<number>,
  row: number,
  dim: number,
  allowNaN: boolean,
) {
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
