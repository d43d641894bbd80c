/**
 * @module
 * The CNN and GRU rows of `npm run bench -- nn` (issue 18): training steps/s of the encoder
 * policies' own `trainStep` (forward, categorical NLL, backward, Adam) against PyTorch
 * (`bench/torch_encoders.py`) on the same shapes, in the same run.
 *
 * - **CNN** (BC-CNN): `EncoderPolicy` over uint8 images (HWC here, NCHW in PyTorch), convs with
 *   ReLU, flatten, a ReLU dense layer of `features` units, the ReLU head, the logits. The small
 *   shape is batch 64 of `[32, 64, 3]` with 16×5×5/2 → 32×3×3/2, Dense 256, [64], 2 actions; the
 *   NatureCNN shape is batch 32 of `[84, 84, 4]` with SB3's NatureCNN and Dense 512.
 * - **GRU** (BC-RNN): `RecurrentPolicy`, window 8 of 4-dimensional observations, GRU hidden 64
 *   or 128, head [64] (tanh), 2 actions, batch 256; PyTorch runs `nn.GRU(batch_first=True)`'s
 *   last hidden state through Linear/Tanh/Linear.
 *
 * Both sides train with Adam (lr 1e-3) on a pool of four fixed random batches, cycled. PyTorch
 * runs with 2 threads and with 1 (as the MLP rows); mimic runs with its default helper threads
 * (`MIMIC_THREADS`). Each workload is measured in `ROUNDS` interleaved rounds (PyTorch → mimic →
 * PyTorch → mimic → …), and each side's figure (per thread count) is the best of its runs: this
 * shared machine's speed moves by up to a third within seconds, and both sides get the same number
 * of tries in the same minutes. Each run waits for both cores first (`cores.ts`).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete } from "../src/core/spaces/index.js";
import { type ConvSpec, EncoderPolicy, NATURE_CNN, SMALL_CNN } from "../src/nn/encoder-policy.js";
import { RecurrentPolicy } from "../src/nn/recurrent-policy.js";
import { coresLine, stopCoreProbe, waitForCores } from "./cores.js";
import { printTable } from "./harness.js";
import { ROUNDS, rates } from "./nn.js";

const PYTHON = "/usr/bin/python3";
const POOL = 4;
const TARGET_SECONDS = 0.3;
const REPEATS = 5;

interface CnnWorkload {
  kind: "cnn";
  name: string;
  batch: number;
  image: [number, number, number];
  convs: readonly ConvSpec[];
  features: number;
  hidden: number[];
  act: number;
}

interface GruWorkload {
  kind: "gru";
  name: string;
  batch: number;
  window: number;
  obs: number;
  gruHidden: number;
  hidden: number[];
  act: number;
}

type Workload = CnnWorkload | GruWorkload;

export const ENCODER_WORKLOADS: readonly Workload[] = [
  {
    kind: "cnn",
    name: "BC-CNN b64 [32,64,3] 16c5s2-32c3s2-256-64",
    batch: 64,
    image: [32, 64, 3],
    convs: SMALL_CNN,
    features: 256,
    hidden: [64],
    act: 2,
  },
  {
    kind: "cnn",
    name: "NatureCNN b32 [84,84,4] -512-64",
    batch: 32,
    image: [84, 84, 4],
    convs: NATURE_CNN,
    features: 512,
    hidden: [64],
    act: 2,
  },
  {
    kind: "gru",
    name: "BC-RNN b256 T8 obs4 gru64",
    batch: 256,
    window: 8,
    obs: 4,
    gruHidden: 64,
    hidden: [64],
    act: 2,
  },
  {
    kind: "gru",
    name: "BC-RNN b256 T8 obs4 gru128",
    batch: 256,
    window: 8,
    obs: 4,
    gruHidden: 128,
    hidden: [64],
    act: 2,
  },
];

export interface EncoderResult {
  name: string;
  load: number;
  mimicStepsPerSecond: number;
  torchStepsPerSecond: number | null;
  torch1ThreadStepsPerSecond: number | null;
  /** mimic / PyTorch with 2 threads. */
  ratioVsTorch: number | null;
  ratioVsTorch1Thread: number | null;
  /** mimic / the faster of PyTorch's two thread counts. */
  ratioVsTorchBest: number | null;
  /**
   * Steps per second of CPU time (user + system, every thread of the process): mimic's
   * default-thread runs (a spinning helper counts) and PyTorch's 1-thread runs (its BLAS threads
   * count). Less moved by how the machine shares its cores than steps per second.
   */
  mimicStepsPerCpuSecond: number;
  torch1ThreadStepsPerCpuSecond: number | null;
  ratioVsTorch1ThreadCpu: number | null;
}

/** A `trainStep` loop over a pool of fixed random batches. */
export function mimicStep(w: Workload): (units: number) => void {
  const rng = rngFromSeed(3);
  const actions = Array.from({ length: POOL }, () =>
    Float32Array.from({ length: w.batch }, () => rng.integers(w.act)),
  );
  let s = 0;
  if (w.kind === "cnn") {
    const policy = new EncoderPolicy({
      observationSpace: new Box(0, 255, w.image, "uint8"),
      actionSpace: new Discrete(w.act),
      envId: "Bench-v0",
      convs: w.convs,
      features: w.features,
      hidden: w.hidden,
      learningRate: 1e-3,
      seed: 0,
    });
    const size = w.image[0] * w.image[1] * w.image[2];
    const images = Array.from({ length: POOL }, () =>
      Uint8Array.from({ length: w.batch * size }, () => rng.integers(256)),
    );
    return (units) => {
      for (let u = 0; u < units; u++, s++) {
        const i = s % POOL;
        policy.trainStep({ "": images[i]! }, actions[i]!, w.batch);
      }
    };
  }
  const policy = new RecurrentPolicy({
    observationSpace: new Box(-10, 10, [w.obs]),
    actionSpace: new Discrete(w.act),
    envId: "Bench-v0",
    window: w.window,
    gruHidden: w.gruHidden,
    hidden: w.hidden,
    learningRate: 1e-3,
    seed: 0,
  });
  const windows = Array.from({ length: POOL }, () =>
    Float32Array.from({ length: w.batch * w.window * w.obs }, () => rng.normal()),
  );
  return (units) => {
    for (let u = 0; u < units; u++, s++) {
      const i = s % POOL;
      policy.trainStep(windows[i]!, actions[i]!, w.batch);
    }
  };
}

interface TorchEncoderReport {
  torch: string;
  runs: {
    threads: number;
    workloads: { name: string; stepsPerSecond: number; stepsPerCpuSecond: number }[];
  }[];
}

function runTorch(workloads: readonly Workload[]): TorchEncoderReport | string {
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    return `PyTorch is not importable from ${PYTHON} (${probe.error?.message ?? probe.stderr.trim().split("\n").pop()}); install it with \`apt-get install python3-torch\` for the baseline.`;
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "torch_encoders.py");
  const run = spawnSync(PYTHON, [script], {
    input: JSON.stringify({ threads: [2, 1], workloads, targetSeconds: TARGET_SECONDS, repeats: REPEATS }),
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) return `bench/torch_encoders.py failed (exit ${run.status}): ${run.stderr.trim()}`;
  return JSON.parse(run.stdout) as TorchEncoderReport;
}

/** Measures every workload (or those whose name contains `only`) and prints the table unless `quiet`. */
export function benchEncoders(options: { quiet?: boolean; only?: string } = {}): EncoderResult[] {
  const log = options.quiet ? () => {} : (line: string) => console.log(line);
  const workloads = ENCODER_WORKLOADS.filter(
    (w) => options.only === undefined || w.name.includes(options.only),
  );
  const torchRuns: TorchEncoderReport[] = [];
  let torchProblem: string | null = null;
  const torchOn = (only: readonly Workload[]) => {
    if (torchProblem !== null) return;
    const run = runTorch(only);
    if (typeof run === "string") torchProblem = run;
    else torchRuns.push(run);
  };
  const results: EncoderResult[] = [];
  for (const w of workloads) {
    const load = loadavg()[0]!;
    // PyTorch, mimic, PyTorch, mimic, …: each side's figure is the best of its ROUNDS runs, taken
    // in the same minutes as the other's (this machine's speed drifts within seconds).
    const step = mimicStep(w);
    const cores: number[] = [];
    let mimic = 0;
    let mimicCpu = 0;
    for (let round = 0; round < ROUNDS; round++) {
      cores.push(waitForCores(log));
      torchOn([w]);
      cores.push(waitForCores(log));
      const run = rates(step);
      mimic = Math.max(mimic, run.wall);
      mimicCpu = Math.max(mimicCpu, run.cpu);
    }
    log(`  measured ${w.name} (load ${load.toFixed(2)}; ${coresLine(cores)})`);
    results.push({
      name: w.name,
      load,
      mimicStepsPerSecond: mimic,
      mimicStepsPerCpuSecond: mimicCpu,
      torch1ThreadStepsPerCpuSecond: null,
      ratioVsTorch1ThreadCpu: null,
      torchStepsPerSecond: null,
      torch1ThreadStepsPerSecond: null,
      ratioVsTorch: null,
      ratioVsTorch1Thread: null,
      ratioVsTorchBest: null,
    });
  }
  stopCoreProbe();
  if (torchProblem !== null) log(`\n${torchProblem} Showing mimic's figures alone.`);
  const best = (threads: number, name: string, key: "stepsPerSecond" | "stepsPerCpuSecond") => {
    let top: number | null = null;
    for (const run of torchRuns) {
      const s = run.runs.find((r) => r.threads === threads)?.workloads.find((x) => x.name === name);
      if (s !== undefined && (top === null || s[key] > top)) top = s[key];
    }
    return top;
  };
  for (const r of results) {
    const t2 = best(2, r.name, "stepsPerSecond");
    const t1 = best(1, r.name, "stepsPerSecond");
    r.torch1ThreadStepsPerCpuSecond = best(1, r.name, "stepsPerCpuSecond");
    r.ratioVsTorch1ThreadCpu =
      r.torch1ThreadStepsPerCpuSecond === null
        ? null
        : r.mimicStepsPerCpuSecond / r.torch1ThreadStepsPerCpuSecond;
    r.torchStepsPerSecond = t2;
    r.torch1ThreadStepsPerSecond = t1;
    r.ratioVsTorch = t2 === null ? null : r.mimicStepsPerSecond / t2;
    r.ratioVsTorch1Thread = t1 === null ? null : r.mimicStepsPerSecond / t1;
    const top = Math.max(t1 ?? 0, t2 ?? 0);
    r.ratioVsTorchBest = top === 0 ? null : r.mimicStepsPerSecond / top;
  }
  const ratio = (x: number | null) => (x === null ? "-" : `${x.toFixed(2)}×`);
  const num = (x: number | null) => (x === null ? "-" : x.toFixed(1));
  log("");
  if (!options.quiet) {
    printTable(
      [
        "encoder training (steps/s)",
        "load",
        "mimic",
        "torch 2 thr",
        "torch 1 thr",
        "/torch 2",
        "/torch 1",
        "/torch best",
      ],
      results.map((r) => [
        r.name,
        r.load.toFixed(2),
        num(r.mimicStepsPerSecond),
        num(r.torchStepsPerSecond),
        num(r.torch1ThreadStepsPerSecond),
        ratio(r.ratioVsTorch),
        ratio(r.ratioVsTorch1Thread),
        ratio(r.ratioVsTorchBest),
      ]),
    );
    log("");
    printTable(
      ["encoder training (steps/CPU-s)", "mimic", "torch 1 thr", "/torch 1"],
      results.map((r) => [
        r.name,
        num(r.mimicStepsPerCpuSecond),
        num(r.torch1ThreadStepsPerCpuSecond),
        ratio(r.ratioVsTorch1ThreadCpu),
      ]),
    );
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.slice(2).find((a) => !a.startsWith("-"));
  benchEncoders(only === undefined ? {} : { only });
}
