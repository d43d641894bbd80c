/**
 * DAgger for web tasks: Dataset Aggregation (Ross, Gordon & Bagnell 2011, Algorithm 3.1; the
 * schedule of `imitation`'s `SimpleDAggerTrainer`, as `dagger.ts`) with a `DomPolicy` learner in
 * a `WebEnv`, where an expert that reads observations exists (the built-in tasks' scripted
 * experts, `experts/web.ts`). It shares `dagger.ts`'s β schedules and `bc-dom.ts`'s training; the
 * rollouts differ because a web env is asynchronous and a DOM policy is not an MLP.
 *
 *   D ← demonstrations (may be empty)
 *   for i = 1 … rounds:
 *     βᵢ ← schedule(i)   (round 1 is all expert when D is empty: there is no learner yet)
 *     roll out `episodesPerRound` episodes of πᵢ = βᵢ·π* + (1 − βᵢ)·π̂ (one coin per step)
 *     Dᵢ ← {(s, π*(s)) : s visited}     (the expert labels every visited page)
 *     D ← D ∪ Dᵢ;  π̂ ← BC-DOM(D)        (from scratch each round, as in dagger.ts)
 *     evaluate π̂ on `evalEpisodes` new seeds
 *
 * A stored DAgger episode holds the pages the mixture visited with the *expert's* action on each
 * (its labels), and the rewards the mixture's actions earned. Round i's episode k resets with
 * `seed + 1000·i + k`; evaluation seeds start at `evalSeed`, apart from those. Like dagger.ts it
 * calls eval/ to evaluate each round (a listed exception to the layering rule).
 *
 * Resuming: after each round `onRound` receives what the next round needs (the episodes the
 * round added, the learner's weights, the β coins' generator state); `resume` hands them back,
 * and the rounds after it run as they would have in one uninterrupted call.
 */
import { z } from "zod";
import type { AsyncEnv } from "../core/env.js";
import { InvalidOptionError } from "../core/errors.js";
import { type Pcg64State, rngFromSeed } from "../core/rng.js";
import { columnFor, layoutFor } from "../data/columns.js";
import { Dataset } from "../data/dataset.js";
import { Episode } from "../data/episode.js";
import type { EncodedWebObservation, WebAction, WebObservation, WebSpaces } from "../envs/web/observation.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import type { DomPolicy } from "../nn/dom-policy.js";
import { parseConfig } from "./bc-common.js";
import { bcDomConfigSchema, domPolicyFor, trainBcDom } from "./bc-dom.js";
import { betaFor } from "./dagger.js";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

export const daggerDomConfigSchema = z
  .object({
    /** DAgger rounds (each: roll out, label, aggregate, retrain, evaluate). */
    rounds: z.number().int().positive().default(3),
    /** Episodes the mixture policy plays per round. */
    episodesPerRound: z.number().int().positive().default(5),
    /** β: `linear` from 1 to 0 over `rampdown` rounds (default: all of them), or `exponential` decay^i. */
    beta: z
      .union([
        z.object({ kind: z.literal("linear"), rampdown: z.number().int().positive().optional() }).strict(),
        z.object({ kind: z.literal("exponential"), decay: z.number().gt(0).lt(1) }).strict(),
      ])
      .default({ kind: "linear" }),
    /** BC-DOM's settings for every round's training. */
    bc: bcDomConfigSchema.partial().default({}),
    /** Evaluation episodes after each round (0: none). */
    evalEpisodes: z.number().int().min(0).default(20),
    evalSeed: z.number().int().min(0).default(1000),
    /** Seed of the rollouts and of the β coins. */
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export type DaggerDomConfig = z.input<typeof daggerDomConfigSchema>;

/** What one round did and how the learner scored after it. */
export interface DaggerDomRound {
  round: number;
  beta: number;
  /** Episodes and labelled steps added this round, and the aggregate's size after it. */
  episodes: number;
  steps: number;
  totalSteps: number;
  /** Fraction of this round's steps where the executed action was the learner's. */
  learnerShare: number;
  /** The mixture's success rate this round (episodes whose last reward is positive). */
  rolloutSuccess: number;
  evaluation: EvalResult | null;
}

export interface DaggerDomResult {
  policy: DomPolicy;
  rounds: DaggerDomRound[];
  /** Every episode the learner was trained on at the end (demonstrations, then each round's). */
  dataset: Dataset;
}

/** What a finished round leaves for the next: enough to resume after it. */
export interface DaggerDomRoundState {
  /** The episodes this round added to the aggregate, in order (ids continue the aggregate's). */
  added: readonly Episode[];
  /** The learner trained on the aggregate after this round (its flat parameters). */
  weights: Float32Array;
  /** The β coins' generator after this round. */
  coins: Pcg64State;
}

/** A run to continue after its last finished round (what `onRound` gave, gathered). */
export interface DaggerDomResume {
  /** The finished rounds, in order. */
  rounds: readonly DaggerDomRound[];
  /** The aggregate after the last of them: the demonstrations, then every round's episodes. */
  episodes: readonly Episode[];
  /** The learner after the last of them. */
  weights: Float32Array;
  coins: Pcg64State;
}

export interface DaggerDomOptions {
  /** The web task to roll out in (its spaces are the dataset's). */
  env: AsyncEnv<EncodedWebObservation, Int32Array> & { spaces: WebSpaces };
  /** The expert that labels every visited page. */
  expert: (observation: WebObservation) => WebAction;
  /** Demonstrations to start from (recorded in the same env's spaces). */
  demonstrations?: Dataset | null;
  /** Called after each round (and awaited), with what resuming after it needs. */
  onRound?: (round: DaggerDomRound, state: DaggerDomRoundState) => void | Promise<void>;
  /** Continue after the given rounds instead of starting (the config must be the run's). */
  resume?: DaggerDomResume;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// PLUMBING: one mixture episode, labelled by the expert
// ---------------------------------------------------------------------------------------------

async function rollOut(
  options: DaggerDomOptions,
  learner: DomPolicy | null,
  beta: number,
  seed: number,
  coin: () => number,
  id: number,
): Promise<{ episode: Episode; learnerSteps: number } | null> {
  const { env, expert } = options;
  const layout = layoutFor(env.observationSpace, "observation");
  const actionColumn = columnFor(env.actionSpace, "action");
  const limit = env.spec.maxEpisodeSteps ?? 50;
  const observations = layout.create(limit + 1);
  const actions = actionColumn.create(limit);
  const rewards: number[] = [];
  let { observation } = await env.reset({ seed });
  layout.write(observation as never, observations, 0);
  let learnerSteps = 0;
  let terminated = false;
  let truncated = false;
  while (!terminated && !truncated && rewards.length < limit) {
    const t = rewards.length;
    // ALGO LOGIC: the expert labels the page; the coin decides whose action is executed.
    const label = env.spaces.encodeAction(expert(env.spaces.decodeObservation(observation)));
    const useLearner = learner !== null && coin() >= beta;
    const executed = useLearner ? learner.act(observation, { deterministic: true }) : label;
    if (useLearner) learnerSteps++;
    const result = await env.step(executed);
    actionColumn.write(label, actions, t);
    rewards.push(result.reward);
    observation = result.observation;
    layout.write(observation as never, observations, t + 1);
    terminated = result.terminated;
    truncated = result.truncated;
  }
  if (rewards.length === 0) return null;
  const steps = rewards.length;
  const cut = Object.fromEntries(
    layout.leaves.map((leaf) => [
      leaf.path,
      observations[leaf.path]!.slice(0, (steps + 1) * leaf.column.dim),
    ]),
  );
  const episode = new Episode({
    id,
    observations: cut,
    actions: actions.slice(0, steps * actionColumn.dim),
    rewards,
    terminated,
    truncated: truncated || !terminated,
    seed,
  });
  return { episode, learnerSteps };
}

// ---------------------------------------------------------------------------------------------
// trainDaggerDom
// ---------------------------------------------------------------------------------------------

export async function trainDaggerDom(
  options: DaggerDomOptions,
  config: DaggerDomConfig = {},
): Promise<DaggerDomResult> {
  const cfg = parseConfig(daggerDomConfigSchema, config, "DAgger (DOM)");
  const { env } = options;
  const demos = options.demonstrations ?? null;
  if (demos !== null && String(demos.observationSpace) !== String(env.observationSpace)) {
    throw new InvalidOptionError(
      "demonstrations",
      `DAgger (DOM): the demonstrations' observation space ${demos.observationSpace} is not the env's ${env.observationSpace}; record them in the same task sizes.`,
    );
  }
  const resume = options.resume ?? null;
  let episodes: Episode[] = resume ? [...resume.episodes] : demos ? [...demos.episodes] : [];
  const make = (list: readonly Episode[]) =>
    new Dataset({
      id: demos?.id ?? `web/${env.spec.id.replace(/^web:/, "")}-dagger-v0`,
      episodes: list,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
  let learner: DomPolicy | null = null;
  const coins = rngFromSeed(cfg.seed + 7);
  if (resume) {
    // The learner the last finished round trained, and the coins where that round left them.
    learner = domPolicyFor(make(episodes), cfg.bc);
    learner.setWeights(resume.weights);
    coins.bitGenerator.setState(resume.coins);
  } else if (episodes.length > 0) {
    learner = (await trainBcDom(make(episodes), cfg.bc)).policy;
  }
  const coin = () => coins.random();
  const rounds: DaggerDomRound[] = [...(resume?.rounds ?? [])];
  for (let i = rounds.length + 1; i <= cfg.rounds; i++) {
    options.signal?.throwIfAborted();
    const beta = learner === null ? 1 : betaFor(cfg.beta, i - 1, cfg.rounds);
    let steps = 0;
    let learnerSteps = 0;
    let successes = 0;
    let added = 0;
    const before = episodes.length;
    for (let k = 0; k < cfg.episodesPerRound; k++) {
      const rolled = await rollOut(options, learner, beta, cfg.seed + 1000 * i + k, coin, episodes.length);
      if (rolled === null) continue;
      episodes = [...episodes, rolled.episode];
      added++;
      steps += rolled.episode.length;
      learnerSteps += rolled.learnerSteps;
      if (rolled.episode.rewards.at(-1)! > 0) successes++;
    }
    // ALGO LOGIC: BC on the aggregate, from scratch.
    learner = (await trainBcDom(make(episodes), cfg.bc)).policy;
    const evaluation =
      cfg.evalEpisodes > 0
        ? await evaluate(env, learner as never, { episodes: cfg.evalEpisodes, seed: cfg.evalSeed })
        : null;
    const round: DaggerDomRound = {
      round: i,
      beta,
      episodes: added,
      steps,
      totalSteps: episodes.reduce((s, e) => s + e.length, 0),
      learnerShare: steps > 0 ? learnerSteps / steps : 0,
      rolloutSuccess: added > 0 ? successes / added : 0,
      evaluation,
    };
    rounds.push(round);
    await options.onRound?.(round, {
      added: episodes.slice(before),
      weights: learner.getWeights(),
      coins: coins.bitGenerator.getState(),
    });
  }
  return { policy: learner!, rounds, dataset: make(episodes) };
}
