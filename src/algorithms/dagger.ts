/**
 * DAgger: Dataset Aggregation. Behavior cloning learns only from the states the expert visits;
 * the learner then drifts into states it never saw and its errors compound. DAgger rolls out a
 * mixture of expert and learner, asks the expert to label every state the mixture visited, adds
 * those labels to the dataset, and trains the learner again on everything.
 *
 * Paper: Ross, Gordon and Bagnell (2011), "A Reduction of Imitation Learning and Structured
 * Prediction to No-Regret Online Learning", Algorithm 3.1. Reference implementation:
 * HumanCompatibleAI/imitation, src/imitation/algorithms/dagger.py (`SimpleDAggerTrainer`,
 * `LinearBetaSchedule`, `ExponentialBetaSchedule`).
 *
 *   D ← demonstrations (may be empty);  π₀ ← BC(D) when D is not empty
 *   for i = 1 … N:
 *     βᵢ ← schedule(i)
 *     roll out πᵢ = βᵢ·π* + (1 − βᵢ)·π̂ᵢ₋₁ for T steps (each step: the expert's action with
 *       probability βᵢ, the learner's otherwise)
 *     Dᵢ ← {(s, π*(s)) : s visited}   (the expert labels every visited state)
 *     D ← D ∪ Dᵢ;  π̂ᵢ ← BC(D)          (BC's whole update, from scratch each round)
 *     evaluate π̂ᵢ
 */
import { z } from "zod";
import type { Env, EnvSpec } from "../core/env.js";
import { InvalidOptionError, MimicError } from "../core/errors.js";
import { formatPath, make } from "../core/registry.js";
import { rngFromSeed } from "../core/rng.js";
import type { SpaceValue } from "../core/spaces/index.js";
import { columnFor, layoutFor } from "../data/columns.js";
import { Dataset } from "../data/dataset.js";
import { Episode } from "../data/episode.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { checkLabels, type Expert } from "../experts/expert.js";
import { type CompiledPolicy, type CompiledPolicyJson, compilePolicy } from "../nn/compile.js";
import type { NeuralPolicy } from "../nn/policy.js";
import { type BcConfig, bcConfigSchema, trainBc } from "./bc.js";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

export const daggerConfigSchema = z
  .object({
    /** DAgger rounds after the initial BC (each: roll out, label, aggregate, retrain, evaluate). */
    rounds: z.number().int().positive().default(5),
    /** Env steps the mixture policy takes per round (the episode in progress is cut there). */
    stepsPerRound: z.number().int().positive().default(2000),
    /**
     * How much of the rollout the expert drives: `linear` goes from 1 to 0 over `rampdown` rounds
     * (default: all of them), `exponential` is decay^i.
     */
    beta: z
      .union([
        z.object({ kind: z.literal("linear"), rampdown: z.number().int().positive().optional() }).strict(),
        z.object({ kind: z.literal("exponential"), decay: z.number().gt(0).lt(1) }).strict(),
      ])
      .default({ kind: "linear" }),
    /** BC's settings for every round's training. */
    bc: bcConfigSchema.partial().default({}),
    /** Evaluation episodes after each round (episode k uses evalSeed + k). */
    evalEpisodes: z.number().int().min(1).default(20),
    evalSeed: z.number().int().min(0).default(1000),
    /** Stop after the first round whose evaluation reaches this mean return. */
    targetReturn: z.number().optional(),
    /** Seed of the rollouts (round i's episode k resets with seed + 1000·i + k) and of the β draws. */
    seed: z.number().int().min(0).default(0),
    /**
     * Where the expert/learner coin flips come from: `round`, one stream per round shared by its
     * episodes in turn (the original scheme); `episode`, one stream per episode (round i, episode k),
     * with the learner acting through its compiled form, so each episode can be rolled out on its
     * own, in another process (`rollouts`), and the round is the same wherever it ran.
     */
    betaStream: z.enum(["round", "episode"]).default("round"),
  })
  .strict();

export type DaggerConfig = z.input<typeof daggerConfigSchema>;
export type ResolvedDaggerConfig = z.output<typeof daggerConfigSchema>;

export function resolveDaggerConfig(config: DaggerConfig = {}): ResolvedDaggerConfig {
  const result = daggerConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new InvalidOptionError(path, `DAgger config: ${path} is invalid: ${issue.message}.`, {
    cause: result.error,
  });
}

/** β for round i (1-based): imitation's LinearBetaSchedule and ExponentialBetaSchedule. */
export function betaFor(schedule: ResolvedDaggerConfig["beta"], round: number, rounds: number): number {
  if (schedule.kind === "exponential") return schedule.decay ** round;
  const rampdown = schedule.rampdown ?? rounds;
  return Math.min(1, Math.max(0, (rampdown - round) / rampdown));
}

/** What one round did and how the learner scored after it. */
export interface DaggerRound {
  /** 0 is the initial BC on the demonstrations. */
  round: number;
  beta: number;
  /** Env steps taken in this round, and in all rounds so far. */
  envSteps: number;
  totalEnvSteps: number;
  /** Labelled steps in the aggregated dataset after the round. */
  datasetSteps: number;
  trainLoss: number | null;
  evaluation: EvalResult;
  /** The expert stopped answering mid-round (a timed-out person); the labels so far were kept. */
  labelingStopped: string | null;
}

export interface DaggerCallbacks {
  /** After each round, with the data that round added (empty for round 0). */
  onRound?(round: DaggerRound, added: Dataset, learner: NeuralPolicy): void | Promise<void>;
}

export interface TrainDaggerOptions {
  /** Demonstrations to start from (round 0 trains BC on them). */
  demos?: Dataset;
  /** Continue a run: the rounds done so far and the aggregated data after the last of them. */
  resume?: { rounds: DaggerRound[]; dataset: Dataset };
  callbacks?: DaggerCallbacks;
  signal?: AbortSignal;
  /** The env's own options: DAgger runs `make(envId, envOptions)`. */
  envOptions?: Readonly<Record<string, unknown>>;
  /**
   * Rolls a round's episodes out elsewhere (on workers: `src/scale/`), with `betaStream:
   * "episode"` only; the expert passed to `trainDagger` still labels the visited states.
   */
  rollouts?: DaggerRollouts;
}

/** One mixture-rollout episode, described fully enough to run in another process. */
export interface DaggerEpisodeRequest {
  round: number;
  /** k: the episode's index in its round. */
  episode: number;
  /** The reset seed (seed + 1000·round + k). */
  seed: number;
  beta: number;
  /** The seed of the episode's coin-flip stream, as a decimal string (it is a bigint). */
  streamSeed: string;
  /** The episode ends here if it has not ended before (the round's step budget). */
  maxSteps: number;
}

/** Runs mixture-rollout episodes somewhere and returns them in the order asked. */
export interface DaggerRollouts {
  /** How many episodes to ask for in the first batch of a round (later batches are sized from the lengths seen). */
  batch: number;
  run(
    requests: readonly DaggerEpisodeRequest[],
    learner: CompiledPolicyJson | null,
  ): Promise<DaggerTrajectory[]>;
}

export interface DaggerResult {
  policy: NeuralPolicy;
  rounds: DaggerRound[];
  dataset: Dataset;
  config: ResolvedDaggerConfig;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** An error carrying the labels an expert gave before it stopped (a human labeler's timeout). */
function partialLabels(error: unknown): SpaceValue[] | null {
  if (error instanceof MimicError && error.code === ("LABEL_TIMEOUT" as MimicError["code"])) {
    return ((error as unknown as { labels?: SpaceValue[] }).labels ?? []).slice();
  }
  return null;
}

/** One episode of the mixture rollout: its states, and what was executed. */
export interface DaggerTrajectory {
  observations: SpaceValue[];
  /** The expert's label of state t when the expert drove that step (no need to ask again). */
  known: (SpaceValue | undefined)[];
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
}

function copyValue(x: unknown): SpaceValue {
  if (ArrayBuffer.isView(x)) return (x as Float32Array).slice();
  // A Dict or Tuple observation: copy its leaves, which an env may reuse between steps.
  if (Array.isArray(x)) return x.map(copyValue);
  if (typeof x === "object" && x !== null)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copyValue(v)]));
  return x as SpaceValue;
}

/** The seed of round i's episode k's coin flips (`betaStream: "episode"`). */
function episodeStreamSeed(seed: number, round: number, k: number): bigint {
  return (BigInt(seed) * 1_000_003n + BigInt(round)) * 1_000_003n + BigInt(k) + 1n;
}

/**
 * One episode of the mixture βᵢ·expert + (1 − βᵢ)·learner with its own coin-flip stream
 * (`betaStream: "episode"`): reset with `request.seed`, at most `request.maxSteps` steps. A
 * worker runs exactly this for a distributed round. `labelingStopped` is set when the expert
 * stopped answering (a person's timeout); the steps before it are kept.
 */
export async function rollOutDaggerEpisode(
  env: Env<unknown, unknown>,
  expert: Expert,
  learner: CompiledPolicy | null,
  request: DaggerEpisodeRequest,
): Promise<{ trajectory: DaggerTrajectory; labelingStopped: string | null }> {
  const rng = rngFromSeed(BigInt(request.streamSeed));
  const first = env.reset({ seed: request.seed });
  const trajectory: DaggerTrajectory = {
    observations: [copyValue(first.observation)],
    known: [],
    rewards: [],
    terminated: false,
    truncated: false,
  };
  let observation = first.observation;
  let labelingStopped: string | null = null;
  for (let steps = 0; ; ) {
    let action: unknown;
    let known: SpaceValue | undefined;
    if (learner === null || rng.random() < request.beta) {
      try {
        const [label] = await expert.label([copyValue(observation)]);
        checkLabels(expert, [observation], [label], env.actionSpace);
        action = label;
        known = copyValue(label);
      } catch (error) {
        if (partialLabels(error) === null) throw error;
        labelingStopped = (error as Error).message;
        break;
      }
    } else {
      action = learner.act(observation as Float32Array);
    }
    trajectory.known.push(known);
    const result = env.step(action);
    steps += 1;
    trajectory.rewards.push(result.reward);
    trajectory.observations.push(copyValue(result.observation));
    observation = result.observation;
    if (result.terminated || result.truncated || steps >= request.maxSteps) {
      trajectory.terminated = result.terminated;
      trajectory.truncated = !result.terminated;
      break;
    }
  }
  return { trajectory, labelingStopped };
}

/** The first `steps` steps of a trajectory, cut as a rollout that stopped there would be. */
function cutTrajectory(trajectory: DaggerTrajectory, steps: number): DaggerTrajectory {
  if (steps >= trajectory.rewards.length) return trajectory;
  return {
    observations: trajectory.observations.slice(0, steps + 1),
    known: trajectory.known.slice(0, steps),
    rewards: trajectory.rewards.slice(0, steps),
    terminated: false,
    truncated: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export async function trainDagger(
  envId: string,
  expert: Expert,
  config: DaggerConfig = {},
  options: TrainDaggerOptions = {},
): Promise<DaggerResult> {
  const cfg = resolveDaggerConfig(config);
  const bcConfig: BcConfig = { seed: cfg.seed, ...cfg.bc };
  const envOptions = { ...options.envOptions };
  const env = make(envId, envOptions);
  const spec: EnvSpec = env.spec;
  const obsLayout = layoutFor(env.observationSpace, "observation");
  const actColumn = columnFor(env.actionSpace, "action");
  let dataset =
    options.demos ??
    new Dataset({
      id: `dagger/${envId}-v0`,
      episodes: [],
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: spec,
    });
  if (options.demos) {
    for (const [what, ours, theirs] of [
      ["observation", options.demos.observationSpace, env.observationSpace],
      ["action", options.demos.actionSpace, env.actionSpace],
    ] as const) {
      if (String(ours) !== String(theirs)) {
        throw new InvalidOptionError(
          "demos",
          `DAgger: the demonstrations' ${what} space ${ours} does not match ${envId}'s ${theirs}.`,
        );
      }
    }
  }
  const rounds: DaggerRound[] = [...(options.resume?.rounds ?? [])];
  let learner: NeuralPolicy | null = null;
  let totalEnvSteps = rounds.at(-1)?.totalEnvSteps ?? 0;
  if (options.resume) dataset = options.resume.dataset;

  const train = async (): Promise<number | null> => {
    const result = await trainBc(dataset, bcConfig, { envId, envOptions, signal: options.signal });
    learner?.dispose();
    learner = result.policy;
    return result.history.at(-1)?.trainLoss ?? null;
  };
  const score = () =>
    evaluate(make(envId, envOptions), learner!, { episodes: cfg.evalEpisodes, seed: cfg.evalSeed });

  // Resuming: BC from scratch on the same aggregated data gives the learner the run had.
  if (options.resume && dataset.episodes.length > 0) await train();
  // Round 0: behavior cloning on the demonstrations alone.
  if (!options.resume && dataset.episodes.length > 0) {
    const trainLoss = await train();
    const round: DaggerRound = {
      round: 0,
      beta: 1,
      envSteps: 0,
      totalEnvSteps: 0,
      datasetSteps: dataset.totalSteps,
      trainLoss,
      evaluation: await score(),
      labelingStopped: null,
    };
    rounds.push(round);
    await options.callbacks?.onRound?.(round, dataset.withEpisodes([]), learner!);
  }
  const reached = () =>
    cfg.targetReturn !== undefined &&
    rounds.length > 0 &&
    rounds.at(-1)!.evaluation.meanReturn >= cfg.targetReturn;

  const firstRound = (rounds.at(-1)?.round ?? 0) + 1;
  for (let i = firstRound; i <= cfg.rounds && !options.signal?.aborted && !reached(); i++) {
    // ALGO LOGIC: 1. roll out the mixture βᵢ·expert + (1 − βᵢ)·learner.
    const beta = learner === null ? 1 : betaFor(cfg.beta, i, cfg.rounds);
    // Each round draws its expert/learner coin flips from its own seeded stream, so a resumed run
    // repeats the rounds an uninterrupted one would.
    const betaRng = rngFromSeed(BigInt(cfg.seed) * 1_000_003n + BigInt(i));
    const trajectories: DaggerTrajectory[] = [];
    let envSteps = 0;
    let labelingStopped: string | null = null;
    if (cfg.betaStream === "episode") {
      // Each episode has its own stream, so episodes can run anywhere; they are kept in k order
      // and the one that crosses the step budget is cut there, as a rollout in turn would cut it.
      const compiled = learner === null ? null : compilePolicy(learner);
      const request = (k: number, maxSteps: number): DaggerEpisodeRequest => ({
        round: i,
        episode: k,
        seed: cfg.seed + 1000 * i + k,
        beta,
        streamSeed: String(episodeStreamSeed(cfg.seed, i, k)),
        maxSteps,
      });
      for (let k = 0; envSteps < cfg.stepsPerRound && labelingStopped === null; ) {
        let batch: DaggerTrajectory[];
        if (options.rollouts) {
          const meanLength = envSteps > 0 ? envSteps / trajectories.length : 0;
          const size =
            meanLength > 0
              ? Math.max(1, Math.ceil((1.25 * (cfg.stepsPerRound - envSteps)) / meanLength))
              : options.rollouts.batch;
          const requests = Array.from({ length: size }, (_, j) => request(k + j, cfg.stepsPerRound));
          batch = await options.rollouts.run(requests, compiled?.toJSON() ?? null);
          k += size;
        } else {
          const episode = await rollOutDaggerEpisode(
            env,
            expert,
            compiled,
            request(k, cfg.stepsPerRound - envSteps),
          );
          labelingStopped = episode.labelingStopped;
          batch = [episode.trajectory];
          k += 1;
        }
        for (const full of batch) {
          if (envSteps >= cfg.stepsPerRound) break;
          const trajectory = cutTrajectory(full, cfg.stepsPerRound - envSteps);
          envSteps += trajectory.rewards.length;
          if (trajectory.rewards.length > 0) trajectories.push(trajectory);
        }
      }
    }
    for (
      let k = 0;
      cfg.betaStream === "round" && envSteps < cfg.stepsPerRound && labelingStopped === null;
      k++
    ) {
      const first = env.reset({ seed: cfg.seed + 1000 * i + k });
      const trajectory: DaggerTrajectory = {
        observations: [copyValue(first.observation)],
        known: [],
        rewards: [],
        terminated: false,
        truncated: false,
      };
      let observation = first.observation;
      for (;;) {
        let action: unknown;
        let known: SpaceValue | undefined;
        if (betaRng.random() < beta) {
          try {
            const [label] = await expert.label([copyValue(observation)]);
            checkLabels(expert, [observation], [label], env.actionSpace);
            action = label;
            known = copyValue(label);
          } catch (error) {
            if (partialLabels(error) === null) throw error;
            labelingStopped = (error as Error).message;
            break;
          }
        } else {
          action = learner!.act(observation as Float32Array, { deterministic: true });
        }
        trajectory.known.push(known);
        const result = env.step(action);
        envSteps += 1;
        trajectory.rewards.push(result.reward);
        trajectory.observations.push(copyValue(result.observation));
        observation = result.observation;
        if (result.terminated || result.truncated || envSteps >= cfg.stepsPerRound) {
          trajectory.terminated = result.terminated;
          trajectory.truncated = !result.terminated;
          break;
        }
      }
      if (trajectory.rewards.length > 0) trajectories.push(trajectory);
    }
    totalEnvSteps += envSteps;

    // 2. The expert labels every state the mixture visited (the last observation needs no label;
    //    states where the expert drove already have its label).
    const added: Episode[] = [];
    for (const trajectory of trajectories) {
      const states = trajectory.observations.slice(0, -1);
      const missing = states.map((_, t) => t).filter((t) => trajectory.known[t] === undefined);
      const labels = [...trajectory.known];
      if (missing.length > 0 && labelingStopped === null) {
        const asked = missing.map((t) => states[t]!);
        let answers: SpaceValue[];
        try {
          answers = (await expert.label(asked)) as SpaceValue[];
          checkLabels(expert, asked, answers, env.actionSpace);
        } catch (error) {
          const partial = partialLabels(error);
          if (partial === null) throw error;
          labelingStopped = (error as Error).message;
          answers = partial;
        }
        answers.forEach((a, j) => {
          labels[missing[j]!] = a;
        });
      }
      // Keep the longest labelled prefix (a stopped labeler leaves the rest unlabelled).
      let T = 0;
      while (T < states.length && labels[T] !== undefined) T++;
      if (T === 0) continue;
      const observations = obsLayout.create(T + 1);
      const actions = actColumn.create(T);
      for (let t = 0; t <= T; t++) obsLayout.write(trajectory.observations[t]!, observations, t);
      for (let t = 0; t < T; t++) actColumn.write(labels[t] as SpaceValue, actions, t);
      const cut = T < states.length;
      added.push(
        new Episode({
          id: dataset.episodes.length + added.length,
          observations,
          actions,
          rewards: trajectory.rewards.slice(0, T),
          terminated: !cut && trajectory.terminated,
          truncated: cut || trajectory.truncated,
          obsDim: obsLayout.dim,
          actDim: actColumn.dim,
        }),
      );
    }

    // 3. Aggregate, 4. retrain, 5. evaluate.
    const addedData = dataset.withEpisodes(added);
    dataset = dataset.withEpisodes([...dataset.episodes, ...added]);
    const trainLoss = dataset.episodes.length > 0 ? await train() : null;
    if (learner === null) break;
    const round: DaggerRound = {
      round: i,
      beta,
      envSteps,
      totalEnvSteps,
      datasetSteps: dataset.totalSteps,
      trainLoss,
      evaluation: await score(),
      labelingStopped,
    };
    rounds.push(round);
    await options.callbacks?.onRound?.(round, addedData, learner);
  }
  if (learner === null) {
    throw new InvalidOptionError(
      "rounds",
      "DAgger: no data was labelled, so there is no learner; check the expert.",
    );
  }
  return { policy: learner, rounds, dataset, config: cfg };
}
