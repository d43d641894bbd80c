/**
 * BC-CNN learns from pixels (issue 18): on PixelCartPole-v1 (three stacked 32 × 64 grayscale
 * frames), from 30 demonstrations of the state expert with 20% random actions, an encoder policy
 * that reads only the frames reaches the 475 threshold over 50 new episodes. It uses motion
 * channels and standardized inputs (without them BC's loss stays at ln 2) and DrQ's random shift.
 * Deterministic under the fixed seeds; several minutes on two cores, so it is in the slow tier.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { trainBcEncoder } from "../../src/algorithms/bc-encoder.js";
import { pixelCartPoleExpert } from "../../src/experts/index.js";
import { collect, Dataset, evaluate, make } from "../../src/index.js";

test("BC-CNN on PixelCartPole-v1 reaches 475 from 30 noisy demonstrations, reading pixels only", async () => {
  const env = make("PixelCartPole-v1");
  const episodes = await collect(env, pixelCartPoleExpert({ epsilon: 0.2, seed: 1 }), {
    episodes: 30,
    seed: 0,
    deterministic: true,
  });
  const dataset = new Dataset({
    id: "test/pixel-cartpole-noisy-v0",
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  const { policy, bestEpoch } = await trainBcEncoder(dataset, {
    keys: ["pixels"],
    motion: 1,
    shift: 2,
    features: 64,
    epochs: 50,
  });
  const result = await evaluate(make("PixelCartPole-v1"), policy, { episodes: 50, seed: 1000 });
  console.log(`BC-CNN: best epoch ${bestEpoch}, mean return ${result.meanReturn} over 50 episodes`);
  assert.ok(result.meanReturn >= 475, `BC-CNN mean return ${result.meanReturn}`);
});
