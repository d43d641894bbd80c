/**
 * PixelCartPole-v1: CartPole-v1's dynamics seen as stacked grayscale frames (plus the state), and
 * its frames: deterministic, moving with the state, stacked oldest first with reset padding.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { renderCartPoleFrame } from "../src/envs/pixels/cartpole-pixels.js";
import { checkEnv, evaluate, make, scriptedExpert } from "../src/index.js";

interface PixelObs {
  pixels: Uint8Array;
  state: Float32Array;
}

describe("PixelCartPole-v1", () => {
  test("passes checkEnv; a Dict of uint8 frames and CartPole's state", () => {
    const env = make("PixelCartPole-v1");
    checkEnv(env);
    assert.equal(
      env.observationSpace.toString(),
      "Dict('pixels': Box(0, 255, (32, 64, 3), uint8), 'state': Box([-4.8, -3.4028235e+38, -0.41887903, -3.4028235e+38], [4.8, 3.4028235e+38, 0.41887903, 3.4028235e+38], (4,), float32))",
    );
  });

  test("the state follows CartPole-v1 for the same seed and actions; frames stack oldest first", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 30 }),
        (seed, actions) => {
          const pixels = make("PixelCartPole-v1", { width: 32, height: 16, frames: 3 });
          const full = make("CartPole-v1");
          const first = pixels.reset({ seed }).observation as PixelObs;
          const b = full.reset({ seed }).observation;
          assert.deepEqual(first.state, b);
          const frame0 = renderCartPoleFrame(b, 32, 16);
          for (let p = 0; p < frame0.length; p++) {
            for (let f = 0; f < 3; f++) assert.equal(first.pixels[p * 3 + f], frame0[p], "reset padding");
          }
          const frames = [frame0, frame0, frame0];
          for (const action of actions) {
            const s = pixels.step(action);
            const r = full.step(action);
            const obs = s.observation as PixelObs;
            assert.deepEqual(obs.state, r.observation);
            assert.equal(s.reward, r.reward);
            assert.equal(s.terminated, r.terminated);
            frames.shift();
            frames.push(renderCartPoleFrame(r.observation, 32, 16));
            for (let p = 0; p < frame0.length; p += 7) {
              for (let f = 0; f < 3; f++) assert.equal(obs.pixels[p * 3 + f], frames[f]![p]);
            }
            if (r.terminated || r.truncated) break;
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  test("frames are deterministic and move with the cart and the pole", () => {
    const a = renderCartPoleFrame([0, 0, 0, 0], 64, 32);
    assert.deepEqual(renderCartPoleFrame([0, 0, 0, 0], 64, 32), a);
    const centroid = (f: Uint8Array) => {
      let sum = 0;
      let mass = 0;
      for (let p = 0; p < f.length; p++) {
        sum += (p % 64) * f[p]!;
        mass += f[p]!;
      }
      return sum / mass;
    };
    assert.ok(centroid(renderCartPoleFrame([1, 0, 0, 0], 64, 32)) > centroid(a) + 5, "cart to the right");
    assert.ok(centroid(renderCartPoleFrame([0, 0, 0.1, 0], 64, 32)) > centroid(a), "pole leaning right");
    // A tilt of 0.005 rad still changes the picture.
    assert.notDeepEqual(renderCartPoleFrame([0, 0, 0.005, 0], 64, 32), a);
  });

  test("bad options are refused by name; the expert reads the state and balances", async () => {
    assert.throws(() => make("PixelCartPole-v1", { width: 4 }), /width/);
    const result = await evaluate(make("PixelCartPole-v1"), scriptedExpert("PixelCartPole-v1"), {
      episodes: 5,
      seed: 10000,
    });
    assert.equal(result.meanReturn, 500);
  });
});
