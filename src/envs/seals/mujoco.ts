/**
 * seals/Hopper-v5, seals/HalfCheetah-v5, seals/Walker2d-v5 and seals/Ant-v5: Gymnasium's v5
 * MuJoCo locomotion envs with seals' two changes, for imitation and inverse RL.
 *
 * Ported from seals' `src/seals/mujoco.py` (HumanCompatibleAI/seals), which subclasses Gymnasium's
 * MuJoCo envs and changes two constructor arguments, nothing else:
 * - `exclude_current_positions_from_observation=False` (every env): the observation starts with
 *   the torso's x position (Ant: x and y), so a learned reward can see how far the robot got;
 * - `terminate_when_unhealthy=False` (Hopper, Walker2d, Ant; HalfCheetah never terminates): a fall
 *   does not end the episode, so every episode lasts exactly 1000 steps.
 *
 * **Versions.** seals itself registers these as `seals/Hopper-v1`, `seals/HalfCheetah-v1`,
 * `seals/Walker2d-v1` and `seals/Ant-v1`, on gym's **v3** envs; imitation's published seals
 * benchmark is on those. mimic ports Gymnasium's **v5** envs only, so these ids apply seals' recipe
 * to v5 and carry v5 in their names; they are not seals' v1 envs (v5 changed the models and the
 * rewards: see each v5 env's Version History). In Python the same env is
 * `gymnasium.make("Walker2d-v5", terminate_when_unhealthy=False, exclude_current_positions_from_observation=False)`
 * (HalfCheetah: only the second argument), which is what a Minari dataset recorded on one of these
 * names in its `env_spec` (Gymnasium's v5 entry point with those kwargs), so `recover_environment()`
 * rebuilds it.
 *
 * ## Why
 * When a fall ends the episode, the episode's length depends on what the agent does, and an
 * adversarial imitation learner can read a reward off the episode's end whatever its discriminator
 * learned (imitation calls this termination leakage). On v5 Walker2d and Ant, GAIL's discriminator
 * learned that ending is expert-like (docs/mujoco.md). A fixed horizon removes that at the source.
 *
 * ## Action Space
 * As the v5 env.
 *
 * ## Observation Space
 * The v5 env's observation with the root position put back in front: 1 more value than v5 for
 * Hopper (12), HalfCheetah (18) and Walker2d (18), 2 more for Ant (107: x, y, then Ant-v5's 105).
 *
 * ## Rewards
 * As the v5 env, step for step: the healthy reward is still only paid while healthy, so a fallen
 * robot earns its forward reward minus its costs and nothing for surviving.
 *
 * ## Starting State
 * As the v5 env (the same seed gives the same start).
 *
 * ## Episode End
 * - Termination: never.
 * - Truncation (TimeLimit wrapper): 1000 steps.
 *
 * ## Version History
 * - v5: seals' recipe on Gymnasium's v5 envs (mimic's ids; seals has no v5).
 */
import { z } from "zod";
import type { EnvRegistration } from "../../core/registry.js";
import { AntEnv } from "../mujoco/ant.js";
import { HalfCheetahEnv } from "../mujoco/half-cheetah.js";
import { HopperEnv } from "../mujoco/hopper.js";
import { Walker2dEnv } from "../mujoco/walker2d.js";

/** Gymnasium's constructor arguments that seals changes, in mimic's spelling, per v5 env. */
const sealsKwargs = {
  "Hopper-v5": { excludeCurrentPositionsFromObservation: false, terminateWhenUnhealthy: false },
  "HalfCheetah-v5": { excludeCurrentPositionsFromObservation: false },
  "Walker2d-v5": { excludeCurrentPositionsFromObservation: false, terminateWhenUnhealthy: false },
  "Ant-v5": { excludeCurrentPositionsFromObservation: false, terminateWhenUnhealthy: false },
} as const;

type BaseId = keyof typeof sealsKwargs;

/**
 * What `evaluate` scores against: measured with scripts/reference-returns.ts on 2026-12-07, the
 * mean return over 100 episodes reset with seeds 0–99 of the uniform random policy (random) and of
 * the shipped expert (expert; see experts/README.md), rounded to 3 decimals. Absent for a variant
 * without a shipped expert.
 */
const referenceReturns: Partial<Record<string, { random: number; expert: number }>> = {
  "seals/Hopper-v5": { random: -50.468, expert: 3552.671 },
  "seals/HalfCheetah-v5": { random: -272.956, expert: 1846.883 },
  "seals/Walker2d-v5": { random: -1.437, expert: 6438.789 },
  "seals/Ant-v5": { random: -351.58, expert: 1344.739 },
};

/**
 * A seals variant's options: the two it presets, which a recorded `env_spec` repeats, and which may
 * only be given the preset value (anything else is the plain v5 env, so the message says to use it).
 */
function optionsSchema(base: BaseId) {
  const id = `seals/${base}`;
  const preset = (name: string) =>
    z
      .literal(false, {
        error: `${id} fixes ${name} to false (seals' recipe); for ${name}: true make ${base} instead.`,
      })
      .optional();
  return z
    .object(
      Object.fromEntries(Object.keys(sealsKwargs[base]).map((name) => [name, preset(name)])) as Record<
        string,
        ReturnType<typeof preset>
      >,
    )
    .strict();
}

interface Constructible {
  // biome-ignore lint/suspicious/noExplicitAny: the four v5 env classes take different option types.
  new (options: any): { spec: unknown };
}

function sealsRegistration(
  base: BaseId,
  Env: Constructible,
  description: string,
): EnvRegistration<Record<string, unknown>> {
  const spec = {
    id: `seals/${base}`,
    maxEpisodeSteps: 1000,
    description,
    // Gymnasium's EnvSpec.kwargs: what `gymnasium.make(<v5 id>, **kwargs)` needs to build the same env.
    kwargs: sealsKwargs[base],
    ...(referenceReturns[`seals/${base}`] && { referenceReturns: referenceReturns[`seals/${base}`] }),
  };
  return {
    ...spec,
    options: optionsSchema(base) as z.ZodType<Record<string, unknown>>,
    entryPoint: () => {
      const env = new Env(sealsKwargs[base]);
      // The v5 class names its own spec; this env answers to the seals id.
      Object.defineProperty(env, "spec", { value: spec, enumerable: true });
      return env as unknown as ReturnType<EnvRegistration<Record<string, unknown>>["entryPoint"]>;
    },
  };
}

/** The Gymnasium v5 id a seals MuJoCo id is built from (`seals/Walker2d-v5` → `Walker2d-v5`). */
export function sealsMujocoBaseId(id: string): BaseId | undefined {
  const base = id.startsWith("seals/") ? id.slice("seals/".length) : undefined;
  return base !== undefined && base in sealsKwargs ? (base as BaseId) : undefined;
}

/** The seals-style MuJoCo registrations, in seals' order (Gymnasium's own order). */
export const sealsMujocoRegistrations: EnvRegistration<never>[] = [
  sealsRegistration("HalfCheetah-v5", HalfCheetahEnv, "HalfCheetah-v5 with the x position observed (seals)."),
  sealsRegistration(
    "Ant-v5",
    AntEnv,
    "Ant-v5 with x, y observed and no termination: always 1000 steps (seals).",
  ),
  sealsRegistration(
    "Hopper-v5",
    HopperEnv,
    "Hopper-v5 with x observed and no termination: always 1000 steps (seals).",
  ),
  sealsRegistration(
    "Walker2d-v5",
    Walker2dEnv,
    "Walker2d-v5 with x observed and no termination: always 1000 steps (seals).",
  ),
] as unknown as EnvRegistration<never>[];
