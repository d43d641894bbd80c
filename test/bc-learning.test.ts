/**
 * Behavior cloning learns: from 10 expert episodes (seeds 0–9), evaluated over 50 episodes with
 * seeds 1000–1049, it reaches the thresholds, and a permutation test shows it beats the
 * random policy on every built-in env. Deterministic under the fixed seeds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type BcConfig, trainBc } from "../src/algorithms/bc.js";
import {
  collect,
  Dataset,
  evaluate,
  make,
  permutationTest,
  randomPolicy,
  scriptedExpert,
} from "../src/index.js";

/** Per-env BC settings. Validation loss stops MountainCar too early, and Pendulum needs more epochs. */
const settings: Record<string, BcConfig> = {
  "CartPole-v1": {},
  "Acrobot-v1": {},
  "MountainCar-v0": { epochs: 60, validationFraction: 0 },
  "Pendulum-v1": { epochs: 100, patience: 0 },
  "MountainCarContinuous-v0": {},
  "GridWorld-v0": {},
};

async function cloneAndEvaluate(id: string) {
  const env = make(id);
  const episodes = await collect(env, scriptedExpert(id), { episodes: 10, seed: 0, deterministic: true });
  const dataset = new Dataset({
    id: "test/expert-v0",
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  const { policy } = await trainBc(dataset, { seed: 0, ...settings[id] });
  const bc = await evaluate(make(id), policy, { episodes: 50, seed: 1000 });
  const random = await evaluate(make(id), randomPolicy(env.actionSpace, { seed: 0 }), {
    episodes: 50,
    seed: 1000,
  });
  policy.dispose();
  return { bc, random, p: permutationTest(bc.returns, random.returns, { seed: 0 }) };
}

describe("BC from 10 expert episodes", () => {
  const thresholds: Record<
    string,
    (r: Awaited<ReturnType<typeof cloneAndEvaluate>>["bc"]) => [boolean, string]
  > = {
    "CartPole-v1": (r) => [r.meanReturn >= 475, `mean return ${r.meanReturn} ≥ 475`],
    "Acrobot-v1": (r) => [r.meanReturn >= -100, `mean return ${r.meanReturn} ≥ −100`],
    "MountainCar-v0": (r) => [r.meanReturn >= -115, `mean return ${r.meanReturn} ≥ −115`],
    "Pendulum-v1": (r) => [(r.normalizedScore ?? 0) >= 0.9, `normalized score ${r.normalizedScore} ≥ 0.9`],
  };
  for (const id of Object.keys(settings)) {
    test(`${id}: ${thresholds[id] ? "reaches the threshold and " : ""}beats random (permutation test)`, async () => {
      const { bc, random, p } = await cloneAndEvaluate(id);
      const check = thresholds[id];
      if (check) {
        const [ok, what] = check(bc);
        assert.ok(ok, `${id}: ${what}`);
      }
      assert.ok(
        bc.meanReturn > random.meanReturn,
        `${id}: BC ${bc.meanReturn} vs random ${random.meanReturn}`,
      );
      assert.ok(p < 0.01, `${id}: permutation test p = ${p}`);
    });
  }
});
