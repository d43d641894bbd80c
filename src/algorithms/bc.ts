/**
 * Behavior cloning: fit a policy to expert (observation, action) pairs by supervised learning.
 *
 * Paper: Pomerleau (1991), "Efficient training of artificial neural networks for autonomous
 * navigation"; the loss follows the reference implementation in HumanCompatibleAI/imitation
 * (src/imitation/algorithms/bc.py, `BehaviorCloningLossCalculator`):
 *
 *   loss = −(1/B) Σ log π(a | s)  −  w_ent · (1/B) Σ H(π(· | s))  +  w_l2 · ‖θ‖²
 *
 * (negative log-likelihood, minus an entropy bonus, plus L2 on the weights). For Box actions the
 * `mse` loss replaces the NLL with the mean squared error between the policy's mean action and the
 * expert's. Minibatches come from a seeded shuffle of all transitions each epoch; Adam updates.
 * A validation split by episode drives early stopping. Checkpoints hold everything needed to
 * resume (weights, Adam state, the shuffle generator, the epoch position, early-stopping state),
 * so a resumed run ends exactly where an uninterrupted one would. The steps run on the fused
 * engine unless `engine: "tfjs"` asks for the tensor engine; both save the same checkpoints. A
 * NaN or infinite gradient stops training with `NonFiniteGradientError` after checkpointing the
 * last good step.
 */

import { z } from "zod";
import { InvalidOptionError, NonFiniteGradientError, ShapeMismatchError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import { type Pcg64State, rngFromSeed } from "../core/rng.js";
import { yieldToEventLoop } from "../core/yield.js";
import type { Dataset } from "../data/dataset.js";
import { toTransitions } from "../data/episode.js";
import { NeuralPolicy } from "../nn/policy.js";
import type { LossInfo, TrainerState } from "../nn/trainer.js";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

export const bcConfigSchema = z
  .object({
    /** Passes over the training data (ignored when `batches` is set). */
    epochs: z.number().int().positive().default(30),
    /** Train for exactly this many minibatches instead of whole epochs. */
    batches: z.number().int().positive().optional(),
    /** Transitions per minibatch. */
    batchSize: z.number().int().positive().default(32),
    /** Adam's step size. */
    learningRate: z.number().positive().default(1e-3),
    /** Hidden layer sizes of the MLP. */
    hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
    /** Hidden activation. */
    activation: z.enum(["tanh", "relu"]).default("tanh"),
    /** Weight of the entropy bonus (imitation's `ent_weight`). */
    entropyWeight: z.number().min(0).default(1e-3),
    /** Weight of the L2 penalty on all weights (imitation's `l2_weight`). */
    l2Weight: z.number().min(0).default(0),
    /** `nll` for any action space; `mse` (Box actions only) regresses the mean action. */
    loss: z.enum(["nll", "mse"]).default("nll"),
    /** Fraction of episodes held out for validation (0 disables validation and early stopping). */
    validationFraction: z.number().min(0).max(0.9).default(0.2),
    /** Stop after this many epochs without a better validation loss (0 disables early stopping). */
    patience: z.number().int().min(0).default(5),
    /** Normalize observations with the training data's mean and std, stored in the policy. */
    normalizeObservations: z.boolean().default(true),
    /** Save a checkpoint every this many minibatches (0: only at the end of each epoch). */
    checkpointEvery: z.number().int().min(0).default(0),
    /**
     * What runs the training steps: `fused` (plain TypeScript, no tensor per operation) or `tfjs`
     * (the tensor engine, the reference). Same loss, Adam, checkpoints and saved policy either way,
     * for Discrete, MultiDiscrete and Box action spaces.
     */
    engine: z.enum(["fused", "tfjs"]).default("fused"),
    /** Seed of the weight initialization, the validation split and the shuffles. */
    seed: z.number().int().min(0).default(0),
  })
  .strict();

/** BC's options; every field has a default. */
export type BcConfig = z.input<typeof bcConfigSchema>;
export type ResolvedBcConfig = z.output<typeof bcConfigSchema>;

/** Validates a config, naming the bad field. */
export function resolveBcConfig(config: BcConfig = {}): ResolvedBcConfig {
  const result = bcConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new InvalidOptionError(path, `BC config: ${path} is invalid: ${issue.message}.`, {
    cause: result.error,
  });
}

/** One line of BC's history. */
export interface BcRecord {
  epoch: number;
  /** Minibatches done so far. */
  batch: number;
  trainLoss: number;
  trainNll: number;
  entropy: number;
  validationLoss: number | null;
}

/** What BC saves in a checkpoint (JSON part; the weights travel as bytes). */
export interface BcCheckpoint {
  version: 1;
  /** The epoch in progress and how many of its minibatches are done. */
  epoch: number;
  batchInEpoch: number;
  batch: number;
  /** The shuffle generator's state at the start of the epoch in progress. */
  epochRngState: Pcg64State;
  trainerState: TrainerState | null;
  bestValidationLoss: number | null;
  epochsWithoutImprovement: number;
  history: BcRecord[];
  /** Running sums of the epoch in progress. */
  epochSums: { loss: number; nll: number; entropy: number; count: number };
}

export interface BcCallbacks {
  onBatchEnd?(batch: number, loss: number): void;
  onEpochEnd?(record: BcRecord): void;
  /** Called with a checkpoint to persist; weights are the policy's (and the best weights so far). */
  onCheckpoint?(
    checkpoint: BcCheckpoint,
    weights: Float32Array[],
    bestWeights: Float32Array[] | null,
  ): void | Promise<void>;
}

export interface TrainBcOptions {
  callbacks?: BcCallbacks;
  signal?: AbortSignal;
  /** Continue from a checkpoint saved by `onCheckpoint`. */
  resume?: { checkpoint: BcCheckpoint; weights: Float32Array[]; bestWeights: Float32Array[] | null };
  /** Recorded in the policy (defaults to the dataset's env id). */
  envId?: string;
  /** The env's own options, recorded in the policy (defaults to the dataset's `env_spec.kwargs`). */
  envOptions?: Readonly<Record<string, unknown>>;
  /** Validate on these episodes instead of splitting the dataset (cross-validation folds). */
  validation?: Dataset;
}

export interface BcResult {
  policy: NeuralPolicy;
  history: BcRecord[];
  config: ResolvedBcConfig;
  stoppedEarly: boolean;
  aborted: boolean;
  bestValidationLoss: number | null;
  trainEpisodes: number;
  validationEpisodes: number;
  /** The held-out episodes (empty without validation), for offline metrics such as action agreement. */
  validation: Dataset;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function permutation(n: number, rng: ReturnType<typeof rngFromSeed>): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integers(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export async function trainBc(
  dataset: Dataset,
  config: BcConfig = {},
  options: TrainBcOptions = {},
): Promise<BcResult> {
  const cfg = resolveBcConfig(config);
  // PLUMBING: data checks, split, normalization, policy and trainer.
  if (dataset.episodes.length === 0) {
    throw new ShapeMismatchError(
      `BC: dataset ${dataset.id} has no episodes; collect demonstrations first (mimic collect).`,
    );
  }
  if (cfg.loss === "mse" && dataset.actionSpace.kind !== "box") {
    throw new InvalidOptionError(
      "loss",
      `BC: loss "mse" needs Box actions, but ${dataset.id} has ${dataset.actionSpace}; use loss "nll".`,
    );
  }
  const wantsValidation = !options.validation && cfg.validationFraction > 0 && dataset.episodes.length >= 2;
  const split = options.validation
    ? { train: dataset, validation: options.validation }
    : wantsValidation
      ? dataset.split({ train: 1 - cfg.validationFraction, validation: cfg.validationFraction }, cfg.seed)
      : { train: dataset, validation: dataset.withEpisodes([]) };
  // With few episodes the rounded validation share can be 0 or everything; keep at least one of each.
  const train = split.train.episodes.length > 0 ? split.train : dataset;
  const validation = split.train.episodes.length > 0 ? split.validation : dataset.withEpisodes([]);
  const trainData = toTransitions(train.episodes);
  const validationData = validation.episodes.length > 0 ? toTransitions(validation.episodes) : null;
  const obsStats = train.stats().observations;
  const policy = await NeuralPolicy.create({
    observationSpace: dataset.observationSpace,
    actionSpace: dataset.actionSpace,
    envId: options.envId ?? dataset.envSpec?.id ?? "unknown",
    envOptions: options.envOptions ?? dataset.envSpec?.kwargs ?? null,
    hidden: cfg.hidden,
    activation: cfg.activation,
    // Normalization applies to Box observations; a Discrete observation is one-hot encoded instead.
    normalization:
      cfg.normalizeObservations && dataset.observationSpace.kind === "box"
        ? { mean: obsStats.mean, std: obsStats.std }
        : undefined,
    seed: cfg.seed,
  });
  const trainer = policy.createTrainer({
    engine: cfg.engine,
    learningRate: cfg.learningRate,
    entropyWeight: cfg.entropyWeight,
    l2Weight: cfg.l2Weight,
    loss: cfg.loss,
  });

  const n = trainData.length;
  const { obsDim, actDim } = trainData;
  const batchSize = Math.min(cfg.batchSize, n);
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const totalBatches = cfg.batches ?? cfg.epochs * batchesPerEpoch;
  // The trainer keeps the training data; each step gathers its rows by index.
  trainer.setData(trainData.obs, trainData.acts);

  let state: BcCheckpoint;
  let bestWeights: Float32Array[] | null = null;
  const rng = rngFromSeed(cfg.seed + 1);
  if (options.resume) {
    state = structuredClone(options.resume.checkpoint);
    policy.setWeights(options.resume.weights);
    if (state.trainerState) trainer.setState(state.trainerState);
    bestWeights = options.resume.bestWeights;
  } else {
    state = {
      version: 1,
      epoch: 0,
      batchInEpoch: 0,
      batch: 0,
      epochRngState: rng.bitGenerator.getState(),
      trainerState: null,
      bestValidationLoss: null,
      epochsWithoutImprovement: 0,
      history: [],
      epochSums: { loss: 0, nll: 0, entropy: 0, count: 0 },
    };
  }

  /** The minibatch count of the last checkpoint written (its state is the current one if equal). */
  let savedBatch: number | null = null;
  const checkpoint = async () => {
    if (!options.callbacks?.onCheckpoint) return;
    state.trainerState = trainer.getState();
    await options.callbacks.onCheckpoint(structuredClone(state), policy.getWeights(), bestWeights);
    savedBatch = state.batch;
  };

  const validationLoss = (): number | null => {
    if (!validationData) return null;
    let sum = 0;
    for (let start = 0; start < validationData.length; start += 1024) {
      const size = Math.min(1024, validationData.length - start);
      const info = trainer.evaluate({
        observations: validationData.obs.subarray(start * obsDim, (start + size) * obsDim),
        actions: validationData.acts.subarray(start * actDim, (start + size) * actDim),
        size,
      });
      sum += info.loss * size;
    }
    return sum / validationData.length;
  };

  // ALGO LOGIC: epochs of shuffled minibatches, validation at each epoch's end, early stopping.
  // A checkpoint written when early stopping fired resumes as finished.
  let stoppedEarly = cfg.patience > 0 && state.epochsWithoutImprovement >= cfg.patience;
  let aborted = false;
  while (state.batch < totalBatches && !stoppedEarly) {
    rng.bitGenerator.setState(state.epochRngState);
    const order = permutation(n, rng);
    const nextEpochRngState = rng.bitGenerator.getState();
    for (let b = state.batchInEpoch; b < batchesPerEpoch && state.batch < totalBatches; b++) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      const start = b * batchSize;
      const size = Math.min(batchSize, n - start);
      let info: LossInfo;
      try {
        info = trainer.step(order.subarray(start, start + size));
      } catch (error) {
        if (!(error instanceof NonFiniteGradientError)) throw error;
        // Nothing was updated: the weights, the optimizer and `state` are the last good step's.
        // Keep them as a checkpoint (unless the last one already is this step), then stop.
        const saved = options.callbacks?.onCheckpoint !== undefined;
        if (savedBatch !== state.batch) await checkpoint();
        trainer.dispose();
        policy.dispose();
        throw new NonFiniteGradientError(error.layer, state.batch + 1, error.term, {
          cause: error,
          message:
            `BC: the gradient of the ${error.term} term went NaN or infinite at minibatch ${state.batch + 1} ` +
            `(epoch ${state.epoch + 1}, minibatch ${b + 1} of ${batchesPerEpoch}), first in ${error.layer}. ` +
            `Training stopped with the weights of minibatch ${state.batch}` +
            `${saved ? `, saved as a checkpoint` : ""}. ` +
            "Check the dataset for NaN/Inf values (`mimic data filter --drop-nonfinite` cuts them out, or `Dataset.dropNonFinite()`) or lower the learning rate.",
        });
      }
      state.epochSums.loss += info.loss * size;
      state.epochSums.nll += info.nll * size;
      state.epochSums.entropy += info.entropy * size;
      state.epochSums.count += size;
      state.batch += 1;
      state.batchInEpoch = b + 1;
      options.callbacks?.onBatchEnd?.(state.batch, info.loss);
      if (cfg.checkpointEvery > 0 && state.batch % cfg.checkpointEvery === 0) await checkpoint();
      if (state.batch % 50 === 0) await yieldToEventLoop();
    }
    if (aborted) break;
    if (state.batchInEpoch < batchesPerEpoch) break; // `batches` ran out mid-epoch

    // End of an epoch: record, validate, decide on early stopping.
    const sums = state.epochSums;
    const record: BcRecord = {
      epoch: state.epoch + 1,
      batch: state.batch,
      trainLoss: sums.loss / sums.count,
      trainNll: sums.nll / sums.count,
      entropy: sums.entropy / sums.count,
      validationLoss: validationLoss(),
    };
    state.history.push(record);
    options.callbacks?.onEpochEnd?.(record);
    if (record.validationLoss !== null) {
      if (state.bestValidationLoss === null || record.validationLoss < state.bestValidationLoss) {
        state.bestValidationLoss = record.validationLoss;
        state.epochsWithoutImprovement = 0;
        bestWeights = policy.getWeights();
      } else {
        state.epochsWithoutImprovement += 1;
      }
    }
    state.epoch += 1;
    state.batchInEpoch = 0;
    state.epochRngState = nextEpochRngState;
    state.epochSums = { loss: 0, nll: 0, entropy: 0, count: 0 };
    stoppedEarly = cfg.patience > 0 && state.epochsWithoutImprovement >= cfg.patience;
    await checkpoint();
    await yieldToEventLoop();
  }

  // Early stopping keeps the weights with the best validation loss.
  if (bestWeights) policy.setWeights(bestWeights);
  trainer.dispose();
  return {
    policy,
    history: state.history,
    config: cfg,
    stoppedEarly,
    aborted,
    bestValidationLoss: state.bestValidationLoss,
    trainEpisodes: train.episodes.length,
    validationEpisodes: validation.episodes.length,
    validation,
  };
}
