/**
 * The fused engine as the default trainer (issue 10): `createTrainer` picks it, weights and
 * optimizer state move between the fused and tfjs trainers, a policy trained on either saves in
 * the same format and loads to act the same, and BC gives nearly the same training on both.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveBcConfig, trainBc } from "../src/algorithms/bc.js";
import { InvalidOptionError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete, MultiDiscrete, type Space } from "../src/core/spaces/index.js";
import { collect, Dataset, make, scriptedExpert } from "../src/index.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import type { PolicyTrainer } from "../src/nn/trainer.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mimic-engines-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const obsSpace = new Box(-5, 5, [4]);

function policyFor(actionSpace: Space, seed = 1): Promise<NeuralPolicy> {
  return NeuralPolicy.create({
    observationSpace: obsSpace,
    actionSpace,
    envId: "Toy-v0",
    hidden: [32, 32],
    normalization: { mean: [0.1, 0, -0.2, 0.3], std: [1.5, 0.5, 2, 1] },
    seed,
  });
}

/** Observations, and actions that depend on them (Discrete(3) classes, or 2-d Box targets). */
function data(n: number, continuous: boolean, seed: number) {
  const rng = rngFromSeed(seed);
  const obs = Float32Array.from({ length: n * 4 }, () => rng.uniform(-2, 2));
  const acts = continuous
    ? Float32Array.from({ length: n * 2 }, (_, i) => Math.tanh(obs[(i >> 1) * 4 + (i % 2)]! - 0.5))
    : Float32Array.from({ length: n }, (_, i) =>
        obs[i * 4]! + obs[i * 4 + 2]! > 0.5 ? 2 : obs[i * 4]! > 0 ? 1 : 0,
      );
  return { obs, acts };
}

function batch(step: number, n: number, size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => (step * 17 + i * 7) % n);
}

function steps(trainer: PolicyTrainer, from: number, to: number, n: number): void {
  for (let s = from; s < to; s++) trainer.step(batch(s, n, 32));
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let max = 0;
  a.forEach((w, t) => {
    for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]! - b[t]![i]!));
  });
  return max;
}

describe("createTrainer: the engine", () => {
  test("fused by default (MultiDiscrete included), tfjs on request; a bad name is refused", async () => {
    const policy = await policyFor(new Discrete(3));
    const fused = policy.createTrainer({ learningRate: 1e-3 });
    const tfjs = policy.createTrainer({ learningRate: 1e-3, engine: "tfjs" });
    assert.equal(fused.engine, "fused");
    assert.equal(tfjs.engine, "tfjs");
    assert.throws(
      () => policy.createTrainer({ learningRate: 1e-3, engine: "gpu" as never }),
      (e: unknown) =>
        e instanceof InvalidOptionError && e.path === "trainer.engine" && /"gpu"/.test(e.message),
    );
    assert.throws(
      () => policy.createTrainer({ learningRate: 1e-3, loss: "mse" }),
      /"mse" needs a Box action space; this policy's head is categorical/,
    );
    fused.dispose();
    tfjs.dispose();
    policy.dispose();
    const multi = await policyFor(new MultiDiscrete([2, 3]));
    const trainer = multi.createTrainer({ learningRate: 1e-3 });
    assert.equal(trainer.engine, "fused");
    trainer.dispose();
    multi.dispose();
    assert.equal(resolveBcConfig({}).engine, "fused");
  });

  test("a MultiDiscrete head trains the same on both engines (one categorical per dimension)", async () => {
    const n = 256;
    const { obs } = data(n, false, 5);
    // Two dimensions: [2, 3] categories, each a function of the observation.
    const acts = Float32Array.from({ length: n * 2 }, (_, i) => {
      const row = i >> 1;
      return i % 2 === 0
        ? obs[row * 4]! > 0
          ? 1
          : 0
        : obs[row * 4 + 1]! > 0.7
          ? 2
          : obs[row * 4 + 1]! > -0.7
            ? 1
            : 0;
    });
    const a = await policyFor(new MultiDiscrete([2, 3]), 4);
    const b = await policyFor(new MultiDiscrete([2, 3]), 4);
    const fused = a.createTrainer({ learningRate: 3e-3 });
    const tfjs = b.createTrainer({ learningRate: 3e-3, engine: "tfjs" });
    fused.setData(obs, acts);
    tfjs.setData(obs, acts);
    const first = fused.evaluate(batch(0, n, 64));
    const reference = tfjs.evaluate(batch(0, n, 64));
    assert.ok(Math.abs(first.nll - reference.nll) < 1e-5, `nll ${first.nll} vs ${reference.nll}`);
    steps(fused, 0, 40, n);
    steps(tfjs, 0, 40, n);
    const last = fused.evaluate(batch(0, n, 64));
    assert.ok(maxAbsDiff(a.getWeights(), b.getWeights()) < 1e-3, "weights stay together");
    assert.ok(Math.abs(last.nll - tfjs.evaluate(batch(0, n, 64)).nll) < 1e-3);
    assert.ok(last.nll < first.nll - 0.1, `the fused trainer learns: ${first.nll} → ${last.nll}`);
    assert.throws(
      () =>
        fused.setData(
          obs,
          Float32Array.from(acts, (v, i) => (i === 5 ? 3 : v)),
        ),
      /Action 2, dimension 1, is 3; expected an integer from 0 to 2/,
    );
    fused.dispose();
    tfjs.dispose();
    a.dispose();
    b.dispose();
  });

  test("the policy sees every fused step, and the trainer sees setWeights", async () => {
    const n = 256;
    const { obs, acts } = data(n, false, 2);
    const policy = await policyFor(new Discrete(3));
    const initial = policy.getWeights();
    const trainer = policy.createTrainer({ learningRate: 1e-2 });
    trainer.setData(obs, acts);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const before = trainer.evaluate(all).loss;
    steps(trainer, 0, 20, n);
    const trained = policy.getWeights();
    assert.ok(maxAbsDiff(trained, initial) > 1e-3, "the policy's weights moved with the fused steps");
    const after = trainer.evaluate(all).loss;
    assert.ok(after < before, `loss ${before} → ${after}`);
    // The loss the policy's own engine computes on its weights is the trainer's, to float32 rounding.
    const reference = policy.createTrainer({ learningRate: 1e-2, engine: "tfjs" });
    reference.setData(obs, acts);
    assert.ok(Math.abs(reference.evaluate(all).loss - after) < 1e-5 * Math.max(1, Math.abs(after)));
    reference.dispose();
    // setWeights under a live trainer: its next evaluation is on the new weights.
    policy.setWeights(initial);
    assert.equal(trainer.evaluate(all).loss, before);
    trainer.dispose();
    assert.deepEqual(policy.getWeights(), initial);
    policy.dispose();
  });
});

describe("one saved format for both engines", () => {
  for (const [name, space, continuous] of [
    ["Discrete", new Discrete(3), false],
    ["Box", new Box(-1, 1, [2]), true],
  ] as const) {
    test(`${name}: trained a few steps on fused, saved, loaded: the same weights and actions`, async () => {
      const n = 128;
      const { obs, acts } = data(n, continuous, 3);
      const policy = await policyFor(space);
      const trainer = policy.createTrainer({ learningRate: 1e-2 });
      assert.equal(trainer.engine, "fused");
      trainer.setData(obs, acts);
      steps(trainer, 0, 10, n);
      const path = join(dir, `fused-${name}`);
      await policy.save(path);
      trainer.dispose();
      const loaded = await NeuralPolicy.load(path);
      assert.deepEqual(loaded.getWeights(), policy.getWeights());
      const a = rngFromSeed(9);
      const b = rngFromSeed(9);
      for (let row = 0; row < 50; row++) {
        const o = obs.subarray(row * 4, row * 4 + 4);
        assert.deepEqual(loaded.act(o, { deterministic: true }), policy.act(o, { deterministic: true }));
        assert.deepEqual(loaded.act(o, { rng: a }), policy.act(o, { rng: b }));
      }
      loaded.dispose();
      policy.dispose();
    });

    test(`${name}: weights and Adam state from one engine continue on the other`, async () => {
      const n = 128;
      const { obs, acts } = data(n, continuous, 4);
      for (const [first, second] of [
        ["tfjs", "fused"],
        ["fused", "tfjs"],
      ] as const) {
        const options = { learningRate: 3e-3, l2Weight: 1e-4 };
        const policy = await policyFor(space, 5);
        const trainer = policy.createTrainer({ ...options, engine: first });
        trainer.setData(obs, acts);
        steps(trainer, 0, 15, n);
        const state = JSON.parse(JSON.stringify(trainer.getState()));
        const path = join(dir, `${first}-${name}`);
        await policy.save(path);
        // The reference: the first engine carries on.
        steps(trainer, 15, 30, n);
        const straight = policy.getWeights();
        trainer.dispose();
        policy.dispose();

        // The saved policy and state, continued on the other engine.
        const resumed = await NeuralPolicy.load(path);
        const other = resumed.createTrainer({ ...options, engine: second });
        other.setData(obs, acts);
        other.setState(state);
        assert.equal(other.stepCount, 15);
        steps(other, 15, 30, n);
        assert.equal(other.stepCount, 30);
        const continued = resumed.getWeights();
        other.dispose();
        // Without the state (fresh Adam moments), the same steps land somewhere else.
        const fresh = await NeuralPolicy.load(path);
        const restart = fresh.createTrainer({ ...options, engine: second });
        restart.setData(obs, acts);
        steps(restart, 15, 30, n);
        const restarted = fresh.getWeights();
        restart.dispose();
        fresh.dispose();
        resumed.dispose();

        const drift = maxAbsDiff(continued, straight);
        const restartDrift = maxAbsDiff(restarted, straight);
        assert.ok(drift < 1e-4, `${first} → ${second}: weights differ by ${drift}`);
        assert.ok(restartDrift > 100 * drift, `${first} → ${second}: the state mattered (${restartDrift})`);
      }
    });
  }
});

describe("BC on both engines", () => {
  test("the same seed gives nearly the same history on fused and tfjs", async () => {
    const env = make("CartPole-v1");
    const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
      episodes: 3,
      seed: 0,
      deterministic: true,
    });
    const dataset = new Dataset({
      id: "test/expert-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    const config = { epochs: 2, hidden: [16], seed: 3 };
    const fused = await trainBc(dataset, config);
    const tfjs = await trainBc(dataset, { ...config, engine: "tfjs" });
    assert.equal(fused.config.engine, "fused");
    assert.equal(fused.history.length, tfjs.history.length);
    fused.history.forEach((record, i) => {
      const other = tfjs.history[i]!;
      assert.equal(record.batch, other.batch);
      for (const key of ["trainLoss", "trainNll", "entropy", "validationLoss"] as const) {
        const a = record[key]!;
        const b = other[key]!;
        assert.ok(
          Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(b), 1e-2),
          `epoch ${i + 1} ${key}: ${a} vs ${b}`,
        );
      }
    });
    fused.policy.dispose();
    tfjs.policy.dispose();
  });
});
