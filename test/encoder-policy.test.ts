/**
 * EncoderPolicy: image, vector and Dict observations through the encoder layers. It learns a task
 * that needs the picture (which half holds a bright square), its ONNX export computes its
 * probabilities under onnxruntime-node, its file round trip keeps it, and bad input is named.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import ort from "onnxruntime-node";
import { InvalidOptionError, ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, DictSpace, Discrete, TupleSpace } from "../src/core/spaces/index.js";
import { EncoderPolicy } from "../src/nn/encoder-policy.js";

const H = 12;
const W = 16;
const space = new DictSpace({
  pixels: new Box(0, 255, [H, W, 2], "uint8"),
  state: new Box(-10, 10, [3]),
  mode: new Discrete(3),
});

/** `rows` pictures with a bright 3×3 square on the left (action 0) or right (action 1) half. */
function squares(rows: number, seed: number) {
  const rng = rngFromSeed(seed);
  const pixels = new Uint8Array(rows * H * W * 2);
  const state = new Float32Array(rows * 3);
  const actions = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const right = rng.integers(2);
    actions[r] = right;
    const cx = right === 1 ? 9 + rng.integers(W - 12) : rng.integers(W / 2 - 3);
    const cy = rng.integers(H - 3);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++)
        pixels[((r * H + cy + y) * W + cx + x) * 2 + rng.integers(2)] = 200 + rng.integers(56);
    for (let j = 0; j < 3; j++) state[r * 3 + j] = rng.normal();
  }
  return { pixels, state, actions };
}

describe("EncoderPolicy", () => {
  test("a CNN branch learns where the square is; the state alone cannot tell", () => {
    const train = squares(512, 1);
    const held = squares(200, 2);
    const accuracy = (policy: EncoderPolicy) => {
      let right = 0;
      const logits = policy.logits({ pixels: held.pixels, state: held.state }, 200);
      for (let r = 0; r < 200; r++)
        if ((logits[2 * r + 1]! > logits[2 * r]! ? 1 : 0) === held.actions[r]) right++;
      return right / 200;
    };
    const fit = (keys: string[]) => {
      const policy = new EncoderPolicy({
        observationSpace: space,
        actionSpace: new Discrete(2),
        envId: "test",
        keys,
        features: 32,
        seed: 3,
      });
      for (let epoch = 0; epoch < 15; epoch++) {
        for (let start = 0; start < 512; start += 32) {
          policy.trainStep(
            {
              pixels: train.pixels.subarray(start * H * W * 2, (start + 32) * H * W * 2),
              state: train.state.subarray(start * 3, (start + 32) * 3),
            },
            train.actions.subarray(start, start + 32),
            32,
          );
        }
      }
      return policy;
    };
    const withPixels = fit(["pixels", "state"]);
    assert.ok(accuracy(withPixels) >= 0.95, `with pixels: ${accuracy(withPixels)}`);
    const stateOnly = fit(["state"]);
    assert.ok(accuracy(stateOnly) < 0.7, `state only: ${accuracy(stateOnly)}`);
  });

  test("bytes (looked up per channel) and the same values as floats (computed per pixel) give the same logits bit for bit", () => {
    const policy = new EncoderPolicy({
      observationSpace: space,
      actionSpace: new Discrete(2),
      envId: "test",
      keys: ["pixels", "state"],
      features: 16,
      seed: 6,
    });
    const data = squares(16, 7);
    // Every byte value, in every channel, and a standardization that is not the identity.
    for (let i = 0; i < data.pixels.length; i++) data.pixels[i] = (i * 37) % 256;
    policy.fitImageNormalization({ pixels: data.pixels }, 16);
    const bytes = policy.logits({ pixels: data.pixels, state: data.state }, 16).slice();
    const floats = policy.logits({ pixels: Float32Array.from(data.pixels), state: data.state }, 16);
    assert.deepEqual(bytes, floats);
    assert.ok(bytes.some((v) => v !== 0));
  });

  test("the ONNX export (motion channels and standardization included) gives the policy's probabilities; the file round trip keeps it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mimic-encoder-"));
    try {
      const policy = new EncoderPolicy({
        observationSpace: space,
        actionSpace: new Discrete(2),
        envId: "test",
        keys: ["pixels", "state"],
        features: 16,
        motion: 1,
        normalization: { state: { mean: [0.5, -1, 2], std: [2, 0.5, 1] } },
        seed: 4,
      });
      const data = squares(8, 5);
      policy.fitImageNormalization({ pixels: data.pixels }, 8);
      policy.trainStep({ pixels: data.pixels, state: data.state }, data.actions, 8);
      const file = join(dir, "policy.onnx");
      await policy.exportOnnx(file);
      const session = await ort.InferenceSession.create(file);
      const out = await session.run({
        pixels: new ort.Tensor("float32", Float32Array.from(data.pixels), [8, H, W, 2]),
        state: new ort.Tensor("float32", data.state, [8, 3]),
      });
      const probs = out.probabilities!.data as Float32Array;
      const logits = policy.logits({ pixels: data.pixels, state: data.state }, 8);
      for (let r = 0; r < 8; r++) {
        const p1 = 1 / (1 + Math.exp(logits[2 * r]! - logits[2 * r + 1]!));
        assert.ok(Math.abs(probs[2 * r + 1]! - p1) < 1e-5, `row ${r}`);
      }
      await policy.save(join(dir, "policy.json"));
      const loaded = await EncoderPolicy.load(join(dir, "policy.json"));
      assert.deepEqual(loaded.getWeights(), policy.getWeights());
      const obs = { pixels: data.pixels.subarray(0, H * W * 2), state: data.state.subarray(0, 3), mode: 1 };
      assert.equal(loaded.act(obs, { deterministic: true }), policy.act(obs, { deterministic: true }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("an 84 × 84 × 4 image gets NatureCNN (7 × 7 × 64 features before its dense layer), and exports", async () => {
    const atari = new Box(0, 255, [84, 84, 4], "uint8");
    const policy = new EncoderPolicy({
      observationSpace: atari,
      actionSpace: new Discrete(6),
      envId: "t",
      features: 512,
    });
    assert.deepEqual(policy.convs, [
      { channels: 32, kernel: 8, stride: 4 },
      { channels: 64, kernel: 4, stride: 2 },
      { channels: 64, kernel: 3, stride: 1 },
    ]);
    // SB3's NatureCNN: 32·(8·8·4) + 32, 64·(4·4·32) + 64, 64·(3·3·64) + 64, 3136·512 + 512; head 512·64 + 64, 64·6 + 6.
    const cnn = 32 * 256 + 32 + 64 * 512 + 64 + 64 * 576 + 64 + 3136 * 512 + 512;
    assert.equal(policy.parameterCount, cnn + 512 * 64 + 64 + 64 * 6 + 6);
    const rng = rngFromSeed(1);
    const frames = Uint8Array.from({ length: 2 * 84 * 84 * 4 }, () => rng.integers(256));
    const logits = policy.logits({ "": frames }, 2);
    const session = await ort.InferenceSession.create(policy.toOnnx());
    const out = await session.run({
      observation: new ort.Tensor("float32", Float32Array.from(frames), [2, 84, 84, 4]),
    });
    const probs = out.probabilities!.data as Float32Array;
    for (let r = 0; r < 2; r++) {
      let total = 0;
      for (let k = 0; k < 6; k++) total += Math.exp(logits[r * 6 + k]!);
      for (let k = 0; k < 6; k++)
        assert.ok(Math.abs(probs[r * 6 + k]! - Math.exp(logits[r * 6 + k]!) / total) < 1e-5);
    }
  });

  test("a Tuple observation's leaves are _index_<i>, in act as in the batch", () => {
    const tuple = new TupleSpace([new Box(0, 255, [H, W, 2], "uint8"), new Box(-10, 10, [3])]);
    const policy = new EncoderPolicy({
      observationSpace: tuple,
      actionSpace: new Discrete(2),
      envId: "t",
      features: 8,
    });
    assert.deepEqual(policy.keys, ["_index_0", "_index_1"]);
    const data = squares(1, 9);
    const logits = policy.logits({ _index_0: data.pixels, _index_1: data.state }, 1);
    const best = logits[1]! > logits[0]! ? 1 : 0;
    assert.equal(policy.act([data.pixels, data.state], { deterministic: true }), best);
  });

  test("bad options and observations name the leaf", () => {
    assert.throws(
      () =>
        new EncoderPolicy({
          observationSpace: space,
          actionSpace: new Discrete(2),
          envId: "t",
          keys: ["depth"],
        }),
      (e: unknown) => e instanceof InvalidOptionError && /no leaf "depth"/.test(e.message),
    );
    assert.throws(
      () => new EncoderPolicy({ observationSpace: space, actionSpace: new Discrete(2), envId: "t" }),
      /"mode" is Discrete\(3\)/,
    );
    const policy = new EncoderPolicy({
      observationSpace: space,
      actionSpace: new Discrete(2),
      envId: "t",
      keys: ["state"],
    });
    assert.throws(
      () => policy.act({ state: [1, 2] }),
      (e: unknown) => e instanceof ShapeMismatchError && /"state"/.test(e.message),
    );
    assert.throws(() => policy.trainStep({ state: new Float32Array(3) }, [2], 1), /outside Discrete\(2\)/);
  });
});
