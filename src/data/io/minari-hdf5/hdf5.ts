/**
 * @module
 * h5wasm for the Minari reader and writer: loading it lazily, turning HDF5's error stack into
 * exceptions, and the numpy names, dtype strings and chunk shapes h5py uses.
 */
import type { Metadata as H5Metadata } from "h5wasm/node";
import type { TypedArray } from "../../../core/spaces/index.js";

type H5Lib = typeof import("h5wasm/node")["default"];
type H5Module = Awaited<H5Lib["ready"]>;
export interface H5 {
  lib: H5Lib;
  module: H5Module;
}

let h5Loading: Promise<H5> | undefined;

/**
 * Loads h5wasm's Node build on first use. The load costs about 150 ms, and importing mimic
 * should not pay it. A failed load is retried on the next call.
 */
export async function loadH5(): Promise<H5> {
  h5Loading ??= import("h5wasm/node").then(async ({ default: lib }) => ({ lib, module: await lib.ready }));
  try {
    return await h5Loading;
  } catch (error) {
    h5Loading = undefined;
    throw error;
  }
}

/**
 * Runs synchronous h5wasm calls with HDF5's error stack turned into exceptions, instead of being
 * printed to stderr while the call fails quietly. The handler is restored before returning, and
 * nothing async runs in between.
 */
export function withHdf5Errors<T>(h5: H5, fn: () => T): T {
  h5.module.activate_throwing_error_handler();
  try {
    return fn();
  } finally {
    h5.module.deactivate_throwing_error_handler();
  }
}

/** The innermost message of an HDF5 error stack, e.g. `truncated file: eof = 4156, …`. */
export function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = text.split("\n").filter((line) => /^\s*#\d+:/.test(line));
  const innermost = frames.at(-1);
  const match = innermost === undefined ? null : /\(\): (.*)$/.exec(innermost);
  return (match?.[1] ?? text.split("\n")[0] ?? "").trim().slice(0, 300);
}

// HDF5 type classes (H5T_class_t).
export const H5T_INTEGER = 0;
export const H5T_FLOAT = 1;
const H5T_STRING = 3;
export const H5T_ENUM = 8;
const H5T_VLEN = 9;

/** numpy's name for an HDF5 type, as h5py maps it (for messages and dtype checks). */
export function numpyDtype(meta: H5Metadata): string {
  if (meta.type === H5T_ENUM) {
    const members = meta.enum_type?.members ?? {};
    const keys = Object.keys(members);
    if (keys.length === 2 && members.FALSE === 0 && members.TRUE === 1) return "bool";
    return `enum(int${meta.size * 8})`;
  }
  if (meta.type === H5T_FLOAT) return `float${meta.size * 8}`;
  if (meta.type === H5T_INTEGER) return `${meta.signed ? "int" : "uint"}${meta.size * 8}`;
  if (meta.type === H5T_STRING) return "strings";
  if (meta.type === H5T_VLEN) return "variable-length arrays";
  return `HDF5 type class ${meta.type}`;
}

/** h5wasm's dtype string for a numpy dtype. */
export const H5_DTYPE: Record<string, string> = {
  float32: "<f",
  float64: "<d",
  int8: "<b",
  int16: "<h",
  int32: "<i",
  int64: "<q",
  uint8: "<B",
  uint16: "<H",
  uint32: "<I",
};

const ARRAY_FOR: Record<string, { new (n: number): TypedArray; from(a: ArrayLike<number>): TypedArray }> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/** The array h5wasm writes for `dtype`: int64 goes through BigInt64Array. */
export function diskArray(values: ArrayLike<number>, dtype: string): TypedArray | BigInt64Array {
  if (dtype === "int64") return BigInt64Array.from(values, (v) => BigInt(v));
  const Ctor = ARRAY_FOR[dtype]!;
  return values instanceof Ctor ? (values as TypedArray) : Ctor.from(values);
}

/** numpy's name for a typed array's element type (`Float32Array` → `float32`). */
export function dtypeOfArray(values: TypedArray): string {
  return values.constructor.name.replace("Array", "").toLowerCase();
}

// h5py's chunk guess (h5py/_hl/filters.py `guess_chunk`), so chunks match what Minari writes.
const CHUNK_BASE = 16 * 1024; // bytes; multiplier by which chunks are adjusted
const CHUNK_MIN = 8 * 1024; // bytes; soft lower limit
const CHUNK_MAX = 1024 * 1024; // bytes; hard upper limit

export function guessChunk(shape: readonly number[], typesize: number): number[] {
  const chunks = shape.map((x) => (x !== 0 ? x : 1024));
  const product = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);
  let target = CHUNK_BASE * 2 ** Math.log10((product(chunks) * typesize) / (1024 * 1024));
  if (target > CHUNK_MAX) target = CHUNK_MAX;
  else if (target < CHUNK_MIN) target = CHUNK_MIN;
  for (let idx = 0; ; idx++) {
    const bytes = product(chunks) * typesize;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < CHUNK_MAX) break;
    if (product(chunks) === 1) break;
    const axis = idx % chunks.length;
    chunks[axis] = Math.ceil(chunks[axis]! / 2);
  }
  return chunks;
}
