/**
 * @module
 * A synchronous vector env: N copies of one env stepped together, with observations, rewards and
 * flags in flat typed arrays. It follows Gymnasium 1.x's next-step autoreset: when sub-env i ends
 * (terminated or truncated) at step t, the call to `step` at t + 1 resets it instead of stepping
 * it. That call ignores action i and returns the reset observation with reward 0 and both flags
 * false.
 *
 * An env registered with a kernel is stepped straight over one shared float64 state buffer, with
 * no allocation per step; any other env is driven through its `Env` interface.
 * Ported from gymnasium/vector/sync_vector_env.py (Gymnasium 1.x, AutoresetMode.NEXT_STEP).
 */
import { assertAction, type Env, type EnvSpec, type Info, reseed } from "./env.js";
import { InvalidOptionError, ResetNeededError, ShapeMismatchError } from "./errors.js";
import type { EnvKernel } from "./kernel.js";
import { type MakeOptions, make, registration, splitOptions } from "./registry.js";
import type { Rng } from "./rng.js";
import { Box, Discrete, type Space } from "./spaces/index.js";

export interface VectorResetResult {
  /** numEnvs × obsSize, row-major. Overwritten by the next call. */
  observations: Float32Array;
  infos: readonly Info[];
}

export interface VectorStepResult {
  /** numEnvs × obsSize, row-major. These arrays are reused: copy what you keep. */
  observations: Float32Array;
  rewards: Float64Array;
  /** 1 where the sub-env reached a terminal state this step. */
  terminations: Uint8Array;
  /** 1 where the sub-env hit its step limit this step. */
  truncations: Uint8Array;
  infos: readonly Info[];
}

/** How the vector env advances its sub-envs. */
interface Backend {
  reset(
    i: number,
    seed: number | bigint | undefined,
    options: Record<string, unknown> | undefined,
    obs: Float32Array,
  ): Info;
  /**
   * Advances every sub-env with next-step autoreset: where `autoreset[i]` is set, resets sub-env i
   * (reward 0, flags cleared); otherwise steps it with the action at actions[i·actionSize…]. Then
   * sets `autoreset[i]` for the sub-envs that ended. Actions are already validated.
   */
  stepAll(actions: ArrayLike<number>, autoreset: Uint8Array, out: VectorStepResult): void;
  close(): void;
}

export class VectorEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  /** Float32 values per observation (the observation space's flat size). */
  readonly obsSize: number;
  /** Numbers per action in the flat action buffer: 1 for Discrete, the Box size otherwise. */
  readonly actionSize: number;
  private readonly backend: Backend;
  private readonly result: VectorStepResult;
  private readonly autoreset: Uint8Array;
  private hasReset = false;

  private constructor(
    spec: EnvSpec,
    numEnvs: number,
    observationSpace: Space,
    actionSpace: Space,
    backend: (env: VectorEnv) => Backend,
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new InvalidOptionError(
        "numEnvs",
        `VectorEnv: numEnvs must be a positive integer, got ${numEnvs}.`,
      );
    }
    this.spec = spec;
    this.numEnvs = numEnvs;
    this.singleObservationSpace = observationSpace;
    this.singleActionSpace = actionSpace;
    this.obsSize = observationSpace.flatDim;
    this.actionSize = actionSpace instanceof Box ? actionSpace.size : 1;
    if (!(actionSpace instanceof Box) && actionSpace.kind !== "discrete") {
      throw new InvalidOptionError(
        "actionSpace",
        `VectorEnv supports Discrete and Box action spaces, got ${actionSpace}.`,
      );
    }
    this.result = {
      observations: new Float32Array(numEnvs * this.obsSize),
      rewards: new Float64Array(numEnvs),
      terminations: new Uint8Array(numEnvs),
      truncations: new Uint8Array(numEnvs),
      infos: [],
    };
    this.autoreset = new Uint8Array(numEnvs);
    this.backend = backend(this);
  }

  /** Steps `numEnvs` copies of a kernel over one float64 state buffer. */
  static fromKernel(spec: EnvSpec, kernel: EnvKernel, numEnvs: number): VectorEnv {
    return new VectorEnv(
      spec,
      numEnvs,
      kernel.observationSpace,
      kernel.actionSpace,
      (v) => new KernelBackend(v.numEnvs, spec, kernel),
    );
  }

  /** Drives any envs (all with the same spaces) through the Env interface. */
  static fromEnvs(envs: readonly Env[]): VectorEnv {
    if (envs.length === 0) throw new InvalidOptionError("envs", "VectorEnv.fromEnvs needs at least one env.");
    const first = envs[0]!;
    for (const env of envs) {
      if (
        String(env.observationSpace) !== String(first.observationSpace) ||
        String(env.actionSpace) !== String(first.actionSpace)
      ) {
        throw new ShapeMismatchError(
          `VectorEnv.fromEnvs: all envs need the same spaces; ${env.spec.id} differs from ${first.spec.id}.`,
        );
      }
    }
    return new VectorEnv(
      first.spec,
      envs.length,
      first.observationSpace,
      first.actionSpace,
      (v) => new EnvBackend(v, envs),
    );
  }

  /**
   * Resets every sub-env. With a seed, sub-env i is seeded with `seed + i` (as Gymnasium does), so
   * sub-env 0 replays `make(id).reset({ seed })`.
   */
  reset(options: { seed?: number; options?: Record<string, unknown> } = {}): VectorResetResult {
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const seed = options.seed === undefined ? undefined : options.seed + i;
      infos.push(this.backend.reset(i, seed, options.options, this.result.observations));
    }
    this.autoreset.fill(0);
    this.hasReset = true;
    return { observations: this.result.observations, infos };
  }

  /**
   * Steps every sub-env. `actions` holds numEnvs × actionSize numbers (one integer per env for a
   * Discrete action space). The returned arrays are reused by the next call.
   */
  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.hasReset)
      throw new ResetNeededError(
        `VectorEnv(${this.spec.id}): step() was called before reset(). Call reset() first.`,
      );
    if (actions.length !== this.numEnvs * this.actionSize) {
      throw new ShapeMismatchError(
        `VectorEnv(${this.spec.id}).step: expected ${this.numEnvs * this.actionSize} action values (${this.numEnvs} envs × ${this.actionSize}), got ${actions.length}.`,
      );
    }
    // Validate every action first, so a bad one leaves no sub-env half stepped.
    for (let i = 0; i < this.numEnvs; i++) if (this.autoreset[i] === 0) this.checkAction(i, actions);
    this.backend.stepAll(actions, this.autoreset, this.result);
    return this.result;
  }

  close(): void {
    this.backend.close();
  }

  /** Validates the action of sub-env i (numbers at actions[i·actionSize…]). */
  checkAction(i: number, actions: ArrayLike<number>): void {
    const space = this.singleActionSpace;
    if (space instanceof Discrete) {
      const a = actions[i]!;
      if (!(a >= space.start && a < space.start + space.n && Number.isInteger(a))) {
        assertAction(space, a, `VectorEnv(${this.spec.id}) env ${i}`);
      }
    } else if (space instanceof Box) {
      const base = i * this.actionSize;
      for (let j = 0; j < this.actionSize; j++) {
        const v = actions[base + j]!;
        const cast = space.dtype === "float32" ? Math.fround(v) : v;
        if (!(cast >= space.low[j]! && cast <= space.high[j]!)) {
          assertAction(
            space,
            Array.from({ length: this.actionSize }, (_, k) => actions[base + k]!),
            `VectorEnv(${this.spec.id}) env ${i}`,
          );
        }
      }
    } else if (!space.contains(actions[i])) {
      assertAction(space, actions[i], `VectorEnv(${this.spec.id}) env ${i}`);
    }
  }
}

class KernelBackend implements Backend {
  private readonly state: Float64Array;
  private readonly rngs: (Rng | undefined)[];
  private readonly elapsed: Int32Array;
  private readonly maxEpisodeSteps: number;
  private readonly noInfos: readonly Info[];

  constructor(
    private readonly numEnvs: number,
    spec: EnvSpec,
    private readonly kernel: EnvKernel,
  ) {
    this.state = new Float64Array(numEnvs * kernel.stateSize);
    this.rngs = new Array(numEnvs).fill(undefined);
    this.elapsed = new Int32Array(numEnvs);
    this.maxEpisodeSteps = spec.maxEpisodeSteps ?? Number.POSITIVE_INFINITY;
    this.noInfos = Object.freeze(Array.from({ length: numEnvs }, () => Object.freeze({})));
  }

  reset(
    i: number,
    seed: number | bigint | undefined,
    options: Record<string, unknown> | undefined,
    obs: Float32Array,
  ): Info {
    const rng = reseed(this.rngs[i], seed);
    this.rngs[i] = rng;
    this.kernel.reset(this.state, i * this.kernel.stateSize, rng, options);
    this.elapsed[i] = 0;
    this.kernel.observe(this.state, i * this.kernel.stateSize, obs, i * this.kernel.obsSize);
    return {};
  }

  stepAll(actions: ArrayLike<number>, autoreset: Uint8Array, out: VectorStepResult): void {
    const k = this.kernel;
    const { state, elapsed, maxEpisodeSteps } = this;
    const stateSize = k.stateSize;
    const obsSize = k.obsSize;
    const actionSize = k.actionSize;
    const obs = out.observations;
    for (let i = 0; i < this.numEnvs; i++) {
      if (autoreset[i] === 1) {
        this.reset(i, undefined, undefined, obs);
        out.rewards[i] = 0;
        out.terminations[i] = 0;
        out.truncations[i] = 0;
        autoreset[i] = 0;
        continue;
      }
      // The kernel writes reward and termination straight into the result arrays.
      k.step(state, i * stateSize, actions, i * actionSize, out, i);
      k.observe(state, i * stateSize, obs, i * obsSize);
      const steps = elapsed[i]! + 1;
      elapsed[i] = steps;
      const truncated = steps >= maxEpisodeSteps ? 1 : 0;
      out.truncations[i] = truncated;
      autoreset[i] = out.terminations[i]! | truncated;
    }
    out.infos = this.noInfos;
  }

  close(): void {}
}

class EnvBackend implements Backend {
  private readonly noInfos: readonly Info[];

  constructor(
    private readonly vec: VectorEnv,
    private readonly envs: readonly Env[],
  ) {
    this.noInfos = Object.freeze(envs.map(() => Object.freeze({})));
  }

  reset(
    i: number,
    seed: number | bigint | undefined,
    options: Record<string, unknown> | undefined,
    obs: Float32Array,
  ): Info {
    const result = this.envs[i]!.reset({ seed, options });
    this.write(i, result.observation, obs);
    return result.info;
  }

  stepAll(actions: ArrayLike<number>, autoreset: Uint8Array, out: VectorStepResult): void {
    const size = this.vec.actionSize;
    const isBox = this.vec.singleActionSpace instanceof Box;
    const obs = out.observations;
    let infos: Info[] | undefined;
    for (let i = 0; i < this.envs.length; i++) {
      let info: Info;
      if (autoreset[i] === 1) {
        info = this.reset(i, undefined, undefined, obs);
        out.rewards[i] = 0;
        out.terminations[i] = 0;
        out.truncations[i] = 0;
      } else {
        const action = isBox
          ? Float32Array.from({ length: size }, (_, j) => actions[i * size + j]!)
          : actions[i];
        const result = this.envs[i]!.step(action);
        this.write(i, result.observation, obs);
        out.rewards[i] = result.reward;
        out.terminations[i] = result.terminated ? 1 : 0;
        out.truncations[i] = result.truncated ? 1 : 0;
        info = result.info;
      }
      if (Object.keys(info).length > 0) {
        infos ??= Array.from({ length: this.envs.length }, () => ({}));
        infos[i] = info;
      }
      autoreset[i] = out.terminations[i]! | out.truncations[i]!;
    }
    out.infos = infos ?? this.noInfos;
  }

  private write(i: number, observation: unknown, obs: Float32Array): void {
    const size = this.vec.obsSize;
    const space = this.vec.singleObservationSpace;
    if (space instanceof Box) obs.set(observation as ArrayLike<number>, i * size);
    else obs.set(space.flatten(observation as never), i * size);
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}

/** Options of `makeVec`: `make`'s options plus how many copies. */
export interface MakeVecOptions extends MakeOptions {
  numEnvs: number;
}

/**
 * Builds a vector env of `numEnvs` copies of a registered env. Without wrapper options (other than
 * `maxEpisodeSteps`), an env with a kernel steps over typed arrays; otherwise each copy is `make()`d.
 */
export function makeVec(id: string, options: MakeVecOptions & Record<string, unknown>): VectorEnv {
  const { numEnvs, ...rest } = options;
  const reg = registration(id);
  const { wrappers, envOptions, given } = splitOptions(reg, rest);
  const onlyTimeLimit = Object.entries(wrappers).every(
    ([key, value]) => key === "maxEpisodeSteps" || key === "orderEnforce" || !value,
  );
  if (reg.kernel && onlyTimeLimit) {
    const maxEpisodeSteps =
      wrappers.maxEpisodeSteps === undefined ? reg.maxEpisodeSteps : (wrappers.maxEpisodeSteps ?? undefined);
    const spec: EnvSpec = {
      ...specOf(reg),
      maxEpisodeSteps,
      ...(Object.keys(given).length > 0 ? { kwargs: { ...given } } : {}),
    };
    return VectorEnv.fromKernel(spec, reg.kernel(envOptions), numEnvs);
  }
  if (!Number.isInteger(numEnvs) || numEnvs < 1) {
    throw new InvalidOptionError("numEnvs", `makeVec: numEnvs must be a positive integer, got ${numEnvs}.`);
  }
  return VectorEnv.fromEnvs(Array.from({ length: numEnvs }, () => make(id, rest)));
}

function specOf(reg: EnvSpec): EnvSpec {
  const { id, maxEpisodeSteps, rewardThreshold, nondeterministic, description } = reg;
  return { id, maxEpisodeSteps, rewardThreshold, nondeterministic, description };
}
