/**
 * @module
 * The built-in environments, registered on import: the five classic-control tasks (exact ports of
 * Gymnasium) and GridWorld for tabular inverse RL.
 */
import { z } from "zod";
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
  }
}

let registered = false;

/** Registers the built-in envs (idempotent; runs on import). */
export function registerBuiltinEnvs(): void {
  if (registered) return;
  registered = true;
  register({ ...cartPoleSpec, entryPoint: () => new CartPoleEnv(), kernel: () => new CartPoleKernel() });
  register({
    ...mountainCarSpec,
    options: goalVelocityOptions,
    entryPoint: (o) => new MountainCarEnv(o),
    kernel: (o) => new MountainCarKernel(o),
  });
  register({
    ...continuousMountainCarSpec,
    options: goalVelocityOptions,
    entryPoint: (o) => new ContinuousMountainCarEnv(o),
    kernel: (o) => new ContinuousMountainCarKernel(o),
  });
  register({
    ...pendulumSpec,
    options: pendulumOptions,
    entryPoint: (o) => new PendulumEnv(o),
    kernel: (o) => new PendulumKernel(o),
  });
  register({ ...acrobotSpec, entryPoint: () => new AcrobotEnv(), kernel: () => new AcrobotKernel() });
  register({ ...gridWorldSpec, options: gridWorldOptionsSchema, entryPoint: (o) => new GridWorldEnv(o) });
}

registerBuiltinEnvs();
