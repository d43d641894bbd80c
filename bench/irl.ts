/**
 * `npm run bench -- irl`: PPO, GAIL and AIRL on CartPole-v1 (8 envs, rl-baselines3-zoo's tuned PPO
 * settings, seed 1), wall time in this process.
 *
 * - PPO, 100,000 env steps: env steps/s, and the time until a rollout's mean training episode
 *   return first reaches 475. Baseline, same run: the same 8-env vector env stepped alone with
 *   random actions (what the env costs, so the ratio is PPO's own overhead).
 * - GAIL from 4 expert episodes, 200,000 env steps: wall time until the generator's training
 *   return first reaches 475, and in total. Baseline, same run: the PPO row (GAIL's cost per step
 *   over PPO's is the discriminator's).
 * - AIRL, 100,000 steps, then PPO from scratch on its learned reward, 100,000 steps.
 *
 * Every policy is then evaluated by its argmax over 50 episodes (seeds 1000–1049) on the true reward.
 * Reference figures (quoted in issue 7, not measured here): Stable-Baselines3's PPO about 54 s for
 * 100,000 CartPole steps; `imitation`'s GAIL with an SB3 generator about 40 s for 200,000 steps.
 */
import { trainAirl } from "../src/algorithms/airl.js";
import { trainGail } from "../src/algorithms/gail.js";
import { PPO_PRESETS, trainPpo } from "../src/algorithms/ppo/index.js";
import { rngFromSeed } from "../src/core/rng.js";
import { collect, make, makeVec, scriptedExpert, toTransitions } from "../src/index.js";
import { formatRate, machineReport, printTable } from "./harness.js";

const ppo = PPO_PRESETS["CartPole-v1"]!;

function evaluateAct(act: (o: ArrayLike<number>) => number | Float32Array): number {
  const env = make("CartPole-v1");
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

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

export async function benchIrl(): Promise<void> {
  console.log("mimic bench: irl (PPO, GAIL, AIRL on CartPole-v1, 8 envs)");
  console.log(machineReport());

  // Baseline: the vector env alone.
  const envs = makeVec("CartPole-v1", { numEnvs: 8 });
  envs.reset({ seed: 1 });
  const rng = rngFromSeed(1);
  const actions = Int32Array.from({ length: 8 * 1024 }, () => rng.integers(2));
  const envStart = process.hrtime.bigint();
  for (let i = 0; i < 100_000 / 8; i++) envs.step(actions.subarray((i % 1024) * 8, (i % 1024) * 8 + 8));
  const envRate = 100_000 / seconds(envStart);

  const rows: string[][] = [];
  const row = (name: string, steps: number, total: number, to475: number | null, score: number, vs: string) =>
    rows.push([
      name,
      String(steps),
      `${total.toFixed(1)} s`,
      formatRate(steps / total),
      to475 === null ? "never" : `${to475.toFixed(1)} s`,
      score.toFixed(1),
      vs,
    ]);

  let first: number | null = null;
  let start = process.hrtime.bigint();
  const ppoResult = await trainPpo(
    makeVec("CartPole-v1", { numEnvs: 8 }),
    { ...ppo, totalTimesteps: 100_000, seed: 1 },
    {
      onUpdateEnd: (r) => {
        if (first === null && r.meanEpisodeReturn !== null && r.meanEpisodeReturn >= 475)
          first = seconds(start);
      },
    },
  );
  const ppoSeconds = seconds(start);
  const ppoRate = 100_000 / ppoSeconds;
  row(
    "PPO",
    100_000,
    ppoSeconds,
    first,
    evaluateAct(ppoResult.act),
    `${(envRate / ppoRate).toFixed(0)}× env-only time`,
  );

  const episodes = await collect(make("CartPole-v1"), scriptedExpert("CartPole-v1"), {
    episodes: 4,
    seed: 0,
    deterministic: true,
  });
  const demos = toTransitions(episodes);
  for (const [name, train, steps] of [
    ["GAIL", trainGail, 200_000],
    ["AIRL", trainAirl, 100_000],
  ] as const) {
    first = null;
    start = process.hrtime.bigint();
    const result = await train(
      makeVec("CartPole-v1", { numEnvs: 8 }),
      demos,
      { totalTimesteps: steps, ppo, allowVariableHorizon: true, seed: 1 },
      {
        onRoundEnd: (r) => {
          if (first === null && r.meanEpisodeReturn !== null && r.meanEpisodeReturn >= 475)
            first = seconds(start);
        },
      },
    );
    const total = seconds(start);
    row(
      name,
      steps,
      total,
      first,
      evaluateAct(result.act),
      `${((total / steps) * ppoRate).toFixed(2)}× PPO per step`,
    );
    if (name === "AIRL") {
      first = null;
      start = process.hrtime.bigint();
      const transfer = await trainPpo(
        makeVec("CartPole-v1", { numEnvs: 8 }),
        { ...ppo, totalTimesteps: 100_000, seed: 7 },
        {
          rewardModel: result.rewardModel,
          onUpdateEnd: (r) => {
            if (first === null && r.meanEpisodeReturn !== null && r.meanEpisodeReturn >= 475)
              first = seconds(start);
          },
        },
      );
      const t = seconds(start);
      row(
        "PPO on AIRL's reward",
        100_000,
        t,
        first,
        evaluateAct(transfer.act),
        `${((t / 100_000) * ppoRate).toFixed(2)}× PPO per step`,
      );
    }
  }
  console.log(`baseline: 8-env CartPole vector env alone, random actions: ${formatRate(envRate)} steps`);
  printTable(
    ["run", "env steps", "wall time", "steps/s", "to return ≥ 475", "eval return", "vs baseline"],
    rows,
  );
  console.log(
    "reference (quoted in issue 7): SB3 PPO ≈ 54 s / 100k steps; imitation GAIL ≈ 40 s / 200k steps.",
  );
}
