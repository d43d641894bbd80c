/**
 * MaskedCartPole-v1: CartPole-v1 with the velocities hidden, a partially observed task.
 *
 * The dynamics, reward, termination and time limit are Gymnasium's CartPole-v1, step for step
 * (this kernel runs `CartPoleKernel`); only the observation differs: `[x, θ]`, the cart position
 * and pole angle, without ẋ and θ̇. It is the POMDP benchmark of sb3-contrib's
 * `MaskVelocityWrapper` (which zeroes the two entries; here they are dropped) and of POPGym's
 * stateless CartPole: a policy of the current observation alone cannot tell which way the pole
 * is moving, so it needs memory (a recurrent policy) or a history of observations.
 *
 * ## Observation Space
 * `Box(2,)` float32: position in ±4.8, angle in ±0.4189 rad (CartPole-v1's bounds for the two).
 */
import type { EnvKernel, KernelStepOut } from "../../core/kernel.js";
import { KernelEnv } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces/index.js";
import { CartPoleKernel, cartPoleSpec } from "../classic/cartpole.js";

export class MaskedCartPoleKernel implements EnvKernel {
  readonly #cartPole = new CartPoleKernel();
  readonly #full = new Float32Array(4);
  readonly stateSize = this.#cartPole.stateSize;
  readonly obsSize = 2;
  readonly actionSize = this.#cartPole.actionSize;
  readonly actionSpace = this.#cartPole.actionSpace;
  readonly observationSpace: Box;

  constructor() {
    const full = this.#cartPole.observationSpace;
    this.observationSpace = new Box([full.low[0]!, full.low[2]!], [full.high[0]!, full.high[2]!]);
  }

  reset(state: Float64Array, s: number, rng: Rng, options: Record<string, unknown> | undefined): void {
    this.#cartPole.reset(state, s, rng, options);
  }

  step(
    state: Float64Array,
    s: number,
    actions: ArrayLike<number>,
    a: number,
    out: KernelStepOut,
    i: number,
  ): void {
    this.#cartPole.step(state, s, actions, a, out, i);
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    this.#cartPole.observe(state, s, this.#full, 0);
    out[o] = this.#full[0]!;
    out[o + 1] = this.#full[2]!;
  }
}

export const maskedCartPoleSpec = {
  id: "MaskedCartPole-v1",
  maxEpisodeSteps: cartPoleSpec.maxEpisodeSteps,
  rewardThreshold: cartPoleSpec.rewardThreshold,
  description:
    "CartPole-v1 observing only the cart position and pole angle (velocities hidden): needs memory.",
} as const;

export class MaskedCartPoleEnv extends KernelEnv {
  constructor() {
    super(maskedCartPoleSpec, new MaskedCartPoleKernel());
  }
}
