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
 * The options and configuration are in `policy-options.ts`, the observation encoder in
 * `observation-encoder.ts`, and the files a saved policy is made of in `policy-files.ts`.
 */

import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { EnvMismatchError, InvalidOptionError, MimicError, ShapeMismatchError } from "../core/errors.js";
import { replaceDirectory } from "../core/files.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import { formatValue, type Space, spaceToJSONString } from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import type { Activation } from "./activation.js";
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
import { initMlpWeights, Mlp, MlpMirror, type MlpShape } from "./mlp.js";
import { type ObservationEncoder, observationEncoder } from "./observation-encoder.js";
import {
  checkReplaceable,
  FORMAT_VERSION,
  MODEL_FILE,
  POLICY_FILE,
  type PolicyFile,
  readPolicyDir,
  WEIGHTS_FILE,
  weightNames,
} from "./policy-files.js";
import {
  checkConfig,
  type LoadPolicyOptions,
  type NeuralAction,
  type NeuralObservation,
  type NeuralPolicyOptions,
  type PolicyConfig,
  type PolicyTrainerOptions,
} from "./policy-options.js";
import { createTrainer, type PolicyTrainer, type TrainableNetwork } from "./trainer.js";

/**
 * Above this many multiply-adds (rows × network size), acting runs on the tfjs engine instead of
 * the mirror. The mirror on the fused WebAssembly kernels costs about 0.13 ns per multiply-add
 * (8.7 µs for a 256×256 forward), so every MLP policy mimic trains acts there; in plain JS (no
 * wasm) it costs about 2 ns against an engine call's 80 µs, so 64×64 networks act in JS and
 * 256×256 ones on the engine.
 */
function mirrorLimit(): number {
  // Asked when a policy first acts, not when this module loads, so that `configureFusedEngine`
  // can still choose the kernels after `import "mimic"`.
  return fusedEngineAvailable() === "wasm" ? 1 << 20 : 32768;
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
    if (n * this.mirror.multiplyAdds <= mirrorLimit()) {
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
    if (this.mirror.multiplyAdds <= mirrorLimit()) {
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
