/**
 * @module
 * Acting from categorical logits, and reading a one-file policy: what `RecurrentPolicy` and
 * `EncoderPolicy` share.
 */
import { readFile } from "node:fs/promises";
import { PolicyLoadError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";

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
