/**
 * seals/CartPole-v0: CartPole with a fixed horizon, for imitation and inverse RL.
 *
 * Ported from seals' `src/seals/classic_control.py` (`FixedHorizonCartPole`, HumanCompatibleAI/
 * seals), which subclasses Gymnasium's `CartPoleEnv`. The dynamics are CartPole-v1's, step for
 * step (this kernel runs `CartPoleKernel`'s arithmetic); only the reward, the termination and the
 * observation bounds differ.
 *
 * ## Why
 * In CartPole-v1 an episode ends when the pole falls, so its length depends on what the agent does.
 * An adversarial imitation learner then reads the reward off the episode's end (a learned reward
 * that is positive everywhere teaches "stay alive", one that is negative "die fast"), whatever the
 * reward network learned: imitation calls this termination leakage and refuses variable-horizon
 * data. seals removes it at the source: every episode lasts exactly 500 steps.
 *
 * ## Action Space
 * `Discrete(2)`, as CartPole-v1.
 *
 * ## Observation Space
 * `Box(4,)`, float32, every bound ±3.4e38 (float32's max): the state is not kept inside CartPole-v1's
 * termination box, so the bounds are open.
 *
 * ## Rewards
 * 1 for every step whose resulting state is "ok" (pole within ±12°, cart within ±2.4), else 0.
 *
 * ## Starting State
 * As CartPole-v1: all four state variables uniform in (-0.05, 0.05).
 *
 * ## Episode End
 * - Termination: never.
 * - Truncation (TimeLimit wrapper): 500 steps.
 *
 * ## Version History
 * - v0: seals' only version (max_episode_steps 500).
 */
import type { EnvKernel, KernelStepOut } from "../../core/kernel.js";
import { KernelEnv } from "../../core/kernel.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces/index.js";
import { CartPoleKernel } from "../classic/cartpole.js";

const F32_MAX = 3.4028234663852886e38;

export class SealsCartPoleKernel implements EnvKernel {
  readonly #cartPole = new CartPoleKernel();
  readonly stateSize = this.#cartPole.stateSize;
  readonly obsSize = this.#cartPole.obsSize;
  readonly actionSize = this.#cartPole.actionSize;
  readonly actionSpace = this.#cartPole.actionSpace;
  readonly observationSpace = new Box(
    [-F32_MAX, -F32_MAX, -F32_MAX, -F32_MAX],
    [F32_MAX, F32_MAX, F32_MAX, F32_MAX],
  );

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
    // seals: `reward = 1.0 if not terminated else 0.0; terminated = False`, where `terminated` is
    // CartPole's check of the new state. Its past-termination bookkeeping (slot 4) is then unused.
    out.rewards[i] = out.terminations[i] === 1 ? 0.0 : 1.0;
    out.terminations[i] = 0;
  }

  observe(state: Float64Array, s: number, out: Float32Array, o: number): void {
    this.#cartPole.observe(state, s, out, o);
  }
}

export const sealsCartPoleSpec = {
  id: "seals/CartPole-v0",
  maxEpisodeSteps: 500,
  // seals registers no threshold; CartPole-v1's 475 of 500 marks "solved" here too.
  rewardThreshold: 475,
  description: "CartPole with a fixed 500-step horizon (seals): 1 per step while the pole is up.",
} as const;

export class SealsCartPoleEnv extends KernelEnv {
  constructor() {
    super(sealsCartPoleSpec, new SealsCartPoleKernel());
  }
}
