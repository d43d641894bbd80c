/**
 * Issue 20's learning tests for imitation on MuJoCo: BC, DAgger and GAIL on InvertedPendulum-v5,
 * and BC on Hopper-v5 and HalfCheetah-v5, from 4 episodes of the shipped PPO experts
 * (experts/*.json, seeds 0–3), each scored over 50 episodes reset with seeds 1000–1049 (evaluate's
 * defaults) by the normalized score against the registrations' reference returns
 * (InvertedPendulum: random 5.23, expert 1000; Hopper: random 18.892, expert 3602.855;
 * HalfCheetah: random −272.956, expert 1852.75). Deterministic under the seeds given. Measured
 * (docs/mujoco.md): 1.000 for each on InvertedPendulum (every episode lasts the full 1000 steps);
 * BC on Hopper without a validation split, mean over training seeds 0–2: 0.918 (0.979, 0.856, 0.918;
 * 0.929 with MIMIC_FMA=0); 0.973–0.994 for BC on HalfCheetah.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { trainGail } from "../../src/algorithms/gail.js";
import {
  collect,
  Dataset,
  evaluate,
  loadMujoco,
  make,
  makeVec,
  policyExpert,
  scriptedExpert,
  toTransitions,
  trainBc,
  trainDagger,
} from "../../src/index.js";

const envId = "InvertedPendulum-v5";

async function demonstrations(id = envId) {
  await loadMujoco();
  const env = make(id);
  const episodes = await collect(env, scriptedExpert(id), { episodes: 4, seed: 0, deterministic: true });
  const dataset = new Dataset({
    id: `${id}-expert-v0`,
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  env.close();
  return dataset;
}

async function score(policy: unknown, id = envId): Promise<number> {
  const env = make(id);
  const result = await evaluate(env, policy as never, { episodes: 50 });
  env.close();
  return result.normalizedScore!;
}

test("BC from 4 expert episodes reaches a normalized score ≥ 0.95 on InvertedPendulum-v5", async (t) => {
  const demos = await demonstrations();
  const bc = await trainBc(demos, { epochs: 50, batchSize: 64, seed: 0 });
  const s = await score(bc.policy);
  t.diagnostic(`BC normalized score ${s}`);
  assert.ok(s >= 0.95, `BC normalized score ${s}`);
});

test("DAgger (2 rounds of 1000 steps) reaches a normalized score ≥ 0.95 on InvertedPendulum-v5", async (t) => {
  const demos = await demonstrations();
  const dagger = await trainDagger(
    envId,
    policyExpert(scriptedExpert(envId) as never, "ppo expert"),
    { rounds: 2, stepsPerRound: 1000, bc: { epochs: 30, batchSize: 64 }, evalEpisodes: 2, seed: 0 },
    { demos },
  );
  const s = await score(dagger.policy);
  t.diagnostic(`DAgger normalized score ${s}`);
  assert.ok(s >= 0.95, `DAgger normalized score ${s}`);
});

test("GAIL (100,000 steps) reaches a normalized score ≥ 0.95 on InvertedPendulum-v5", async (t) => {
  const demos = await demonstrations();
  const gail = await trainGail(makeVec(envId, { numEnvs: 1 }), toTransitions(demos.episodes), {
    totalTimesteps: 100_000,
    ppo: {
      numEnvs: 1,
      numSteps: 2048,
      learningRate: 3e-4,
      updateEpochs: 10,
      numMinibatches: 32,
      entCoef: 0,
      normalizeObservations: true,
    },
    allowVariableHorizon: true,
    seed: 1,
  });
  const act = gail.act;
  const s = await score({ act: (o: ArrayLike<number>) => act(o) });
  t.diagnostic(`GAIL normalized score ${s}`);
  assert.ok(s >= 0.95, `GAIL normalized score ${s}`);
});

test("BC from 4 expert episodes averages a normalized score ≥ 0.88 on Hopper-v5 over 3 training seeds", async (t) => {
  // One training seed is not a measurement here: from 4 episodes the score moves by ±0.06 with the
  // seed, and a change of rounding alone (the fused kernels' FMA build) moved seed 0's from 0.943 to
  // 0.806 with early stopping. So: BC's best Hopper setting in docs/mujoco.md (all 4 episodes, 200
  // epochs, no validation split), averaged over seeds 0–2.
  const demos = await demonstrations("Hopper-v5");
  const scores: number[] = [];
  for (const seed of [0, 1, 2]) {
    const bc = await trainBc(demos, { epochs: 200, validationFraction: 0, patience: 0, batchSize: 64, seed });
    scores.push(await score(bc.policy, "Hopper-v5"));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  t.diagnostic(`BC normalized scores ${scores.map((s) => s.toFixed(3)).join(", ")}; mean ${mean.toFixed(3)}`);
  assert.ok(mean >= 0.88, `BC mean normalized score ${mean} (${scores.join(", ")})`);
});

test("BC from 4 expert episodes reaches a normalized score ≥ 0.9 on HalfCheetah-v5", async (t) => {
  // No validation split: 200 epochs on all 4 episodes. Measured 0.973 (seeds 1 and 2: 0.996, 0.972).
  const demos = await demonstrations("HalfCheetah-v5");
  const bc = await trainBc(demos, {
    epochs: 200,
    validationFraction: 0,
    patience: 0,
    batchSize: 64,
    seed: 0,
  });
  const s = await score(bc.policy, "HalfCheetah-v5");
  t.diagnostic(`BC normalized score ${s}`);
  assert.ok(s >= 0.9, `BC normalized score ${s}`);
});
