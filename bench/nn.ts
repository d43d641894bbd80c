/**
 * `npm run bench -- nn [--json]`: the fused MLP engine against the tfjs trainer and PyTorch, in one
 * run, on the same shapes.
 *
 * - Training steps/s (gather, forward, backward, Adam) of an MLP with tanh hidden layers and a
 *   categorical NLL loss (entropy bonus off, as `F.cross_entropy`), Adam lr 1e-4: 64×64 at
 *   batch 32 and 256×256 at batch 256, for observation 4 / 2 actions and observation 17 / 6
 *   actions. mimic runs on the fused trainer with the WebAssembly kernels and with the
 *   TypeScript fallback, and on the tfjs trainer; PyTorch (`bench/torch_mlp.py`, 2 threads) runs
 *   the same network, optimizer, loss, data size and index pattern in a child process, with 2
 *   threads (the baseline) and with 1 (on a loaded 2-core machine, OpenMP's 2 threads can
 *   be far slower than one; both are shown).
 * - Batch-1 forward latency of the 64×64 policies (`FusedForward.argmax`) against
 *   `NeuralPolicy.act` (the plain-JS mirror) and PyTorch's `model(x).argmax()` under no_grad.
 *
 * Every figure is the median of five repetitions of about 0.3 s after a calibrating warm-up.
 * mimic's wasm trainer runs with its helper threads (the default: large products split across
 * `MIMIC_THREADS`, else all cores up to 4) and on one thread. This machine's speed drifts within
 * minutes (a shared VM), so each shape is measured in ROUNDS interleaved rounds, PyTorch → mimic
 * (its default-thread trainer again) → PyTorch → mimic → …, and each side's figure is the best of
 * its runs: a ratio compares numbers taken within the same minutes, with the same number of tries
 * on each side. Every run starts only when the machine gives the process both its cores
 * (`cores.ts`: the host sometimes runs this VM's two CPUs on one core's time for tens of seconds),
 * and the log line of each shape shows the capacity each run started with.
 * `ratioVsTorch` is mimic / PyTorch with 2 threads (the baseline); `ratioVsTorchBest` is
 * mimic / the faster of PyTorch's 1- and 2-thread runs. With `--json`, prints one JSON object and
 * nothing else.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete } from "../src/core/spaces/index.js";
import { initEngine } from "../src/nn/engine.js";
import { fusedKernelsFma } from "../src/nn/fused/arena.js";
import { FusedForward } from "../src/nn/fused/forward.js";
import { fusedThreads, fusedThreadsProblem } from "../src/nn/fused/threads.js";
import { createFusedTrainer } from "../src/nn/fused/trainer.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import { coresLine, waitForCores } from "./cores.js";
import { machineReport, printTable } from "./harness.js";
import { benchEncoders, type EncoderResult } from "./nn-encoders.js";

interface Shape {
  name: string;
  hidden: number[];
  batch: number;
  obs: number;
  act: number;
}

const SHAPES: Shape[] = [
  { name: "64x64 b32 obs4 act2", hidden: [64, 64], batch: 32, obs: 4, act: 2 },
  { name: "256x256 b256 obs4 act2", hidden: [256, 256], batch: 256, obs: 4, act: 2 },
  { name: "64x64 b32 obs17 act6", hidden: [64, 64], batch: 32, obs: 17, act: 6 },
  { name: "256x256 b256 obs17 act6", hidden: [256, 256], batch: 256, obs: 17, act: 6 },
];

const N = 4096;
const TARGET_SECONDS = 0.3;
const REPEATS = 5;
/**
 * Interleaved PyTorch → mimic rounds per shape (MLP and encoder rows); each side keeps its best
 * run. Both sides' single runs fall by 20–45% in slow spells of a few seconds on this VM (two
 * independent one-thread processes dip too, so it is the machine), and a run lasts about 2 s: with
 * three tries each side is measured outside a spell far more often than with two.
 */
export const ROUNDS = 3;
const PYTHON = "/usr/bin/python3";

export interface NnShapeResult {
  name: string;
  /** mimic's fused trainer on the WebAssembly kernels (with its helper threads). */
  mimicStepsPerSecond: number;
  /** The same trainer on one thread. */
  mimicOneThreadStepsPerSecond: number;
  /** Threads the first figure used. */
  mimicThreads: number;
  /** The same per second of CPU time (single-threaded, so a busy machine does not skew it). */
  mimicStepsPerCpuSecond: number;
  /** The same trainer on the TypeScript fallback kernels. */
  mimicTsStepsPerSecond: number;
  /** mimic's tfjs trainer (`NeuralPolicy.createTrainer`). */
  tfjsStepsPerSecond: number;
  /** PyTorch with 2 threads. */
  torchStepsPerSecond: number | null;
  /** mimic (wasm) / PyTorch with 2 threads. */
  ratioVsTorch: number | null;
  torch1ThreadStepsPerSecond: number | null;
  ratioVsTorch1Thread: number | null;
  /** mimic / the faster of PyTorch's two thread counts. */
  ratioVsTorchBest: number | null;
  /** PyTorch with 1 thread per second of its CPU time, and mimic's ratio to it on that clock. */
  torch1ThreadStepsPerCpuSecond: number | null;
  ratioVsTorch1ThreadCpu: number | null;
}

export interface NnLatencyResult {
  name: string;
  wasmMicros: number;
  tsMicros: number;
  mirrorMicros: number;
  /** PyTorch, 2 threads. */
  torchMicros: number | null;
}

export interface NnReport {
  machine: string;
  node: string;
  tfjsBackend: string;
  /** Whether the fused kernels fuse gemm's multiply-adds (relaxed SIMD; `MIMIC_FMA=0` turns it off). */
  mimicFma: boolean;
  torch: string | null;
  /** The BLAS library PyTorch's process loaded. */
  torchBlas: string | null;
  shapes: NnShapeResult[];
  act: NnLatencyResult[];
  /** The CNN and GRU policies' training steps (`nn-encoders.ts`). */
  encoders: EncoderResult[];
}

/**
 * Median units/s of `body(units)`, after a warm-up that calibrates `units` to TARGET_SECONDS; and
 * the median units per second of this process's CPU time, which a busy machine does not skew
 * for single-threaded work (the wall-clock rate counts the time the scheduler gave to others).
 */
export function rates(body: (units: number) => void): { wall: number; cpu: number } {
  let units = 1;
  let elapsed = 0;
  for (;;) {
    const start = process.hrtime.bigint();
    body(units);
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    if (elapsed >= 0.05) break;
    units *= 2;
  }
  units = Math.max(1, Math.round((units * TARGET_SECONDS) / elapsed));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    body(units);
    wall.push(units / (Number(process.hrtime.bigint() - start) / 1e9));
    const used = process.cpuUsage(cpuStart);
    cpu.push(units / ((used.user + used.system) / 1e6));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(wall), cpu: median(cpu) };
}

function rate(body: (units: number) => void): number {
  return rates(body).wall;
}

async function makePolicy(shape: Shape): Promise<NeuralPolicy> {
  return NeuralPolicy.create({
    observationSpace: new Box(-10, 10, [shape.obs]),
    actionSpace: new Discrete(shape.act),
    envId: "Bench-v0",
    hidden: shape.hidden,
    seed: 0,
  });
}

/** The index batches both sides use: a fixed permutation of the N rows, walked batch by batch. */
function batches(shape: Shape, step: (indices: Int32Array) => void): (units: number) => void {
  const order = Int32Array.from({ length: N }, (_, i) => (i * 2654435761) % N);
  let s = 0;
  return (units) => {
    for (let u = 0; u < units; u++, s++) {
      const from = (s * shape.batch) % (N - shape.batch);
      step(order.subarray(from, from + shape.batch));
    }
  };
}

async function trainingRates(
  shape: Shape,
): Promise<
  { again: () => number } & Pick<
    NnShapeResult,
    | "name"
    | "mimicStepsPerSecond"
    | "mimicOneThreadStepsPerSecond"
    | "mimicThreads"
    | "mimicStepsPerCpuSecond"
    | "mimicTsStepsPerSecond"
    | "tfjsStepsPerSecond"
  >
> {
  const policy = await makePolicy(shape);
  const rng = rngFromSeed(1);
  const obs = Float32Array.from({ length: N * shape.obs }, () => rng.normal());
  const acts = Float32Array.from({ length: N }, () => rng.integers(shape.act));
  const options = { learningRate: 1e-4, entropyWeight: 0 };
  const fused = (engine: "wasm" | "ts", threads = true) => {
    const trainer = createFusedTrainer(
      {
        sizes: [shape.obs, ...shape.hidden, shape.act],
        activation: "tanh",
        head: "categorical",
        engine,
        threads,
        ...options,
      },
      policy.getWeights(),
    );
    trainer.setData(obs, acts);
    const body = batches(shape, (i) => trainer.step(i));
    return { ...rates(body), again: () => rates(body).wall };
  };
  const wasm = fused("wasm");
  const oneThread = fused("wasm", false);
  const ts = fused("ts").wall;
  const tfjs = policy.createTrainer({ ...options, engine: "tfjs" });
  tfjs.setData(obs, acts);
  const tfjsRate = rate(batches(shape, (i) => tfjs.step(i)));
  tfjs.dispose();
  policy.dispose();
  return {
    again: wasm.again,
    name: shape.name,
    mimicStepsPerSecond: wasm.wall,
    mimicOneThreadStepsPerSecond: oneThread.wall,
    mimicThreads: fusedThreads(),
    mimicStepsPerCpuSecond: oneThread.cpu,
    mimicTsStepsPerSecond: ts,
    tfjsStepsPerSecond: tfjsRate,
  };
}

async function actLatency(shape: Shape): Promise<Omit<NnLatencyResult, "torchMicros">> {
  const policy = await makePolicy(shape);
  const rng = rngFromSeed(2);
  const inputs = Array.from({ length: 64 }, () =>
    Float32Array.from({ length: shape.obs }, () => rng.normal()),
  );
  let sink = 0;
  const fused = (engine: "wasm" | "ts") => {
    const net = new FusedForward(
      { sizes: [shape.obs, ...shape.hidden, shape.act], activation: "tanh" },
      policy.getWeights(),
      { engine },
    );
    return rate((reps) => {
      for (let i = 0; i < reps; i++) sink += net.argmax(inputs[i & 63]!);
    });
  };
  const wasm = fused("wasm");
  const ts = fused("ts");
  const mirror = rate((reps) => {
    for (let i = 0; i < reps; i++) policy.act(inputs[i & 63]!, { deterministic: true });
  });
  policy.dispose();
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return {
    name: shape.name.replace(/ b\d+/, ""),
    wasmMicros: 1e6 / wasm,
    tsMicros: 1e6 / ts,
    mirrorMicros: 1e6 / mirror,
  };
}

interface TorchReport {
  torch: string;
  blas: string;
  runs: {
    threads: number;
    shapes: { name: string; stepsPerSecond: number; stepsPerCpuSecond: number; actMicros: number }[];
  }[];
}

/** PyTorch's figures from bench/torch_mlp.py, or the reason there are none. */
function runTorch(shapes: readonly Shape[]): TorchReport | string {
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    return `PyTorch is not importable from ${PYTHON} (${probe.error?.message ?? probe.stderr.trim().split("\n").pop()}); install it with \`apt-get install python3-torch\` for the baseline.`;
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "torch_mlp.py");
  const run = spawnSync(PYTHON, [script], {
    input: JSON.stringify({
      threads: [2, 1],
      shapes,
      n: N,
      targetSeconds: TARGET_SECONDS,
      repeats: REPEATS,
    }),
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) return `bench/torch_mlp.py failed (exit ${run.status}): ${run.stderr.trim()}`;
  return JSON.parse(run.stdout) as TorchReport;
}

export async function benchNn(options: { json?: boolean } = {}): Promise<NnReport> {
  const engine = await initEngine();
  const log = options.json ? () => {} : (line: string) => console.log(line);
  const machine = machineReport();
  log(machine);
  log(`tfjs backend: ${engine.backend}`);
  log(`fused engine threads: ${fusedThreads()}`);
  log(
    `fused kernels: ${fusedKernelsFma() ? "FMA (relaxed SIMD)" : "multiply, then add (no relaxed SIMD, or MIMIC_FMA=0)"}`,
  );
  const threadsProblem = fusedThreadsProblem();
  if (threadsProblem !== null) log(`warning: ${threadsProblem}`);
  const shapes: NnShapeResult[] = [];
  const torchRuns: TorchReport[] = [];
  let torchProblem: string | null = null;
  const torchOn = (only: readonly Shape[]) => {
    if (torchProblem !== null) return;
    const run = runTorch(only);
    if (typeof run === "string") torchProblem = run;
    else torchRuns.push(run);
  };
  for (const shape of SHAPES) {
    // PyTorch, mimic, PyTorch, mimic (its default-thread trainer again), …: the ratio compares
    // figures from the same minutes, each side the best of its ROUNDS runs.
    const cores = [waitForCores(log)];
    torchOn([shape]);
    cores.push(waitForCores(log));
    const { again, ...mimic } = await trainingRates(shape);
    for (let round = 1; round < ROUNDS; round++) {
      cores.push(waitForCores(log));
      torchOn([shape]);
      cores.push(waitForCores(log));
      mimic.mimicStepsPerSecond = Math.max(mimic.mimicStepsPerSecond, again());
    }
    log(`  measured ${shape.name} (${coresLine(cores)})`);
    shapes.push({
      ...mimic,
      torchStepsPerSecond: null,
      ratioVsTorch: null,
      torch1ThreadStepsPerSecond: null,
      ratioVsTorch1Thread: null,
      ratioVsTorchBest: null,
      torch1ThreadStepsPerCpuSecond: null,
      ratioVsTorch1ThreadCpu: null,
    });
  }
  const latency: NnLatencyResult[] = [];
  for (const shape of SHAPES.filter((s) => s.batch === 32))
    latency.push({ ...(await actLatency(shape)), torchMicros: null });
  const torch = torchProblem ?? torchRuns[0];
  if (torch === undefined || typeof torch === "string") log(`\n${torch} Showing mimic's figures alone.`);
  else {
    log(`PyTorch ${torch.torch} (bench/torch_mlp.py), BLAS: ${torch.blas}`);
    /** The better of PyTorch's runs on a shape at a thread count. */
    const best = (threads: number, name: string) => {
      let found: TorchReport["runs"][number]["shapes"][number] | undefined;
      for (const run of torchRuns) {
        const s = run.runs.find((r) => r.threads === threads)?.shapes.find((x) => x.name === name);
        if (s !== undefined && (found === undefined || s.stepsPerSecond > found.stepsPerSecond)) found = s;
      }
      return found;
    };
    for (const r of shapes) {
      const t2 = best(2, r.name);
      const t1 = best(1, r.name);
      r.torchStepsPerSecond = t2?.stepsPerSecond ?? null;
      r.ratioVsTorch = t2 === undefined ? null : r.mimicStepsPerSecond / t2.stepsPerSecond;
      r.torch1ThreadStepsPerSecond = t1?.stepsPerSecond ?? null;
      r.ratioVsTorch1Thread = t1 === undefined ? null : r.mimicStepsPerSecond / t1.stepsPerSecond;
      const top = Math.max(t1?.stepsPerSecond ?? 0, t2?.stepsPerSecond ?? 0);
      r.ratioVsTorchBest = top === 0 ? null : r.mimicStepsPerSecond / top;
      r.torch1ThreadStepsPerCpuSecond = t1?.stepsPerCpuSecond ?? null;
      r.ratioVsTorch1ThreadCpu = t1 === undefined ? null : r.mimicStepsPerCpuSecond / t1.stepsPerCpuSecond;
    }
    for (const r of latency) {
      const name = SHAPES.find((s) => s.name.replace(/ b\d+/, "") === r.name)?.name ?? "";
      r.torchMicros = best(2, name)?.actMicros ?? null;
    }
  }
  const report: NnReport = {
    machine,
    node: process.version,
    tfjsBackend: engine.backend,
    mimicFma: fusedKernelsFma(),
    torch: torch === undefined || typeof torch === "string" ? null : torch.torch,
    torchBlas: torch === undefined || typeof torch === "string" ? null : torch.blas,
    shapes,
    act: latency,
    encoders: [],
  };
  if (options.json) {
    report.encoders = benchEncoders({ quiet: true });
    console.log(JSON.stringify(report));
    return report;
  }
  const ratio = (x: number | null) => (x === null ? "-" : `${x.toFixed(2)}×`);
  const num = (x: number | null, digits = 0) => (x === null ? "-" : x.toFixed(digits));
  log("");
  printTable(
    [
      "training (steps/s)",
      `mimic wasm (${shapes[0]?.mimicThreads ?? 1} thr)`,
      "wasm 1 thr",
      "mimic TS",
      "mimic tfjs",
      "torch 2 thr",
      "torch 1 thr",
      "wasm/torch 2",
      "wasm/torch 1",
      "wasm/torch best",
      "wasm/tfjs",
    ],
    shapes.map((r) => [
      r.name,
      num(r.mimicStepsPerSecond),
      num(r.mimicOneThreadStepsPerSecond),
      num(r.mimicTsStepsPerSecond),
      num(r.tfjsStepsPerSecond),
      num(r.torchStepsPerSecond),
      num(r.torch1ThreadStepsPerSecond),
      ratio(r.ratioVsTorch),
      ratio(r.ratioVsTorch1Thread),
      ratio(r.ratioVsTorchBest),
      ratio(r.mimicStepsPerSecond / r.tfjsStepsPerSecond),
    ]),
  );
  log(
    "\nper second of CPU time (mimic on one thread; PyTorch's 1-thread run, whose BLAS may still use more):",
  );
  printTable(
    ["training (steps/CPU-s)", "mimic wasm 1 thr", "torch 1 thr", "wasm/torch 1"],
    shapes.map((r) => [
      r.name,
      num(r.mimicStepsPerCpuSecond),
      num(r.torch1ThreadStepsPerCpuSecond),
      ratio(r.ratioVsTorch1ThreadCpu),
    ]),
  );
  log("");
  printTable(
    ["batch-1 act (µs)", "FusedForward wasm", "FusedForward TS", "policy.act (JS mirror)", "torch 2 thr"],
    latency.map((r) => [
      r.name,
      r.wasmMicros.toFixed(2),
      r.tsMicros.toFixed(2),
      r.mirrorMicros.toFixed(2),
      num(r.torchMicros, 1),
    ]),
  );
  log(`\nCNN and GRU policies (trainStep); PyTorch, mimic, … in ${ROUNDS} rounds: each side its best run:`);
  report.encoders = benchEncoders();
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchNn({ json: process.argv.includes("--json") });
