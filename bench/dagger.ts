/**
 * `npm run bench -- dagger`: DAgger on CartPole-v1 from one expert episode, with the scripted
 * expert, 2,000 env steps per round and 10 BC epochs per round: wall time and env steps until the
 * mean return over 50 evaluation episodes (seeds 1000–1049) first reaches 475. Baseline in the
 * same run: BC alone on the same episode (round 0).
 */
import { trainDagger } from "../src/algorithms/dagger.js";
import { policyExpert } from "../src/experts/expert.js";
import { collect, Dataset, make, scriptedExpert } from "../src/index.js";
import { machineReport, printTable } from "./harness.js";

export async function benchDagger(): Promise<void> {
  console.log("mimic bench: dagger (CartPole-v1 from 1 expert episode)");
  console.log(machineReport());
  const env = make("CartPole-v1");
  const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
    episodes: 1,
    seed: 0,
    deterministic: true,
  });
  const demos = new Dataset({
    id: "bench/one-v0",
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  const start = process.hrtime.bigint();
  const rows: string[][] = [];
  const result = await trainDagger(
    "CartPole-v1",
    policyExpert(scriptedExpert("CartPole-v1"), "scripted"),
    { rounds: 5, stepsPerRound: 2000, evalEpisodes: 50, targetReturn: 475, bc: { epochs: 10 } },
    {
      demos,
      callbacks: {
        onRound: (r) => {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          rows.push([
            String(r.round),
            r.beta.toFixed(2),
            String(r.totalEnvSteps),
            String(r.datasetSteps),
            r.evaluation.meanReturn.toFixed(1),
            seconds.toFixed(2),
          ]);
        },
      },
    },
  );
  printTable(["round", "β", "env steps", "labelled steps", "mean return", "wall time (s)"], rows);
  const hit = result.rounds.find((r) => r.evaluation.meanReturn >= 475);
  console.log(
    hit
      ? `\nreached ≥ 475 at round ${hit.round}: ${rows[result.rounds.indexOf(hit)]![5]} s wall time (training and evaluation included), ${hit.totalEnvSteps} env steps; BC alone: ${result.rounds[0]!.evaluation.meanReturn.toFixed(1)}`
      : "\ndid not reach 475 within 5 rounds",
  );
  console.log(
    "imitation's SimpleDAggerTrainer (quoted in issue 6): about 7.5 s and 12,000 env steps to reach 500 from 10 episodes.",
  );
  result.policy.dispose();
}
