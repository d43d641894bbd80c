/**
 * The discriminator's gradient penalty (src/algorithms/gradient-penalty.ts): its value against a
 * finite-difference input gradient, its parameter gradient against finite differences of the
 * penalty, and GAIL's config around it (refused where the closed form does not hold, recorded in
 * the history, deterministic).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { trainAirl } from "../src/algorithms/airl.js";
import { trainGail } from "../src/algorithms/gail.js";
import { GradientPenalty } from "../src/algorithms/gradient-penalty.js";
import { rngFromSeed } from "../src/core/rng.js";
import { collect } from "../src/data/collect.js";
import { toTransitions } from "../src/data/episode.js";
import { scriptedExpert } from "../src/experts/index.js";
import { InvalidOptionError, make, makeVec } from "../src/index.js";

/** logit(x) of a ReLU MLP in the fused layout, in float64. */
function logit(sizes: readonly number[], params: ArrayLike<number>, x: ArrayLike<number>): number {
  let h = Array.from(x);
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const next: number[] = [];
    for (let j = 0; j < fanOut; j++) {
      let z = params[offset + fanIn * fanOut + j]!;
      for (let i = 0; i < fanIn; i++) z += h[i]! * params[offset + i * fanOut + j]!;
      next.push(l + 2 < sizes.length ? Math.max(z, 0) : z);
    }
    h = next;
    offset += fanIn * fanOut + fanOut;
  }
  return h[0]!;
}

function parameterCount(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
  return n;
}

function randomNet(
  sizes: readonly number[],
  seed: number,
): { params: Float64Array; x: Float64Array; rows: number } {
  const rng = rngFromSeed(seed);
  const params = Float64Array.from({ length: parameterCount(sizes) }, () => rng.normal() * 0.7);
  const rows = 3;
  const x = Float64Array.from({ length: rows * sizes[0]! }, () => rng.normal());
  return { params, x, rows };
}

/** The penalty's mean over rows with the input gradient taken by central differences. */
function numericPenalty(
  sizes: readonly number[],
  params: ArrayLike<number>,
  x: Float64Array,
  rows: number,
): number {
  const width = sizes[0]!;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * width, (r + 1) * width);
    let sq = 0;
    for (let i = 0; i < width; i++) {
      const h = 1e-6;
      const plus = row.slice();
      plus[i] = plus[i]! + h;
      const minus = row.slice();
      minus[i] = minus[i]! - h;
      const g = (logit(sizes, params, plus) - logit(sizes, params, minus)) / (2 * h);
      sq += g * g;
    }
    total += (Math.sqrt(sq) - 1) ** 2;
  }
  return total / rows;
}

describe("the gradient penalty", () => {
  test("its value is (‖∇ₓ logit‖ − 1)², the input gradient checked by finite differences", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom([4, 8, 1], [3, 5, 6, 1], [2, 1]),
        (seed, sizes) => {
          const { params, x, rows } = randomNet(sizes, seed);
          const penalty = new GradientPenalty(sizes);
          const value = penalty.apply(params, x, rows, new Float32Array(params.length), 1);
          const expected = numericPenalty(sizes, params, x, rows);
          assert.ok(Math.abs(value - expected) <= 1e-5 * (1 + expected), `${value} vs ${expected}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("its parameter gradient matches finite differences of the penalty, scaled by λ; biases get none", () => {
    const sizes = [5, 7, 6, 1];
    const { params, x, rows } = randomNet(sizes, 11);
    const penalty = new GradientPenalty(sizes);
    const lambda = 2.5;
    const grads = new Float32Array(params.length).fill(0.25);
    penalty.apply(params, x, rows, grads, lambda);
    const value = (p: Float64Array) => penalty.apply(p, x, rows, new Float32Array(p.length), 1);
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const kernel = sizes[l]! * sizes[l + 1]!;
      for (let k = offset; k < offset + kernel + sizes[l + 1]!; k++) {
        const h = 1e-5;
        const plus = params.slice();
        plus[k] = plus[k]! + h;
        const minus = params.slice();
        minus[k] = minus[k]! - h;
        const numeric = (lambda * (value(plus) - value(minus))) / (2 * h);
        const analytic = grads[k]! - 0.25; // added to what was there
        if (k >= offset + kernel) assert.equal(analytic, 0, `bias ${k} of layer ${l}`);
        else
          assert.ok(
            Math.abs(analytic - numeric) <= 1e-3 * (1 + Math.abs(numeric)),
            `param ${k}: ${analytic} vs ${numeric}`,
          );
      }
      offset += kernel + sizes[l + 1]!;
    }
  });

  test("a network with more than one output is refused", () => {
    assert.throws(() => new GradientPenalty([3, 4, 2]), /one output/);
  });
});

describe("GAIL with a gradient penalty", () => {
  const small = {
    totalTimesteps: 512,
    ppo: { numEnvs: 2, numSteps: 64, updateEpochs: 2, numMinibatches: 2 },
    discriminator: { batchSize: 64, updatesPerRound: 2, gradientPenalty: 10 },
    allowVariableHorizon: true,
    seed: 3,
  };

  test("records the penalty each round and is deterministic under a seed", async () => {
    const demos = toTransitions(
      await collect(make("CartPole-v1"), scriptedExpert("CartPole-v1"), { episodes: 2, seed: 0 }),
    );
    const run = () => trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small);
    const a = await run();
    const b = await run();
    assert.equal(a.history.length, 4);
    for (const record of a.history) {
      assert.ok(Number.isFinite(record.discGradientPenalty) && record.discGradientPenalty! >= 0);
    }
    assert.deepEqual(a.history, b.history);
    assert.deepEqual(a.rewardModel.g.params, b.rewardModel.g.params);
    const without = await trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), demos, {
      ...small,
      discriminator: { ...small.discriminator, gradientPenalty: 0 },
    });
    assert.equal(without.history[0]!.discGradientPenalty, undefined);
    assert.notDeepEqual(without.rewardModel.g.params, a.rewardModel.g.params);
  });

  test("is refused on a tanh discriminator and on AIRL, saying how to go on", async () => {
    const demos = toTransitions(
      await collect(make("CartPole-v1"), scriptedExpert("CartPole-v1"), { episodes: 1, seed: 0 }),
    );
    await assert.rejects(
      trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), demos, {
        ...small,
        discriminator: { ...small.discriminator, activation: "tanh" },
      }),
      (e: unknown) => e instanceof InvalidOptionError && /ReLU.*--disc-activation relu/.test(e.message),
    );
    await assert.rejects(
      trainAirl(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small),
      (e: unknown) => e instanceof InvalidOptionError && /GAIL's discriminator/.test(e.message),
    );
  });
});
