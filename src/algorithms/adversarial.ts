/**
 * @module
 * Adversarial imitation: the round loop GAIL and AIRL share. After `imitation`'s
 * `AdversarialTrainer` (src/imitation/algorithms/adversarial/common.py), with PPO (ppo/) as the
 * generator:
 *
 *   each round:
 *     1. the generator π rolls out one PPO rollout (numEnvs × numSteps env steps);
 *     2. the discriminator takes `updatesPerRound` Adam steps on the binary logistic loss, expert
 *        transitions labelled 1 and this rollout's transitions labelled 0 (logits high = expert);
 *     3. the rollout's rewards are replaced by the learned reward of each transition,
 *        standardized with running statistics;
 *     4. PPO updates π on those rewards.
 *
 * What differs between the two lives in gail.ts and airl.ts: the discriminator's logit and how a
 * logit becomes the generator's reward. Episode ends go through an absorbing state whose reward is
 * learned too (reward-model.ts explains why), and the generator bootstraps a terminal step with
 * that state's value r_abs / (1 − γ).
 *
 * Differences from `imitation`: the generator's samples are exactly the rollout PPO then learns
 * from (imitation's replay buffer defaults to one round, so this is the same data); discriminator
 * inputs are standardized with the demonstrations' fixed statistics instead of a running norm; the
 * rewards are standardized by mean and std (imitation's `NormalizedRewardNet` does the same with
 * its own running statistics).
 */

import { z } from "zod";
import { InvalidOptionError, NonFiniteGradientError, ShapeMismatchError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import { type Pcg64State, type Rng, rngFromSeed } from "../core/rng.js";
import { Box, Discrete } from "../core/spaces/index.js";
import type { VectorEnv } from "../core/vector.js";
import { RunningMeanStd } from "../core/wrappers.js";
import { yieldToEventLoop } from "../core/yield.js";
import { columnStats } from "../data/dataset.js";
import type { Transitions } from "../data/episode.js";
import { decodeFloat32, encodeFloat32 } from "../nn/base64.js";
import { FusedAdam } from "../nn/fused/adam.js";
import { createLossStats, logisticLoss } from "../nn/fused/losses.js";
import type { TrainerState } from "../nn/trainer.js";
import { GradientPenalty } from "./gradient-penalty.js";
import {
  PpoLearner,
  type PpoLearnerState,
  type PpoRecord,
  type PpoResult,
  ppoConfigSchema,
} from "./ppo/index.js";
import { RewardModel, type RewardModelKind } from "./reward-model.js";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

export const discriminatorConfigSchema = z
  .object({
    /** Hidden layers of the reward networks (g, and AIRL's h): `imitation`'s BasicRewardNet default. */
    hidden: z.array(z.number().int().positive()).min(1).default([32, 32]),
    activation: z.enum(["relu", "tanh"]).default("relu"),
    /** Adam's step size for the discriminator. */
    learningRate: z.number().positive().default(1e-3),
    /** Transitions per side (expert and generator) in one discriminator batch. */
    batchSize: z.number().int().positive().default(256),
    /** Discriminator steps after each generator rollout. */
    updatesPerRound: z.number().int().positive().default(4),
    /**
     * Generator transitions kept for the discriminator, as a uniform reservoir over every round
     * so far (0: the latest rollout only, `imitation`'s default). It keeps the early generator's
     * falls in view; measured on CartPole it did not help reward transfer (docs/algorithms/irl.md).
     */
    replaySize: z.number().int().min(0).default(0),
    /**
     * A reward of the state alone, not of the state and action: AIRL's g(s) (Fu et al.'s
     * disentangled form), GAIL's D(s) (imitation from observation, as in Torabi et al. 2018's
     * GAIfO without s'; the discriminator cannot tell the two sides apart by the actions'
     * noise, and the demonstrations' actions go unused).
     */
    stateOnlyReward: z.boolean().default(false),
    /**
     * How the reward networks' observation inputs are standardized. "demonstrations": with the
     * demonstrations' mean and std, fixed for the run (a constant dimension left unscaled).
     * "running": `imitation`'s `RunningNorm` (its tuned seals configs put one on the reward net's
     * input): a running mean and variance over every discriminator batch, expert and generator
     * rows alike (the absorbing state left out), from an empty start, and inputs scaled by
     * 1/√(var + 1e-5), so a dimension the demonstrations never move still gets the generator's
     * scale. The saved reward model keeps the statistics of the end of training.
     */
    inputNorm: z.enum(["demonstrations", "running"]).default("demonstrations"),
    /**
     * λ of the gradient penalty λ·(‖∇ₓ logit(x̂)‖ − 1)² added to the discriminator's loss, at
     * points x̂ drawn uniformly between each expert row and a generator row of the batch (WGAN-GP's
     * form, which DAC puts on GAIL's discriminator with λ = 10; gradient-penalty.ts). 0 (the
     * default, `imitation`'s): none. GAIL with a ReLU discriminator only.
     */
    gradientPenalty: z.number().min(0).default(0),
  })
  .strict();

export const adversarialConfigSchema = z
  .object({
    /** Env steps of the generator (the PPO rollouts), in total. */
    totalTimesteps: z.number().int().positive().default(300_000),
    /** The generator's PPO settings (its `totalTimesteps` is this config's, and its seed too). */
    ppo: ppoConfigSchema.omit({ totalTimesteps: true, seed: true }).prefault({}),
    discriminator: discriminatorConfigSchema.prefault({}),
    /** Standardize the learned rewards with running mean and std before PPO sees them. */
    normalizeRewards: z.boolean().default(true),
    /**
     * Accept episodes of different lengths. Off by default, as in `imitation`: see
     * `variableHorizonError` for why.
     */
    allowVariableHorizon: z.boolean().default(false),
    /** Seed of the generator, the discriminator's initialization and its batches. */
    seed: z.number().int().min(0).default(1),
  })
  .strict();

export type AdversarialConfig = z.input<typeof adversarialConfigSchema>;
export type ResolvedAdversarialConfig = z.output<typeof adversarialConfigSchema>;

export function resolveAdversarialConfig(
  config: AdversarialConfig = {},
  algorithm = "adversarial",
): ResolvedAdversarialConfig {
  const result = adversarialConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new InvalidOptionError(path, `${algorithm} config: ${path} is invalid: ${issue.message}.`, {
    cause: result.error,
  });
}

// ---------------------------------------------------------------------------------------------
// What GAIL and AIRL supply
// ---------------------------------------------------------------------------------------------

/**
 * A batch of transitions for the discriminator: s, a (index from 0; Box: `actDim` values), s',
 * whether s or s' is the absorbing state, and log π(a | s) under the current generator (AIRL's
 * logit uses it).
 */
export class TransitionBatch {
  rows = 0;
  readonly obs: Float32Array;
  /** `[capacity, actDim]`: action indices (Discrete, actDim 1) or action values (Box). */
  readonly actions: Float32Array;
  readonly absorbing: Uint8Array;
  readonly nextObs: Float32Array;
  readonly nextAbsorbing: Uint8Array;
  readonly logPi: Float64Array;
  /**
   * How many steps of the episode each row stands for: 1 for a transition; for the absorbing
   * loop, the steps left until the horizon (see `absorbingWeight`). Batches are drawn in proportion.
   */
  readonly weight: Float64Array;
  private cdf: Float64Array | null = null;

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
    readonly actDim = 1,
  ) {
    this.obs = new Float32Array(capacity * obsSize);
    this.actions = new Float32Array(capacity * actDim);
    this.absorbing = new Uint8Array(capacity);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.nextAbsorbing = new Uint8Array(capacity);
    this.logPi = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
  }

  /** Appends a transition; the caller fills its fields at the returned row. */
  add(weight = 1): number {
    this.cdf = null;
    const r = this.rows++;
    this.weight[r] = weight;
    this.absorbing[r] = 0;
    this.nextAbsorbing[r] = 0;
    this.logPi[r] = 0;
    return r;
  }

  /** Draws a row with probability proportional to its weight. */
  draw(rng: Rng): number {
    if (this.cdf === null || this.cdf.length !== this.rows) {
      this.cdf = new Float64Array(this.rows);
      let total = 0;
      for (let r = 0; r < this.rows; r++) {
        total += this.weight[r]!;
        this.cdf[r] = total;
      }
    }
    const cdf = this.cdf;
    const u = rng.random() * cdf[cdf.length - 1]!;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Appends row `i` of `from`. */
  push(from: TransitionBatch, i: number): void {
    this.set(this.rows++, from, i);
  }

  /** Overwrites row `r` with row `i` of `from`. */
  set(r: number, from: TransitionBatch, i: number): void {
    this.cdf = null;
    this.weight[r] = from.weight[i]!;
    const n = this.obsSize;
    // Element by element: a subarray per row costs more than copying a few numbers.
    for (let k = 0; k < n; k++) {
      this.obs[r * n + k] = from.obs[i * n + k]!;
      this.nextObs[r * n + k] = from.nextObs[i * n + k]!;
    }
    const m = this.actDim;
    for (let j = 0; j < m; j++) this.actions[r * m + j] = from.actions[i * m + j]!;
    this.absorbing[r] = from.absorbing[i]!;
    this.nextAbsorbing[r] = from.nextAbsorbing[i]!;
    this.logPi[r] = from.logPi[i]!;
  }
}

export interface Discriminator {
  /** The reward networks being trained (their parameters are `params`). */
  readonly model: RewardModel;
  /** Every trainable parameter, one flat vector (the model's networks are views into it). */
  readonly params: Float32Array;
  /** Sizes of the parameter tensors in `params`, for Adam's per-tensor bookkeeping. */
  readonly tensorSizes: readonly number[];
  /** Whether `logits` reads the batch's `logPi` (the generator's log π(a|s); AIRL's does). */
  readonly needsLogPi: boolean;
  /** Makes the buffers hold `rows` transitions. */
  reserve(rows: number): void;
  /** The logits of a batch (high = expert), keeping what `backward` needs. */
  logits(batch: TransitionBatch): Float32Array | Float64Array;
  /** Back-propagates ∂loss/∂logit of the last `logits` call into `grads` (same layout as `params`). */
  backward(dLogits: Float64Array, grads: Float32Array): void;
  /** How a logit becomes the generator's reward (the equation is in each implementation). */
  reward(logit: number): number;
}

// ---------------------------------------------------------------------------------------------
// The round loop
// ---------------------------------------------------------------------------------------------

/** One round's line of history: the discriminator's numbers and the generator's PPO record. */
export interface AdversarialRecord extends PpoRecord {
  round: number;
  /** Binary logistic loss of the round's last discriminator batch. */
  discLoss: number;
  /** (‖∇ₓ logit‖ − 1)² of the last batch's interpolates, when `gradientPenalty` is on. */
  discGradientPenalty?: number;
  /** Fraction of the last batch's expert transitions with logit > 0. */
  discAccuracyExpert: number;
  /** Fraction of the last batch's generator transitions with logit < 0. */
  discAccuracyGenerator: number;
  /** Mean learned reward of the rollout (before standardization). */
  meanLearnedReward: number;
  /** The absorbing state's learned reward (before standardization). */
  absorbingReward: number;
}

export interface AdversarialOptions {
  /** Called after each round; `snapshot` gives the generator's current policy weights. */
  onRoundEnd?: (record: AdversarialRecord, snapshot: AdversarialSnapshot) => void | Promise<void>;
  /** Something the user should know that is not an error (e.g. a batch that had to shrink). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /** Continue from a snapshot's `state()` (a checkpoint) instead of starting at round 1. */
  resume?: AdversarialState;
}

/**
 * Everything a run needs to continue after a restart (JSON-safe): the generator (weights, Adam,
 * random stream; its envs restart, see `PpoLearnerState`), the discriminator's parameters and
 * Adam, the reward statistics, the loop's random stream and the history so far. A replay
 * reservoir (`replaySize`) starts empty again.
 */
export interface AdversarialState {
  format: "mimic-adversarial";
  version: 1;
  round: number;
  learner: PpoLearnerState;
  discriminator: string;
  discriminatorAdam: TrainerState;
  rewardStats: { mean: number[]; var: number[]; count: number };
  /** The running input statistics (discriminator.inputNorm "running" only). */
  inputStats?: { mean: number[]; var: number[]; count: number };
  rng: Pcg64State;
  history: AdversarialRecord[];
}

export interface AdversarialSnapshot {
  /** Copies of the generator's policy weights (`initMlpWeights` order). */
  policyWeights(): Float32Array[];
  /** The reward model, live (serialize it to keep a copy). */
  rewardModel: RewardModel;
  /** The whole training state, to resume from (`AdversarialOptions.resume`). */
  state(): AdversarialState;
}

export interface AdversarialResult extends Omit<PpoResult, "history"> {
  history: AdversarialRecord[];
  rewardModel: RewardModel;
}

/** Checks the demonstrations against the env and turns them into the expert's transition pool. */
export function expertPool(
  envs: VectorEnv,
  demos: Transitions,
  algorithm: string,
  horizon = envs.spec.maxEpisodeSteps ?? demos.length,
): TransitionBatch {
  const space = envs.singleActionSpace;
  if (!(space instanceof Discrete) && !(space instanceof Box)) {
    throw new InvalidOptionError(
      "env.actionSpace",
      `${algorithm} supports Discrete and Box action spaces (its generator is PPO), got ${space}.`,
    );
  }
  const actDim = space instanceof Box ? space.size : 1;
  if (demos.obsDim !== envs.obsSize || demos.actDim !== actDim) {
    throw new ShapeMismatchError(
      `${algorithm}: the demonstrations have ${demos.obsDim} observation values and ${demos.actDim} action values per step, but the env has ${envs.obsSize} and ${actDim} (${space}). Were they recorded on another env?`,
    );
  }
  if (demos.length === 0)
    throw new ShapeMismatchError(`${algorithm}: the demonstrations hold no transitions.`);
  let terminal = 0;
  for (let i = 0; i < demos.length; i++) terminal += demos.dones[i]!;
  const pool = new TransitionBatch(demos.length + terminal, demos.obsDim, actDim);
  const n = demos.obsDim;
  for (let i = 0; i < demos.length; i++) {
    const a = space instanceof Box ? demos.acts.subarray(i * actDim, i * actDim + actDim) : demos.acts[i]!;
    if (!(space instanceof Box ? boxContains(space, a as ArrayLike<number>) : space.contains(a))) {
      throw new ShapeMismatchError(
        `${algorithm}: demonstration transition ${i} has action ${Array.from(a as ArrayLike<number>).join(", ") || a}, which is outside the env's action space ${space}.`,
      );
    }
    for (let k = 0; k < n; k++) {
      if (!Number.isFinite(demos.obs[i * n + k]!) || !Number.isFinite(demos.nextObs[i * n + k]!)) {
        throw new ShapeMismatchError(
          `${algorithm}: demonstration transition ${i} has a non-finite observation value at index ${k}.`,
        );
      }
    }
    const r = pool.add();
    pool.obs.set(demos.obs.subarray(i * n, i * n + n), r * n);
    pool.nextObs.set(demos.nextObs.subarray(i * n, i * n + n), r * n);
    if (space instanceof Box) pool.actions.set(a as ArrayLike<number>, r * actDim);
    else pool.actions[r] = (a as number) - space.start;
    pool.nextAbsorbing[r] = demos.dones[i]!;
  }
  // Each terminal transition is followed by the absorbing loop, weighted by the steps left.
  let start = 0;
  for (let i = 0; i < demos.length; i++) {
    if (!demos.dones[i]) continue;
    addAbsorbingLoop(pool, absorbingWeight(horizon, i + 1 - start));
    start = i + 1;
  }
  return pool;
}

/**
 * The absorbing loop's weight after an episode that terminated after `length` steps: the steps
 * left until the horizon H, so that every episode counts H steps, as if it were padded to the
 * fixed horizon with its absorbing state (what the `seals` envs do for `imitation`). An agent
 * that falls early then shows the discriminator H − T absorbing steps, not one.
 */
export function absorbingWeight(horizon: number, length: number): number {
  return Math.max(horizon - length, 1);
}

function addAbsorbingLoop(pool: TransitionBatch, weight: number): void {
  const r = pool.add(weight);
  pool.obs.fill(0, r * pool.obsSize, (r + 1) * pool.obsSize);
  pool.nextObs.fill(0, r * pool.obsSize, (r + 1) * pool.obsSize);
  pool.absorbing[r] = 1;
  pool.nextAbsorbing[r] = 1;
  pool.actions.fill(0, r * pool.actDim, (r + 1) * pool.actDim);
}

/** Whether `a` lies in the Box (the demonstrations' actions are stored as float32, as the space's). */
function boxContains(space: Box, a: ArrayLike<number>): boolean {
  for (let j = 0; j < space.size; j++) {
    const v = a[j]!;
    if (!(v >= Math.fround(space.low[j]!) && v <= Math.fround(space.high[j]!))) return false;
  }
  return true;
}

/**
 * A fresh reward model of `kind` over the env's spaces, its inputs standardized with the
 * demonstrations' statistics (which are checked against the env first), seeded from the run's
 * seed and the kind.
 */
export function initRewardModel(
  kind: RewardModelKind,
  envs: VectorEnv,
  demos: Transitions,
  args: ResolvedAdversarialConfig,
  algorithm: string,
): RewardModel {
  expertPool(envs, demos, algorithm); // checks the demonstrations before anything is built
  // The demonstrations' per-dimension mean and std; a constant dimension is left unscaled.
  const { mean, std } = columnStats([demos.obs], demos.obsDim);
  const space = envs.singleActionSpace;
  return RewardModel.init(
    {
      kind,
      obsSize: envs.obsSize,
      nActions: space instanceof Box ? space.size : (space as Discrete).n,
      ...(space instanceof Box ? { continuousActions: true } : {}),
      hidden: args.discriminator.hidden,
      activation: args.discriminator.activation,
      gamma: args.ppo.gamma,
      stateOnly: args.discriminator.stateOnlyReward,
      obsMean: mean,
      obsStd: std.map((v) => v || 1),
    },
    rngFromSeed((BigInt(args.seed) << 32n) | (kind === "gail" ? 0x6a11n : 0xa121n)),
  );
}

/** RunningNorm's variance floor: inputs are scaled by 1/√(var + RUNNING_NORM_EPS). */
const RUNNING_NORM_EPS = 1e-5;

/** Points the model's input standardization at running statistics (RunningNorm's transform). */
function setInputNorm(model: RewardModel, stats: RunningMeanStd): void {
  model.obsMean.set(stats.mean);
  for (let k = 0; k < stats.var.length; k++)
    model.obsInvStd[k] = 1 / Math.sqrt(stats.var[k]! + RUNNING_NORM_EPS);
}

/**
 * The gradient penalty's workspace when the config asks for one, refused where its closed form
 * does not hold (gradient-penalty.ts): AIRL's two networks, a tanh discriminator.
 */
function gradientPenaltyOf(
  algorithm: string,
  discriminator: Discriminator,
  config: ResolvedAdversarialConfig["discriminator"],
): GradientPenalty | null {
  if (config.gradientPenalty === 0) return null;
  const model = discriminator.model;
  if (model.kind !== "gail" || model.g.mlp.activation !== "relu") {
    throw new InvalidOptionError(
      "discriminator.gradientPenalty",
      `${algorithm}: the gradient penalty is implemented for GAIL's discriminator with ReLU activations; this one is ${model.kind}'s with ${model.g.mlp.activation}. Set discriminator.gradientPenalty to 0 (CLI: leave out --disc-grad-penalty)${model.kind === "gail" ? ", or use --disc-activation relu" : ""}.`,
    );
  }
  return new GradientPenalty(model.g.mlp.sizes);
}

/** Episode lengths of the demonstrations, from the `dones`/truncation structure the caller gives. */
export function variableHorizonError(algorithm: string, what: string): InvalidOptionError {
  return new InvalidOptionError(
    "allowVariableHorizon",
    `${algorithm}: episodes of different lengths (${what}). When an episode's length depends on what the ` +
      "agent does, the episode's end itself carries information about the reward: a learned reward that " +
      "is positive everywhere teaches the agent to stay alive, one that is negative teaches it to die fast, " +
      "whatever the reward network learned. `imitation` refuses this for the same reason. mimic sends every " +
      "terminal step to an absorbing state whose reward is learned too, which removes most of this bias; if " +
      "you accept the rest, pass allowVariableHorizon: true (CLI: --allow-variable-horizon). The fixed-horizon " +
      "path needs neither: collect the demonstrations on and train in seals/CartPole-v0 (CartPole whose " +
      "episodes all last 500 steps), as imitation does with seals. See " +
      "https://imitation.readthedocs.io/en/latest/getting-started/variable-horizon.html",
  );
}

/**
 * Lengths of the demonstration episodes: `demos.episodeLengths` where known (`toTransitions` sets
 * it); else they end at a `done` or, when none is set, at the end.
 */
function demoHorizons(demos: Transitions): number[] {
  if (demos.episodeLengths !== undefined) return [...demos.episodeLengths];
  // Only terminal steps are marked here: an unmarked truncation joins its episode to the next.
  const lengths: number[] = [];
  let start = 0;
  for (let i = 0; i < demos.length; i++) {
    if (demos.dones[i]) {
      lengths.push(i + 1 - start);
      start = i + 1;
    }
  }
  if (start < demos.length) lengths.push(demos.length - start);
  return lengths;
}

/**
 * The shared adversarial loop: PPO generator rounds against `discriminator`, on `envs`, imitating
 * `demos`. The variable-horizon check reads the demonstrations' lengths from
 * `demos.episodeLengths`, the only place a truncated episode's end shows.
 */
export async function trainAdversarial(
  algorithm: string,
  envs: VectorEnv,
  demos: Transitions,
  discriminator: Discriminator,
  config: ResolvedAdversarialConfig,
  options: AdversarialOptions = {},
): Promise<AdversarialResult> {
  const horizons = demoHorizons(demos);
  // H: the env's time limit, or the longest demonstration.
  const fixedHorizon = envs.spec.maxEpisodeSteps ?? Math.max(...horizons);
  const expert = expertPool(envs, demos, algorithm, fixedHorizon);
  const horizon = horizons[0]!;
  if (!config.allowVariableHorizon && horizons.some((h) => h !== horizon)) {
    throw variableHorizonError(
      algorithm,
      `the demonstrations have lengths ${[...new Set(horizons)].join(", ")}`,
    );
  }
  const learner = new PpoLearner(envs, {
    ...config.ppo,
    totalTimesteps: config.totalTimesteps,
    seed: config.seed,
  });
  const rng = rngFromSeed((BigInt(config.seed) << 32n) | 0x9a11n);
  const { numEnvs, numSteps, obsSize } = learner.rollout;
  const rolloutRows = numEnvs * numSteps;
  // Box: the discriminator sees the executed action, the sample clipped to the bounds as the env got it.
  const box = envs.singleActionSpace instanceof Box ? envs.singleActionSpace : null;
  const actDim = expert.actDim;

  let batch = config.discriminator.batchSize;
  if (expert.rows < batch) {
    options.onWarning?.(
      `${algorithm}: the demonstrations hold ${expert.rows} transitions, fewer than one discriminator batch (${batch}); the batch shrinks to ${expert.rows} per side.`,
    );
    batch = expert.rows;
  }
  discriminator.reserve(Math.max(2 * batch, rolloutRows + 1));
  const generator = new TransitionBatch(2 * rolloutRows, obsSize, actDim);
  const replaySize = config.discriminator.replaySize;
  const replay = replaySize > 0 ? new TransitionBatch(replaySize, obsSize, actDim) : null;
  let seen = 0;
  const discBatch = new TransitionBatch(2 * batch, obsSize, actDim);
  const labels = new Float64Array(2 * batch).fill(1, 0, batch);
  const dLogits = new Float64Array(Math.max(2 * batch, rolloutRows + 1));
  const grads = new Float32Array(discriminator.params.length);
  const adam = new FusedAdam(discriminator.tensorSizes, { learningRate: config.discriminator.learningRate });
  const stats = createLossStats();
  const penalty = gradientPenaltyOf(algorithm, discriminator, config.discriminator);
  let penaltyValue = 0;
  const rewardStats = new RunningMeanStd(1);
  // "running" input norm: the statistics of every discriminator batch so far (RunningNorm's).
  const inputStats = config.discriminator.inputNorm === "running" ? new RunningMeanStd(obsSize, 0) : null;
  const learned = new Float64Array(rolloutRows);
  const episodeLength = new Int32Array(numEnvs);
  const terminalLengths = new Int32Array(rolloutRows);
  const history: AdversarialRecord[] = [];
  let firstRound = 1;
  const snapshot: AdversarialSnapshot = {
    policyWeights: () => learner.policyWeights(),
    rewardModel: discriminator.model,
    state: () => ({
      format: "mimic-adversarial",
      version: 1,
      round: history.at(-1)?.round ?? firstRound - 1,
      learner: learner.getState(),
      discriminator: encodeFloat32(discriminator.params),
      discriminatorAdam: adam.getState(),
      rewardStats: rewardStats.toJSON(),
      ...(inputStats === null ? {} : { inputStats: inputStats.toJSON() }),
      rng: rng.bitGenerator.getState(),
      history: history.map((r) => ({ ...r })),
    }),
  };
  const resume = options.resume;
  if (resume !== undefined) {
    if (resume?.format !== "mimic-adversarial" || resume.version !== 1) {
      throw new InvalidOptionError(
        "resume",
        `${algorithm}: not an adversarial training state (format "mimic-adversarial", version 1).`,
      );
    }
    const params = decodeFloat32(resume.discriminator);
    if (params === null || params.length !== discriminator.params.length) {
      throw new ShapeMismatchError(
        `${algorithm}: the saved discriminator has ${params?.length ?? "no"} parameters; this one has ${discriminator.params.length}. Was it saved with other settings?`,
      );
    }
    discriminator.params.set(params);
    adam.setState(resume.discriminatorAdam);
    learner.setState(resume.learner);
    rewardStats.load(resume.rewardStats);
    if (inputStats !== null) {
      if (resume.inputStats === undefined) {
        throw new InvalidOptionError(
          "resume",
          `${algorithm}: the saved state has no running input statistics; it was trained with discriminator.inputNorm "demonstrations".`,
        );
      }
      inputStats.load(resume.inputStats);
      setInputNorm(discriminator.model, inputStats);
    } else if (resume.inputStats !== undefined) {
      throw new InvalidOptionError(
        "resume",
        `${algorithm}: the saved state has running input statistics; it was trained with discriminator.inputNorm "running".`,
      );
    }
    rng.bitGenerator.setState(resume.rng);
    history.push(...resume.history);
    firstRound = resume.round + 1;
  }

  for (let round = firstRound; round <= learner.numUpdates; round++) {
    // 1. The generator's rollout.
    const rollout = learner.collect();
    const r = learner.rollout;
    generator.rows = 0;
    let terminals = 0;
    for (let row = 0; row < rolloutRows; row++) {
      if (!r.valid[row]) continue;
      const env = row % numEnvs;
      const length = ++episodeLength[env]!;
      if (r.ended[row]) {
        if (!config.allowVariableHorizon && length !== horizon) {
          throw variableHorizonError(
            algorithm,
            `a generator episode ended after ${length} steps, the demonstrations after ${horizon}`,
          );
        }
        episodeLength[env] = 0;
        if (r.terminated[row]) terminalLengths[terminals++] = length;
      }
      const g = generator.add();
      // Element by element: a subarray per row costs more than copying a few numbers.
      for (let k = 0; k < obsSize; k++) {
        generator.obs[g * obsSize + k] = r.obs[row * obsSize + k]!;
        generator.nextObs[g * obsSize + k] = r.nextObs[row * obsSize + k]!;
      }
      if (box === null) generator.actions[g] = r.actions[row]!;
      else {
        for (let j = 0; j < actDim; j++) {
          const a = r.continuousActions[row * actDim + j]!;
          generator.actions[g * actDim + j] = Math.min(Math.max(a, box.low[j]!), box.high[j]!);
        }
      }
      generator.logPi[g] = r.logprobs[row]!;
      generator.nextAbsorbing[g] = r.terminated[row]!;
    }
    const transitions = generator.rows;
    for (let k = 0; k < terminals; k++)
      addAbsorbingLoop(generator, absorbingWeight(fixedHorizon, terminalLengths[k]!));

    if (replay !== null) {
      // Reservoir sampling (Vitter's algorithm R): every generator transition so far is kept
      // with the same probability.
      for (let i = 0; i < generator.rows; i++) {
        seen++;
        if (replay.rows < replaySize) replay.push(generator, i);
        else {
          const j = rng.integers(seen);
          if (j < replaySize) replay.set(j, generator, i);
        }
      }
    }
    const generatorPool = replay ?? generator;

    // 2. The discriminator: expert rows labelled 1, generator rows 0, drawn with replacement.
    let lossValue = 0;
    let accExpert = 0;
    let accGenerator = 0;
    for (let u = 0; u < config.discriminator.updatesPerRound; u++) {
      discBatch.rows = 0;
      for (let i = 0; i < batch; i++) discBatch.push(expert, expert.draw(rng));
      for (let i = 0; i < batch; i++) discBatch.push(generatorPool, generatorPool.draw(rng));
      // log π(a|s) under the current generator, for both halves, where the logit needs it (AIRL).
      if (discriminator.needsLogPi) {
        learner.logProbs(discBatch.obs, discBatch.actions, 2 * batch, discBatch.logPi);
        for (let i = 0; i < 2 * batch; i++) if (discBatch.absorbing[i]) discBatch.logPi[i] = 0;
      }
      if (inputStats !== null) {
        for (let i = 0; i < 2 * batch; i++) {
          if (!discBatch.absorbing[i])
            inputStats.update(discBatch.obs.subarray(i * obsSize, (i + 1) * obsSize));
        }
        setInputNorm(discriminator.model, inputStats);
      }
      const logits = discriminator.logits(discBatch);
      lossValue = logisticLoss(logits, 2 * batch, labels, dLogits, stats);
      if (!Number.isFinite(lossValue)) {
        throw new NonFiniteGradientError("discriminator", adam.step + 1, "discriminator logistic loss");
      }
      discriminator.backward(dLogits, grads);
      if (penalty !== null) {
        // Between the batch's expert and generator rows, in the encoded inputs `logits` just read.
        penaltyValue = penalty.applyBetween(
          discriminator.params,
          discriminator.model.g.mlp.input,
          batch,
          rng,
          grads,
          config.discriminator.gradientPenalty,
        );
      }
      for (let i = 0; i < grads.length; i++) {
        if (!Number.isFinite(grads[i]!)) {
          throw new NonFiniteGradientError("discriminator", adam.step + 1, "discriminator logistic loss");
        }
      }
      adam.update(discriminator.params, grads);
      accExpert = 0;
      accGenerator = 0;
      for (let i = 0; i < batch; i++) {
        if (logits[i]! > 0) accExpert++;
        if (logits[batch + i]! < 0) accGenerator++;
      }
      accExpert /= batch;
      accGenerator /= batch;
    }

    // 3. The learned rewards of the rollout, and of the absorbing state (index `transitions`).
    generator.rows = transitions;
    addAbsorbingLoop(generator, 1);
    const logits = discriminator.logits(generator);
    let sum = 0;
    for (let i = 0; i < transitions; i++) {
      learned[i] = discriminator.reward(logits[i]!);
      sum += learned[i]!;
    }
    const absorbing = discriminator.reward(logits[transitions]!);
    if (!Number.isFinite(sum) || !Number.isFinite(absorbing)) {
      throw new NonFiniteGradientError(
        "discriminator",
        adam.step + 1,
        "learned reward (the discriminator's output)",
      );
    }
    learner.setLearnedRewards(learned, absorbing, config.normalizeRewards ? rewardStats : null);

    // 4. PPO on the learned rewards.
    const ppo = learner.update();
    const record: AdversarialRecord = {
      round,
      timesteps: rollout.timesteps,
      meanEpisodeReturn: rollout.episodes > 0 ? rollout.episodeReturnSum / rollout.episodes : null,
      episodes: rollout.episodes,
      ...ppo,
      discLoss: lossValue,
      ...(penalty === null ? {} : { discGradientPenalty: penaltyValue }),
      discAccuracyExpert: accExpert,
      discAccuracyGenerator: accGenerator,
      meanLearnedReward: transitions > 0 ? sum / transitions : Number.NaN,
      absorbingReward: absorbing,
    };
    history.push(record);
    await options.onRoundEnd?.(record, snapshot);
    if (options.signal?.aborted) break;
    await yieldToEventLoop();
  }
  const { history: _ppoHistory, ...policy } = learner.result([]);
  return { ...policy, history, rewardModel: discriminator.model };
}
