/**
 * @module
 * The contract every space keeps (`Space`), the values spaces hold, and the JSON form Minari
 * writes for each of them.
 */
import type { Rng } from "../rng.js";

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

export type NestedNumbers = number | NestedNumbers[];

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
