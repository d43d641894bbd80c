/**
 * @module
 * Action heads: how a network's outputs become a distribution over actions.
 *
 * - `Discrete(n)` → a categorical over n logits;
 * - `MultiDiscrete(nvec)` → one independent categorical per dimension, logits side by side;
 * - `Box` → a diagonal Gaussian whose mean is the network output and whose log-std is a
 *   state-independent parameter (as Stable Baselines' `DiagGaussianDistribution`). Acting clips
 *   the action to the box; `logProb` and training see the unclipped Gaussian.
 *
 * Each head works on batches of tensors inside `nn/` (`logProb`, `entropy`, `mode`) and also on
 * one row of plain numbers for the fast single-observation path (`modeInto`, `sampleInto`).
 * Sampling always draws from mimic's `Rng` on the JS side (one uniform per categorical, one
 * standard normal per Gaussian dimension, in order), so rollouts are reproducible under a seed
 * whichever backend runs the network.
 */
import { InvalidActionError, InvalidSpaceError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import { Box, Discrete, MultiDiscrete, type Space } from "../core/spaces/index.js";
import { tf } from "./engine.js";

export type HeadKind = "categorical" | "gaussian" | "multi-categorical";

/** Actions in a flat batch: integers for the categorical heads, floats for the Gaussian. */
export type ActionArray = Int32Array | Float32Array;

export interface ActionHead {
  readonly kind: HeadKind;
  /** Network outputs per observation: the logits, or the Gaussian's mean. */
  readonly paramSize: number;
  /** Numbers per action in a flat batch: 1 for `Discrete`, the dimensions otherwise. */
  readonly actionDim: number;
  /** Width of the engine-side action encoding (one-hot for the categorical heads). */
  readonly encodedSize: number;
  /** The head's own trainable variables (the Gaussian's log-std), empty otherwise. */
  readonly variables: readonly tf.Variable[];
  /** Checks `count` flat actions and encodes them as `count × encodedSize` floats. */
  encodeActions(actions: ArrayLike<number>, count: number): Float32Array;
  /**
   * Checks `count` flat actions and returns the fused trainer's targets (`count × actionDim`):
   * category indices counted from 0 for the categorical heads, the values for the Gaussian.
   */
  encodeTargets(actions: ArrayLike<number>, count: number): Float32Array;
  /** log π(a | s) per row, from `params [n, paramSize]` and encoded actions. */
  logProb(params: tf.Tensor2D, encodedActions: tf.Tensor2D): tf.Tensor1D;
  /** The entropy per row. */
  entropy(params: tf.Tensor2D): tf.Tensor1D;
  /** `logProb` and `entropy` together, sharing their intermediate results (for training). */
  logProbAndEntropy(params: tf.Tensor2D, encodedActions: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D];
  /** The most likely action per row (the clipped mean for the Gaussian), `[n, actionDim]`. */
  mode(params: tf.Tensor2D): tf.Tensor2D;
  /** One sampled action per row, drawn with `rng` row by row. */
  sample(params: tf.Tensor2D, rng: Rng): ActionArray;
  /** A zeroed flat array for `count` actions. */
  allocate(count: number): ActionArray;
  /** Writes the mode of one row of parameters (`params[offset…]`) to `out[outOffset…]`. */
  modeInto(params: ArrayLike<number>, offset: number, out: ActionArray, outOffset: number): void;
  /** Writes one sampled action, drawing from `rng`. */
  sampleInto(params: ArrayLike<number>, offset: number, rng: Rng, out: ActionArray, outOffset: number): void;
  /** Re-reads the head's variables for the JS path after they changed. */
  sync(): void;
  dispose(): void;
}

/** The head for an action space; throws for spaces a policy cannot act in yet. */
export function createHead(actionSpace: Space, options: { logStdInit?: number } = {}): ActionHead {
  if (actionSpace instanceof Discrete)
    return new CategoricalHead([actionSpace.n], [actionSpace.start], false);
  if (actionSpace instanceof MultiDiscrete) {
    return new CategoricalHead(Array.from(actionSpace.nvec), Array.from(actionSpace.start), true);
  }
  if (actionSpace instanceof Box) return new GaussianHead(actionSpace, options.logStdInit ?? 0);
  throw new InvalidSpaceError(
    `A neural policy acts in Discrete, MultiDiscrete and Box action spaces; this one is ${actionSpace}.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Categorical (Discrete) and one categorical per dimension (MultiDiscrete)
// ---------------------------------------------------------------------------------------------

export class CategoricalHead implements ActionHead {
  readonly kind: HeadKind;
  readonly paramSize: number;
  readonly actionDim: number;
  readonly encodedSize: number;
  readonly variables: readonly tf.Variable[] = [];
  readonly nvec: readonly number[];
  private readonly start: number[];
  private readonly offsets: number[];
  private readonly startTensor: tf.Tensor1D | null;

  constructor(nvec: number[], start: number[], multi: boolean) {
    this.kind = multi ? "multi-categorical" : "categorical";
    this.nvec = nvec;
    this.start = start;
    this.offsets = [];
    let offset = 0;
    for (const n of nvec) {
      this.offsets.push(offset);
      offset += n;
    }
    this.paramSize = offset;
    this.encodedSize = offset;
    this.actionDim = nvec.length;
    this.startTensor = start.some((s) => s !== 0) ? tf.tensor1d(start, "int32") : null;
  }

  encodeActions(actions: ArrayLike<number>, count: number): Float32Array {
    const out = new Float32Array(count * this.encodedSize);
    this.forEachIndex(actions, count, (row, d, index) => {
      out[row * this.encodedSize + this.offsets[d]! + index] = 1;
    });
    return out;
  }

  encodeTargets(actions: ArrayLike<number>, count: number): Float32Array {
    const dims = this.actionDim;
    const out = new Float32Array(count * dims);
    this.forEachIndex(actions, count, (row, d, index) => {
      out[row * dims + d] = index;
    });
    return out;
  }

  /** Checks every action and calls `visit` with its category index (from 0) per dimension. */
  private forEachIndex(
    actions: ArrayLike<number>,
    count: number,
    visit: (row: number, d: number, index: number) => void,
  ): void {
    const dims = this.actionDim;
    if (actions.length !== count * dims) {
      throw new InvalidActionError(
        `Expected ${count} actions of ${dims} value${dims === 1 ? "" : "s"} (${count * dims} numbers), got ${actions.length}.`,
      );
    }
    for (let row = 0; row < count; row++) {
      for (let d = 0; d < dims; d++) {
        const value = actions[row * dims + d]!;
        const index = value - this.start[d]!;
        if (!Number.isInteger(index) || index < 0 || index >= this.nvec[d]!) {
          const lo = this.start[d]!;
          throw new InvalidActionError(
            `Action ${row}${dims > 1 ? `, dimension ${d},` : ""} is ${value}; expected an integer from ${lo} to ${lo + this.nvec[d]! - 1}.`,
          );
        }
        visit(row, d, index);
      }
    }
  }

  /** Log-probabilities of every category, block by block: `[n, paramSize]`. */
  private logSoftmax(params: tf.Tensor2D): tf.Tensor2D {
    if (this.nvec.length === 1) return tf.logSoftmax(params);
    const blocks = tf.split(params, [...this.nvec], 1).map((block) => tf.logSoftmax(block));
    return tf.concat(blocks, 1) as tf.Tensor2D;
  }

  logProb(params: tf.Tensor2D, encodedActions: tf.Tensor2D): tf.Tensor1D {
    return tf.sum(tf.mul(this.logSoftmax(params), encodedActions), 1) as tf.Tensor1D;
  }

  entropy(params: tf.Tensor2D): tf.Tensor1D {
    const logP = this.logSoftmax(params);
    return tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), 1)) as tf.Tensor1D;
  }

  logProbAndEntropy(params: tf.Tensor2D, encodedActions: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D] {
    const logP = this.logSoftmax(params);
    return [
      tf.sum(tf.mul(logP, encodedActions), 1) as tf.Tensor1D,
      tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), 1)) as tf.Tensor1D,
    ];
  }

  mode(params: tf.Tensor2D): tf.Tensor2D {
    const n = params.shape[0];
    let indices: tf.Tensor2D;
    if (this.nvec.length === 1) indices = tf.reshape(tf.argMax(params, 1), [n, 1]);
    else {
      const blocks = tf.split(params, [...this.nvec], 1).map((block) => tf.argMax(block, 1));
      indices = tf.stack(blocks, 1) as tf.Tensor2D;
    }
    return this.startTensor === null ? indices : tf.add(indices, this.startTensor);
  }

  sample(params: tf.Tensor2D, rng: Rng): ActionArray {
    const n = params.shape[0];
    const values = params.dataSync();
    const out = this.allocate(n);
    for (let row = 0; row < n; row++) {
      this.sampleInto(values, row * this.paramSize, rng, out, row * this.actionDim);
    }
    return out;
  }

  allocate(count: number): Int32Array {
    return new Int32Array(count * this.actionDim);
  }

  modeInto(params: ArrayLike<number>, offset: number, out: ActionArray, outOffset: number): void {
    for (let d = 0; d < this.nvec.length; d++) {
      const base = offset + this.offsets[d]!;
      let best = 0;
      let bestValue = params[base]!;
      for (let k = 1; k < this.nvec[d]!; k++) {
        if (params[base + k]! > bestValue) {
          bestValue = params[base + k]!;
          best = k;
        }
      }
      out[outOffset + d] = best + this.start[d]!;
    }
  }

  /** Inverse-CDF sampling: one uniform per dimension, categories scanned in order. */
  sampleInto(params: ArrayLike<number>, offset: number, rng: Rng, out: ActionArray, outOffset: number): void {
    for (let d = 0; d < this.nvec.length; d++) {
      const base = offset + this.offsets[d]!;
      const n = this.nvec[d]!;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) if (params[base + k]! > max) max = params[base + k]!;
      let total = 0;
      for (let k = 0; k < n; k++) total += Math.exp(params[base + k]! - max);
      const u = rng.random() * total;
      let chosen = n - 1;
      let cumulative = 0;
      for (let k = 0; k < n; k++) {
        cumulative += Math.exp(params[base + k]! - max);
        if (u < cumulative) {
          chosen = k;
          break;
        }
      }
      out[outOffset + d] = chosen + this.start[d]!;
    }
  }

  sync(): void {}

  dispose(): void {
    this.startTensor?.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Diagonal Gaussian (Box)
// ---------------------------------------------------------------------------------------------

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

class GaussianHead implements ActionHead {
  readonly kind = "gaussian" as const;
  readonly paramSize: number;
  readonly actionDim: number;
  readonly encodedSize: number;
  readonly variables: readonly tf.Variable[];
  /** The state-independent log standard deviation, one per action dimension. */
  readonly logStd: tf.Variable;
  /** Bounds rounded inward to float32, so a clipped float32 action is always inside the box. */
  private readonly low: Float32Array;
  private readonly high: Float32Array;
  private readonly lowTensor: tf.Tensor1D;
  private readonly highTensor: tf.Tensor1D;
  private std: Float64Array;

  constructor(space: Box, logStdInit: number) {
    const d = space.size;
    this.paramSize = d;
    this.actionDim = d;
    this.encodedSize = d;
    const initial = tf.fill([d], logStdInit, "float32");
    this.logStd = tf.variable(initial, true);
    initial.dispose();
    this.variables = [this.logStd];
    this.low = Float32Array.from(space.low, float32AtLeast);
    this.high = Float32Array.from(space.high, float32AtMost);
    this.lowTensor = tf.tensor1d(this.low, "float32");
    this.highTensor = tf.tensor1d(this.high, "float32");
    this.std = new Float64Array(d).fill(Math.exp(Math.fround(logStdInit)));
  }

  encodeActions(actions: ArrayLike<number>, count: number): Float32Array {
    const d = this.actionDim;
    if (actions.length !== count * d) {
      throw new InvalidActionError(
        `Expected ${count} actions of ${d} value${d === 1 ? "" : "s"} (${count * d} numbers), got ${actions.length}.`,
      );
    }
    const out = Float32Array.from(actions);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) {
        throw new InvalidActionError(
          `Action ${Math.floor(i / d)}, dimension ${i % d}, is ${actions[i]}; expected a finite number.`,
        );
      }
    }
    return out;
  }

  encodeTargets(actions: ArrayLike<number>, count: number): Float32Array {
    return this.encodeActions(actions, count);
  }

  /** log N(a; μ, σ²) = −½ Σ ((a − μ)/σ)² − Σ log σ − (d/2) log 2π. */
  logProb(params: tf.Tensor2D, encodedActions: tf.Tensor2D): tf.Tensor1D {
    const z = tf.mul(tf.sub(encodedActions, params), tf.exp(tf.neg(this.logStd)));
    const normalizer = tf.add(tf.sum(this.logStd), this.actionDim * HALF_LOG_2PI);
    return tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), normalizer);
  }

  /** H = Σ (log σ + ½ log 2πe), the same for every row. */
  entropy(params: tf.Tensor2D): tf.Tensor1D {
    const perRow = tf.add(tf.sum(this.logStd), this.actionDim * (HALF_LOG_2PI + 0.5));
    return tf.broadcastTo(perRow, [params.shape[0]]) as tf.Tensor1D;
  }

  logProbAndEntropy(params: tf.Tensor2D, encodedActions: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D] {
    return [this.logProb(params, encodedActions), this.entropy(params)];
  }

  mode(params: tf.Tensor2D): tf.Tensor2D {
    return tf.minimum(tf.maximum(params, this.lowTensor), this.highTensor);
  }

  sample(params: tf.Tensor2D, rng: Rng): ActionArray {
    const n = params.shape[0];
    const values = params.dataSync();
    const out = this.allocate(n);
    for (let row = 0; row < n; row++)
      this.sampleInto(values, row * this.paramSize, rng, out, row * this.actionDim);
    return out;
  }

  allocate(count: number): Float32Array {
    return new Float32Array(count * this.actionDim);
  }

  modeInto(params: ArrayLike<number>, offset: number, out: ActionArray, outOffset: number): void {
    for (let i = 0; i < this.actionDim; i++) out[outOffset + i] = this.clip(params[offset + i]!, i);
  }

  /** μ + σ·ε with ε ~ N(0, 1) from `rng`, one draw per dimension in order, then clipped. */
  sampleInto(params: ArrayLike<number>, offset: number, rng: Rng, out: ActionArray, outOffset: number): void {
    for (let i = 0; i < this.actionDim; i++) {
      out[outOffset + i] = this.clip(params[offset + i]! + this.std[i]! * rng.normal(), i);
    }
  }

  private clip(value: number, i: number): number {
    const v = Math.fround(value);
    return Math.min(Math.max(v, this.low[i]!), this.high[i]!);
  }

  sync(): void {
    this.std = Float64Array.from(this.logStd.dataSync(), Math.exp);
  }

  dispose(): void {
    this.logStd.dispose();
    this.lowTensor.dispose();
    this.highTensor.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// float32 rounding toward the inside of a bound
// ---------------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The next float32 toward −∞ (or +∞ with `up`). */
function nextFloat32(value: number, up: boolean): number {
  if (value === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  f32[0] = value;
  i32[0] += value > 0 === up ? 1 : -1;
  return f32[0]!;
}

/** The smallest float32 ≥ x. */
function float32AtLeast(x: number): number {
  const f = Math.fround(x);
  return f >= x || !Number.isFinite(x) ? f : nextFloat32(f, true);
}

/** The largest float32 ≤ x. */
function float32AtMost(x: number): number {
  const f = Math.fround(x);
  return f <= x || !Number.isFinite(x) ? f : nextFloat32(f, false);
}
