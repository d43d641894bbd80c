/**
 * @module
 * PPO's config: the schema with CleanRL's `ppo.py` defaults (its CartPole-v1 settings), tuned
 * presets per env, and validation that names the bad field.
 */
import { z } from "zod";
import { InvalidOptionError } from "../../core/errors.js";
import { formatPath } from "../../core/registry.js";

export const ppoConfigSchema = z
  .object({
    /** Total env steps (vector steps × numEnvs, autoreset steps included, as CleanRL's global_step). */
    totalTimesteps: z.number().int().positive().default(500_000),
    /** Adam's step size at the start (annealed linearly to 0 when `annealLr`). */
    learningRate: z.number().positive().default(2.5e-4),
    /** Parallel envs; must equal the vector env's `numEnvs`. */
    numEnvs: z.number().int().positive().default(4),
    /** Steps per env per rollout. */
    numSteps: z.number().int().positive().default(128),
    /** Anneal the learning rate linearly from `learningRate` to 0 over the run. */
    annealLr: z.boolean().default(true),
    /** Discount factor γ. */
    gamma: z.number().min(0).max(1).default(0.99),
    /** GAE's λ. */
    gaeLambda: z.number().min(0).max(1).default(0.95),
    /** Minibatches per epoch (minibatch size = valid rows / numMinibatches). */
    numMinibatches: z.number().int().positive().default(4),
    /** Passes over each rollout (PPO's K epochs). */
    updateEpochs: z.number().int().positive().default(4),
    /** Normalize advantages per minibatch to mean 0, std 1. */
    normAdv: z.boolean().default(true),
    /** Surrogate clipping coefficient ε (also the value-clipping range). */
    clipCoef: z.number().positive().default(0.2),
    /** Clip the value loss around the values at collection time, as CleanRL does. */
    clipVloss: z.boolean().default(true),
    /** Coefficient of the entropy bonus. */
    entCoef: z.number().min(0).default(0.01),
    /** Coefficient of the value loss. */
    vfCoef: z.number().min(0).default(0.5),
    /** Maximum global L2 norm of the gradient (over both networks). */
    maxGradNorm: z.number().positive().default(0.5),
    /** Stop an update's epochs early when the approximate KL exceeds this (off by default). */
    targetKl: z.number().positive().optional(),
    /**
     * Box actions: the initial log-std of the Gaussian head, every dimension (CleanRL: 0, a std of
     * 1; rl-baselines3-zoo's tuned MuJoCo PPO: −2).
     */
    logStdInit: z.number().min(-20).max(2).default(0),
    /** Hidden layer sizes of both MLPs. */
    hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
    /**
     * Hidden-layer activation of both MLPs (CleanRL: tanh; imitation's tuned seals GAIL
     * generators and rl-baselines3-zoo's tuned MuJoCo PPO: ReLU). The weights start orthogonal
     * either way.
     */
    activation: z.enum(["tanh", "relu"]).default("tanh"),
    /**
     * Standardize observations with running mean and variance before both networks see them
     * (Gymnasium's NormalizeObservation, as CleanRL's continuous PPO; not clipped, so a saved
     * policy's `(obs − mean) / std` reproduces it).
     */
    normalizeObservations: z.boolean().default(false),
    /**
     * Divide rewards by the running std of the discounted return and clip them to ±10
     * (Gymnasium's NormalizeReward + CleanRL's reward clip). Episode returns stay the env's.
     */
    normalizeRewards: z.boolean().default(false),
    /** Seed of the weights, the action sampling, the shuffles and the env resets. */
    seed: z.number().int().min(0).default(1),
  })
  .strict();

/**
 * Tuned settings per env, from rl-baselines3-zoo's `hyperparams/ppo.yml` (linear clip-range
 * annealing left out), for the CLI and for GAIL/AIRL's generator; other envs use CleanRL's
 * defaults. With CleanRL's defaults, 100,000 CartPole steps end between 386 and 475 over seeds 1–9.
 */
const cartPolePreset: PpoConfig = {
  numEnvs: 8,
  numSteps: 32,
  numMinibatches: 1,
  updateEpochs: 20,
  gamma: 0.98,
  gaeLambda: 0.8,
  entCoef: 0,
  learningRate: 1e-3,
  clipVloss: false,
};

export const PPO_PRESETS: Readonly<Record<string, PpoConfig>> = {
  "CartPole-v1": cartPolePreset,
  // The same dynamics with a fixed horizon: the same settings.
  "seals/CartPole-v0": cartPolePreset,
};

/** PPO's options; every field has a default. */
export type PpoConfig = z.input<typeof ppoConfigSchema>;
export type ResolvedPpoConfig = z.output<typeof ppoConfigSchema>;

/** Validates a config, naming the bad field. */
export function resolvePpoConfig(config: PpoConfig = {}): ResolvedPpoConfig {
  const result = ppoConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new InvalidOptionError(path, `PPO config: ${path} is invalid: ${issue.message}.`, {
    cause: result.error,
  });
}
