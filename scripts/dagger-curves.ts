/**
 * Makes docs/algorithms/dagger-<env>.svg and prints the numbers in docs/algorithms/dagger.md:
 * BC alone vs DAgger per round, from 1 expert episode, on CartPole-v1 and Acrobot-v1
 * (the settings of test/dagger.test.ts, with more rounds). Run: npx tsx scripts/dagger-curves.ts
 */
import { writeFileSync } from "node:fs";
import { trainBc } from "../src/algorithms/bc.js";
import { trainDagger } from "../src/algorithms/dagger.js";
import { configureFusedEngineFromEnv } from "../src/cli/engine-env.js";
import { policyExpert } from "../src/experts/expert.js";
import { collect, Dataset, evaluate, make, scriptedExpert } from "../src/index.js";
import { linePlotSvg } from "../src/runs/plots.js";

// The fused engine takes MIMIC_THREADS and MIMIC_FMA from here, as the mimic command does.
configureFusedEngineFromEnv(process.env);

async function demos(id: string, episodes: number): Promise<Dataset> {
  const env = make(id);
  const recorded = await collect(env, scriptedExpert(id), { episodes, seed: 0, deterministic: true });
  return new Dataset({
    id: "docs/demos-v0",
    episodes: recorded,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
}

for (const [id, bc, steps] of [
  ["CartPole-v1", { epochs: 10 }, 2000],
  ["Acrobot-v1", { epochs: 40, validationFraction: 0 }, 1000],
] as const) {
  const start = Date.now();
  const result = await trainDagger(
    id,
    policyExpert(scriptedExpert(id), "scripted"),
    { rounds: 4, stepsPerRound: steps, evalEpisodes: 50, bc },
    { demos: await demos(id, 1) },
  );
  console.log(`${id} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  for (const r of result.rounds)
    console.log(
      `  round ${r.round}: beta ${r.beta.toFixed(2)}, env steps ${r.totalEnvSteps}, labelled ${r.datasetSteps}, mean return ${r.evaluation.meanReturn.toFixed(1)}`,
    );
  // BC with as many expert labels as DAgger's last round had, for comparison.
  const labelled = result.rounds.at(-1)!.datasetSteps;
  const env = make(id);
  let k = 1;
  let equal = await demos(id, k);
  while (equal.totalSteps < labelled) equal = await demos(id, ++k);
  const { policy } = await trainBc(equal, bc);
  const bcEqual = await evaluate(env, policy, { episodes: 50, seed: 1000 });
  console.log(
    `  BC from ${k} expert episodes (${equal.totalSteps} labelled steps): mean return ${bcEqual.meanReturn.toFixed(1)}`,
  );
  writeFileSync(
    `docs/algorithms/dagger-${id.toLowerCase().replace(/-v\d+$/, "")}.svg`,
    linePlotSvg(
      {
        title: `${id}: mean return by round (1 expert episode)`,
        xLabel: "round (0 = BC alone)",
        yLabel: "mean return, 50 episodes",
        series: [
          { name: "DAgger", points: result.rounds.map((r) => [r.round, r.evaluation.meanReturn] as const) },
          {
            name: "BC alone",
            points: result.rounds.map((r) => [r.round, result.rounds[0]!.evaluation.meanReturn] as const),
            dashed: true,
          },
        ],
      },
      id,
    ),
  );
}
