/**
 * MaskedCartPole-v1: CartPole-v1's dynamics observed through [x, θ] only, and its expert, an LQR
 * controller on the velocities it reconstructs from consecutive observations.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { checkEnv, evaluate, make, scriptedExpert } from "../src/index.js";

describe("MaskedCartPole-v1", () => {
  test("passes checkEnv; observes [x, θ] within CartPole-v1's bounds for the two", () => {
    const env = make("MaskedCartPole-v1");
    checkEnv(env);
    assert.equal(env.spec.maxEpisodeSteps, 500);
    assert.equal(
      env.observationSpace.toString(),
      "Box([-4.8, -0.41887903], [4.8, 0.41887903], (2,), float32)",
    );
  });

  test("the same trajectory as CartPole-v1 for the same seed and actions, velocities dropped", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 80 }),
        (seed, actions) => {
          const masked = make("MaskedCartPole-v1");
          const full = make("CartPole-v1");
          const a = masked.reset({ seed }).observation;
          const b = full.reset({ seed }).observation;
          assert.deepEqual(Array.from(a), [b[0], b[2]]);
          for (const action of actions) {
            const s = masked.step(action);
            const r = full.step(action);
            assert.deepEqual(Array.from(s.observation), [r.observation[0], r.observation[2]]);
            assert.equal(s.reward, r.reward);
            assert.equal(s.terminated, r.terminated);
            assert.equal(s.truncated, r.truncated);
            if (r.terminated || r.truncated) break;
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test("the observer expert balances for the whole episode; it needs its reset between episodes", async () => {
    const result = await evaluate(make("MaskedCartPole-v1"), scriptedExpert("MaskedCartPole-v1"), {
      episodes: 20,
      seed: 10000,
    });
    assert.equal(result.meanReturn, 500);
    const expert = scriptedExpert("MaskedCartPole-v1");
    assert.equal(typeof expert.reset, "function");
  });
});
