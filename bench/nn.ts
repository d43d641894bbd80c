/**
 * `npm run bench -- nn` (once registered): the fused MLP path against mimic's tfjs path, one run.
 *
 * - Training steps/s (forward, backward, Adam) for 64×64 at batch 32 and 256×256 at batch 256,
 *   with observation 4 / 2 discrete actions (categorical NLL) and observation 17 / 6 continuous
 *   actions (Gaussian NLL). Same weights, same data, same index batches on both paths.
 * - Batch-1 deterministic act latency for the 64×64 policies: fused forward + argmax/mean vs
 *   `NeuralPolicy.act` (its plain-JS mirror) and vs one tfjs engine forward.
 * Each figure is the median of five timed repetitions after a warm-up; the ratio is fused / tfjs.
 */
import { rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete } from "../src/core/spaces.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { createFusedTrainer } from "../src/nn/fused/trainer.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import { machineReport, printTable } from "./harness.js";

interface Shape {
  name: string;
  hidden: number[];
  batch: number;
  obs: number;
  act: number;
  continuous: boolean;
}

const SHAPES: Shape[] = [
  { name: "64x64 b32 obs4 act2", hidden: [64, 64], batch: 32, obs: 4, act: 2, continuous: false },
  { name: "256x256 b256 obs4 act2", hidden: [256, 256], batch: 256, obs: 4, act: 2, continuous: false },
  { name: "64x64 b32 obs17 act6", hidden: [64, 64], batch: 32, obs: 17, act: 6, continuous: true },
  { name: "256x256 b256 obs17 act6", hidden: [256, 256], batch: 256, obs: 17, act: 6, continuous: true },
];

const N = 4096;

export interface NnShapeResult {
  name: string;
  fusedStepsPerSecond: number;
  tfjsStepsPerSecond: number;
  ratioVsTfjs: number;
}

/** Median rate of `body` (which does `units` of work), timed `repeats` times after a warm-up. */
function rate(body: () => void, units: number, repeats = 5): number {
  body();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    body();
    samples.push(units / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function makePolicy(shape: Shape): Promise<NeuralPolicy> {
  return NeuralPolicy.create({
    observationSpace: new Box(-10, 10, [shape.obs]),
    actionSpace: shape.continuous ? new Box(-1, 1, [shape.act]) : new Discrete(shape.act),
    envId: "Bench-v0",
    hidden: shape.hidden,
    seed: 0,
  });
}

function makeData(shape: Shape) {
  const rng = rngFromSeed(1);
  const obs = Float32Array.from({ length: N * shape.obs }, () => rng.normal());
  const acts = shape.continuous
    ? Float32Array.from({ length: N * shape.act }, () => rng.uniform(-1, 1))
    : Float32Array.from({ length: N }, () => rng.integers(shape.act));
  return { obs, acts };
}

async function trainingRates(shape: Shape): Promise<NnShapeResult> {
  const policy = await makePolicy(shape);
  const { obs, acts } = makeData(shape);
  const options = { learningRate: 1e-4 };
  const tfjs = policy.createTrainer({ ...options, engine: "tfjs" });
  tfjs.setData(obs, acts);
  const fused = createFusedTrainer(
    {
      sizes: [shape.obs, ...shape.hidden, shape.act],
      activation: "tanh",
      head: shape.continuous ? "gaussian" : "categorical",
      ...options,
    },
    policy.getWeights(),
  );
  fused.setData(obs, acts);
  const order = Int32Array.from({ length: N }, (_, i) => (i * 2654435761) % N);
  const batches = (steps: number, step: (indices: Int32Array) => void) => () => {
    for (let s = 0; s < steps; s++) {
      const from = (s * shape.batch) % (N - shape.batch);
      step(order.subarray(from, from + shape.batch));
    }
  };
  // About a third of a second per repetition on either path.
  const small = shape.batch <= 32;
  const tfjsSteps = small ? 200 : 10;
  const fusedSteps = small ? 2000 : 60;
  const tfjsRate = rate(
    batches(tfjsSteps, (i) => tfjs.step(i)),
    tfjsSteps,
  );
  const fusedRate = rate(
    batches(fusedSteps, (i) => fused.step(i)),
    fusedSteps,
  );
  tfjs.dispose();
  policy.dispose();
  return {
    name: shape.name,
    fusedStepsPerSecond: fusedRate,
    tfjsStepsPerSecond: tfjsRate,
    ratioVsTfjs: fusedRate / tfjsRate,
  };
}

interface LatencyResult {
  name: string;
  fusedMicros: number;
  mirrorMicros: number;
  engineMicros: number;
}

async function actLatency(shape: Shape): Promise<LatencyResult> {
  const policy = await makePolicy(shape);
  const fused = createFusedTrainer(
    {
      sizes: [shape.obs, ...shape.hidden, shape.act],
      activation: "tanh",
      head: shape.continuous ? "gaussian" : "categorical",
      learningRate: 1e-3,
    },
    policy.getWeights(),
  );
  const rng = rngFromSeed(2);
  const inputs = Array.from({ length: 64 }, () =>
    Float32Array.from({ length: shape.obs }, () => rng.normal()),
  );
  const reps = 20000;
  let sink = 0;
  const fusedRate = rate(() => {
    for (let i = 0; i < reps; i++) {
      const out = fused.forward(inputs[i & 63]!, 1);
      let best = 0;
      for (let k = 1; k < shape.act; k++) if (out[k]! > out[best]!) best = k;
      sink += best;
    }
  }, reps);
  const mirrorRate = rate(() => {
    for (let i = 0; i < reps; i++) policy.act(inputs[i & 63]!, { deterministic: true });
  }, reps);
  const vars = policy.getWeights().map((w, i, all) => {
    const sizes = [shape.obs, ...shape.hidden, shape.act];
    const layer = Math.floor(i / 2);
    const shapeOf =
      i === all.length - 1 && shape.continuous
        ? [w.length]
        : i % 2 === 0
          ? [sizes[layer]!, sizes[layer + 1]!]
          : [w.length];
    return tf.tensor(w, shapeOf);
  });
  const engineReps = 500;
  const engineRate = rate(() => {
    for (let i = 0; i < engineReps; i++) {
      const out = tf.tidy(() => {
        let h = tf.tensor2d(inputs[i & 63]!, [1, shape.obs]);
        const layers = shape.hidden.length + 1;
        for (let l = 0; l < layers; l++) {
          h = tf.add(tf.matMul(h, vars[2 * l] as tf.Tensor2D), vars[2 * l + 1]!);
          if (l + 1 < layers) h = tf.tanh(h);
        }
        return h;
      });
      sink += out.dataSync()[0]!;
      out.dispose();
    }
  }, engineReps);
  for (const v of vars) v.dispose();
  policy.dispose();
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return {
    name: shape.name.replace(/ b\d+/, ""),
    fusedMicros: 1e6 / fusedRate,
    mirrorMicros: 1e6 / mirrorRate,
    engineMicros: 1e6 / engineRate,
  };
}

export async function benchNn(): Promise<{ shapes: NnShapeResult[]; latency: LatencyResult[] }> {
  const engine = await initEngine();
  console.log(machineReport());
  console.log(`tfjs backend: ${engine.backend}\n`);
  const shapes: NnShapeResult[] = [];
  for (const shape of SHAPES) shapes.push(await trainingRates(shape));
  printTable(
    ["training (steps/s)", "fused", "tfjs", "fused/tfjs"],
    shapes.map((r) => [
      r.name,
      r.fusedStepsPerSecond.toFixed(0),
      r.tfjsStepsPerSecond.toFixed(0),
      `${r.ratioVsTfjs.toFixed(1)}×`,
    ]),
  );
  console.log("");
  const latency: LatencyResult[] = [];
  for (const shape of SHAPES.filter((s) => s.batch === 32)) latency.push(await actLatency(shape));
  printTable(
    ["batch-1 act (µs)", "fused", "policy.act (JS mirror)", "tfjs engine", "mirror/fused", "engine/fused"],
    latency.map((r) => [
      r.name,
      r.fusedMicros.toFixed(2),
      r.mirrorMicros.toFixed(2),
      r.engineMicros.toFixed(1),
      `${(r.mirrorMicros / r.fusedMicros).toFixed(1)}×`,
      `${(r.engineMicros / r.fusedMicros).toFixed(0)}×`,
    ]),
  );
  return { shapes, latency };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchNn();
