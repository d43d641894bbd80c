/**
 * A worker that takes one job and holds it without finishing, for the SIGKILL test: it prints
 * `waiting for jobs` when connected and `holding <job id>` once it holds a job's lock (renewed
 * every 500 ms while the process lives; a killed process stops renewing, so the lock expires).
 *   node build/test/helpers/scale-holder.js <redis url> <queue>
 */
import { startWorker } from "../../src/scale/worker.js";

const [redis, queue] = process.argv.slice(2);
if (!redis || !queue) throw new Error("usage: scale-holder.js <redis url> <queue>");
await startWorker({
  redis,
  queue,
  name: "holder",
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
  beforeUnit: async ({ id }) => {
    process.stdout.write(`holding ${id}\n`);
    await new Promise<never>(() => {}); // never finishes: the test kills this process
  },
  onEvent: (event) => {
    if (event.kind === "ready") process.stdout.write("waiting for jobs\n");
  },
});
