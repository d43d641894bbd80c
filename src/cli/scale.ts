/**
 * @module
 * The scale-out flags that `collect`, `eval` and `tune` share (`--redis`, `--workers`, `--jobs`,
 * `--queue`), and the setup behind them: with `--workers N`, N `mimic worker` processes on this
 * machine (and, without `--redis`, a private redis-server on loopback for them); with `--redis`
 * alone, the workers are whoever is listening on that queue, on any machine.
 */
import { writeFile } from "node:fs/promises";
import { isRunId } from "../scale/queue.js";
import type { Options } from "./args.js";
import { type FlagValues, numberFlag, UsageError } from "./args.js";
import type { Progress } from "./progress.js";

export const scaleFlags: Options = {
  redis: { type: "string" },
  workers: { type: "string" },
  jobs: { type: "string" },
  queue: { type: "string" },
};

export const scaleHelp = `Scale-out (see docs/deploy.md):
  --redis <url>       run the work as jobs on the BullMQ queue at this Redis (redis://host:port);
                      start workers anywhere with 'mimic worker --redis <url>'
  --workers <N>       start N worker processes on this machine for it (without --redis, on a
                      private redis-server on 127.0.0.1, which is stopped afterwards)
  --jobs <N>          split the episodes into N jobs (default: one per 8 episodes, 4 to 256)
  --queue <name>      the queue's name (default jobs; workers must use the same)`;

/** `--scale-resume`, which `collect` and `eval` take beside `scaleFlags`. */
export const scaleResumeFlag: Options = { "scale-resume": { type: "string" } };

export const scaleResumeHelp = `  --scale-resume <run>  continue a run of this command that stopped early (killed, or its machine
                      lost): the jobs it finished are kept, the rest are run. Needs --redis and
                      the flags the run started with; the run's id is printed when it starts`;

/** The run's id and whether it resumes one, for `runUnits`. */
export interface ScaleRun {
  run: string;
  resume: boolean;
}

/**
 * Checks `--scale-resume` (it needs `--redis`, and a run id as printed) and returns it. Commands
 * call it before choosing the local path, so the flag is never ignored.
 */
export function checkScaleResumeFlag(command: string, values: FlagValues): string | undefined {
  const given = values["scale-resume"];
  if (typeof given !== "string") return undefined;
  if (values.redis === undefined)
    throw new UsageError(
      command,
      "--scale-resume goes with --redis URL, the Redis that holds the run's jobs (the private redis-server of --workers alone stops with the command, and its jobs with it).",
    );
  if (!isRunId(given))
    throw new UsageError(
      command,
      `--scale-resume takes the run id printed when the run started (letters, digits, '.', '_' or '-'), got ${JSON.stringify(given)}.`,
    );
  return given;
}

/**
 * Reads `--scale-resume`, or makes a fresh run id, and says on stderr how to resume the run if it
 * stops early (with `--redis`: a private redis-server goes with the command, and its jobs too).
 */
export async function scaleRunFlag(
  command: string,
  values: FlagValues,
  err: (text: string) => void,
): Promise<ScaleRun> {
  const { newRunId } = await import("../scale/coordinator.js");
  const given = checkScaleResumeFlag(command, values);
  if (given !== undefined) return { run: given, resume: true };
  const run = newRunId();
  if (values.redis !== undefined)
    err(`scale: run ${run}; if this command stops early, run it again with --scale-resume ${run}`);
  return { run, resume: false };
}

/** What the coordinator reports when it resumes a run: how much was already done. */
export function scaleResumeProgress(run: string, unitName: string, err: (text: string) => void) {
  return {
    onResume: ({ done, total }: { done: number; total: number }) =>
      err(`scale: resuming run ${run}: ${done} of ${total} ${unitName} were done before it stopped`),
  };
}

export interface ScaleSetup {
  redis: string;
  queue: string | undefined;
  jobs: number | undefined;
  /** Stops what this process started (local workers, the private Redis). */
  stop(): Promise<void>;
}

/** Checks `--redis`'s URL, turning a malformed one into a UsageError (exit 2). */
export function redisUrlFlag(command: string, url: string, parse: (url: string) => unknown): void {
  try {
    parse(url);
  } catch (error) {
    throw new UsageError(command, (error as Error).message);
  }
}

/** Whether any scale-out flag was given. */
export function wantsScale(values: FlagValues): boolean {
  return values.redis !== undefined || values.workers !== undefined;
}

/**
 * Reads the scale-out flags and starts what they ask for. Returns null when none was given (the
 * command runs locally, as before).
 */
export async function setUpScale(
  command: string,
  values: FlagValues,
  err: (text: string) => void,
): Promise<ScaleSetup | null> {
  const workers = numberFlag(command, values, "workers", "positive-integer");
  const jobs = numberFlag(command, values, "jobs", "positive-integer");
  const queue = typeof values.queue === "string" ? values.queue : undefined;
  if (queue !== undefined && !/^[\w.-]+$/.test(queue))
    throw new UsageError(
      command,
      `--queue must be letters, digits, '.', '_' or '-', got ${JSON.stringify(queue)}.`,
    );
  if (!wantsScale(values)) {
    if (jobs !== undefined || queue !== undefined)
      throw new UsageError(command, "--jobs and --queue go with --redis URL or --workers N.");
    return null;
  }
  const { checkRedis, parseRedisUrl } = await import("../scale/redis.js");
  const { startLocalRedis, startLocalWorkers } = await import("../scale/local.js");
  let redis = typeof values.redis === "string" ? values.redis : undefined;
  if (redis !== undefined) redisUrlFlag(command, redis, parseRedisUrl);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    if (redis === undefined) {
      const local = await startLocalRedis();
      stops.push(local.stop);
      redis = local.url;
      err(`scale: private redis-server on ${redis}`);
    } else {
      await checkRedis(redis);
    }
    if (workers !== undefined) {
      const local = await startLocalWorkers(workers, { redis, queue, args: ["--quiet"] });
      stops.push(local.stop);
      err(`scale: ${workers} local worker${workers === 1 ? "" : "s"} on ${redis}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { redis, queue, jobs, stop };
}

/** Progress callbacks for the coordinator: the bar, and a line when a job is re-queued. */
export function scaleProgress(bar: Progress, err: (text: string) => void) {
  const perWorker = new Map<string, number>();
  return {
    onProgress: ({ done, job }: { done: number; job: { worker: string } }) => {
      perWorker.set(job.worker, (perWorker.get(job.worker) ?? 0) + 1);
      bar.update(done, `${perWorker.size} worker${perWorker.size === 1 ? "" : "s"}`);
    },
    onStalled: (jobId: string) => err(`\nscale: job ${jobId} lost its worker; it is back on the queue`),
    onNoWorkers: (queue: string) =>
      err(`scale: no worker is on queue ${queue} yet; start one with 'mimic worker --redis <url>'`),
  };
}

/** Prints who did what, and writes the report as JSON to `path` when given. */
export async function reportScale(
  report: {
    workers: { worker: string; jobs: number; units: number; ms: number }[];
    redelivered: string[];
    resumed: string[];
  },
  path: string | null,
  print: (text: string) => void,
): Promise<void> {
  const lines = report.workers.map(
    (w) =>
      `  ${w.worker.padEnd(24)} ${String(w.jobs).padStart(4)} jobs  ${String(w.units).padStart(6)} units  ${(w.ms / 1000).toFixed(1)} s`,
  );
  print(
    [
      `workers (${report.workers.length}):`,
      ...lines,
      ...(report.redelivered.length > 0
        ? [`  re-run after a worker stopped: ${report.redelivered.join(", ")}`]
        : []),
      ...(report.resumed.length > 0
        ? [
            `  kept from before the resume: ${report.resumed.length} job${report.resumed.length === 1 ? "" : "s"}`,
          ]
        : []),
    ].join("\n"),
  );
  if (path !== null) await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
