/**
 * @module
 * Helpers the spaces share: printing a value for an error message, checking shapes, and nesting
 * and flattening number lists row-major.
 */
import { InvalidSpaceError } from "../errors.js";
import type { NestedNumbers } from "./space.js";

export function isArrayLikeOfNumbers(x: unknown): x is ArrayLike<number> {
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

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  return String(v);
}

/** The shortest decimal that reads back as the same float32 (as numpy prints float32 values). */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v) || Math.fround(v) !== v) return formatNumber(v);
  for (let digits = 1; digits <= 9; digits++) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(v);
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function checkShape(shape: readonly number[], what: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidSpaceError(
      `${what}: shape must be a list of non-negative integers, got ${formatValue(shape)}.`,
    );
  }
  return [...shape];
}

/** Flattens nested number lists (row-major), as `np.asarray(x).reshape(-1)`. */
export function flattenNested(x: NestedNumbers | ArrayLike<number>, out: number[] = []): number[] {
  if (typeof x === "number") out.push(x);
  else if (Array.isArray(x)) for (const item of x) flattenNested(item as NestedNumbers, out);
  else for (let i = 0; i < x.length; i++) out.push((x as ArrayLike<number>)[i]!);
  return out;
}

/** Nests a flat list by shape (row-major), as `ndarray.tolist()`. */
export function nest(flat: ArrayLike<number>, shape: readonly number[]): NestedNumbers {
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
