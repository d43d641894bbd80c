/**
 * @module
 * Simulators as allocation-free kernels over typed arrays. A kernel holds no episode state of its
 * own: it reads and writes one env's float64 state at an offset in a shared buffer. The same
 * kernel drives a single `KernelEnv` (one state slot) and the vector env (one slot per sub-env),
 * so both step with exactly the same arithmetic.
 */
import {
  assertAction,
  type Env,
  type EnvSpec,
  type Info,
  type ResetOptions,
  type ResetResult,
  reseed,
  type StepResult,
} from "./env.js";
import { ResetNeededError } from "./errors.js";
import type { Rng } from "./rng.js";
import type { Space } from "./spaces/index.js";

/** Where a kernel writes what one step produced, at index `i`. */
export interface KernelStepOut {
  rewards: Float64Array;
  terminations: Uint8Array;
}

export interface EnvKernel {
  /** Float64 slots of internal state per env (Gymnasium's `self.state` plus bookkeeping). */
  readonly stateSize: number;
  /** Float32 values in one observation. */
  readonly obsSize: number;
  /** Numbers read from the action buffer per env: 1 for a Discrete action, the Box size otherwise. */
  readonly actionSize: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Draws a starting state into `state[s…]` with `rng`, as the reference env's `reset`. */
  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void;
  /** Advances `state[s…]` by the action at `actions[a…]`; writes reward and termination at `out[i]`. */
  step(
    state: Float64Array,
    s: number,
    actions: ArrayLike<number>,
    a: number,
    out: KernelStepOut,
    i: number,
  ): void;
  /** Writes the observation of `state[s…]` to `out[o…]`, rounding to float32 as the reference does. */
  observe(state: Float64Array, s: number, out: Float32Array, o: number): void;
}

const EMPTY_INFO: Info = Object.freeze({}) as Info;

/**
 * A single environment over a kernel. Observations are fresh `Float32Array`s. Actions are checked
 * against the action space: a Discrete action is a number, a Box action an array of numbers.
 */
export class KernelEnv implements Env<Float32Array, number | ArrayLike<number>> {
  readonly spec: EnvSpec;
  readonly kernel: EnvKernel;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** The env's generator (Gymnasium's `np_random`), set by the first reset. */
  npRandom: Rng | undefined;
  /** The internal float64 state (Gymnasium's `self.state`). */
  readonly state: Float64Array;
  private readonly out: KernelStepOut = { rewards: new Float64Array(1), terminations: new Uint8Array(1) };
  private readonly actionScratch = new Float64Array(1);
  private hasReset = false;

  constructor(spec: EnvSpec, kernel: EnvKernel) {
    this.spec = spec;
    this.kernel = kernel;
    this.observationSpace = kernel.observationSpace;
    this.actionSpace = kernel.actionSpace;
    this.state = new Float64Array(kernel.stateSize);
  }

  get unwrapped(): Env {
    return this;
  }

  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    this.npRandom = reseed(this.npRandom, options.seed);
    this.kernel.reset(this.state, 0, this.npRandom, options.options);
    this.hasReset = true;
    return { observation: this.observe(), info: {} };
  }

  step(action: number | ArrayLike<number>): StepResult<Float32Array> {
    if (!this.hasReset) {
      throw new ResetNeededError(
        `${this.spec.id}: step() was called before reset(). Call env.reset() first.`,
      );
    }
    assertAction(this.actionSpace, action, `${this.spec.id}.step`);
    let actions: ArrayLike<number>;
    if (typeof action === "number") {
      this.actionScratch[0] = action;
      actions = this.actionScratch;
    } else {
      actions = action;
    }
    this.kernel.step(this.state, 0, actions, 0, this.out, 0);
    return {
      observation: this.observe(),
      reward: this.out.rewards[0]!,
      terminated: this.out.terminations[0] === 1,
      truncated: false,
      info: EMPTY_INFO,
    };
  }

  /** Replaces the internal state (for tests that replay a recorded state, and for planners). */
  setState(state: ArrayLike<number>): void {
    this.state.set(state);
    this.hasReset = true;
  }

  private observe(): Float32Array {
    const obs = new Float32Array(this.kernel.obsSize);
    this.kernel.observe(this.state, 0, obs, 0);
    return obs;
  }

  close(): void {}
}
