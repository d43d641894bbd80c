/**
 * @module
 * The fused trainer: `src/nn/trainer.ts`'s objective and Adam, on `FusedMlp` and plain typed
 * arrays instead of the tensor engine. Same loss (mean NLL − entropyWeight · mean entropy +
 * l2Weight · ½ Σ w², or MSE of a Gaussian's mean), same gradient clipping, same Adam, same state
 * format; weights are passed and returned in `NeuralPolicy.getWeights` order (kernel, bias, … per
 * layer, then a Gaussian's log-std).
 *
 * Parameters, gradients, Adam's moments and the network's buffers share one `Arena`, so the
 * kernels (WebAssembly SIMD, or the TypeScript fallback; `config.engine`) work in place. The
 * data set is copied once by `setData`; `step(indices)` gathers the rows into the network's
 * input, so a step allocates nothing beyond its small result object once the largest batch has
 * been seen. A non-finite gradient throws `NonFiniteGradientError` before any weight changes, so
 * the weights (and the optimizer) stay at the last good step.
 */
import { InvalidOptionError, NonFiniteGradientError, ShapeMismatchError } from "../../core/errors.js";

export { NonFiniteGradientError };

import type { LossInfo, LossKind, TrainerState } from "../trainer.js";
import { FusedAdam } from "./adam.js";
import { Arena, type F32Slot, type FusedEngine } from "./arena.js";
import { CategoricalScratch, categoricalNll, createLossStats, gaussianNll, mse } from "./losses.js";
import { type Activation, FusedMlp } from "./mlp.js";

export interface FusedTrainerConfig {
  /** Layer widths `[inputSize, ...hidden, outputSize]`; the output is the logits or the Gaussian's mean. */
  sizes: readonly number[];
  /** Hidden-layer activation. */
  activation: Activation;
  /** A categorical over the outputs, or a diagonal Gaussian with a state-independent log-std. */
  head: "categorical" | "gaussian";
  /**
   * Categorical head only: one categorical per action dimension, logits side by side (a
   * MultiDiscrete policy); `nvec` sums to the output width. Default: one categorical over all.
   */
  nvec?: readonly number[];
  /** Negative log-likelihood (default), or MSE of the Gaussian's mean (gaussian head only). */
  loss?: LossKind;
  /** Adam's step size. */
  learningRate: number;
  /** Weight of the entropy bonus (default 1e-3, as the tfjs trainer). */
  entropyWeight?: number;
  /** Weight of the ½‖w‖² penalty over all parameters, log-std included (default 0). */
  l2Weight?: number;
  /** Rescale the gradient when its global L2 norm is above this. */
  maxGradNorm?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Kernels: WebAssembly SIMD where available (`auto`, the default), or one of the two. */
  engine?: FusedEngine;
  /**
   * Split large matrix products across helper threads where the runtime has them (default true;
   * `configureFusedEngine({ threads })` sets how many). The numbers are the same either way.
   */
  threads?: boolean;
}

/** A gradient held NaN or ±Infinity; nothing was updated. */

export interface FusedTrainer {
  learningRate: number;
  readonly stepCount: number;
  /** Copies the data set: `count × inputSize` network inputs and `count` actions (× action dims). */
  setData(observations: ArrayLike<number>, actions: ArrayLike<number>): void;
  /** One Adam update on rows of the data; returns the loss before the update. */
  step(indices: Int32Array): LossInfo;
  /** The loss on rows of the data, without updating. */
  evaluate(indices: Int32Array): LossInfo;
  /** Copies of every weight, in `NeuralPolicy.getWeights` order. */
  getWeights(): Float32Array[];
  setWeights(weights: readonly ArrayLike<number>[]): void;
  getState(): TrainerState;
  setState(state: TrainerState): void;
  /** The network outputs for `rows` inputs (`rows × inputSize`); the array is reused. */
  forward(inputs: ArrayLike<number>, rows: number): Float64Array;
}

function checkNumber(name: string, value: number, ok: (v: number) => boolean, rule: string): number {
  if (typeof value !== "number" || !ok(value)) {
    throw new InvalidOptionError(`trainer.${name}`, `trainer.${name} must be ${rule}, got ${value}.`);
  }
  return value;
}

export function createFusedTrainer(
  config: FusedTrainerConfig,
  weights: readonly ArrayLike<number>[],
): FusedTrainer {
  return new Trainer(config, weights);
}

class Trainer implements FusedTrainer {
  private readonly mlp: FusedMlp;
  private readonly gaussian: boolean;
  private readonly lossKind: LossKind;
  private readonly entropyWeight: number;
  private readonly l2Weight: number;
  private readonly maxGradNorm: number | undefined;
  private readonly adam: FusedAdam;
  private readonly arena: Arena;
  /** Every parameter end to end: the MLP's, then the log-std (in the arena). */
  private readonly params: F32Slot;
  private readonly grads: F32Slot;
  /** `forward`'s result, in the interface's float64. */
  private forwardOut = new Float64Array(0);
  private readonly shapes: number[][];
  private readonly names: string[];
  private readonly offsets: number[];
  private readonly outputSize: number;
  private readonly inputSize: number;
  private readonly stats = createLossStats();
  private readonly scratch: CategoricalScratch;
  /** Categories per action dimension (categorical head). */
  private readonly nvec: readonly number[];
  private readonly invStd: Float64Array;
  private data: { x: Float32Array; a: Float32Array; count: number } | null = null;
  /** The gathered batch of actions (categorical indices, or Gaussian targets). */
  private batchIndices = new Int32Array(0);
  private batchTargets = new Float64Array(0);

  constructor(config: FusedTrainerConfig, weights: readonly ArrayLike<number>[]) {
    const positive = (v: number) => Number.isFinite(v) && v > 0;
    const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
    const unit = (v: number) => Number.isFinite(v) && v >= 0 && v < 1;
    if (config.head !== "categorical" && config.head !== "gaussian") {
      throw new InvalidOptionError(
        "trainer.head",
        `trainer.head must be "categorical" or "gaussian", got ${config.head}.`,
      );
    }
    if (config.activation !== "tanh" && config.activation !== "relu") {
      throw new InvalidOptionError(
        "trainer.activation",
        `trainer.activation must be "tanh" or "relu", got ${config.activation}.`,
      );
    }
    this.lossKind = config.loss ?? "nll";
    if (this.lossKind !== "nll" && this.lossKind !== "mse") {
      throw new InvalidOptionError(
        "trainer.loss",
        `trainer.loss must be "nll" or "mse", got ${this.lossKind}.`,
      );
    }
    if (this.lossKind === "mse" && config.head !== "gaussian") {
      throw new InvalidOptionError("trainer.loss", 'trainer.loss "mse" needs the gaussian head. Use "nll".');
    }
    this.gaussian = config.head === "gaussian";
    this.entropyWeight = checkNumber("entropyWeight", config.entropyWeight ?? 1e-3, nonNegative, "≥ 0");
    this.l2Weight = checkNumber("l2Weight", config.l2Weight ?? 0, nonNegative, "≥ 0");
    this.maxGradNorm =
      config.maxGradNorm === undefined
        ? undefined
        : checkNumber("maxGradNorm", config.maxGradNorm, positive, "a positive number");
    const engine = config.engine ?? "auto";
    if (engine !== "auto" && engine !== "wasm" && engine !== "ts") {
      throw new InvalidOptionError(
        "trainer.engine",
        `trainer.engine must be "auto", "wasm" or "ts", got ${engine}.`,
      );
    }
    this.arena = new Arena(engine, { threads: config.threads ?? true });
    this.mlp = new FusedMlp({ sizes: config.sizes, activation: config.activation }, 1, { arena: this.arena });
    this.inputSize = this.mlp.sizes[0]!;
    this.outputSize = this.mlp.sizes[this.mlp.layers]!;
    this.nvec = config.nvec === undefined ? [this.outputSize] : [...config.nvec];
    if (
      (config.nvec !== undefined && this.gaussian) ||
      !this.nvec.every((n) => Number.isInteger(n) && n >= 1) ||
      this.nvec.reduce((a, n) => a + n, 0) !== this.outputSize
    ) {
      throw new InvalidOptionError(
        "trainer.nvec",
        `trainer.nvec must be positive integers summing to the output width ${this.outputSize} (categorical head only), got [${this.nvec.join(", ")}].`,
      );
    }
    this.shapes = this.mlp.weightShapes();
    this.names = [];
    for (let l = 0; l < this.mlp.layers; l++) this.names.push(`dense_${l}/kernel`, `dense_${l}/bias`);
    if (this.gaussian) {
      this.shapes.push([this.outputSize]);
      this.names.push("log_std");
    }
    const sizes = this.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    this.offsets = [];
    let total = 0;
    for (const size of sizes) {
      this.offsets.push(total);
      total += size;
    }
    this.params = this.arena.slot(total);
    this.grads = this.arena.slot(total);
    this.setWeights(weights);
    this.adam = new FusedAdam(
      sizes,
      {
        learningRate: checkNumber("learningRate", config.learningRate, positive, "a positive number"),
        beta1: checkNumber("beta1", config.beta1 ?? 0.9, unit, "in [0, 1)"),
        beta2: checkNumber("beta2", config.beta2 ?? 0.999, unit, "in [0, 1)"),
        epsilon: checkNumber("epsilon", config.epsilon ?? 1e-8, positive, "a positive number"),
      },
      this.arena,
    );
    this.scratch = new CategoricalScratch(this.nvec);
    this.invStd = new Float64Array(this.outputSize);
  }

  get learningRate(): number {
    return this.adam.learningRate;
  }

  set learningRate(value: number) {
    this.adam.learningRate = checkNumber(
      "learningRate",
      value,
      (v) => Number.isFinite(v) && v > 0,
      "a positive number",
    );
  }

  get stepCount(): number {
    return this.adam.step;
  }

  setData(observations: ArrayLike<number>, actions: ArrayLike<number>): void {
    const count = observations.length / this.inputSize;
    if (!Number.isInteger(count) || count < 1) {
      throw new ShapeMismatchError(
        `setData: ${observations.length} observation values are not a whole number (≥ 1) of rows of ${this.inputSize}.`,
      );
    }
    const actionDim = this.gaussian ? this.outputSize : this.nvec.length;
    if (actions.length !== count * actionDim) {
      throw new ShapeMismatchError(
        `setData: ${count} observations need ${count * actionDim} action values, got ${actions.length}.`,
      );
    }
    if (!this.gaussian) {
      const dims = this.nvec.length;
      for (let i = 0; i < count * dims; i++) {
        const a = actions[i]!;
        const n = this.nvec[i % dims]!;
        if (!Number.isInteger(a) || a < 0 || a >= n) {
          const where = dims === 1 ? `action ${i}` : `action ${Math.floor(i / dims)}, dimension ${i % dims},`;
          throw new ShapeMismatchError(`setData: ${where} is ${a}; expected an integer from 0 to ${n - 1}.`);
        }
      }
    }
    this.data = { x: Float32Array.from(observations), a: Float32Array.from(actions), count };
  }

  step(indices: Int32Array): LossInfo {
    const rows = this.gather(indices);
    const info = this.objective(rows, true);
    const k = this.arena.kernels;
    const n = this.grads.length;
    // Without L2 the gradient is the data term's, whose Σg² the objective took already.
    const squares = this.l2Weight > 0 ? k.sumSquares(this.grads.ptr, n) : this.dataTermSquares;
    if (!Number.isFinite(squares)) {
      const failing = this.firstNonFinite();
      if (failing !== null) throw new NonFiniteGradientError(failing.layer, this.adam.step + 1, failing.term);
    }
    if (this.maxGradNorm !== undefined) {
      // PyTorch's clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when the norm is above maxNorm.
      const factor = Math.min(this.maxGradNorm / (Math.sqrt(squares) + 1e-6), 1);
      if (factor < 1) k.scale(this.grads.ptr, n, factor);
    }
    this.adam.update(this.params.array, this.grads.array);
    return info;
  }

  evaluate(indices: Int32Array): LossInfo {
    return this.objective(this.gather(indices), false);
  }

  forward(inputs: ArrayLike<number>, rows: number): Float64Array {
    if (inputs.length !== rows * this.inputSize) {
      throw new ShapeMismatchError(
        `forward: ${inputs.length} values are not ${rows} rows of ${this.inputSize} inputs.`,
      );
    }
    this.mlp.reserve(rows);
    const x = this.mlp.input;
    for (let i = 0; i < inputs.length; i++) x[i] = inputs[i]!;
    const out = this.mlp.forward(this.params.array, rows);
    const n = rows * this.outputSize;
    if (this.forwardOut.length < n) this.forwardOut = new Float64Array(n);
    const result = this.forwardOut;
    for (let i = 0; i < n; i++) result[i] = out[i]!;
    return result;
  }

  // ALGO LOGIC: the objective and its gradient.

  /** Forward, the loss's parts and (with `withGrad`) the full gradient in `grads`. */
  private objective(rows: number, withGrad: boolean): LossInfo {
    const mlp = this.mlp;
    const stats = this.stats;
    const params = this.params.array;
    const grads = this.grads.array;
    const out = mlp.forward(params, rows);
    const logStdOffset = this.offsets[this.offsets.length - 1]!;
    const gradOut = mlp.outputGrad;
    let entropyTerm = 0;
    if (this.gaussian) {
      const logStd = params.subarray(logStdOffset);
      const gradLogStd = grads.subarray(logStdOffset);
      gaussianNll(
        out,
        rows,
        this.batchTargets,
        logStd,
        this.entropyWeight,
        this.invStd,
        gradOut,
        gradLogStd,
        stats,
      );
      entropyTerm = stats.entropy;
      if (this.lossKind === "mse") {
        const { nll, entropy, probTrueAct } = stats;
        mse(out, rows, this.outputSize, this.batchTargets, gradOut, stats);
        stats.nll = nll;
        stats.entropy = entropy;
        stats.probTrueAct = probTrueAct;
        // Only the MSE of the mean is minimized; the log-std gets no gradient but L2's.
        gradLogStd.fill(0);
      }
    } else {
      categoricalNll(out, rows, this.batchIndices, this.entropyWeight, this.scratch, gradOut, stats);
      entropyTerm = stats.entropy;
    }
    let loss = stats.loss;
    const k = this.arena.kernels;
    const n = this.params.length;
    if (withGrad) {
      mlp.backward(params, rows, grads);
      // L2 runs over every parameter; its gradient joins after the data term's is checked.
      this.dataTermSquares = k.sumSquares(this.grads.ptr, n);
      if (this.l2Weight > 0) k.axpy(this.grads.ptr, this.params.ptr, n, this.l2Weight);
    }
    const l2 = 0.5 * k.sumSquares(this.params.ptr, n);
    if (this.l2Weight > 0) loss += this.l2Weight * l2;
    const info: LossInfo = {
      loss,
      nll: stats.nll,
      entropy: entropyTerm,
      l2,
      probTrueAct: stats.probTrueAct,
    };
    if (this.gaussian) info.mse = stats.mse;
    return info;
  }

  /** Σg² of the data term's gradient, taken before L2's gradient is added (NaN or ∞ if not finite). */
  private dataTermSquares = 0;

  /** The first parameter tensor with a non-finite gradient, and the loss term to blame. */
  private firstNonFinite(): { layer: string; term: string } | null {
    // From the loss backwards: the first tensor found is where back-propagation first met it.
    for (let t = this.names.length - 1; t >= 0; t--) {
      const from = this.offsets[t]!;
      const to = t + 1 < this.offsets.length ? this.offsets[t + 1]! : this.params.length;
      if (allFinite(this.grads.array, from, to)) continue;
      let term: string;
      if (Number.isFinite(this.dataTermSquares)) term = "l2";
      else if (this.lossKind === "mse") term = "mse";
      else if (Number.isFinite(this.stats.nll) && !Number.isFinite(this.stats.entropy)) term = "entropy";
      else term = "nll";
      return { layer: this.names[t]!, term };
    }
    return null;
  }

  // PLUMBING: batches, weights, state.

  /** Copies the indexed rows into the network's input and the action buffers; returns the row count. */
  private gather(indices: Int32Array): number {
    const data = this.data;
    if (data === null) {
      throw new InvalidOptionError(
        "batch",
        "step(indices) gathers rows of setData's data; call setData first.",
      );
    }
    const rows = indices.length;
    if (rows === 0) throw new ShapeMismatchError("The batch of indices is empty.");
    this.mlp.reserve(rows);
    const d = this.inputSize;
    const x = this.mlp.input;
    const actionDim = this.gaussian ? this.outputSize : this.nvec.length;
    if (this.gaussian && this.batchTargets.length < rows * actionDim) {
      this.batchTargets = new Float64Array(rows * actionDim);
    }
    if (!this.gaussian && this.batchIndices.length < rows * actionDim) {
      this.batchIndices = new Int32Array(rows * actionDim);
    }
    for (let r = 0; r < rows; r++) {
      const index = indices[r]!;
      if (index < 0 || index >= data.count) {
        throw new ShapeMismatchError(`Index ${index} is outside the data's ${data.count} rows.`);
      }
      for (let i = 0; i < d; i++) x[r * d + i] = data.x[index * d + i]!;
      if (this.gaussian) {
        for (let i = 0; i < actionDim; i++)
          this.batchTargets[r * actionDim + i] = data.a[index * actionDim + i]!;
      } else {
        for (let i = 0; i < actionDim; i++)
          this.batchIndices[r * actionDim + i] = data.a[index * actionDim + i]!;
      }
    }
    return rows;
  }

  getWeights(): Float32Array[] {
    return this.shapes.map((_, t) => {
      const from = this.offsets[t]!;
      const to = t + 1 < this.offsets.length ? this.offsets[t + 1]! : this.params.length;
      return this.params.array.slice(from, to);
    });
  }

  setWeights(weights: readonly ArrayLike<number>[]): void {
    if (weights.length !== this.shapes.length) {
      throw new ShapeMismatchError(
        `setWeights: expected ${this.shapes.length} arrays (${this.names.join(", ")}), got ${weights.length}.`,
      );
    }
    weights.forEach((w, t) => {
      const shape = this.shapes[t]!;
      const size = shape.reduce((a, b) => a * b, 1);
      if (w?.length !== size) {
        throw new ShapeMismatchError(
          `setWeights: ${this.names[t]} has shape [${shape.join(", ")}] (${size} values); got ${w?.length} values.`,
        );
      }
    });
    const params = this.params.array;
    weights.forEach((w, t) => {
      params.set(w, this.offsets[t]!);
    });
  }

  getState(): TrainerState {
    return this.adam.getState();
  }

  setState(state: TrainerState): void {
    this.adam.setState(state);
  }
}

function allFinite(values: Float32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    // v − v is 0 for finite v and NaN for NaN and ±Infinity.
    if (values[i]! - values[i]! !== 0) return false;
  }
  return true;
}
