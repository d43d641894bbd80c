/**
 * @module
 * The Env contract: Gymnasium's semantics with camelCase names. Simulators are synchronous so the
 * hot loop stays fast; an environment that must await (a browser, a remote process) is an
 * `AsyncEnv` with the same shape returning promises.
 */
import { InvalidActionError } from "./errors.js";
import { type Rng, rngFromSeed } from "./rng.js";
import { formatValue, type Space } from "./spaces/index.js";

/** Extra information an env returns beside the observation. */
export type Info = Record<string, unknown>;

export interface ResetOptions {
  /** Seeds the env's generator as Gymnasium does (`np_random(seed)`); omitted, the stream continues. */
  seed?: number | bigint;
  /** Env-specific reset options (Gymnasium's `options`), such as a starting-state range. */
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  observation: O;
  info: Info;
}

export interface StepResult<O> {
  observation: O;
  reward: number;
  /** The episode reached a terminal state of the MDP (goal, failure). */
  terminated: boolean;
  /** The episode was cut short from outside the MDP, by the TimeLimit wrapper. */
  truncated: boolean;
  info: Info;
}

/** What the registry knows about an env id. */
export interface EnvSpec {
  /** Versioned id, such as `CartPole-v1`. */
  readonly id: string;
  /** Steps after which TimeLimit truncates; absent means no limit. */
  readonly maxEpisodeSteps?: number;
  /** The return at which the task counts as solved. */
  readonly rewardThreshold?: number;
  /** True when reset with the same seed can still give different episodes. */
  readonly nondeterministic?: boolean;
  /** One line for `mimic envs`. */
  readonly description?: string;
  /**
   * Measured mean returns of the uniform random policy and of the scripted expert, the 0 and 1 of
   * the normalized score `(return − random) / (expert − random)`. Absent means no normalized score.
   */
  readonly referenceReturns?: ReferenceReturns;
  /** Whether a finished episode achieved the task; absent means the env has no success criterion. */
  readonly isSuccess?: (episode: EpisodeOutcome) => boolean;
  /**
   * The env's own options as given to `make` (Gymnasium's `EnvSpec.kwargs`), such as a GridWorld
   * layout; absent when there were none. Datasets store them in `env_spec`.
   */
  readonly kwargs?: Readonly<Record<string, unknown>>;
}

/** The two returns a normalized score is measured against (random = 0, expert = 1). */
export interface ReferenceReturns {
  readonly random: number;
  readonly expert: number;
}

/** What `isSuccess` sees of a finished episode. */
export interface EpisodeOutcome {
  /** The undiscounted return. */
  readonly return: number;
  /** The number of steps. */
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/** A rendered frame: RGB bytes, row-major. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface Env<O = unknown, A = unknown> {
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** The innermost env, beneath every wrapper. */
  readonly unwrapped: Env;
  reset(options?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  render?(): Frame;
  close(): void;
}

/** The Env contract for environments that must await. `collect` and `evaluate` accept both. */
export interface AsyncEnv<O = unknown, A = unknown> {
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(options?: ResetOptions): Promise<ResetResult<O>>;
  step(action: A): Promise<StepResult<O>>;
  render?(): Promise<Frame>;
  close(): Promise<void>;
}

/** Any env, synchronous or not. */
export type AnyEnv<O = unknown, A = unknown> = Env<O, A> | AsyncEnv<O, A>;

/** Lifts a synchronous env to the `AsyncEnv` contract (for code written once against AsyncEnv). */
export function toAsync<O, A>(env: Env<O, A>): AsyncEnv<O, A> {
  return {
    spec: env.spec,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    reset: async (options) => env.reset(options),
    step: async (action) => env.step(action),
    close: async () => env.close(),
  };
}

/**
 * Gymnasium's seeding rule for `reset`: a seed makes a new generator; without one the existing
 * generator continues (or, the first time, one is seeded from fresh entropy).
 */
export function reseed(current: Rng | undefined, seed: number | bigint | undefined): Rng {
  if (seed !== undefined) return rngFromSeed(seed);
  return current ?? rngFromSeed();
}

/**
 * Throws `InvalidActionError` unless `action` is in `space`. The message shows the value and the
 * space, and singles out NaN, the usual sign of a diverged policy.
 */
export function assertAction(space: Space, action: unknown, where: string): void {
  if (space.contains(action)) return;
  const why = space.explain(action) ?? "not in the space";
  const hasNaN =
    (typeof action === "number" && Number.isNaN(action)) ||
    (ArrayBuffer.isView(action) && Array.from(action as unknown as ArrayLike<number>).some(Number.isNaN)) ||
    (Array.isArray(action) && action.some((v) => typeof v === "number" && Number.isNaN(v)));
  const fix = hasNaN
    ? "The action contains NaN: the policy produced an invalid number (a diverged network or unnormalized inputs?). Check the policy's outputs before stepping."
    : "Pass an action from the action space; actionSpace.sample(rng) gives a valid one, and the ClipAction wrapper clips continuous actions into bounds.";
  throw new InvalidActionError(
    `${where}: action ${formatValue(action)} is not in the action space ${space} (${why}). ${fix}`,
  );
}

/** Whether `value` is JSON data: null, a boolean, number or string, or arrays and plain objects of them. */
function isJsonData(value: unknown): boolean {
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string")
    return true;
  if (Array.isArray(value)) return value.every(isJsonData);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
    return Object.values(value as object).every((v) => v === undefined || isJsonData(v));
  return false;
}

/**
 * A copy of env options that can be stored: the entries whose values are JSON data. Others (a
 * function a custom env takes, say) are left out, since no file or Python could rebuild them.
 */
export function storableKwargs(
  kwargs: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs ?? {})) {
    if (value !== undefined && isJsonData(value)) out[key] = JSON.parse(JSON.stringify(value));
  }
  return out;
}

/**
 * `EnvSpec.kwargs` with Python's spelling of the top-level names (mimic's `goalVelocity` is
 * Gymnasium's `goal_velocity`), so `gymnasium.make(spec)` and `minari`'s `recover_environment`
 * build the same env. Names that are not lower camelCase are written as they are.
 */
export function pythonKwargs(kwargs: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(storableKwargs(kwargs))) {
    out[/^[a-z][a-zA-Z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key] = value;
  }
  return out;
}

/** The reverse of `pythonKwargs`: lower snake_case names in camelCase, the rest as they are. */
export function mimicKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    out[
      /^[a-z][a-z0-9_]*$/.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key
    ] = value;
  }
  return out;
}
