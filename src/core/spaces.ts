/**
 * @module
 * Spaces describe what an observation or an action can be. They follow Gymnasium's
 * `gymnasium/spaces` semantics (bounds, `start` offsets, flattening rules) and read and write the
 * JSON form Minari stores in a dataset's metadata (`minari/serialization.py`), so a space written
 * by Python comes back as the same space here and the other way round.
 */
import { InvalidSpaceError } from "./errors.js";
import type { Rng } from "./rng.js";

/** Typed arrays a Box value can be stored in. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** Any value a space can hold. */
export type SpaceValue =
  | number
  | TypedArray
  | string
  | readonly SpaceValue[]
  | { readonly [key: string]: SpaceValue };

/** The JSON description of a space, as Minari writes it. */
export type SpaceJson =
  | { type: "Box"; dtype: BoxDtype; shape: number[]; low: NestedNumbers; high: NestedNumbers }
  | { type: "Discrete"; dtype: "int64"; n: number; start: number }
  | { type: "MultiDiscrete"; dtype: string; nvec: number[]; start: number[] }
  | { type: "MultiBinary"; n: number | number[] }
  | { type: "Dict"; subspaces: Record<string, SpaceJson> }
  | { type: "Tuple"; subspaces: SpaceJson[] }
  | { type: "Text"; max_length: number; min_length: number; charset: string };

type NestedNumbers = number | NestedNumbers[];

/** What every space offers. Shared code asks these questions instead of checking classes. */
export interface Space<T extends SpaceValue = SpaceValue> {
  readonly kind: "box" | "discrete" | "multi-discrete" | "multi-binary" | "dict" | "tuple" | "text";
  /** Length of the flat float vector `flatten` produces. */
  readonly flatDim: number;
  /** Whether `x` is a member of this space. */
  contains(x: unknown): x is T;
  /** Why `x` is not a member, or `null` when it is. */
  explain(x: unknown): string | null;
  /** A random member, drawn with `rng`. */
  sample(rng: Rng): T;
  /** The flat float vector form (one-hot for discrete parts), as Gymnasium's `flatten`. */
  flatten(x: T): Float32Array;
  /** The inverse of `flatten`. */
  unflatten(flat: ArrayLike<number>): T;
  /** Minari's JSON description. */
  toJSON(): SpaceJson;
  /** A short description such as `Box(-1.0, 1.0, (2,), float32)`, as Gymnasium's repr. */
  toString(): string;
}

// ---------------------------------------------------------------------------------------------
// Box
// ---------------------------------------------------------------------------------------------

export type BoxDtype =
  | "float32"
  | "float64"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32";

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

function isArrayLikeOfNumbers(x: unknown): x is ArrayLike<number> {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView))
    return !(x instanceof BigInt64Array || x instanceof BigUint64Array);
  return Array.isArray(x) && x.every((v) => typeof v === "number");
}

/** Prints a value for an error message, shortened when long. */
export function formatValue(x: unknown, maxItems = 8): string {
  if (typeof x === "number") return formatNumber(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (isArrayLikeOfNumbers(x)) {
    const items = Array.from(x as ArrayLike<number>)
      .slice(0, maxItems)
      .map(formatNumber);
    const more = x.length > maxItems ? `, … (${x.length} values)` : "";
    const prefix = Array.isArray(x) ? "" : x.constructor.name;
    return `${prefix}[${items.join(", ")}${more}]`;
  }
  if (x === null || x === undefined) return String(x);
  try {
    const text = JSON.stringify(x);
    return text === undefined ? String(x) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(x);
  }
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  return String(v);
}

/** The shortest decimal that reads back as the same float32 (as numpy prints float32 values). */
function formatFloat32(v: number): string {
  if (!Number.isFinite(v) || Math.fround(v) !== v) return formatNumber(v);
  for (let digits = 1; digits <= 9; digits++) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(v);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(shape: readonly number[], what: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidSpaceError(
      `${what}: shape must be a list of non-negative integers, got ${formatValue(shape)}.`,
    );
  }
  return [...shape];
}

/** Flattens nested number lists (row-major), as `np.asarray(x).reshape(-1)`. */
function flattenNested(x: NestedNumbers | ArrayLike<number>, out: number[] = []): number[] {
  if (typeof x === "number") out.push(x);
  else if (Array.isArray(x)) for (const item of x) flattenNested(item as NestedNumbers, out);
  else for (let i = 0; i < x.length; i++) out.push((x as ArrayLike<number>)[i]!);
  return out;
}

/** Nests a flat list by shape (row-major), as `ndarray.tolist()`. */
function nest(flat: ArrayLike<number>, shape: readonly number[]): NestedNumbers {
  if (shape.length === 0) return flat[0]!;
  const rec = (offset: number, dim: number): NestedNumbers[] => {
    const stride = product(shape.slice(dim + 1));
    const out: NestedNumbers[] = [];
    for (let i = 0; i < shape[dim]!; i++) {
      out.push(dim === shape.length - 1 ? flat[offset + i]! : rec(offset + i * stride, dim + 1));
    }
    return out;
  };
  return rec(0, 0);
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

// ---------------------------------------------------------------------------------------------
// Discrete
// ---------------------------------------------------------------------------------------------

/** The integers start, start + 1, …, start + n − 1. */
export class Discrete implements Space<number> {
  readonly kind = "discrete" as const;
  readonly n: number;
  readonly start: number;
  readonly flatDim: number;

  constructor(n: number, start = 0) {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvalidSpaceError(`Discrete: n must be a positive integer, got ${formatValue(n)}.`);
    if (!Number.isSafeInteger(start))
      throw new InvalidSpaceError(`Discrete: start must be an integer, got ${formatValue(start)}.`);
    this.n = n;
    this.start = start;
    this.flatDim = n;
  }

  contains(x: unknown): x is number {
    return typeof x === "number" && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  explain(x: unknown): string | null {
    if (this.contains(x)) return null;
    const range = `an integer from ${this.start} to ${this.start + this.n - 1}`;
    if (typeof x === "number" && Number.isNaN(x)) return `got NaN; expected ${range}`;
    return `got ${formatValue(x)}; expected ${range}`;
  }

  /** `start + rng.integers(n)`, as Gymnasium's `Discrete.sample`. */
  sample(rng: Rng): number {
    return this.start + rng.integers(this.n);
  }

  flatten(x: number): Float32Array {
    const out = new Float32Array(this.n);
    out[x - this.start] = 1;
    return out;
  }

  unflatten(flat: ArrayLike<number>): number {
    if (flat.length !== this.n)
      throw new InvalidSpaceError(`Discrete.unflatten: expected ${this.n} values, got ${flat.length}.`);
    for (let i = 0; i < flat.length; i++) if (flat[i] !== 0) return this.start + i;
    throw new InvalidSpaceError("Discrete.unflatten: the one-hot vector is all zeros.");
  }

  toJSON(): SpaceJson {
    return { type: "Discrete", dtype: "int64", start: this.start, n: this.n };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

// ---------------------------------------------------------------------------------------------
// MultiDiscrete
// ---------------------------------------------------------------------------------------------

/** A vector of independent discrete choices: element i is in [start[i], start[i] + nvec[i]). */
export class MultiDiscrete implements Space<Int32Array> {
  readonly kind = "multi-discrete" as const;
  readonly nvec: Int32Array;
  readonly start: Int32Array;
  readonly flatDim: number;

  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    const n = Array.from(nvec);
    if (n.length === 0 || !n.every((v) => Number.isInteger(v) && v >= 1 && v <= 2147483647)) {
      throw new InvalidSpaceError(`MultiDiscrete: nvec must be positive integers, got ${formatValue(n)}.`);
    }
    const s = start ? Array.from(start) : n.map(() => 0);
    if (s.length !== n.length || !s.every((v) => Number.isInteger(v))) {
      throw new InvalidSpaceError(
        `MultiDiscrete: start must be ${n.length} integers, got ${formatValue(s)}.`,
      );
    }
    this.nvec = Int32Array.from(n);
    this.start = Int32Array.from(s);
    this.flatDim = n.reduce((a, b) => a + b, 0);
  }

  contains(x: unknown): x is Int32Array {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (!isArrayLikeOfNumbers(x) || x.length !== this.nvec.length) {
      return `expected ${this.nvec.length} integers, got ${formatValue(x)}`;
    }
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const lo = this.start[i]!;
      const hi = lo + this.nvec[i]! - 1;
      if (!Number.isInteger(v) || v < lo || v > hi)
        return `element ${i} is ${formatNumber(v)}; expected an integer from ${lo} to ${hi}`;
    }
    return null;
  }

  /** Gymnasium: `(random(nvec.shape) * nvec).astype(int) + start`. */
  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(rng.random() * this.nvec[i]!) + this.start[i]!;
    return out;
  }

  flatten(x: Int32Array): Float32Array {
    const out = new Float32Array(this.flatDim);
    let offset = 0;
    for (let i = 0; i < this.nvec.length; i++) {
      out[offset + x[i]! - this.start[i]!] = 1;
      offset += this.nvec[i]!;
    }
    return out;
  }

  unflatten(flat: ArrayLike<number>): Int32Array {
    if (flat.length !== this.flatDim) {
      throw new InvalidSpaceError(
        `MultiDiscrete.unflatten: expected ${this.flatDim} values, got ${flat.length}.`,
      );
    }
    const out = new Int32Array(this.nvec.length);
    let offset = 0;
    for (let i = 0; i < this.nvec.length; i++) {
      let hot = -1;
      for (let j = 0; j < this.nvec[i]!; j++) if (flat[offset + j] !== 0 && hot < 0) hot = j;
      if (hot < 0) throw new InvalidSpaceError(`MultiDiscrete.unflatten: one-hot block ${i} is all zeros.`);
      out[i] = hot + this.start[i]!;
      offset += this.nvec[i]!;
    }
    return out;
  }

  toJSON(): SpaceJson {
    return {
      type: "MultiDiscrete",
      dtype: "int64",
      nvec: Array.from(this.nvec),
      start: Array.from(this.start),
    };
  }

  toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(" ")}])`;
  }
}

// ---------------------------------------------------------------------------------------------
// MultiBinary
// ---------------------------------------------------------------------------------------------

/** A fixed-shape array of 0/1 values. */
export class MultiBinary implements Space<Int8Array | Uint8Array> {
  readonly kind = "multi-binary" as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly flatDim: number;

  constructor(n: number | readonly number[]) {
    this.shape = checkShape(typeof n === "number" ? [n] : n, "MultiBinary");
    this.size = product(this.shape);
    if (this.size < 1)
      throw new InvalidSpaceError(
        `MultiBinary: needs at least one element, got shape ${formatValue(this.shape)}.`,
      );
    this.flatDim = this.size;
  }

  contains(x: unknown): x is Int8Array {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (!isArrayLikeOfNumbers(x) || x.length !== this.size)
      return `expected ${this.size} values of 0 or 1, got ${formatValue(x)}`;
    for (let i = 0; i < x.length; i++)
      if (x[i] !== 0 && x[i] !== 1) return `element ${i} is ${formatNumber(x[i]!)}, not 0 or 1`;
    return null;
  }

  sample(rng: Rng): Int8Array {
    const out = new Int8Array(this.size);
    for (let i = 0; i < out.length; i++) out[i] = rng.integers(2);
    return out;
  }

  flatten(x: Int8Array | Uint8Array): Float32Array {
    return Float32Array.from(x);
  }

  unflatten(flat: ArrayLike<number>): Int8Array {
    if (flat.length !== this.size)
      throw new InvalidSpaceError(`MultiBinary.unflatten: expected ${this.size} values, got ${flat.length}.`);
    return Int8Array.from(flat, (v) => (v !== 0 ? 1 : 0));
  }

  toJSON(): SpaceJson {
    return { type: "MultiBinary", n: this.shape.length === 1 ? this.shape[0]! : [...this.shape] };
  }

  toString(): string {
    return `MultiBinary(${this.shape.length === 1 ? this.shape[0] : `(${this.shape.join(", ")})`})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Dict and Tuple
// ---------------------------------------------------------------------------------------------

type DictValue = { readonly [key: string]: SpaceValue };

/** Named subspaces. Keys are kept sorted, as Gymnasium's `Dict` sorts a plain mapping. */
export class DictSpace implements Space<DictValue> {
  readonly kind = "dict" as const;
  readonly spaces: Readonly<Record<string, Space>>;
  readonly keys: readonly string[];
  readonly flatDim: number;

  constructor(spaces: Record<string, Space>) {
    this.keys = Object.keys(spaces).sort();
    if (this.keys.length === 0) throw new InvalidSpaceError("Dict: needs at least one subspace.");
    this.spaces = Object.fromEntries(this.keys.map((k) => [k, spaces[k]!]));
    this.flatDim = this.keys.reduce((sum, k) => sum + this.spaces[k]!.flatDim, 0);
  }

  contains(x: unknown): x is DictValue {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (typeof x !== "object" || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) {
      return `expected an object with keys ${this.keys.join(", ")}, got ${formatValue(x)}`;
    }
    const record = x as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !(k in this.spaces));
    if (extra.length > 0) return `unexpected key ${JSON.stringify(extra[0])}`;
    for (const key of this.keys) {
      if (!(key in record)) return `missing key ${JSON.stringify(key)}`;
      const why = this.spaces[key]!.explain(record[key]);
      if (why !== null) return `${key}: ${why}`;
    }
    return null;
  }

  sample(rng: Rng): DictValue {
    return Object.fromEntries(this.keys.map((k) => [k, this.spaces[k]!.sample(rng)]));
  }

  flatten(x: DictValue): Float32Array {
    const out = new Float32Array(this.flatDim);
    let offset = 0;
    for (const key of this.keys) {
      const part = this.spaces[key]!.flatten(x[key]!);
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  unflatten(flat: ArrayLike<number>): DictValue {
    if (flat.length !== this.flatDim)
      throw new InvalidSpaceError(`Dict.unflatten: expected ${this.flatDim} values, got ${flat.length}.`);
    const values = Array.from(flat);
    let offset = 0;
    const out: Record<string, SpaceValue> = {};
    for (const key of this.keys) {
      const space = this.spaces[key]!;
      out[key] = space.unflatten(values.slice(offset, offset + space.flatDim));
      offset += space.flatDim;
    }
    return out;
  }

  toJSON(): SpaceJson {
    return {
      type: "Dict",
      subspaces: Object.fromEntries(this.keys.map((k) => [k, this.spaces[k]!.toJSON()])),
    };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `'${k}': ${this.spaces[k]}`).join(", ")})`;
  }
}

/** An ordered list of subspaces. */
export class TupleSpace implements Space<readonly SpaceValue[]> {
  readonly kind = "tuple" as const;
  readonly spaces: readonly Space[];
  readonly flatDim: number;

  constructor(spaces: readonly Space[]) {
    if (spaces.length === 0) throw new InvalidSpaceError("Tuple: needs at least one subspace.");
    this.spaces = [...spaces];
    this.flatDim = spaces.reduce((sum, s) => sum + s.flatDim, 0);
  }

  contains(x: unknown): x is readonly SpaceValue[] {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (!Array.isArray(x) || x.length !== this.spaces.length)
      return `expected an array of ${this.spaces.length} values, got ${formatValue(x)}`;
    for (let i = 0; i < x.length; i++) {
      const why = this.spaces[i]!.explain(x[i]);
      if (why !== null) return `[${i}]: ${why}`;
    }
    return null;
  }

  sample(rng: Rng): SpaceValue[] {
    return this.spaces.map((s) => s.sample(rng));
  }

  flatten(x: readonly SpaceValue[]): Float32Array {
    const out = new Float32Array(this.flatDim);
    let offset = 0;
    this.spaces.forEach((s, i) => {
      out.set(s.flatten(x[i]!), offset);
      offset += s.flatDim;
    });
    return out;
  }

  unflatten(flat: ArrayLike<number>): SpaceValue[] {
    if (flat.length !== this.flatDim)
      throw new InvalidSpaceError(`Tuple.unflatten: expected ${this.flatDim} values, got ${flat.length}.`);
    const values = Array.from(flat);
    let offset = 0;
    return this.spaces.map((s) => {
      const part = s.unflatten(values.slice(offset, offset + s.flatDim));
      offset += s.flatDim;
      return part;
    });
  }

  toJSON(): SpaceJson {
    return { type: "Tuple", subspaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.join(", ")})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** Gymnasium's default charset: ASCII letters and digits. */
export const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Strings of minLength to maxLength characters drawn from a character set. */
export class TextSpace implements Space<string> {
  readonly kind = "text" as const;
  readonly maxLength: number;
  readonly minLength: number;
  /** The characters, each once, in a fixed order (their index is the flat code). */
  readonly charset: string;
  readonly flatDim: number;
  private readonly chars: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(maxLength: number, options: { minLength?: number; charset?: string } = {}) {
    const minLength = options.minLength ?? 1;
    if (!Number.isInteger(maxLength) || maxLength < 1)
      throw new InvalidSpaceError(
        `Text: maxLength must be a positive integer, got ${formatValue(maxLength)}.`,
      );
    if (!Number.isInteger(minLength) || minLength < 0 || minLength > maxLength) {
      throw new InvalidSpaceError(
        `Text: minLength must be an integer from 0 to maxLength (${maxLength}), got ${formatValue(minLength)}.`,
      );
    }
    this.chars = [...new Set(Array.from(options.charset ?? ALPHANUMERIC))];
    if (this.chars.length === 0) throw new InvalidSpaceError("Text: the charset is empty.");
    this.charset = this.chars.join("");
    this.index = new Map(this.chars.map((c, i) => [c, i]));
    this.maxLength = maxLength;
    this.minLength = minLength;
    this.flatDim = maxLength;
  }

  contains(x: unknown): x is string {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (typeof x !== "string") return `expected a string, got ${formatValue(x)}`;
    const chars = Array.from(x);
    if (chars.length < this.minLength || chars.length > this.maxLength) {
      return `length ${chars.length} is outside ${this.minLength}..${this.maxLength}`;
    }
    const bad = chars.find((c) => !this.index.has(c));
    return bad === undefined ? null : `character ${JSON.stringify(bad)} is not in the charset`;
  }

  sample(rng: Rng): string {
    const length = this.minLength + rng.integers(this.maxLength - this.minLength + 1);
    let out = "";
    for (let i = 0; i < length; i++) out += this.chars[rng.integers(this.chars.length)];
    return out;
  }

  /** Character indices, padded with `charset.length` (Gymnasium's `flatten` for Text). */
  flatten(x: string): Float32Array {
    const out = new Float32Array(this.maxLength).fill(this.chars.length);
    Array.from(x).forEach((c, i) => {
      out[i] = this.index.get(c)!;
    });
    return out;
  }

  unflatten(flat: ArrayLike<number>): string {
    let out = "";
    for (let i = 0; i < flat.length; i++) {
      const code = flat[i]!;
      if (code >= this.chars.length) break;
      out += this.chars[code];
    }
    return out;
  }

  toJSON(): SpaceJson {
    return { type: "Text", max_length: this.maxLength, min_length: this.minLength, charset: this.charset };
  }

  toString(): string {
    return `Text(${this.minLength}, ${this.maxLength}, charset=${this.charset.slice(0, 20)}${this.charset.length > 20 ? "…" : ""})`;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

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
