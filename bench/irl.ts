/**
 * `npm run bench -- irl`: PPO on CartPole-v1, then GAIL and AIRL on seals/CartPole-v0 (seals'
 * fixed-horizon CartPole, reward 1 while the pole is up, 500 steps) as the README runs them: from
 * 4 expert episodes, with the settings `mimic train gail|airl` applies there (the env's PPO preset
 * and the algorithm's preset, from the CLI's `adversarialPreset`), seed 1, 8 envs; wall time in
 * this process.
 *
 * - PPO, CartPole-v1, 100,000 env steps (rl-baselines3-zoo's tuned settings): env steps/s, and the
 *   time until a rollout's mean training episode return first reaches 475. Baseline, same run: the
 *   same 8-env vector env stepped alone with random actions (what the env costs, so the ratio is
 *   PPO's own overhead).
 * - GAIL, 200,000 steps: wall time until the generator's training return (the env's true reward)
 *   first reaches 475, and in total. Baseline, same run: the PPO row (GAIL's cost per step over
 *   PPO's is the discriminator's).
 * - AIRL, 200,000 steps, then PPO from scratch on its learned reward, 200,000 steps on seals (100k
 *   is not enough on seals even on its true reward: docs/algorithms/irl.md).
 *
 * Every policy is then evaluated by its argmax over 50 episodes (seeds 1000–1049) on its env's true
 * reward; on seals an episode always lasts 500 steps, so its return is the steps the pole stayed up.
 * Reference figures (quoted in issue 7, not measured here): Stable-Baselines3's PPO about 54 s for
 * 100,000 CartPole steps; `imitation`'s GAIL with an SB3 generator about 40 s for 200,000 steps.
 */
import { resolveAdversarialConfig } from "../src/algorithms/adversarial.js";
import { trainAirl } from "../src/algorithms/airl.js";
import { trainGail } from "../src/algorithms/gail.js";
import { PPO_PRESETS, trainPpo } from "../src/algorithms/ppo/index.js";
import { adversarialPreset } from "../src/cli/irl.js";
import { rngFromSeed } from "../src/core/rng.js";
import { collect, make, makeVec, scriptedExpert, toTransitions } from "../src/index.js";
import { formatRate, machineReport, printTable } from "./harness.js";

const SEALS = "seals/CartPole-v0";
const ppo = PPO_PRESETS["CartPole-v1"]!;

function evaluateAct(envId: string, act: (o: ArrayLike<number>) => number | Float32Array): number {
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

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

export async function benchIrl(): Promise<void> {
  console.log(`mimic bench: irl (PPO on CartPole-v1; GAIL, AIRL on ${SEALS} with the CLI's presets; 8 envs)`);
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
  const row = (
    name: string,
    envId: string,
    steps: number,
    total: number,
    to475: number | null,
    score: number,
    vs: string,
  ) =>
    rows.push([
      name,
      envId,
      String(steps),
      `${total.toFixed(1)} s`,
      formatRate(steps / total),
      to475 === null ? "never" : `${to475.toFixed(1)} s`,
      score.toFixed(1),
      vs,
    ]);

  let first: number | null = null;
  const onReturn = (meanEpisodeReturn: number | null) => {
    if (first === null && meanEpisodeReturn !== null && meanEpisodeReturn >= 475) first = seconds(start);
  };
  let start = process.hrtime.bigint();
  const ppoResult = await trainPpo(
    makeVec("CartPole-v1", { numEnvs: 8 }),
    { ...ppo, totalTimesteps: 100_000, seed: 1 },
    { onUpdateEnd: (r) => onReturn(r.meanEpisodeReturn) },
  );
  const ppoSeconds = seconds(start);
  const ppoRate = 100_000 / ppoSeconds;
  row(
    "PPO",
    "CartPole-v1",
    100_000,
    ppoSeconds,
    first,
    evaluateAct("CartPole-v1", ppoResult.act),
    `${(envRate / ppoRate).toFixed(0)}× env-only time`,
  );

  // The README's demonstrations: `mimic collect --env seals/CartPole-v0 --expert scripted --episodes 4`.
  const episodes = await collect(make(SEALS), scriptedExpert(SEALS), {
    episodes: 4,
    seed: 0,
    deterministic: true,
  });
  const demos = toTransitions(episodes);
  const steps = 200_000;
  for (const [name, algorithm, train] of [
    ["GAIL", "gail", trainGail],
    ["AIRL", "airl", trainAirl],
  ] as const) {
    const config = resolveAdversarialConfig(
      { ...adversarialPreset(algorithm, SEALS), totalTimesteps: steps, seed: 1 },
      name,
    );
    first = null;
    start = process.hrtime.bigint();
    const result = await train(makeVec(SEALS, { numEnvs: config.ppo.numEnvs }), demos, config, {
      onRoundEnd: (r) => onReturn(r.meanEpisodeReturn),
    });
    const total = seconds(start);
    row(
      name,
      SEALS,
      steps,
      total,
      first,
      evaluateAct(SEALS, result.act),
      `${((total / steps) * ppoRate).toFixed(2)}× PPO per step`,
    );
    if (algorithm === "airl") {
      // As `mimic train ppo --reward <airl run>`: the env's PPO preset on the learned reward.
      first = null;
      start = process.hrtime.bigint();
      const sealsPpo = PPO_PRESETS[SEALS]!;
      const transfer = await trainPpo(
        makeVec(SEALS, { numEnvs: sealsPpo.numEnvs! }),
        { ...sealsPpo, totalTimesteps: steps, seed: 7 },
        { rewardModel: result.rewardModel, onUpdateEnd: (r) => onReturn(r.meanEpisodeReturn) },
      );
      const t = seconds(start);
      row(
        "PPO on AIRL's reward",
        SEALS,
        steps,
        t,
        first,
        evaluateAct(SEALS, transfer.act),
        `${((t / steps) * ppoRate).toFixed(2)}× PPO per step`,
      );
    }
  }
  console.log(`baseline: 8-env CartPole vector env alone, random actions: ${formatRate(envRate)} steps`);
  printTable(
    ["run", "env", "env steps", "wall time", "steps/s", "to return ≥ 475", "eval return", "vs baseline"],
    rows,
  );
  console.log(
    "reference (quoted in issue 7): SB3 PPO ≈ 54 s / 100k steps; imitation GAIL ≈ 40 s / 200k steps.",
  );
}
