/**
 * @module
 * Adversarial Inverse Reinforcement Learning (Fu, Luo & Levine 2018, "Learning Robust Rewards with
 * Adversarial Inverse Reinforcement Learning", arXiv:1710.11248), after `imitation`'s `AIRL`
 * (src/imitation/algorithms/adversarial/airl.py) and its `BasicShapedRewardNet`. The round loop
 * is adversarial.ts; this file supplies the discriminator and its reward.
 *
 * The discriminator has the form D(s, a, s') = exp f / (exp f + π(a|s)) with a reward term and a
 * shaping potential,
 *
 *   f(s, a, s') = g(s, a) + γ·h(s') − h(s),
 *
 * so its logit is log D − log(1 − D) = f(s, a, s') − log π(a | s). The generator's reward is that
 * logit (the entropy-regularized reward AIRL's generator maximizes); the reward kept as the
 * product, for training new policies, is f (reward-model.ts says why not g alone). A terminal step's s' is the
 * absorbing state, whose h is learned like any other.
 */
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
import type { RewardModel } from "./reward-model.js";

export class AirlDiscriminator implements Discriminator {
  readonly model: RewardModel;
  readonly params: Float32Array;
  readonly tensorSizes: readonly number[];
  /** AIRL's logit is f − log π. */
  readonly needsLogPi = true;
  private readonly gParams: Float32Array;
  private readonly hParams: Float32Array;
  private rows = 0;
  private out = new Float64Array(0);

  /** Builds the model's g and h over one flat parameter vector `[g | h]`. */
  constructor(model: RewardModel) {
    if (model.kind !== "airl" || model.h === null) {
      throw new TypeError(`AirlDiscriminator needs an "airl" reward model, got "${model.kind}".`);
    }
    const nG = model.g.params.length;
    const nH = model.h.params.length;
    this.params = new Float32Array(nG + nH);
    this.params.set(model.g.params, 0);
    this.params.set(model.h.params, nG);
    this.gParams = this.params.subarray(0, nG);
    this.hParams = this.params.subarray(nG);
    // The model's networks read the shared vector from now on.
    (model.g as { params: Float32Array }).params = this.gParams;
    (model.h as { params: Float32Array }).params = this.hParams;
    this.model = model;
    this.tensorSizes = [nG, nH];
  }

  reserve(rows: number): void {
    this.model.g.mlp.reserve(rows);
    this.model.h!.mlp.reserve(2 * rows);
    if (this.out.length < rows) this.out = new Float64Array(rows);
  }

  /** f(s, a, s') − log π(a | s), with h run once over [s; s'] (2·rows rows). */
  logits(batch: TransitionBatch): Float64Array {
    const { model } = this;
    const rows = batch.rows;
    this.rows = rows;
    const g = model.g.mlp;
    const h = model.h!.mlp;
    model.encode(batch.obs, batch.actions, batch.absorbing, rows, g.input, !model.stateOnly);
    const gOut = g.forward(this.gParams, rows);
    model.encode(batch.obs, batch.actions, batch.absorbing, rows, h.input, false);
    model.encode(
      batch.nextObs,
      batch.actions,
      batch.nextAbsorbing,
      rows,
      h.input.subarray(rows * model.hInputSize),
      false,
    );
    const hOut = h.forward(this.hParams, 2 * rows);
    const gamma = model.gamma;
    const out = this.out;
    for (let r = 0; r < rows; r++) out[r] = gOut[r]! + gamma * hOut[rows + r]! - hOut[r]! - batch.logPi[r]!;
    return out;
  }

  backward(dLogits: Float64Array, grads: Float32Array): void {
    const rows = this.rows;
    const g = this.model.g.mlp;
    const h = this.model.h!.mlp;
    const gamma = this.model.gamma;
    g.outputGrad.set(dLogits.subarray(0, rows));
    g.backward(this.gParams, rows, grads.subarray(0, this.gParams.length));
    const dh = h.outputGrad;
    for (let r = 0; r < rows; r++) {
      dh[r] = -dLogits[r]!;
      dh[rows + r] = gamma * dLogits[r]!;
    }
    h.backward(this.hParams, 2 * rows, grads.subarray(this.gParams.length));
  }

  /** The generator's reward is the logit itself: f(s, a, s') − log π(a | s). */
  reward(logit: number): number {
    return logit;
  }
}

/**
 * AIRL's settings per env, applied by the CLI (`mimic train airl`) under the user's flags, as
 * `PPO_PRESETS` is for the generator; the library's defaults stay `imitation`'s. Measured on
 * seals/CartPole-v0, 4 episodes, 200,000 steps (docs/algorithms/irl.md, "AIRL on the fixed
 * horizon"):
 *
 * - `activation: "tanh"`: seals never ends an episode, so a generator that falls spends most of
 *   its 500 steps with the pole spinning, its observations hundreds of the expert's standard
 *   deviations away. A ReLU reward network extrapolates linearly there and the learned reward runs
 *   to −10³…−10⁶ per episode; AIRL's policy then fell at once (42.2, 122.9, 8.35 on seeds 1–3 at
 *   100,000 steps). A tanh network saturates away from the expert's states: 500 on 3 of 3.
 * - `replaySize: 65_536`: with the latest rollout only, the discriminator stops seeing the early
 *   generator's falls once the generator is good, and PPO trained from scratch on the final reward
 *   failed (0 of 3 seeds at ≥ 475); keeping them in view, 2 of 3.
 * - `hidden: [64, 64]`: with tanh and the replay, 32×32 left AIRL below 475 on 2 of 6 seeds (and
 *   their transfers); 64×64 reached 500 on 6 of 6, and PPO from scratch on each reward too.
 * - `learningRate: 5e-4`: after the fused kernels' FMA tanh landed (other float roundings), the
 *   three settings above reached 500 on 4 of 6 seeds; with half the discriminator's step size,
 *   AIRL and the transfer both reached 500 on 5 of 6 (seed 5: 361 and 106).
 */
export const AIRL_PRESETS: Readonly<Record<string, AdversarialConfig>> = {
  "seals/CartPole-v0": {
    discriminator: { activation: "tanh", replaySize: 65_536, hidden: [64, 64], learningRate: 5e-4 },
  },
};

/** AIRL on a Discrete-action vector env from expert transitions (see the module comment). */
export async function trainAirl(
  envs: VectorEnv,
  demos: Transitions,
  config: AdversarialConfig = {},
  options: AdversarialOptions = {},
): Promise<AdversarialResult> {
  const args = resolveAdversarialConfig(config, "AIRL");
  const model = initRewardModel("airl", envs, demos, args, "AIRL");
  return trainAdversarial("AIRL", envs, demos, new AirlDiscriminator(model), args, options);
}
