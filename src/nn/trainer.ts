/**
 * @module
 * Supervised training of a policy on (observation, action) pairs: the update step that behavior
 * cloning and DAgger share. Tensors stay in here; callers pass and get back plain numbers.
 *
 * The loss is `imitation`'s BC loss (`imitation/algorithms/bc.py`, `BehaviorCloningLossCalculator`),
 * averaged over the batch:
 *
 *     loss = −mean log π(a | s) − entropyWeight · mean H(π(· | s)) + l2Weight · ½ Σ‖w‖²
 *
 * where the L2 term runs over every parameter (log-std included) and, as in `imitation`, carries
 * a ½ so that its gradient is `l2Weight · w`. With `loss: "mse"` (Box actions only) the first
 * term is the mean squared error between the Gaussian's mean and the action, and the entropy term
 * is left out: the log-std would otherwise grow without bound, as nothing else pulls on it.
 *
 * The optimizer is Adam written out here (PyTorch's update rule, with bias corrections computed in
 * float64 from the step count) rather than `tf.train.adam`, whose restored state recomputes
 * β^t with `pow` and so drifts from an uninterrupted run in the last bits. `getState` /
 * `setState` carry the step count and both moments exactly, so resuming from a checkpoint
 * reproduces the uninterrupted run bit for bit. A non-finite gradient throws
 * `NonFiniteGradientError` (tensor, step, loss term) before anything is updated.
 *
 * This is the tfjs engine's trainer. `NeuralPolicy.createTrainer` uses the fused one
 * (`src/nn/fused/`, same objective, Adam and state) by default; this one is the reference and
 * trains the heads the fused path does not have.
 */
import { InvalidOptionError, NonFiniteGradientError, ShapeMismatchError } from "../core/errors.js";
import { decodeFloat32, encodeFloat32 } from "./base64.js";
import type { ActionHead } from "./distributions.js";
import { tf } from "./engine.js";

export type LossKind = "nll" | "mse";

/**
 * What runs a policy's training steps: `fused`, the plain-TypeScript path of `src/nn/fused/`
 * (the default), or `tfjs`, this file's trainer on the tensor engine (the reference, and the one
 * for heads the fused path does not have).
 */
export type TrainerEngine = "fused" | "tfjs";

export interface TrainerOptions {
  /** Adam's step size. */
  learningRate: number;
  /** Weight of the entropy bonus (default 1e-3, as `imitation`'s BC). */
  entropyWeight?: number;
  /** Weight of the ½‖w‖² penalty over all parameters (default 0). */
  l2Weight?: number;
  /** Negative log-likelihood (default), or mean squared error of the mean (Box actions only). */
  loss?: LossKind;
  /** Rescale the gradient when its global L2 norm is above this (PyTorch's `clip_grad_norm_`). */
  maxGradNorm?: number;
  /** Adam's β₁ (default 0.9). */
  beta1?: number;
  /** Adam's β₂ (default 0.999). */
  beta2?: number;
  /** Adam's ε (default 1e-8). */
  epsilon?: number;
}

/** What one step or evaluation measured, averaged over the batch. */
export interface LossInfo {
  /** The minimized objective. */
  loss: number;
  /** −mean log π(a | s). */
  nll: number;
  /** Mean squared error between the Gaussian's mean and the action (Box actions only). */
  mse?: number;
  /** Mean entropy of the action distribution. */
  entropy: number;
  /** ½ Σ‖w‖² over all parameters (before the update). */
  l2: number;
  /** mean π(a | s), as `imitation` logs it (`prob_true_act`). */
  probTrueAct: number;
}

/** A batch of flat rows: `size × observationDim` observations and `size × actionDim` actions. */
export interface TrainingBatch {
  observations: ArrayLike<number>;
  actions: ArrayLike<number>;
  size: number;
}

/** The optimizer's full state, JSON-serializable. Moments are base64 float32 (little-endian). */
export interface TrainerState {
  format: "mimic-adam";
  version: 1;
  /** Updates taken so far (Adam's t). */
  step: number;
  learningRate: number;
  /** Per parameter tensor, in `getWeights` order. */
  moments: { size: number; m: string; v: string }[];
}

export interface PolicyTrainer {
  /** The engine that runs the steps. */
  readonly engine: TrainerEngine;
  /** The step size of the next updates; may be changed between steps (schedules). */
  learningRate: number;
  /** Updates taken so far. */
  readonly stepCount: number;
  /**
   * Uploads a data set once (`count × observationDim` observations, `count × actionDim` actions),
   * so that `step(indices)` and `evaluate(indices)` gather minibatches on the engine side.
   */
  setData(observations: ArrayLike<number>, actions: ArrayLike<number>): void;
  /** One Adam update on a batch, or on rows of the data given to `setData`. */
  step(batch: TrainingBatch | Int32Array): LossInfo;
  /** The loss on a batch without updating anything. */
  evaluate(batch: TrainingBatch | Int32Array): LossInfo;
  getState(): TrainerState;
  setState(state: TrainerState): void;
  /** Frees the optimizer's moments and the uploaded data (not the policy). */
  dispose(): void;
}

/** What the trainer needs from a network; `NeuralPolicy` provides it. */
export interface TrainableNetwork {
  /** Every trainable variable, in `getWeights` order. */
  readonly variables: readonly tf.Variable[];
  readonly head: ActionHead;
  /** Numbers per observation in a flat batch. */
  readonly observationDim: number;
  /** Width of the network's input. */
  readonly inputSize: number;
  /** Flat observations to normalized network inputs. */
  encodeObservations(observations: ArrayLike<number>, count: number): Float32Array;
  /** Network outputs (the head's parameters) for a batch of inputs. */
  forward(x: tf.Tensor2D): tf.Tensor2D;
  /** Called after every update, so cached copies of the weights are refreshed. */
  weightsChanged(): void;
  /** Called before the variables are read, so weights held elsewhere (a fused trainer's) are copied in. */
  syncWeights?(): void;
}

/** Where the loss's parts sit in the vector read back after each step. */
const LOSS = 0;
const NLL = 1;
const ENTROPY = 2;
const L2 = 3;
const PROB = 4;
const MSE = 5;

export function createTrainer(net: TrainableNetwork, options: TrainerOptions): PolicyTrainer {
  return new AdamTrainer(net, options);
}

function checkNumber(name: string, value: number, ok: (v: number) => boolean, rule: string): number {
  if (typeof value !== "number" || !ok(value)) {
    throw new InvalidOptionError(`trainer.${name}`, `trainer.${name} must be ${rule}, got ${value}.`);
  }
  return value;
}

class AdamTrainer implements PolicyTrainer {
  readonly engine = "tfjs" as const;
  private readonly net: TrainableNetwork;
  private readonly lossKind: LossKind;
  private readonly entropyWeight: number;
  private readonly l2Weight: number;
  private readonly maxGradNorm: number | undefined;
  private readonly beta1: number;
  private readonly beta2: number;
  private lr: number;
  private t = 0;
  /** Adam's moments over all parameters, flattened in `getWeights` order. */
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** Numbers per parameter tensor. */
  private readonly sizes: number[];
  /** β₁, 1 − β₁, β₂, 1 − β₂ and ε as engine scalars, made once. */
  private readonly constants: tf.Scalar[];
  private data: { x: tf.Tensor2D; a: tf.Tensor2D; count: number } | null = null;
  private disposed = false;

  constructor(net: TrainableNetwork, options: TrainerOptions) {
    this.net = net;
    const positive = (v: number) => Number.isFinite(v) && v > 0;
    const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
    const unit = (v: number) => Number.isFinite(v) && v >= 0 && v < 1;
    this.lr = checkNumber("learningRate", options.learningRate, positive, "a positive number");
    this.entropyWeight = checkNumber("entropyWeight", options.entropyWeight ?? 1e-3, nonNegative, "≥ 0");
    this.l2Weight = checkNumber("l2Weight", options.l2Weight ?? 0, nonNegative, "≥ 0");
    this.maxGradNorm =
      options.maxGradNorm === undefined
        ? undefined
        : checkNumber("maxGradNorm", options.maxGradNorm, positive, "a positive number");
    this.beta1 = checkNumber("beta1", options.beta1 ?? 0.9, unit, "in [0, 1)");
    this.beta2 = checkNumber("beta2", options.beta2 ?? 0.999, unit, "in [0, 1)");
    const epsilon = checkNumber("epsilon", options.epsilon ?? 1e-8, positive, "a positive number");
    this.lossKind = options.loss ?? "nll";
    if (this.lossKind !== "nll" && this.lossKind !== "mse") {
      throw new InvalidOptionError(
        "trainer.loss",
        `trainer.loss must be "nll" or "mse", got ${this.lossKind}.`,
      );
    }
    if (this.lossKind === "mse" && net.head.kind !== "gaussian") {
      throw new InvalidOptionError(
        "trainer.loss",
        `trainer.loss "mse" needs a Box action space; this policy's head is ${net.head.kind}. Use "nll".`,
      );
    }
    this.sizes = net.variables.map((w) => w.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const zeros = () => {
      const initial = tf.zeros([total]);
      const moment = tf.variable(initial, false);
      initial.dispose();
      return moment;
    };
    this.m = zeros();
    this.v = zeros();
    this.constants = [this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, epsilon].map((c) =>
      tf.scalar(c),
    );
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = checkNumber("learningRate", value, (v) => Number.isFinite(v) && v > 0, "a positive number");
  }

  get stepCount(): number {
    return this.t;
  }

  setData(observations: ArrayLike<number>, actions: ArrayLike<number>): void {
    this.checkAlive();
    const count = observations.length / this.net.observationDim;
    if (!Number.isInteger(count) || count < 1) {
      throw new ShapeMismatchError(
        `setData: ${observations.length} observation values are not a whole number (≥ 1) of rows of ${this.net.observationDim}.`,
      );
    }
    const x = this.net.encodeObservations(observations, count);
    const a = this.net.head.encodeActions(actions, count);
    this.clearData();
    this.data = {
      x: tf.tensor2d(x, [count, this.net.inputSize], "float32"),
      a: tf.tensor2d(a, [count, this.net.head.encodedSize], "float32"),
      count,
    };
  }

  step(batch: TrainingBatch | Int32Array): LossInfo {
    this.checkAlive();
    this.net.syncWeights?.();
    const [x, a] = this.upload(batch);
    try {
      const vars = this.net.variables;
      let kept: tf.Tensor1D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const [loss, summary] = this.objective(x, a);
        kept = tf.keep(summary);
        return loss;
      }, vars as tf.Variable[]);
      value.dispose();
      const gradients = vars.map((v) => grads[v.name] ?? null);
      // One read gives the loss's parts and, per parameter tensor, whether its gradient is finite.
      const summary = kept as unknown as tf.Tensor1D;
      const values = tf.tidy(() =>
        tf.concat([
          summary,
          ...gradients.map((g) =>
            g ? tf.reshape(tf.cast(tf.all(tf.isFinite(g)), "float32"), [1]) : tf.ones([1]),
          ),
        ]),
      );
      const read = values.dataSync();
      values.dispose();
      summary.dispose();
      const parts = read.length - gradients.length;
      const info = this.toLossInfo(read.subarray(0, parts));
      const failing = this.firstNonFinite(read.subarray(parts), info);
      if (failing !== null) {
        for (const g of gradients) g?.dispose();
        throw new NonFiniteGradientError(failing.layer, this.t + 1, failing.term);
      }
      this.t += 1;
      tf.tidy(() => this.update(gradients));
      for (const g of gradients) g?.dispose();
      this.net.weightsChanged();
      return info;
    } finally {
      x.dispose();
      a.dispose();
    }
  }

  evaluate(batch: TrainingBatch | Int32Array): LossInfo {
    this.checkAlive();
    this.net.syncWeights?.();
    const [x, a] = this.upload(batch);
    try {
      return this.read(tf.tidy(() => this.objective(x, a)[1]));
    } finally {
      x.dispose();
      a.dispose();
    }
  }

  // ALGO LOGIC: the objective, and one Adam update.

  /** The scalar loss and the vector [loss, nll, entropy, l2, probTrueAct, mse?]. */
  private objective(x: tf.Tensor2D, a: tf.Tensor2D): [tf.Scalar, tf.Tensor1D] {
    const head = this.net.head;
    const params = this.net.forward(x);
    const [logProb, entropies] = head.logProbAndEntropy(params, a);
    const nll = tf.neg(tf.mean(logProb)) as tf.Scalar;
    const entropy = tf.mean(entropies) as tf.Scalar;
    const l2 = tf.mul(tf.sum(tf.square(flatten(this.net.variables))), 0.5) as tf.Scalar;
    const mse = head.kind === "gaussian" ? (tf.mean(tf.squaredDifference(params, a)) as tf.Scalar) : null;
    let loss = this.lossKind === "mse" ? mse! : nll;
    if (this.entropyWeight > 0 && this.lossKind === "nll")
      loss = tf.sub(loss, tf.mul(entropy, this.entropyWeight));
    if (this.l2Weight > 0) loss = tf.add(loss, tf.mul(l2, this.l2Weight));
    const parts = [loss, nll, entropy, l2, tf.mean(tf.exp(logProb)) as tf.Scalar];
    if (mse) parts.push(mse);
    return [loss, tf.stack(parts) as tf.Tensor1D];
  }

  /**
   * PyTorch's Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
   * w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
   * All parameters are updated as one flat vector (a few ops instead of a dozen per tensor); a
   * parameter without a gradient (the log-std under the MSE loss) gets a zero gradient.
   */
  private update(gradients: (tf.Tensor | null)[]): void {
    const [beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon] = this.constants as [
      tf.Scalar,
      tf.Scalar,
      tf.Scalar,
      tf.Scalar,
      tf.Scalar,
    ];
    const vars = this.net.variables;
    let g = flatten(gradients.map((grad, i) => grad ?? tf.zerosLike(vars[i]!)));
    if (this.maxGradNorm !== undefined) {
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      g = tf.mul(g, tf.minimum(tf.div(this.maxGradNorm, tf.add(norm, 1e-6)), 1));
    }
    const m = tf.add(tf.mul(this.m, beta1), tf.mul(g, oneMinusBeta1));
    const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), oneMinusBeta2));
    this.m.assign(m);
    this.v.assign(v);
    const stepSize = -this.lr / (1 - this.beta1 ** this.t);
    const correction2 = Math.sqrt(1 - this.beta2 ** this.t);
    const denominator = tf.add(tf.div(tf.sqrt(v), tf.scalar(correction2)), epsilon);
    const delta = tf.mul(tf.div(m, denominator), tf.scalar(stepSize));
    const parts = tf.split(delta, this.sizes);
    vars.forEach((w, i) => {
      w.assign(tf.add(w, tf.reshape(parts[i]!, w.shape)));
    });
  }

  // PLUMBING: batches in, numbers out, state.

  private upload(batch: TrainingBatch | Int32Array): [tf.Tensor2D, tf.Tensor2D] {
    if (batch instanceof Int32Array) {
      const data = this.data;
      if (data === null) {
        throw new InvalidOptionError(
          "batch",
          "step(indices) gathers rows of setData's data; call setData first.",
        );
      }
      if (batch.length === 0) throw new ShapeMismatchError("The batch of indices is empty.");
      for (let i = 0; i < batch.length; i++) {
        const index = batch[i]!;
        if (index < 0 || index >= data.count) {
          throw new ShapeMismatchError(`Index ${index} is outside the data's ${data.count} rows.`);
        }
      }
      return tf.tidy(() => {
        const indices = tf.tensor1d(batch, "int32");
        return [tf.gather(data.x, indices), tf.gather(data.a, indices)];
      });
    }
    const { observations, actions, size } = batch;
    if (!Number.isInteger(size) || size < 1) {
      throw new ShapeMismatchError(`batch.size must be a positive integer, got ${size}.`);
    }
    if (observations.length !== size * this.net.observationDim) {
      throw new ShapeMismatchError(
        `batch.observations has ${observations.length} values; ${size} rows of ${this.net.observationDim} need ${size * this.net.observationDim}.`,
      );
    }
    const x = this.net.encodeObservations(observations, size);
    const a = this.net.head.encodeActions(actions, size);
    return [
      tf.tensor2d(x, [size, this.net.inputSize], "float32"),
      tf.tensor2d(a, [size, this.net.head.encodedSize], "float32"),
    ];
  }

  private read(summary: tf.Tensor1D): LossInfo {
    const values = summary.dataSync();
    summary.dispose();
    return this.toLossInfo(values);
  }

  /**
   * The first parameter tensor (from the loss backwards, as the fused trainer reports it) whose
   * gradient is not finite, and the loss term to blame; null when every gradient is finite.
   */
  private firstNonFinite(finite: ArrayLike<number>, info: LossInfo): { layer: string; term: string } | null {
    const gaussian = this.net.head.kind === "gaussian";
    const mlpTensors = finite.length - (gaussian ? 1 : 0);
    for (let t = finite.length - 1; t >= 0; t--) {
      if (finite[t] === 1) continue;
      const layer =
        t >= mlpTensors ? "log_std" : `dense_${Math.floor(t / 2)}/${t % 2 === 0 ? "kernel" : "bias"}`;
      let term: string;
      if (this.lossKind === "mse" && !Number.isFinite(info.mse ?? 0)) term = "mse";
      else if (!Number.isFinite(info.nll)) term = "nll";
      else if (!Number.isFinite(info.entropy)) term = "entropy";
      else if (this.l2Weight > 0 && !Number.isFinite(info.l2)) term = "l2";
      else term = this.lossKind;
      return { layer, term };
    }
    return null;
  }

  private toLossInfo(values: ArrayLike<number>): LossInfo {
    const info: LossInfo = {
      loss: values[LOSS]!,
      nll: values[NLL]!,
      entropy: values[ENTROPY]!,
      l2: values[L2]!,
      probTrueAct: values[PROB]!,
    };
    if (values.length > MSE) info.mse = values[MSE]!;
    return info;
  }

  getState(): TrainerState {
    this.checkAlive();
    const m = this.m.dataSync() as Float32Array;
    const v = this.v.dataSync() as Float32Array;
    let offset = 0;
    const moments = this.sizes.map((size) => {
      const entry = {
        size,
        m: encodeFloat32(m.subarray(offset, offset + size)),
        v: encodeFloat32(v.subarray(offset, offset + size)),
      };
      offset += size;
      return entry;
    });
    return { format: "mimic-adam", version: 1, step: this.t, learningRate: this.lr, moments };
  }

  setState(state: TrainerState): void {
    this.checkAlive();
    const bad = (why: string) => new InvalidOptionError("state", `setState: ${why}`);
    if (state?.format !== "mimic-adam" || state.version !== 1) {
      throw bad('not a mimic Adam state (expected format "mimic-adam", version 1).');
    }
    if (!Number.isSafeInteger(state.step) || state.step < 0)
      throw bad(`step must be a count, got ${state.step}.`);
    if (!Array.isArray(state.moments) || state.moments.length !== this.sizes.length) {
      throw bad(`expected moments for ${this.sizes.length} parameter tensors, got ${state.moments?.length}.`);
    }
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const m = new Float32Array(total);
    const v = new Float32Array(total);
    let offset = 0;
    state.moments.forEach((entry, i) => {
      const size = this.sizes[i]!;
      const mi = decodeFloat32(entry?.m);
      const vi = decodeFloat32(entry?.v);
      if (mi === null || vi === null || mi.length !== size || vi.length !== size) {
        throw bad(`moments[${i}] should hold ${size} float32 values each for m and v.`);
      }
      m.set(mi, offset);
      v.set(vi, offset);
      offset += size;
    });
    this.learningRate = state.learningRate;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(m, "float32"));
      this.v.assign(tf.tensor1d(v, "float32"));
    });
    this.t = state.step;
  }

  private clearData(): void {
    if (this.data) {
      this.data.x.dispose();
      this.data.a.dispose();
      this.data = null;
    }
  }

  private checkAlive(): void {
    if (this.disposed) throw new InvalidOptionError("trainer", "This trainer was disposed.");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearData();
    for (const t of [this.m, this.v, ...this.constants]) t.dispose();
  }
}

/** The tensors' values end to end, as one vector. */
function flatten(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.concat(tensors.map((t) => tf.reshape(t, [-1]) as tf.Tensor1D));
}
