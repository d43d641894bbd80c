/**
 * Pendulum: swing a pendulum up and keep it upright with a limited torque.
 *
 * Ported from gymnasium/envs/classic_control/pendulum.py (Gymnasium 0.29/1.x), credited to Carlos
 * Luis; the inverted pendulum swing-up problem of classic control theory.
 *
 * ## Description
 * A pendulum is attached at one end to a fixed point; the other end is free. It starts in a random
 * position, and the goal is to apply torque on the free end to swing it into an upright position,
 * with its centre of gravity right above the fixed point. `theta` is the angle in radians, with 0
 * upright; the torque is positive counter-clockwise.
 *
 * ## Action Space
 * `Box(-2, 2, (1,))`, float32:
 *
 * | Num | Action | Min  | Max |
 * |-----|--------|------|-----|
 * | 0   | Torque | -2.0 | 2.0 |
 *
 * The torque is clipped to ±2 and read as float32, the action space's dtype.
 *
 * ## Observation Space
 * `Box(3,)`, float32, the x-y coordinates of the free end and the angular velocity:
 *
 * | Num | Observation      | Min  | Max |
 * |-----|------------------|------|-----|
 * | 0   | x = cos(theta)   | -1.0 | 1.0 |
 * | 1   | y = sin(theta)   | -1.0 | 1.0 |
 * | 2   | Angular Velocity | -8.0 | 8.0 |
 *
 * ## Rewards
 * `r = −(theta² + 0.1 · theta_dt² + 0.001 · torque²)`, with `theta` normalized into [-π, π) and
 * taken from the state before the step. The minimum is −(π² + 0.1 · 8² + 0.001 · 2²) = −16.2736044;
 * the maximum is 0 (upright, at rest, no torque). There is no reward threshold.
 *
 * ## Starting State
 * `theta` is uniform in [-π, π] and `theta_dt` in [-1, 1]. Reset options `{ x_init, y_init }`
 * (Gymnasium's names) replace π and 1; the ranges stay symmetric, `[-x_init, x_init]`.
 *
 * ## Episode End
 * - Termination: never.
 * - Truncation (TimeLimit wrapper): 200 steps.
 *
 * ## Version History
 * - v1: simplified the math equations, no difference in behaviour (Gymnasium's current version).
 * - v0: initial version (not registered here).
 */

import { InvalidOptionError } from "../../core/errors.js";
import { type EnvKernel, KernelEnv, type KernelStepOut } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces/index.js";
import { numberOption } from "./utils.js";

const maxSpeed = 8; // rad/s
const maxTorque = 2.0; // N·m
const dt = 0.05; // seconds between state updates
const m = 1.0; // kg
const l = 1.0; // m

/** Default half-widths of the starting ranges: theta in [-π, π], theta_dt in [-1, 1]. */
const DEFAULT_X = Math.PI; // rad
const DEFAULT_Y = 1.0; // rad/s

/** State slots: th (theta), thdot. */
const STATE_SIZE = 2;

/** Gymnasium's `angle_normalize`: x mapped into [-π, π), with Python's floored `%`. */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r !== 0 && r < 0 !== period < 0) r += period;
  return r - Math.PI;
}

/** Constructor options of Pendulum-v1. */
export interface PendulumOptions {
  /** The acceleration of gravity in m/s² (default 10.0). */
  g?: number;
}

export class PendulumKernel implements EnvKernel {
  readonly stateSize = STATE_SIZE;
  readonly obsSize = 3;
  readonly actionSize = 1;
  readonly actionSpace = new Box(-maxTorque, maxTorque, [1]);
  readonly observationSpace = new Box([-1.0, -1.0, -maxSpeed], [1.0, 1.0, maxSpeed]);
  /** Acceleration of gravity, m/s². */
  readonly g: number;

  constructor(options: PendulumOptions = {}) {
    this.g = numberOption(options.g ?? 10.0, "g", pendulumSpec.id);
  }

  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void {
    let x = DEFAULT_X;
    let y = DEFAULT_Y;
    if (options !== undefined) {
      if ("x_init" in options) x = numberOption(options.x_init, "options.x_init", "Pendulum-v1.reset");
      if ("y_init" in options) y = numberOption(options.y_init, "options.y_init", "Pendulum-v1.reset");
    }
    // numpy's Generator.uniform refuses high − low < 0, which a negative half-width gives.
    if (x < 0) {
      const why = `x_init is the half-width of theta's range and must be at least 0, got ${x}.`;
      throw new InvalidOptionError("options.x_init", `Pendulum-v1.reset: ${why}`);
    }
    if (y < 0) {
      const why = `y_init is the half-width of theta_dt's range and must be at least 0, got ${y}.`;
      throw new InvalidOptionError("options.y_init", `Pendulum-v1.reset: ${why}`);
    }
    // We enforce symmetric limits: low = −high.
    state[s] = rng.uniform(-x, x);
    state[s + 1] = rng.uniform(-y, y);
  }

  step(
    state: Float64Array,
    s: number,
    actions: ArrayLike<number>,
    a: number,
    out: KernelStepOut,
    i: number,
  ): void {
    const th = state[s]!; // th := theta
    const thdot = state[s + 1]!;
    const g = this.g;

    // u is a float32 (np.clip keeps the action's dtype); numpy 1.x promotes u ** 2 and 3.0 * u to
    // float64. numpy computes x ** 2 as C's pow(x, 2); x * x is the correctly rounded square.
    const u = Math.min(Math.max(Math.fround(actions[a]!), -maxTorque), maxTorque);
    // The cost is taken from the state before the update.
    const thNorm = angleNormalize(th);
    const costs = thNorm * thNorm + 0.1 * (thdot * thdot) + 0.001 * (u * u);

    // np.sin is the platform's sin (glibc's, or Intel SVML's in numpy 1.22-1.24 on AVX-512), so the
    // last bits of the state can differ from a given Gymnasium run's; Math.sin is within 1 ulp.
    let newthdot = thdot + (((3 * g) / (2 * l)) * Math.sin(th) + (3.0 / (m * l ** 2)) * u) * dt;
    newthdot = Math.min(Math.max(newthdot, -maxSpeed), maxSpeed);
    const newth = th + newthdot * dt;

    state[s] = newth;
    state[s + 1] = newthdot;
    out.rewards[i] = -costs;
    out.terminations[i] = 0;
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    const theta = state[s]!;
    out[o] = Math.cos(theta);
    out[o + 1] = Math.sin(theta);
    out[o + 2] = state[s + 1]!;
  }
}

export const pendulumSpec = {
  id: "Pendulum-v1",
  maxEpisodeSteps: 200,
  description: "Swing a pendulum upright and hold it there with a limited torque.",
} as const;

export class PendulumEnv extends KernelEnv {
  constructor(options: PendulumOptions = {}) {
    super(pendulumSpec, new PendulumKernel(options));
  }
}
