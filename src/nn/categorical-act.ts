/**
 * @module
 * What `RecurrentPolicy` and `EncoderPolicy` share: acting from categorical logits, checking a
 * batch's actions and gradients, and reading a one-file policy.
 */
import { readFile } from "node:fs/promises";
import { PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import type { Arena, F32Slot, TypedSlot } from "./fused/arena.js";

/** The most likely of `n` categories in `logits[offset … offset + n)` (the first on ties). */
export function argmax(logits: ArrayLike<number>, n: number, offset = 0): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (logits[offset + k]! > logits[offset + best]!) best = k;
  return best;
}

/** A category drawn from softmax(`logits[0 … n)`) with one uniform draw of `rng`. */
export function sampleLogits(logits: ArrayLike<number>, n: number, rng: Rng): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[k]!);
  let total = 0;
  for (let k = 0; k < n; k++) total += Math.exp(logits[k]! - max);
  let u = rng.uniform(0, 1) * total;
  for (let k = 0; k < n - 1; k++) {
    u -= Math.exp(logits[k]! - max);
    if (u < 0) return k;
  }
  return n - 1;
}

/** The parsed JSON of a policy file, or a `PolicyLoadError` saying what is wrong with it. */
export async function readPolicyJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new PolicyLoadError(path, `Cannot read the ${what} ${path}: ${(e as Error).message}.`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PolicyLoadError(path, `${path} is not valid JSON: ${(e as Error).message}.`);
  }
}

/**
 * Copies `rows` actions into `out` as int32, or a `ShapeMismatchError` from `who` naming the
 * first one outside Discrete(n).
 */
export function checkDiscreteActions(
  who: string,
  actions: ArrayLike<number>,
  rows: number,
  n: number,
  out: Int32Array,
): Int32Array {
  for (let r = 0; r < rows; r++) {
    const a = actions[r]!;
    if (!Number.isInteger(a) || a < 0 || a >= n) {
      throw new ShapeMismatchError(`${who}: action ${r} of the batch is ${a}, outside Discrete(${n}).`);
    }
    out[r] = a;
  }
  return out;
}

/** Each arena's flag for `flagNonFinite` (one int32, allocated on the first check). */
const finiteFlags = new WeakMap<Arena, TypedSlot<Int32Array>>();

/**
 * Throws a `ShapeMismatchError` from `who` naming the first non-finite gradient of `count` in
 * `grads`. The `flagNonFinite` kernel (split across threads) says whether there is one, so the
 * per-parameter search runs only when there is.
 */
export function checkFiniteGradients(who: string, arena: Arena, grads: F32Slot, count: number): void {
  let flag = finiteFlags.get(arena);
  if (flag === undefined) {
    flag = arena.typedSlot(Int32Array, 1);
    finiteFlags.set(arena, flag);
  }
  flag.array[0] = 0;
  arena.kernels.flagNonFinite(grads.ptr, count, flag.ptr);
  if (flag.array[0] === 0) return;
  const g = grads.array;
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(g[i]!)) {
      throw new ShapeMismatchError(
        `${who}: a non-finite gradient at parameter ${i}; check the data for NaN or lower the learning rate.`,
      );
    }
  }
}
