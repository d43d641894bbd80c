/**
 * @module
 * How a space's values are stored as rows of a flat typed array in an episode, and which numpy
 * dtype Minari uses for them on disk. Box values keep their dtype; Discrete and MultiDiscrete are
 * integers (int64 in Minari, Int32Array here); MultiBinary is int8.
 *
 * A Dict or Tuple observation is stored as one such column per leaf (`layoutFor`): an image
 * `Box(0, 255, (H, W, C), uint8)` under key `image` stays a Uint8Array column at path `image`
 * beside a Float32Array column at path `state`. Packed rows put every leaf's values side by side
 * for training.
 */
import { InvalidSpaceError, ShapeMismatchError } from "../core/errors.js";
import {
  Box,
  DictSpace,
  Discrete,
  formatValue,
  MultiBinary,
  MultiDiscrete,
  type Space,
  type SpaceValue,
  TupleSpace,
  type TypedArray,
} from "../core/spaces/index.js";
import { isArrayLikeOfNumbers } from "../core/spaces/values.js";

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
    `Datasets store Box, Discrete, MultiDiscrete and MultiBinary ${what}s${
      what.startsWith("observation") ? ", and Dict and Tuple observations of those" : ""
    }; this ${what} space is ${space}. Flatten it first (for example with space.flatten in a wrapper).`,
  );
}

/** An episode's observations for a Dict or Tuple space: one column per leaf, keyed by `Leaf.path`. */
export type LeafColumns = Readonly<Record<string, TypedArray>>;

/** One plain part of a space: the space itself when it is plain, or a Box, Discrete, … inside a Dict or Tuple. */
export interface Leaf {
  /**
   * Where the leaf sits: Dict keys and Tuple positions (`_index_<i>`, Minari's name) joined with
   * `/`, as the groups under an episode's `observations/` nest in Minari's HDF5 layout. `""` for
   * a plain space.
   */
  readonly path: string;
  /** `path` split at `/`. */
  readonly segments: readonly string[];
  readonly space: Space;
  readonly column: Column;
  /** Where the leaf's values start in a packed row (`Layout.pack`, `Episode.observations`). */
  readonly offset: number;
}

/**
 * How the values of a space are stored: as leaf columns in each leaf's own dtype, and as packed
 * rows (every leaf's values side by side, in leaf order) for training. A plain space is one leaf
 * at path `""`. Leaves are in the space's order: Dict keys sorted (as `DictSpace.keys`), Tuple
 * positions in order, depth first; except that integer-like top-level Dict keys ("9", "10") come
 * first, ascending, as JavaScript objects list them.
 */
export interface Layout {
  readonly space: Space;
  /** Whether the space is a Dict or Tuple (its values are stored as leaf columns). */
  readonly composite: boolean;
  readonly leaves: readonly Leaf[];
  /** Values per packed row: the sum of the leaves' `column.dim`. */
  readonly dim: number;
  /** The leaves' values of one space value, in leaf order; throws `ShapeMismatchError` naming the path. */
  split(value: SpaceValue): SpaceValue[];
  /** A space value from its leaves' values (the inverse of `split`). */
  join(parts: readonly SpaceValue[]): SpaceValue;
  /** Zeroed leaf columns of `rows` rows. */
  create(rows: number): Record<string, TypedArray>;
  /** Writes one space value into row `row` of the leaf columns. */
  write(value: SpaceValue, out: LeafColumns, row: number): void;
  /** Reads row `row` of the leaf columns back as a space value. */
  read(data: LeafColumns, row: number): SpaceValue;
  /**
   * One space value as a packed row of `dim` values (a Discrete leaf is its integer, not one-hot),
   * written into `out` at `at` (default: a new array of `pack`'s type). What a policy trained on
   * packed rows acts on.
   */
  packValue(value: SpaceValue, out?: TypedArray, at?: number): TypedArray;
  /** A packed row (`dim` values) back to a space value, each leaf in its own array type. */
  unpackRow(row: ArrayLike<number>): SpaceValue;
  /**
   * The leaf columns as packed rows (`rows × dim`): a Float32Array, or a Float64Array when a leaf's
   * values need float64 to stay exact (float64, int32, uint32 and int64 leaves).
   */
  pack(data: LeafColumns): Float32Array | Float64Array;
}

/**
 * The leaf layout of any space that datasets store: a plain space (one leaf), or a Dict or Tuple
 * whose leaves are such spaces. Dict keys may not contain `/` (it separates path segments).
 */
export function layoutFor(space: Space, what: string): Layout {
  const leaves: Leaf[] = [];
  let offset = 0;
  const visit = (s: Space, segments: string[]): void => {
    if (s instanceof DictSpace) {
      for (const key of s.keys) {
        if (key.includes("/") || key === "") {
          throw new InvalidSpaceError(
            `Datasets store Dict ${what}s whose keys are non-empty and free of "/" (it separates HDF5 groups); ` +
              `${[...segments, key].join("/") || "the space"} has key ${JSON.stringify(key)}. Rename the key.`,
          );
        }
        visit(s.spaces[key]!, [...segments, key]);
      }
      return;
    }
    if (s instanceof TupleSpace) {
      s.spaces.forEach((sub, i) => {
        visit(sub, [...segments, `_index_${i}`]);
      });
      return;
    }
    const path = segments.join("/");
    const column = columnFor(s, path === "" ? what : `${what} leaf "${path}"`);
    leaves.push({ path, segments, space: s, column, offset });
    offset += column.dim;
  };
  visit(space, []);
  // Leaf columns live in plain objects, which list integer-like keys ("9", "10") first, ascending.
  // Leaves take that order too, so a layout and its episodes' leaf columns always agree.
  const order = Object.keys(Object.fromEntries(leaves.map((l) => [l.path, 0])));
  if (order.some((path, i) => path !== leaves[i]!.path)) {
    const byPath = new Map(leaves.map((l) => [l.path, l]));
    offset = 0;
    leaves.splice(
      0,
      leaves.length,
      ...order.map((path) => {
        const leaf = { ...byPath.get(path)!, offset };
        offset += leaf.column.dim;
        return leaf;
      }),
    );
  }
  const dim = offset;
  const leafAt = new Map(leaves.map((l) => [l.path, l]));
  const layoutName = String(space);
  const wide = leaves.some((l) => {
    const sample = l.column.create(0);
    return WIDE_ARRAYS.some((Ctor) => sample instanceof Ctor);
  });
  const composite = space instanceof DictSpace || space instanceof TupleSpace;

  const split = (value: SpaceValue): SpaceValue[] => {
    if (!composite) return [value];
    const parts = new Map<string, SpaceValue>();
    const walk = (s: Space, v: unknown, segments: string[]): void => {
      const at = segments.length === 0 ? what : `${what} ${segments.join("/")}`;
      if (s instanceof DictSpace) {
        if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) {
          throw new ShapeMismatchError(
            `${at}: expected an object with keys ${s.keys.join(", ")} (${s}), got ${formatValue(v)}.`,
          );
        }
        const record = v as Record<string, unknown>;
        for (const key of s.keys) {
          if (!(key in record)) {
            throw new ShapeMismatchError(
              `${at}: missing key ${JSON.stringify(key)}; ${s} has keys ${s.keys.join(", ")}.`,
            );
          }
          walk(s.spaces[key]!, record[key], [...segments, key]);
        }
        const extra = Object.keys(record).find((k) => !(k in s.spaces));
        if (extra !== undefined) {
          throw new ShapeMismatchError(
            `${at}: unexpected key ${JSON.stringify(extra)}; ${s} has keys ${s.keys.join(", ")}.`,
          );
        }
        return;
      }
      if (s instanceof TupleSpace) {
        if (!Array.isArray(v) || v.length !== s.spaces.length) {
          throw new ShapeMismatchError(
            `${at}: expected an array of ${s.spaces.length} values (${s}), got ${formatValue(v)}.`,
          );
        }
        s.spaces.forEach((sub, i) => {
          walk(sub, v[i], [...segments, `_index_${i}`]);
        });
        return;
      }
      const path = segments.join("/");
      const dimOf = leafAt.get(path)!.column.dim;
      const n = typeof v === "number" ? 1 : isArrayLikeOfNumbers(v) ? v.length : -1;
      if (n !== dimOf || (s.kind === "discrete" && typeof v !== "number")) {
        const shape = s instanceof Box ? ` (shape ${formatShape(s.shape)})` : "";
        throw new ShapeMismatchError(
          `${at}: expected ${dimOf} value${dimOf === 1 ? "" : "s"} for ${s}${shape}, got ${
            n < 0 ? formatValue(v) : `${n} value${n === 1 ? "" : "s"}`
          }.`,
        );
      }
      parts.set(path, v as SpaceValue);
    };
    walk(space, value, []);
    return leaves.map((l) => parts.get(l.path)!);
  };

  const join = (parts: readonly SpaceValue[]): SpaceValue => {
    if (!composite) return parts[0]!;
    const byPath = new Map(leaves.map((l, i) => [l.path, parts[i]!]));
    const build = (s: Space, segments: readonly string[]): SpaceValue => {
      if (s instanceof DictSpace)
        return Object.fromEntries(s.keys.map((k) => [k, build(s.spaces[k]!, [...segments, k])]));
      if (s instanceof TupleSpace) return s.spaces.map((sub, i) => build(sub, [...segments, `_index_${i}`]));
      return byPath.get(segments.join("/"))!;
    };
    return build(space, []);
  };

  return {
    space,
    composite,
    leaves,
    dim,
    split,
    join,
    create: (rows) => Object.fromEntries(leaves.map((l) => [l.path, l.column.create(rows)])),
    write: (value, out, row) => {
      const parts = split(value);
      leaves.forEach((l, i) => {
        l.column.write(parts[i]!, out[l.path]!, row);
      });
    },
    read: (data, row) => join(leaves.map((l) => l.column.read(data[l.path]!, row))),
    packValue: (value, out = wide ? new Float64Array(dim) : new Float32Array(dim), at = 0) => {
      const parts = split(value);
      leaves.forEach((l, i) => {
        const part = parts[i]!;
        if (typeof part === "number") out[at + l.offset] = part;
        else out.set(part as ArrayLike<number>, at + l.offset);
      });
      return out;
    },
    unpackRow: (row) => {
      if (row.length !== dim) {
        throw new ShapeMismatchError(
          `${what}: a packed row of ${layoutName} has ${dim} values, got ${row.length}.`,
        );
      }
      return join(
        leaves.map((l) => {
          const one = l.column.create(1);
          for (let k = 0; k < l.column.dim; k++) one[k] = row[l.offset + k]!;
          return l.column.read(one, 0);
        }),
      );
    },
    pack: (data) => {
      const first = data[leaves[0]!.path]!;
      return packLeaves(
        Object.fromEntries(leaves.map((l) => [l.path, data[l.path]!])),
        first.length / leaves[0]!.column.dim,
      );
    },
  };
}

function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

const WIDE_ARRAYS = [Float64Array, Int32Array, Uint32Array] as const;

/** Leaf columns side by side per row, in their key order (float64 when a leaf needs it to stay exact). */
export function packLeaves(leaves: LeafColumns, rows: number): Float32Array | Float64Array {
  const columns = Object.values(leaves);
  const dim = columns.reduce((sum, c) => sum + c.length / rows, 0);
  const wide = columns.some((c) => WIDE_ARRAYS.some((Ctor) => c instanceof Ctor));
  const out = wide ? new Float64Array(rows * dim) : new Float32Array(rows * dim);
  packRowsInto(leaves, rows, 0, rows, out, 0);
  return out;
}

/**
 * Writes packed rows [from, to) of leaf columns (each `rows` rows) into `out`, starting at row
 * `at` of `out` (whose rows are the leaves' summed width).
 */
export function packRowsInto(
  leaves: LeafColumns,
  rows: number,
  from: number,
  to: number,
  out: TypedArray,
  at: number,
): void {
  const columns = Object.values(leaves);
  const dims = columns.map((c) => c.length / rows);
  const dim = dims.reduce((a, b) => a + b, 0);
  let offset = 0;
  columns.forEach((column, i) => {
    const d = dims[i]!;
    for (let r = from; r < to; r++) {
      const dst = (at + r - from) * dim + offset;
      for (let k = 0; k < d; k++) out[dst + k] = column[r * d + k]!;
    }
    offset += d;
  });
}
