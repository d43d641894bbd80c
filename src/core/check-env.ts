/**
 * @module
 * `checkEnv`: does an env keep the promises of the Env contract? It checks the spaces, the types
 * of what `reset` and `step` return, that observations lie in the observation space, and that a
 * seeded reset followed by the same actions replays the same episode.
 * In the spirit of gymnasium/utils/env_checker.py.
 */
import type { Env, ResetResult, StepResult } from "./env.js";
import { EnvCheckError } from "./errors.js";
import { rngFromSeed } from "./rng.js";
import { formatValue, type Space } from "./spaces/index.js";

export interface CheckEnvOptions {
  /** Steps to replay when checking determinism (default 50). */
  steps?: number;
  /** Seed for the reset and for the sampled actions (default 0). */
  seed?: number;
}

export interface CheckEnvReport {
  /** Things that are allowed but suspicious. */
  warnings: string[];
  /** Steps taken in each replayed episode. */
  stepsChecked: number;
}

function isSpace(x: unknown): x is Space {
  if (typeof x !== "object" || x === null) return false;
  const s = x as Partial<Space>;
  return typeof s.contains === "function" && typeof s.sample === "function" && typeof s.flatDim === "number";
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || a === b;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++)
      if (!(x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) return false;
    return true;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks `env` and throws `EnvCheckError` naming the first broken promise; returns warnings for
 * things that are allowed but suspicious. The env is reset (seeded) during the check.
 */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): CheckEnvReport {
  const steps = options.steps ?? 50;
  const seed = options.seed ?? 0;
  const id = env.spec?.id ?? "env";
  const warnings: string[] = [];
  const fail = (message: string): never => {
    throw new EnvCheckError(`checkEnv(${id}): ${message}`);
  };

  if (!env.spec || typeof env.spec.id !== "string")
    fail("env.spec.id must be a string (the env's versioned id).");
  if (!isSpace(env.observationSpace))
    fail("observationSpace is not a Space (needs contains, sample and flatDim).");
  if (!isSpace(env.actionSpace)) fail("actionSpace is not a Space (needs contains, sample and flatDim).");

  const checkReset = (result: ResetResult<unknown>, where: string) => {
    if (typeof result !== "object" || result === null || !("observation" in result)) {
      fail(`${where} must return { observation, info }, got ${formatValue(result)}.`);
    }
    if (typeof result.info !== "object" || result.info === null)
      fail(`${where} returned info ${formatValue(result.info)}; it must be an object.`);
    const why = env.observationSpace.explain(result.observation);
    if (why !== null)
      fail(`${where} returned an observation outside the observation space ${env.observationSpace}: ${why}.`);
  };
  const checkStep = (result: StepResult<unknown>, where: string) => {
    if (typeof result !== "object" || result === null)
      fail(`${where} must return an object, got ${formatValue(result)}.`);
    if (typeof result.reward !== "number" || Number.isNaN(result.reward))
      fail(`${where} returned reward ${formatValue(result.reward)}; it must be a number, not NaN.`);
    if (typeof result.terminated !== "boolean")
      fail(`${where} returned terminated ${formatValue(result.terminated)}; it must be a boolean.`);
    if (typeof result.truncated !== "boolean")
      fail(`${where} returned truncated ${formatValue(result.truncated)}; it must be a boolean.`);
    if (typeof result.info !== "object" || result.info === null)
      fail(`${where} returned info ${formatValue(result.info)}; it must be an object.`);
    const why = env.observationSpace.explain(result.observation);
    if (why !== null)
      fail(`${where} returned an observation outside the observation space ${env.observationSpace}: ${why}.`);
  };

  // Play one seeded episode segment with actions sampled from a seeded generator.
  const play = () => {
    const actionRng = rngFromSeed(seed + 1);
    const first = env.reset({ seed });
    checkReset(first, `reset({ seed: ${seed} })`);
    const trace: StepResult<unknown>[] = [];
    for (let t = 0; t < steps; t++) {
      const action = env.actionSpace.sample(actionRng);
      if (!env.actionSpace.contains(action))
        fail(`actionSpace.sample() returned ${formatValue(action)}, which the space does not contain.`);
      const result = env.step(action);
      checkStep(result, `step #${t + 1}`);
      trace.push({ ...result, observation: copy(result.observation) });
      if (result.terminated || result.truncated) break;
    }
    return { reset: copy(first.observation), trace };
  };

  const a = play();
  const b = play();
  if (!env.spec.nondeterministic) {
    if (!sameValue(a.reset, b.reset))
      fail(
        `two resets with seed ${seed} gave different observations: ${formatValue(a.reset)} vs ${formatValue(b.reset)}.`,
      );
    if (a.trace.length !== b.trace.length)
      fail(`the same seed and actions gave episodes of ${a.trace.length} and ${b.trace.length} steps.`);
    a.trace.forEach((x, t) => {
      const y = b.trace[t]!;
      if (
        !sameValue(x.observation, y.observation) ||
        x.reward !== y.reward ||
        x.terminated !== y.terminated ||
        x.truncated !== y.truncated
      ) {
        fail(
          `step #${t + 1} differs between two runs with seed ${seed} and the same actions; the env is not deterministic under a seed (set spec.nondeterministic if that is intended).`,
        );
      }
    });
  }

  // A different seed should usually change the start.
  const other = env.reset({ seed: seed + 12345 });
  if (sameValue(other.observation, a.reset))
    warnings.push(
      "reset with a different seed gave the same first observation; fine if the start state is fixed, otherwise check that reset() draws the start from a generator seeded with the seed.",
    );
  // A reset without a seed must work after a seeded one.
  checkReset(env.reset(), "reset() without a seed");

  return { warnings, stepsChecked: a.trace.length };
}

function copy<T>(x: T): T {
  if (ArrayBuffer.isView(x)) return (x as unknown as { slice(): T }).slice();
  return x;
}
