/**
 * @module
 * `RecurrentPolicy`: a GRU over the episode's recent observations, then an MLP head with a
 * categorical action distribution. It is robomimic's BC-RNN layout (an RNN encoder, then an MLP
 * to the action; `robomimic/models/policy_nets.py`, `RNNActorNetwork`) on the fused engine.
 *
 * What the network sees: the last `window` observations of the episode, oldest first, normalized,
 * with the episode's first observation repeated in front while fewer than `window` exist
 * (Gymnasium's `FrameStackObservation` padding). The GRU starts from zero at the window's first
 * step, in training and in acting alike, so acting feeds the network exactly the kind of input it
 * was trained on. robomimic instead carries the hidden state and resets it every `rnn_horizon`
 * steps; a window never drifts from what was trained and costs `window` GRU steps per action,
 * which at these sizes is microseconds.
 *
 * Training (`trainStep`) takes minibatches of windows and expert actions and minimizes the
 * categorical negative log-likelihood (BC's loss) with Adam (`FusedAdam`); the head's weights
 * start as `initMlpWeights` draws them (Glorot, output layer scaled by 0.01), the GRU's as
 * PyTorch's. Saving writes one JSON
 * file (config and weights, base64 float32), atomically.
 */
import { InvalidOptionError, PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import { Box, Discrete, type Space, type SpaceJson, spaceFromJSON } from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import { decodeFloat32, encodeFloat32 } from "./base64.js";
import {
  argmax,
  checkDiscreteActions,
  checkFiniteGradients,
  readPolicyJson,
  sampleLogits,
} from "./categorical-act.js";
import { FusedAdam } from "./fused/adam.js";
import { Arena, type F32Slot, type FusedEngine } from "./fused/arena.js";
import { CategoricalScratch, categoricalNll, createLossStats, type LossStats } from "./fused/losses.js";
import { FusedMlp } from "./fused/mlp.js";
import { Gru } from "./layers/gru.js";
import { gruToOnnx } from "./layers/onnx.js";
import { initMlpWeights } from "./mlp.js";
import { encodeModel, FLOAT, INT64, type Initializer, type Node, valueInfo } from "./onnx-proto.js";
import type { TrainerState } from "./trainer.js";

const MIN_STD = 1e-8;
const FORMAT = "mimic-recurrent-policy";

export interface RecurrentPolicyOptions {
  observationSpace: Space;
  actionSpace: Space;
  envId: string;
  /** Observations the GRU reads per action (default 8). */
  window?: number;
  /** GRU hidden units (default 32). */
  gruHidden?: number;
  /** Hidden widths of the MLP head after the GRU (default [64]). */
  hidden?: readonly number[];
  /** Per-dimension observation statistics: inputs are `(obs − mean) / max(std, 1e-8)`. */
  normalization?: { mean: ArrayLike<number>; std: ArrayLike<number> };
  /** Adam's step size (default 1e-3). */
  learningRate?: number;
  /** Seeds the initial weights and the fallback sampling stream. */
  seed?: number | bigint;
  /** Kernels (default `auto`: WebAssembly SIMD where available). */
  engine?: FusedEngine;
}

interface RecurrentPolicyFile {
  format: typeof FORMAT;
  formatVersion: 1;
  mimicVersion: string;
  envId: string;
  observationSpace: SpaceJson;
  actionSpace: SpaceJson;
  window: number;
  gruHidden: number;
  hidden: number[];
  normalization: { mean: number[]; std: number[] } | null;
  learningRate: number;
  /** Flat parameters, base64 float32: the GRU's (`Gru` order), then the MLP head's. */
  weights: string;
}

export class RecurrentPolicy implements Policy<ArrayLike<number>, number> {
  readonly name = "bc-rnn";
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly envId: string;
  readonly window: number;
  readonly gruHidden: number;
  readonly hidden: readonly number[];
  readonly normalization: { readonly mean: readonly number[]; readonly std: readonly number[] } | null;
  readonly obsDim: number;
  readonly parameterCount: number;
  private readonly arena: Arena;
  private readonly gru: Gru;
  private readonly head: FusedMlp;
  private readonly params: F32Slot;
  private readonly grads: F32Slot;
  private readonly adam: FusedAdam;
  private readonly scratch: CategoricalScratch;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;
  private capacity = 0;
  private input!: F32Slot;
  private dHidden!: F32Slot;
  private actionBuffer = new Int32Array(0);
  /** The episode so far, normalized, for `act` (the last `window` observations). */
  private history: Float32Array[] = [];
  private readonly fallbackRng: Rng;

  constructor(options: RecurrentPolicyOptions) {
    const { observationSpace, actionSpace } = options;
    if (!(observationSpace instanceof Box) || observationSpace.shape.length !== 1) {
      throw new InvalidOptionError(
        "observationSpace",
        `A recurrent policy reads flat Box observations; got ${observationSpace}. Flatten the observation first.`,
      );
    }
    if (!(actionSpace instanceof Discrete)) {
      throw new InvalidOptionError(
        "actionSpace",
        `A recurrent policy has a categorical head, for Discrete actions; got ${actionSpace}.`,
      );
    }
    const window = options.window ?? 8;
    const gruHidden = options.gruHidden ?? 32;
    const hidden = [...(options.hidden ?? [64])];
    for (const [name, v] of [
      ["window", window],
      ["gruHidden", gruHidden],
      ...hidden.map((h) => ["hidden", h] as const),
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new InvalidOptionError(name, `${name} must be a positive integer, got ${v}.`);
      }
    }
    const learningRate = options.learningRate ?? 1e-3;
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
      throw new InvalidOptionError(
        "learningRate",
        `learningRate must be a positive number, got ${learningRate}.`,
      );
    }
    this.observationSpace = observationSpace;
    this.actionSpace = actionSpace;
    this.envId = options.envId;
    this.window = window;
    this.gruHidden = gruHidden;
    this.hidden = hidden;
    this.obsDim = observationSpace.size;
    const norm = options.normalization;
    if (norm !== undefined && (norm.mean.length !== this.obsDim || norm.std.length !== this.obsDim)) {
      throw new ShapeMismatchError(
        `normalization has ${norm.mean.length} means and ${norm.std.length} stds; the observation space ${observationSpace} needs ${this.obsDim} of each.`,
      );
    }
    this.normalization = norm ? { mean: Array.from(norm.mean), std: Array.from(norm.std) } : null;
    this.mean = Float64Array.from(this.normalization?.mean ?? new Array(this.obsDim).fill(0));
    this.invStd = Float64Array.from(
      this.normalization?.std ?? new Array(this.obsDim).fill(1),
      (s) => 1 / Math.max(s, MIN_STD),
    );
    this.arena = new Arena(options.engine ?? "auto");
    this.gru = new Gru({ arena: this.arena, steps: window, inputFeatures: this.obsDim, hidden: gruHidden });
    this.head = new FusedMlp({ sizes: [gruHidden, ...hidden, actionSpace.n], activation: "tanh" }, 1, {
      arena: this.arena,
    });
    this.parameterCount = this.gru.parameterCount + this.head.parameterCount;
    this.params = this.arena.slot(this.parameterCount);
    this.grads = this.arena.slot(this.parameterCount);
    const rng = rngFromSeed(options.seed ?? 0);
    this.gru.init(this.params.array.subarray(0, this.gru.parameterCount), rng);
    const headWeights = initMlpWeights(
      { inputSize: gruHidden, hiddenSizes: hidden, outputSize: actionSpace.n, activation: "tanh" },
      rng,
    );
    let offset = this.gru.parameterCount;
    for (const w of headWeights) {
      this.params.array.set(w, offset);
      offset += w.length;
    }
    this.adam = new FusedAdam([this.parameterCount], { learningRate }, this.arena);
    this.scratch = new CategoricalScratch([actionSpace.n]);
    this.fallbackRng = rng.spawn();
    this.reserve(1);
  }

  /** Adam's step size. */
  get learningRate(): number {
    return this.adam.learningRate;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.gru.reserve(rows);
    this.head.reserve(rows);
    this.input = this.arena.slot(rows * this.gru.inputSize);
    this.dHidden = this.arena.slot(rows * this.gruHidden);
    this.actionBuffer = new Int32Array(rows);
  }

  private headParams(): Float32Array {
    return this.params.array.subarray(this.gru.parameterCount);
  }

  /**
   * Logits `[rows, n]` for `rows` windows (`[rows, window·obsDim]`, raw observations); the array
   * is reused by the next call.
   */
  logits(windows: ArrayLike<number>, rows: number): Float32Array {
    return this.forward(windows, rows);
  }

  private forward(windows: ArrayLike<number>, rows: number): Float32Array {
    this.reserve(rows);
    const width = this.gru.inputSize;
    if (windows.length < rows * width) {
      throw new ShapeMismatchError(
        `RecurrentPolicy: ${rows} windows of ${this.window} × ${this.obsDim} observations need ${rows * width} numbers, got ${windows.length}.`,
      );
    }
    const x = this.input.array;
    const d = this.obsDim;
    for (let i = 0; i < rows * width; i++) {
      const j = i % d;
      x[i] = (windows[i]! - this.mean[j]!) * this.invStd[j]!;
    }
    const h = this.gru.forward(this.params.ptr, this.input, rows);
    this.head.input.set(h.array.subarray(0, rows * this.gruHidden));
    return this.head.forward(this.headParams(), rows);
  }

  /**
   * One Adam step on a minibatch: `windows` `[rows, window·obsDim]` (raw observations, oldest
   * first), `actions` the expert's. Returns the loss statistics (NLL, entropy, π(a|s)).
   */
  trainStep(windows: ArrayLike<number>, actions: ArrayLike<number>, rows: number): LossStats {
    const logits = this.forward(windows, rows);
    const acts = this.checkActions(actions, rows);
    const stats = createLossStats();
    categoricalNll(logits, rows, acts, 0, this.scratch, this.head.outputGrad, stats);
    const g = this.grads.array;
    this.head.backward(this.headParams(), rows, g.subarray(this.gru.parameterCount), true);
    this.dHidden.array.set(this.head.inputGrad.subarray(0, rows * this.gruHidden));
    this.gru.backward(this.params.ptr, this.grads.ptr, this.dHidden, rows, false);
    checkFiniteGradients("RecurrentPolicy", this.arena, this.grads, this.parameterCount);
    this.adam.update(this.params.array, this.grads.array);
    return stats;
  }

  /** The loss on a batch without training (validation). */
  loss(windows: ArrayLike<number>, actions: ArrayLike<number>, rows: number): LossStats {
    const logits = this.forward(windows, rows);
    const stats = createLossStats();
    categoricalNll(
      logits,
      rows,
      this.checkActions(actions, rows),
      0,
      this.scratch,
      this.head.outputGrad,
      stats,
    );
    return stats;
  }

  private checkActions(actions: ArrayLike<number>, rows: number): Int32Array {
    return checkDiscreteActions("RecurrentPolicy", actions, rows, this.actionSpace.n, this.actionBuffer);
  }

  /** The most likely action for one window (`[window·obsDim]`, raw observations, oldest first). */
  predict(window: ArrayLike<number>): number {
    return argmax(this.forward(window, 1), this.actionSpace.n);
  }

  /** Starts a new episode: forgets the observation history. */
  reset(): void {
    this.history = [];
  }

  act(observation: ArrayLike<number>, options: ActOptions = {}): number {
    if (observation.length !== this.obsDim) {
      throw new ShapeMismatchError(
        `RecurrentPolicy.act: the observation has ${observation.length} numbers; ${this.envId}'s space ${this.observationSpace} has ${this.obsDim}.`,
      );
    }
    this.history.push(Float32Array.from(observation));
    if (this.history.length > this.window) this.history.shift();
    const windowed = historyWindow(this.history, this.window, this.obsDim);
    if (options.deterministic ?? false) return this.predict(windowed);
    return sampleLogits(this.forward(windowed, 1), this.actionSpace.n, options.rng ?? this.fallbackRng);
  }

  /** The flat parameters (a copy). */
  getWeights(): Float32Array {
    return this.params.array.slice();
  }

  setWeights(weights: ArrayLike<number>): void {
    if (weights.length !== this.parameterCount) {
      throw new ShapeMismatchError(
        `RecurrentPolicy.setWeights: expected ${this.parameterCount} parameters, got ${weights.length}.`,
      );
    }
    this.params.array.set(weights);
  }

  /** Adam's state (step count and both moments, exactly), for a checkpoint. */
  getOptimizerState(): TrainerState {
    return this.adam.getState();
  }

  /** Restores Adam's state from `getOptimizerState`, so training continues bit for bit. */
  setOptimizerState(state: TrainerState): void {
    this.adam.setState(state);
  }

  toJSON(): RecurrentPolicyFile {
    return {
      format: FORMAT,
      formatVersion: 1,
      mimicVersion: VERSION,
      envId: this.envId,
      observationSpace: this.observationSpace.toJSON(),
      actionSpace: this.actionSpace.toJSON(),
      window: this.window,
      gruHidden: this.gruHidden,
      hidden: [...this.hidden],
      normalization: this.normalization
        ? { mean: [...this.normalization.mean], std: [...this.normalization.std] }
        : null,
      learningRate: this.adam.learningRate,
      weights: encodeFloat32(this.params.array),
    };
  }

  /**
   * The policy as an ONNX model (opset 13): input `observations` float32 `[batch, window,
   * obsDim]` (the last `window` raw observations, oldest first, padded as `historyWindow` does),
   * outputs `action` int64 `[batch]` (the most likely) and `probabilities` float32 `[batch, n]`.
   * The GRU is ONNX's `GRU` (`layers/onnx.ts`); the head is `Gemm` and `Tanh` as in `onnx.ts`.
   */
  toOnnx(): Uint8Array {
    const { window: T, obsDim: F } = this;
    const params = this.params.array.slice();
    const initializers: Initializer[] = [
      { name: "obs_mean", dims: [F], type: FLOAT, values: this.mean },
      { name: "obs_inv_std", dims: [F], type: FLOAT, values: this.invStd },
      { name: "flat_shape", dims: [2], type: INT64, values: [0, T * F] },
    ];
    const nodes: Node[] = [
      { op: "Sub", inputs: ["observations", "obs_mean"], outputs: ["obs_centered"] },
      { op: "Mul", inputs: ["obs_centered", "obs_inv_std"], outputs: ["obs_normalized"] },
      { op: "Reshape", inputs: ["obs_normalized", "flat_shape"], outputs: ["windows"] },
    ];
    const gru = gruToOnnx(this.gru, params.subarray(0, this.gru.parameterCount), "windows", "gru");
    nodes.push(...gru.nodes);
    initializers.push(...gru.initializers);
    let x = gru.output;
    const head = params.subarray(this.gru.parameterCount);
    const sizes = this.head.sizes;
    for (let l = 0; l < this.head.layers; l++) {
      const k = this.head.kernelOffsets[l]!;
      const b = this.head.biasOffsets[l]!;
      initializers.push(
        {
          name: `dense_${l}/kernel`,
          dims: [sizes[l]!, sizes[l + 1]!],
          type: FLOAT,
          values: head.subarray(k, k + sizes[l]! * sizes[l + 1]!),
        },
        {
          name: `dense_${l}/bias`,
          dims: [sizes[l + 1]!],
          type: FLOAT,
          values: head.subarray(b, b + sizes[l + 1]!),
        },
      );
      const last = l + 1 === this.head.layers;
      const z = last ? "logits" : `dense_${l}`;
      nodes.push({ op: "Gemm", inputs: [x, `dense_${l}/kernel`, `dense_${l}/bias`], outputs: [z] });
      if (!last) {
        x = `hidden_${l}`;
        nodes.push({ op: "Tanh", inputs: [z], outputs: [x] });
      }
    }
    nodes.push(
      { op: "ArgMax", inputs: ["logits"], outputs: ["action"], ints: { axis: 1, keepdims: 0 } },
      { op: "Softmax", inputs: ["logits"], outputs: ["probabilities"], ints: { axis: 1 } },
    );
    return encodeModel({
      nodes,
      initializers,
      inputs: [valueInfo("observations", FLOAT, ["batch", T, F])],
      outputs: [
        valueInfo("action", INT64, ["batch"]),
        valueInfo("probabilities", FLOAT, ["batch", this.actionSpace.n]),
      ],
      doc: `A mimic recurrent policy (BC-RNN) for ${this.envId}: the last ${T} raw observations in, the deterministic action out.`,
      metadata: { env_id: this.envId, window: String(T) },
    });
  }

  /** Writes the ONNX model (`toOnnx`) to `path`, atomically. */
  async exportOnnx(path: string): Promise<void> {
    await writeFileAtomic(path, this.toOnnx());
  }

  /** Writes the policy to one JSON file, atomically. */
  async save(path: string): Promise<void> {
    await writeFileAtomic(path, `${JSON.stringify(this.toJSON())}\n`);
  }

  static fromJSON(file: unknown, where = "the policy"): RecurrentPolicy {
    const f = file as Partial<RecurrentPolicyFile> | null;
    if (f === null || typeof f !== "object" || f.format !== FORMAT) {
      throw new PolicyLoadError(
        where,
        `${where} is not a recurrent policy file (its "format" is not "${FORMAT}").`,
      );
    }
    if (f.formatVersion !== 1) {
      throw new PolicyLoadError(
        where,
        `${where} has formatVersion ${String(f.formatVersion)}; this mimic reads 1.`,
      );
    }
    let policy: RecurrentPolicy;
    try {
      policy = new RecurrentPolicy({
        observationSpace: spaceFromJSON(f.observationSpace as SpaceJson, `${where}: observationSpace`),
        actionSpace: spaceFromJSON(f.actionSpace as SpaceJson, `${where}: actionSpace`),
        envId: String(f.envId),
        window: f.window,
        gruHidden: f.gruHidden,
        hidden: f.hidden,
        normalization: f.normalization ?? undefined,
        learningRate: f.learningRate,
      });
    } catch (error) {
      throw new PolicyLoadError(where, `${where} is damaged: ${(error as Error).message}`, { cause: error });
    }
    const weights = decodeFloat32(f.weights);
    if (weights === null || weights.length !== policy.parameterCount) {
      throw new PolicyLoadError(
        where,
        `${where} holds ${weights === null ? "no readable" : weights.length} weights; its layout needs ${policy.parameterCount}. The file is damaged.`,
      );
    }
    policy.setWeights(weights);
    return policy;
  }

  static async load(path: string): Promise<RecurrentPolicy> {
    return RecurrentPolicy.fromJSON(await readPolicyJson(path, "recurrent policy"), path);
  }
}

/**
 * The network input for the last observations of an episode: `window` rows, oldest first, the
 * first observation repeated in front while there are fewer (as in training).
 */
export function historyWindow(
  history: readonly ArrayLike<number>[],
  window: number,
  obsDim: number,
): Float32Array {
  const out = new Float32Array(window * obsDim);
  const pad = window - history.length;
  for (let t = 0; t < window; t++) {
    const obs = history[Math.max(0, t - pad)]!;
    for (let j = 0; j < obsDim; j++) out[t * obsDim + j] = obs[j]!;
  }
  return out;
}
