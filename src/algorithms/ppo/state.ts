/**
 * @module
 * What a PPO run reports and keeps: the per-update record, the rollout buffers, the learner's and
 * the run's saved state, the snapshot `onUpdateEnd` sees, and the result.
 */
import type { Pcg64State } from "../../core/rng.js";
import type { TrainerState } from "../../nn/trainer.js";

/** One line of PPO's history, per update (CleanRL's TensorBoard scalars). */
export interface PpoRecord {
  /** Env steps so far. */
  timesteps: number;
  /** Mean return of the episodes that finished during this rollout; null when none did. */
  meanEpisodeReturn: number | null;
  /** Episodes that finished during this rollout. */
  episodes: number;
  learningRate: number;
  /** Of the last minibatch, as CleanRL logs. */
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  /** Mean over the update's minibatches. */
  clipFraction: number;
  /** 1 − Var(returns − values) / Var(returns) over the rollout's valid rows. */
  explainedVariance: number;
}

export interface PpoResult {
  /**
   * The policy MLP's weights (kernel, bias, … per layer, `initMlpWeights` order): logits, or the
   * Gaussian's mean followed by its log-std (`NeuralPolicy.setWeights` order).
   */
  policyWeights: Float32Array[];
  /** The value MLP's weights, same order: one output. */
  valueWeights: Float32Array[];
  history: PpoRecord[];
  /** The observation statistics the networks were fed with (`normalizeObservations`), or null. */
  normalization: { mean: Float64Array; std: Float64Array } | null;
  /**
   * The deterministic policy: the action of the largest logit (the env's action, `start`
   * included), or the Gaussian's mean clipped to the Box.
   */
  act: (observation: ArrayLike<number>) => number | Float32Array;
}

/**
 * The transitions of the last rollout, `[numSteps, numEnvs]` row-major (row = step · numEnvs + env).
 * A row with `valid[row] = 0` is an autoreset step, not a transition of the MDP.
 */
export interface PpoRollout {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly obsSize: number;
  /** s_t, `[rows, obsSize]`. */
  readonly obs: Float32Array;
  /** a_t as category indices from 0 (the env's action is `start + a`); Discrete spaces only. */
  readonly actions: Int32Array;
  /** a_t as sampled from the Gaussian, `[rows, actionDim]`, before clipping; Box spaces only. */
  readonly continuousActions: Float32Array;
  /** log π_old(a_t | s_t) at collection time. */
  readonly logprobs: Float64Array;
  /** The env's rewards after `collect`; an outer loop may overwrite the valid rows before `update`. */
  readonly rewards: Float64Array;
  /** The transition reached a terminal state. */
  readonly terminated: Uint8Array;
  /** Terminated or truncated: the episode ends after this row. */
  readonly ended: Uint8Array;
  readonly valid: Uint8Array;
  /** s_{t+1} of every row, `[rows, obsSize]` (the final observation when the episode ended). */
  readonly nextObs: Float32Array;
}

/**
 * What a PPO learner needs to continue after a restart (JSON-safe): weights, Adam, the random
 * stream, counters and running statistics. The envs are not in it: a resumed learner resets
 * them with a seed derived from the update count, so it continues the training, not the exact
 * trajectory an uninterrupted run would have taken.
 */
export interface PpoLearnerState {
  format: "mimic-ppo-learner";
  version: 1;
  updates: number;
  globalStep: number;
  /** Every parameter ([actor | critic | log-std]), base64 float32. */
  params: string;
  adam: TrainerState;
  rng: Pcg64State;
  obsRms: { mean: number[]; var: number[]; count: number } | null;
  returnRms: { mean: number[]; var: number[]; count: number } | null;
}

/**
 * A PPO run's state after an update (JSON-safe): the learner's, the records so far, and the
 * learned reward's running statistics when it trains on one. See `PpoLearnerState` for what a
 * resumed run continues and what it does not.
 */
export interface PpoRunState {
  format: "mimic-ppo-run";
  version: 1;
  learner: PpoLearnerState;
  history: PpoRecord[];
  rewardStats: { mean: number[]; var: number[]; count: number } | null;
}

/** The live run, as `onUpdateEnd` sees it. */
export interface PpoSnapshot {
  /** The policy's weights now (`PpoResult.policyWeights`'s layout), copied. */
  policyWeights(): Float32Array[];
  state(): PpoRunState;
}

/** What one rollout saw. */
export interface RolloutStats {
  /** Env steps so far, this rollout included. */
  timesteps: number;
  /** Episodes that finished during the rollout, and the sum of their env (true) returns. */
  episodes: number;
  episodeReturnSum: number;
}
