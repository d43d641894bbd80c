/**
 * @module
 * The built-in environments, registered on import: the five classic-control tasks (exact ports of
 * Gymnasium), seals' fixed-horizon CartPole for inverse RL, MaskedCartPole (velocities hidden)
 * for memory, PixelCartPole (frames) for image encoders, GridWorld for tabular inverse RL, and
 * Gymnasium's MuJoCo locomotion tasks (v5, on mujoco-js; `await loadMujoco()` before `make`).
 */
import { z } from "zod";
import type { EnvSpec, EpisodeOutcome } from "../core/env.js";
import { register } from "../core/registry.js";
import { AcrobotEnv, AcrobotKernel, acrobotSpec } from "./classic/acrobot.js";
import { CartPoleEnv, CartPoleKernel, cartPoleSpec } from "./classic/cartpole.js";
import {
  ContinuousMountainCarEnv,
  ContinuousMountainCarKernel,
  continuousMountainCarSpec,
} from "./classic/continuous-mountain-car.js";
import { MountainCarEnv, MountainCarKernel, mountainCarSpec } from "./classic/mountain-car.js";
import { PendulumEnv, PendulumKernel, pendulumSpec } from "./classic/pendulum.js";
import { mujocoRegistrations } from "./mujoco/index.js";
import {
  PixelCartPoleEnv,
  type PixelCartPoleObservation,
  pixelCartPoleOptionsSchema,
  pixelCartPoleSpec,
} from "./pixels/cartpole-pixels.js";
import { MaskedCartPoleEnv, MaskedCartPoleKernel, maskedCartPoleSpec } from "./pomdp/masked-cartpole.js";
import { SealsCartPoleEnv, SealsCartPoleKernel, sealsCartPoleSpec } from "./seals/cartpole.js";
import { sealsMujocoRegistrations } from "./seals/mujoco.js";
import { GridWorldEnv, gridWorldOptionsSchema, gridWorldSpec } from "./toy/grid-world.js";

const goalVelocityOptions = z.object({ goalVelocity: z.number().finite().optional() }).strict();
const pendulumOptions = z.object({ g: z.number().finite().positive().optional() }).strict();

declare module "../core/registry.js" {
  interface EnvTypes {
    "CartPole-v1": { observation: Float32Array; action: number };
    "MountainCar-v0": { observation: Float32Array; action: number };
    "MountainCarContinuous-v0": { observation: Float32Array; action: ArrayLike<number> };
    "Pendulum-v1": { observation: Float32Array; action: ArrayLike<number> };
    "Acrobot-v1": { observation: Float32Array; action: number };
    "GridWorld-v0": { observation: number; action: number };
    "seals/CartPole-v0": { observation: Float32Array; action: number };
    "MaskedCartPole-v1": { observation: Float32Array; action: number };
    "PixelCartPole-v1": { observation: PixelCartPoleObservation; action: number };
    "InvertedPendulum-v5": { observation: Float64Array; action: ArrayLike<number> };
    "Hopper-v5": { observation: Float64Array; action: ArrayLike<number> };
    "HalfCheetah-v5": { observation: Float64Array; action: ArrayLike<number> };
    "Walker2d-v5": { observation: Float64Array; action: ArrayLike<number> };
    "Ant-v5": { observation: Float64Array; action: ArrayLike<number> };
  }
}

/** Success for the goal-reaching tasks: the episode terminated, which they do only at the goal. */
const reachedGoal = ({ terminated }: EpisodeOutcome): boolean => terminated;

/**
 * What `evaluate` scores each built-in env against, for its default options.
 * `referenceReturns` were measured with scripts/reference-returns.ts on 2026-11-23: the mean return
 * over 100 episodes reset with seeds 0–99 (apart from evaluate's default seeds, 1000 onward) of the
 * uniform random policy (random) and of the scripted expert (expert), rounded to 3 decimals.
 * Pendulum-v1 has no natural success criterion (it never terminates), so it has no success rate.
 */
const scoring: Record<string, Pick<EnvSpec, "referenceReturns" | "isSuccess">> = {
  // Success: the pole stayed up for v1's whole 500-step time limit.
  "CartPole-v1": {
    referenceReturns: { random: 23.68, expert: 500 },
    isSuccess: ({ terminated, length }) => !terminated && length >= 500,
  },
  "MountainCar-v0": { referenceReturns: { random: -200, expert: -102.56 }, isSuccess: reachedGoal },
  "MountainCarContinuous-v0": {
    referenceReturns: { random: -33.252, expert: 98.313 },
    isSuccess: reachedGoal,
  },
  "Pendulum-v1": { referenceReturns: { random: -1207.555, expert: -144.701 } },
  "Acrobot-v1": { referenceReturns: { random: -497.08, expert: -64.19 }, isSuccess: reachedGoal },
  // Every episode lasts 500 steps; success: every one of them earned 1 (the pole never fell).
  "seals/CartPole-v0": {
    referenceReturns: { random: 22.36, expert: 500 },
    isSuccess: ({ return: r }) => r >= 500,
  },
  // As CartPole-v1: the pole stayed up for the whole time limit.
  "MaskedCartPole-v1": {
    referenceReturns: { random: 23.68, expert: 500 },
    isSuccess: ({ terminated, length }) => !terminated && length >= 500,
  },
  "PixelCartPole-v1": {
    referenceReturns: { random: 23.68, expert: 500 },
    isSuccess: ({ terminated, length }) => !terminated && length >= 500,
  },
  // The default layout has one goal and no traps, so terminating means reaching the goal.
  "GridWorld-v0": { referenceReturns: { random: 0.3, expert: 1 }, isSuccess: reachedGoal },
};

let registered = false;

/** Registers the built-in envs (idempotent; runs on import). */
export function registerBuiltinEnvs(): void {
  if (registered) return;
  registered = true;
  register({
    ...cartPoleSpec,
    ...scoring[cartPoleSpec.id],
    entryPoint: () => new CartPoleEnv(),
    kernel: () => new CartPoleKernel(),
  });
  register({
    ...mountainCarSpec,
    ...scoring[mountainCarSpec.id],
    options: goalVelocityOptions,
    entryPoint: (o) => new MountainCarEnv(o),
    kernel: (o) => new MountainCarKernel(o),
  });
  register({
    ...continuousMountainCarSpec,
    ...scoring[continuousMountainCarSpec.id],
    options: goalVelocityOptions,
    entryPoint: (o) => new ContinuousMountainCarEnv(o),
    kernel: (o) => new ContinuousMountainCarKernel(o),
  });
  register({
    ...pendulumSpec,
    ...scoring[pendulumSpec.id],
    options: pendulumOptions,
    entryPoint: (o) => new PendulumEnv(o),
    kernel: (o) => new PendulumKernel(o),
  });
  register({
    ...acrobotSpec,
    ...scoring[acrobotSpec.id],
    entryPoint: () => new AcrobotEnv(),
    kernel: () => new AcrobotKernel(),
  });
  register({
    ...sealsCartPoleSpec,
    ...scoring[sealsCartPoleSpec.id],
    entryPoint: () => new SealsCartPoleEnv(),
    kernel: () => new SealsCartPoleKernel(),
  });
  register({
    ...maskedCartPoleSpec,
    ...scoring[maskedCartPoleSpec.id],
    entryPoint: () => new MaskedCartPoleEnv(),
    kernel: () => new MaskedCartPoleKernel(),
  });
  register({
    ...pixelCartPoleSpec,
    ...scoring[pixelCartPoleSpec.id],
    options: pixelCartPoleOptionsSchema,
    entryPoint: (o) => new PixelCartPoleEnv(o),
  });
  register({
    ...gridWorldSpec,
    ...scoring[gridWorldSpec.id],
    options: gridWorldOptionsSchema,
    entryPoint: (o) => new GridWorldEnv(o),
  });
  // MuJoCo (issue 20): make() needs `await loadMujoco()` first.
  for (const registration of mujocoRegistrations) register(registration);
  // seals' recipe on the v5 MuJoCo envs: a fixed 1000-step horizon, the root position observed.
  for (const registration of sealsMujocoRegistrations) register(registration);
}

registerBuiltinEnvs();
