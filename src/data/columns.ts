/**
 * @module
 * How a space's values are stored as rows of a flat typed array in an episode, and which numpy
 * dtype Minari uses for them on disk. Box values keep their dtype; Discrete and MultiDiscrete are
 * integers (int64 in Minari, Int32Array here); MultiBinary is int8.
 */
import { InvalidSpaceError } from "../core/errors.js";
import {
  Box,
  Discrete,
  MultiBinary,
  MultiDiscrete,
  type Space,
  type SpaceValue,
  type TypedArray,
} from "../core/spaces/index.js";

export interface Column {
  /** Values per row. */
  readonly dim: number;
  /** numpy's name for the element type Minari stores (`float32`, `int64`, …). */
  readonly dtype: string;
  /** A zeroed array of `rows` rows. */
  create(rows: number): TypedArray;
  /** Writes one space value into row `row` of `out`. */
  write(value: SpaceValue, out: TypedArray, row: number): void;
  /** Reads row `row` back as a space value (a number for Discrete, a typed array otherwise). */
  read(data: TypedArray, row: number): SpaceValue;
}

/** The column layout of a space; throws for spaces datasets cannot store yet. */
export function columnFor(space: Space, what: string): Column {
  if (space instanceof Discrete) {
    return {
      dim: 1,
      dtype: "int64",
      create: (rows) => new Int32Array(rows),
      write: (value, out, row) => {
        out[row] = value as number;
      },
      read: (data, row) => data[row]!,
    };
  }
  const array = (dim: number, dtype: string, make: (n: number) => TypedArray): Column => ({
    dim,
    dtype,
    create: (rows) => make(rows * dim),
    write: (value, out, row) => {
      if (typeof value === "number") out[row * dim] = value;
      else out.set(value as ArrayLike<number>, row * dim);
    },
    read: (data, row) => data.slice(row * dim, (row + 1) * dim),
  });
  if (space instanceof Box) {
    const make: Record<string, (n: number) => TypedArray> = {
      float32: (n) => new Float32Array(n),
      float64: (n) => new Float64Array(n),
      int8: (n) => new Int8Array(n),
      int16: (n) => new Int16Array(n),
      int32: (n) => new Int32Array(n),
      int64: (n) => new Float64Array(n),
      uint8: (n) => new Uint8Array(n),
      uint16: (n) => new Uint16Array(n),
      uint32: (n) => new Uint32Array(n),
    };
    return array(space.size, space.dtype, make[space.dtype]!);
  }
  if (space instanceof MultiDiscrete) return array(space.nvec.length, "int64", (n) => new Int32Array(n));
  if (space instanceof MultiBinary) return array(space.size, "int8", (n) => new Int8Array(n));
  throw new InvalidSpaceError(
    `Datasets store Box, Discrete, MultiDiscrete and MultiBinary ${what}s; this ${what} space is ${space}. ` +
      "Flatten it first (for example with space.flatten in a wrapper).",
  );
}
