/**
 * @module
 * The coordinator: enqueues one job per unit for a run, waits for every job, and returns each
 * job's result keyed by its id. Job ids are `<run>.<kind>.<index>`, so a job delivered twice (its
 * worker was presumed dead, ran again elsewhere) has one slot, and the second result overwrites
 * the first rather than adding to it. Nothing is written until every job has answered; the
 * callers then write their file once (a dataset through `saveDataset`, atomically).
 */
import { randomUUID } from "node:crypto";
import { Job, Queue, QueueEvents } from "bullmq";
import { JobFailedError } from "../core/errors.js";
import {
  bullConnection,
  DEFAULT_QUEUE,
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
  /** Stops waiting; the run's jobs that no worker has taken are removed. */
  signal?: AbortSignal;
}

/** Who ran a job, how long it took, and how many times it was started (more than 1: re-delivered). */
export interface Assignment {
  jobId: string;
  unit: Unit;
  worker: string;
  ms: number;
  starts: number;
}

export interface UnitOutcome<K extends Unit["kind"]> extends Assignment {
  result: UnitResults[K];
}

/** A run id: time-ordered and unique without coordination (`<base36 ms>-<8 hex>`). */
export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

/**
 * Runs `units` on the queue's workers and returns their outcomes in the order of `units`. Throws
 * `JobFailedError` when a worker's unit threw (the other jobs are removed from the queue) and
 * `RedisUnreachableError` when Redis cannot be reached.
 */
export async function runUnits<K extends Unit["kind"]>(
  units: readonly Extract<Unit, { kind: K }>[],
  options: RunUnitsOptions,
): Promise<UnitOutcome<K>[]> {
  await checkRedis(options.redis);
  const name = options.queue ?? DEFAULT_QUEUE;
  const run = options.run ?? newRunId();
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
  try {
    await events.waitUntilReady();
    if ((await queue.getWorkersCount()) === 0) options.onNoWorkers?.(name);
    const jobs = await queue.addBulk(
      units.map((unit, i) => ({
        name: unit.kind,
        data: { run, mimic: MIMIC_VERSION, unit },
        // attempts 1: a unit that throws would throw again; a dead worker is BullMQ's stall path.
        opts: { jobId: ids[i]!, attempts: 1, removeOnComplete: false, removeOnFail: false },
      })),
    );
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
            result: value.result as UnitResults[K],
          };
          outcomes.set(job.id!, outcome); // keyed by job id: a second delivery overwrites
          done += unitSize(units[i]!);
          options.onProgress?.({ done, total, job: outcome as UnitOutcome<Unit["kind"]> });
        }),
      ),
    ]);
    return ids.map((id) => outcomes.get(id)!);
  } finally {
    events.off("stalled", onStalled);
    // The results are read; the run's jobs go (a job still locked by a worker stays until it ends).
    await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));
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
