import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  EnvMismatchError,
  InvalidActionError,
  InvalidOptionError,
  PolicyLoadError,
  ShapeMismatchError,
} from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete, MultiDiscrete, type Space } from "../src/core/spaces/index.js";
import { engineMemory, initEngine } from "../src/nn/engine.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import type { NeuralPolicyOptions } from "../src/nn/policy-options.js";

// Unbounded in the middle, like CartPole's velocities: policy.json must keep the infinities.
const obsSpace = new Box([-5, Number.NEGATIVE_INFINITY, -5], [5, Number.POSITIVE_INFINITY, 5]);
const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mimic-nn-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function policyFor(actionSpace: Space, extra: Partial<NeuralPolicyOptions> = {}): Promise<NeuralPolicy> {
  return NeuralPolicy.create({
    observationSpace: obsSpace,
    actionSpace,
    envId: "Toy-v0",
    hidden: [16, 16],
    seed: 7,
    ...extra,
  });
}

function randomObservations(n: number, dim: number, seed: number): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n * dim }, () => rng.uniform(-3, 3));
}

function logSumExp(values: number[]): number {
  const max = Math.max(...values);
  return max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
}

describe("engine", () => {
  test("initEngine is idempotent and runs a deterministic backend", async () => {
    const first = await initEngine();
    const second = await initEngine({ backend: "cpu" });
    assert.deepEqual(first, second);
    assert.ok(first.backend === "wasm" || first.backend === "cpu");
  });
});

describe("NeuralPolicy: construction", () => {
  test("the same seed gives the same weights; another seed other weights", async () => {
    const a = await policyFor(new Discrete(3));
    const b = await policyFor(new Discrete(3));
    const c = await policyFor(new Discrete(3), { seed: 8 });
    assert.deepEqual(a.getWeights(), b.getWeights());
    assert.notDeepEqual(a.getWeights(), c.getWeights());
    // 3·16 + 16 + 16·16 + 16 + 16·3 + 3
    assert.equal(a.parameterCount, 387);
    for (const p of [a, b, c]) p.dispose();
  });

  test("bad options are refused with the option's name", async () => {
    await assert.rejects(policyFor(new Discrete(2), { hidden: [0] }), InvalidOptionError);
    await assert.rejects(policyFor(new Discrete(2), { envId: "" }), InvalidOptionError);
    await assert.rejects(
      policyFor(new Discrete(2), { normalization: { mean: [0, 0], std: [1, 1] } }),
      ShapeMismatchError,
    );
    await assert.rejects(
      NeuralPolicy.create({
        observationSpace: new Discrete(4),
        actionSpace: new Discrete(2),
        envId: "Toy-v0",
        normalization: { mean: [0], std: [1] },
      }),
      InvalidOptionError,
    );
  });
});

describe("NeuralPolicy: acting", () => {
  const spaces: [string, Space][] = [
    ["Discrete", new Discrete(4, 2)],
    ["Box", new Box([-0.5, 0], [0.5, 2])],
    ["MultiDiscrete", new MultiDiscrete([2, 3, 4], [0, -1, 10])],
  ];
  for (const [name, space] of spaces) {
    test(`${name}: every action is in the space, and the types are right`, async () => {
      const policy = await policyFor(space, { logStdInit: 1 });
      const rng = rngFromSeed(1);
      const observations = randomObservations(200, 3, 2);
      for (let i = 0; i < 200; i++) {
        const obs = observations.subarray(i * 3, i * 3 + 3);
        for (const deterministic of [false, true]) {
          const action = policy.act(obs, { rng, deterministic });
          assert.ok(space.contains(action), `${String(action)} not in ${space}`);
          if (name === "Discrete") assert.equal(typeof action, "number");
          if (name === "Box") assert.ok(action instanceof Float32Array);
          if (name === "MultiDiscrete") assert.ok(action instanceof Int32Array);
        }
      }
      const batch = policy.actBatch(observations, { rng });
      assert.equal(batch.length, 200 * policy.actionDim);
      policy.dispose();
    });
  }

  test("Box actions are clipped to the bounds", async () => {
    const space = new Box([-0.5, 0], [0.5, 2]);
    const policy = await policyFor(space, { logStdInit: 2 }); // σ ≈ 7.4: most samples fall outside
    const rng = rngFromSeed(3);
    const hits = { low: 0, high: 0 };
    for (let i = 0; i < 300; i++) {
      const action = policy.act([0.1, 0.2, 0.3], { rng }) as Float32Array;
      assert.ok(space.contains(action));
      if (action[0] === -0.5) hits.low++;
      if (action[0] === 0.5) hits.high++;
    }
    assert.ok(hits.low > 50 && hits.high > 50, JSON.stringify(hits));
    const batch = policy.actBatch(randomObservations(5000, 3, 4), { rng }) as Float32Array;
    for (let i = 0; i < batch.length; i += 2) {
      assert.ok(batch[i]! >= -0.5 && batch[i]! <= 0.5 && batch[i + 1]! >= 0 && batch[i + 1]! <= 2);
    }
    policy.dispose();
  });

  test("the deterministic action is the mode (single and batched, JS and engine paths agree)", async () => {
    for (const space of [new Discrete(5), new MultiDiscrete([3, 4]), new Box(-1, 1, [2])]) {
      // 256 rows × 16×16 network goes through the engine; act() runs the JS mirror.
      const policy = await policyFor(space);
      const observations = randomObservations(256, 3, 5);
      const batch = policy.actBatch(observations, { deterministic: true });
      for (let i = 0; i < 256; i++) {
        const single = policy.act(observations.subarray(i * 3, i * 3 + 3), { deterministic: true });
        const expected = batch.subarray(i * policy.actionDim, (i + 1) * policy.actionDim);
        if (typeof single === "number") assert.equal(single, expected[0]);
        else if (space instanceof Box) {
          for (let d = 0; d < 2; d++) assert.ok(Math.abs(single[d]! - expected[d]!) < 1e-6);
        } else assert.deepEqual(Array.from(single), Array.from(expected));
      }
      policy.dispose();
    }
  });

  test("the deterministic Gaussian action is the clipped mean", async () => {
    const policy = await NeuralPolicy.create({
      observationSpace: new Box(-5, 5, [1]),
      actionSpace: new Box(-1, 1, [2]),
      envId: "Toy-v0",
      hidden: [],
      seed: 0,
    });
    policy.setWeights([
      [2, -0.5],
      [0.25, 0],
      [0, 0],
    ]); // mean = [2x + 0.25, −0.5x]
    assert.deepEqual(Array.from(policy.act([0.1], { deterministic: true }) as Float32Array), [
      Math.fround(0.45),
      Math.fround(-0.05),
    ]);
    assert.deepEqual(Array.from(policy.act([3], { deterministic: true }) as Float32Array), [1, -1]);
    policy.dispose();
  });

  test("sampling is reproducible under a seed", async () => {
    const policy = await policyFor(new Discrete(4));
    const run = (seed: number) => {
      const rng = rngFromSeed(seed);
      return Array.from({ length: 100 }, (_, i) => policy.act([i / 50 - 1, 0.3, -0.2], { rng }));
    };
    assert.deepEqual(run(11), run(11));
    assert.notDeepEqual(run(11), run(12));
    policy.dispose();
  });

  test("a Discrete observation space is one-hot encoded; bad observations are refused", async () => {
    const policy = await NeuralPolicy.create({
      observationSpace: new Discrete(5),
      actionSpace: new Discrete(2),
      envId: "Toy-v0",
      seed: 1,
    });
    assert.equal(policy.observationDim, 1);
    const actions = [0, 1, 2, 3, 4].map((s) => policy.act(s, { deterministic: true }));
    assert.deepEqual(Array.from(policy.actBatch([0, 1, 2, 3, 4], { deterministic: true })), actions);
    assert.throws(() => policy.act(5), ShapeMismatchError);
    assert.throws(() => policy.act([1, 2]), ShapeMismatchError);
    policy.dispose();
  });
});

describe("NeuralPolicy: distributions by hand", () => {
  // A linear policy (no hidden layers) on a 2-D observation: logits = x·W + b.
  const W = [0.5, -1, 2, 0.25, 0, -0.5]; // [2, 3] row-major
  const b = [0.1, 0.2, -0.3];
  const x = [0.4, -1.2];
  const logits = [0, 1, 2].map((j) => x[0]! * W[j]! + x[1]! * W[3 + j]! + b[j]!);

  test("categorical logProb and entropy", async () => {
    const policy = await NeuralPolicy.create({
      observationSpace: new Box(-5, 5, [2]),
      actionSpace: new Discrete(3),
      envId: "Toy-v0",
      hidden: [],
    });
    policy.setWeights([W, b]);
    const lse = logSumExp(logits);
    const logProbs = policy.logProb([...x, ...x, ...x], [0, 1, 2]);
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(logProbs[a]! - (logits[a]! - lse)) < 1e-5);
    const p = logits.map((l) => Math.exp(l - lse));
    const entropy = -p.reduce((sum, pi) => sum + pi * Math.log(pi), 0);
    assert.ok(Math.abs(policy.entropy(x)[0]! - entropy) < 1e-5);
    policy.dispose();
  });

  test("Gaussian logProb, and entropy = Σ (log σ + ½ log 2πe)", async () => {
    const policy = await NeuralPolicy.create({
      observationSpace: new Box(-5, 5, [2]),
      actionSpace: new Box(-10, 10, [3]),
      envId: "Toy-v0",
      hidden: [],
    });
    const logStd = [-0.5, 0, 0.7];
    policy.setWeights([W, b, logStd]);
    const action = [1, -2, 0.5];
    let expected = 0;
    for (let d = 0; d < 3; d++) {
      const z = (action[d]! - logits[d]!) / Math.exp(logStd[d]!);
      expected += -0.5 * z * z - logStd[d]! - 0.5 * Math.log(2 * Math.PI);
    }
    assert.ok(Math.abs(policy.logProb(x, action)[0]! - expected) < 1e-4);
    const entropy = logStd.reduce((sum, s) => sum + s + HALF_LOG_2PI_E, 0);
    const got = policy.entropy([...x, 0, 0]);
    assert.ok(Math.abs(got[0]! - entropy) < 1e-5 && Math.abs(got[1]! - entropy) < 1e-5);
    policy.dispose();
  });

  test("MultiDiscrete logProb is the sum over dimensions; bad actions are refused", async () => {
    const policy = await NeuralPolicy.create({
      observationSpace: new Box(-5, 5, [2]),
      actionSpace: new MultiDiscrete([2, 1], [0, 3]),
      envId: "Toy-v0",
      hidden: [],
    });
    policy.setWeights([W, b]);
    // Dimension 0 uses logits 0–1, dimension 1 (one category) logit 2: log 1 = 0.
    const expected = logits[1]! - logSumExp(logits.slice(0, 2));
    assert.ok(Math.abs(policy.logProb(x, [1, 3])[0]! - expected) < 1e-5);
    assert.throws(() => policy.logProb(x, [2, 3]), InvalidActionError);
    assert.throws(() => policy.logProb(x, [0, 0]), InvalidActionError);
    policy.dispose();
  });
});

describe("NeuralPolicy: save and load", () => {
  test("a round trip gives identical weights and actions", async () => {
    for (const space of [new Discrete(3), new Box([-1, -2], [1, 2]), new MultiDiscrete([2, 2])]) {
      const policy = await policyFor(space, { normalization: { mean: [0, 1, -1], std: [1, 2, 0] } });
      const path = join(dir, `round-trip-${space.kind}`);
      await policy.save(path);
      await policy.save(path); // replacing a saved policy is allowed
      const loaded = await NeuralPolicy.load(path, { expectEnvId: "Toy-v0" });
      assert.deepEqual(loaded.getWeights(), policy.getWeights());
      assert.equal(loaded.envId, "Toy-v0");
      assert.equal(loaded.observationSpace.toString(), obsSpace.toString());
      assert.equal(loaded.actionSpace.toString(), space.toString());
      assert.deepEqual(loaded.normalization, policy.normalization);
      const observations = randomObservations(300, 3, 9);
      assert.deepEqual(
        loaded.actBatch(observations, { rng: rngFromSeed(1) }),
        policy.actBatch(observations, { rng: rngFromSeed(1) }),
      );
      for (let i = 0; i < 20; i++) {
        const obs = observations.subarray(i * 3, i * 3 + 3);
        assert.deepEqual(loaded.act(obs, { deterministic: true }), policy.act(obs, { deterministic: true }));
      }
      const files = JSON.parse(await readFile(join(path, "policy.json"), "utf8"));
      assert.equal(files.format, "mimic-policy");
      assert.equal(files.head, policy.headKind);
      policy.dispose();
      loaded.dispose();
    }
  });

  test("loading a policy saved for another environment names both ids", async () => {
    const policy = await policyFor(new Discrete(2));
    const path = join(dir, "env-check");
    await policy.save(path);
    policy.dispose();
    await assert.rejects(NeuralPolicy.load(path, { expectEnvId: "CartPole-v1" }), (error: unknown) => {
      assert.ok(error instanceof EnvMismatchError);
      assert.equal(error.code, "ENV_MISMATCH");
      assert.match(error.message, /Toy-v0/);
      assert.match(error.message, /CartPole-v1/);
      return true;
    });
  });

  test("a missing or damaged directory throws PolicyLoadError", async () => {
    await assert.rejects(NeuralPolicy.load(join(dir, "does-not-exist")), PolicyLoadError);
    const policy = await policyFor(new Discrete(2));
    const path = join(dir, "damaged");
    await policy.save(path);
    policy.dispose();
    const weights = await readFile(join(path, "weights.bin"));
    await writeFile(join(path, "weights.bin"), weights.subarray(0, weights.length - 4));
    await assert.rejects(NeuralPolicy.load(path), /bytes/);
    await writeFile(join(path, "weights.bin"), weights);
    await writeFile(join(path, "policy.json"), "{ not json");
    await assert.rejects(NeuralPolicy.load(path), PolicyLoadError);
    await writeFile(join(path, "policy.json"), JSON.stringify({ format: "mimic-policy" }));
    await assert.rejects(NeuralPolicy.load(path), (error: unknown) => {
      assert.ok(error instanceof PolicyLoadError);
      assert.match(error.message, /envId/);
      return true;
    });
  });

  test("save refuses to replace a directory that is not a saved policy", async () => {
    const path = join(dir, "not-a-policy");
    await rm(path, { recursive: true, force: true });
    await (await import("node:fs/promises")).mkdir(path);
    await writeFile(join(path, "notes.txt"), "keep me");
    const policy = await policyFor(new Discrete(2));
    await assert.rejects(policy.save(path), InvalidOptionError);
    assert.equal(await readFile(join(path, "notes.txt"), "utf8"), "keep me");
    policy.dispose();
  });
});

describe("NeuralPolicy: engine memory", () => {
  test("act, actBatch, logProb and entropy leak no tensors", async () => {
    const small = await policyFor(new Discrete(3)); // acts in JS
    const large = await policyFor(new Box(-1, 1, [2]), { hidden: [256, 256] }); // acts on the engine
    const rng = rngFromSeed(0);
    const before = engineMemory().numTensors;
    for (let i = 0; i < 1000; i++) {
      small.act([i / 1000, 0, 1], { rng });
      large.act([i / 1000, 0, 1], { rng, deterministic: i % 2 === 0 });
    }
    assert.equal(engineMemory().numTensors, before);
    const observations = randomObservations(64, 3, 1);
    small.actBatch(observations, { rng });
    large.actBatch(observations, { deterministic: true });
    small.logProb(observations, new Int32Array(64));
    large.entropy(observations);
    assert.equal(engineMemory().numTensors, before);
    small.dispose();
    large.dispose();
  });

  test("trainer steps leak no tensors, and dispose frees everything", async () => {
    const start = engineMemory().numTensors;
    const policy = await policyFor(new Box(-1, 1, [2]));
    const trainer = policy.createTrainer({ learningRate: 1e-3, l2Weight: 1e-4, maxGradNorm: 1 });
    const observations = randomObservations(64, 3, 2);
    const actions = randomObservations(32, 4, 3);
    trainer.setData(observations, actions);
    const before = engineMemory().numTensors;
    const indices = Int32Array.from({ length: 16 }, (_, i) => i * 4);
    for (let i = 0; i < 50; i++) {
      trainer.step({ observations, actions, size: 64 });
      trainer.step(indices);
    }
    trainer.evaluate(indices);
    trainer.setState(trainer.getState());
    policy.act([0, 0, 0]);
    assert.equal(engineMemory().numTensors, before);
    trainer.dispose();
    policy.dispose();
    assert.equal(engineMemory().numTensors, start);
  });
});

describe("NeuralPolicy: training", () => {
  test("the trainer fits a synthetic 3-class problem (≥ 95% accuracy)", async () => {
    // Classes by angle: three 120° sectors of the plane.
    const rng = rngFromSeed(5);
    const n = 600;
    const observations = new Float32Array(n * 2);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const angle = rng.uniform(0, 2 * Math.PI);
      const radius = rng.uniform(0.5, 2);
      observations[2 * i] = radius * Math.cos(angle);
      observations[2 * i + 1] = radius * Math.sin(angle);
      labels[i] = Math.floor(angle / ((2 * Math.PI) / 3));
    }
    const policy = await NeuralPolicy.create({
      observationSpace: new Box(-3, 3, [2]),
      actionSpace: new Discrete(3),
      envId: "Toy-v0",
      hidden: [32, 32],
      seed: 0,
    });
    const trainer = policy.createTrainer({ learningRate: 1e-2 });
    trainer.setData(observations, labels);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const initial = trainer.evaluate(all);
    const batch = new Int32Array(64);
    for (let step = 0; step < 400; step++) {
      for (let i = 0; i < 64; i++) batch[i] = rng.integers(n);
      trainer.step(batch);
    }
    const final = trainer.evaluate(all);
    assert.ok(initial.nll > 1, `initial nll ${initial.nll}`);
    assert.ok(final.loss < initial.loss / 4, `loss ${initial.loss} → ${final.loss}`);
    const predicted = policy.actBatch(observations, { deterministic: true });
    const accuracy = Array.from(predicted).filter((p, i) => p === labels[i]).length / n;
    assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
    trainer.dispose();
    policy.dispose();
  });

  test("the MSE loss fits a linear Box target; loss info adds up", async () => {
    const rng = rngFromSeed(6);
    const n = 256;
    const observations = Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1));
    const actions = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      actions[2 * i] = 0.5 * observations[3 * i]! - 0.3 * observations[3 * i + 2]!;
      actions[2 * i + 1] = 0.2 + 0.4 * observations[3 * i + 1]!;
    }
    const policy = await policyFor(new Box(-1, 1, [2]));
    const trainer = policy.createTrainer({ learningRate: 1e-2, loss: "mse", l2Weight: 1e-5 });
    const batch = { observations, actions, size: n };
    const initial = trainer.evaluate(batch);
    for (let step = 0; step < 300; step++) trainer.step(batch);
    const final = trainer.evaluate(batch);
    assert.ok(final.mse! < initial.mse! / 20, `mse ${initial.mse} → ${final.mse}`);
    assert.ok(Math.abs(final.loss - (final.mse! + 1e-5 * final.l2)) < 1e-5);
    assert.equal(trainer.stepCount, 300);
    trainer.dispose();
    policy.dispose();
  });

  test("the NLL loss is nll − entropyWeight·entropy + l2Weight·l2", async () => {
    const policy = await policyFor(new Discrete(3));
    const trainer = policy.createTrainer({ learningRate: 1e-3, entropyWeight: 0.1, l2Weight: 0.01 });
    const observations = randomObservations(10, 3, 1);
    const info = trainer.evaluate({ observations, actions: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], size: 10 });
    assert.ok(Math.abs(info.loss - (info.nll - 0.1 * info.entropy + 0.01 * info.l2)) < 1e-5);
    const l2 = policy.getWeights().reduce((sum, w) => sum + w.reduce((s, v) => s + v * v, 0), 0) / 2;
    assert.ok(Math.abs(info.l2 - l2) < 1e-4 * l2);
    assert.ok(info.probTrueAct > 0 && info.probTrueAct < 1);
    trainer.dispose();
    policy.dispose();
  });

  test("bad trainer options, batches and states are refused", async () => {
    const policy = await policyFor(new Discrete(3));
    assert.throws(() => policy.createTrainer({ learningRate: 0 }), InvalidOptionError);
    assert.throws(() => policy.createTrainer({ learningRate: 1e-3, loss: "mse" }), InvalidOptionError);
    const trainer = policy.createTrainer({ learningRate: 1e-3 });
    assert.throws(() => trainer.step(new Int32Array([0])), InvalidOptionError); // no setData yet
    assert.throws(() => trainer.step({ observations: [1, 2], actions: [0], size: 1 }), ShapeMismatchError);
    assert.throws(() => trainer.step({ observations: [1, 2, 3], actions: [3], size: 1 }), InvalidActionError);
    trainer.setData([1, 2, 3], [0]);
    assert.throws(() => trainer.step(new Int32Array([1])), ShapeMismatchError);
    const state = trainer.getState();
    assert.throws(() => trainer.setState({ ...state, moments: state.moments.slice(1) }), InvalidOptionError);
    assert.throws(
      () =>
        trainer.setState({
          ...state,
          moments: [{ size: 1, m: "AAAA", v: "AAAA" }, ...state.moments.slice(1)],
        }),
      InvalidOptionError,
    );
    trainer.dispose();
    policy.dispose();
  });

  test("resuming from a snapshot reproduces the uninterrupted run bit for bit", async () => {
    const rng = rngFromSeed(9);
    const n = 200;
    const observations = Float32Array.from({ length: n * 3 }, () => rng.uniform(-2, 2));
    const actions = Int32Array.from({ length: n }, (_, i) => (observations[3 * i]! > 0 ? 1 : 0));
    const batches = Array.from({ length: 40 }, () => Int32Array.from({ length: 32 }, () => rng.integers(n)));
    const options = { learningRate: 3e-3, l2Weight: 1e-4, maxGradNorm: 0.5 };

    const policyA = await policyFor(new Discrete(2), { seed: 1 });
    const trainerA = policyA.createTrainer(options);
    trainerA.setData(observations, actions);
    for (const batch of batches.slice(0, 20)) trainerA.step(batch);
    const snapshot = {
      weights: policyA.getWeights(),
      state: JSON.parse(JSON.stringify(trainerA.getState())),
    };
    const lossesA = batches.slice(20).map((batch) => trainerA.step(batch).loss);
    const weightsA = policyA.getWeights();

    const policyB = await policyFor(new Discrete(2), { seed: 2 }); // other initial weights
    policyB.setWeights(snapshot.weights);
    const trainerB = policyB.createTrainer(options);
    trainerB.setState(snapshot.state);
    trainerB.setData(observations, actions);
    const lossesB = batches.slice(20).map((batch) => trainerB.step(batch).loss);

    assert.deepEqual(lossesB, lossesA);
    assert.deepEqual(policyB.getWeights(), weightsA);
    assert.deepEqual(trainerB.getState(), trainerA.getState());
    for (const x of [trainerA, trainerB, policyA, policyB]) x.dispose();
  });
});
