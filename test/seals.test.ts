/**
 * seals/CartPole-v0: CartPole-v1's dynamics with a fixed 500-step horizon (seals'
 * FixedHorizonCartPole), and the fixed-horizon path through GAIL and AIRL that needs no flag.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { trainAirl } from "../src/algorithms/airl.js";
import { trainGail } from "../src/algorithms/gail.js";
import { collect } from "../src/data/collect.js";
import { toTransitions } from "../src/data/episode.js";
import { scriptedExpert } from "../src/experts/index.js";
import { checkEnv, make, makeVec } from "../src/index.js";

const small = {
  totalTimesteps: 1024,
  ppo: { numEnvs: 2, numSteps: 64, updateEpochs: 2, numMinibatches: 2 },
  discriminator: { batchSize: 64, updatesPerRound: 2 },
  seed: 3,
};

describe("seals/CartPole-v0", () => {
  test("passes checkEnv and has open observation bounds", () => {
    const env = make("seals/CartPole-v0");
    checkEnv(env);
    assert.equal(env.spec.maxEpisodeSteps, 500);
    assert.ok(env.observationSpace.contains(new Float32Array([100, -100, 3, 50])));
  });

  test("same states as CartPole-v1 for the same seed and actions; reward 1 while ok, never terminated", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 120 }),
        (seed, actions) => {
          const seals = make("seals/CartPole-v0");
          const v1 = make("CartPole-v1");
          assert.deepEqual(seals.reset({ seed }).observation, v1.reset({ seed }).observation);
          let v1Ended = false;
          for (const action of actions) {
            const s = seals.step(action);
            assert.equal(s.terminated, false);
            if (v1Ended) continue;
            const r = v1.step(action);
            assert.deepEqual(s.observation, r.observation);
            // seals: 1 exactly when CartPole-v1's state check passes, 0 from the step it fails.
            assert.equal(s.reward, r.terminated ? 0 : 1);
            v1Ended = r.terminated || r.truncated;
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test("every episode lasts exactly 500 steps, even a poor fixed-pattern policy's", () => {
    const env = make("seals/CartPole-v0");
    env.reset({ seed: 7 });
    let steps = 0;
    let total = 0;
    for (;;) {
      const { reward, terminated, truncated } = env.step(steps % 7 < 3 ? 0 : 1);
      steps++;
      total += reward;
      assert.equal(terminated, false);
      if (truncated) break;
    }
    assert.equal(steps, 500);
    assert.ok(total < 500, `a poor policy earns less than 500, got ${total}`);
  });

  test("the scripted expert keeps the pole up for all 500 steps", async () => {
    const episodes = await collect(make("seals/CartPole-v0"), scriptedExpert("seals/CartPole-v0"), {
      episodes: 3,
      seed: 0,
      deterministic: true,
    });
    for (const episode of episodes) {
      assert.equal(episode.length, 500);
      assert.equal(episode.terminated, false);
      assert.equal(episode.truncated, true);
      assert.equal(
        episode.rewards.reduce((a, b) => a + b, 0),
        500,
      );
    }
  });
});

describe("GAIL and AIRL on the fixed horizon need no flag", () => {
  test("GAIL and AIRL train on seals/CartPole-v0 demonstrations with allowVariableHorizon left unset", async () => {
    const demos = toTransitions(
      await collect(make("seals/CartPole-v0"), scriptedExpert("seals/CartPole-v0"), {
        episodes: 1,
        seed: 0,
        deterministic: true,
      }),
    );
    const gail = await trainGail(makeVec("seals/CartPole-v0", { numEnvs: 2 }), demos, small);
    assert.ok(gail.history.length > 0);
    const airl = await trainAirl(makeVec("seals/CartPole-v0", { numEnvs: 2 }), demos, small);
    assert.ok(airl.history.length > 0);
    // The same budget on CartPole-v1 is refused: its generator's episodes end when the pole falls.
    await assert.rejects(
      trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small),
      /seals\/CartPole-v0/,
    );
  });
});
