/**
 * @module
 * `NeuralPolicy`: an MLP with an action head that acts, scores actions, trains, and saves.
 *
 * Acting on one observation never touches the engine: the weights are copied out once (and again
 * after each training step or `setWeights`) and the forward pass runs in plain JS (`MlpMirror`),
 * which for policy-sized networks is one to two orders of magnitude faster than dispatching
 * engine ops. Its outputs agree with the engine's batched pass to float32 rounding; the action
 * sampled from them uses the same code and the same `Rng` draws either way.
 *
 * Training runs on the fused engine by default (`createTrainer`, see `fused-policy-trainer.ts`),
 * which keeps its own copy of the weights; the engine variables catch up when next read.
 *
 * On disk a policy is a directory:
 * - `policy.json` (strict JSON): format version, environment id, the spaces as Minari serializes
 *   them (`serialize_space` strings, as in a dataset's metadata, so ±Infinity bounds survive), the
 *   network (hidden sizes, activation), the head kind and the observation normalization;
 * - `model.json`: the network in TensorFlow.js's layers-model format (a `Sequential` of `Dense`
 *   layers producing the head's parameters) with its weights manifest; a Gaussian head's
 *   `log_std` is listed too, so load it in tfjs with `{ strict: false }`;
 * - `weights.bin`: every weight as little-endian float32, in manifest order.
 * The directory is written to a temporary sibling first and renamed into place.
 */

import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { storableKwargs } from "../core/env.js";
import {
  EnvMismatchError,
  InvalidOptionError,
  InvalidSpaceError,
  MimicError,
  PolicyLoadError,
  ShapeMismatchError,
} from "../core/errors.js";
import { replaceDirectory } from "../core/files.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import {
  Box,
  Discrete,
  formatValue,
  MultiBinary,
  MultiDiscrete,
  parsePythonJson,
  type Space,
  type SpaceJson,
  spaceFromJSON,
  spaceToJSONString,
} from "../core/spaces.js";
import { VERSION } from "../version.js";
import {
  type ActionArray,
  type ActionHead,
  type CategoricalHead,
  createHead,
  type HeadKind,
} from "./distributions.js";
import { initEngine, tf } from "./engine.js";
import { fusedEngineAvailable } from "./fused/arena.js";
import { createFusedPolicyTrainer, type FusedTrainableNetwork } from "./fused-policy-trainer.js";
import { type Activation, initMlpWeights, Mlp, MlpMirror, type MlpShape } from "./mlp.js";
import {
  createTrainer,
  type PolicyTrainer,
  type TrainableNetwork,
  type TrainerEngine,
  type TrainerOptions,
} from "./trainer.js";

/** Observation statistics a policy normalizes its inputs with: `(obs − mean) / max(std, 1e-8)`. */
export interface ObservationNormalization {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

export interface NeuralPolicyOptions {
  observationSpace: Space;
  actionSpace: Space;
  /** The environment the policy is for (`CartPole-v1`); `load` can check it. */
  envId: string;
  /** That env's own options (`EnvSpec.kwargs`, such as a GridWorld layout), when it has any. */
  envOptions?: Readonly<Record<string, unknown>> | null;
  /** Units per hidden layer (default [64, 64]). */
  hidden?: readonly number[];
  /** Hidden-layer activation (default "tanh"). */
  activation?: Activation;
  /** Per-dimension observation statistics (Box observation spaces only). */
  normalization?: ObservationNormalization;
  /** Seeds the initial weights and the policy's fallback sampling stream. */
  seed?: number | bigint;
  /** Initial log standard deviation of a Gaussian head (default 0). */
  logStdInit?: number;
}

export interface PolicyTrainerOptions extends TrainerOptions {
  /**
   * `fused` (default): the engine of `src/nn/fused/` (WebAssembly SIMD kernels, plain-TS
   * fallback), for every head. `tfjs`: the tensor-engine trainer, the reference implementation.
   * Both save the same state and weights.
   */
  engine?: TrainerEngine;
}

export interface LoadPolicyOptions {
  /** Refuse (with `EnvMismatchError`) a policy saved for another environment. */
  expectEnvId?: string;
  /** Seeds the fallback sampling stream used when `act` gets no `rng`. */
  seed?: number | bigint;
}

/** An action: a number for Discrete, a Float32Array for Box, an Int32Array for MultiDiscrete. */
export type NeuralAction = number | Float32Array | Int32Array;

/** What `act` accepts: a number for a Discrete observation space, numbers otherwise. */
export type NeuralObservation = number | ArrayLike<number>;

const POLICY_FILE = "policy.json";
const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";
const FORMAT_VERSION = 1;
const MIN_STD = 1e-8;
/**
 * Above this many multiply-adds (rows × network size), acting runs on the tfjs engine instead of
 * the mirror. The mirror on the fused WebAssembly kernels costs about 0.13 ns per multiply-add
 * (8.7 µs for a 256×256 forward), so every MLP policy mimic trains acts there; in plain JS (no
 * wasm) it costs about 2 ns against an engine call's 80 µs, so 64×64 networks act in JS and
 * 256×256 ones on the engine.
 */
const MIRROR_LIMIT = fusedEngineAvailable() === "wasm" ? 1 << 20 : 32768;

// ---------------------------------------------------------------------------------------------
// Observations: the stored column form (an index for Discrete) to the network's input
// ---------------------------------------------------------------------------------------------

interface ObservationEncoder {
  /** Numbers per observation in a flat batch (1 for Discrete, as datasets store them). */
  readonly dim: number;
  /** Width of the network input (one-hot for the discrete parts). */
  readonly inputSize: number;
  /** Writes observation `values[offset…]` into `out[outOffset…]`; false if out of range. */
  encode(values: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): boolean;
}

function observationEncoder(
  space: Space,
  normalization: ObservationNormalization | undefined,
): ObservationEncoder {
  if (normalization !== undefined && !(space instanceof Box)) {
    throw new InvalidOptionError(
      "normalization",
      `Observation normalization applies to Box observation spaces; this one is ${space}.`,
    );
  }
  if (space instanceof Box) {
    const size = space.size;
    if (normalization === undefined) {
      return {
        dim: size,
        inputSize: size,
        encode(values, offset, out, outOffset) {
          for (let i = 0; i < size; i++) out[outOffset + i] = values[offset + i]!;
          return true;
        },
      };
    }
    const mean = Float64Array.from(normalization.mean);
    const std = Float64Array.from(normalization.std, (s) => Math.max(s, MIN_STD));
    if (mean.length !== size || std.length !== size) {
      throw new ShapeMismatchError(
        `normalization has ${mean.length} means and ${std.length} stds; the observation space ${space} needs ${size} of each.`,
      );
    }
    if (!mean.every(Number.isFinite) || !std.every(Number.isFinite)) {
      throw new InvalidOptionError("normalization", "normalization.mean and .std must be finite numbers.");
    }
    return {
      dim: size,
      inputSize: size,
      encode(values, offset, out, outOffset) {
        for (let i = 0; i < size; i++) out[outOffset + i] = (values[offset + i]! - mean[i]!) / std[i]!;
        return true;
      },
    };
  }
  if (space instanceof Discrete) {
    const { n, start } = space;
    return {
      dim: 1,
      inputSize: n,
      encode(values, offset, out, outOffset) {
        const index = values[offset]! - start;
        if (!Number.isInteger(index) || index < 0 || index >= n) return false;
        out.fill(0, outOffset, outOffset + n);
        out[outOffset + index] = 1;
        return true;
      },
    };
  }
  if (space instanceof MultiDiscrete) {
    const nvec = Array.from(space.nvec);
    const starts = Array.from(space.start);
    return {
      dim: nvec.length,
      inputSize: space.flatDim,
      encode(values, offset, out, outOffset) {
        out.fill(0, outOffset, outOffset + space.flatDim);
        let base = outOffset;
        for (let d = 0; d < nvec.length; d++) {
          const index = values[offset + d]! - starts[d]!;
          if (!Number.isInteger(index) || index < 0 || index >= nvec[d]!) return false;
          out[base + index] = 1;
          base += nvec[d]!;
        }
        return true;
      },
    };
  }
  if (space instanceof MultiBinary) {
    const size = space.size;
    return {
      dim: size,
      inputSize: size,
      encode(values, offset, out, outOffset) {
        for (let i = 0; i < size; i++) out[outOffset + i] = values[offset + i]!;
        return true;
      },
    };
  }
  throw new InvalidSpaceError(
    `A neural policy reads Box, Discrete, MultiDiscrete and MultiBinary observations; this one is ${space}. Flatten it first.`,
  );
}

// ---------------------------------------------------------------------------------------------
// NeuralPolicy
// ---------------------------------------------------------------------------------------------

interface PolicyConfig {
  observationSpace: Space;
  actionSpace: Space;
  envId: string;
  envOptions: Record<string, unknown> | null;
  hidden: number[];
  activation: Activation;
  normalization: { mean: number[]; std: number[] } | null;
  logStdInit: number;
}

export class NeuralPolicy implements Policy<NeuralObservation, NeuralAction> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly envId: string;
  /** The env's own options (`make(envId, envOptions)` builds the env it is for), or null. */
  readonly envOptions: Readonly<Record<string, unknown>> | null;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** The observation statistics inputs are normalized with, or null. */
  readonly normalization: { readonly mean: readonly number[]; readonly std: readonly number[] } | null;
  readonly headKind: HeadKind;
  readonly name: string;
  /** Numbers per observation in a flat batch (1 for a Discrete observation space). */
  readonly observationDim: number;
  /** Numbers per action in a flat batch (1 for a Discrete action space). */
  readonly actionDim: number;

  private readonly encoder: ObservationEncoder;
  private readonly mlp: Mlp;
  private readonly head: ActionHead;
  private readonly variables: readonly tf.Variable[];
  private readonly mirror: MlpMirror;
  private mirrorFresh = false;
  /** Bumped whenever the weights change (a training step, `setWeights`). */
  private weightsVersion = 0;
  /** A fused trainer whose copy of the weights is newer than the engine variables, if one is. */
  private pending: { owner: object; read: () => Float32Array[] } | null = null;
  private readonly input: Float32Array;
  private readonly rng: Rng;
  private disposed = false;

  private constructor(config: PolicyConfig, weights: readonly Float32Array[] | null, rng: Rng) {
    this.observationSpace = config.observationSpace;
    this.actionSpace = config.actionSpace;
    this.envId = config.envId;
    this.envOptions = config.envOptions;
    this.hidden = [...config.hidden];
    this.activation = config.activation;
    this.normalization = config.normalization;
    this.encoder = observationEncoder(config.observationSpace, config.normalization ?? undefined);
    this.observationDim = this.encoder.dim;
    this.head = createHead(config.actionSpace, { logStdInit: config.logStdInit });
    this.headKind = this.head.kind;
    this.actionDim = this.head.actionDim;
    const shape: MlpShape = {
      inputSize: this.encoder.inputSize,
      hiddenSizes: config.hidden,
      outputSize: this.head.paramSize,
      activation: config.activation,
    };
    try {
      this.mlp = new Mlp(shape, weights ?? initMlpWeights(shape, rng));
    } catch (error) {
      this.head.dispose();
      throw error;
    }
    this.variables = [...this.mlp.variables, ...this.head.variables];
    this.mirror = new MlpMirror(shape);
    this.input = new Float32Array(this.encoder.inputSize);
    this.rng = rng;
    this.name = `neural-mlp-${config.hidden.join("x") || "linear"}-${config.activation}`;
  }

  /** A freshly initialized policy; the weights are drawn from `rngFromSeed(seed)`. */
  static async create(options: NeuralPolicyOptions): Promise<NeuralPolicy> {
    const config = checkConfig(options);
    await initEngine();
    const rng = rngFromSeed(options.seed);
    return new NeuralPolicy(config, null, rng);
  }

  /** Reads a policy saved by `save`. */
  static async load(dir: string, options: LoadPolicyOptions = {}): Promise<NeuralPolicy> {
    const { config, weights } = await readPolicyDir(dir);
    if (options.expectEnvId !== undefined && options.expectEnvId !== config.envId) {
      throw new EnvMismatchError(
        options.expectEnvId,
        config.envId,
        `The policy in ${dir} was trained for ${config.envId}, not ${options.expectEnvId}. ` +
          `Load a policy trained on ${options.expectEnvId}, or evaluate this one on ${config.envId}.`,
      );
    }
    await initEngine();
    // The constructor takes the network's weights; the head's (log-std) are set afterwards.
    const policy = new NeuralPolicy(config, weights, rngFromSeed(options.seed ?? 0));
    if (policy.head.variables.length > 0) policy.setWeights(weights);
    return policy;
  }

  /** Trainable numbers in the network and the head. */
  get parameterCount(): number {
    return this.variables.reduce((sum, v) => sum + v.size, 0);
  }

  // ACTING

  /** The action for one observation. Sampling draws from `options.rng` (or the policy's own). */
  act(observation: NeuralObservation, options: ActOptions = {}): NeuralAction {
    this.checkAlive();
    const values = typeof observation === "number" ? [observation] : observation;
    if (values?.length !== this.observationDim) {
      throw new ShapeMismatchError(
        `act: expected an observation of ${this.observationDim} value${this.observationDim === 1 ? "" : "s"} for ${this.observationSpace}, got ${formatValue(observation)}.`,
      );
    }
    const out = this.head.allocate(1);
    this.actRow(values, 0, options, out, 0);
    return this.headKind === "categorical" ? out[0]! : out;
  }

  /** Actions for `n` observations (`n × observationDim` numbers): `n × actionDim` numbers. */
  actBatch(observations: ArrayLike<number>, options: ActOptions = {}): ActionArray {
    this.checkAlive();
    const n = this.rowCount(observations, "actBatch");
    if (n * this.mirror.multiplyAdds <= MIRROR_LIMIT) {
      const out = this.head.allocate(n);
      for (let row = 0; row < n; row++) {
        this.actRow(observations, row * this.observationDim, options, out, row * this.actionDim);
      }
      return out;
    }
    const x = this.encodeObservations(observations, n);
    this.syncWeights();
    // The Gaussian's std for sampling, read again in case training moved the log-std.
    this.head.sync();
    if (options.deterministic) {
      const modes = tf.tidy(() =>
        this.head.mode(this.mlp.forward(tf.tensor2d(x, [n, this.encoder.inputSize]))),
      );
      const values = modes.dataSync();
      modes.dispose();
      return this.headKind === "gaussian" ? Float32Array.from(values) : Int32Array.from(values);
    }
    const params = tf.tidy(() => this.mlp.forward(tf.tensor2d(x, [n, this.encoder.inputSize])));
    try {
      return this.head.sample(params, options.rng ?? this.rng);
    } finally {
      params.dispose();
    }
  }

  /** One observation at `values[offset…]` to one action at `out[outOffset…]`. */
  private actRow(
    values: ArrayLike<number>,
    offset: number,
    options: ActOptions,
    out: ActionArray,
    outOffset: number,
  ): void {
    if (!this.encoder.encode(values, offset, this.input, 0)) {
      const shown = Array.from({ length: this.observationDim }, (_, i) => values[offset + i]);
      throw new ShapeMismatchError(
        `The observation [${shown.join(", ")}] is not in ${this.observationSpace}.`,
      );
    }
    let params: ArrayLike<number>;
    if (this.mirror.multiplyAdds <= MIRROR_LIMIT) {
      if (!this.mirrorFresh) this.refreshMirror();
      params = this.mirror.forward(this.input);
    } else {
      if (!this.mirrorFresh) {
        this.syncWeights();
        this.head.sync();
      }
      this.mirrorFresh = true;
      params = this.readRows(() => this.mlp.forward(tf.tensor2d(this.input, [1, this.encoder.inputSize])));
    }
    if (options.deterministic) this.head.modeInto(params, 0, out, outOffset);
    else this.head.sampleInto(params, 0, options.rng ?? this.rng, out, outOffset);
  }

  /** log π(a | s) for `n` observations and `n` actions. */
  logProb(observations: ArrayLike<number>, actions: ArrayLike<number>): Float32Array {
    this.checkAlive();
    const n = this.rowCount(observations, "logProb");
    const x = this.encodeObservations(observations, n);
    const a = this.head.encodeActions(actions, n);
    return this.readRows(() =>
      this.head.logProb(
        this.mlp.forward(tf.tensor2d(x, [n, this.encoder.inputSize])),
        tf.tensor2d(a, [n, this.head.encodedSize]),
      ),
    );
  }

  /** The entropy of the action distribution at each of `n` observations. */
  entropy(observations: ArrayLike<number>): Float32Array {
    this.checkAlive();
    const n = this.rowCount(observations, "entropy");
    const x = this.encodeObservations(observations, n);
    return this.readRows(() =>
      this.head.entropy(this.mlp.forward(tf.tensor2d(x, [n, this.encoder.inputSize]))),
    );
  }

  // WEIGHTS

  /** Copies of every weight: kernel, bias, … per layer, then the head's (log-std). */
  getWeights(): Float32Array[] {
    this.checkAlive();
    this.syncWeights();
    return this.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  /** Replaces every weight (same order and sizes as `getWeights`). */
  setWeights(weights: readonly ArrayLike<number>[]): void {
    this.checkAlive();
    const names = weightNames(this.mlp.variables.length / 2, this.head.variables.length > 0);
    if (weights?.length !== this.variables.length) {
      throw new ShapeMismatchError(
        `setWeights: expected ${this.variables.length} arrays (${names.join(", ")}), got ${weights?.length}.`,
      );
    }
    weights.forEach((w, i) => {
      const v = this.variables[i]!;
      if (w?.length !== v.size) {
        throw new ShapeMismatchError(
          `setWeights: ${names[i]} should have shape [${v.shape.join(", ")}] (${v.size} values), got ${w?.length} values.`,
        );
      }
    });
    this.pending = null;
    this.assignVariables(weights);
    this.weightsChanged();
  }

  /** Copies weights (already checked) into the engine variables. */
  private assignVariables(weights: readonly ArrayLike<number>[]): void {
    tf.tidy(() => {
      weights.forEach((w, i) => {
        const v = this.variables[i]!;
        v.assign(tf.tensor(Float32Array.from(w), v.shape, "float32"));
      });
    });
    this.mirrorFresh = false;
  }

  /** Brings the engine variables up to date with a fused trainer's newer copy, if there is one. */
  private syncWeights(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.assignVariables(pending.read());
  }

  // TRAINING

  /**
   * An Adam trainer for imitation losses on this policy's weights: on the fused engine by default,
   * or on tfjs with `engine: "tfjs"`. Steps change the
   * policy's weights either way.
   */
  createTrainer(options: PolicyTrainerOptions): PolicyTrainer {
    this.checkAlive();
    const engine = options.engine ?? "fused";
    if (engine !== "fused" && engine !== "tfjs") {
      throw new InvalidOptionError(
        "trainer.engine",
        `trainer.engine must be "fused" or "tfjs", got ${JSON.stringify(engine)}.`,
      );
    }
    const headKind = this.headKind;
    if (engine === "fused") {
      const network: FusedTrainableNetwork = {
        sizes: [this.encoder.inputSize, ...this.hidden, this.head.paramSize],
        activation: this.activation,
        head: headKind === "gaussian" ? "gaussian" : "categorical",
        ...(headKind === "multi-categorical" ? { nvec: (this.head as CategoricalHead).nvec } : {}),
        observationDim: this.observationDim,
        encodeObservations: (observations, count) => this.encodeObservations(observations, count),
        encodeTargets: (actions, count) => this.head.encodeTargets(actions, count),
        weightsVersion: () => this.weightsVersion,
        currentWeights: () => this.getWeights(),
        trained: (owner, read) => {
          this.pending = { owner, read };
          this.weightsChanged();
          return this.weightsVersion;
        },
        released: (owner) => {
          if (this.pending?.owner === owner && !this.disposed) this.syncWeights();
        },
      };
      return createFusedPolicyTrainer(network, options);
    }
    const network: TrainableNetwork = {
      variables: this.variables,
      head: this.head,
      observationDim: this.observationDim,
      inputSize: this.encoder.inputSize,
      encodeObservations: (observations, count) => this.encodeObservations(observations, count),
      forward: (x) => this.mlp.forward(x),
      weightsChanged: () => this.weightsChanged(),
      syncWeights: () => this.syncWeights(),
    };
    return createTrainer(network, options);
  }

  // SAVING

  /** Writes `policy.json`, `model.json` and `weights.bin` to `dir`, atomically. */
  async save(dir: string): Promise<void> {
    this.checkAlive();
    const target = resolve(dir);
    await checkReplaceable(target);
    const weights = this.getWeights();
    const specs = this.weightSpecs();
    const bytes = new Uint8Array(weights.reduce((sum, w) => sum + w.byteLength, 0));
    let offset = 0;
    for (const w of weights) {
      bytes.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), offset);
      offset += w.byteLength;
    }
    const policyJson: PolicyFile = {
      format: "mimic-policy",
      formatVersion: FORMAT_VERSION,
      generatedBy: `mimic ${VERSION}`,
      envId: this.envId,
      ...(this.envOptions === null ? {} : { envOptions: { ...this.envOptions } }),
      observationSpace: spaceToJSONString(this.observationSpace),
      actionSpace: spaceToJSONString(this.actionSpace),
      network: { type: "mlp", hidden: [...this.hidden], activation: this.activation },
      head: this.headKind,
      normalization: this.normalization
        ? { mean: [...this.normalization.mean], std: [...this.normalization.std] }
        : null,
    };
    const modelJson = {
      format: "layers-model",
      generatedBy: `mimic ${VERSION}`,
      convertedBy: null,
      modelTopology: this.layersTopology(),
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    };
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${randomUUID()}`;
    try {
      await mkdir(temporary);
      await writeFile(join(temporary, WEIGHTS_FILE), bytes, { flush: true });
      await writeFile(join(temporary, MODEL_FILE), `${JSON.stringify(modelJson, null, 2)}\n`, {
        flush: true,
      });
      await writeFile(join(temporary, POLICY_FILE), `${JSON.stringify(policyJson, null, 2)}\n`, {
        flush: true,
      });
      await replaceDirectory(temporary, target);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
  }

  /** Frees the engine memory the policy holds. Using it afterwards throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mlp.dispose();
    this.head.dispose();
  }

  // PLUMBING

  private weightSpecs(): { name: string; shape: number[]; dtype: "float32" }[] {
    const specs = this.mlp.variables.map((v, i) => ({
      name: `dense_${Math.floor(i / 2)}/${i % 2 === 0 ? "kernel" : "bias"}`,
      shape: [...v.shape],
      dtype: "float32" as const,
    }));
    for (const v of this.head.variables)
      specs.push({ name: "log_std", shape: [...v.shape], dtype: "float32" });
    return specs;
  }

  /** A Keras/tfjs `Sequential` of `Dense` layers computing the head's parameters. */
  private layersTopology(): object {
    const units = [...this.hidden, this.head.paramSize];
    const layers = units.map((n, i) => ({
      class_name: "Dense",
      config: {
        name: `dense_${i}`,
        trainable: true,
        dtype: "float32",
        units: n,
        activation: i + 1 < units.length ? this.activation : "linear",
        use_bias: true,
        kernel_initializer: { class_name: "GlorotUniform", config: { seed: null } },
        bias_initializer: { class_name: "Zeros", config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        ...(i === 0 ? { batch_input_shape: [null, this.encoder.inputSize] } : {}),
      },
    }));
    return {
      class_name: "Sequential",
      config: { name: "mimic_policy", layers },
      keras_version: `tfjs-layers ${tf.version_core}`,
      backend: "tensor_flow.js",
    };
  }

  private rowCount(observations: ArrayLike<number>, what: string): number {
    const n = observations.length / this.observationDim;
    if (!Number.isInteger(n) || n < 1) {
      throw new ShapeMismatchError(
        `${what}: ${observations.length} values are not a whole number (≥ 1) of observations of ${this.observationDim}.`,
      );
    }
    return n;
  }

  private encodeObservations(observations: ArrayLike<number>, count: number): Float32Array {
    const dim = this.observationDim;
    const out = new Float32Array(count * this.encoder.inputSize);
    for (let row = 0; row < count; row++) {
      if (!this.encoder.encode(observations, row * dim, out, row * this.encoder.inputSize)) {
        const value = Array.from({ length: dim }, (_, i) => observations[row * dim + i]);
        throw new ShapeMismatchError(
          `Observation ${row} (${value.join(", ")}) is not in the observation space ${this.observationSpace}.`,
        );
      }
    }
    return out;
  }

  private readRows(compute: () => tf.Tensor): Float32Array {
    this.syncWeights();
    const result = tf.tidy(compute);
    const values = Float32Array.from(result.dataSync());
    result.dispose();
    return values;
  }

  private weightsChanged(): void {
    this.mirrorFresh = false;
    this.weightsVersion += 1;
  }

  private refreshMirror(): void {
    this.syncWeights();
    this.mirror.load(this.mlp.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)));
    this.head.sync();
    this.mirrorFresh = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new MimicError("INVALID_OPTION", "This policy was disposed.");
  }
}

// ---------------------------------------------------------------------------------------------
// Options and files
// ---------------------------------------------------------------------------------------------

function checkConfig(options: NeuralPolicyOptions): PolicyConfig {
  const hidden = [...(options.hidden ?? [64, 64])];
  if (!hidden.every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new InvalidOptionError("hidden", `hidden must be positive integers, got [${hidden.join(", ")}].`);
  }
  const activation = options.activation ?? "tanh";
  if (activation !== "tanh" && activation !== "relu") {
    throw new InvalidOptionError(
      "activation",
      `activation must be "tanh" or "relu", got ${String(activation)}.`,
    );
  }
  if (typeof options.envId !== "string" || options.envId.length === 0) {
    throw new InvalidOptionError(
      "envId",
      "envId must name the environment the policy is for, e.g. CartPole-v1.",
    );
  }
  const logStdInit = options.logStdInit ?? 0;
  if (!Number.isFinite(logStdInit)) {
    throw new InvalidOptionError("logStdInit", `logStdInit must be a finite number, got ${logStdInit}.`);
  }
  const envOptions = options.envOptions ?? null;
  if (envOptions !== null && (typeof envOptions !== "object" || Array.isArray(envOptions))) {
    throw new InvalidOptionError("envOptions", "envOptions must be an object of the env's options, or null.");
  }
  return {
    observationSpace: options.observationSpace,
    actionSpace: options.actionSpace,
    envId: options.envId,
    envOptions:
      envOptions === null || Object.keys(storableKwargs(envOptions)).length === 0
        ? null
        : storableKwargs(envOptions),
    hidden,
    activation,
    normalization: options.normalization
      ? { mean: Array.from(options.normalization.mean), std: Array.from(options.normalization.std) }
      : null,
    logStdInit,
  };
}

const policyFileSchema = z.object({
  format: z.literal("mimic-policy"),
  formatVersion: z.number().int(),
  generatedBy: z.string().optional(),
  envId: z.string().min(1),
  envOptions: z.record(z.string(), z.unknown()).optional(),
  /** Minari's string form (`serialize_space`); a plain object in Minari's JSON form is read too. */
  observationSpace: z.union([z.string(), z.record(z.string(), z.unknown())]),
  actionSpace: z.union([z.string(), z.record(z.string(), z.unknown())]),
  network: z.object({
    type: z.literal("mlp"),
    hidden: z.array(z.number().int().positive()),
    activation: z.enum(["tanh", "relu"]),
  }),
  head: z.enum(["categorical", "gaussian", "multi-categorical"]),
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
});

type PolicyFile = z.infer<typeof policyFileSchema>;

const modelFileSchema = z.object({
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(
          z.object({
            name: z.string(),
            shape: z.array(z.number().int().nonnegative()),
            dtype: z.literal("float32"),
          }),
        ),
      }),
    )
    .length(1),
});

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new PolicyLoadError(
      file,
      `${file} is missing or unreadable. Is this a policy directory written by NeuralPolicy.save (policy.json, model.json, weights.bin)?`,
      { cause },
    );
  }
  try {
    return parsePythonJson(text);
  } catch (cause) {
    throw new PolicyLoadError(
      file,
      `${file} is not valid JSON (${(cause as Error).message}); save the policy again.`,
      {
        cause,
      },
    );
  }
}

async function readPolicyDir(dir: string): Promise<{ config: PolicyConfig; weights: Float32Array[] }> {
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new PolicyLoadError(
      dir,
      `${dir}: no policy directory there. Check the path, or train and save a policy first.`,
    );
  }
  const policyPath = join(dir, POLICY_FILE);
  const parsed = policyFileSchema.safeParse(await readJson(policyPath));
  if (!parsed.success) {
    throw new PolicyLoadError(
      policyPath,
      `${policyPath} is not a mimic policy file: ${describeIssues(parsed.error)}.`,
    );
  }
  const file = parsed.data;
  if (file.formatVersion > FORMAT_VERSION) {
    throw new PolicyLoadError(
      policyPath,
      `${policyPath} has format version ${file.formatVersion}; this mimic (${VERSION}) reads up to ${FORMAT_VERSION}. Upgrade mimic.`,
    );
  }
  let observationSpace: Space;
  let actionSpace: Space;
  try {
    observationSpace = spaceFromJSON(file.observationSpace as SpaceJson | string, "observationSpace");
    actionSpace = spaceFromJSON(file.actionSpace as SpaceJson | string, "actionSpace");
  } catch (cause) {
    throw new PolicyLoadError(policyPath, `${policyPath}: ${(cause as Error).message}`, { cause });
  }
  const config: PolicyConfig = {
    observationSpace,
    actionSpace,
    envId: file.envId,
    envOptions:
      file.envOptions === undefined || Object.keys(file.envOptions).length === 0 ? null : file.envOptions,
    hidden: file.network.hidden,
    activation: file.network.activation,
    normalization: file.normalization,
    logStdInit: 0,
  };

  const modelPath = join(dir, MODEL_FILE);
  const model = modelFileSchema.safeParse(await readJson(modelPath));
  if (!model.success) {
    throw new PolicyLoadError(
      modelPath,
      `${modelPath} has no usable weights manifest: ${describeIssues(model.error)}.`,
    );
  }
  const specs = model.data.weightsManifest[0]!.weights;
  const weightsPath = join(dir, WEIGHTS_FILE);
  let buffer: Buffer;
  try {
    buffer = await readFile(weightsPath);
  } catch (cause) {
    throw new PolicyLoadError(
      weightsPath,
      `${weightsPath} is missing or unreadable; save the policy again.`,
      { cause },
    );
  }
  const sizes = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const expectedBytes = sizes.reduce((a, b) => a + b, 0) * 4;
  if (buffer.byteLength !== expectedBytes) {
    throw new PolicyLoadError(
      weightsPath,
      `${weightsPath} holds ${buffer.byteLength} bytes but ${MODEL_FILE} lists ${expectedBytes}; the files do not belong together. Save the policy again.`,
    );
  }
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  const weights: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    weights.push(new Float32Array(copy.buffer, offset * 4, size));
    offset += size;
  }
  checkWeightShapes(config, specs, modelPath);
  return { config, weights };
}

/** The manifest must list exactly the weights the configuration builds, in order. */
function checkWeightShapes(
  config: PolicyConfig,
  specs: { name: string; shape: number[] }[],
  file: string,
): void {
  let inputSize: number;
  let paramSize: number;
  let extra: number[][];
  try {
    inputSize = observationEncoder(config.observationSpace, config.normalization ?? undefined).inputSize;
    const a = config.actionSpace;
    if (a instanceof Box) {
      paramSize = a.size;
      extra = [[a.size]];
    } else if (a instanceof Discrete) {
      paramSize = a.n;
      extra = [];
    } else if (a instanceof MultiDiscrete) {
      paramSize = a.flatDim;
      extra = [];
    } else throw new InvalidSpaceError(`unsupported action space ${a}`);
  } catch (cause) {
    if (cause instanceof MimicError) throw new PolicyLoadError(file, `${file}: ${cause.message}`, { cause });
    throw cause;
  }
  const sizes = [inputSize, ...config.hidden, paramSize];
  const expected: number[][] = [];
  for (let i = 0; i + 1 < sizes.length; i++) expected.push([sizes[i]!, sizes[i + 1]!], [sizes[i + 1]!]);
  expected.push(...extra);
  const names = weightNames(sizes.length - 1, extra.length > 0);
  const show = (shape: readonly number[]) => `[${shape.join(", ")}]`;
  const network = `policy.json's network (${inputSize} inputs, hidden [${config.hidden.join(", ")}], ${paramSize} outputs)`;
  for (let i = 0; i < Math.max(expected.length, specs.length); i++) {
    const want = expected[i];
    const found = specs[i]?.shape;
    if (want && found && want.length === found.length && want.every((d, j) => d === found[j])) continue;
    const what =
      want === undefined
        ? `${file} lists ${specs.length} weight arrays, but ${network} has ${expected.length}; the extra one, ${specs[i]!.name}, has shape ${show(found!)}`
        : found === undefined
          ? `${file} lists ${specs.length} weight arrays, but ${network} has ${expected.length}: ${names[i]} (shape ${show(want)}) is missing`
          : `${file}: ${names[i]} has shape ${show(found)}, but ${network} expects ${show(want)}`;
    throw new ShapeMismatchError(
      `${what}. The weights belong to another network: save the policy again, or make policy.json's network match them.`,
    );
  }
}

/** What each weight array is, in `getWeights` order: `layer 0 kernel`, `layer 0 bias`, …, `log-std`. */
function weightNames(layers: number, logStd: boolean): string[] {
  const names: string[] = [];
  for (let l = 0; l < layers; l++) names.push(`layer ${l} kernel`, `layer ${l} bias`);
  if (logStd) names.push("log-std");
  return names;
}

/** Refuses to replace anything but an empty directory or a saved policy. */
async function checkReplaceable(target: string): Promise<void> {
  const existing = await stat(target).catch(() => null);
  if (existing === null) return;
  const refuse = (why: string) =>
    new InvalidOptionError(
      "dir",
      `save: ${target} ${why}; save only replaces a saved policy. Choose another directory, or remove it first.`,
    );
  if (!existing.isDirectory()) throw refuse("exists and is not a directory");
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(POLICY_FILE))
    throw refuse(`holds ${entries.length} entries but no ${POLICY_FILE}`);
}
