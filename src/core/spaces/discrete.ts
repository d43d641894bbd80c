/** @module The integer spaces: `Discrete`, `MultiDiscrete` and `MultiBinary`. */
import { InvalidSpaceError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Space, SpaceJson } from "./space.js";
import { checkShape, formatNumber, formatValue, isArrayLikeOfNumbers, product } from "./values.js";

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
