/**
 * @module
 * Generative Adversarial Imitation Learning (Ho & Ermon 2016, "Generative Adversarial Imitation
 * Learning", arXiv:1606.03476), after `imitation`'s `GAIL` (src/imitation/algorithms/adversarial/
 * gail.py). The round loop is adversarial.ts; this file supplies the discriminator and its reward.
 *
 * The discriminator is one MLP on state-action pairs, D(s, a) = σ(logit(s, a)), trained to say 1
 * on the expert's transitions. The generator's reward is
 *
 *   r(s, a) = −log(1 − D(s, a)) = softplus(logit(s, a)),
 *
 * `imitation`'s form (logits high for the expert): large where the expert would act, near 0 where
 * it would not.
 */

import { InvalidOptionError } from "../core/errors.js";
import type { VectorEnv } from "../core/vector.js";
import type { Transitions } from "../data/episode.js";
import {
  type AdversarialConfig,
  type AdversarialOptions,
  type AdversarialResult,
  type Discriminator,
  initRewardModel,
  resolveAdversarialConfig,
  type TransitionBatch,
  trainAdversarial,
} from "./adversarial.js";
import { type RewardModel, softplus } from "./reward-model.js";

export class GailDiscriminator implements Discriminator {
  readonly model: RewardModel;
  readonly params: Float32Array;
  readonly tensorSizes: readonly number[];
  /** GAIL's logit is D(s, a) alone. */
  readonly needsLogPi = false;

  constructor(model: RewardModel) {
    if (model.kind !== "gail")
      throw new TypeError(`GailDiscriminator needs a "gail" reward model, got "${model.kind}".`);
    this.model = model;
    this.params = model.g.params;
    this.tensorSizes = [model.g.params.length];
  }

  reserve(rows: number): void {
    this.model.g.mlp.reserve(rows);
  }

  /** logit(s, a) of the state-action discriminator. */
  logits(batch: TransitionBatch): Float32Array {
    const { mlp, params } = this.model.g;
    this.model.encode(batch.obs, batch.actions, batch.absorbing, batch.rows, mlp.input);
    this.rows = batch.rows;
    return mlp.forward(params, batch.rows);
  }

  private rows = 0;

  backward(dLogits: Float64Array, grads: Float32Array): void {
    const { mlp, params } = this.model.g;
    mlp.outputGrad.set(dLogits.subarray(0, this.rows));
    mlp.backward(params, this.rows, grads);
  }

  /** r = −log(1 − σ(logit)) = softplus(logit). */
  reward(logit: number): number {
    return softplus(logit);
  }
}

/**
 * GAIL's settings per env, applied by the CLI (`mimic train gail`) under the user's flags, as
 * `AIRL_PRESETS` is for AIRL; the library's defaults stay `imitation`'s. Measured on
 * seals/CartPole-v0, 4 episodes, 200,000 steps (docs/algorithms/irl.md, "GAIL on the fixed
 * horizon"): with the env's PPO preset (one minibatch of 256 per epoch) successful runs only take
 * off after 60k–160k steps, so 200k is at the edge and a rounding change flips seeds (94.7, 500,
 * 500, 434.5 on seeds 1–4). `numMinibatches: 4` (four PPO steps of 64 per epoch) reached 500 on
 * seeds 1–6 with the default kernels; with `MIMIC_FMA=0` on seeds 2 and 4–6 (8.45 and 76.2 on 1
 * and 3; the defaults there: 500, 42.1, 102.7, 500 on 1–4). Discriminator changes (tanh, replay,
 * learning rate, 64×64, updates per round, batch size) each left 2 or more of 4 seeds below 475.
 */
export const GAIL_PRESETS: Readonly<Record<string, AdversarialConfig>> = {
  "seals/CartPole-v0": { ppo: { numMinibatches: 4 } },
};

/** GAIL on a vector env with Discrete or Box actions, from expert transitions (see the module comment). */
export async function trainGail(
  envs: VectorEnv,
  demos: Transitions,
  config: AdversarialConfig = {},
  options: AdversarialOptions = {},
): Promise<AdversarialResult> {
  const args = resolveAdversarialConfig(config, "GAIL");
  if (args.discriminator.stateOnlyReward) {
    throw new InvalidOptionError(
      "discriminator.stateOnlyReward",
      "GAIL: a state-only reward is AIRL's (g(s)); GAIL's discriminator needs the action. Use trainAirl.",
    );
  }
  const model = initRewardModel("gail", envs, demos, args, "GAIL");
  return trainAdversarial("GAIL", envs, demos, new GailDiscriminator(model), args, options);
}
