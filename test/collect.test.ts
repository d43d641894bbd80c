import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { collect } from "../src/data/collect.js";
import { make, makeVec, type Policy, toAsync } from "../src/index.js";

/** Pushes toward the lean: a decent CartPole controller, deterministic. */
const lean: Policy<Float32Array, number> = { act: (o) => (o[2]! + 0.5 * o[3]! > 0 ? 1 : 0) };

describe("collect", () => {
  test("records what the env returned, step for step", async () => {
    const episodes = await collect(make("CartPole-v1"), lean, { episodes: 3, seed: 5 });
    assert.equal(episodes.length, 3);
    for (const [k, e] of episodes.entries()) {
      assert.equal(e.seed, 5 + k);
      const env = make("CartPole-v1");
      let obs = env.reset({ seed: 5 + k }).observation;
      assert.deepEqual(Array.from(e.observation(0)), Array.from(obs));
      for (let t = 0; t < e.length; t++) {
        const a = lean.act(obs);
        assert.equal(e.actions[t], a);
        const r = env.step(a);
        assert.deepEqual(Array.from(e.observation(t + 1)), Array.from(r.observation));
        assert.equal(e.rewards[t], r.reward);
        obs = r.observation;
        if (t === e.length - 1) {
          assert.equal(e.terminated, r.terminated);
          assert.equal(e.truncated, r.truncated);
        }
      }
    }
  });

  test("records actions as the policy chose them, before ClipAction clips them", async () => {
    const wild: Policy<Float32Array, Float32Array> = { act: () => Float32Array.of(5) };
    const [e] = await collect(make("Pendulum-v1", { clipAction: true, maxEpisodeSteps: 4 }), wild, {
      episodes: 1,
      seed: 0,
    });
    assert.deepEqual(Array.from(e!.actions), [5, 5, 5, 5]);
    assert.equal(e!.truncated, true);
  });

  test("steps: finishes the episode in progress", async () => {
    const episodes = await collect(make("CartPole-v1"), lean, { steps: 600, seed: 0 });
    const total = episodes.reduce((s, e) => s + e.length, 0);
    assert.ok(total >= 600);
    assert.ok(total - episodes.at(-1)!.length < 600);
  });

  test("AsyncEnv and async policies give the same episodes as the sync path", async () => {
    const asyncPolicy = { act: async (o: Float32Array) => lean.act(o) };
    const a = await collect(toAsync(make("CartPole-v1")), asyncPolicy, { episodes: 2, seed: 1 });
    const b = await collect(make("CartPole-v1"), lean, { episodes: 2, seed: 1 });
    assert.deepEqual(a, b);
  });

  test("vector env: episodes match single-env rollouts, and the autoreset step is not recorded", async () => {
    const vec = makeVec("CartPole-v1", { numEnvs: 3, maxEpisodeSteps: 30 });
    const episodes = await collect(vec, lean, { episodes: 6, seed: 20 });
    assert.equal(episodes.length, 6);
    for (const e of episodes) {
      assert.ok(e.length <= 30);
      // Every recorded transition is a real CartPole step from its observation.
      for (let t = 0; t < e.length; t++)
        assert.equal(e.actions[t], lean.act(e.observation(t) as Float32Array));
    }
    // The first episode of sub-env i is the single env's episode with seed 20 + i.
    const firstOfEach = episodes.filter((e) => e.seed !== undefined);
    assert.ok(firstOfEach.length >= 1);
    for (const e of firstOfEach) {
      const [single] = await collect(make("CartPole-v1", { maxEpisodeSteps: 30 }), lean, {
        episodes: 1,
        seed: e.seed!,
      });
      assert.deepEqual(Array.from(e.observations), Array.from(single!.observations));
      assert.deepEqual(Array.from(e.rewards), Array.from(single!.rewards));
    }
    // A later episode starts from a fresh reset state, not from the previous episode's last state.
    const later = episodes.find((e) => e.seed === undefined)!;
    for (const v of later.observation(0)) assert.ok(Math.abs(v) <= 0.05);
  });

  test("GridWorld episodes store integer observations", async () => {
    const [e] = await collect(make("GridWorld-v0"), { act: () => 1 }, { episodes: 1, seed: 0 });
    assert.ok(e!.observations instanceof Int32Array);
    assert.equal(e!.observations[0], 0);
  });

  test("needs episodes or steps", async () => {
    await assert.rejects(collect(make("CartPole-v1"), lean, {}), /pass episodes/);
    await assert.rejects(collect(make("CartPole-v1"), lean, { episodes: 0 }), /positive integer/);
  });
});
