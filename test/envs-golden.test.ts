/**
 * Golden tests: every episode of every Gymnasium reference trace (test/fixtures/gymnasium,
 * recorded with Gymnasium 0.29.1) is replayed through `make(id)` and through a one-env
 * `makeVec`. Observations must match Gymnasium's float32 values within 1e-6 relative; reward,
 * terminated and truncated must match exactly. Seed parity: `reset({ seed })` must land in the
 * same internal float64 state, bit for bit, as Gymnasium's `reset(seed=seed)`.
 *
 * One documented exception: Pendulum-v1's reward is compared within 1e-11 relative. Its state
 * evolves through `np.sin`, and the machine that recorded the fixture ran numpy's Intel SVML `sin`
 * (numpy 1.22–1.24 on AVX-512), which is up to 4 ulp from the correctly rounded value, and squared
 * with C's `pow(x, 2)`, which is not always correctly rounded. Our float64 state therefore differs
 * from the recording in its last bits, which the float32 observations never show but the float64
 * reward does (worst seen: 2e-12 relative). Matching it bit for bit would mean emulating that one
 * machine's vendor maths library. Every other reward, every observation and every flag is exact.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type KernelEnv, make, makeVec } from "../src/index.js";
import { GYM_IDS, type GymEpisode, gymFixture } from "./helpers/fixtures.js";

const REL_TOL = 1e-6;
/** Relative reward tolerance per env: exact everywhere but Pendulum (see the header). */
const REWARD_REL_TOL: Record<string, number> = { "Pendulum-v1": 1e-11 };

function assertClose(actual: ArrayLike<number>, expected: readonly number[], where: string): number {
  assert.equal(actual.length, expected.length, `${where}: observation length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    worst = Math.max(worst, err);
    assert.ok(
      err <= REL_TOL,
      `${where}: obs[${i}] = ${actual[i]} but Gymnasium has ${expected[i]} (relative error ${err})`,
    );
  }
  return worst;
}

function toAction(action: number | number[]): number | Float32Array {
  return typeof action === "number" ? action : Float32Array.from(action);
}

for (const id of GYM_IDS) {
  const fixture = gymFixture(id);

  describe(`${id} matches Gymnasium ${fixture.gymnasium_version}`, () => {
    test("the registered step limit is Gymnasium's", () => {
      assert.equal(make(id).spec.maxEpisodeSteps, fixture.max_episode_steps);
    });

    for (const episode of fixture.episodes) {
      test(`seed ${episode.seed} (${episode.policy}, ${episode.steps.length} steps): seed parity and every step`, () => {
        const env = make(id as string);
        const { observation } = env.reset({ seed: episode.seed });
        const state = (env.unwrapped as KernelEnv).state;
        assert.deepEqual(
          Array.from(state.subarray(0, episode.reset_state.length)),
          episode.reset_state,
          "reset_state (float64, exact)",
        );
        assertClose(observation as Float32Array, episode.reset_obs, "reset_obs");
        replay(
          id,
          episode,
          (action) => env.step(action) as ReturnType<typeof env.step> & { observation: Float32Array },
        );
      });

      test(`seed ${episode.seed}: the kernel vector env replays it too`, () => {
        const vec = makeVec(id, { numEnvs: 1 });
        const { observations } = vec.reset({ seed: episode.seed });
        assertClose(observations, episode.reset_obs, "vector reset_obs");
        const buffer = new Float32Array(vec.actionSize);
        replay(id, episode, (action) => {
          if (typeof action === "number") buffer[0] = action;
          else buffer.set(action);
          const r = vec.step(buffer);
          return {
            observation: r.observations,
            reward: r.rewards[0]!,
            terminated: r.terminations[0] === 1,
            truncated: r.truncations[0] === 1,
          };
        });
      });
    }
  });
}

function replay(
  id: string,
  episode: GymEpisode,
  step: (action: number | Float32Array) => {
    observation: ArrayLike<number>;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  },
): void {
  episode.steps.forEach((expected, t) => {
    const where = `seed ${episode.seed} step ${t + 1}`;
    const result = step(toAction(expected.action));
    assertClose(result.observation, expected.obs, where);
    const tol = REWARD_REL_TOL[id];
    if (tol === undefined) assert.equal(result.reward, expected.reward, `${where}: reward`);
    else
      assert.ok(
        Math.abs(result.reward - expected.reward) <= tol * Math.max(1, Math.abs(expected.reward)),
        `${where}: reward ${result.reward} vs ${expected.reward}`,
      );
    assert.equal(result.terminated, expected.terminated, `${where}: terminated`);
    assert.equal(result.truncated, expected.truncated, `${where}: truncated`);
  });
}
