/**
 * `npm run bench -- data`: collection throughput and dataset load time.
 *
 * - collect: CartPole-v1 with the scripted expert, recorded with `collectSync` and saved as a
 *   Minari dataset; the baseline is the same rollout without recording, in the same run.
 * - load: a dataset of 10^6 steps (2000 CartPole episodes of 500 steps) read back from Minari HDF5
 *   and from JSONL; JSONL is the baseline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect } from "../src/data/collect.js";
import { Dataset } from "../src/data/dataset.js";
import { loadDataset, saveDataset } from "../src/data/store.js";
import { scriptedExpert } from "../src/experts/index.js";
import { make } from "../src/index.js";
import { formatRate, machineReport, printTable } from "./harness.js";

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function median(runs: number, body: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await body());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

export async function benchData(): Promise<void> {
  console.log("mimic bench: data (median of 3 runs)");
  console.log(machineReport());
  const dir = mkdtempSync(join(tmpdir(), "mimic-bench-"));
  try {
    const policy = scriptedExpert("CartPole-v1");
    const episodes = 200;
    // Baseline: the same rollouts, nothing recorded.
    const rolloutRate = await median(3, async () => {
      const env = make("CartPole-v1");
      let steps = 0;
      const start = process.hrtime.bigint();
      for (let k = 0; k < episodes; k++) {
        let obs = env.reset({ seed: k }).observation;
        for (;;) {
          const r = env.step(policy.act(obs) as number);
          steps += 1;
          obs = r.observation;
          if (r.terminated || r.truncated) break;
        }
      }
      return steps / seconds(start);
    });
    const memoryRate = await median(3, async () => {
      const start = process.hrtime.bigint();
      const eps = await collect(make("CartPole-v1"), policy, { episodes, seed: 0 });
      return eps.reduce((n, e) => n + e.length, 0) / seconds(start);
    });
    let recorded: Dataset | undefined;
    const collectRate = await median(3, async () => {
      const start = process.hrtime.bigint();
      const eps = await collect(make("CartPole-v1"), policy, { episodes, seed: 0 });
      const env = make("CartPole-v1");
      recorded = new Dataset({
        id: "bench/cartpole-v0",
        episodes: eps,
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        envSpec: env.spec,
      });
      await saveDataset(join(dir, "collected"), recorded);
      return recorded.totalSteps / seconds(start);
    });
    printTable(
      ["collection (CartPole-v1, scripted expert)", "steps/s", "vs rollout only"],
      [
        ["rollout only (baseline)", formatRate(rolloutRate), "1.00×"],
        ["collect into memory", formatRate(memoryRate), `${(memoryRate / rolloutRate).toFixed(2)}×`],
        ["collect + save Minari HDF5", formatRate(collectRate), `${(collectRate / rolloutRate).toFixed(2)}×`],
      ],
    );

    // 10^6 steps: repeat the recorded episodes until there are 2000 of 500 steps.
    const base = recorded!.episodes.filter((e) => e.length === 500);
    const million = recorded!.withEpisodes(
      Array.from({ length: 2000 }, (_, i) => base[i % base.length]!.withId(i)),
    );
    console.log(`\nload: ${million.totalSteps} steps in ${million.episodes.length} episodes`);
    await saveDataset(join(dir, "million"), million);
    await saveDataset(join(dir, "million.jsonl"), million);
    const loadTime = (path: string) =>
      median(3, async () => {
        const start = process.hrtime.bigint();
        const { dataset } = await loadDataset(path);
        if (dataset.totalSteps !== million.totalSteps)
          throw new Error("bench: loaded the wrong number of steps");
        return seconds(start);
      });
    const jsonl = await loadTime(join(dir, "million.jsonl"));
    const hdf5 = await loadTime(join(dir, "million"));
    printTable(
      ["load 10^6 steps", "seconds", "steps/s", "vs JSONL"],
      [
        ["JSONL (baseline)", jsonl.toFixed(2), formatRate(million.totalSteps / jsonl), "1.00×"],
        [
          "Minari HDF5",
          hdf5.toFixed(2),
          formatRate(million.totalSteps / hdf5),
          `${(jsonl / hdf5).toFixed(1)}× faster`,
        ],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
