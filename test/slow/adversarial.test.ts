/**
 * Issue 7's learning tests for adversarial imitation, on CartPole-v1 from 4 scripted-expert
 * episodes (seeds 0–3), deterministic under seed 1. The generator uses rl-baselines3-zoo's tuned
 * CartPole PPO settings (`PPO_PRESETS`); evaluation is the argmax policy over 50 episodes (seeds
 * 1000–1049) on the env's true reward.
 *
 * - GAIL: mean return ≥ 475 within 300,000 env steps (this run uses 200,000), with and without
 *   the discriminator's gradient penalty.
 * - AIRL (60,000 steps, seeds 1–3): mean return ≥ 450 on every seed; then PPO from scratch on
 *   each AIRL's learned reward only (the env's reward never reaches the learner) must reach ≥ 400
 *   true return on at least 2 of the 3. Reward transfer is not reliable yet: measured, seed 1's
 *   reward ranks the expert highest but makes falling fast better than flailing near a random
 *   policy, and PPO from scratch settles there (about 52); seeds 2 and 3 reach 500. The test
 *   states that rate instead of picking a seed that passes (docs/algorithms/irl.md).
 *
 * CartPole's generator falls early while the expert never does, so the runs set
 * `allowVariableHorizon`; episode ends go through the learned absorbing state (reward-model.ts).
 *
 * - AIRL on seals/CartPole-v0 (the fixed-horizon path, no flag; 200,000 steps, seeds 1–3, the
 *   CLI's `AIRL_PRESETS` settings): on at least 2 of the 3 seeds, AIRL's own policy scores ≥ 450
 *   and PPO from scratch on its learned reward (200,000 steps: PPO on seals' true reward needs
 *   about that much, measured 462.5 and 164.9 at 100,000) scores ≥ 450. Measured on 2026-12-07:
 *   500 and 500 on seeds 1–4 and 6, seed 5 361 and 106 (docs/algorithms/irl.md); the test asks
 *   for 2 of 3, the rate issue 22 set.
 * - GAIL on seals/CartPole-v0 (no flag; 200,000 steps, the CLI's `GAIL_PRESETS`: 4 PPO
 *   minibatches for the generator): ≥ 450 on 4 of seeds 1–6 (it stops once four pass or three
 *   fail). Measured on 2026-12-07 through the CLI: 500 on seeds 1–6 with the default (FMA)
 *   kernels; with MIMIC_FMA=0, 8.45, 500, 76.2, 500, 500, 500, so 4 of 6 holds on both kernel
 *   builds (docs/algorithms/irl.md, "GAIL on the fixed horizon").
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AIRL_PRESETS, trainAirl } from "../../src/algorithms/airl.js";
import { GAIL_PRESETS, trainGail } from "../../src/algorithms/gail.js";
import { PPO_PRESETS, trainPpo } from "../../src/algorithms/ppo/index.js";
import { collect, make, makeVec, scriptedExpert, toTransitions } from "../../src/index.js";

const ppo = PPO_PRESETS["CartPole-v1"]!;

async function demonstrations() {
  const episodes = await collect(make("CartPole-v1"), scriptedExpert("CartPole-v1"), {
    episodes: 4,
    seed: 0,
    deterministic: true,
  });
  return toTransitions(episodes);
}

function meanReturn(act: (o: ArrayLike<number>) => number | Float32Array, envId = "CartPole-v1"): number {
  const env = make(envId);
  let total = 0;
  for (let seed = 1000; seed < 1050; seed++) {
    let observation = env.reset({ seed }).observation as Float32Array;
    for (;;) {
      const step = env.step(act(observation) as number);
      total += step.reward;
      observation = step.observation as Float32Array;
      if (step.terminated || step.truncated) break;
    }
  }
  return total / 50;
}

test("GAIL from 4 expert episodes reaches ≥ 475 on CartPole-v1 within 300,000 steps", async (t) => {
  const started = performance.now();
  const result = await trainGail(makeVec("CartPole-v1", { numEnvs: 8 }), await demonstrations(), {
    totalTimesteps: 200_000,
    ppo,
    allowVariableHorizon: true,
    seed: 1,
  });
  const score = meanReturn(result.act);
  const last = result.history.at(-1)!;
  t.diagnostic(
    `GAIL: ${score} after ${last.timesteps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.ok(last.timesteps <= 300_000);
  assert.ok(score >= 475, `GAIL mean return ${score}`);
});

test("GAIL with the discriminator's gradient penalty (λ = 1) reaches ≥ 475 on CartPole-v1 within 300,000 steps", async (t) => {
  const started = performance.now();
  const result = await trainGail(makeVec("CartPole-v1", { numEnvs: 8 }), await demonstrations(), {
    totalTimesteps: 200_000,
    ppo,
    discriminator: { gradientPenalty: 1 },
    allowVariableHorizon: true,
    seed: 1,
  });
  const score = meanReturn(result.act);
  const last = result.history.at(-1)!;
  t.diagnostic(
    `GAIL with the penalty: ${score} after ${last.timesteps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s; last penalty ${last.discGradientPenalty}`,
  );
  assert.ok(last.discGradientPenalty !== undefined);
  assert.ok(score >= 475, `GAIL mean return ${score}`);
});

test("AIRL reaches ≥ 450, and PPO from scratch on its learned reward alone reaches ≥ 400 (2 of 3 seeds)", async (t) => {
  const demos = await demonstrations();
  const transferred: number[] = [];
  for (const seed of [1, 2, 3]) {
    const started = performance.now();
    const airl = await trainAirl(makeVec("CartPole-v1", { numEnvs: 8 }), demos, {
      totalTimesteps: 60_000,
      ppo,
      allowVariableHorizon: true,
      seed,
    });
    const score = meanReturn(airl.act);
    assert.ok(score >= 450, `AIRL (seed ${seed}) mean return ${score}`);
    const transfer = await trainPpo(
      makeVec("CartPole-v1", { numEnvs: 8 }),
      { ...ppo, totalTimesteps: 100_000, seed: 7 },
      { rewardModel: airl.rewardModel },
    );
    transferred.push(meanReturn(transfer.act));
    t.diagnostic(
      `seed ${seed}: AIRL ${score}, PPO on AIRL's reward ${transferred.at(-1)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  const passing = transferred.filter((r) => r >= 400).length;
  assert.ok(passing >= 2, `PPO on the learned reward: ${transferred.join(", ")}`);
});

test("AIRL on seals/CartPole-v0 (no flag) reaches ≥ 450, and PPO on its learned reward too (2 of 3 seeds)", async (t) => {
  const sealsId = "seals/CartPole-v0";
  const episodes = await collect(make(sealsId), scriptedExpert(sealsId), {
    episodes: 4,
    seed: 0,
    deterministic: true,
  });
  const demos = toTransitions(episodes);
  const preset = AIRL_PRESETS[sealsId]!;
  const sealsPpo = PPO_PRESETS[sealsId]!;
  let passing = 0;
  const scores: string[] = [];
  // 2 of 3 decides the test: once two seeds pass, the third is not run (it would take 35 s).
  for (const seed of [1, 2, 3]) {
    if (passing >= 2) break;
    const started = performance.now();
    const airl = await trainAirl(makeVec(sealsId, { numEnvs: 8 }), demos, {
      ...preset,
      totalTimesteps: 200_000,
      ppo: sealsPpo,
      seed,
    });
    const score = meanReturn(airl.act, sealsId);
    // The transfer counts only where AIRL itself passed; skipping it elsewhere saves time.
    let transferred: number | null = null;
    if (score >= 450) {
      const transfer = await trainPpo(
        makeVec(sealsId, { numEnvs: 8 }),
        { ...sealsPpo, totalTimesteps: 200_000, seed: 7 },
        { rewardModel: airl.rewardModel },
      );
      transferred = meanReturn(transfer.act, sealsId);
      if (transferred >= 450) passing++;
    }
    scores.push(`seed ${seed}: AIRL ${score}, PPO on its reward ${transferred ?? "not run"}`);
    t.diagnostic(`${scores.at(-1)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  assert.ok(passing >= 2, scores.join("; "));
});

test("GAIL on seals/CartPole-v0 (no flag, the CLI's preset) reaches ≥ 450 on 4 of seeds 1–6", async (t) => {
  const sealsId = "seals/CartPole-v0";
  const episodes = await collect(make(sealsId), scriptedExpert(sealsId), {
    episodes: 4,
    seed: 0,
    deterministic: true,
  });
  const demos = toTransitions(episodes);
  const preset = GAIL_PRESETS[sealsId]!;
  const ppo = { ...PPO_PRESETS[sealsId]!, ...preset.ppo };
  const scores: string[] = [];
  let passing = 0;
  let failing = 0;
  // 4 of 6 decides the test: it stops once four seeds pass or three fail.
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    if (passing >= 4 || failing >= 3) break;
    const started = performance.now();
    const gail = await trainGail(makeVec(sealsId, { numEnvs: 8 }), demos, {
      ...preset,
      ppo,
      totalTimesteps: 200_000,
      seed,
    });
    const score = meanReturn(gail.act, sealsId);
    if (score >= 450) passing++;
    else failing++;
    scores.push(`seed ${seed}: ${score}`);
    t.diagnostic(`GAIL ${scores.at(-1)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  assert.ok(passing >= 4, scores.join("; "));
});
