import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolvePpoConfig, trainPpo } from "../src/algorithms/ppo.js";
import { InvalidOptionError, makeVec } from "../src/index.js";

describe("trainPpo (fast checks; learning is in test/slow/ppo.test.ts)", () => {
  test("a tiny run is deterministic under its seed and records every update", async () => {
    const config = { numEnvs: 2, numSteps: 16, totalTimesteps: 128, hidden: [8, 8], seed: 3 };
    const a = await trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config);
    const b = await trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config);
    assert.equal(a.history.length, 4);
    assert.deepEqual(a.history, b.history);
    assert.deepEqual(Array.from(a.policyWeights), Array.from(b.policyWeights));
    const obs = new Float32Array([0, 0, 0.1, 0]);
    assert.ok(a.act(obs) === 0 || a.act(obs) === 1);
  });

  test("bad input: a Box action space and a bad config", async () => {
    await assert.rejects(
      trainPpo(makeVec("Pendulum-v1", { numEnvs: 2 }), { numEnvs: 2 }),
      (e: unknown) => e instanceof InvalidOptionError && /Discrete action spaces only/.test(e.message),
    );
    assert.throws(() => resolvePpoConfig({ learningRate: -1 }), InvalidOptionError);
  });
});
