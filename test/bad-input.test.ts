/** The bad-input list: each gets a typed MimicError with a code and a message that says what to do. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type BcCheckpoint, type BcConfig, trainBc } from "../src/algorithms/bc.js";
import { Episode } from "../src/data/episode.js";
import {
  Box,
  collect,
  Dataset,
  Discrete,
  InvalidActionError,
  InvalidOptionError,
  MimicError,
  make,
  NonFiniteGradientError,
  ResetNeededError,
  ShapeMismatchError,
  scriptedExpert,
  UnknownEnvError,
} from "../src/index.js";
import { NeuralPolicy } from "../src/nn/policy.js";

function expectMimicError<T extends MimicError>(
  fn: () => unknown,
  kind: new (...args: never[]) => T,
  code: string,
  pattern: RegExp,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${String(e)}`);
    assert.ok(e instanceof MimicError);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

test("step before reset", () => {
  expectMimicError(
    () => make("CartPole-v1").step(0),
    ResetNeededError,
    "RESET_NEEDED",
    /before reset\(\)\. Call env\.reset\(\)/,
  );
});

test("an action outside the action space shows the value and the space", () => {
  const env = make("CartPole-v1");
  env.reset({ seed: 0 });
  expectMimicError(
    () => env.step(2),
    InvalidActionError,
    "INVALID_ACTION",
    /action 2 is not in the action space Discrete\(2\).*actionSpace\.sample/,
  );
  const pendulum = make("Pendulum-v1");
  pendulum.reset({ seed: 0 });
  expectMimicError(
    () => pendulum.step([3]),
    InvalidActionError,
    "INVALID_ACTION",
    /action \[3\] is not in the action space Box\(-2, 2, \(1,\), float32\).*outside \[-2, 2\].*ClipAction/,
  );
  expectMimicError(() => pendulum.step([1, 1]), InvalidActionError, "INVALID_ACTION", /expected 1 values/);
});

test("NaN in a continuous action", () => {
  const env = make("MountainCarContinuous-v0");
  env.reset({ seed: 0 });
  expectMimicError(
    () => env.step(new Float32Array([Number.NaN])),
    InvalidActionError,
    "INVALID_ACTION",
    /contains NaN.*policy/,
  );
});

test("an unknown env id", () => {
  expectMimicError(() => make("Cartpole-v1"), UnknownEnvError, "UNKNOWN_ENV", /Did you mean "CartPole-v1"/);
});

test("a bad option to make", () => {
  expectMimicError(
    () => make("MountainCar-v0", { goalVelocity: "fast" }),
    InvalidOptionError,
    "INVALID_OPTION",
    /option goalVelocity is invalid/,
  );
  expectMimicError(() => make("GridWorld-v0", { slip: 1.5 }), InvalidOptionError, "INVALID_OPTION", /slip/);
});

test("a saved policy whose weights do not fit its network names the layer and both shapes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mimic-bad-weights-"));
  try {
    const policy = await NeuralPolicy.create({
      observationSpace: new Box(-1, 1, [4]),
      actionSpace: new Discrete(2),
      envId: "CartPole-v1",
      hidden: [8, 8],
      seed: 0,
    });
    await policy.save(dir);
    policy.dispose();
    const policyJson = JSON.parse(await readFile(join(dir, "policy.json"), "utf8"));
    // policy.json now describes a network with a narrower second hidden layer than the weights.
    policyJson.network.hidden = [8, 6];
    await writeFile(join(dir, "policy.json"), JSON.stringify(policyJson));
    await assert.rejects(NeuralPolicy.load(dir), (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError, String(e));
      assert.equal(e.code, "SHAPE_MISMATCH");
      assert.match(e.message, /layer 1 kernel has shape \[8, 8\], but .*hidden \[8, 6\].* expects \[8, 6\]/);
      return true;
    });
    // One layer fewer in policy.json: the manifest's extra array is named.
    policyJson.network.hidden = [8];
    await writeFile(join(dir, "policy.json"), JSON.stringify(policyJson));
    await assert.rejects(NeuralPolicy.load(dir), (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError, String(e));
      assert.match(e.message, /layer 1 kernel has shape \[8, 8\], but .* expects \[8, 2\]/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("setWeights with a wrong-sized array names the layer and both shapes", async () => {
  const policy = await NeuralPolicy.create({
    observationSpace: new Box(-1, 1, [3]),
    actionSpace: new Box(-1, 1, [2]),
    envId: "Toy-v0",
    hidden: [5],
    seed: 0,
  });
  const weights = policy.getWeights();
  expectMimicError(
    () => policy.setWeights(weights.map((w, i) => (i === 2 ? w.subarray(1) : w))),
    ShapeMismatchError,
    "SHAPE_MISMATCH",
    /setWeights: layer 1 kernel should have shape \[5, 2\] \(10 values\), got 9 values/,
  );
  expectMimicError(
    () => policy.setWeights(weights.slice(0, 4)),
    ShapeMismatchError,
    "SHAPE_MISMATCH",
    /expected 5 arrays \(layer 0 kernel, layer 0 bias, layer 1 kernel, layer 1 bias, log-std\), got 4/,
  );
  policy.dispose();
});

for (const engine of ["fused", "tfjs"] as const) {
  test(`a NaN gradient in BC (${engine}) stops training, names the step and the term, and checkpoints the last good step`, async () => {
    const env = make("CartPole-v1");
    const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
      episodes: 2,
      seed: 0,
      deterministic: true,
    });
    // One observation of the second episode goes to +Infinity: its minibatch's gradient is NaN.
    const bad = episodes[1]!;
    const observations = Float32Array.from(bad.observations);
    observations[40 * 4 + 1] = Number.POSITIVE_INFINITY;
    const poisoned = new Episode({
      id: bad.id,
      observations,
      actions: bad.actions,
      rewards: bad.rewards,
      terminated: bad.terminated,
      truncated: bad.truncated,
    });
    const dataset = new Dataset({
      id: "test/poisoned-v0",
      episodes: [episodes[0]!, poisoned],
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    const config: BcConfig = {
      engine,
      hidden: [16],
      epochs: 3,
      validationFraction: 0,
      normalizeObservations: false,
      checkpointEvery: 10,
      seed: 1,
    };
    let lastBatch = 0;
    const checkpoints: { checkpoint: BcCheckpoint; weights: Float32Array[] }[] = [];
    let caught: unknown;
    try {
      await trainBc(dataset, config, {
        callbacks: {
          onBatchEnd: (b) => (lastBatch = b),
          onCheckpoint: (checkpoint, weights) => {
            checkpoints.push({ checkpoint, weights });
          },
        },
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(
      caught instanceof NonFiniteGradientError,
      `expected NonFiniteGradientError, got ${String(caught)}`,
    );
    assert.equal(caught.code, "NON_FINITE_GRADIENT");
    assert.ok(lastBatch > 0, "the bad row should not be in the first minibatch (choose another seed)");
    assert.equal(caught.step, lastBatch + 1);
    assert.equal(caught.term, "nll");
    // tanh saturates, so only the first kernel (∂/∂W = x · δ with x infinite) is hit.
    assert.equal(caught.layer, "dense_0/kernel");
    assert.match(
      caught.message,
      new RegExp(`nll term went NaN or infinite at minibatch ${lastBatch + 1} \\(epoch 1,`),
    );
    assert.match(caught.message, new RegExp(`weights of minibatch ${lastBatch}, saved as a checkpoint`));
    // The last checkpoint is the last good step, with exactly the weights training had reached.
    const last = checkpoints.at(-1)!;
    assert.equal(last.checkpoint.batch, lastBatch);
    assert.ok(last.weights.every((w) => w.every(Number.isFinite)));
    const reference = await trainBc(dataset, { ...config, batches: lastBatch, checkpointEvery: 0 });
    assert.deepEqual(last.weights, reference.policy.getWeights());
    reference.policy.dispose();
  });
}
