/**
 * `npm run bench -- bc`: behavior-cloning speed.
 *
 * - Training throughput (samples/s) of mimic's trainer for a 64×64 MLP at batch 32 and a 256×256
 *   MLP at batch 256, on CartPole shapes (4 inputs, 2 actions). Baseline, same run: the textbook
 *   TensorFlow.js path, a `tf.sequential` model trained with `tf.train.adam` and
 *   `optimizer.minimize` on the same backend.
 * - Batch-1 `act` latency (µs). Baseline: `model.predict` on the same tf.layers network.
 * - The quickstart's wall time (`mimic quickstart`, in a fresh process).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { trainBc } from "../src/algorithms/bc.js";
import {
  Box,
  collect,
  Dataset,
  Discrete,
  evaluate,
  make,
  rngFromSeed,
  scriptedExpert,
} from "../src/index.js";
import { compilePolicy } from "../src/nn/compile.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import { machineReport, printTable } from "./harness.js";

const OBS = 4;
const N = 4096;

function data() {
  const rng = rngFromSeed(0);
  const obs = Float32Array.from({ length: N * OBS }, () => rng.normal());
  const acts = Float32Array.from({ length: N }, (_, i) =>
    obs[i * OBS + 2]! + 0.5 * obs[i * OBS + 3]! > 0 ? 1 : 0,
  );
  return { obs, acts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function mimicTraining(hidden: number[], batch: number, steps: number): Promise<number> {
  const { obs, acts } = data();
  const policy = await NeuralPolicy.create({
    observationSpace: new Box(-10, 10, [OBS]),
    actionSpace: new Discrete(2),
    envId: "CartPole-v1",
    hidden,
    seed: 0,
  });
  const trainer = policy.createTrainer({ learningRate: 1e-3 });
  trainer.setData(obs, acts);
  const indices = Int32Array.from({ length: N }, (_, i) => i);
  const run = () => {
    const start = process.hrtime.bigint();
    for (let s = 0; s < steps; s++) {
      const from = (s * batch) % (N - batch);
      trainer.step(indices.subarray(from, from + batch));
    }
    return (steps * batch) / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  run();
  const rate = median([run(), run(), run()]);
  trainer.dispose();
  policy.dispose();
  return rate;
}

function layersModel(hidden: number[]) {
  const model = tf.sequential();
  hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, activation: "tanh", ...(i === 0 ? { inputShape: [OBS] } : {}) }));
  });
  model.add(tf.layers.dense({ units: 2 }));
  return model;
}

function layersTraining(hidden: number[], batch: number, steps: number): number {
  const { obs, acts } = data();
  const model = layersModel(hidden);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor2d(obs, [N, OBS]);
  const y = tf.oneHot(tf.tensor1d(acts, "int32"), 2);
  const run = () => {
    const start = process.hrtime.bigint();
    for (let s = 0; s < steps; s++) {
      const from = (s * batch) % (N - batch);
      tf.tidy(() => {
        const xb = x.slice([from, 0], [batch, OBS]);
        const yb = y.slice([from, 0], [batch, 2]);
        optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(yb, model.predict(xb) as tf.Tensor) as tf.Scalar,
        );
      });
    }
    return (steps * batch) / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  run();
  const rate = median([run(), run(), run()]);
  x.dispose();
  y.dispose();
  model.dispose();
  optimizer.dispose();
  return rate;
}

/** Batch-1 deterministic act latency in µs: `NeuralPolicy.act`, or the compiled policy's `act`. */
async function mimicAct(hidden: number[], calls: number, compiled = false): Promise<number> {
  const policy = await NeuralPolicy.create({
    observationSpace: new Box(-10, 10, [OBS]),
    actionSpace: new Discrete(2),
    envId: "CartPole-v1",
    hidden,
    seed: 0,
  });
  const obs = new Float32Array([0.01, -0.02, 0.03, 0.04]);
  const fast = compilePolicy(policy);
  const act = compiled ? () => fast.act(obs) : () => policy.act(obs, { deterministic: true });
  const run = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) act();
    return Number(process.hrtime.bigint() - start) / 1e3 / calls;
  };
  run();
  const us = median([run(), run(), run()]);
  policy.dispose();
  return us;
}

function layersAct(hidden: number[], calls: number): number {
  const model = layersModel(hidden);
  const obs = new Float32Array([0.01, -0.02, 0.03, 0.04]);
  const run = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      tf.tidy(() => (model.predict(tf.tensor2d(obs, [1, OBS])) as tf.Tensor).argMax(1).dataSync());
    }
    return Number(process.hrtime.bigint() - start) / 1e3 / calls;
  };
  run();
  const us = median([run(), run(), run()]);
  model.dispose();
  return us;
}

/** Seconds to train BC on 10 expert CartPole episodes (3 epochs, batch 32) and the return it reaches. */
async function cartPoleTo500(): Promise<{ seconds: number; meanReturn: number }> {
  const env = make("CartPole-v1");
  const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
    episodes: 10,
    seed: 0,
    deterministic: true,
  });
  const dataset = new Dataset({
    id: "bench/cartpole-v0",
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  const start = process.hrtime.bigint();
  const { policy } = await trainBc(dataset, { epochs: 3, seed: 0 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result = await evaluate(make("CartPole-v1"), policy, { episodes: 50, seed: 1000 });
  policy.dispose();
  return { seconds, meanReturn: result.meanReturn };
}

function quickstartSeconds(): number {
  const dir = mkdtempSync(join(tmpdir(), "mimic-bench-qs-"));
  try {
    const bin = fileURLToPath(new URL("../../bin/mimic.js", import.meta.url));
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, "quickstart", "--out", dir], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`quickstart failed: ${result.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchBc(): Promise<void> {
  const engine = await initEngine();
  console.log(`mimic bench: bc (backend ${engine.backend}; median of 3 runs after a warm-up)`);
  console.log(machineReport());
  const rows: string[][] = [];
  for (const [hidden, batch, steps] of [
    [[64, 64], 32, 600],
    [[256, 256], 256, 60],
  ] as const) {
    const ours = await mimicTraining([...hidden], batch, steps);
    const base = layersTraining([...hidden], batch, steps);
    rows.push([
      `${hidden.join("×")}, batch ${batch}`,
      `${(base / batch).toFixed(0)} steps/s (${(base / 1000).toFixed(1)} k samples/s)`,
      `${(ours / batch).toFixed(0)} steps/s (${(ours / 1000).toFixed(1)} k samples/s)`,
      `${(ours / base).toFixed(2)}×`,
    ]);
  }
  printTable(
    ["BC training", "tf.layers + tf.train.adam (baseline)", "mimic trainer", "mimic / baseline"],
    rows,
  );
  console.log("");
  const actRows: string[][] = [];
  for (const hidden of [
    [64, 64],
    [256, 256],
  ]) {
    const ours = await mimicAct(hidden, 2000);
    const compiled = await mimicAct(hidden, 2000, true);
    const base = layersAct(hidden, 500);
    actRows.push([
      `${hidden.join("×")}`,
      `${base.toFixed(1)} µs`,
      `${ours.toFixed(1)} µs`,
      `${compiled.toFixed(1)} µs`,
      `${(base / compiled).toFixed(1)}× faster`,
    ]);
  }
  printTable(
    [
      "batch-1 act",
      "tf.layers predict (baseline)",
      "NeuralPolicy.act",
      "compilePolicy act",
      "compiled vs baseline",
    ],
    actRows,
  );
  const to500 = await cartPoleTo500();
  console.log(
    `\nBC on CartPole-v1 from 10 expert episodes, 3 epochs: ${to500.seconds.toFixed(2)} s of training, mean return ${to500.meanReturn.toFixed(1)} over 50 episodes (imitation, PyTorch: about 2 s to 500, as quoted in issue 5)`,
  );
  console.log(
    `\nquickstart wall time (fresh process, record + train + evaluate + report): ${quickstartSeconds().toFixed(1)} s`,
  );
}
