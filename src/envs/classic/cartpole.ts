/**
 * CartPole: balance a pole on a cart by pushing the cart left or right.
 *
 * Ported from gymnasium/envs/classic_control/cartpole.py (Gymnasium 0.29/1.x), itself from
 * Sutton's pole.c; Barto, Sutton and Anderson (1983), "Neuronlike adaptive elements that can solve
 * difficult learning control problems".
 *
 * ## Description
 * A pole is attached by an un-actuated joint to a cart, which moves along a frictionless track.
 * The pole starts upright; the goal is to keep it balanced by pushing the cart.
 *
 * ## Action Space
 * `Discrete(2)`: 0 pushes the cart to the left, 1 to the right, with a fixed force of 10 N.
 *
 * ## Observation Space
 * `Box(4,)`, float32:
 *
 * | Num | Observation           | Min                 | Max               |
 * |-----|-----------------------|---------------------|-------------------|
 * | 0   | Cart Position         | -4.8                | 4.8               |
 * | 1   | Cart Velocity         | -3.4e38             | 3.4e38            |
 * | 2   | Pole Angle            | ~ -0.418 rad (-24°) | ~ 0.418 rad (24°) |
 * | 3   | Pole Angular Velocity | -3.4e38             | 3.4e38            |
 *
 * ## Rewards
 * +1 for every step taken, including the termination step. Steps after termination (without a
 * reset) earn 0. The reward threshold is 475 for v1.
 *
 * ## Starting State
 * All four state variables are uniform in (-0.05, 0.05); reset options `{ low, high }` change
 * that range.
 *
 * ## Episode End
 * - Termination: the pole angle leaves ±12°, or the cart position leaves ±2.4.
 * - Truncation (TimeLimit wrapper): 500 steps for v1.
 *
 * ## Version History
 * - v1: max_episode_steps 500, reward threshold 475 (Gymnasium's current version).
 * - v0: max_episode_steps 200, reward threshold 195 (not registered here).
 */
import { type EnvKernel, KernelEnv, type KernelStepOut } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box, Discrete } from "../../core/spaces/index.js";
import { resetBounds } from "./utils.js";

const gravity = 9.8; // m/s²
const masscart = 1.0; // kg
const masspole = 0.1; // kg
const totalMass = masspole + masscart; // kg
const length = 0.5; // m, actually half the pole's length
const polemassLength = masspole * length; // kg·m
const forceMag = 10.0; // N
const tau = 0.02; // seconds between state updates
/** Angle at which to fail the episode: 12 degrees, in radians. */
const thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
const xThreshold = 2.4; // m

const F32_MAX = 3.4028234663852886e38;

/** State slots: x, xDot, theta, thetaDot, then stepsBeyondTerminated (−1 stands for Python's None). */
const STATE_SIZE = 5;

export class CartPoleKernel implements EnvKernel {
  readonly stateSize = STATE_SIZE;
  readonly obsSize = 4;
  readonly actionSize = 1;
  readonly actionSpace = new Discrete(2);
  /** Angle limit set to 2 × thetaThresholdRadians so a failing observation is still within bounds. */
  readonly observationSpace = new Box(
    [-xThreshold * 2, -F32_MAX, -thetaThresholdRadians * 2, -F32_MAX],
    [xThreshold * 2, F32_MAX, thetaThresholdRadians * 2, F32_MAX],
  );

  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void {
    const [low, high] = resetBounds(options, -0.05, 0.05, "CartPole-v1.reset");
    for (let k = 0; k < 4; k++) state[s + k] = rng.uniform(low, high);
    state[s + 4] = -1;
  }

  step(
    state: Float64Array,
    s: number,
    actions: ArrayLike<number>,
    a: number,
    out: KernelStepOut,
    i: number,
  ): void {
    let x = state[s]!;
    let xDot = state[s + 1]!;
    let theta = state[s + 2]!;
    let thetaDot = state[s + 3]!;
    const force = actions[a] === 1 ? forceMag : -forceMag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);

    // For the interested reader: https://coneural.org/florian/papers/05_cart_pole.pdf
    const temp = (force + polemassLength * (thetaDot * thetaDot) * sintheta) / totalMass;
    const thetaacc =
      (gravity * sintheta - costheta * temp) /
      (length * (4.0 / 3.0 - (masspole * (costheta * costheta)) / totalMass));
    const xacc = temp - (polemassLength * thetaacc * costheta) / totalMass;

    // Euler integration (Gymnasium's default kinematics_integrator).
    x = x + tau * xDot;
    xDot = xDot + tau * xacc;
    theta = theta + tau * thetaDot;
    thetaDot = thetaDot + tau * thetaacc;
    state[s] = x;
    state[s + 1] = xDot;
    state[s + 2] = theta;
    state[s + 3] = thetaDot;

    const terminated =
      x < -xThreshold || x > xThreshold || theta < -thetaThresholdRadians || theta > thetaThresholdRadians;
    let reward: number;
    if (!terminated) {
      reward = 1.0;
    } else if (state[s + 4] === -1) {
      // Pole just fell!
      state[s + 4] = 0;
      reward = 1.0;
    } else {
      // Stepping past termination is undefined behaviour in Gymnasium; it earns nothing.
      state[s + 4] = state[s + 4]! + 1;
      reward = 0.0;
    }
    out.rewards[i] = reward;
    out.terminations[i] = terminated ? 1 : 0;
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    out[o] = state[s]!;
    out[o + 1] = state[s + 1]!;
    out[o + 2] = state[s + 2]!;
    out[o + 3] = state[s + 3]!;
  }
}

export const cartPoleSpec = {
  id: "CartPole-v1",
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  description: "Balance a pole on a cart by pushing left or right.",
} as const;

export class CartPoleEnv extends KernelEnv {
  constructor() {
    super(cartPoleSpec, new CartPoleKernel());
  }
}
