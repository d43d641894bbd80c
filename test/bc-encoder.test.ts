/**
 * A Dict observation end to end: PixelCartPole-v1 demonstrations (uint8 frames and the state) →
 * a dataset → Minari HDF5 and back → BC with an encoder policy that reads only the frames → eval
 * in the env → ONNX. The slow tier's test/slow/bc-cnn.test.ts checks the 475 threshold; this one
 * checks the path and that a little training already beats the random policy.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ort from "onnxruntime-node";
import { trainBcEncoder } from "../src/algorithms/bc-encoder.js";
import { readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { pixelCartPoleExpert } from "../src/experts/index.js";
import { collect, Dataset, evaluate, make } from "../src/index.js";

test("PixelCartPole: collect → Minari HDF5 → BC on the frames only → eval → ONNX", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mimic-bc-encoder-"));
  try {
    const env = make("PixelCartPole-v1", { width: 32, height: 16, frames: 2 });
    const episodes = await collect(env, pixelCartPoleExpert({ epsilon: 0.2, seed: 1 }), {
      episodes: 3,
      seed: 0,
      deterministic: true,
    });
    const written = new Dataset({
      id: "test/pixel-cartpole-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    await writeMinari(join(dir, "data"), written);
    const { dataset } = await readMinari(join(dir, "data"));
    assert.equal(dataset.episodes.length, 3);
    assert.deepEqual(
      dataset.episodes[1]!.observationColumns().pixels,
      episodes[1]!.observationColumns().pixels,
    );
    const { policy, history } = await trainBcEncoder(dataset, {
      keys: ["pixels"],
      features: 32,
      epochs: 3,
      convs: [{ channels: 8, kernel: 3, stride: 2 }],
    });
    assert.equal(history.length, 3);
    assert.ok(history[2]!.trainLoss < history[0]!.trainLoss, "the loss falls");
    assert.deepEqual(policy.keys, ["pixels"]);
    const result = await evaluate(make("PixelCartPole-v1", { width: 32, height: 16, frames: 2 }), policy, {
      episodes: 3,
    });
    assert.ok(result.meanReturn > 0);
    // ONNX: the same probabilities as the policy for the dataset's first frames.
    const file = join(dir, "policy.onnx");
    await policy.exportOnnx(file);
    const session = await ort.InferenceSession.create(file);
    const frames = dataset.episodes[0]!.observationColumns().pixels!.subarray(0, 4 * 32 * 16 * 2);
    const out = await session.run({
      pixels: new ort.Tensor("float32", Float32Array.from(frames), [4, 16, 32, 2]),
    });
    const logits = policy.logits({ pixels: frames }, 4);
    const probs = out.probabilities!.data as Float32Array;
    for (let r = 0; r < 4; r++) {
      const p1 = 1 / (1 + Math.exp(logits[2 * r]! - logits[2 * r + 1]!));
      assert.ok(Math.abs(probs[2 * r + 1]! - p1) < 1e-5);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("BC with an encoder policy refuses a leaf the data does not have and a bad config", async () => {
  const env = make("PixelCartPole-v1", { width: 32, height: 16, frames: 1 });
  const episodes = await collect(env, pixelCartPoleExpert(), { episodes: 1, seed: 0 });
  const dataset = new Dataset({
    id: "test/pixel-cartpole-v0",
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  await assert.rejects(trainBcEncoder(dataset, { keys: ["depth"] }), /no leaf "depth"/);
  await assert.rejects(trainBcEncoder(dataset, { epochs: 0 }), /epochs/);
});
