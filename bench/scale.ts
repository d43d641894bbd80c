/**
 * `npm run bench -- scale`: distributed collection on BullMQ with 1 and 2 `mimic worker`
 * processes (a private redis-server on loopback, the coordinator in this process), against the
 * same collection run locally in this process. Two workloads: Acrobot-v1's scripted expert
 * (a rollout planner, about 18 ms of compute per 65-step episode: compute-bound, small results)
 * and CartPole-v1's (about 3 ms per 500-step episode: each episode is ~27 KB of JSON through
 * Redis, so the coordinator's decoding shows). Each timing is the median of 3 runs after a warm-up
 * run; the ratio printed is the speed-up of 2 workers over 1 (the goal: ≥ 0.8 · N).
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { make } from "../src/core/registry.js";
import { collect } from "../src/data/collect.js";
import { scriptedExpert } from "../src/experts/index.js";
import { collectOnWorkers } from "../src/scale/distributed.js";
import { findRedisServer, startLocalRedis, startLocalWorkers } from "../src/scale/local.js";
import { machineReport, printTable } from "./harness.js";

const WORKLOADS = [
  { envId: "Acrobot-v1", episodes: 320, jobs: 32 },
  { envId: "CartPole-v1", episodes: 800, jobs: 32 },
] as const;
const REPEATS = 3;

/**
 * The machine's own ceiling, with no queue: the workload run as one child process, then as two
 * child processes with half the seeds each, at the same time. Their ratio is the speed-up two
 * processes can get on this machine right now (2.0 on 2 idle cores; less when other work runs).
 */
async function processCeiling(envId: string, episodes: number): Promise<{ one: number; two: number }> {
  const collectUrl = new URL("../src/data/collect.js", import.meta.url).href;
  const registryUrl = new URL("../src/core/registry.js", import.meta.url).href;
  const envsUrl = new URL("../src/envs/index.js", import.meta.url).href;
  const expertsUrl = new URL("../src/experts/index.js", import.meta.url).href;
  const script = (n: number, seed: number) => `
    const { collect } = await import(${JSON.stringify(collectUrl)});
    const { make } = await import(${JSON.stringify(registryUrl)});
    await import(${JSON.stringify(envsUrl)});
    const { scriptedExpert } = await import(${JSON.stringify(expertsUrl)});
    const run = (episodes, seed) => collect(make(${JSON.stringify(envId)}), scriptedExpert(${JSON.stringify(envId)}), { episodes, seed, deterministic: true });
    await run(8, 0);
    process.stdout.write("ready\\n");
    await new Promise((r) => process.stdin.once("data", r));
    await run(${n}, ${seed});
    process.stdout.write("done\\n");`;
  const race = async (parts: { n: number; seed: number }[]): Promise<number> => {
    const children = parts.map(({ n, seed }) =>
      spawn(process.execPath, ["--input-type=module", "-e", script(n, seed)], {
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const said = (child: (typeof children)[number], word: string) =>
      new Promise<void>((resolve) => {
        let out = "";
        child.stdout!.on("data", (d: Buffer) => {
          out += String(d);
          if (out.includes(word)) resolve();
        });
      });
    await Promise.all(children.map((c) => said(c, "ready")));
    const done = children.map((c) => said(c, "done"));
    const seconds = await timed(async () => {
      for (const c of children) c.stdin!.write("go\n");
      await Promise.all(done);
    });
    for (const c of children) c.stdin!.end();
    return seconds;
  };
  const one = [];
  const two = [];
  for (let r = 0; r < REPEATS; r++) {
    one.push(await race([{ n: episodes, seed: 0 }]));
    two.push(
      await race([
        { n: Math.ceil(episodes / 2), seed: 0 },
        { n: Math.floor(episodes / 2), seed: Math.ceil(episodes / 2) },
      ]),
    );
  }
  return { one: median(one), two: median(two) };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(body: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Waits (up to `maxSeconds`) for the 1-minute load average to fall below `below`: speed-up needs idle cores. */
async function waitForIdle(below: number, maxSeconds: number): Promise<void> {
  const start = Date.now();
  if (loadavg()[0]! < below) return;
  console.log(
    `waiting up to ${maxSeconds} s for the load average (${loadavg()[0]!.toFixed(2)}) to fall below ${below}…`,
  );
  while (loadavg()[0]! >= below && Date.now() - start < maxSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function benchScale(): Promise<void> {
  console.log("mimic bench: scale (collection on BullMQ workers, private redis-server on 127.0.0.1)");
  await waitForIdle(1.5, 180);
  console.log(machineReport());
  if (findRedisServer() === null) {
    console.log("redis-server is not installed (Debian: apt-get install redis-server); skipping.");
    return;
  }
  const redis = await startLocalRedis();
  try {
    const rows: string[][] = [];
    for (const w of WORKLOADS) {
      const local = [];
      await collect(make(w.envId), scriptedExpert(w.envId), { episodes: 8, seed: 0, deterministic: true });
      for (let r = 0; r < REPEATS; r++) {
        local.push(
          await timed(() =>
            collect(make(w.envId), scriptedExpert(w.envId), {
              episodes: w.episodes,
              seed: 0,
              deterministic: true,
            }),
          ),
        );
      }
      const localSeconds = median(local);
      rows.push([w.envId, "local (this process)", String(w.episodes), localSeconds.toFixed(2), "", ""]);
      const ceiling = await processCeiling(w.envId, w.episodes);
      rows.push([w.envId, "ceiling: 1 plain process", String(w.episodes), ceiling.one.toFixed(2), "", ""]);
      rows.push([
        w.envId,
        "ceiling: 2 plain processes",
        String(w.episodes),
        ceiling.two.toFixed(2),
        `(${(ceiling.one / ceiling.two).toFixed(2)})`,
        "",
      ]);
      let oneWorker = Number.NaN;
      for (const n of [1, 2]) {
        const queue = `bench-${w.envId}-${n}`;
        const workers = await startLocalWorkers(n, { redis: redis.url, queue, args: ["--quiet"] });
        try {
          const run = () =>
            collectOnWorkers(
              { envId: w.envId, episodes: w.episodes, seed: 0 },
              { redis: redis.url, queue, jobs: w.jobs },
            );
          await collectOnWorkers(
            { envId: w.envId, episodes: 4 * n, seed: 0 },
            { redis: redis.url, queue, jobs: 2 * n },
          );
          const samples = [];
          let perWorker = "";
          for (let r = 0; r < REPEATS; r++) {
            let report: Awaited<ReturnType<typeof run>>["report"] | undefined;
            samples.push(
              await timed(async () => {
                report = (await run()).report;
              }),
            );
            perWorker = report!.workers.map((x) => x.jobs).join("/");
          }
          const seconds = median(samples);
          if (n === 1) oneWorker = seconds;
          rows.push([
            w.envId,
            `${n} worker${n === 1 ? "" : "s"} (jobs each: ${perWorker})`,
            String(w.episodes),
            seconds.toFixed(2),
            (oneWorker / seconds).toFixed(2),
            (localSeconds / seconds).toFixed(2),
          ]);
        } finally {
          await workers.stop();
        }
      }
    }
    printTable(["workload", "run", "episodes", "wall time (s)", "vs 1 worker", "vs local"], rows);
    console.log(
      "\nwall time: enqueue to the last result decoded, median of 3 runs. Goal for 2 workers: ≥ 1.6× one worker." +
        " On a 2-core machine the coordinator and Redis share the cores with the workers." +
        "\nceiling: the same collection with no queue, in 1 child process and in 2 at once (half the seeds each);" +
        " the bracketed ratio is the most 2 processes could gain on this machine during the run.",
    );
  } finally {
    await redis.stop();
  }
}
