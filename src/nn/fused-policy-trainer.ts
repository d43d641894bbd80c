/**
 * @module
 * A `PolicyTrainer` on the fused engine (`src/nn/fused/trainer.ts`): the same objective, Adam and
 * `TrainerState` as the tfjs trainer, without a tensor per operation. `NeuralPolicy.createTrainer`
 * builds one by default for the categorical and Gaussian heads.
 *
 * The fused trainer keeps its own float32 copy of the weights. After a step that copy is the
 * newest, and the policy is told so (`trained`); the policy copies it into its engine variables
 * only when something reads them (acting, `getWeights`, saving, a tfjs trainer), so a training
 * step costs nothing on the engine side. The other way, when the policy's weights change under
 * the trainer (`setWeights`, another trainer), its version moves on and the next step reloads them.
 */
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import type { Activation } from "./activation.js";
import { createFusedTrainer, type FusedTrainer } from "./fused/trainer.js";
import type { LossInfo, PolicyTrainer, TrainerOptions, TrainerState, TrainingBatch } from "./trainer.js";

/** What the fused trainer needs from a policy; `NeuralPolicy` provides it. */
export interface FusedTrainableNetwork {
  /** Layer widths `[inputSize, ...hidden, paramSize]`. */
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly head: "categorical" | "gaussian";
  /** Categories per action dimension of a MultiDiscrete head (one categorical per dimension). */
  readonly nvec?: readonly number[];
  /** Numbers per observation in a flat batch. */
  readonly observationDim: number;
  /** Flat observations to normalized network inputs. */
  encodeObservations(observations: ArrayLike<number>, count: number): Float32Array;
  /** Flat actions to targets: category indices from 0, or the Gaussian's values. */
  encodeTargets(actions: ArrayLike<number>, count: number): Float32Array;
  /** A count bumped whenever the policy's weights change. */
  weightsVersion(): number;
  /** The policy's current weights, in `getWeights` order. */
  currentWeights(): Float32Array[];
  /** The trainer's copy is now the newest; `read` gives it. Returns the new version. */
  trained(owner: object, read: () => Float32Array[]): number;
  /** The trainer goes away: if its copy is the newest, the policy takes it now. */
  released(owner: object): void;
}

export function createFusedPolicyTrainer(net: FusedTrainableNetwork, options: TrainerOptions): PolicyTrainer {
  return new FusedPolicyTrainer(net, options);
}

class FusedPolicyTrainer implements PolicyTrainer {
  readonly engine = "fused" as const;
  private readonly net: FusedTrainableNetwork;
  private readonly trainer: FusedTrainer;
  /** The policy version the trainer's weights are. */
  private version: number;
  /** The encoded data of `setData`, kept so it can be reloaded after a batch borrowed the trainer. */
  private data: { x: Float32Array; a: Float32Array } | null = null;
  /** Whether the trainer holds `data` (false after a `TrainingBatch` was loaded in its place). */
  private dataLoaded = false;
  private readonly read = () => this.trainer.getWeights();
  private disposed = false;

  constructor(net: FusedTrainableNetwork, options: TrainerOptions) {
    this.net = net;
    if (options.loss === "mse" && net.head !== "gaussian") {
      throw new InvalidOptionError(
        "trainer.loss",
        `trainer.loss "mse" needs a Box action space; this policy's head is ${net.head}. Use "nll".`,
      );
    }
    this.trainer = createFusedTrainer(
      {
        sizes: net.sizes,
        activation: net.activation,
        head: net.head,
        ...(net.nvec === undefined ? {} : { nvec: net.nvec }),
        loss: options.loss,
        learningRate: options.learningRate,
        entropyWeight: options.entropyWeight,
        l2Weight: options.l2Weight,
        maxGradNorm: options.maxGradNorm,
        beta1: options.beta1,
        beta2: options.beta2,
        epsilon: options.epsilon,
      },
      net.currentWeights(),
    );
    this.version = net.weightsVersion();
  }

  get learningRate(): number {
    return this.trainer.learningRate;
  }

  set learningRate(value: number) {
    this.trainer.learningRate = value;
  }

  get stepCount(): number {
    return this.trainer.stepCount;
  }

  setData(observations: ArrayLike<number>, actions: ArrayLike<number>): void {
    this.checkAlive();
    const count = this.rows(observations, "setData");
    const x = this.net.encodeObservations(observations, count);
    const a = this.net.encodeTargets(actions, count);
    this.trainer.setData(x, a);
    this.data = { x, a };
    this.dataLoaded = true;
  }

  step(batch: TrainingBatch | Int32Array): LossInfo {
    this.checkAlive();
    this.pull();
    const info = this.trainer.step(this.indices(batch));
    this.version = this.net.trained(this, this.read);
    return info;
  }

  evaluate(batch: TrainingBatch | Int32Array): LossInfo {
    this.checkAlive();
    this.pull();
    return this.trainer.evaluate(this.indices(batch));
  }

  getState(): TrainerState {
    this.checkAlive();
    return this.trainer.getState();
  }

  setState(state: TrainerState): void {
    this.checkAlive();
    this.trainer.setState(state);
  }

  dispose(): void {
    if (this.disposed) return;
    this.net.released(this);
    this.disposed = true;
    this.data = null;
  }

  // PLUMBING

  /** Reloads the policy's weights if they changed since this trainer last had them. */
  private pull(): void {
    if (this.net.weightsVersion() === this.version) return;
    this.trainer.setWeights(this.net.currentWeights());
    this.version = this.net.weightsVersion();
  }

  /** Row indices into the trainer's data: the batch's own rows, loaded in place of `setData`'s. */
  private indices(batch: TrainingBatch | Int32Array): Int32Array {
    if (batch instanceof Int32Array) {
      if (this.data === null) {
        throw new InvalidOptionError(
          "batch",
          "step(indices) gathers rows of setData's data; call setData first.",
        );
      }
      if (!this.dataLoaded) {
        this.trainer.setData(this.data.x, this.data.a);
        this.dataLoaded = true;
      }
      return batch;
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
    this.trainer.setData(
      this.net.encodeObservations(observations, size),
      this.net.encodeTargets(actions, size),
    );
    this.dataLoaded = false;
    return Int32Array.from({ length: size }, (_, i) => i);
  }

  private rows(observations: ArrayLike<number>, what: string): number {
    const count = observations.length / this.net.observationDim;
    if (!Number.isInteger(count) || count < 1) {
      throw new ShapeMismatchError(
        `${what}: ${observations.length} observation values are not a whole number (≥ 1) of rows of ${this.net.observationDim}.`,
      );
    }
    return count;
  }

  private checkAlive(): void {
    if (this.disposed) throw new InvalidOptionError("trainer", "This trainer was disposed.");
  }
}
