/**
 * `compilePolicy`: the dependency-free deterministic policy acts exactly as the NeuralPolicy does,
 * survives a JSON round trip, and refuses bad input.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { PolicyLoadError, ShapeMismatchError } from "../src/core/errors.js";
import { type Rng, rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete, MultiDiscrete, type Space } from "../src/core/spaces/index.js";
import { type CompiledPolicyJson, compiledPolicyFromJSON, compilePolicy } from "../src/nn/compile.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import type { NeuralPolicyOptions } from "../src/nn/policy-options.js";

const policies: NeuralPolicy[] = [];
after(() => {
  for (const p of policies) p.dispose();
});

const cartPoleObs = new Box(
  [-4.8, Number.NEGATIVE_INFINITY, -0.418, Number.NEGATIVE_INFINITY],
  [4.8, Number.POSITIVE_INFINITY, 0.418, Number.POSITIVE_INFINITY],
);
const pendulumObs = new Box([-1, -1, -8], [1, 1, 8]);

/**
 * A 64×64 policy with "trained-ish" weights: every layer Glorot-scaled with gain 1 (a fresh
 * policy's output layer is scaled by 0.01, which would make every logit nearly equal).
 */
export async function trainedIshPolicy(
  observationSpace: Space,
  actionSpace: Space,
  seed: number,
  extra: Partial<NeuralPolicyOptions> = {},
): Promise<NeuralPolicy> {
  const policy = await NeuralPolicy.create({
    observationSpace,
    actionSpace,
    envId: "Toy-v0",
    hidden: [64, 64],
    seed,
    ...extra,
  });
  policies.push(policy);
  const rng = rngFromSeed(seed + 1);
  policy.setWeights(
    policy.getWeights().map((w) => {
      const limit = Math.sqrt(6 / Math.max(w.length / 32, 2));
      return Float32Array.from(w, () => rng.uniform(-limit, limit));
    }),
  );
  return policy;
}

export function randomObservations(rng: Rng, count: number, scale: readonly number[]): Float32Array {
  const out = new Float32Array(count * scale.length);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * scale[i % scale.length]!;
  return out;
}

describe("compilePolicy", () => {
  test("Discrete: the same action as NeuralPolicy.act on 10,000 observations", async () => {
    const policy = await trainedIshPolicy(cartPoleObs, new Discrete(2), 3, {
      normalization: { mean: [0.1, -0.2, 0.01, 0.3], std: [1.2, 0.8, 0.1, 1.5] },
    });
    const compiled = compilePolicy(policy);
    assert.equal(compiled.observationDim, 4);
    assert.equal(compiled.envId, "Toy-v0");
    const obs = randomObservations(rngFromSeed(11), 10_000, [1.5, 2, 0.2, 3]);
    const counts = [0, 0];
    for (let row = 0; row < 10_000; row++) {
      const o = obs.subarray(row * 4, row * 4 + 4);
      const expected = policy.act(o, { deterministic: true });
      const actual = compiled.act(o);
      assert.equal(actual, expected, `row ${row}`);
      counts[actual as number]!++;
    }
    // Both actions occur, so the comparison is not trivially passing on a constant policy.
    assert.ok(counts[0]! > 1000 && counts[1]! > 1000, `action counts ${counts}`);
    assert.deepEqual(compiled.actBatch(obs, 10_000), policy.actBatch(obs, { deterministic: true }));
  });

  test("Box: the clipped mean within 1e-5 of NeuralPolicy.act on 10,000 observations", async () => {
    const policy = await trainedIshPolicy(pendulumObs, new Box(-2, 2, [1]), 5, {
      normalization: { mean: [0, 0, 0], std: [0.7, 0.7, 4] },
      activation: "relu",
    });
    const compiled = compilePolicy(policy);
    const obs = randomObservations(rngFromSeed(12), 10_000, [0.7, 0.7, 4]);
    let clipped = 0;
    let worst = 0;
    for (let row = 0; row < 10_000; row++) {
      const o = obs.subarray(row * 3, row * 3 + 3);
      const expected = policy.act(o, { deterministic: true }) as Float32Array;
      const actual = compiled.act(o) as Float32Array;
      assert.ok(actual instanceof Float32Array && actual.length === 1);
      worst = Math.max(worst, Math.abs(actual[0]! - expected[0]!));
      if (Math.abs(actual[0]!) === 2) clipped++;
    }
    assert.ok(worst <= 1e-5, `max abs difference ${worst}`);
    assert.ok(clipped > 0, "some actions reach the bounds, so clipping is exercised");
    const batch = compiled.actBatch(obs, 10_000);
    assert.ok(batch instanceof Float32Array);
  });

  test("MultiDiscrete actions from a Discrete observation: per-dimension argmax, with starts", async () => {
    const policy = await trainedIshPolicy(new Discrete(5, 1), new MultiDiscrete([3, 4], [-1, 2]), 8);
    const compiled = compilePolicy(policy);
    for (let obs = 1; obs <= 5; obs++) {
      assert.deepEqual(compiled.act(obs), policy.act(obs, { deterministic: true }));
    }
    assert.throws(() => compiled.act(0), ShapeMismatchError);
  });

  test("the JSON form round-trips through strict JSON and acts the same", async () => {
    const policy = await trainedIshPolicy(cartPoleObs, new Box([-1, -3], [1, 3]), 9, {
      normalization: { mean: [0, 0, 0, 0], std: [1, 0, 2, 1] },
    });
    const compiled = compilePolicy(policy);
    const text = JSON.stringify(compiled);
    const reloaded = compiledPolicyFromJSON(JSON.parse(text));
    assert.equal(JSON.stringify(reloaded), text);
    const obs = randomObservations(rngFromSeed(13), 500, [1, 1, 1, 1]);
    assert.deepEqual(reloaded.actBatch(obs, 500), compiled.actBatch(obs, 500));
    // A later weight change does not reach the compiled copy.
    policy.setWeights(policy.getWeights().map((w) => w.map(() => 0)));
    assert.deepEqual(compiled.actBatch(obs, 500), reloaded.actBatch(obs, 500));
  });

  test("acting allocates nothing but the returned action", async () => {
    const policy = await trainedIshPolicy(pendulumObs, new Discrete(3), 10);
    const compiled = compilePolicy(policy);
    const o = Float32Array.of(0.1, -0.2, 1);
    const first = compiled.forward(o);
    assert.equal(compiled.forward(o), first, "forward reuses its output buffer");
  });

  test("wrong shapes and bad JSON are refused with errors that say what is wrong", async () => {
    const policy = await trainedIshPolicy(pendulumObs, new Discrete(3), 4);
    const compiled = compilePolicy(policy);
    assert.throws(() => compiled.act([1, 2]), ShapeMismatchError);
    assert.throws(() => compiled.act(1), ShapeMismatchError);
    assert.throws(() => compiled.actBatch(new Float32Array(7), 2), ShapeMismatchError);
    assert.throws(() => compiledPolicyFromJSON({ format: "something-else" }), PolicyLoadError);
    const json: CompiledPolicyJson = compiled.toJSON();
    json.network.weights[0] = json.network.weights[0]!.slice(1);
    assert.throws(
      () => compiledPolicyFromJSON(json),
      (error: unknown) =>
        error instanceof ShapeMismatchError &&
        /layer 0 kernel has 191 values, but layerSizes \[3, 64, 64, 3\] make it \[3, 64\] \(192 values\)/.test(
          error.message,
        ),
    );
    const wide = compiled.toJSON();
    wide.network.layerSizes[0] = 5;
    assert.throws(() => compiledPolicyFromJSON(wide), PolicyLoadError);
  });
});
