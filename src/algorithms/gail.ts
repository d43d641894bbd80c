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
import type { PpoConfig } from "./ppo/index.js";
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

  /** logit(s, a) of the state-action discriminator (logit(s) with `stateOnly`). */
  logits(batch: TransitionBatch): Float32Array {
    const { mlp, params } = this.model.g;
    this.model.encode(
      batch.obs,
      batch.actions,
      batch.absorbing,
      batch.rows,
      mlp.input,
      !this.model.stateOnly,
    );
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
 * `imitation`'s tuned GAIL settings for the seals MuJoCo envs (HumanCompatibleAI/imitation,
 * benchmarking/example_gail_seals_<env>_best_hp_eval.json), keyed by mimic's seals v5 variants:
 * 8 envs (its default `num_vec`) × `numSteps` is its rollout (`rl.batch_size`), the rollout /
 * `numMinibatches` its PPO minibatch, SB3's constant learning rate and unclipped value loss, its
 * discriminator batch (`demo_batch_size`) and updates per round. Its budget is 10M steps. Not
 * carried over: its Hopper and Walker2d policies use ReLU (mimic's PPO has it, `activation:
 * "relu"`, but these settings were measured with tanh), its generator
 * replay buffer keeps the latest N samples (mimic's discriminator sees the latest rollout; N is
 * one rollout for Hopper, Walker2d and Ant, 512 of HalfCheetah's 4096), and its reward net
 * standardizes its input with a `RunningNorm` (mimic has it as `discriminator.inputNorm:
 * "running"`, left out here because these settings were measured without it). Measured in
 * docs/mujoco.md: seals/Hopper-v5 0.761, 1.019, 1.014 and 1.011 on training seeds 1–4 (mean
 * 0.951) at 10M steps, Walker2d 0.471, HalfCheetah 0.710, Ant −0.945 at 4M.
 */
export const IMITATION_SEALS_GAIL: Readonly<Record<string, AdversarialConfig>> = {
  "seals/Hopper-v5": sb3Gail(
    {
      numSteps: 512,
      numMinibatches: 8,
      updateEpochs: 20,
      learningRate: 4.3984856156897565e-5,
      clipCoef: 0.1,
    },
    {
      entCoef: 0.001255299425412744,
      gamma: 0.995,
      gaeLambda: 0.98,
      vfCoef: 0.20315938606555833,
      maxGradNorm: 0.9,
    },
    [64, 64],
    { batchSize: 128, updatesPerRound: 8 },
  ),
  "seals/HalfCheetah-v5": sb3Gail(
    {
      numSteps: 512,
      numMinibatches: 64,
      updateEpochs: 5,
      learningRate: 0.00026250519057717037,
      clipCoef: 0.1,
    },
    {
      entCoef: 3.992371122209408e-6,
      gamma: 0.95,
      gaeLambda: 0.95,
      vfCoef: 0.11483689492120866,
      maxGradNorm: 0.8,
    },
    [32, 32],
    { batchSize: 8192, updatesPerRound: 8 },
  ),
  "seals/Walker2d-v5": sb3Gail(
    {
      numSteps: 2048,
      numMinibatches: 128,
      updateEpochs: 20,
      learningRate: 1.943992487657563e-5,
      clipCoef: 0.4,
    },
    {
      entCoef: 0.0007566389899529574,
      gamma: 0.98,
      gaeLambda: 0.92,
      vfCoef: 0.6167177795726859,
      maxGradNorm: 0.6,
    },
    [64, 64],
    { batchSize: 512, updatesPerRound: 16 },
  ),
  "seals/Ant-v5": sb3Gail(
    {
      numSteps: 2048,
      numMinibatches: 1024,
      updateEpochs: 10,
      learningRate: 2.428297806883194e-5,
      clipCoef: 0.3,
    },
    {
      entCoef: 0.008871887607426377,
      gamma: 0.995,
      gaeLambda: 0.8,
      vfCoef: 0.4351450387648799,
      maxGradNorm: 0.9,
    },
    [32, 32],
    { batchSize: 32, updatesPerRound: 8 },
  ),
};

/** An SB3-style PPO generator on 8 envs (constant learning rate, unclipped value loss) and its discriminator. */
function sb3Gail(
  rollout: Pick<PpoConfig, "numSteps" | "numMinibatches" | "updateEpochs" | "learningRate" | "clipCoef">,
  loss: Pick<PpoConfig, "entCoef" | "gamma" | "gaeLambda" | "vfCoef" | "maxGradNorm">,
  hidden: number[],
  discriminator: { batchSize: number; updatesPerRound: number },
): AdversarialConfig {
  return {
    ppo: {
      ...rollout,
      ...loss,
      hidden,
      numEnvs: 8,
      annealLr: false,
      clipVloss: false,
      normalizeObservations: true,
    },
    discriminator,
  };
}

/**
 * The generator settings mimic's MuJoCo GAIL runs started from (docs/mujoco.md): one env × 2048
 * steps, lr 3e-4, 10 epochs of 32 minibatches, no entropy bonus, observations standardized.
 */
export const ONE_ENV_MUJOCO_GAIL_PPO: Readonly<PpoConfig> = {
  numEnvs: 1,
  numSteps: 2048,
  learningRate: 3e-4,
  updateEpochs: 10,
  numMinibatches: 32,
  entCoef: 0,
  normalizeObservations: true,
};

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
 *
 * On the seals MuJoCo variants, the best settings measured (docs/mujoco.md, 10 demonstrations):
 * imitation's for Hopper (mean 0.951 over training seeds 1–4 at 10M steps); for Walker2d,
 * imitation's with its ReLU generator and input RunningNorm, plus the discriminator's gradient
 * penalty (λ = 10): 0.884 and 0.647 at 10M steps on training seeds 1 and 2 from 100
 * demonstrations, where every setting without the penalty scored 0.12–0.27 against the current
 * expert; for HalfCheetah,
 * `ONE_ENV_MUJOCO_GAIL_PPO` (0.982, 0.975, 0.855 and 0.990 on training seeds 1–4 at 4M, mean
 * 0.950, against 0.710 with imitation's at 10M). For Ant, imitation's with the generator's
 * initial log-std at −2 (1.097, 1.165 and 1.078 on training seeds 1–3 at 4M steps, mean 1.113;
 * with a log-std of 0 both presets ended below the random policy).
 */
export const GAIL_PRESETS: Readonly<Record<string, AdversarialConfig>> = {
  "seals/CartPole-v0": { ppo: { numMinibatches: 4 } },
  "seals/Hopper-v5": IMITATION_SEALS_GAIL["seals/Hopper-v5"]!,
  // imitation's settings in full (a ReLU generator, RunningNorm on the reward net's input) with
  // the discriminator's gradient penalty at DAC's λ = 10: without it the discriminator tells the
  // two sides apart completely and the generator stands (0.270 at 10M steps, 100 demonstrations).
  "seals/Walker2d-v5": {
    ...IMITATION_SEALS_GAIL["seals/Walker2d-v5"]!,
    ppo: { ...IMITATION_SEALS_GAIL["seals/Walker2d-v5"]!.ppo, activation: "relu" },
    discriminator: {
      ...IMITATION_SEALS_GAIL["seals/Walker2d-v5"]!.discriminator,
      inputNorm: "running",
      gradientPenalty: 10,
    },
  },
  "seals/HalfCheetah-v5": { ppo: ONE_ENV_MUJOCO_GAIL_PPO },
  // imitation's settings with the generator's Gaussian starting at std e^−2 ≈ 0.14: at std 1 the
  // discriminator tells the generator from the deterministic expert by its noise alone.
  "seals/Ant-v5": {
    ...IMITATION_SEALS_GAIL["seals/Ant-v5"]!,
    ppo: { ...IMITATION_SEALS_GAIL["seals/Ant-v5"]!.ppo, logStdInit: -2 },
  },
};

/** GAIL on a vector env with Discrete or Box actions, from expert transitions (see the module comment). */
export async function trainGail(
  envs: VectorEnv,
  demos: Transitions,
  config: AdversarialConfig = {},
  options: AdversarialOptions = {},
): Promise<AdversarialResult> {
  const args = resolveAdversarialConfig(config, "GAIL");
  const model = initRewardModel("gail", envs, demos, args, "GAIL");
  return trainAdversarial("GAIL", envs, demos, new GailDiscriminator(model), args, options);
}
