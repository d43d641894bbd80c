/**
 * Measures the reference returns of the built-in envs: the mean return of the uniform random
 * policy (the 0 of the normalized score) and of the scripted expert (the 1), over 100 episodes
 * reset with seeds 0–99, apart from `evaluate`'s default seeds (1000 onward). The random policy
 * samples from the action space with the generator `evaluate` hands it (seeded with 0).
 *
 *   npx tsx scripts/reference-returns.ts                       # every env with an expert
 *   npx tsx scripts/reference-returns.ts InvertedPendulum-v5   # only these ids
 *
 * Paste the printed numbers into the registrations in src/envs/index.ts (the MuJoCo envs':
 * src/envs/mujoco/index.ts).
 */

import { evaluate } from "../src/eval/evaluate.js";
import { randomPolicy } from "../src/eval/random-policy.js";
import { expertEnvIds, scriptedExpert } from "../src/experts/index.js";
import { loadMujoco, make, registeredEnvs } from "../src/index.js";

await loadMujoco(); // the MuJoCo envs need their module before make()
const only = process.argv.slice(2);

const episodes = 100;
const seed = 0;

const rows: string[][] = [
  ["env", "random mean ± s.e.", "expert mean ± s.e.", "random success", "expert success"],
];
const format = (mean: number, std: number): string =>
  `${mean.toFixed(3)} ± ${(std / Math.sqrt(episodes - 1)).toFixed(3)}`;
const rate = (r: number | null): string => (r === null ? "-" : r.toFixed(2));
const pasted: string[] = [];

for (const { id } of registeredEnvs()) {
  if (!expertEnvIds().includes(id) || (only.length > 0 && !only.includes(id))) continue;
  const env = make(id);
  const random = await evaluate(env, randomPolicy(env.actionSpace), {
    episodes,
    seed,
    referenceReturns: null,
  });
  const expert = await evaluate(env, scriptedExpert(id), { episodes, seed, referenceReturns: null });
  env.close();
  rows.push([
    id,
    format(random.meanReturn, random.stdReturn),
    format(expert.meanReturn, expert.stdReturn),
    rate(random.successRate),
    rate(expert.successRate),
  ]);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  pasted.push(
    `${JSON.stringify(id)}: { random: ${round(random.meanReturn)}, expert: ${round(expert.meanReturn)} },`,
  );
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join("  "));
console.log(`\nseeds ${seed}–${seed + episodes - 1}, ${new Date().toISOString().slice(0, 10)}:`);
for (const line of pasted) console.log(line);
