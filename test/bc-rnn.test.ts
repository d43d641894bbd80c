/**
 * BC-RNN on MaskedCartPole-v1 (velocities hidden): from 10 demonstrations of the noisy observer
 * expert, the recurrent policy reaches the 475 threshold over 50 new episodes, and an MLP trained
 * by BC on the same data does not. Also the recurrent policy's file round trip and its errors.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import ort from "onnxruntime-node";
import { trainBc } from "../src/algorithms/bc.js";
import { bcRnnWindows, trainBcRnn } from "../src/algorithms/bc-rnn.js";
import { PolicyLoadError, ShapeMismatchError } from "../src/core/errors.js";
import { Box, Discrete } from "../src/core/spaces/index.js";
import { maskedCartPoleExpert } from "../src/experts/index.js";
import { collect, Dataset, evaluate, make } from "../src/index.js";
import { historyWindow, RecurrentPolicy } from "../src/nn/recurrent-policy.js";

const id = "MaskedCartPole-v1";

async function demos(episodes: number): Promise<Dataset> {
  const env = make(id);
  const recorded = await collect(env, maskedCartPoleExpert({ epsilon: 0.2, seed: 1 }), {
    episodes,
    seed: 0,
    deterministic: true,
  });
  return new Dataset({
    id: "test/masked-cartpole-noisy-v0",
    episodes: recorded,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
}

describe("BC-RNN", () => {
  test("reaches 475 on MaskedCartPole-v1 where BC's MLP cannot", async () => {
    const dataset = await demos(10);
    const { policy, history } = await trainBcRnn(dataset, { seed: 0 });
    assert.ok(history.length > 0);
    const rnn = await evaluate(make(id), policy, { episodes: 50, seed: 1000 });
    const { policy: mlp } = await trainBc(dataset, { seed: 0 });
    const flat = await evaluate(make(id), mlp, { episodes: 50, seed: 1000 });
    assert.ok(rnn.meanReturn >= 475, `BC-RNN mean return ${rnn.meanReturn}`);
    assert.ok(flat.meanReturn < 475, `the MLP's mean return ${flat.meanReturn}`);
  });

  test("windows pad with the episode's first observation, as acting does", async () => {
    const dataset = await demos(1);
    const episode = dataset.episodes[0]!;
    const { windows } = bcRnnWindows([episode], 3);
    const history: Float32Array[] = [];
    for (let t = 0; t < 5; t++) {
      history.push(Float32Array.from(episode.observations.subarray(2 * t, 2 * t + 2)));
      const expected = historyWindow(history.slice(-3), 3, 2);
      assert.deepEqual(Array.from(windows.subarray(6 * t, 6 * t + 6)), Array.from(expected));
    }
  });

  test("a saved policy loads with the same weights and acts the same", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mimic-rnn-"));
    try {
      const dataset = await demos(2);
      const { policy } = await trainBcRnn(dataset, { seed: 0, epochs: 2 });
      const file = join(dir, "policy.json");
      await policy.save(file);
      const loaded = await RecurrentPolicy.load(file);
      assert.deepEqual(loaded.getWeights(), policy.getWeights());
      const obs = dataset.episodes[0]!.observations;
      policy.reset();
      loaded.reset();
      for (let t = 0; t < 20; t++) {
        const o = obs.subarray(2 * t, 2 * t + 2);
        assert.equal(loaded.act(o, { deterministic: true }), policy.act(o, { deterministic: true }));
      }
      await writeFile(file, '{"format":"mimic-recurrent-policy","formatVersion":1,"weights":"AAAA"}');
      await assert.rejects(RecurrentPolicy.load(file), PolicyLoadError);
      await assert.rejects(
        RecurrentPolicy.load(join(dir, "missing.json")),
        /Cannot read the recurrent policy/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the ONNX export, run by onnxruntime-node, gives the policy's probabilities and actions", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mimic-rnn-onnx-"));
    try {
      const dataset = await demos(2);
      const { policy } = await trainBcRnn(dataset, { seed: 0, epochs: 2, window: 5 });
      const file = join(dir, "policy.onnx");
      await policy.exportOnnx(file);
      const session = await ort.InferenceSession.create(file);
      const rows = 64;
      const { windows } = bcRnnWindows(dataset.episodes, 5);
      const batch = windows.slice(0, rows * 10);
      const out = await session.run({ observations: new ort.Tensor("float32", batch, [rows, 5, 2]) });
      const probs = out.probabilities!.data as Float32Array;
      const actions = out.action!.data as BigInt64Array;
      const logits = policy.logits(batch, rows);
      for (let r = 0; r < rows; r++) {
        const z0 = logits[2 * r]!;
        const z1 = logits[2 * r + 1]!;
        const p1 = 1 / (1 + Math.exp(z0 - z1));
        assert.ok(Math.abs(probs[2 * r + 1]! - p1) < 1e-5, `row ${r}: ${probs[2 * r + 1]} vs ${p1}`);
        if (Math.abs(z0 - z1) > 1e-4) assert.equal(Number(actions[r]), z1 > z0 ? 1 : 0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("bad input names what is wrong", async () => {
    const policy = new RecurrentPolicy({
      observationSpace: new Box(-1, 1, [2]),
      actionSpace: new Discrete(2),
      envId: id,
      window: 4,
    });
    assert.throws(() => policy.act([0.1, 0.2, 0.3]), /has 3 numbers/);
    assert.throws(
      () => policy.trainStep(new Float32Array(8), [2], 1),
      /action 0 of the batch is 2, outside Discrete\(2\)/,
    );
    assert.throws(() => policy.trainStep(new Float32Array(7), [1], 1), ShapeMismatchError);
    assert.throws(
      () => policy.trainStep(Float32Array.from([Number.NaN, 0, 0, 0, 0, 0, 0, 0]), [1], 1),
      /non-finite gradient/,
    );
    await assert.rejects(trainBcRnn(await demos(1), { window: 0 }), /window/);
  });
});
