/**
 * @module
 * metadata.json's `env_spec`: Gymnasium's `EnvSpec.to_json` form, written from and read into
 * mimic's `EnvSpec`.
 */
import { z } from "zod";
import { type EnvSpec, mimicKwargs, pythonKwargs } from "../../../core/env.js";
import { DatasetFormatError } from "../../../core/errors.js";
import { parsePythonJson } from "../../../core/spaces/index.js";
import { PyFloat, pythonJsonDumps } from "./python-json.js";
import type { Warnings } from "./warnings.js";

/**
 * Gymnasium's entry points for the envs mimic ports (gymnasium/envs/__init__.py): classic control,
 * the MuJoCo v5 envs, and the seals-style MuJoCo variants.
 */
const GYMNASIUM_ENTRY_POINTS: Record<string, { entry: string; vector?: string }> = {
  "CartPole-v0": {
    entry: "gymnasium.envs.classic_control.cartpole:CartPoleEnv",
    vector: "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv",
  },
  "CartPole-v1": {
    entry: "gymnasium.envs.classic_control.cartpole:CartPoleEnv",
    vector: "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv",
  },
  "MountainCar-v0": { entry: "gymnasium.envs.classic_control.mountain_car:MountainCarEnv" },
  "MountainCarContinuous-v0": {
    entry: "gymnasium.envs.classic_control.continuous_mountain_car:Continuous_MountainCarEnv",
  },
  "Pendulum-v1": { entry: "gymnasium.envs.classic_control.pendulum:PendulumEnv" },
  "Acrobot-v1": { entry: "gymnasium.envs.classic_control.acrobot:AcrobotEnv" },
  "InvertedPendulum-v5": { entry: "gymnasium.envs.mujoco.inverted_pendulum_v5:InvertedPendulumEnv" },
  "Hopper-v5": { entry: "gymnasium.envs.mujoco.hopper_v5:HopperEnv" },
  "HalfCheetah-v5": { entry: "gymnasium.envs.mujoco.half_cheetah_v5:HalfCheetahEnv" },
  "Walker2d-v5": { entry: "gymnasium.envs.mujoco.walker2d_v5:Walker2dEnv" },
  "Ant-v5": { entry: "gymnasium.envs.mujoco.ant_v5:AntEnv" },
  // seals' recipe on v5 (src/envs/seals/mujoco.ts) is Gymnasium's v5 class with two kwargs, which
  // the env's spec carries: `gymnasium.make(EnvSpec)` builds from the entry point and kwargs and
  // never looks the id up, so Minari's `recover_environment()` rebuilds it without seals installed.
  "seals/Hopper-v5": { entry: "gymnasium.envs.mujoco.hopper_v5:HopperEnv" },
  "seals/HalfCheetah-v5": { entry: "gymnasium.envs.mujoco.half_cheetah_v5:HalfCheetahEnv" },
  "seals/Walker2d-v5": { entry: "gymnasium.envs.mujoco.walker2d_v5:Walker2dEnv" },
  "seals/Ant-v5": { entry: "gymnasium.envs.mujoco.ant_v5:AntEnv" },
};

/** The fields of `EnvSpec.to_json()` (dataclasses.asdict order, namespace/name/version popped). */
export function gymnasiumEnvSpec(
  spec: EnvSpec,
  entryPoint: string | null | undefined,
): Record<string, unknown> {
  const known = GYMNASIUM_ENTRY_POINTS[spec.id];
  return {
    id: spec.id,
    entry_point: entryPoint !== undefined ? entryPoint : (known?.entry ?? null),
    reward_threshold: spec.rewardThreshold === undefined ? null : new PyFloat(spec.rewardThreshold),
    nondeterministic: spec.nondeterministic ?? false,
    max_episode_steps: spec.maxEpisodeSteps ?? null,
    order_enforce: true,
    disable_env_checker: false,
    kwargs: pythonKwargs(spec.kwargs),
    additional_wrappers: [],
    vector_entry_point: known?.vector ?? null,
  };
}

const envSpecSchema = z.looseObject({
  id: z.string(),
  kwargs: z.record(z.string(), z.unknown()).nullable().optional(),
  reward_threshold: z.number().nullable().optional(),
  nondeterministic: z.boolean().optional(),
  max_episode_steps: z.number().int().positive().nullable().optional(),
});

export function readEnvSpec(text: string, file: string, warnings: Warnings): EnvSpec {
  const fail = (why: string, cause?: unknown) =>
    new DatasetFormatError(
      { file, field: "env_spec" },
      `${file}: env_spec ${why}. It should be the string Gymnasium's EnvSpec.to_json() gives; fix or delete the key.`,
      { cause },
    );
  let raw: unknown;
  try {
    raw = parsePythonJson(text);
  } catch (cause) {
    throw fail(`is not valid JSON (${(cause as Error).message})`, cause);
  }
  const parsed = envSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`has a bad ${issue.path.join(".") || "value"} (${issue.message})`);
  }
  const v = parsed.data;
  const spec: EnvSpec = {
    id: v.id,
    ...(v.max_episode_steps != null && { maxEpisodeSteps: v.max_episode_steps }),
    ...(v.reward_threshold != null && { rewardThreshold: v.reward_threshold }),
    nondeterministic: v.nondeterministic ?? false,
    ...(v.kwargs != null && Object.keys(v.kwargs).length > 0 && { kwargs: mimicKwargs(v.kwargs) }),
  };
  // Say which Gymnasium fields a rewrite would not reproduce.
  const rewritten = gymnasiumEnvSpec(spec, undefined);
  // reward_threshold and kwargs are kept; only a number's int/float spelling may differ.
  const dropped = Object.keys(v).filter(
    (key) =>
      key in rewritten &&
      key !== "reward_threshold" &&
      key !== "kwargs" &&
      pythonJsonDumps(rewritten[key]) !== pythonJsonDumps((v as Record<string, unknown>)[key]),
  );
  if (dropped.length > 0) {
    warnings.add(
      `${file}: env_spec ${dropped.map((k) => `${k}=${pythonJsonDumps((v as Record<string, unknown>)[k])}`).join(", ")} ` +
        "is not kept in mimic's EnvSpec; writing this dataset again writes Gymnasium's defaults for it.",
    );
  }
  return spec;
}
