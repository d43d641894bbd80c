/**
 * Scale-out on BullMQ and Redis (src/scale/): Redis URLs and errors, the episode wire format, and
 * distributed collection, evaluation and grid search against the local path on a private
 * redis-server; a worker killed with SIGKILL while it holds a job, with the dataset checked
 * episode by episode afterwards.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Queue } from "bullmq";
import {
  type DaggerConfig,
  type DaggerEpisodeRequest,
  type DaggerResult,
  rollOutDaggerEpisode,
  trainDagger,
} from "../src/algorithms/dagger.js";
import type { Env } from "../src/core/env.js";
import { JobFailedError, RedisUnreachableError, ScaleResumeError } from "../src/core/errors.js";
import { make } from "../src/core/registry.js";
import { collect } from "../src/data/collect.js";
import type { Episode } from "../src/data/episode.js";
import { contentHash } from "../src/data/hash.js";
import { loadDataset } from "../src/data/store.js";
import { type Expert, policyExpert } from "../src/experts/expert.js";
import { scriptedExpert } from "../src/experts/index.js";
import { compiledPolicyFromJSON } from "../src/nn/compile.js";
import { evaluateRun, tuneBc } from "../src/runs/pipelines.js";
import { seedRanges } from "../src/scale/coordinator.js";
import {
  collectOnWorkers,
  daggerRolloutsOnWorkers,
  envSpecOf,
  evaluateOnWorkers,
  gridOnWorkers,
  type ScaleReport,
  scaleReportTable,
} from "../src/scale/distributed.js";
import { mimicBin } from "../src/scale/local.js";
import { bullConnection, KEY_PREFIX } from "../src/scale/queue.js";
import { checkRedis, maskRedisUrl, parseRedisUrl } from "../src/scale/redis.js";
import { decodeEpisode, encodeEpisode } from "../src/scale/wire.js";
import { type RunningWorker, startWorker } from "../src/scale/worker.js";
import { killCliWhen, runCli } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { freshQueue, redisSkip, testRedis } from "./helpers/redis.js";

function assertSameEpisodes(actual: readonly Episode[], expected: readonly Episode[]): void {
  assert.equal(actual.length, expected.length, "episode count");
  for (const [k, e] of expected.entries()) {
    const a = actual[k]!;
    assert.equal(a.id, e.id);
    assert.equal(a.seed, e.seed, `episode ${k}'s seed`);
    assert.equal(a.terminated, e.terminated);
    assert.equal(a.truncated, e.truncated);
    assert.equal(a.observations.constructor, e.observations.constructor);
    assert.equal(a.actions.constructor, e.actions.constructor);
    assert.deepEqual(
      Buffer.from(a.observations.buffer),
      Buffer.from(e.observations.buffer),
      `episode ${k} observations`,
    );
    assert.deepEqual(Buffer.from(a.actions.buffer), Buffer.from(e.actions.buffer), `episode ${k} actions`);
    assert.deepEqual(Buffer.from(a.rewards.buffer), Buffer.from(e.rewards.buffer), `episode ${k} rewards`);
  }
}

async function localEpisodes(envId: string, episodes: number, seed: number): Promise<Episode[]> {
  return collect(make(envId), scriptedExpert(envId), { episodes, seed, deterministic: true });
}

const cartPoleExpert = () => policyExpert(scriptedExpert("CartPole-v1"), "scripted") as unknown as Expert;
const daggerConfig: DaggerConfig = {
  rounds: 2,
  stepsPerRound: 700,
  betaStream: "episode",
  evalEpisodes: 2,
  bc: { epochs: 2, hidden: [8] },
};

/** What two DAgger runs must share to be the same run: every round's data and evaluation. */
function assertSameDagger(a: DaggerResult, b: DaggerResult): void {
  assert.deepEqual(
    a.rounds.map((r) => [r.envSteps, r.datasetSteps, r.evaluation.returns]),
    b.rounds.map((r) => [r.envSteps, r.datasetSteps, r.evaluation.returns]),
  );
  assertSameEpisodes(a.dataset.episodes, b.dataset.episodes);
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffered = "";
  child.stdout!.on("data", (data: Buffer) => {
    buffered += String(data);
    for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
      onLine(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
  });
}

describe("scale: Redis URLs and errors", () => {
  test("a Redis URL becomes ioredis options; a bad one says how to write it", () => {
    assert.deepEqual(parseRedisUrl("redis://127.0.0.1:6380/2"), { host: "127.0.0.1", port: 6380, db: 2 });
    assert.deepEqual(parseRedisUrl("rediss://u:p%40ss@redis.example:7000"), {
      host: "redis.example",
      port: 7000,
      db: 0,
      username: "u",
      password: "p@ss",
      tls: {},
    });
    assert.equal(parseRedisUrl("redis://localhost").port, 6379);
    assert.throws(() => parseRedisUrl("localhost:6379"), /not a Redis URL.*redis:\/\/host:port/);
    assert.throws(() => parseRedisUrl("http://localhost:6379"), /scheme is http/);
    assert.throws(() => parseRedisUrl("redis://localhost/x"), /database "x"/);
    assert.equal(maskRedisUrl("redis://u:secret@h:1"), "redis://u:***@h:1");
  });

  test("an unreachable Redis is one error that says to start redis-server or check the URL", async () => {
    await assert.rejects(checkRedis("redis://127.0.0.1:1", { timeoutMs: 1000 }), (error: unknown) => {
      assert.ok(error instanceof RedisUnreachableError);
      assert.match(error.message, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
      assert.match(error.message, /redis-server/);
      assert.match(error.message, /check the URL/);
      return true;
    });
  });

  test("mimic worker: --help, a malformed URL (exit 2) and an unreachable one (exit 1)", async () => {
    const help = await runCli("worker", "--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /--redis <url>/);
    assert.match(help.out, /docs\/deploy\.md/);
    const malformed = await runCli("worker", "--redis", "localhost:6379");
    assert.equal(malformed.code, 2);
    assert.match(malformed.err, /not a Redis URL/);
    const missing = await runCli("worker");
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--redis is required/);
    const unreachable = await runCli("worker", "--redis", "redis://127.0.0.1:1");
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.err, /cannot reach Redis.*redis-server/s);
    const collectBad = await runCli(
      "collect",
      ...[
        "--env",
        "CartPole-v1",
        "--expert",
        "scripted",
        "--steps",
        "10",
        "--out",
        "x",
        "--redis",
        "redis://h:1",
      ],
    );
    assert.equal(collectBad.code, 2);
    assert.match(collectBad.err, /--episodes N \(not --steps\)/);
  });
});

describe("scale: the wire format and seed ranges", () => {
  test("an episode crosses as JSON bit for bit, element types kept", async () => {
    for (const envId of ["CartPole-v1", "Pendulum-v1", "GridWorld-v0"]) {
      const [episode] = await localEpisodes(envId, 1, 3);
      const back = decodeEpisode(JSON.parse(JSON.stringify(encodeEpisode(episode!))), 0);
      assertSameEpisodes([back], [episode!]);
    }
  });

  test("seed ranges cover the seeds once, in order, as evenly as can be", () => {
    assert.deepEqual(seedRanges(10, 7, 3), [
      { seed: 10, episodes: 3 },
      { seed: 13, episodes: 2 },
      { seed: 15, episodes: 2 },
    ]);
    assert.deepEqual(seedRanges(0, 2, 5), [
      { seed: 0, episodes: 1 },
      { seed: 1, episodes: 1 },
    ]);
  });
});

describe("scale: DAgger's per-episode rollouts", () => {
  test("episodes rolled out elsewhere in full and cut at the budget make the round a local run makes", async () => {
    const local = await trainDagger("CartPole-v1", cartPoleExpert(), daggerConfig);
    const asked: number[] = [];
    const elsewhere = await trainDagger("CartPole-v1", cartPoleExpert(), daggerConfig, {
      rollouts: {
        batch: 3,
        run: async (requests: readonly DaggerEpisodeRequest[], learner) => {
          asked.push(requests.length);
          const env = make("CartPole-v1") as Env<unknown, unknown>;
          const compiled = learner === null ? null : compiledPolicyFromJSON(learner);
          const out = [];
          for (const r of requests)
            out.push((await rollOutDaggerEpisode(env, cartPoleExpert(), compiled, r)).trajectory);
          return out;
        },
      },
    });
    assertSameDagger(elsewhere, local);
    assert.ok(asked.length >= 2, "a batch per round at least");
  });
});

describe("scale: on a private redis-server", { skip: redisSkip }, () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let dir: string;
  const workers: RunningWorker[] = [];
  const children: ChildProcess[] = [];
  before(async () => {
    redis = await testRedis();
    dir = mkdtempSync(join(tmpdir(), "mimic-scale-"));
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.close()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function inProcessWorkers(queue: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) workers.push(await startWorker({ redis: redis.url, queue, name: `w${i}` }));
  }

  test("distributed collection returns the local run's episodes, each seed once, and who collected them", async () => {
    const queue = freshQueue();
    await inProcessWorkers(queue, 2);
    const { episodes, report } = await collectOnWorkers(
      { envId: "CartPole-v1", episodes: 12, seed: 7 },
      { redis: redis.url, queue, jobs: 5 },
    );
    assertSameEpisodes(episodes, await localEpisodes("CartPole-v1", 12, 7));
    assert.equal(report.jobs.length, 5);
    assert.equal(
      report.workers.reduce((n, w) => n + w.units, 0),
      12,
    );
    assert.ok(report.jobs.every((j) => j.worker === "w0" || j.worker === "w1"));
    assert.deepEqual(report.redelivered, []);
  });

  test("distributed evaluation and grid search give the local results", async () => {
    const queue = freshQueue();
    await inProcessWorkers(queue, 1);
    const data = join(dir, "cp-demos");
    assert.equal(
      (
        await runCli(
          "collect",
          "--env",
          "CartPole-v1",
          "--expert",
          "scripted",
          "--episodes",
          "4",
          "--out",
          data,
        )
      ).code,
      0,
    );
    const run = join(dir, "cp-bc");
    const trained = await runCli(
      ...[
        "train",
        "bc",
        "--dataset",
        data,
        "--out",
        run,
        "--epochs",
        "2",
        "--hidden",
        "8",
        "--eval-episodes",
        "1",
      ],
    );
    assert.equal(trained.code, 0, trained.err);
    const local = await evaluateRun({ policy: run, episodes: 6, seed: 1000 });
    const { result } = await evaluateOnWorkers(
      { policy: run, envSpec: envSpecOf("CartPole-v1"), episodes: 6, seed: 1000 },
      { redis: redis.url, queue, jobs: 3 },
    );
    assert.deepEqual(result, local);

    const grid = { learningRate: [1e-3, 3e-3] };
    const base = { epochs: 2, hidden: [8] };
    const tuneLocal = await tuneBc({
      dataset: data,
      out: join(dir, "tune-local"),
      grid,
      folds: 2,
      base,
      evalEpisodes: 1,
    });
    let workersSeen: string[] = [];
    let scaleReport: ScaleReport | undefined;
    const tuneScaled = await tuneBc({
      dataset: data,
      out: join(dir, "tune-scaled"),
      grid,
      folds: 2,
      base,
      evalEpisodes: 1,
      scoreGrid: gridOnWorkers(data, { redis: redis.url, queue }, (r) => {
        workersSeen = r.workers.map((w) => w.worker);
        scaleReport = r;
      }),
      manifestResult: () => ({ scale: { workers: workersSeen } }),
      reportTables: () => [scaleReportTable(scaleReport!)],
    });
    assert.deepEqual(
      tuneScaled.cells.map((c) => c.foldLosses),
      tuneLocal.cells.map((c) => c.foldLosses),
    );
    assert.deepEqual(workersSeen, ["w0"]);
    const manifest = JSON.parse(readFileSync(join(dir, "tune-scaled", "manifest.json"), "utf8"));
    assert.deepEqual(manifest.result.scale, { workers: ["w0"] });
    const html = readFileSync(join(dir, "tune-scaled", "report.html"), "utf8");
    assert.match(html, /Workers/);
    assert.match(html, /No job had to be re-run/);
  });

  test("a unit that throws on a worker fails the run once, with the worker's message", async () => {
    const queue = freshQueue();
    await inProcessWorkers(queue, 1);
    await assert.rejects(
      evaluateOnWorkers(
        { policy: join(dir, "no-such-policy"), envSpec: envSpecOf("CartPole-v1"), episodes: 4, seed: 0 },
        { redis: redis.url, queue, jobs: 2 },
      ),
      (error: unknown) => {
        assert.ok(error instanceof JobFailedError, String(error));
        assert.match(error.message, /evaluate .*no-such-policy seeds 0–1|seeds 2–3/);
        assert.match(error.message, /no-such-policy/);
        return true;
      },
    );
  });

  test("DAgger with its rollouts on workers is the local run with per-episode streams", async () => {
    const queue = freshQueue();
    await inProcessWorkers(queue, 2);
    const local = await trainDagger("CartPole-v1", cartPoleExpert(), daggerConfig);
    let workersSeen = 0;
    const scaled = await trainDagger("CartPole-v1", cartPoleExpert(), daggerConfig, {
      rollouts: daggerRolloutsOnWorkers(
        { envId: "CartPole-v1" },
        { redis: redis.url, queue, jobs: 2 },
        (r) => {
          workersSeen = r.workers.length;
        },
      ),
    });
    assertSameDagger(scaled, local);
    assert.ok(workersSeen >= 1);
    local.policy.dispose();
    scaled.policy.dispose();
  });

  test("a worker killed with SIGKILL mid-job: its job runs elsewhere, no episode lost or duplicated", async () => {
    const queue = freshQueue("kill");
    const holder = spawn(
      process.execPath,
      [join(repoRoot, "build", "test", "helpers", "scale-holder.js"), redis.url, queue],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(holder);
    let held: string | null = null;
    const holding = new Promise<string>((resolve) =>
      lines(holder, (line) => {
        if (line.startsWith("holding ")) resolve(line.slice("holding ".length));
      }),
    );
    const ready = new Promise<void>((resolve) =>
      lines(holder, (line) => line.includes("waiting for jobs") && resolve()),
    );
    await ready;
    let stalled: string[] = [];
    const running = collectOnWorkers(
      { envId: "CartPole-v1", episodes: 10, seed: 100 },
      { redis: redis.url, queue, jobs: 4, onStalled: (id) => stalled.push(id) },
    );
    held = await holding;
    const killed = new Promise<NodeJS.Signals | null>((resolve) =>
      holder.on("exit", (_c, signal) => resolve(signal)),
    );
    holder.kill("SIGKILL");
    assert.equal(await killed, "SIGKILL");
    // A real `mimic worker` finishes the run: the other jobs, and the killed one once its lock expires.
    const survivor = spawn(
      process.execPath,
      [
        mimicBin,
        "worker",
        "--redis",
        redis.url,
        "--queue",
        queue,
        "--name",
        "survivor",
        "--stalled-interval",
        "300",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(survivor);
    const { episodes, report } = await running;
    survivor.kill("SIGTERM");

    assertSameEpisodes(episodes, await localEpisodes("CartPole-v1", 10, 100));
    assert.deepEqual(
      episodes.map((e) => e.seed),
      Array.from({ length: 10 }, (_, k) => 100 + k),
      "each seed exactly once",
    );
    assert.ok(
      report.jobs.every((j) => j.worker === "survivor"),
      "the killed worker finished nothing",
    );
    assert.deepEqual(report.redelivered, [held], "the held job was started twice");
    assert.equal(report.jobs.find((j) => j.jobId === held)?.starts, 2);
    stalled = stalled.filter((id) => id === held);
    assert.deepEqual(stalled, [held], "the coordinator heard that the job lost its worker");
  });

  test("mimic train dagger --workers 1 ends with the weights of a local --beta-stream episode run", async () => {
    const args = ["train", "dagger", "--env", "CartPole-v1", "--expert", "scripted", "--rounds", "2"];
    const small = ["--steps-per-round", "600", "--epochs", "2", "--hidden", "8", "--eval-episodes", "2"];
    const local = join(dir, "dagger-local");
    const scaled = join(dir, "dagger-scaled");
    const a = await runCli(...args, ...small, "--beta-stream", "episode", "--out", local);
    assert.equal(a.code, 0, a.err);
    const b = await runCli(
      ...args,
      ...small,
      "--out",
      scaled,
      "--redis",
      redis.url,
      "--workers",
      "1",
      "--queue",
      freshQueue(),
    );
    assert.equal(b.code, 0, b.err);
    assert.match(b.err, /workers \(1\):/);
    const weights = (d: string) => readFileSync(join(d, "policy", "weights.bin"));
    assert.ok(weights(scaled).equals(weights(local)), "same final weights");
    const manifest = JSON.parse(readFileSync(join(scaled, "manifest.json"), "utf8"));
    assert.equal(manifest.result.scale.workers.length, 1);
    assert.match(readFileSync(join(scaled, "report.html"), "utf8"), /Workers/);
    const refused = await runCli(
      ...args,
      ...small,
      "--out",
      join(dir, "x"),
      "--workers",
      "1",
      "--beta-stream",
      "round",
    );
    assert.equal(refused.code, 2);
  });

  test("mimic collect --workers 2 writes the dataset a local collect writes, and who collected it", async () => {
    const local = join(dir, "local-cp");
    const scaled = join(dir, "scaled-cp");
    const args = ["--env", "CartPole-v1", "--expert", "scripted", "--episodes", "9", "--seed", "3"];
    assert.equal((await runCli("collect", ...args, "--out", local)).code, 0);
    const result = await runCli(
      "collect",
      ...args,
      "--out",
      scaled,
      "--redis",
      redis.url,
      "--workers",
      "2",
      "--queue",
      freshQueue(),
    );
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /collected 9 episodes/);
    assert.match(result.out, /workers \(\d\):/);
    const [a, b] = await Promise.all([loadDataset(local), loadDataset(scaled)]);
    assertSameEpisodes(b.dataset.episodes, a.dataset.episodes);
    assert.equal(contentHash(b.dataset), contentHash(a.dataset));
    const report = JSON.parse(readFileSync(join(scaled, "scale.json"), "utf8"));
    assert.equal(report.jobs.length, 4);
    assert.ok(report.workers.length >= 1);
  });
  test("a coordinator stopped part way resumes: the finished jobs are kept, the rest run, and the episodes are the local run's", async () => {
    const queue = freshQueue("resume");
    const run = `resume-${process.pid}`;
    const spec = { envId: "CartPole-v1", episodes: 12, seed: 40 };
    const first = await startWorker({ redis: redis.url, queue, name: "first" });
    const stop = new AbortController();
    let finished = 0;
    await assert.rejects(
      collectOnWorkers(spec, {
        redis: redis.url,
        queue,
        jobs: 6,
        run,
        signal: stop.signal,
        onProgress: () => {
          finished += 1;
          if (finished === 2) stop.abort(new Error("stopped on purpose"));
        },
      }),
      /stopped on purpose/,
    );
    await first.close();

    const other = { redis: redis.url, queue, jobs: 6, run, resume: true };
    await assert.rejects(
      collectOnWorkers({ ...spec, seed: 41 }, other),
      (error: unknown) =>
        error instanceof ScaleResumeError &&
        /asks for "collect CartPole-v1 seeds 41–42"/.test(error.message) &&
        /--scale-resume/.test(error.message),
      "a resume with other seeds is refused, naming the job and both units",
    );
    await assert.rejects(
      collectOnWorkers(spec, { ...other, inputs: "sha256:another-policy" }),
      (error: unknown) => error instanceof ScaleResumeError && /other inputs/.test(error.message),
      "a resume whose inputs (eval's policy digest) differ is refused",
    );
    await assert.rejects(
      collectOnWorkers(spec, { ...other, run: "never-started" }),
      (error: unknown) =>
        error instanceof ScaleResumeError && /no job of run never-started/.test(error.message),
    );

    workers.push(await startWorker({ redis: redis.url, queue, name: "second" }));
    let resumedAt: { done: number; total: number } | undefined;
    const { episodes, report } = await collectOnWorkers(spec, {
      ...other,
      onResume: (r) => {
        resumedAt = r;
      },
    });
    assertSameEpisodes(episodes, await localEpisodes("CartPole-v1", 12, 40));
    assert.ok(report.resumed.length >= 2, `at least the 2 jobs seen finished were kept: ${report.resumed}`);
    for (const job of report.jobs) {
      assert.equal(job.worker, job.resumed ? "first" : "second", `${job.jobId} ran once, where it says`);
      assert.equal(job.starts, 1);
    }
    assert.equal(resumedAt?.total, 12);
    assert.equal(resumedAt?.done, 2 * report.resumed.length, "each job is 2 episodes");
    // Read: the run's jobs are gone, so it cannot be resumed again.
    await assert.rejects(collectOnWorkers(spec, other), ScaleResumeError);
  });

  test("mimic collect --redis killed with SIGKILL, resumed with --scale-resume: the local dataset, no job run twice", async () => {
    const queue = freshQueue("cli-resume");
    const out = join(dir, "resumed-cp");
    const local = join(dir, "resumed-cp-local");
    const args = [
      "collect",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "8",
      "--seed",
      "5",
    ];
    const scaled = [...args, "--jobs", "4", "--redis", redis.url, "--queue", queue, "--out", out];
    const jobs = new Queue(queue, {
      connection: bullConnection(parseRedisUrl(redis.url)),
      prefix: KEY_PREFIX,
    });
    try {
      // No worker yet: the coordinator enqueues its 4 jobs and waits; it is killed once they are in Redis.
      let enqueued = false;
      const watching = (async () => {
        for (let i = 0; i < 6000 && !enqueued; i++) {
          enqueued = (await jobs.getJobCounts("waiting")).waiting === 4;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      assert.equal(await killCliWhen(scaled, () => enqueued), "SIGKILL");
      await watching;
      const waiting = await jobs.getJobs(["waiting"]);
      const run = (waiting[0]!.data as { run: string }).run;
      assert.equal(waiting.length, 4);
      // A worker does the jobs while no coordinator listens; their results stay in Redis.
      workers.push(await startWorker({ redis: redis.url, queue, name: "alone" }));
      for (let i = 0; i < 3000 && (await jobs.getJobCounts("completed")).completed < 4; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal((await jobs.getJobCounts("completed")).completed, 4);

      const refused = await runCli(...args, "--out", out, "--scale-resume", run);
      assert.equal(refused.code, 2);
      assert.match(refused.err, /--scale-resume goes with --redis/);
      const resumed = await runCli(...scaled, "--scale-resume", run);
      assert.equal(resumed.code, 0, resumed.err);
      assert.match(resumed.err, new RegExp(`resuming run ${run}: 8 of 8 episodes were done`));
      assert.match(resumed.out, /kept from before the resume: 4 jobs/);
      assert.equal((await runCli(...args, "--out", local)).code, 0);
      const [a, b] = await Promise.all([loadDataset(local), loadDataset(out)]);
      assert.equal(contentHash(b.dataset), contentHash(a.dataset));
      const report = JSON.parse(readFileSync(join(out, "scale.json"), "utf8"));
      assert.equal(report.resumed.length, 4);
      assert.ok(
        report.jobs.every((j: { worker: string; starts: number }) => j.worker === "alone" && j.starts === 1),
      );
      assert.equal((await jobs.getJobCounts("completed")).completed, 0, "the read run's jobs are removed");
    } finally {
      await jobs.close();
    }
  });
});
