/**
 * @module
 * `collect`: roll a policy out in an env and record episodes. Actions are recorded exactly as the
 * policy chose them (before any wrapper clips or rescales them), rewards and flags as the env
 * returned them. Works with a sync `Env`, an `AsyncEnv` (or async policy), and a `VectorEnv` with
 * next-step autoreset.
 */
import type { AnyEnv, ResetResult, StepResult } from "../core/env.js";
import { InvalidOptionError } from "../core/errors.js";
import type { ActOptions, AsyncPolicy, Policy } from "../core/policy.js";
import { rngFromSeed } from "../core/rng.js";
import type { Space, SpaceValue, TypedArray } from "../core/spaces/index.js";
import { VectorEnv } from "../core/vector.js";
import { type Column, columnFor, type Layout, layoutFor } from "./columns.js";
import { Episode } from "./episode.js";

export interface CollectOptions {
  /** Stop after this many complete episodes. */
  episodes?: number;
  /** Stop once this many steps are recorded; the episode in progress is finished first (single env). */
  steps?: number;
  /**
   * Seed of the first reset. A single env resets episode k with `seed + k`, so each episode can be
   * replayed alone; a vector env seeds sub-env i with `seed + i` once and then continues.
   */
  seed?: number;
  /** Ask the policy for deterministic actions (default false). */
  deterministic?: boolean;
  /** Seed of the generator handed to the policy for sampling (default: `seed`). */
  policySeed?: number;
  /** Called after each finished episode, for progress reporting. */
  onEpisode?: (episode: Episode, stepsSoFar: number) => void;
  /** Stops collection early; finished episodes are returned. */
  signal?: AbortSignal;
}

function budget(options: CollectOptions): { episodes: number; steps: number } {
  const { episodes, steps } = options;
  if (episodes === undefined && steps === undefined) {
    throw new InvalidOptionError(
      "episodes",
      "collect: pass episodes (a count of episodes) or steps (a count of steps).",
    );
  }
  for (const [name, value] of [
    ["episodes", episodes],
    ["steps", steps],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new InvalidOptionError(name, `collect: ${name} must be a positive integer, got ${value}.`);
    }
  }
  return { episodes: episodes ?? Number.POSITIVE_INFINITY, steps: steps ?? Number.POSITIVE_INFINITY };
}

/** Grows the columns of one episode as steps arrive (one column per leaf of a Dict or Tuple observation). */
class EpisodeBuilder {
  private obs: Record<string, TypedArray>;
  private acts: TypedArray;
  private rewards: Float64Array;
  private steps = 0;

  constructor(
    private readonly obsLayout: Layout,
    private readonly actColumn: Column,
    firstObservation: SpaceValue,
    private readonly seed: number | undefined,
  ) {
    this.obs = obsLayout.create(64);
    this.acts = actColumn.create(63);
    this.rewards = new Float64Array(63);
    obsLayout.write(firstObservation, this.obs, 0);
  }

  add(action: SpaceValue, reward: number, observation: SpaceValue): void {
    if (this.steps + 2 > this.rewards.length + 1) {
      const capacity = (this.steps + 1) * 2;
      for (const leaf of this.obsLayout.leaves) {
        this.obs[leaf.path] = grow(this.obs[leaf.path]!, leaf.column, capacity + 1);
      }
      this.acts = grow(this.acts, this.actColumn, capacity);
      const rewards = new Float64Array(capacity);
      rewards.set(this.rewards);
      this.rewards = rewards;
    }
    this.actColumn.write(action, this.acts, this.steps);
    this.rewards[this.steps] = reward;
    this.steps += 1;
    this.obsLayout.write(observation, this.obs, this.steps);
  }

  get length(): number {
    return this.steps;
  }

  finish(id: number, terminated: boolean, truncated: boolean): Episode {
    const T = this.steps;
    const leaves = Object.fromEntries(
      this.obsLayout.leaves.map((l) => [l.path, this.obs[l.path]!.slice(0, (T + 1) * l.column.dim)]),
    );
    return new Episode({
      id,
      observations: this.obsLayout.composite ? leaves : leaves[""]!,
      actions: this.acts.slice(0, T * this.actColumn.dim),
      rewards: this.rewards.slice(0, T),
      terminated,
      truncated,
      obsDim: this.obsLayout.dim,
      actDim: this.actColumn.dim,
      seed: this.seed,
    });
  }
}

function grow(data: TypedArray, column: Column, rows: number): TypedArray {
  const bigger = column.create(rows);
  bigger.set(data);
  return bigger;
}

/** Copies an action the policy returned, so later mutation by the policy cannot change the record. */
function snapshot(action: unknown): SpaceValue {
  return ArrayBuffer.isView(action) ? (action as TypedArray).slice() : (action as SpaceValue);
}

function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === "function";
}

/**
 * Rolls `policy` out in `env` and returns the finished episodes, in the order they finished.
 * Pass `episodes` or `steps` (or both: whichever is reached first). With a sync env and policy
 * nothing is awaited inside the loop, so the rollout runs at the env's own speed.
 */
export async function collect<O, A>(
  env: AnyEnv<O, A> | VectorEnv,
  policy: Policy<O, A> | AsyncPolicy<O, A> | Policy<Float32Array, A>,
  options: CollectOptions,
): Promise<Episode[]> {
  if (env instanceof VectorEnv) return collectVector(env, policy as Policy<Float32Array, A>, options);
  return collectSingle(env, policy as Policy<O, A> | AsyncPolicy<O, A>, options);
}

async function collectSingle<O, A>(
  env: AnyEnv<O, A>,
  policy: Policy<O, A> | AsyncPolicy<O, A>,
  options: CollectOptions,
): Promise<Episode[]> {
  const limit = budget(options);
  const obsLayout = layoutFor(env.observationSpace, "observation");
  const actColumn = columnFor(env.actionSpace, "action");
  const actOptions: ActOptions = {
    deterministic: options.deterministic ?? false,
    rng: rngFromSeed(options.policySeed ?? options.seed ?? 0),
  };
  const episodes: Episode[] = [];
  let totalSteps = 0;
  while (episodes.length < limit.episodes && totalSteps < limit.steps && !options.signal?.aborted) {
    const seed = options.seed === undefined ? undefined : options.seed + episodes.length;
    const resetResult = env.reset({ seed }) as ResetResult<O> | Promise<ResetResult<O>>;
    const first = isThenable(resetResult) ? await resetResult : resetResult;
    const policyReset = policy.reset?.();
    if (isThenable(policyReset)) await policyReset;
    const builder = new EpisodeBuilder(obsLayout, actColumn, first.observation as SpaceValue, seed);
    let observation = first.observation;
    for (;;) {
      const chosen = policy.act(observation, actOptions);
      const action = isThenable(chosen) ? await chosen : chosen;
      const recorded = snapshot(action);
      const stepped = env.step(action) as StepResult<O> | Promise<StepResult<O>>;
      const result = isThenable(stepped) ? await stepped : stepped;
      builder.add(recorded, result.reward, result.observation as SpaceValue);
      observation = result.observation;
      if (result.terminated || result.truncated) {
        const episode = builder.finish(episodes.length, result.terminated, result.truncated);
        episodes.push(episode);
        totalSteps += episode.length;
        options.onEpisode?.(episode, totalSteps);
        break;
      }
    }
  }
  return episodes;
}

/**
 * A vector env keeps one episode in progress per sub-env. When sub-env i ends, its episode is
 * finished; the next step is the autoreset step, whose observation starts i's next episode and
 * whose action is ignored (so it is not recorded). Only finished episodes are returned, in the
 * order they finished; with `steps`, collection stops once finished episodes hold that many.
 */
function collectVector<A>(
  vec: VectorEnv,
  policy: Policy<Float32Array, A>,
  options: CollectOptions,
): Episode[] {
  const limit = budget(options);
  const obsLayout = layoutFor(vec.singleObservationSpace, "observation");
  const actColumn = columnFor(vec.singleActionSpace, "action");
  if (obsLayout.leaves[0]!.column.dtype !== "float32" && vec.singleObservationSpace.kind === "box") {
    throw new InvalidOptionError(
      "env",
      `collect: a vector env's observations are float32; ${vec.singleObservationSpace} is not.`,
    );
  }
  const actOptions: ActOptions = {
    deterministic: options.deterministic ?? false,
    rng: rngFromSeed(options.policySeed ?? options.seed ?? 0),
  };
  const n = vec.numEnvs;
  const { obsSize, actionSize } = vec;
  const rowOf = (observations: Float32Array, i: number): SpaceValue =>
    readObservation(vec.singleObservationSpace, observations, i, obsSize);
  const { observations } = vec.reset({ seed: options.seed });
  const builders: (EpisodeBuilder | null)[] = Array.from(
    { length: n },
    (_, i) =>
      new EpisodeBuilder(
        obsLayout,
        actColumn,
        rowOf(observations, i),
        options.seed === undefined ? undefined : options.seed + i,
      ),
  );
  const actions = new Float32Array(n * actionSize);
  const chosen: SpaceValue[] = new Array(n);
  const episodes: Episode[] = [];
  let totalSteps = 0;
  let current = observations;
  while (episodes.length < limit.episodes && totalSteps < limit.steps && !options.signal?.aborted) {
    for (let i = 0; i < n; i++) {
      if (builders[i] === null) continue; // autoreset step: the action is ignored
      const action = policy.act(
        current.subarray(i * obsSize, (i + 1) * obsSize).slice(),
        actOptions,
      ) as unknown as SpaceValue;
      chosen[i] = snapshot(action);
      if (typeof action === "number") actions[i] = action;
      else actions.set(action as ArrayLike<number>, i * actionSize);
    }
    const result = vec.step(actions);
    current = result.observations;
    for (let i = 0; i < n; i++) {
      const builder = builders[i];
      if (builder === null) {
        // This step reset sub-env i: its observation starts the next episode.
        builders[i] = new EpisodeBuilder(obsLayout, actColumn, rowOf(result.observations, i), undefined);
        continue;
      }
      builder.add(chosen[i]!, result.rewards[i]!, rowOf(result.observations, i));
      if (result.terminations[i] === 1 || result.truncations[i] === 1) {
        // Only finished episodes count toward the budget; unfinished ones are discarded at the end.
        if (episodes.length < limit.episodes && totalSteps < limit.steps) {
          const episode = builder.finish(
            episodes.length,
            result.terminations[i] === 1,
            result.truncations[i] === 1,
          );
          episodes.push(episode);
          totalSteps += episode.length;
          options.onEpisode?.(episode, totalSteps);
        }
        builders[i] = null;
      }
    }
  }
  return episodes;
}

function readObservation(space: Space, flat: Float32Array, i: number, size: number): SpaceValue {
  if (space.kind === "box") return flat.subarray(i * size, (i + 1) * size);
  // Non-Box observations arrive flattened (one-hot for Discrete); store them in their own form.
  return space.unflatten(flat.subarray(i * size, (i + 1) * size));
}
