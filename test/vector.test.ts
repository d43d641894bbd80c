import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  InvalidActionError,
  make,
  makeVec,
  ResetNeededError,
  rngFromSeed,
  ShapeMismatchError,
  VectorEnv,
} from "../src/index.js";

describe("VectorEnv next-step autoreset (Gymnasium 1.x)", () => {
  test("the step after an episode ends resets that sub-env and ignores its action", () => {
    for (const kernelPath of [true, false]) {
      const options = kernelPath
        ? { numEnvs: 2, maxEpisodeSteps: 3 }
        : { numEnvs: 2, maxEpisodeSteps: 3, recordEpisodeStatistics: true };
      const vec = makeVec("CartPole-v1", options);
      const twin = makeVec("CartPole-v1", options);
      vec.reset({ seed: 10 });
      twin.reset({ seed: 10 });
      for (let t = 0; t < 3; t++) {
        const r = vec.step([1, 0]);
        twin.step([1, 0]);
        assert.deepEqual(Array.from(r.truncations), t === 2 ? [1, 1] : [0, 0]);
      }
      // The ignored step: different actions, same result, reward 0, flags cleared.
      const a = vec.step([0, 0]);
      const b = twin.step([1, 1]);
      assert.deepEqual(Array.from(a.observations), Array.from(b.observations));
      assert.deepEqual(Array.from(a.rewards), [0, 0]);
      assert.deepEqual(Array.from(a.terminations), [0, 0]);
      assert.deepEqual(Array.from(a.truncations), [0, 0]);
      // Its observation is the next reset of a single env seeded the same way.
      const single = make("CartPole-v1", { maxEpisodeSteps: 3 });
      single.reset({ seed: 10 });
      for (let t = 0; t < 3; t++) single.step(1);
      assert.deepEqual(
        Array.from(a.observations.subarray(0, 4)),
        Array.from(single.reset().observation as Float32Array),
      );
      // After the ignored step, actions count again.
      const c = vec.step([0, 0]);
      const d = twin.step([1, 1]);
      assert.notDeepEqual(Array.from(c.observations), Array.from(d.observations));
    }
  });

  test("a terminated sub-env is reset on the next step while the others keep stepping", () => {
    const vec = makeVec("CartPole-v1", { numEnvs: 3 });
    vec.reset({ seed: 0 });
    let ended = -1;
    let steps = 0;
    let previous = new Uint8Array(3);
    while (ended < 0 && steps < 500) {
      const r = vec.step([0, 1, 0]);
      steps += 1;
      previous = r.terminations.slice();
      ended = Array.from(r.terminations).indexOf(1);
    }
    assert.ok(ended >= 0, "pushing one way should topple the pole");
    const next = vec.step([0, 1, 0]);
    assert.equal(next.rewards[ended], 0);
    // Sub-envs that had not ended keep stepping and earn CartPole's reward of 1.
    for (let i = 0; i < 3; i++) if (previous[i] === 0) assert.equal(next.rewards[i], 1);
    const obs = next.observations.subarray(ended * 4, ended * 4 + 4);
    for (const v of obs) assert.ok(Math.abs(v) <= 0.05, "a fresh CartPole state lies in (-0.05, 0.05)");
  });
});

describe("VectorEnv seeding and paths", () => {
  test("sub-env i is seeded with seed + i", () => {
    const vec = makeVec("Acrobot-v1", { numEnvs: 4 });
    const { observations } = vec.reset({ seed: 100 });
    for (let i = 0; i < 4; i++) {
      const single = make("Acrobot-v1").reset({ seed: 100 + i }).observation as Float32Array;
      assert.deepEqual(Array.from(observations.subarray(i * 6, i * 6 + 6)), Array.from(single));
    }
  });

  test("the kernel path and the Env path agree step for step", () => {
    for (const id of [
      "CartPole-v1",
      "MountainCarContinuous-v0",
      "Pendulum-v1",
      "Acrobot-v1",
      "MountainCar-v0",
    ]) {
      const fast = makeVec(id, { numEnvs: 3, maxEpisodeSteps: 40 });
      const slow = VectorEnv.fromEnvs([0, 1, 2].map(() => make(id, { maxEpisodeSteps: 40 })));
      assert.deepEqual(
        Array.from(fast.reset({ seed: 7 }).observations),
        Array.from(slow.reset({ seed: 7 }).observations),
      );
      const rng = rngFromSeed(1);
      for (let t = 0; t < 150; t++) {
        const actions = new Float32Array(3 * fast.actionSize);
        for (let i = 0; i < 3; i++) {
          const a = fast.singleActionSpace.sample(rng);
          if (typeof a === "number") actions[i] = a;
          else actions.set(a as Float32Array, i * fast.actionSize);
        }
        const x = fast.step(actions);
        const y = slow.step(actions);
        assert.deepEqual(Array.from(x.observations), Array.from(y.observations), `${id} step ${t}`);
        assert.deepEqual(Array.from(x.rewards), Array.from(y.rewards));
        assert.deepEqual(Array.from(x.terminations), Array.from(y.terminations));
        assert.deepEqual(Array.from(x.truncations), Array.from(y.truncations));
      }
    }
  });

  test("GridWorld (no kernel) vectorizes through the Env path with one-hot observations", () => {
    const vec = makeVec("GridWorld-v0", { numEnvs: 2 });
    assert.equal(vec.obsSize, vec.singleObservationSpace.flatDim);
    const { observations } = vec.reset({ seed: 0 });
    assert.equal(
      observations.reduce((a, b) => a + b, 0),
      2,
    );
    vec.step([1, 2]);
  });
});

describe("VectorEnv bad input", () => {
  test("step before reset, a wrong action count, an invalid action, NaN", () => {
    const vec = makeVec("CartPole-v1", { numEnvs: 2 });
    assert.throws(() => vec.step([0, 1]), ResetNeededError);
    vec.reset({ seed: 0 });
    assert.throws(
      () => vec.step([0]),
      (e: unknown) => e instanceof ShapeMismatchError && /expected 2 action values/.test(e.message),
    );
    assert.throws(
      () => vec.step([0, 2]),
      (e: unknown) =>
        e instanceof InvalidActionError && /env 1/.test(e.message) && /Discrete\(2\)/.test(e.message),
    );
    const pendulum = makeVec("Pendulum-v1", { numEnvs: 2 });
    pendulum.reset({ seed: 0 });
    assert.throws(
      () => pendulum.step([0, Number.NaN]),
      (e: unknown) => e instanceof InvalidActionError && /NaN/.test(e.message),
    );
    assert.throws(() => makeVec("CartPole-v1", { numEnvs: 0 }), /numEnvs must be a positive integer/);
  });
});
