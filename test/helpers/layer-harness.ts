/**
 * What the GRU, attention, set-encoder and ONNX layer tests share: `runLayer` (from
 * `layers.ts`, with ∂input asked for by default), symmetric uniform arrays, random item masks with
 * a real item in every row, and a relative error.
 */
import { rngFromSeed } from "../../src/core/rng.js";
import type { Arena } from "../../src/nn/fused/arena.js";
import type { Layer } from "../../src/nn/layers/layer.js";
import { type LayerRun, runLayer as runLayerWith } from "./layers.js";

export type { LayerRun };

export function runLayer(
  arena: Arena,
  layer: Layer,
  params: Float32Array,
  input: Float32Array,
  rows: number,
  outputWeights: Float32Array,
  withInputGrad = true,
): LayerRun {
  return runLayerWith(arena, layer, params, input, rows, outputWeights, withInputGrad);
}

/** `n` values uniform in ±spread, from `seed`. */
export function uniforms(n: number, seed: number, spread = 1): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-spread, spread));
}

/** A `[rows, items]` mask of 0s and 1s (about 70% ones), with at least one real item per row. */
export function randomMask(rows: number, items: number, seed: number): Float32Array {
  const rng = rngFromSeed(seed);
  const m = Float32Array.from({ length: rows * items }, () => (rng.uniform(0, 1) < 0.7 ? 1 : 0));
  for (let r = 0; r < rows; r++) m[r * items + rng.integers(items)] = 1;
  return m;
}

/** Largest |a − b| / (1 + |b|) over two arrays of the same length (NaN counts as infinite). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return worst;
}
