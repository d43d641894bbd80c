import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ShapeMismatchError } from "../src/core/errors.js";
import { Episode, toTransitions } from "../src/data/episode.js";

describe("Episode invariants", () => {
  test("T + 1 observations, T actions, T rewards", () => {
    const e = new Episode({
      id: 3,
      observations: Float32Array.from([0, 0, 1, 1, 2, 2]),
      actions: Int32Array.from([1, 0]),
      rewards: [1, 2],
      terminated: true,
      truncated: false,
    });
    assert.equal(e.length, 2);
    assert.equal(e.obsDim, 2);
    assert.equal(e.actDim, 1);
    assert.equal(e.return, 3);
    assert.deepEqual(Array.from(e.observation(2)), [2, 2]);
    assert.deepEqual(Array.from(e.action(0)), [1]);
  });

  test("violations name the episode and the field", () => {
    const base = {
      id: 7,
      observations: new Float32Array(6),
      actions: new Int32Array(2),
      rewards: [0, 0],
      terminated: false,
      truncated: true,
    };
    assert.throws(
      () => new Episode({ ...base, rewards: [] }),
      (e: unknown) => e instanceof ShapeMismatchError && /episode 7: rewards is empty/.test(e.message),
    );
    assert.throws(
      () => new Episode({ ...base, actions: new Int32Array(3) }),
      /episode 7: actions has 3 values/,
    );
    assert.throws(
      () => new Episode({ ...base, observations: new Float32Array(4), obsDim: 2 }),
      /episode 7: observations has 2 rows but 2 actions need 3 \(T \+ 1\) rows of 2/,
    );
    assert.throws(
      () => new Episode({ ...base, observations: new Float32Array(7) }),
      /episode 7: observations has 7 values/,
    );
    assert.throws(() => new Episode({ ...base, id: -1 }), /id must be a non-negative integer/);
  });

  test("transitions pair each observation with the next and mark only terminal ends done", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.boolean()), { minLength: 1, maxLength: 5 }),
        (shapes) => {
          let counter = 0;
          const episodes = shapes.map(([T, terminated], id) => {
            const observations = Float32Array.from({ length: (T + 1) * 2 }, () => counter++);
            return new Episode({
              id,
              observations,
              actions: Float32Array.from({ length: T }, (_, t) => t),
              rewards: new Float64Array(T).fill(1),
              terminated,
              truncated: !terminated,
            });
          });
          const tr = toTransitions(episodes);
          assert.equal(
            tr.length,
            shapes.reduce((s, [T]) => s + T, 0),
          );
          let row = 0;
          for (const e of episodes) {
            for (let t = 0; t < e.length; t++, row++) {
              assert.deepEqual(
                Array.from(tr.obs.subarray(row * 2, row * 2 + 2)),
                Array.from(e.observation(t)),
              );
              assert.deepEqual(
                Array.from(tr.nextObs.subarray(row * 2, row * 2 + 2)),
                Array.from(e.observation(t + 1)),
              );
              assert.equal(tr.dones[row], t === e.length - 1 && e.terminated ? 1 : 0);
            }
          }
        },
      ),
    );
  });
});
