/**
 * Runs one `Layer` forward and backward on an arena, for the layer tests: the output, the
 * parameter gradients and ∂input of the loss Σ(y ⊙ R) for a given R, as plain arrays.
 */
import type { Arena } from "../../src/nn/fused/arena.js";
import type { Layer } from "../../src/nn/layers/layer.js";

export interface LayerRun {
  output: Float32Array;
  paramGrads: Float32Array;
  inputGrad: Float32Array | null;
}

export function runLayer(
  arena: Arena,
  layer: Layer,
  params: Float32Array,
  input: Float32Array,
  rows: number,
  outputWeights: Float32Array,
  withInputGrad = true,
): LayerRun {
  layer.reserve(rows);
  const p = arena.slot(layer.parameterCount);
  const g = arena.slot(layer.parameterCount);
  const x = arena.slot(rows * layer.inputSize);
  const dy = arena.slot(rows * layer.outputSize);
  p.array.set(params);
  x.array.set(input);
  const y = layer.forward(p.ptr, x, rows);
  const output = y.array.slice(0, rows * layer.outputSize);
  dy.array.set(outputWeights);
  const dx = layer.backward(p.ptr, g.ptr, dy, rows, withInputGrad);
  return {
    output,
    paramGrads: g.array.slice(),
    inputGrad: dx === null ? null : dx.array.slice(0, rows * layer.inputSize),
  };
}

/** Largest |a − b| / (1 + |b|) over two arrays of the same length. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return worst;
}
