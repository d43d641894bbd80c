/**
 * @module
 * The coordinator: enqueues one job per unit for a run, waits for every job, and returns each
 * job's result keyed by its id. Job ids are `<run>.<kind>.<index>`, so a job delivered twice (its
 * worker was presumed dead, ran again elsewhere) has one slot, and the second result overwrites
 * the first rather than adding to it. Nothing is written until every job has answered; the
 * callers then write their file once (a dataset through `saveDataset`, atomically).
 *
 * A run can be resumed: a coordinator that stopped early (killed, or aborted through its signal)
 * leaves its finished jobs in Redis for `RESUMABLE_FOR_S`, and `runUnits(units, { run, resume:
 * true })` with the same units re-adds the same job ids, keeps the finished ones' results, re-adds
 * the failed ones and waits for the rest. Each kept job must be the unit asked for now, made by
 * this mimic version from the same inputs (`inputs`), or the resume is refused.
 */
import { randomUUID } from "node:crypto";
import { Job, Queue, QueueEvents } from "bullmq";
import { JobFailedError, ScaleResumeError } from "../core/errors.js";
import {
  bullConnection,
  DEFAULT_QUEUE,
  isRunId,
  type JobData,
  type JobReturn,
  KEY_PREFIX,
  MIMIC_VERSION,
} from "./queue.js";
import { checkRedis, parseRedisUrl } from "./redis.js";
import { type Unit, type UnitResults, unitSize } from "./units.js";

export interface RunUnitsOptions {
  /** `redis://host:port` of the queue's Redis. */
  redis: string;
  /** The queue the workers take jobs from (default `jobs`). */
  queue?: string;
  /** The run's id, the prefix of its job ids (default: a fresh one). */
  run?: string;
  /** After each job, with the work done so far (episodes, or grid points) out of the total. */
  onProgress?: (progress: { done: number; total: number; job: UnitOutcome<Unit["kind"]> }) => void;
  /** A job's worker stopped renewing its lock, so the job was put back on the queue. */
  onStalled?: (jobId: string) => void;
  /** No worker is connected to the queue when the jobs are enqueued. */
  onNoWorkers?: (queue: string) => void;
  /**
   * Stops waiting; the run's jobs that have not finished are removed, and the finished ones are
   * kept for a resume.
   */
  signal?: AbortSignal;
  /**
   * Continue the run `run` (which must be given) that stopped early: its jobs still in Redis are
   * checked against `units` and kept, the finished ones' results used as they are.
   */
  resume?: boolean;
  /**
   * A digest of what the units read besides their own fields (a policy's files, say), stored with
   * each job; a resume refuses jobs made from other inputs.
   */
  inputs?: string;
  /** Before waiting, when resuming: how many of the run's jobs had finished already. */
  onResume?: (resumed: { done: number; total: number }) => void;
}

/** How long a stopped run's finished jobs stay in Redis for a resume (7 days). */
export const RESUMABLE_FOR_S = 7 * 24 * 3600;

/** Who ran a job, how long it took, and how many times it was started (more than 1: re-delivered). */
export interface Assignment {
  jobId: string;
  unit: Unit;
  worker: string;
  ms: number;
  starts: number;
  /** Whether the job had finished in an earlier, interrupted coordinator of this run (a resume). */
  resumed: boolean;
}

export interface UnitOutcome<K extends Unit["kind"]> extends Assignment {
  result: UnitResults[K];
}

/** A run id: time-ordered and unique without coordination (`<base36 ms>-<8 hex>`). */
export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

/** JSON with object keys sorted, so two equal units compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/**
 * Checks a stopped run's jobs still in Redis against the units asked for now, removes its failed
 * ones (so they are added again), and returns the ids of those that finished.
 */
async function resumableJobs(
  queue: Queue<JobData, JobReturn>,
  run: string,
  ids: readonly string[],
  units: readonly Unit[],
  inputs: string | undefined,
): Promise<Set<string>> {
  const finished = new Set<string>();
  let found = 0;
  for (const [i, id] of ids.entries()) {
    const job = await Job.fromId<JobData, JobReturn>(queue, id);
    if (job === undefined) continue;
    found += 1;
    const was = job.data;
    if (was.mimic !== MIMIC_VERSION)
      throw new ScaleResumeError(
        run,
        `run ${run}'s job ${id} was made by mimic ${was.mimic}, this is ${MIMIC_VERSION}: resume it with that version, or drop --scale-resume to start a new run.`,
      );
    if (canonical(was.unit) !== canonical(units[i]))
      throw new ScaleResumeError(
        run,
        `run ${run}'s job ${id} was "${describeUnit(was.unit)}", and this command asks for "${describeUnit(units[i]!)}" there: resume with the flags the run started with (the same seeds, episodes and --jobs), or drop --scale-resume to start a new run.`,
      );
    if ((was.inputs ?? null) !== (inputs ?? null))
      throw new ScaleResumeError(
        run,
        `run ${run}'s job ${id} was made from other inputs (the policy's files changed since): drop --scale-resume to start a new run.`,
      );
    const state = await job.getState();
    if (state === "completed") finished.add(id);
    else if (state === "failed") await job.remove();
  }
  if (found === 0)
    throw new ScaleResumeError(
      run,
      `no job of run ${run} is on this queue: the run finished or failed (its jobs are removed once read), stopped more than ${RESUMABLE_FOR_S / 86400} days ago, or ran on another Redis or --queue. Drop --scale-resume to start a new run.`,
    );
  return finished;
}

/**
 * Runs `units` on the queue's workers and returns their outcomes in the order of `units`. Throws
 * `JobFailedError` when a worker's unit threw (the other jobs are removed from the queue),
 * `RedisUnreachableError` when Redis cannot be reached, and `ScaleResumeError` when a resume
 * (`resume`) finds no job of the run or jobs that are not these units.
 */
export async function runUnits<K extends Unit["kind"]>(
  units: readonly Extract<Unit, { kind: K }>[],
  options: RunUnitsOptions,
): Promise<UnitOutcome<K>[]> {
  await checkRedis(options.redis);
  const name = options.queue ?? DEFAULT_QUEUE;
  if (options.resume && options.run === undefined)
    throw new ScaleResumeError("", "a resume needs the id of the run to continue (options.run).");
  const run = options.run ?? newRunId();
  if (!isRunId(run))
    throw new ScaleResumeError(
      run,
      `a run id is letters, digits, '.', '_' or '-' (at most 128), got ${JSON.stringify(run)}.`,
    );
  const connection = bullConnection(parseRedisUrl(options.redis));
  const queue = new Queue<JobData, JobReturn>(name, { connection, prefix: KEY_PREFIX });
  // Every job's wait, fetch and removal below runs at once, each listening for the queue closing.
  queue.setMaxListeners(0);
  const events = new QueueEvents(name, { connection, prefix: KEY_PREFIX });
  const ids = units.map((unit, i) => `${run}.${unit.kind}.${i}`);
  const mine = new Set(ids);
  const onStalled = ({ jobId }: { jobId: string }) => {
    if (mine.has(jobId)) options.onStalled?.(jobId);
  };
  events.on("stalled", onStalled);
  const outcomes = new Map<string, UnitOutcome<K>>();
  // "refused": nothing was enqueued (a resume found no job, or others), so nothing is removed.
  let settled: "refused" | "ok" | "job failed" | "stopped" = "refused";
  try {
    await events.waitUntilReady();
    const resumed = options.resume ? await resumableJobs(queue, run, ids, units, options.inputs) : new Set();
    if (options.resume)
      options.onResume?.({
        done: units.reduce((n, u, i) => n + (resumed.has(ids[i]!) ? unitSize(u) : 0), 0),
        total: units.reduce((n, u) => n + unitSize(u), 0),
      });
    if ((await queue.getWorkersCount()) === 0 && resumed.size < ids.length) options.onNoWorkers?.(name);
    // A job id already in Redis (a resumed run's) is not added again: BullMQ keeps the first.
    const jobs = await queue.addBulk(
      units.map((unit, i) => ({
        name: unit.kind,
        data: {
          run,
          mimic: MIMIC_VERSION,
          unit,
          ...(options.inputs === undefined ? {} : { inputs: options.inputs }),
        },
        // attempts 1: a unit that throws would throw again; a dead worker is BullMQ's stall path.
        // A finished job stays for a resume until the run reads it, or for RESUMABLE_FOR_S.
        opts: {
          jobId: ids[i]!,
          attempts: 1,
          removeOnComplete: { age: RESUMABLE_FOR_S },
          removeOnFail: false,
        },
      })),
    );
    settled = "stopped";
    const total = units.reduce((n, u) => n + unitSize(u), 0);
    let done = 0;
    const aborted = new Promise<never>((_, reject) => {
      if (options.signal?.aborted) reject(options.signal.reason);
      options.signal?.addEventListener("abort", () => reject(options.signal!.reason), { once: true });
    });
    aborted.catch(() => {});
    await Promise.race([
      aborted,
      Promise.all(
        jobs.map(async (job, i) => {
          let value: JobReturn;
          try {
            value = (await job.waitUntilFinished(events)) as JobReturn;
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            settled = "job failed";
            throw new JobFailedError(
              job.id!,
              `job ${job.id} (${describeUnit(units[i]!)}) failed: ${reason}`,
              {
                cause: error,
              },
            );
          }
          const finished = await Job.fromId<JobData, JobReturn>(queue, job.id!);
          const outcome: UnitOutcome<K> = {
            jobId: job.id!,
            unit: units[i]!,
            worker: value.worker,
            ms: value.ms,
            starts: Math.max(1, finished?.attemptsStarted ?? 1),
            resumed: resumed.has(job.id!),
            result: value.result as UnitResults[K],
          };
          outcomes.set(job.id!, outcome); // keyed by job id: a second delivery overwrites
          done += unitSize(units[i]!);
          options.onProgress?.({ done, total, job: outcome as UnitOutcome<Unit["kind"]> });
        }),
      ),
    ]);
    settled = "ok";
    return ids.map((id) => outcomes.get(id)!);
  } finally {
    events.off("stalled", onStalled);
    // Read or failed: the run's jobs go (a job still locked by a worker stays until it ends).
    // Stopped early: the finished jobs stay for a resume, the others go.
    const gone =
      settled === "refused" ? [] : settled === "stopped" ? ids.filter((id) => !outcomes.has(id)) : ids;
    await Promise.all(gone.map((id) => queue.remove(id).catch(() => 0)));
    await events.close();
    await queue.close();
  }
}

/** A unit in words, for messages: `collect CartPole-v1 seeds 0–9`. */
export function describeUnit(unit: Unit): string {
  switch (unit.kind) {
    case "collect":
      return `collect ${unit.envId} seeds ${unit.seed}–${unit.seed + unit.episodes - 1}`;
    case "evaluate":
      return `evaluate ${unit.policy} seeds ${unit.seed}–${unit.seed + unit.episodes - 1}`;
    case "tune-cell":
      return `tune grid point ${unit.index}`;
    case "dagger-episodes": {
      const first = unit.requests[0]!;
      return `DAgger ${unit.envId} round ${first.round} episodes ${first.episode}–${first.episode + unit.requests.length - 1}`;
    }
  }
}

/** Splits `episodes` seeds from `seed` into `chunks` consecutive ranges as equal as can be. */
export function seedRanges(
  seed: number,
  episodes: number,
  chunks: number,
): { seed: number; episodes: number }[] {
  const n = Math.max(1, Math.min(episodes, chunks));
  const ranges: { seed: number; episodes: number }[] = [];
  let next = seed;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(episodes / n) + (i < episodes % n ? 1 : 0);
    ranges.push({ seed: next, episodes: size });
    next += size;
  }
  return ranges;
}
