/**
 * @module
 * A worker: takes jobs from the queue one at a time and runs each unit with `runUnit`, the local
 * path's code. Delivery is BullMQ's: a job is locked to the worker running it and the lock is
 * renewed every `lockDurationMs / 2` while it runs; a worker that dies (SIGKILL, a lost machine)
 * stops renewing, and after `lockDurationMs` another worker's stalled check (every
 * `stalledIntervalMs`) puts the job back on the queue, so it runs again elsewhere. Units are pure
 * functions of their data, so a re-run returns what the first run would have.
 */
import { hostname } from "node:os";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import {
  bullConnection,
  DEFAULT_QUEUE,
  type JobData,
  type JobReturn,
  KEY_PREFIX,
  MIMIC_VERSION,
} from "./queue.js";
import { parseRedisUrl } from "./redis.js";
import type { Unit } from "./units.js";

export interface WorkerOptions {
  /** `redis://host:port`. */
  redis: string;
  /** The queue to take jobs from (default `jobs`). */
  queue?: string;
  /** This worker's name in reports (default `host:pid`). */
  name?: string;
  /** How long a job's lock lasts without renewal (default 30 000 ms). */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died (default 30 000 ms). */
  stalledIntervalMs?: number;
  /** How many times one job may lose its worker before it fails (default 5). */
  maxStalledCount?: number;
  /** Called when a job starts and ends, for the CLI's log lines. */
  onEvent?: (event: WorkerEvent) => void;
  /** Awaited before each unit runs (tests use it to hold a job while the worker is killed). */
  beforeUnit?: (job: { id: string; unit: Unit }) => Promise<void>;
}

export type WorkerEvent =
  | { kind: "ready"; queue: string; name: string }
  | { kind: "started"; jobId: string; unit: Unit }
  | { kind: "finished"; jobId: string; unit: Unit; ms: number }
  | { kind: "failed"; jobId: string; message: string }
  | { kind: "error"; message: string };

export interface RunningWorker {
  readonly name: string;
  /** Stops taking jobs, lets the job in hand finish, and disconnects. */
  close(): Promise<void>;
}

/** Starts a worker. Resolves once it is connected and waiting for jobs. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const queue = options.queue ?? DEFAULT_QUEUE;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  // The engines (tfjs, the envs) load before the worker says it is ready, not inside a job.
  const { runUnit } = await import("./run-unit.js");
  const processor = async (job: Job<JobData, JobReturn>): Promise<JobReturn> => {
    const { unit, mimic } = job.data;
    if (mimic !== MIMIC_VERSION) {
      throw new UnrecoverableError(
        `worker ${name} runs mimic ${MIMIC_VERSION} but the job was made by mimic ${mimic}; run the same version everywhere.`,
      );
    }
    const jobId = job.id ?? "?";
    options.onEvent?.({ kind: "started", jobId, unit });
    await options.beforeUnit?.({ id: jobId, unit });
    const start = performance.now();
    const result = await runUnit(unit);
    const ms = Math.round(performance.now() - start);
    options.onEvent?.({ kind: "finished", jobId, unit, ms });
    return { worker: name, ms, result };
  };
  const worker = new Worker<JobData, JobReturn>(queue, processor, {
    connection: bullConnection(parseRedisUrl(options.redis)),
    prefix: KEY_PREFIX,
    name,
    concurrency: 1, // units are CPU-bound: one per process, one process per core
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 5,
    autorun: true,
  });
  worker.on("failed", (job, error) => {
    options.onEvent?.({ kind: "failed", jobId: job?.id ?? "?", message: error.message });
  });
  worker.on("error", (error) => options.onEvent?.({ kind: "error", message: error.message }));
  await worker.waitUntilReady();
  options.onEvent?.({ kind: "ready", queue, name });
  return {
    name,
    close: () => worker.close(),
  };
}
