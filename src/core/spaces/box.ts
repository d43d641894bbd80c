/** @module `Box`: n-dimensional arrays of numbers between bounds, in one of numpy's dtypes. */
import { InvalidSpaceError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { BoxDtype, NestedNumbers, Space, SpaceJson, TypedArray } from "./space.js";
import {
  checkShape,
  flattenNested,
  formatFloat32,
  formatNumber,
  formatValue,
  isArrayLikeOfNumbers,
  nest,
  product,
} from "./values.js";

const BOX_DTYPES: readonly BoxDtype[] = [
  "float32",
  "float64",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
];

type TypedArrayConstructor = {
  new (length: number): TypedArray;
  from(values: ArrayLike<number>): TypedArray;
};

/** int64 has no exact typed array; its values live in a Float64Array (exact up to 2^53). */
const ARRAY_OF: Record<BoxDtype, TypedArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: Float64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

const INT_RANGE: Partial<Record<BoxDtype, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

function isFloatDtype(dtype: BoxDtype): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Casts a number the way numpy's `astype(dtype)` would for in-range values. */
function castTo(dtype: BoxDtype, v: number): number {
  if (dtype === "float32") return Math.fround(v);
  if (dtype === "float64") return v;
  return Math.trunc(v);
}

/**
 * A box in R^n: each element lies in [low, high], either bound possibly infinite.
 * Values are flat typed arrays of `size` elements in row-major order (a Float32Array for float32).
 */
export class Box implements Space<TypedArray> {
  readonly kind = "box" as const;
  readonly shape: readonly number[];
  readonly dtype: BoxDtype;
  /** Lower and upper bounds per element, cast to `dtype` (held as float64). */
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly size: number;
  readonly flatDim: number;

  constructor(
    low: number | ArrayLike<number> | NestedNumbers,
    high: number | ArrayLike<number> | NestedNumbers,
    shape?: readonly number[],
    dtype: BoxDtype = "float32",
  ) {
    if (!BOX_DTYPES.includes(dtype)) {
      throw new InvalidSpaceError(
        `Box: unknown dtype ${formatValue(dtype)}; use one of ${BOX_DTYPES.join(", ")}.`,
      );
    }
    const lowFlat = typeof low === "number" ? null : flattenNested(low as NestedNumbers);
    const highFlat = typeof high === "number" ? null : flattenNested(high as NestedNumbers);
    const inferred = shape ?? (lowFlat ? [lowFlat.length] : highFlat ? [highFlat.length] : null);
    if (inferred === null) {
      throw new InvalidSpaceError("Box: with scalar low and high, pass a shape, e.g. new Box(-1, 1, [2]).");
    }
    this.shape = checkShape(inferred, "Box");
    this.size = product(this.shape);
    this.flatDim = this.size;
    this.dtype = dtype;
    const fill = (bound: number | null, flat: number[] | null, name: string): Float64Array => {
      if (flat && flat.length !== this.size) {
        throw new InvalidSpaceError(
          `Box: ${name} has ${flat.length} values but shape ${formatValue(this.shape)} needs ${this.size}.`,
        );
      }
      const out = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) {
        const v = flat ? flat[i]! : bound!;
        if (typeof v !== "number" || Number.isNaN(v)) {
          throw new InvalidSpaceError(
            `Box: ${name}[${i}] is ${formatValue(v)}; bounds must be numbers (±Infinity allowed).`,
          );
        }
        out[i] = Number.isFinite(v) ? castTo(dtype, v) : v;
      }
      return out;
    };
    this.low = fill(typeof low === "number" ? low : null, lowFlat, "low");
    this.high = fill(typeof high === "number" ? high : null, highFlat, "high");
    for (let i = 0; i < this.size; i++) {
      if (this.low[i]! > this.high[i]!) {
        throw new InvalidSpaceError(`Box: low[${i}] = ${this.low[i]} is above high[${i}] = ${this.high[i]}.`);
      }
    }
  }

  /** Whether every element is bounded on both sides. */
  get isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]!) || !Number.isFinite(this.high[i]!)) return false;
    }
    return true;
  }

  contains(x: unknown): x is TypedArray {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    const values = this.size === 1 && typeof x === "number" ? [x] : x;
    if (!isArrayLikeOfNumbers(values)) {
      return `expected ${this.size} numbers (an array or typed array), got ${formatValue(x)}`;
    }
    if (values.length !== this.size) {
      return `expected ${this.size} values for shape ${formatValue(this.shape)}, got ${values.length}`;
    }
    const isFloat = isFloatDtype(this.dtype);
    for (let i = 0; i < this.size; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) return `element ${i} is NaN`;
      if (!isFloat && !Number.isInteger(v))
        return `element ${i} is ${v}, not an integer (dtype ${this.dtype})`;
      const cast = Number.isFinite(v) ? castTo(this.dtype, v) : v;
      if (cast < this.low[i]! || cast > this.high[i]!) {
        const format = this.dtype === "float32" ? formatFloat32 : formatNumber;
        return `element ${i} is ${formatNumber(v)}, outside [${format(this.low[i]!)}, ${format(this.high[i]!)}]`;
      }
    }
    return null;
  }

  /**
   * Gymnasium's rule: bounded elements are uniform, half-bounded ones shifted exponentials and
   * unbounded ones standard normals, drawn group by group in Gymnasium's order. A fully bounded
   * float box draws exactly numpy's uniform stream.
   */
  sample(rng: Rng): TypedArray {
    const out = new ARRAY_OF[this.dtype](this.size);
    const isFloat = isFloatDtype(this.dtype);
    const highs = this.high.map((h) => (isFloat || !Number.isFinite(h) ? h : h + 1));
    const lowFinite = (i: number) => Number.isFinite(this.low[i]!);
    const highFinite = (i: number) => Number.isFinite(this.high[i]!);
    const raw = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) if (!lowFinite(i) && !highFinite(i)) raw[i] = rng.normal();
    for (let i = 0; i < this.size; i++)
      if (lowFinite(i) && !highFinite(i)) raw[i] = rng.exponential() + this.low[i]!;
    for (let i = 0; i < this.size; i++)
      if (!lowFinite(i) && highFinite(i)) raw[i] = highs[i]! - rng.exponential();
    for (let i = 0; i < this.size; i++)
      if (lowFinite(i) && highFinite(i)) raw[i] = rng.uniform(this.low[i]!, highs[i]!);
    for (let i = 0; i < this.size; i++) {
      let v = isFloat ? raw[i]! : Math.floor(raw[i]!);
      if (!isFloat) {
        const [lo, hi] = INT_RANGE[this.dtype]!;
        v = Math.min(Math.max(v, Math.max(lo, this.low[i]!)), Math.min(hi, this.high[i]!));
      }
      out[i] = v;
    }
    return out;
  }

  flatten(x: TypedArray): Float32Array {
    return Float32Array.from(x as ArrayLike<number>);
  }

  unflatten(flat: ArrayLike<number>): TypedArray {
    if (flat.length !== this.size)
      throw new InvalidSpaceError(`Box.unflatten: expected ${this.size} values, got ${flat.length}.`);
    return ARRAY_OF[this.dtype].from(flat);
  }

  toJSON(): SpaceJson {
    return {
      type: "Box",
      dtype: this.dtype,
      shape: [...this.shape],
      low: nest(this.low, this.shape),
      high: nest(this.high, this.shape),
    };
  }

  toString(): string {
    const format = this.dtype === "float32" ? formatFloat32 : formatNumber;
    const bound = (arr: Float64Array) =>
      arr.every((v) => v === arr[0]) ? format(arr[0] ?? 0) : `[${Array.from(arr, format).join(", ")}]`;
    const shape = this.shape.length === 1 ? `(${this.shape[0]},)` : `(${this.shape.join(", ")})`;
    return `Box(${bound(this.low)}, ${bound(this.high)}, ${shape}, ${this.dtype})`;
  }
}
