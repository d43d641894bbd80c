/**
 * LayerNorm against a tfjs layer norm written with tf.moments (biased variance, ε inside the
 * root, as torch.nn.LayerNorm): output, γ and β gradients and ∂input on fast-check `[T, d]`
 * shapes, on both kernel sets, for the default ε and others; bad sizes are `ShapeMismatchError`s.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import fc from "fast-check";
import { InvalidOptionError, ShapeMismatchError } from "../src/core/errors.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { LayerNorm } from "../src/nn/layers/layer-norm.js";
import { arenaFor, assertNear, concat, engines, runLayer, tfReference, uniforms } from "./helpers/layers.js";

before(async () => {
  await initEngine({ backend: "cpu" });
});

function tfLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
}

describe("LayerNorm", () => {
  test("output and every gradient match a tf.moments layer norm on both kernel sets", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 6 }),
          features: fc.integer({ min: 1, max: 9 }),
          epsilon: fc.constantFrom(undefined, 1e-3, 0.5),
          // Inputs' spread: small ones make ε matter, large ones test the centring.
          spread: fc.constantFrom(0.01, 1, 30),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, groups, features, epsilon, spread, seed }) => {
          const gamma = uniforms(features, seed, 0.5, 2);
          const beta = uniforms(features, seed + 1);
          const x = uniforms(rows * groups * features, seed + 2, -spread, spread);
          const r = uniforms(rows * groups * features, seed + 3);
          const ref = tfReference(
            (xs, g, b) => tfLayerNorm(xs!, g!, b!, epsilon ?? 1e-5),
            [
              [x, [rows, groups, features]],
              [gamma, [features]],
              [beta, [features]],
            ],
            r,
          );
          for (const engine of engines) {
            const arena = arenaFor(engine);
            const layer = new LayerNorm({ arena, features, groups, epsilon });
            const run = runLayer(arena, layer, concat(gamma, beta), x, rows, r, true);
            const what = `${engine} ${rows}×[${groups}, ${features}] ε ${epsilon} spread ${spread}`;
            // A d = 1 vector normalizes to 0 whatever it holds, so ∂x is 0 against a scale of 0.
            assertNear(run.output, ref.output, `${what} output`);
            assertNear(run.inputGrad!, ref.grads[0]!, `${what} ∂x`);
            assertNear(run.paramGrads.subarray(0, features), ref.grads[1]!, `${what} ∂γ`);
            assertNear(run.paramGrads.subarray(features), ref.grads[2]!, `${what} ∂β`);
          }
        },
      ),
      { numRuns: 80, seed: 18, includeErrorInReport: true },
    );
  });

  test("init is γ = 1, β = 0; shapes [d], [d]; ε defaults to PyTorch's 1e-5", () => {
    const layer = new LayerNorm({ arena: arenaFor("ts"), features: 3, groups: 2 });
    assert.equal(layer.epsilon, 1e-5);
    assert.equal(layer.inputSize, 6);
    assert.deepEqual(layer.parameterShapes(), [[3], [3]]);
    const params = new Float32Array(6).fill(7);
    layer.init(params);
    assert.deepEqual([...params], [1, 1, 1, 0, 0, 0]);
    // One vector normalized: mean 0, biased variance 1 − ε/(σ² + ε).
    const run = runLayer(
      arenaFor("ts"),
      layer,
      params,
      Float32Array.from([1, 2, 3, 10, 10, 13]),
      1,
      new Float32Array(6),
      false,
    );
    assert.equal(run.inputGrad, null);
    const v = run.output.subarray(0, 3);
    assert.ok(Math.abs(v[0]! + v[1]! + v[2]!) < 1e-6);
    assert.ok(Math.abs(v[2]! - 1 / Math.sqrt(2 / 3 + 1e-5)) < 1e-5);
  });

  test("bad sizes are ShapeMismatchErrors that name the shapes; bad options are InvalidOptionErrors", () => {
    const arena = arenaFor("ts");
    const layer = new LayerNorm({ arena, features: 4, groups: 3 });
    layer.reserve(2);
    const p = arena.slot(layer.parameterCount);
    assert.throws(
      () => layer.forward(p.ptr, arena.slot(12), 2),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[12\]/.test(e.message) && /\[2, 3, 4\]/.test(e.message),
    );
    layer.forward(p.ptr, arena.slot(24), 2);
    assert.throws(
      () => layer.backward(p.ptr, arena.slot(8).ptr, arena.slot(5), 2, true),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[5\]/.test(e.message) && /\[2, 3, 4\]/.test(e.message),
    );
    assert.throws(() => new LayerNorm({ arena, features: 4, epsilon: 0 }), InvalidOptionError);
    assert.throws(() => new LayerNorm({ arena, features: 2.5 }), InvalidOptionError);
  });
});
