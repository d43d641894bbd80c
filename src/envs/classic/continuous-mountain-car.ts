/**
 * MountainCarContinuous: drive an under-powered car up the right hill with a continuous throttle.
 *
 * Ported from gymnasium/envs/classic_control/continuous_mountain_car.py (Gymnasium 0.29/1.x), by
 * Olivier Sigaud: a merge of the MountainCar of Jose Antonio Martin H.'s "FAReinforcement" library
 * (adapted by Tom Schaul and Arnaud de Broissia) and Gymnasium's MountainCar, itself from Sutton's
 * MountainCar1.cp. The task first appeared in Andrew Moore's PhD thesis (1990).
 *
 * ## Description
 * A car is placed stochastically at the bottom of a sinusoidal valley. Its engine is too weak to
 * climb the right hill directly; the goal is to accelerate left and right so that the car builds
 * up momentum and reaches the flag on top of the right hill, while spending as little energy as
 * possible. This is the continuous-action version; see `mountain-car.ts` for the discrete one.
 *
 * ## Action Space
 * `Box(-1, 1, (1,))`, float32: the directional force applied to the car. It is clipped to [-1, 1]
 * and multiplied by a power of 0.0015. Actions are read as float32, the action space's dtype.
 *
 * ## Observation Space
 * `Box(2,)`, float32:
 *
 * | Num | Observation                          | Min   | Max  | Unit         |
 * |-----|--------------------------------------|-------|------|--------------|
 * | 0   | position of the car along the x-axis | -1.2  | 0.6  | position (m) |
 * | 1   | velocity of the car                  | -0.07 | 0.07 | velocity (v) |
 *
 * (Gymnasium's docstring says ±Inf, but its code builds the space with these bounds.)
 *
 * ## Transition Dynamics
 * `velocity ← velocity + force · power − 0.0025 · cos(3 · position)`, clipped to ±0.07; then
 * `position ← position + velocity`, clipped to [-1.2, 0.6]. Collisions at the left end are
 * inelastic: the velocity is set to 0 there. The new state is stored as float32, as Gymnasium
 * stores it, so each step starts from float32 values.
 *
 * ## Rewards
 * `-0.1 · action²` every step, to penalise large actions (the unclipped action, as Gymnasium
 * computes it); reaching the goal adds +100 on that step. The reward threshold is 90.
 *
 * ## Starting State
 * The position is uniform in [-0.6, -0.4]; the velocity is 0. Reset options `{ low, high }`
 * change the position's range.
 *
 * ## Episode End
 * - Termination: the position is at least 0.45 (the flag) and the velocity at least
 *   `goalVelocity` (default 0, a constructor option).
 * - Truncation (TimeLimit wrapper): 999 steps.
 *
 * ## Version History
 * - v0: initial version (Gymnasium's current version).
 */
import { type EnvKernel, KernelEnv, type KernelStepOut } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces/index.js";
import { numberOption, resetBounds } from "./utils.js";

const minAction = -1.0;
const maxAction = 1.0;
const minPosition = -1.2; // m
const maxPosition = 0.6; // m
const maxSpeed = 0.07; // m per step
/** Where the flag stands, in m: 0.5 in Gymnasium's MountainCar, 0.45 in Arnaud de Broissia's version. */
const goalPosition = 0.45;
const power = 0.0015; // velocity change per step per unit of force

/** State slots: position, velocity (float64 after reset, float32 values after a step). */
const STATE_SIZE = 2;

/** Constructor options of MountainCarContinuous-v0 (Gymnasium's `goal_velocity`). */
export interface ContinuousMountainCarOptions {
  /** The velocity the car must have at the flag to terminate (default 0). */
  goalVelocity?: number;
}

export class ContinuousMountainCarKernel implements EnvKernel {
  readonly stateSize = STATE_SIZE;
  readonly obsSize = 2;
  readonly actionSize = 1;
  readonly actionSpace = new Box(minAction, maxAction, [1]);
  readonly observationSpace = new Box([minPosition, -maxSpeed], [maxPosition, maxSpeed]);
  readonly goalVelocity: number;

  constructor(options: ContinuousMountainCarOptions = {}) {
    this.goalVelocity = numberOption(options.goalVelocity ?? 0, "goalVelocity", continuousMountainCarSpec.id);
  }

  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds(options, -0.6, -0.4, "MountainCarContinuous-v0.reset");
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
    const action = Math.fround(actions[a]!);
    const force = Math.min(Math.max(action, minAction), maxAction);

    // numpy 1.x promotes the float32 state and action to float64 here.
    velocity += force * power - 0.0025 * Math.cos(3 * position);
    if (velocity > maxSpeed) velocity = maxSpeed;
    if (velocity < -maxSpeed) velocity = -maxSpeed;
    position += velocity;
    if (position > maxPosition) position = maxPosition;
    if (position < minPosition) position = minPosition;
    if (position === minPosition && velocity < 0) velocity = 0;

    const terminated = position >= goalPosition && velocity >= this.goalVelocity;
    // math.pow(action, 2): the square of a float32 is exact in float64, so action * action equals it.
    const reward = (terminated ? 100.0 : 0) - action * action * 0.1;

    // Gymnasium stores the new state as np.float32.
    state[s] = Math.fround(position);
    state[s + 1] = Math.fround(velocity);
    out.rewards[i] = reward;
    out.terminations[i] = terminated ? 1 : 0;
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    out[o] = state[s]!;
    out[o + 1] = state[s + 1]!;
  }
}

export const continuousMountainCarSpec = {
  id: "MountainCarContinuous-v0",
  maxEpisodeSteps: 999,
  rewardThreshold: 90.0,
  description: "Rock an under-powered car out of a valley with a continuous throttle.",
} as const;

export class ContinuousMountainCarEnv extends KernelEnv {
  constructor(options: ContinuousMountainCarOptions = {}) {
    super(continuousMountainCarSpec, new ContinuousMountainCarKernel(options));
  }
}
