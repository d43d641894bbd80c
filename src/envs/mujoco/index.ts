/**
 * @module
 * Gymnasium's MuJoCo locomotion envs (v5) on `mujoco-js`: their option schemas and registrations.
 * `await loadMujoco()` once before `make`.
 */
import { z } from "zod";
import type { EnvRegistration } from "../../core/registry.js";
import { sealsMujocoRegistrations } from "../seals/mujoco.js";
import { AntEnv, type AntOptions, antSpec } from "./ant.js";
import { HalfCheetahEnv, type HalfCheetahOptions, halfCheetahSpec } from "./half-cheetah.js";
import { HopperEnv, type HopperOptions, hopperSpec } from "./hopper.js";
import {
  InvertedPendulumEnv,
  type InvertedPendulumOptions,
  invertedPendulumSpec,
} from "./inverted-pendulum.js";
import { Walker2dEnv, type Walker2dOptions, walker2dSpec } from "./walker2d.js";

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

export const halfCheetahOptionsSchema = z
  .object({
    frameSkip,
    forwardRewardWeight: weight,
    ctrlCostWeight: weight,
    resetNoiseScale: noise,
    excludeCurrentPositionsFromObservation: z.boolean().optional(),
  })
  .strict();

export const walker2dOptionsSchema = z
  .object({
    frameSkip,
    forwardRewardWeight: weight,
    ctrlCostWeight: weight,
    healthyReward: weight,
    terminateWhenUnhealthy: z.boolean().optional(),
    healthyZRange: range,
    healthyAngleRange: range,
    resetNoiseScale: noise,
    excludeCurrentPositionsFromObservation: z.boolean().optional(),
  })
  .strict();

export const antOptionsSchema = z
  .object({
    frameSkip,
    forwardRewardWeight: weight,
    ctrlCostWeight: weight,
    contactCostWeight: weight,
    healthyReward: weight,
    mainBody: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    terminateWhenUnhealthy: z.boolean().optional(),
    healthyZRange: range,
    contactForceRange: range,
    resetNoiseScale: noise,
    excludeCurrentPositionsFromObservation: z.boolean().optional(),
    includeCfrcExtInObservation: z.boolean().optional(),
  })
  .strict();

/**
 * What `evaluate` scores against, for the default options: measured with
 * scripts/reference-returns.ts on 2026-12-07, the mean return over 100 episodes reset with seeds
 * 0–99 of the uniform random policy (random) and of the shipped PPO expert (expert; see
 * experts/README.md), rounded to 3 decimals.
 */
const referenceReturns: Record<string, { random: number; expert: number }> = {
  "InvertedPendulum-v5": { random: 5.23, expert: 1000 },
  "Hopper-v5": { random: 18.892, expert: 3602.855 },
  "HalfCheetah-v5": { random: -272.956, expert: 1852.75 },
  "Walker2d-v5": { random: 1.77, expert: 6405.71 },
  "Ant-v5": { random: -74.154, expert: 912.585 },
};

/** The MuJoCo envs' registrations, in Gymnasium's order. */
export const mujocoRegistrations: EnvRegistration<never>[] = [
  {
    ...invertedPendulumSpec,
    referenceReturns: referenceReturns["InvertedPendulum-v5"],
    options: invertedPendulumOptionsSchema,
    entryPoint: (o: InvertedPendulumOptions) => new InvertedPendulumEnv(o),
  } as EnvRegistration<InvertedPendulumOptions>,
  {
    ...hopperSpec,
    referenceReturns: referenceReturns["Hopper-v5"],
    options: hopperOptionsSchema,
    entryPoint: (o: HopperOptions) => new HopperEnv(o),
  } as EnvRegistration<HopperOptions>,
  {
    ...halfCheetahSpec,
    referenceReturns: referenceReturns["HalfCheetah-v5"],
    options: halfCheetahOptionsSchema,
    entryPoint: (o: HalfCheetahOptions) => new HalfCheetahEnv(o),
  } as EnvRegistration<HalfCheetahOptions>,
  {
    ...walker2dSpec,
    referenceReturns: referenceReturns["Walker2d-v5"],
    options: walker2dOptionsSchema,
    entryPoint: (o: Walker2dOptions) => new Walker2dEnv(o),
  } as EnvRegistration<Walker2dOptions>,
  {
    ...antSpec,
    referenceReturns: referenceReturns["Ant-v5"],
    options: antOptionsSchema,
    entryPoint: (o: AntOptions) => new AntEnv(o),
  } as EnvRegistration<AntOptions>,
] as unknown as EnvRegistration<never>[];

/** The MuJoCo env ids, Gymnasium's and seals' (whose `make` needs `await loadMujoco()` first). */
export const MUJOCO_ENV_IDS: readonly string[] = [...mujocoRegistrations, ...sealsMujocoRegistrations].map(
  (r) => r.id,
);
