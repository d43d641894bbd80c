/**
 * @module
 * Gymnasium's MuJoCo locomotion envs (v5) on `mujoco-js`: their option schemas and registrations.
 * `await loadMujoco()` once before `make`.
 */
import { z } from "zod";
import type { EnvRegistration } from "../../core/registry.js";
import { HopperEnv, type HopperOptions, hopperSpec } from "./hopper.js";
import {
  InvertedPendulumEnv,
  type InvertedPendulumOptions,
  invertedPendulumSpec,
} from "./inverted-pendulum.js";

const frameSkip = z.number().int().positive().optional();
const weight = z.number().finite().optional();
const range = z.tuple([z.number(), z.number()]).optional();
const noise = z.number().finite().nonnegative().optional();

export const invertedPendulumOptionsSchema = z.object({ frameSkip, resetNoiseScale: noise }).strict();

export const hopperOptionsSchema = z
  .object({
    frameSkip,
    forwardRewardWeight: weight,
    ctrlCostWeight: weight,
    healthyReward: weight,
    terminateWhenUnhealthy: z.boolean().optional(),
    healthyStateRange: range,
    healthyZRange: range,
    healthyAngleRange: range,
    resetNoiseScale: noise,
    excludeCurrentPositionsFromObservation: z.boolean().optional(),
  })
  .strict();

/** The MuJoCo envs' registrations, in Gymnasium's order. */
export const mujocoRegistrations: EnvRegistration<never>[] = [
  {
    ...invertedPendulumSpec,
    options: invertedPendulumOptionsSchema,
    entryPoint: (o: InvertedPendulumOptions) => new InvertedPendulumEnv(o),
  } as EnvRegistration<InvertedPendulumOptions>,
  {
    ...hopperSpec,
    options: hopperOptionsSchema,
    entryPoint: (o: HopperOptions) => new HopperEnv(o),
  } as EnvRegistration<HopperOptions>,
] as unknown as EnvRegistration<never>[];
