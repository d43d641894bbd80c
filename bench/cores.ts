/**
 * How many cores' worth of speed the machine gives this process right now, and a gate that waits
 * for all of them before a measurement.
 *
 * On this shared VM the host sometimes runs the guest's two virtual CPUs on about one core's time,
 * for tens of seconds, without the guest seeing any steal time: in those spells mimic's two-thread
 * trainers run at exactly their one-thread speed (measured: GRU 64 at 205–230 steps/s in a spell,
 * one thread 210–235, two threads 375–405 outside), while each thread still shows a full core of
 * CPU time. A ratio whose two sides were measured in different states compares the machines, not
 * the code. So the bench probes before each run: the same fixed scalar loop on this thread alone,
 * then on this thread and a helper at once; capacity = 2 × alone / together (about 2 with two
 * cores, about 1 in a spell). Both sides of a ratio pass through the same gate. It does not catch
 * every spell: some slow the SIMD kernels while the scalar loop keeps its speed (docs/benchmarks.md,
 * "nn: three rounds, and what the slow spells are").
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** A run starts only when the probe sees at least this many cores (of 2). */
export const MIN_CAPACITY = 1.6;
/** How long the gate waits for the cores before it lets a run go ahead (and says so), in ms. */
const MAX_WAIT_MS = 60_000;

/** The probe's loop: four independent multiply-add chains, about 30 ms on one core. */
const LOOP = `
function spin(n) {
  let a = 1, b = 2, c = 3, d = 4;
  for (let i = 0; i < n; i++) {
    a = a * 0.9999999 + 1e-7; b = b * 0.9999999 + 1e-7; c = c * 0.9999999 + 1e-7; d = d * 0.9999999 + 1e-7;
  }
  return a + b + c + d;
}`;
const ITERATIONS = 20_000_000;

// A helper that runs the loop each time word 0 goes to 1, then sets it to 2.
const HELPER = `
const { workerData } = require("node:worker_threads");
const flag = new Int32Array(workerData);
${LOOP}
let sink = 0;
Atomics.store(flag, 0, 2);
Atomics.notify(flag, 0);
for (;;) {
  Atomics.wait(flag, 0, 2);
  if (Atomics.load(flag, 0) === 3) break;
  sink += spin(${ITERATIONS});
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
}
`;

const spin = new Function(`${LOOP}; return spin;`)() as (n: number) => number;

let helper: { flag: Int32Array; worker: Worker } | null = null;

function startHelper(): { flag: Int32Array; worker: Worker } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(HELPER, { eval: true, workerData: flag.buffer });
  worker.unref();
  while (Atomics.load(flag, 0) !== 2) Atomics.wait(flag, 0, 0, 10_000);
  return { flag, worker };
}

/** Cores' worth of speed now: 2 × (the loop alone) / (the loop on two threads at once). */
export function coreCapacity(): number {
  helper ??= startHelper();
  const { flag } = helper;
  spin(ITERATIONS / 10);
  let start = performance.now();
  spin(ITERATIONS);
  const alone = performance.now() - start;
  start = performance.now();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  spin(ITERATIONS);
  while (Atomics.load(flag, 0) !== 2) Atomics.wait(flag, 0, 1, 10_000);
  const together = performance.now() - start;
  return (2 * alone) / together;
}

/**
 * Waits (probing once a second) until the machine gives this process at least MIN_CAPACITY
 * cores, at most MAX_WAIT_MS; returns the capacity the run starts with. `log` hears about waits.
 * On a one-core machine there is nothing to wait for: it returns 1 at once.
 */
export function waitForCores(log: (line: string) => void): number {
  if (availableParallelism() < 2) return 1;
  const since = performance.now();
  let capacity = coreCapacity();
  let said = false;
  while (capacity < MIN_CAPACITY && performance.now() - since < MAX_WAIT_MS) {
    if (!said) log(`    the machine gives ${capacity.toFixed(2)} cores of 2 now; waiting for both`);
    said = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    capacity = coreCapacity();
  }
  if (capacity < MIN_CAPACITY)
    log(`    still ${capacity.toFixed(2)} cores after ${MAX_WAIT_MS / 1000} s; measuring anyway`);
  return capacity;
}

/** "cores at the runs' starts: PyTorch 1.98 1.97 1.99, mimic 1.96 …" for interleaved runs (PyTorch first). */
export function coresLine(cores: readonly number[]): string {
  const side = (first: number) =>
    cores
      .filter((_, i) => i % 2 === first)
      .map((c) => c.toFixed(2))
      .join(" ");
  return `cores at the runs' starts: PyTorch ${side(0)}, mimic ${side(1)}`;
}

/** Ends the probe's helper thread. */
export function stopCoreProbe(): void {
  if (helper === null) return;
  Atomics.store(helper.flag, 0, 3);
  Atomics.notify(helper.flag, 0);
  void helper.worker.terminate();
  helper = null;
}
