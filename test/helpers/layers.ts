/**
 * What the encoder-layer tests share: one arena per kernel set, a run of a layer's forward and
 * backward on flat arrays, the tfjs reference (output, and gradients of `Σ y ⊙ R` through
 * `tf.grads`), and a tolerance check relative to the reference's scale.
 */
import assert from "node:assert/strict";
import { rngFromSeed } from "../../src/core/rng.js";
import { tf } from "../../src/nn/engine.js";
import { Arena } from "../../src/nn/fused/arena.js";
import type { Layer } from "../../src/nn/layers/layer.js";

export const engines = ["ts", "wasm"] as const;
export type Engine = (typeof engines)[number];

const arenas = new Map<Engine, Arena>();

/**
 * One arena per kernel set for the whole file: arenas are never freed, and a wasm arena costs an
 * instance (and helper-thread attachments), so property runs share them.
 */
export function arenaFor(engine: Engine): Arena {
  let arena = arenas.get(engine);
  if (arena === undefined) {
    arena = new Arena(engine);
    arenas.set(engine, arena);
  }
  return arena;
}

export function uniforms(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

export interface LayerRun {
  output: Float32Array;
  paramGrads: Float32Array;
  inputGrad: Float32Array | null;
}

/**
 * The layer's forward on `input` (`rows` rows) with `params`, then its backward with
 * `outputGrad`: copies of the output, the parameter gradients and (when asked) ∂input. The
 * gradient block starts as NaN, so an entry backward fails to overwrite shows.
 */
export function runLayer(
  arena: Arena,
  layer: Layer,
  params: Float32Array,
  input: Float32Array,
  rows: number,
  outputGrad: Float32Array,
  withInputGrad: boolean,
): LayerRun {
  assert.equal(params.length, layer.parameterCount);
  assert.equal(input.length, rows * layer.inputSize);
  assert.equal(outputGrad.length, rows * layer.outputSize);
  layer.reserve(rows);
  const p = arena.slot(layer.parameterCount);
  const g = arena.slot(layer.parameterCount);
  const x = arena.slot(input.length);
  const dy = arena.slot(outputGrad.length);
  p.array.set(params);
  g.array.fill(Number.NaN);
  x.array.set(input);
  dy.array.set(outputGrad);
  const y = layer.forward(p.ptr, x, rows);
  const output = y.array.slice(0, rows * layer.outputSize);
  const dx = layer.backward(p.ptr, g.ptr, dy, rows, withInputGrad);
  return {
    output,
    paramGrads: g.array.slice(),
    inputGrad: dx === null ? null : dx.array.slice(0, rows * layer.inputSize),
  };
}

export interface Reference {
  output: Float32Array;
  /** ∂(Σ y ⊙ R)/∂ each input of `f`, in order. */
  grads: Float32Array[];
}

/** `f` and its gradients of `Σ f(…) ⊙ R` in tfjs, at `inputs` (`[values, shape]` pairs). */
export function tfReference(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: readonly [Float32Array, number[]][],
  r: Float32Array,
  differentiate: readonly boolean[] = inputs.map(() => true),
): Reference {
  return tf.tidy(() => {
    const xs = inputs.map(([values, shape]) => tf.tensor(values, shape));
    const y = f(...xs);
    const weights = tf.tensor(r, y.shape);
    const which = xs.filter((_, i) => differentiate[i]);
    const grads = tf.grads((...ws: tf.Tensor[]) => {
      let k = 0;
      const all = xs.map((x, i) => (differentiate[i] ? ws[k++]! : x));
      return tf.sum(tf.mul(f(...all), weights));
    })(which);
    return { output: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** max |a − b| ≤ tol · max |b| (relative to the tensor's scale), with the lengths equal. */
export function assertNear(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    const e = Math.abs(a[i]! - b[i]!);
    err = Number.isNaN(e) ? Number.POSITIVE_INFINITY : Math.max(err, e);
  }
  if (!(err <= tol * scale + 1e-6)) assert.fail(`${what}: max error ${err} vs scale ${scale}`);
}

/** Concatenates flat arrays (a layer's parameter tensors in storage order). */
export function concat(...parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
