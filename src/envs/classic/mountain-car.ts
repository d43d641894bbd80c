/**
 * MountainCar: drive an under-powered car up the right hill by rocking it back and forth.
 *
 * Ported from gymnasium/envs/classic_control/mountain_car.py (Gymnasium 0.29/1.x), itself from
 * Sutton's MountainCar1.cp (http://incompleteideas.net/MountainCar/MountainCar1.cp); the task
 * first appeared in Andrew Moore's PhD thesis (1990), "Efficient Memory-based Learning for Robot
 * Control".
 *
 * ## Description
 * A car is placed stochastically at the bottom of a sinusoidal valley. Its engine is too weak to
 * climb the right hill directly; the goal is to accelerate left and right so that the car builds
 * up momentum and reaches the flag on top of the right hill. This is the discrete-action version;
 * see `continuous-mountain-car.ts` for the continuous one.
 *
 * ## Action Space
 * `Discrete(3)`: 0 accelerates to the left, 1 does not accelerate, 2 accelerates to the right.
 *
 * ## Observation Space
 * `Box(2,)`, float32:
 *
 * | Num | Observation                          | Min   | Max  | Unit         |
 * |-----|--------------------------------------|-------|------|--------------|
 * | 0   | position of the car along the x-axis | -1.2  | 0.6  | position (m) |
 * | 1   | velocity of the car                  | -0.07 | 0.07 | velocity (v) |
 *
 * ## Transition Dynamics
 * `velocity ← velocity + (action − 1) · force − cos(3 · position) · gravity`, clipped to ±0.07;
 * then `position ← position + velocity`, clipped to [-1.2, 0.6], with force = 0.001 and
 * gravity = 0.0025. Collisions at the left end are inelastic: the velocity is set to 0 there.
 *
 * ## Rewards
 * -1 for every step, including the one that reaches the goal. The reward threshold is -110.
 *
 * ## Starting State
 * The position is uniform in [-0.6, -0.4]; the velocity is 0. Reset options `{ low, high }`
 * change the position's range.
 *
 * ## Episode End
 * - Termination: the position is at least 0.5 (the flag) and the velocity at least
 *   `goalVelocity` (default 0, a constructor option).
 * - Truncation (TimeLimit wrapper): 200 steps.
 *
 * ## Version History
 * - v0: initial version (Gymnasium's current version).
 */
import { type EnvKernel, KernelEnv, type KernelStepOut } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box, Discrete } from "../../core/spaces/index.js";
import { numberOption, resetBounds } from "./utils.js";

const minPosition = -1.2; // m
const maxPosition = 0.6; // m
const maxSpeed = 0.07; // m per step
const goalPosition = 0.5; // m, where the flag stands
const force = 0.001; // velocity change per step from the engine
const gravity = 0.0025; // velocity change per step from the slope, scaled by cos(3 · position)

/** State slots: position, velocity. */
const STATE_SIZE = 2;

/** Constructor options of MountainCar-v0 (Gymnasium's `goal_velocity`). */
export interface MountainCarOptions {
  /** The velocity the car must have at the flag to terminate (default 0). */
  goalVelocity?: number;
}

export class MountainCarKernel implements EnvKernel {
  readonly stateSize = STATE_SIZE;
  readonly obsSize = 2;
  readonly actionSize = 1;
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box([minPosition, -maxSpeed], [maxPosition, maxSpeed]);
  readonly goalVelocity: number;

  constructor(options: MountainCarOptions = {}) {
    this.goalVelocity = numberOption(options.goalVelocity ?? 0, "goalVelocity", mountainCarSpec.id);
  }

  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds(options, -0.6, -0.4, "MountainCar-v0.reset");
    state[s] = rng.uniform(low, high);
    state[s + 1] = 0;
  }

  step(
    state: Float64Array,
    s: number,
    actions: ArrayLike<number>,
    a: number,
    out: KernelStepOut,
    i: number,
  ): void {
    let position = state[s]!;
    let velocity = state[s + 1]!;
    const action = actions[a]!;

    velocity += (action - 1) * force + Math.cos(3 * position) * -gravity;
    velocity = Math.min(Math.max(velocity, -maxSpeed), maxSpeed);
    position += velocity;
    position = Math.min(Math.max(position, minPosition), maxPosition);
    if (position === minPosition && velocity < 0) velocity = 0;

    const terminated = position >= goalPosition && velocity >= this.goalVelocity;
    state[s] = position;
    state[s + 1] = velocity;
    out.rewards[i] = -1.0;
    out.terminations[i] = terminated ? 1 : 0;
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    out[o] = state[s]!;
    out[o + 1] = state[s + 1]!;
  }
}

export const mountainCarSpec = {
  id: "MountainCar-v0",
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
  description: "Rock an under-powered car out of a valley (discrete actions).",
} as const;

export class MountainCarEnv extends KernelEnv {
  constructor(options: MountainCarOptions = {}) {
    super(mountainCarSpec, new MountainCarKernel(options));
  }
}
