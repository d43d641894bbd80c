/**
 * @module
 * Trained experts shipped with the package: PPO policies for envs that have no scripted
 * controller (the MuJoCo envs), stored as compiled-policy JSON (`mimic export --format json`) in
 * the package's `experts/` directory. Loading one is synchronous and needs no TensorFlow.js: the
 * compiled forward pass gives the deterministic action (the clipped Gaussian mean).
 *
 * How each file was trained, and its measured returns, are in `experts/README.md` and
 * docs/mujoco.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PolicyLoadError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import { type CompiledPolicy, compiledPolicyFromJSON } from "../nn/compile.js";

/** The env ids with a shipped policy, and the file of each in `experts/`. */
export const SHIPPED_POLICY_FILES: Readonly<Record<string, string>> = {
  "InvertedPendulum-v5": "InvertedPendulum-v5.json",
  "Hopper-v5": "Hopper-v5.json",
  "HalfCheetah-v5": "HalfCheetah-v5.json",
  "Walker2d-v5": "Walker2d-v5.json",
  "Ant-v5": "Ant-v5.json",
  // seals' recipe on v5 (src/envs/seals/mujoco.ts); the id's "/" is a "-" in the file name.
  "seals/Hopper-v5": "seals-Hopper-v5.json",
  "seals/HalfCheetah-v5": "seals-HalfCheetah-v5.json",
  "seals/Walker2d-v5": "seals-Walker2d-v5.json",
  "seals/Ant-v5": "seals-Ant-v5.json",
};

let expertsDirectory: string | undefined;

/**
 * The package's `experts/` directory: found by walking up from this module to the directory that
 * holds package.json and experts/, since the code runs from `src/`, `build/src/` and `dist/src/`.
 */
export function shippedExpertsDir(): string {
  if (expertsDirectory !== undefined) return expertsDirectory;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "experts"))) {
      expertsDirectory = join(dir, "experts");
      return expertsDirectory;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new PolicyLoadError(
        "experts/",
        `The shipped expert policies were not found: no directory above ${fileURLToPath(import.meta.url)} holds package.json and experts/. Reinstall the package.`,
      );
    }
    dir = parent;
  }
}

const cache = new Map<string, CompiledPolicy>();

/** The compiled policy shipped for `envId` (read once per process); throws if there is none. */
export function shippedCompiledPolicy(envId: string): CompiledPolicy {
  const cached = cache.get(envId);
  if (cached !== undefined) return cached;
  const file = Object.hasOwn(SHIPPED_POLICY_FILES, envId) ? SHIPPED_POLICY_FILES[envId] : undefined;
  if (file === undefined) {
    throw new PolicyLoadError(
      envId,
      `No shipped expert policy for ${JSON.stringify(envId)}; shipped: ${Object.keys(SHIPPED_POLICY_FILES).join(", ")}.`,
    );
  }
  const path = join(shippedExpertsDir(), file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new PolicyLoadError(path, `The shipped expert ${path} could not be read: ${String(error)}.`, {
      cause: error,
    });
  }
  const compiled = compiledPolicyFromJSON(json);
  if (compiled.envId !== envId) {
    throw new PolicyLoadError(path, `The shipped expert ${path} is for ${compiled.envId}, not ${envId}.`);
  }
  cache.set(envId, compiled);
  return compiled;
}

/** The shipped PPO expert of `envId` as a deterministic `Policy` (a new Float32Array per action). */
export function shippedPolicyExpert(envId: string): Policy<ArrayLike<number>, Float32Array> {
  const compiled = shippedCompiledPolicy(envId);
  return {
    name: `ppo-${envId}`,
    act: (observation) => compiled.act(observation) as Float32Array,
  };
}
