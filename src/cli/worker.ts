/**
 * @module
 * `mimic worker`: a process that takes jobs (collection, evaluation, grid points, DAgger
 * rollouts) from a BullMQ queue on Redis and runs them, until SIGINT or SIGTERM.
 */
import { describeUnit } from "../scale/coordinator.js";
import { maskRedisUrl } from "../scale/redis.js";
import { numberFlag, parseFlags, requiredFlag, UsageError } from "./args.js";
import { redisUrlFlag } from "./scale.js";

export const workerHelp = `Usage: mimic worker --redis <url> [options]

Take jobs from mimic's queue on Redis and run them: rollout collection ('mimic collect'),
evaluation episodes ('mimic eval'), grid points ('mimic tune') and DAgger's rollout episodes
('mimic train dagger'), started with --redis <url> (or --workers N).
Run one worker per core, on as many machines as you like, all pointing at the same Redis; see
docs/deploy.md. A worker that dies mid-job (killed, machine lost) has its job run again by
another worker once its lock expires. Stop with Ctrl-C or SIGTERM: the job in hand finishes first.

Options:
  --redis <url>            the Redis server, redis://[user:password@]host:port[/db] (rediss:// for TLS)
  --queue <name>           the queue to take jobs from (default jobs)
  --name <name>            this worker's name in run reports (default host:pid)
  --lock-duration <ms>     how long a job stays locked without renewal (default 30000); after a
                           worker dies, its job is re-run once this has passed
  --stalled-interval <ms>  how often to look for jobs whose worker died (default 30000)
  --quiet                  print only the ready line and errors, not a line per job
  -h, --help               show this help

Example:
  redis-server --port 6379 &
  mimic worker --redis redis://127.0.0.1:6379 &
  mimic collect --env CartPole-v1 --expert scripted --episodes 100 --out datasets/cp --redis redis://127.0.0.1:6379
`;

type Io = { out: (text: string) => void; err: (text: string) => void };

export async function runWorker(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("worker", argv, {
    redis: { type: "string" },
    queue: { type: "string" },
    name: { type: "string" },
    "lock-duration": { type: "string" },
    "stalled-interval": { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(workerHelp);
    return 0;
  }
  const redis = requiredFlag("worker", values, "redis", "redis://127.0.0.1:6379");
  const queue = typeof values.queue === "string" ? values.queue : undefined;
  if (queue !== undefined && !/^[\w.-]+$/.test(queue))
    throw new UsageError(
      "worker",
      `--queue must be letters, digits, '.', '_' or '-', got ${JSON.stringify(queue)}.`,
    );
  const lockDurationMs = numberFlag("worker", values, "lock-duration", "positive-integer");
  const stalledIntervalMs = numberFlag("worker", values, "stalled-interval", "positive-integer");
  const { checkRedis, parseRedisUrl } = await import("../scale/redis.js");
  redisUrlFlag("worker", redis, parseRedisUrl);
  await checkRedis(redis); // a stopped server or a wrong host: one clear error, exit 1
  const { startWorker } = await import("../scale/worker.js");
  const quiet = values.quiet === true;
  const worker = await startWorker({
    redis,
    queue,
    name: typeof values.name === "string" ? values.name : undefined,
    lockDurationMs,
    stalledIntervalMs,
    onEvent: (event) => {
      switch (event.kind) {
        case "ready":
          io.out(`worker ${event.name} waiting for jobs on queue ${event.queue} at ${maskRedisUrl(redis)}`);
          break;
        case "started":
          if (!quiet) io.out(`job ${event.jobId} started: ${describeUnit(event.unit)}`);
          break;
        case "finished":
          if (!quiet) io.out(`job ${event.jobId} done in ${(event.ms / 1000).toFixed(2)} s`);
          break;
        case "failed":
          io.err(`job ${event.jobId} failed: ${event.message}`);
          break;
        case "error":
          io.err(`worker: ${event.message}`);
          break;
      }
    },
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await worker.close();
  io.out(`worker ${worker.name} stopped`);
  return 0;
}
