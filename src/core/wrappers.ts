/**
 * @module
 * Wrappers change one aspect of an env and forward the rest. Ported from Gymnasium 1.x
 * (gymnasium/wrappers/common.py: TimeLimit, OrderEnforcing, RecordEpisodeStatistics;
 * gymnasium/wrappers/transform_action.py: ClipAction, RescaleAction;
 * gymnasium/wrappers/stateful_observation.py: NormalizeObservation;
 * gymnasium/wrappers/utils.py: RunningMeanStd).
 */
import {
  assertAction,
  type Env,
  type EnvSpec,
  type Info,
  type ResetOptions,
  type ResetResult,
  type StepResult,
} from "./env.js";
import { InvalidOptionError, ResetNeededError } from "./errors.js";
import { Box, type Space } from "./spaces/index.js";

/** Forwards everything to the wrapped env; subclasses override what they change. */
export class Wrapper<O = unknown, A = unknown> implements Env<O, A> {
  readonly env: Env;
  readonly observationSpace: Space;
  readonly actionSpace: Space;

  constructor(env: Env, spaces: { observationSpace?: Space; actionSpace?: Space } = {}) {
    this.env = env;
    this.observationSpace = spaces.observationSpace ?? env.observationSpace;
    this.actionSpace = spaces.actionSpace ?? env.actionSpace;
  }

  get spec(): EnvSpec {
    return this.env.spec;
  }

  get unwrapped(): Env {
    return this.env.unwrapped;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options) as ResetResult<O>;
  }

  step(action: A): StepResult<O> {
    return this.env.step(action) as StepResult<O>;
  }

  close(): void {
    this.env.close();
  }

  /** The first wrapper of class `kind` in this chain (this one included), if any. */
  find<W extends Wrapper>(kind: abstract new (...args: never[]) => W): W | undefined {
    let current: Env = this;
    while (current instanceof Wrapper) {
      if (current instanceof kind) return current;
      current = current.env;
    }
    return undefined;
  }

  toString(): string {
    return `${this.constructor.name}<${String(this.env)}>`;
  }
}

/** Ends an episode with `truncated = true` after `maxEpisodeSteps` steps: the only source of truncation. */
export class TimeLimit<O = unknown, A = unknown> extends Wrapper<O, A> {
  readonly maxEpisodeSteps: number;
  /** Steps taken since the last reset. */
  elapsedSteps = 0;

  constructor(env: Env, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new InvalidOptionError(
        "maxEpisodeSteps",
        `TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}.`,
      );
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  override get spec(): EnvSpec {
    return { ...this.env.spec, maxEpisodeSteps: this.maxEpisodeSteps };
  }

  override reset(options?: ResetOptions): ResetResult<O> {
    this.elapsedSteps = 0;
    return this.env.reset(options) as ResetResult<O>;
  }

  override step(action: A): StepResult<O> {
    const result = this.env.step(action) as StepResult<O>;
    this.elapsedSteps += 1;
    if (this.elapsedSteps >= this.maxEpisodeSteps) result.truncated = true;
    return result;
  }
}

/** Refuses `step` before the first `reset`. */
export class OrderEnforcing<O = unknown, A = unknown> extends Wrapper<O, A> {
  hasReset = false;

  override reset(options?: ResetOptions): ResetResult<O> {
    this.hasReset = true;
    return this.env.reset(options) as ResetResult<O>;
  }

  override step(action: A): StepResult<O> {
    if (!this.hasReset) {
      throw new ResetNeededError(
        `${this.spec.id}: step() was called before reset(). Call env.reset() to start an episode first.`,
      );
    }
    return this.env.step(action) as StepResult<O>;
  }
}

/** What RecordEpisodeStatistics adds to the final step's info, as Gymnasium's `info["episode"]`. */
export interface EpisodeStatistics {
  /** The episode's return. */
  r: number;
  /** Its length in steps. */
  l: number;
  /** Wall-clock seconds since its reset. */
  t: number;
}

/** Tracks each episode's return and length, and reports them in the last step's `info.episode`. */
export class RecordEpisodeStatistics<O = unknown, A = unknown> extends Wrapper<O, A> {
  readonly bufferLength: number;
  /** The last `bufferLength` episode returns and lengths, oldest first. */
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStart = 0;

  constructor(env: Env, bufferLength = 100) {
    super(env);
    this.bufferLength = bufferLength;
  }

  override reset(options?: ResetOptions): ResetResult<O> {
    const result = this.env.reset(options) as ResetResult<O>;
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStart = performance.now();
    return result;
  }

  override step(action: A): StepResult<O> {
    const result = this.env.step(action) as StepResult<O>;
    this.episodeReturn += result.reward;
    this.episodeLength += 1;
    if (result.terminated || result.truncated) {
      const episode: EpisodeStatistics = {
        r: this.episodeReturn,
        l: this.episodeLength,
        t: Math.round(performance.now() - this.episodeStart) / 1000,
      };
      result.info = { ...result.info, episode } satisfies Info;
      this.returnQueue.push(episode.r);
      this.lengthQueue.push(episode.l);
      if (this.returnQueue.length > this.bufferLength) {
        this.returnQueue.shift();
        this.lengthQueue.shift();
      }
      this.episodeCount += 1;
    }
    return result;
  }
}

function requireBox(space: Space, wrapper: string, what: "action" | "observation"): Box {
  if (!(space instanceof Box)) {
    throw new InvalidOptionError(
      wrapper,
      `${wrapper} needs a Box ${what} space, but the env's ${what} space is ${space}. Remove the ${wrapper} option for this env.`,
    );
  }
  return space;
}

/** Clips continuous actions into the env's Box bounds. Its own action space is unbounded. */
export class ClipAction<O = unknown> extends Wrapper<O, ArrayLike<number>> {
  private readonly box: Box;

  constructor(env: Env) {
    const box = requireBox(env.actionSpace, "ClipAction", "action");
    super(env, {
      actionSpace: new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, box.shape, box.dtype),
    });
    this.box = box;
  }

  override step(action: ArrayLike<number>): StepResult<O> {
    assertAction(this.actionSpace, action, `${this.spec.id}.step (ClipAction)`);
    const clipped = new Float32Array(this.box.size);
    for (let i = 0; i < clipped.length; i++)
      clipped[i] = Math.min(Math.max(action[i]!, this.box.low[i]!), this.box.high[i]!);
    return this.env.step(clipped) as StepResult<O>;
  }
}

/**
 * Lets the agent act in `[minAction, maxAction]` and maps the action affinely onto the env's bounds:
 * `a_env = clip(a · gradient + intercept, low, high)` with `gradient = (high − low) / (max − min)`.
 */
export class RescaleAction<O = unknown> extends Wrapper<O, ArrayLike<number>> {
  private readonly gradient: Float64Array;
  private readonly intercept: Float64Array;
  private readonly box: Box;

  constructor(env: Env, minAction: number, maxAction: number) {
    const box = requireBox(env.actionSpace, "RescaleAction", "action");
    if (!box.isBounded) {
      throw new InvalidOptionError(
        "rescaleAction",
        `RescaleAction needs a bounded action space, got ${box}.`,
      );
    }
    if (!(minAction < maxAction)) {
      throw new InvalidOptionError(
        "rescaleAction",
        `RescaleAction: min (${minAction}) must be below max (${maxAction}).`,
      );
    }
    super(env, { actionSpace: new Box(minAction, maxAction, box.shape, box.dtype) });
    this.box = box;
    this.gradient = box.high.map((high, i) => (high - box.low[i]!) / (maxAction - minAction));
    this.intercept = this.gradient.map((g, i) => g * -minAction + box.low[i]!);
  }

  override step(action: ArrayLike<number>): StepResult<O> {
    assertAction(this.actionSpace, action, `${this.spec.id}.step (RescaleAction)`);
    const mapped = new Float32Array(this.box.size);
    for (let i = 0; i < mapped.length; i++) {
      const v = action[i]! * this.gradient[i]! + this.intercept[i]!;
      mapped[i] = Math.min(Math.max(v, this.box.low[i]!), this.box.high[i]!);
    }
    return this.env.step(mapped) as StepResult<O>;
  }
}

/** Running mean and variance from batched moments (Chan et al.), as Gymnasium's `RunningMeanStd`. */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Folds in one sample. */
  update(x: ArrayLike<number>): void {
    const totalCount = this.count + 1;
    for (let i = 0; i < this.mean.length; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + delta / totalCount;
      const m2 = this.var[i]! * this.count + (delta * delta * this.count) / totalCount;
      this.var[i] = m2 / totalCount;
    }
    this.count = totalCount;
  }

  toJSON(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  load(state: { mean: ArrayLike<number>; var: ArrayLike<number>; count: number }): void {
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.count = state.count;
  }
}

/**
 * Normalizes Box observations to roughly zero mean and unit variance with running statistics:
 * `(obs − mean) / sqrt(var + epsilon)`. Statistics update on every observation unless
 * `updateRunningMean` is false (set it false for evaluation).
 */
export class NormalizeObservation<A = unknown> extends Wrapper<Float32Array, A> {
  readonly obsRms: RunningMeanStd;
  readonly epsilon: number;
  updateRunningMean = true;

  constructor(env: Env, epsilon = 1e-8) {
    const box = requireBox(env.observationSpace, "NormalizeObservation", "observation");
    super(env, {
      observationSpace: new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, box.shape, "float32"),
    });
    this.obsRms = new RunningMeanStd(box.size);
    this.epsilon = epsilon;
  }

  override reset(options?: ResetOptions): ResetResult<Float32Array> {
    const result = this.env.reset(options) as ResetResult<ArrayLike<number>>;
    return { observation: this.normalize(result.observation), info: result.info };
  }

  override step(action: A): StepResult<Float32Array> {
    const result = this.env.step(action) as StepResult<ArrayLike<number>>;
    return { ...result, observation: this.normalize(result.observation) };
  }

  private normalize(observation: ArrayLike<number>): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(observation);
    const out = new Float32Array(observation.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = (observation[i]! - this.obsRms.mean[i]!) / Math.sqrt(this.obsRms.var[i]! + this.epsilon);
    }
    return out;
  }
}
