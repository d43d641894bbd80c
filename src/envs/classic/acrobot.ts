/**
 * Acrobot: swing the free end of a two-link chain above a line by torquing the middle joint.
 *
 * Ported from gymnasium/envs/classic_control/acrobot.py (Gymnasium 0.29/1.x), itself from RLPy's
 * Acrobot domain (Christoph Dann et al., BSD 3-Clause); Sutton (1996), "Generalization in
 * Reinforcement Learning: Successful Examples Using Sparse Coarse Coding", and Sutton and Barto,
 * "Reinforcement Learning: An Introduction".
 *
 * ## Description
 * Two links are connected in a chain, with one end of the chain fixed. The joint between the two
 * links is actuated. The goal is to apply torques on that joint to swing the free end of the outer
 * link above a target height, starting from hanging downwards. The dynamics are the book's
 * (Gymnasium's default `book_or_nips = "book"`), integrated with one fourth-order Runge–Kutta step
 * of 0.2 s per env step.
 *
 * ## Action Space
 * `Discrete(3)`: the torque on the actuated joint.
 *
 * | Num | Action                                | Unit         |
 * |-----|---------------------------------------|--------------|
 * | 0   | apply -1 torque to the actuated joint | torque (N m) |
 * | 1   | apply 0 torque to the actuated joint  | torque (N m) |
 * | 2   | apply 1 torque to the actuated joint  | torque (N m) |
 *
 * ## Observation Space
 * `Box(6,)`, float32:
 *
 * | Num | Observation                  | Min                 | Max               |
 * |-----|------------------------------|---------------------|-------------------|
 * | 0   | Cosine of `theta1`           | -1                  | 1                 |
 * | 1   | Sine of `theta1`             | -1                  | 1                 |
 * | 2   | Cosine of `theta2`           | -1                  | 1                 |
 * | 3   | Sine of `theta2`             | -1                  | 1                 |
 * | 4   | Angular velocity of `theta1` | ~ -12.567 (-4 * pi) | ~ 12.567 (4 * pi) |
 * | 5   | Angular velocity of `theta2` | ~ -28.274 (-9 * pi) | ~ 28.274 (9 * pi) |
 *
 * `theta1` is the angle of the first joint, 0 pointing straight down; `theta2` is relative to the
 * first link, 0 when both links are aligned. Angles are wrapped into [-π, π]; the angular
 * velocities are bounded at ±4π and ±9π rad/s.
 *
 * ## Rewards
 * -1 for every step that does not reach the target height; 0 on the step that does. The reward
 * threshold is -100.
 *
 * ## Starting State
 * `theta1`, `theta2` and both angular velocities are uniform in [-0.1, 0.1], drawn in that order
 * and rounded to float32 (Gymnasium casts the starting state to float32). Reset options
 * `{ low, high }` change the range.
 *
 * ## Episode End
 * - Termination: the free end reaches the target height, `-cos(theta1) - cos(theta2 + theta1) > 1.0`.
 * - Truncation (TimeLimit wrapper): 500 steps for v1.
 *
 * ## Version History
 * - v1: max_episode_steps 500 (was 200); observations carry the sine and cosine of each angle
 *   instead of the angles (Gymnasium's current version).
 * - v0: observed the angles directly (removed from Gymnasium; not registered here).
 */
import { type EnvKernel, KernelEnv, type KernelStepOut } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box, Discrete } from "../../core/spaces/index.js";
import { resetBounds } from "./utils.js";

const pi = Math.PI;

const dt = 0.2; // seconds between state updates
const linkLength1 = 1.0; // m (link 2 is 1.0 m too; its length only matters for rendering)
const linkMass1 = 1.0; // kg, mass of link 1
const linkMass2 = 1.0; // kg, mass of link 2
const linkComPos1 = 0.5; // m, position of the center of mass of link 1
const linkComPos2 = 0.5; // m, position of the center of mass of link 2
const linkMoi = 1.0; // kg·m², moments of inertia for both links
const maxVel1 = 4 * pi; // rad/s
const maxVel2 = 9 * pi; // rad/s
const availTorque = [-1.0, 0.0, +1]; // N·m, one per action
// Gymnasium's torque_noise_max (the half-width of uniform noise on the torque) is 0.0: see step().

/** State slots: theta1, theta2, dtheta1, dtheta2 (Gymnasium's `self.state`). */
const STATE_SIZE = 4;

/** The sample times of one env step, Gymnasium's `[0, self.dt]`. */
const STEP_TIMES: readonly number[] = [0, dt];

/**
 * Gymnasium's `wrap`: wraps `x` so m <= x <= M; unlike `bound`, which truncates, it wraps `x` around
 * the coordinate system defined by m and M (m = -180, M = 180 degrees, x = 360 gives 0).
 */
export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/**
 * Gymnasium's `bound`: `min(max(x, m), M)`. Python's builtins and Math's agree, NaN included, except
 * on the sign of a zero when x and a bound are both zero.
 */
export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/** Scratch arrays for `rk4`, each as long as the state vector. */
export interface Rk4Work {
  k1: Float64Array;
  k2: Float64Array;
  k3: Float64Array;
  k4: Float64Array;
  y: Float64Array;
}

export function rk4Work(n: number): Rk4Work {
  return {
    k1: new Float64Array(n),
    k2: new Float64Array(n),
    k3: new Float64Array(n),
    k4: new Float64Array(n),
    y: new Float64Array(n),
  };
}

/**
 * Gymnasium's `rk4`: integrates `dy/dt = derivs(y)` with fourth-order Runge–Kutta over the sample
 * times `t`, starting from `y0`, and leaves the value at the last time in `yout`. `derivs(y, dydt)`
 * writes the derivative of `y` into `dydt`.
 */
export function rk4(
  derivs: (y: Float64Array, dydt: Float64Array) => void,
  y0: Float64Array,
  t: readonly number[],
  yout: Float64Array,
  work: Rk4Work,
): void {
  const { k1, k2, k3, k4, y } = work;
  const n = y0.length;
  yout.set(y0);
  for (let i = 0; i < t.length - 1; i++) {
    const dt = t[i + 1]! - t[i]!;
    const dt2 = dt / 2.0;
    derivs(yout, k1);
    for (let j = 0; j < n; j++) y[j] = yout[j]! + dt2 * k1[j]!;
    derivs(y, k2);
    for (let j = 0; j < n; j++) y[j] = yout[j]! + dt2 * k2[j]!;
    derivs(y, k3);
    for (let j = 0; j < n; j++) y[j] = yout[j]! + dt * k3[j]!;
    derivs(y, k4);
    for (let j = 0; j < n; j++) yout[j] = yout[j]! + (dt / 6.0) * (k1[j]! + 2 * k2[j]! + 2 * k3[j]! + k4[j]!);
  }
}

/**
 * Gymnasium's `_dsdt` with the book's dynamics: the derivative of `[theta1, theta2, dtheta1,
 * dtheta2, torque]`. The torque is constant over the step, so its derivative is 0.
 */
function dsdt(sAugmented: Float64Array, out: Float64Array): void {
  const m1 = linkMass1;
  const m2 = linkMass2;
  const l1 = linkLength1;
  const lc1 = linkComPos1;
  const lc2 = linkComPos2;
  const I1 = linkMoi;
  const I2 = linkMoi;
  const g = 9.8; // m/s²
  const a = sAugmented[4]!;
  const theta1 = sAugmented[0]!;
  const theta2 = sAugmented[1]!;
  const dtheta1 = sAugmented[2]!;
  const dtheta2 = sAugmented[3]!;
  // numpy computes x ** 2 on a float64 as C's pow(x, 2); x * x is the correctly rounded square.
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - pi / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - pi / 2) +
    phi2;
  // The book's (and the Java implementation's) equation; the NIPS paper drops the dtheta1² term.
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) /
    (m2 * lc2 ** 2 + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
  out[4] = 0.0;
}

export class AcrobotKernel implements EnvKernel {
  readonly stateSize = STATE_SIZE;
  readonly obsSize = 6;
  readonly actionSize = 1;
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box(
    [-1.0, -1.0, -1.0, -1.0, -maxVel1, -maxVel2],
    [1.0, 1.0, 1.0, 1.0, maxVel1, maxVel2],
  );
  /** The state augmented with the torque, and the integrator's output and scratch. */
  private readonly sAugmented = new Float64Array(5);
  private readonly ns = new Float64Array(5);
  private readonly work = rk4Work(5);

  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds(options, -0.1, 0.1, "Acrobot-v1.reset");
    for (let k = 0; k < 4; k++) state[s + k] = Math.fround(rng.uniform(low, high));
  }

  step(
    state: Float64Array,
    s: number,
    actions: ArrayLike<number>,
    a: number,
    out: KernelStepOut,
    i: number,
  ): void {
    const torque = availTorque[actions[a]!]!;
    // Gymnasium adds uniform(-torqueNoiseMax, torqueNoiseMax) to the torque only when
    // torqueNoiseMax > 0. It is 0.0, so no noise is drawn from np_random, here or there.

    // Augment the state with the torque so it can be passed to dsdt.
    const sAugmented = this.sAugmented;
    for (let k = 0; k < 4; k++) sAugmented[k] = state[s + k]!;
    sAugmented[4] = torque;

    const ns = this.ns;
    rk4(dsdt, sAugmented, STEP_TIMES, ns, this.work);

    state[s] = wrap(ns[0]!, -pi, pi);
    state[s + 1] = wrap(ns[1]!, -pi, pi);
    state[s + 2] = bound(ns[2]!, -maxVel1, maxVel1);
    state[s + 3] = bound(ns[3]!, -maxVel2, maxVel2);

    const terminated = -Math.cos(state[s]!) - Math.cos(state[s + 1]! + state[s]!) > 1.0;
    out.rewards[i] = terminated ? 0.0 : -1.0;
    out.terminations[i] = terminated ? 1 : 0;
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    out[o] = Math.cos(state[s]!);
    out[o + 1] = Math.sin(state[s]!);
    out[o + 2] = Math.cos(state[s + 1]!);
    out[o + 3] = Math.sin(state[s + 1]!);
    out[o + 4] = state[s + 2]!;
    out[o + 5] = state[s + 3]!;
  }
}

export const acrobotSpec = {
  id: "Acrobot-v1",
  maxEpisodeSteps: 500,
  rewardThreshold: -100.0,
  description: "Swing the end of a two-link chain above a line by torquing its middle joint.",
} as const;

export class AcrobotEnv extends KernelEnv {
  constructor() {
    super(acrobotSpec, new AcrobotKernel());
  }
}
