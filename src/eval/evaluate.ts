/**
 * @module
 * `evaluate`: roll a policy out for a fixed list of seeded episodes and summarize what it scored:
 * returns (mean, std, min, max, IQM with a bootstrap 95% interval), lengths, the normalized score
 * (random = 0, expert = 1) and the success rate. Works with a sync `Env` and an `AsyncEnv`, and
 * with sync and async policies; with a sync env and policy nothing is awaited inside the loop.
 */
import "../envs/index.js"; // the built-in envs' reference returns and success criteria
import type {
  AnyEnv,
  EnvSpec,
  EpisodeOutcome,
  ReferenceReturns,
  ResetResult,
  StepResult,
} from "../core/env.js";
import { InvalidOptionError } from "../core/errors.js";
import type { ActOptions, AsyncPolicy, Policy } from "../core/policy.js";
import { registeredEnvs, registration } from "../core/registry.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import { bootstrapCi, iqm, max, mean, min, std, wilsonInterval } from "./stats.js";

export interface EvaluateOptions {
  /** Number of episodes (default 50). */
  episodes?: number;
  /**
   * Seed of the first episode (default 1000): episode k resets with `seed + k`, so every policy
   * evaluated with the same seed meets the same starting states, and each episode can be replayed
   * alone. The built-in reference returns were measured on seeds 0–99, apart from these.
   */
  seed?: number;
  /** Ask the policy for its most likely action (default true). */
  deterministic?: boolean;
  /** The generator handed to the policy for sampling (default: a fresh one seeded with `seed`). */
  rng?: Rng;
  /**
   * The returns to normalize against, overriding the env's (for example after changing the env's
   * options, which the built-in references were not measured with); `null` gives no score.
   */
  referenceReturns?: ReferenceReturns | null;
  /** The success criterion, overriding the env's; `null` gives no success rate. */
  isSuccess?: ((episode: EpisodeOutcome) => boolean) | null;
}

export interface EvalResult {
  /** The env's id (`env.spec.id`). */
  env: string;
  /** Number of episodes run. */
  episodes: number;
  /** The undiscounted return of each episode, in seed order. */
  returns: number[];
  /** The number of steps of each episode, in seed order. */
  lengths: number[];
  meanReturn: number;
  /** Population standard deviation of the returns. */
  stdReturn: number;
  minReturn: number;
  maxReturn: number;
  /** Interquartile mean of the returns (see `iqm` in stats.ts). */
  iqm: number;
  /** 95% percentile-bootstrap interval of the IQM (2000 resamples, seeded with the evaluation seed). */
  ci95: [low: number, high: number];
  meanLength: number;
  /** `(meanReturn − random) / (expert − random)`; null when the env has no reference returns. */
  normalizedScore: number | null;
  /** Fraction of episodes that met the env's success criterion; null when it has none. */
  successRate: number | null;
  /** 95% Wilson score interval of the success rate; null when the env has no success criterion. */
  successCi95: [low: number, high: number] | null;
}

function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === "function";
}

/** The registered spec of `id`, or undefined (an evaluated env need not be registered). */
function registeredSpec(id: string): EnvSpec | undefined {
  return registeredEnvs().find((r) => r.id === id);
}

/** The reference returns of an env: its own spec's, else its registration's. */
function referenceReturnsOf(spec: EnvSpec): ReferenceReturns | undefined {
  return spec.referenceReturns ?? registeredSpec(spec.id)?.referenceReturns;
}

/** The success criterion of an env: its own spec's, else its registration's. */
function isSuccessOf(spec: EnvSpec): ((episode: EpisodeOutcome) => boolean) | undefined {
  return spec.isSuccess ?? registeredSpec(spec.id)?.isSuccess;
}

/**
 * `(value − random) / (expert − random)`: 0 at the random policy's mean return, 1 at the expert's.
 * Null without references, or when they coincide (the score would divide by zero).
 */
export function normalizeReturn(
  value: number,
  references: ReferenceReturns | null | undefined,
): number | null {
  if (references === null || references === undefined || references.expert === references.random) return null;
  return (value - references.random) / (references.expert - references.random);
}

/**
 * The normalized score of a mean return on a registered env (random = 0, expert = 1), or null when
 * the env has no reference returns. Throws `UnknownEnvError` for an id that is not registered.
 * The built-in references hold for the envs' default options.
 */
export function normalizedScore(envId: string, meanReturn: number): number | null {
  return normalizeReturn(meanReturn, registration(envId).referenceReturns);
}

function checkOptions(options: EvaluateOptions): { episodes: number; seed: number } {
  const episodes = options.episodes ?? 50;
  const seed = options.seed ?? 1000;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new InvalidOptionError(
      "episodes",
      `evaluate: episodes must be a positive integer, got ${episodes}.`,
    );
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(seed + episodes)) {
    throw new InvalidOptionError("seed", `evaluate: seed must be a non-negative integer, got ${seed}.`);
  }
  return { episodes, seed };
}

/** What one evaluation episode did: its seed and outcome (the pieces `summarizeEpisodes` needs). */
export interface EvalEpisode extends EpisodeOutcome {
  /** The seed its reset used. */
  seed: number;
}

/**
 * Runs `episodes` episodes of `policy` in `env` (episode k reset with `seed + k`, the policy's
 * `reset` called before each) and returns each one's outcome, in seed order. `evaluate` is this
 * followed by `summarizeEpisodes`; a distributed evaluation runs this on slices of the seeds.
 */
export async function evaluateEpisodes<O, A>(
  env: AnyEnv<O, A>,
  policy: Policy<O, A> | AsyncPolicy<O, A>,
  options: Pick<EvaluateOptions, "episodes" | "seed" | "deterministic" | "rng"> = {},
): Promise<EvalEpisode[]> {
  const { episodes, seed } = checkOptions(options);
  const actOptions: ActOptions = {
    deterministic: options.deterministic ?? true,
    rng: options.rng ?? rngFromSeed(seed),
  };
  const outcomes: EvalEpisode[] = [];
  for (let k = 0; k < episodes; k++) {
    const reset = env.reset({ seed: seed + k }) as ResetResult<O> | Promise<ResetResult<O>>;
    const first = isThenable(reset) ? await reset : reset;
    const policyReset = policy.reset?.();
    if (isThenable(policyReset)) await policyReset;
    let observation = first.observation;
    let episodeReturn = 0;
    let length = 0;
    for (;;) {
      const chosen = policy.act(observation, actOptions);
      const action = isThenable(chosen) ? await chosen : chosen;
      const stepped = env.step(action) as StepResult<O> | Promise<StepResult<O>>;
      const result = isThenable(stepped) ? await stepped : stepped;
      episodeReturn += result.reward;
      length += 1;
      observation = result.observation;
      if (result.terminated || result.truncated) {
        outcomes.push({
          seed: seed + k,
          return: episodeReturn,
          length,
          terminated: result.terminated,
          truncated: result.truncated,
        });
        break;
      }
    }
  }
  return outcomes;
}

/**
 * Summarizes evaluation episodes (in seed order, the first at `seed`) of an env with spec `spec`:
 * the statistics `evaluate` returns. The bootstrap interval is seeded with `seed`.
 */
export function summarizeEpisodes(
  spec: EnvSpec,
  outcomes: readonly EpisodeOutcome[],
  options: Pick<EvaluateOptions, "seed" | "referenceReturns" | "isSuccess"> = {},
): EvalResult {
  const { seed } = checkOptions({ episodes: Math.max(1, outcomes.length), seed: options.seed });
  if (outcomes.length === 0) {
    throw new InvalidOptionError("episodes", "evaluate: there are no episodes to summarize.");
  }
  const isSuccess = options.isSuccess === undefined ? isSuccessOf(spec) : options.isSuccess;
  const references =
    options.referenceReturns === undefined ? referenceReturnsOf(spec) : options.referenceReturns;
  const returns = outcomes.map((o) => o.return);
  const lengths = outcomes.map((o) => o.length);
  const successes = isSuccess ? outcomes.filter((o) => isSuccess(o)).length : 0;
  const meanReturn = mean(returns);
  return {
    env: spec.id,
    episodes: outcomes.length,
    returns,
    lengths,
    meanReturn,
    stdReturn: std(returns),
    minReturn: min(returns),
    maxReturn: max(returns),
    iqm: iqm(returns),
    ci95: bootstrapCi(returns, iqm, { seed }),
    meanLength: mean(lengths),
    normalizedScore: normalizeReturn(meanReturn, references),
    successRate: isSuccess ? successes / outcomes.length : null,
    successCi95: isSuccess ? wilsonInterval(successes, outcomes.length) : null,
  };
}

/**
 * Runs `episodes` episodes of `policy` in `env` (episode k reset with `seed + k`, the policy's
 * `reset` called before each) and summarizes them. The env is left open: the caller owns it.
 */
export async function evaluate<O, A>(
  env: AnyEnv<O, A>,
  policy: Policy<O, A> | AsyncPolicy<O, A>,
  options: EvaluateOptions = {},
): Promise<EvalResult> {
  const { seed } = checkOptions(options);
  const outcomes = await evaluateEpisodes(env, policy, options);
  return summarizeEpisodes(env.spec, outcomes, { ...options, seed });
}
