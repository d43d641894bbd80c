import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import fc from "fast-check";
import { ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete } from "../src/core/spaces/index.js";
import { initEngine, tf } from "../src/nn/engine.js";
import {
  CategoricalScratch,
  categoricalNll,
  clipGradNorm,
  createLossStats,
  gaussianNll,
  l2Penalty,
  logisticLoss,
  mse,
  ppoCategorical,
  valueLoss,
} from "../src/nn/fused/losses.js";
import { FusedMlp } from "../src/nn/fused/mlp.js";
import { createFusedTrainer, NonFiniteGradientError } from "../src/nn/fused/trainer.js";
import { NeuralPolicy } from "../src/nn/policy.js";

before(async () => {
  await initEngine();
});

type Act = "tanh" | "relu";

function uniforms(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** Kernels and biases in `initMlpWeights` order, uniform in (−1, 1) so every gradient is sizeable. */
function randomWeights(sizes: number[], seed: number): Float32Array[] {
  const weights: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    weights.push(
      uniforms(sizes[l]! * sizes[l + 1]!, seed + 2 * l),
      uniforms(sizes[l + 1]!, seed + 2 * l + 1),
    );
  }
  return weights;
}

function flat(weights: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(weights.reduce((s, w) => s + w.length, 0));
  let o = 0;
  for (const w of weights) {
    out.set(w, o);
    o += w.length;
  }
  return out;
}

/** Plain tfjs forward pass (matMul, add, activation), the reference for the fused one. */
function tfForward(x: tf.Tensor2D, vars: tf.Variable[], layers: number, act: Act): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h, vars[2 * l] as tf.Tensor2D), vars[2 * l + 1]!);
    if (l + 1 < layers) h = act === "tanh" ? tf.tanh(h) : tf.relu(h);
  }
  return h;
}

/** tf.variableGrads of `loss(outputs, extraVars)` for the given weights (extra weights appended). */
function tfGrads(
  sizes: number[],
  act: Act,
  weights: Float32Array[],
  x: Float32Array,
  rows: number,
  loss: (out: tf.Tensor2D, vars: tf.Variable[]) => tf.Scalar,
): Float32Array[] {
  const layers = sizes.length - 1;
  const shapes: number[][] = [];
  for (let l = 0; l < layers; l++) shapes.push([sizes[l]!, sizes[l + 1]!], [sizes[l + 1]!]);
  while (shapes.length < weights.length) shapes.push([weights[shapes.length]!.length]);
  const vars = weights.map((w, i) => tf.variable(tf.tensor(w, shapes[i]!, "float32"), true));
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = tfForward(tf.tensor2d(x, [rows, sizes[0]!]), vars, layers, act);
      return loss(out, vars);
    }, vars);
    value.dispose();
    const result = vars.map((v) => Float32Array.from(grads[v.name]!.dataSync()));
    for (const g of Object.values(grads)) g.dispose();
    return result;
  } finally {
    for (const v of vars) v.dispose();
  }
}

/** Per tensor: max |fused − tfjs| ≤ 1e-5 · max |tfjs| (relative to the tensor's scale). */
function assertClose(fused: ArrayLike<number>, reference: Float32Array[], what: string): void {
  let offset = 0;
  reference.forEach((ref, t) => {
    let scale = 0;
    let err = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]!));
      err = Math.max(err, Math.abs(fused[offset + i]! - ref[i]!));
    }
    assert.ok(err <= 1e-5 * scale + 1e-9, `${what}: tensor ${t}: max error ${err} vs scale ${scale}`);
    offset += ref.length;
  });
}

const shapeArb = fc.record({
  inputs: fc.integer({ min: 1, max: 8 }),
  hidden: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 2 }),
  outputs: fc.integer({ min: 1, max: 6 }),
  batch: fc.integer({ min: 1, max: 16 }),
  act: fc.constantFrom<Act>("tanh", "relu"),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

for (const engine of ["wasm", "ts"] as const)
  describe(`fused MLP gradients equal tfjs's (${engine} kernels)`, () => {
    test("categorical NLL with entropy bonus", () => {
      fc.assert(
        fc.property(shapeArb, ({ inputs, hidden, outputs, batch, act, seed }) => {
          const sizes = [inputs, ...hidden, outputs + 1];
          const k = outputs + 1;
          const weights = randomWeights(sizes, seed);
          const x = uniforms(batch * inputs, seed + 99, -2, 2);
          const rng = rngFromSeed(seed + 7);
          const actions = Int32Array.from({ length: batch }, () => rng.integers(k));
          const entW = 0.01;
          const mlp = new FusedMlp({ sizes, activation: act }, batch, { engine });
          mlp.input.set(x);
          const params = flat(weights);
          const grads = new Float32Array(mlp.parameterCount);
          const out = mlp.forward(params, batch);
          const stats = createLossStats();
          categoricalNll(out, batch, actions, entW, new CategoricalScratch([k]), mlp.outputGrad, stats);
          mlp.backward(params, batch, grads);
          const ref = tfGrads(sizes, act, weights, x, batch, (o) => {
            const logP = tf.logSoftmax(o);
            const onehot = tf.oneHot(tf.tensor1d(actions, "int32"), k);
            const nll = tf.neg(tf.mean(tf.sum(tf.mul(logP, onehot), 1)));
            const ent = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), 1)));
            return tf.sub(nll, tf.mul(ent, entW)) as tf.Scalar;
          });
          assertClose(grads, ref, `categorical ${JSON.stringify(sizes)} ${act} batch ${batch}`);
        }),
        { numRuns: 30, seed: 1 },
      );
    });

    test("diagonal-Gaussian NLL (with log-std) and MSE", () => {
      fc.assert(
        fc.property(shapeArb, ({ inputs, hidden, outputs, batch, act, seed }) => {
          const sizes = [inputs, ...hidden, outputs];
          const weights = randomWeights(sizes, seed);
          const logStd = uniforms(outputs, seed + 5, -0.5, 0.5);
          const x = uniforms(batch * inputs, seed + 99, -2, 2);
          const a = uniforms(batch * outputs, seed + 3, -2, 2);
          const entW = 0.01;
          const mlp = new FusedMlp({ sizes, activation: act }, batch, { engine });
          mlp.input.set(x);
          const params = flat(weights);
          const grads = new Float32Array(mlp.parameterCount + outputs);
          const out = mlp.forward(params, batch);
          const stats = createLossStats();
          gaussianNll(
            out,
            batch,
            a,
            logStd,
            entW,
            new Float64Array(outputs),
            mlp.outputGrad,
            grads.subarray(mlp.parameterCount),
            stats,
          );
          mlp.backward(params, batch, grads);
          const half = 0.5 * Math.log(2 * Math.PI);
          const ref = tfGrads(sizes, act, [...weights, logStd], x, batch, (o, vars) => {
            const ls = vars[vars.length - 1]!;
            const z = tf.mul(tf.sub(tf.tensor2d(a, [batch, outputs]), o), tf.exp(tf.neg(ls)));
            const logp = tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), tf.add(tf.sum(ls), outputs * half));
            const ent = tf.add(tf.sum(ls), outputs * (half + 0.5));
            return tf.sub(tf.neg(tf.mean(logp)), tf.mul(ent, entW)) as tf.Scalar;
          });
          assertClose(grads, ref, `gaussian ${JSON.stringify(sizes)} ${act} batch ${batch}`);

          mse(out, batch, outputs, a, mlp.outputGrad, stats);
          mlp.backward(params, batch, grads);
          const refMse = tfGrads(sizes, act, weights, x, batch, (o) =>
            tf.mean(tf.squaredDifference(o, tf.tensor2d(a, [batch, outputs]))),
          );
          assertClose(grads, refMse, `mse ${JSON.stringify(sizes)} ${act} batch ${batch}`);
        }),
        { numRuns: 30, seed: 2 },
      );
    });
  });

// ---------------------------------------------------------------------------------------------
// Finite differences, in float64 (the losses compute in float64)
// ---------------------------------------------------------------------------------------------

/** Central differences of `f` at `x` against `grad`, within 1e-6 relative to the gradient's scale. */
function checkFd(
  x: Float64Array | Float32Array,
  f: () => number,
  grad: ArrayLike<number>,
  what: string,
  h = 1e-6,
  tol = 1e-6,
): void {
  let scale = 1e-3;
  for (let i = 0; i < grad.length; i++) scale = Math.max(scale, Math.abs(grad[i]!));
  for (let i = 0; i < x.length; i++) {
    const saved = x[i]!;
    x[i] = saved + h;
    const up = f();
    x[i] = saved - h;
    const down = f();
    x[i] = saved;
    const fd = (up - down) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]!) <= tol * scale + 1e-8, `${what}[${i}]: fd ${fd} vs ${grad[i]}`);
  }
}

function f64(n: number, seed: number, lo = -2, hi = 2): Float64Array {
  return Float64Array.from(uniforms(n, seed, lo, hi));
}

describe("finite-difference checks of every loss", () => {
  const rows = 7;
  const stats = createLossStats();

  test("categorical NLL + entropy (one and several blocks)", () => {
    for (const nvec of [[3], [2, 4]]) {
      const width = nvec.reduce((a, b) => a + b, 0);
      const logits = f64(rows * width, 1);
      const rng = rngFromSeed(2);
      const actions = Int32Array.from({ length: rows * nvec.length }, (_, i) =>
        rng.integers(nvec[i % nvec.length]!),
      );
      const scratch = new CategoricalScratch(nvec);
      const grad = new Float64Array(logits.length);
      const sink = new Float64Array(logits.length);
      categoricalNll(logits, rows, actions, 0.05, scratch, grad, stats);
      checkFd(logits, () => categoricalNll(logits, rows, actions, 0.05, scratch, sink, stats), grad, "cat");
    }
  });

  test("Gaussian NLL + entropy, mean and log-std", () => {
    const d = 3;
    const means = f64(rows * d, 3);
    const actions = f64(rows * d, 4);
    const logStd = f64(d, 5, -0.5, 0.5);
    const inv = new Float64Array(d);
    const grad = new Float64Array(rows * d);
    const gradLogStd = new Float64Array(d);
    const sink = new Float64Array(rows * d);
    const sinkStd = new Float64Array(d);
    const loss = () => gaussianNll(means, rows, actions, logStd, 0.02, inv, sink, sinkStd, stats);
    gaussianNll(means, rows, actions, logStd, 0.02, inv, grad, gradLogStd, stats);
    checkFd(means, loss, grad, "gauss mean");
    checkFd(logStd, loss, gradLogStd, "gauss logstd");
  });

  test("MSE", () => {
    const y = f64(rows * 2, 6);
    const t = f64(rows * 2, 7);
    const grad = new Float64Array(y.length);
    const sink = new Float64Array(y.length);
    mse(y, rows, 2, t, grad, stats);
    checkFd(y, () => mse(y, rows, 2, t, sink, stats), grad, "mse");
  });

  test("binary logistic loss, large logits included", () => {
    const logits = Float64Array.from([-40, -3, -0.5, 0, 0.7, 5, 30]);
    const labels = [0, 1, 0.3, 1, 0, 1, 0];
    const grad = new Float64Array(rows);
    const sink = new Float64Array(rows);
    const value = logisticLoss(logits, rows, labels, grad, stats);
    assert.ok(Number.isFinite(value));
    checkFd(logits, () => logisticLoss(logits, rows, labels, sink, stats), grad, "logistic");
  });

  test("PPO clipped surrogate + entropy, clipped and unclipped rows", () => {
    const k = 3;
    const logits = f64(rows * k, 8);
    const actions = Int32Array.from([0, 1, 2, 0, 1, 2, 1]);
    // Old log-probs near and far from the current ones, so some ratios fall outside [1 − ε, 1 + ε].
    const current = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const z = Array.from(logits.subarray(r * k, r * k + k));
      const lse = Math.log(z.reduce((sum, v) => sum + Math.exp(v), 0));
      current[r] = z[actions[r]!]! - lse;
    }
    const oldLogProbs = Float64Array.from(current, (lp, r) => lp + 0.12 * (r - 3));
    const advantages = Float64Array.from([1, -1, 0.5, -2, 1.5, -0.3, 0.8]);
    const scratch = new CategoricalScratch([k]);
    const grad = new Float64Array(logits.length);
    const sink = new Float64Array(logits.length);
    const f = () =>
      ppoCategorical(logits, rows, actions, oldLogProbs, advantages, 0.2, 0.01, scratch, sink, stats);
    ppoCategorical(logits, rows, actions, oldLogProbs, advantages, 0.2, 0.01, scratch, grad, stats);
    assert.ok(stats.clipFraction > 0 && stats.clipFraction < 1, `clip fraction ${stats.clipFraction}`);
    checkFd(logits, f, grad, "ppo");
  });

  test("PPO value loss, plain and clipped", () => {
    const values = f64(rows, 9);
    const returns = f64(rows, 10);
    const oldValues = Float64Array.from(values, (v, i) => v + (i % 2 === 0 ? 0.5 : 0.05));
    const grad = new Float64Array(rows);
    const sink = new Float64Array(rows);
    valueLoss(values, rows, returns, grad, stats);
    checkFd(values, () => valueLoss(values, rows, returns, sink, stats), grad, "value");
    const clip = { oldValues, clipEpsilon: 0.2 };
    valueLoss(values, rows, returns, grad, stats, clip);
    checkFd(values, () => valueLoss(values, rows, returns, sink, stats, clip), grad, "value clipped");
  });

  test("L2 penalty and gradient-norm clipping", () => {
    const params = uniforms(10, 11);
    const grad = new Float64Array(10);
    const value = l2Penalty(params, 10, 0.3, grad);
    let expected = 0;
    params.forEach((w, i) => {
      expected += 0.5 * w * w;
      assert.ok(Math.abs(grad[i]! - 0.3 * w) < 1e-12);
    });
    assert.ok(Math.abs(value - expected) < 1e-12);
    const g = Float64Array.from([3, 4]);
    assert.equal(clipGradNorm(g, 2, 1), 5);
    assert.ok(Math.abs(Math.hypot(g[0]!, g[1]!) - 5 / (5 + 1e-6)) < 1e-12);
    const small = Float64Array.from([0.3, 0.4]);
    clipGradNorm(small, 2, 1);
    assert.deepEqual(Array.from(small), [0.3, 0.4]);
  });

  test("MLP backward (parameters and input) through a loss", () => {
    const sizes = [3, 5, 4, 2];
    for (const [engine, act] of [
      ["wasm", "tanh"],
      ["wasm", "relu"],
      ["ts", "tanh"],
      ["ts", "relu"],
    ] as const) {
      const mlp = new FusedMlp({ sizes, activation: act }, rows, { engine });
      // Parameters on a 2^-8 grid, so w ± 2^-8 is exact in float32. The network computes in
      // float32, so the differences carry ~1e-7/2^-8 of rounding: the tolerance is 2e-4.
      const params = flat(randomWeights(sizes, 12)).map((w) => Math.round(w * 256) / 256);
      const x = f64(rows * 3, 13).map((v) => Math.round(v * 256) / 256);
      const t = f64(rows * 2, 14);
      const grads = new Float32Array(mlp.parameterCount);
      const loss = () => {
        mlp.input.set(x);
        return mse(mlp.forward(params, rows), rows, 2, t, mlp.outputGrad, stats);
      };
      loss();
      mlp.backward(params, rows, grads, true);
      const inputGrad = mlp.inputGrad.slice(0, rows * 3);
      checkFd(params, loss, grads, `${engine} ${act} params`, 2 ** -8, 2e-4);
      checkFd(x, loss, inputGrad, `${engine} ${act} input`, 2 ** -8, 2e-4);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The fused trainer against the tfjs trainer
// ---------------------------------------------------------------------------------------------

function cartPoleData(n: number, seed: number) {
  const rng = rngFromSeed(seed);
  const obs = Float32Array.from({ length: n * 4 }, () => rng.normal());
  const acts = Float32Array.from({ length: n }, (_, i) =>
    obs[i * 4 + 2]! + 0.5 * obs[i * 4 + 3]! > 0 ? 1 : 0,
  );
  return { obs, acts };
}

function relClose(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1e-3);
}

describe("fused trainer vs tfjs trainer", () => {
  const cases = [
    { name: "categorical, tanh", act: "tanh" as Act, opts: {} },
    {
      name: "categorical, relu, L2 and clipping",
      act: "relu" as Act,
      opts: { l2Weight: 1e-3, maxGradNorm: 0.5 },
    },
  ];
  for (const { name, act, opts } of cases) {
    test(`CartPole-shaped data, 20 steps: ${name}`, async () => {
      const policy = await NeuralPolicy.create({
        observationSpace: new Box(-10, 10, [4]),
        actionSpace: new Discrete(2),
        envId: "CartPole-v1",
        hidden: [64, 64],
        activation: act,
        seed: 3,
      });
      const weights = policy.getWeights();
      const { obs, acts } = cartPoleData(512, 4);
      const options = { learningRate: 3e-3, entropyWeight: 1e-2, ...opts };
      const reference = policy.createTrainer({ ...options, engine: "tfjs" });
      reference.setData(obs, acts);
      const fused = createFusedTrainer(
        { sizes: [4, 64, 64, 2], activation: act, head: "categorical", ...options },
        weights,
      );
      fused.setData(obs, acts);
      for (let s = 0; s < 20; s++) {
        const indices = Int32Array.from({ length: 32 }, (_, i) => (s * 37 + i * 13) % 512);
        const a = reference.step(indices);
        const b = fused.step(indices);
        // Step 0 tightly (tfjs's float32 sum of ½w² over 4.5k weights is itself off by ~2e-6), later loosely.
        const tol = s === 0 ? 1e-5 : 1e-4;
        for (const key of ["loss", "nll", "entropy", "l2", "probTrueAct"] as const) {
          assert.ok(relClose(b[key], a[key], tol), `step ${s} ${key}: fused ${b[key]} vs tfjs ${a[key]}`);
        }
      }
      assert.equal(fused.stepCount, 20);
      const all = Int32Array.from({ length: 512 }, (_, i) => i);
      assert.ok(relClose(fused.evaluate(all).loss, reference.evaluate(all).loss, 1e-4));
      // The optimizer state moves to the tfjs trainer unchanged.
      reference.setState(fused.getState());
      reference.dispose();
      policy.dispose();
    });
  }

  test("Gaussian head, NLL and MSE, 20 steps", async () => {
    for (const loss of ["nll", "mse"] as const) {
      const policy = await NeuralPolicy.create({
        observationSpace: new Box(-10, 10, [5]),
        actionSpace: new Box(-1, 1, [3]),
        envId: "Toy-v0",
        hidden: [16, 16],
        seed: 5,
        logStdInit: -0.3,
      });
      const weights = policy.getWeights();
      const obs = uniforms(128 * 5, 6, -2, 2);
      const acts = uniforms(128 * 3, 7);
      const options = { learningRate: 1e-2, entropyWeight: 1e-3, l2Weight: 1e-4, loss };
      const reference = policy.createTrainer({ ...options, engine: "tfjs" });
      reference.setData(obs, acts);
      const fused = createFusedTrainer(
        { sizes: [5, 16, 16, 3], activation: "tanh", head: "gaussian", ...options },
        weights,
      );
      fused.setData(obs, acts);
      for (let s = 0; s < 20; s++) {
        const indices = Int32Array.from({ length: 16 }, (_, i) => (s * 11 + i * 7) % 128);
        const a = reference.step(indices);
        const b = fused.step(indices);
        const tol = s === 0 ? 1e-5 : 1e-4;
        for (const key of ["loss", "nll", "entropy", "l2", "mse"] as const) {
          assert.ok(
            relClose(b[key]!, a[key]!, tol),
            `${loss} step ${s} ${key}: fused ${b[key]} vs tfjs ${a[key]}`,
          );
        }
      }
      const wa = policy.getWeights();
      const wb = fused.getWeights();
      wa.forEach((w, t) => {
        for (let i = 0; i < w.length; i++)
          assert.ok(Math.abs(w[i]! - wb[t]![i]!) < 1e-4, `${loss} weight ${t}[${i}]`);
      });
      reference.dispose();
      policy.dispose();
    }
  });

  test("state round trip resumes bit for bit", () => {
    const sizes = [4, 8, 2];
    const weights = randomWeights(sizes, 20);
    const { obs, acts } = cartPoleData(64, 21);
    const config = { sizes, activation: "tanh" as const, head: "categorical" as const, learningRate: 1e-2 };
    const a = createFusedTrainer(config, weights);
    a.setData(obs, acts);
    const batch = (s: number) => Int32Array.from({ length: 8 }, (_, i) => (s * 8 + i) % 64);
    for (let s = 0; s < 3; s++) a.step(batch(s));
    const b = createFusedTrainer(config, a.getWeights());
    b.setData(obs, acts);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    for (let s = 3; s < 6; s++) assert.deepEqual(b.step(batch(s)), a.step(batch(s)));
    assert.deepEqual(b.getWeights(), a.getWeights());
    assert.equal(b.stepCount, 6);
  });
});

describe("fused trainer: bad input", () => {
  test("a NaN gradient names the layer, the step and the term, and changes nothing", () => {
    const sizes = [4, 8, 2];
    const weights = randomWeights(sizes, 30);
    const { obs, acts } = cartPoleData(16, 31);
    obs[5 * 4 + 1] = Number.NaN;
    const t = createFusedTrainer(
      { sizes, activation: "tanh", head: "categorical", learningRate: 1e-2 },
      weights,
    );
    t.setData(obs, acts);
    t.step(Int32Array.from([0, 1, 2, 3]));
    const before = t.getWeights();
    assert.throws(
      () => t.step(Int32Array.from([4, 5, 6])),
      (error: unknown) => {
        assert.ok(error instanceof NonFiniteGradientError);
        assert.equal(error.layer, "dense_1/bias");
        assert.equal(error.step, 2);
        assert.equal(error.term, "nll");
        assert.match(error.message, /dense_1\/bias at step 2, from the nll term/);
        return true;
      },
    );
    assert.equal(t.stepCount, 1);
    assert.deepEqual(t.getWeights(), before);
  });

  test("an infinite weight is blamed on the L2 term when the data term is finite", () => {
    const sizes = [2, 3, 2];
    const weights = randomWeights(sizes, 32);
    // A huge finite weight in a kernel row whose input is always 0, so the data term stays finite
    // (an infinite one would not: 0 · Infinity is NaN, in the kernels as in tfjs), while its L2
    // gradient, 3e38 · 2, overflows float32.
    weights[0]![0] = 3e38;
    const t = createFusedTrainer(
      { sizes, activation: "relu", head: "categorical", learningRate: 1e-2, l2Weight: 2 },
      weights,
    );
    t.setData(Float32Array.from([0, 1, 0, -1]), Float32Array.from([0, 1]));
    assert.throws(
      () => t.step(Int32Array.from([0, 1])),
      (error: unknown) =>
        error instanceof NonFiniteGradientError && error.layer === "dense_0/kernel" && error.term === "l2",
    );
  });

  test("weights of the wrong shape name the tensor and both shapes", () => {
    const weights = randomWeights([4, 8, 2], 33);
    weights[2] = new Float32Array(10);
    assert.throws(
      () =>
        createFusedTrainer(
          { sizes: [4, 8, 2], activation: "tanh", head: "categorical", learningRate: 1e-3 },
          weights,
        ),
      (error: unknown) =>
        error instanceof ShapeMismatchError &&
        /dense_1\/kernel has shape \[8, 2\].*got 10/.test(error.message),
    );
  });

  test("step before setData, out-of-range indices and actions are refused", () => {
    const t = createFusedTrainer(
      { sizes: [2, 2], activation: "tanh", head: "categorical", learningRate: 1e-3 },
      randomWeights([2, 2], 34),
    );
    assert.throws(() => t.step(Int32Array.from([0])), /call setData first/);
    assert.throws(() => t.setData(Float32Array.from([0, 0]), Float32Array.from([2])), ShapeMismatchError);
    t.setData(Float32Array.from([0, 0]), Float32Array.from([1]));
    assert.throws(() => t.step(Int32Array.from([1])), ShapeMismatchError);
    assert.throws(() => t.step(new Int32Array(0)), ShapeMismatchError);
  });
});
