import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type EnvSpec, toAsync } from "../src/core/env.js";
import { InvalidActionError, InvalidOptionError, UnknownEnvError } from "../src/core/errors.js";
import type { Policy } from "../src/core/policy.js";
import { make, register, registeredEnvs, registration, unregister } from "../src/core/registry.js";
import { collect } from "../src/data/collect.js";
import { Dataset } from "../src/data/dataset.js";
import { CartPoleEnv } from "../src/envs/classic/cartpole.js";
import { evaluate, normalizedScore, normalizeReturn } from "../src/eval/evaluate.js";
import {
  actionAgreement,
  type BatchActor,
  classificationReport,
  confusionMatrix,
  regressionErrors,
} from "../src/eval/metrics.js";
import { randomPolicy } from "../src/eval/random-policy.js";
import {
  bootstrapCi,
  iqm,
  max,
  mean,
  min,
  permutationTest,
  quantileSorted,
  std,
  wilsonInterval,
} from "../src/eval/stats.js";
import { scriptedExpert } from "../src/experts/index.js";

const close = (actual: number, expected: number, tolerance = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

/** Looks only at the pole's angle: falls after a few dozen steps, at a length that varies with the seed. */
const angleOnly: Policy<Float32Array, number> = { act: (o) => (o[2]! > 0 ? 1 : 0) };

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

describe("stats", () => {
  test("mean, population std, min and max on a hand example", () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    assert.equal(mean(x), 5);
    assert.equal(std(x), 2);
    assert.equal(min(x), 2);
    assert.equal(max(x), 9);
    assert.equal(mean(Float64Array.of(1, 2)), 1.5);
  });

  test("an empty sample is refused, naming the argument", () => {
    for (const f of [mean, std, min, max, iqm]) {
      assert.throws(
        () => f([]),
        (e: unknown) => e instanceof InvalidOptionError && e.path === "values",
      );
    }
    assert.throws(() => permutationTest([1], []), InvalidOptionError);
  });

  test("iqm trims ⌊n/4⌋ whole values at each end, as scipy.stats.trim_mean(x, 0.25)", () => {
    // Expected values from scipy 1.17 trim_mean.
    assert.equal(iqm([7]), 7);
    assert.equal(iqm([1, 2]), 1.5);
    assert.equal(iqm([1, 2, 3]), 2);
    assert.equal(iqm([4, 1, 3, 2]), 2.5);
    assert.equal(iqm([1, 2, 3, 4, 100]), 3);
    assert.equal(iqm([1, 2, 3, 4, 5, 6, 7]), 4);
    assert.equal(iqm([5, 1, 9, 3, 100, 2, 8, 4]), 5);
  });

  test("quantileSorted interpolates linearly, as numpy's percentile", () => {
    // np.percentile([1, 2, 3, 4, 5], [2.5, 97.5]) = [1.1, 4.9]
    close(quantileSorted([1, 2, 3, 4, 5], 0.025), 1.1);
    close(quantileSorted([1, 2, 3, 4, 5], 0.975), 4.9);
    assert.equal(quantileSorted([3], 0.3), 3);
  });

  test("property: min ≤ iqm ≤ max", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 40 }), (x) => {
        const m = iqm(x);
        return m >= min(x) - 1e-9 && m <= max(x) + 1e-9;
      }),
    );
  });

  test("property: iqm of a shifted sample shifts by the same amount, and is order-free", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 40 }), finite, (x, c) => {
        const shifted = iqm(x.map((v) => v + c));
        close(shifted, iqm(x) + c, 1e-6);
        assert.equal(iqm([...x].reverse()), iqm(x));
      }),
    );
  });

  test("bootstrapCi: a deterministic percentile interval around the statistic", () => {
    const x = Array.from({ length: 50 }, (_, i) => i);
    const a = bootstrapCi(x, mean, { seed: 3 });
    assert.deepEqual(bootstrapCi(x, mean, { seed: 3 }), a);
    assert.notDeepEqual(bootstrapCi(x, mean, { seed: 4 }), a);
    assert.ok(a[0] < 24.5 && 24.5 < a[1], `${a}`);
    // Standard error of the mean of 0..49 is about 2.04, so the 95% interval is about ±4.
    assert.ok(a[1] - a[0] > 6 && a[1] - a[0] < 10, `${a}`);
  });

  test("bootstrapCi refuses a bad level or resample count", () => {
    assert.throws(() => bootstrapCi([1, 2], mean, { level: 1 }), InvalidOptionError);
    assert.throws(() => bootstrapCi([1, 2], mean, { resamples: 0 }), InvalidOptionError);
  });

  test("property: on constant data the interval is the statistic itself", () => {
    fc.assert(
      fc.property(finite, fc.integer({ min: 1, max: 30 }), fc.nat(1000), (c, n, seed) => {
        const x = new Array<number>(n).fill(c);
        const [low, high] = bootstrapCi(x, iqm, { seed, resamples: 50 });
        assert.ok(low <= iqm(x) && iqm(x) <= high);
        close(low, c, 1e-9 * Math.abs(c));
        close(high, c, 1e-9 * Math.abs(c));
      }),
    );
  });

  test("property: with the same seed, a wider level gives a wider interval", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 20 }), fc.nat(1000), (x, seed) => {
        const narrow = bootstrapCi(x, mean, { seed, resamples: 100, level: 0.5 });
        const wide = bootstrapCi(x, mean, { seed, resamples: 100, level: 0.95 });
        return wide[0] <= narrow[0] && narrow[1] <= wide[1];
      }),
    );
  });

  test("permutationTest on hand examples with a known exact p-value", () => {
    // Of the 20 ways to split {0..5} into two triples, only {3,4,5} has a difference of means ≥ 3.
    close(permutationTest([3, 4, 5], [0, 1, 2], { seed: 1 }), 1 / 20, 0.01);
    // Every relabelling is at least as extreme as a difference of −3 …
    assert.equal(permutationTest([0, 1, 2], [3, 4, 5], { seed: 1, resamples: 999 }), 1);
    // … and as extreme in the other direction once in 20.
    close(permutationTest([0, 1, 2], [3, 4, 5], { seed: 1, alternative: "less" }), 1 / 20, 0.01);
    close(permutationTest([0, 1, 2], [3, 4, 5], { seed: 1, alternative: "two-sided" }), 2 / 20, 0.01);
    // The +1 correction: even the most extreme split gets p = 1 / (resamples + 1) at least.
    assert.equal(permutationTest([10, 10], [0, 0, 0, 0], { seed: 0, resamples: 1 }) >= 1 / 2, true);
    assert.throws(
      () => permutationTest([1], [2], { alternative: "bigger" as "greater" }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "alternative",
    );
  });

  test("property: the p-value is in (0, 1], and 1 for identical constant samples", () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 1, maxLength: 15 }),
        fc.array(finite, { minLength: 1, maxLength: 15 }),
        fc.nat(1000),
        (a, b, seed) => {
          const p = permutationTest(a, b, { seed, resamples: 200 });
          return p > 0 && p <= 1;
        },
      ),
    );
    fc.assert(
      fc.property(finite, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), (c, na, nb) => {
        const p = permutationTest(new Array(na).fill(c), new Array(nb).fill(c), { resamples: 50 });
        return p === 1;
      }),
    );
  });
});

describe("evaluate", () => {
  test("the CartPole expert: every episode lasts 500 steps; normalized score 1, success rate 1", async () => {
    const result = await evaluate(make("CartPole-v1"), scriptedExpert("CartPole-v1"));
    assert.equal(result.env, "CartPole-v1");
    assert.equal(result.episodes, 50);
    assert.equal(result.returns.length, 50);
    assert.ok(result.lengths.every((l) => l === 500));
    assert.equal(result.meanReturn, 500);
    assert.equal(result.stdReturn, 0);
    assert.equal(result.minReturn, 500);
    assert.equal(result.maxReturn, 500);
    assert.equal(result.iqm, 500);
    assert.deepEqual(result.ci95, [500, 500]);
    assert.equal(result.meanLength, 500);
    close(result.normalizedScore!, 1, 1e-9);
    assert.equal(result.successRate, 1);
  });

  test("the random policy scores about 0 and never succeeds on CartPole", async () => {
    const env = make("CartPole-v1");
    const result = await evaluate(env, randomPolicy(env.actionSpace));
    assert.ok(Math.abs(result.normalizedScore!) < 0.03, `normalized score ${result.normalizedScore}`);
    assert.equal(result.successRate, 0);
    assert.ok(result.ci95[0] <= result.iqm && result.iqm <= result.ci95[1]);
    assert.ok(result.minReturn < result.maxReturn);
  });

  test("episode k resets with seed + k", async () => {
    const result = await evaluate(make("CartPole-v1"), angleOnly, { episodes: 5, seed: 7 });
    for (let k = 0; k < 5; k++) {
      const alone = await evaluate(make("CartPole-v1"), angleOnly, { episodes: 1, seed: 7 + k });
      assert.equal(alone.returns[0], result.returns[k]);
    }
    assert.ok(new Set(result.returns).size > 1, "the seeds should give different episodes");
  });

  test("deterministic under the seed, different under another seed", async () => {
    const env = make("CartPole-v1");
    const run = (seed: number) => evaluate(env, randomPolicy(env.actionSpace), { episodes: 20, seed });
    assert.deepEqual(await run(5), await run(5));
    assert.notDeepEqual((await run(5)).returns, (await run(6)).returns);
  });

  test("an AsyncEnv and an async policy give the same result as the sync path", async () => {
    const expert = scriptedExpert("CartPole-v1");
    const asyncPolicy = { act: async (o: Float32Array) => angleOnly.act(o) };
    const sync = await evaluate(make("CartPole-v1"), angleOnly, { episodes: 10 });
    assert.deepEqual(await evaluate(toAsync(make("CartPole-v1")), angleOnly, { episodes: 10 }), sync);
    assert.deepEqual(await evaluate(make("CartPole-v1"), asyncPolicy, { episodes: 10 }), sync);
    const asyncExpert = await evaluate(toAsync(make("CartPole-v1")), expert, { episodes: 3 });
    assert.equal(asyncExpert.successRate, 1);
  });

  test("a sync env and policy run every episode before evaluate first yields", async () => {
    let steps = 0;
    const counting: Policy<Float32Array, number> = {
      act: (o) => {
        steps += 1;
        return angleOnly.act(o);
      },
    };
    const pending = evaluate(make("CartPole-v1"), counting, { episodes: 4 });
    const stepsBeforeYield = steps;
    const result = await pending;
    assert.equal(
      stepsBeforeYield,
      result.lengths.reduce((a, b) => a + b, 0),
    );
  });

  test("Pendulum has reference returns but no success criterion", async () => {
    const result = await evaluate(make("Pendulum-v1"), scriptedExpert("Pendulum-v1"), { episodes: 5 });
    assert.equal(result.successRate, null);
    assert.equal(typeof result.normalizedScore, "number");
    assert.ok(result.normalizedScore! > 0.8, `${result.normalizedScore}`);
  });

  test("every built-in env has measured references (expert above random); all but Pendulum a success test", () => {
    const builtins = [
      "CartPole-v1",
      "MountainCar-v0",
      "MountainCarContinuous-v0",
      "Pendulum-v1",
      "Acrobot-v1",
      "GridWorld-v0",
    ];
    for (const id of builtins) {
      const { referenceReturns, isSuccess } = registration(id);
      assert.ok(referenceReturns, id);
      assert.ok(referenceReturns.expert > referenceReturns.random, id);
      assert.equal(typeof isSuccess, id === "Pendulum-v1" ? "undefined" : "function", id);
    }
    assert.equal(normalizedScore("CartPole-v1", 500), 1);
    assert.equal(normalizedScore("CartPole-v1", registration("CartPole-v1").referenceReturns!.random), 0);
    const cartPole = registration("CartPole-v1").isSuccess!;
    assert.equal(cartPole({ return: 500, length: 500, terminated: false, truncated: true }), true);
    assert.equal(cartPole({ return: 500, length: 500, terminated: true, truncated: true }), false);
    assert.equal(cartPole({ return: 20, length: 20, terminated: true, truncated: false }), false);
    assert.ok(registeredEnvs().length >= builtins.length);
  });

  test("an env without reference returns or success criterion gives null for both", async () => {
    const spec: EnvSpec = { id: "EvalNoReference-v0", maxEpisodeSteps: 500 };
    register({ ...spec, entryPoint: () => new CartPoleEnv() });
    try {
      assert.equal(normalizedScore("EvalNoReference-v0", 100), null);
    } finally {
      unregister("EvalNoReference-v0");
    }
    // An env that is not registered at all, with only its own spec to go by.
    const env = { ...toAsync(make("CartPole-v1")), spec };
    const result = await evaluate(env, angleOnly, { episodes: 3 });
    assert.equal(result.env, "EvalNoReference-v0");
    assert.equal(result.normalizedScore, null);
    assert.equal(result.successRate, null);
    // An env's own spec may carry them.
    const own = {
      ...env,
      spec: { ...spec, referenceReturns: { random: 0, expert: 100 }, isSuccess: () => true },
    };
    const scored = await evaluate(own, angleOnly, { episodes: 3 });
    close(scored.normalizedScore!, scored.meanReturn / 100);
    assert.equal(scored.successRate, 1);
  });

  test("options override the env's references and success test, and null removes them", async () => {
    const env = make("CartPole-v1");
    const none = await evaluate(env, angleOnly, { episodes: 2, referenceReturns: null, isSuccess: null });
    assert.equal(none.normalizedScore, null);
    assert.equal(none.successRate, null);
    const custom = await evaluate(env, angleOnly, {
      episodes: 2,
      referenceReturns: { random: 0, expert: 1000 },
      isSuccess: ({ length }) => length > 1,
    });
    close(custom.normalizedScore!, custom.meanReturn / 1000);
    assert.equal(custom.successRate, 1);
    assert.equal(normalizeReturn(5, { random: 1, expert: 1 }), null);
  });

  test("bad options and unknown ids are refused", async () => {
    const env = make("CartPole-v1");
    await assert.rejects(evaluate(env, angleOnly, { episodes: 0 }), InvalidOptionError);
    await assert.rejects(evaluate(env, angleOnly, { seed: -1 }), InvalidOptionError);
    assert.throws(() => normalizedScore("CartPole-v2", 1), UnknownEnvError);
  });

  test("permutation test: the expert beats random with p < 0.01; same-distribution samples give a large p", async () => {
    const env = make("CartPole-v1");
    const random = randomPolicy(env.actionSpace);
    const expert = await evaluate(env, scriptedExpert("CartPole-v1"), { episodes: 20 });
    const baseline = await evaluate(env, random, { episodes: 20 });
    const p = permutationTest(expert.returns, baseline.returns, { seed: 0 });
    assert.ok(p < 0.01, `p = ${p}`);
    const again = await evaluate(env, random, { episodes: 20, seed: 5000 });
    const pSame = permutationTest(again.returns, baseline.returns, { seed: 0, alternative: "two-sided" });
    assert.ok(pSame > 0.2, `p = ${pSame}`);
  });
});

describe("metrics", () => {
  // Three classes; class 2 is never predicted.
  const yTrue = [0, 0, 1, 1, 2, 2];
  const yPred = [0, 1, 1, 1, 0, 0];

  test("confusionMatrix: rows are true classes, columns predicted ones", () => {
    assert.deepEqual(confusionMatrix(yTrue, yPred, 3), [
      [1, 1, 0],
      [0, 2, 0],
      [2, 0, 0],
    ]);
    assert.throws(
      () => confusionMatrix([0, 3], [0, 0], 3),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "yTrue",
    );
    assert.throws(() => confusionMatrix([0], [0, 1], 3), /one prediction per label/);
  });

  test("classificationReport: a class never predicted has precision 0, not NaN", () => {
    const report = classificationReport(confusionMatrix(yTrue, yPred, 3));
    assert.equal(report.accuracy, 0.5);
    const [c0, c1, c2] = report.perClass;
    close(c0!.precision, 1 / 3);
    close(c0!.recall, 1 / 2);
    close(c0!.f1, 0.4);
    close(c1!.precision, 2 / 3);
    assert.equal(c1!.recall, 1);
    close(c1!.f1, 0.8);
    assert.deepEqual(c2, { label: 2, precision: 0, recall: 0, f1: 0, support: 2 });
    assert.deepEqual(
      report.perClass.map((c) => c.support),
      [2, 2, 2],
    );
    close(report.macroF1, 0.4);
  });

  test("classificationReport: a class absent from both labels and predictions does not count in macro F1", () => {
    const report = classificationReport(confusionMatrix(yTrue, yPred, 4), [10, 11, 12, 13]);
    assert.deepEqual(report.perClass[3], { label: 13, precision: 0, recall: 0, f1: 0, support: 0 });
    close(report.macroF1, 0.4);
    assert.equal(classificationReport([[3]]).macroF1, 1);
  });

  test("regressionErrors on a hand example", () => {
    const errors = regressionErrors([0, 0, 1, 1], [1, 0, 1, 3], 2);
    assert.deepEqual(errors.perDimension, [
      { mse: 0.5, mae: 0.5 },
      { mse: 2, mae: 1 },
    ]);
    assert.equal(errors.mse, 1.25);
    assert.equal(errors.mae, 0.75);
    assert.throws(() => regressionErrors([1, 2, 3], [1, 2, 3], 2), /rows of 2/);
  });

  async function cartPoleDataset(): Promise<Dataset> {
    const env = make("CartPole-v1", { maxEpisodeSteps: 100 });
    const episodes = await collect(env, angleOnly, { episodes: 3, seed: 0 });
    return new Dataset({
      id: "cartpole/angle-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
    });
  }

  test("actionAgreement, Discrete: the policy that made the data agrees everywhere", async () => {
    const dataset = await cartPoleDataset();
    const same = actionAgreement(angleOnly, dataset);
    assert.equal(same.kind, "discrete");
    if (same.kind !== "discrete") return;
    assert.equal(same.samples, dataset.totalSteps);
    assert.equal(same.accuracy, 1);
    assert.equal(same.macroF1, 1);
    const constant = actionAgreement({ act: () => 0 }, dataset);
    if (constant.kind !== "discrete") return assert.fail("expected discrete");
    assert.equal(constant.perClass[1]!.precision, 0);
    assert.equal(constant.perClass[1]!.recall, 0);
    assert.equal(constant.confusion[0]![1]! + constant.confusion[1]![1]!, 0);
    assert.equal(constant.accuracy, constant.perClass[0]!.support / dataset.totalSteps);
  });

  test("actionAgreement uses actBatch when the policy has it", async () => {
    const dataset = await cartPoleDataset();
    let batches = 0;
    const batched: Policy<Float32Array, number> & BatchActor = {
      act: () => {
        throw new Error("act should not be called");
      },
      actBatch: (observations) => {
        batches += 1;
        const n = observations.length / 4;
        return Int32Array.from({ length: n }, (_, i) => (observations[i * 4 + 2]! > 0 ? 1 : 0));
      },
    };
    const result = actionAgreement(batched, dataset);
    assert.equal(batches, 1);
    assert.deepEqual(result, actionAgreement(angleOnly, dataset));
    const wrongLength = { ...batched, actBatch: () => [1, 0] };
    assert.throws(() => actionAgreement(wrongLength, dataset), /actBatch returned 2 values/);
  });

  test("actionAgreement, Discrete: an action outside the space or an async policy is refused", async () => {
    const dataset = await cartPoleDataset();
    assert.throws(() => actionAgreement({ act: () => 2 }, dataset), InvalidActionError);
    assert.throws(() => actionAgreement({ act: async () => 0 } as Policy, dataset), /synchronous policy/);
  });

  test("actionAgreement, Box: zero error for the expert itself, mean squared action for a zero policy", async () => {
    const env = make("Pendulum-v1", { maxEpisodeSteps: 50 });
    const expert = scriptedExpert("Pendulum-v1");
    const episodes = await collect(env, expert, { episodes: 2, seed: 0 });
    const dataset = new Dataset({
      id: "pendulum/expert-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
    });
    const self = actionAgreement(expert, dataset);
    assert.equal(self.kind, "continuous");
    if (self.kind !== "continuous") return;
    assert.equal(self.mse, 0);
    assert.equal(self.mae, 0);
    assert.equal(self.samples, 100);
    const zero = actionAgreement({ act: () => Float32Array.of(0) }, dataset);
    if (zero.kind !== "continuous") return assert.fail("expected continuous");
    const actions = Array.from(episodes.flatMap((e) => Array.from(e.actions)));
    close(zero.mse, mean(actions.map((a) => a * a)), 1e-9);
    close(zero.mae, mean(actions.map(Math.abs)), 1e-9);
    assert.deepEqual(zero.perDimension, [{ mse: zero.mse, mae: zero.mae }]);
  });
});

describe("success-rate interval", () => {
  test("Wilson's interval matches published values and never leaves [0, 1]", () => {
    const [lo0, hi0] = wilsonInterval(0, 10);
    assert.equal(lo0, 0);
    close(hi0, 0.27753, 1e-4);
    const [lo5, hi5] = wilsonInterval(5, 10);
    close(lo5, 0.23659, 1e-4);
    close(hi5, 0.76341, 1e-4);
    const [lo50, hi50] = wilsonInterval(50, 50);
    close(lo50, 0.92865, 1e-4);
    assert.equal(hi50, 1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, q) => {
        const k = Math.round(q * n);
        const [lo, hi] = wilsonInterval(k, n);
        return 0 <= lo && lo <= k / n + 1e-12 && k / n - 1e-12 <= hi && hi <= 1;
      }),
    );
    assert.throws(() => wilsonInterval(3, 2), /successes ≤ trials/);
  });

  test("evaluate reports the interval beside the success rate", async () => {
    const result = await evaluate(make("CartPole-v1"), randomPolicy(make("CartPole-v1").actionSpace), {
      episodes: 10,
    });
    assert.equal(result.successRate, 0);
    assert.equal(result.successCi95![0], 0);
    close(result.successCi95![1], 0.27753, 1e-4);
  });
});
