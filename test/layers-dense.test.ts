/**
 * Dense against tfjs (`matMul` + bias + activation): output, kernel and bias gradients and ∂input
 * on fast-check shapes, on both kernel sets; the layout matches FusedMlp's; bad sizes are
 * `ShapeMismatchError`s that name both shapes.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import fc from "fast-check";
import { InvalidOptionError, ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { FusedMlp } from "../src/nn/fused/mlp.js";
import { Dense } from "../src/nn/layers/dense.js";
import { arenaFor, assertNear, concat, engines, runLayer, tfReference, uniforms } from "./helpers/layers.js";

before(async () => {
  await initEngine({ backend: "cpu" });
});

function activate(y: tf.Tensor, activation: "none" | "tanh" | "relu"): tf.Tensor {
  return activation === "tanh" ? tf.tanh(y) : activation === "relu" ? tf.relu(y) : y;
}

describe("Dense", () => {
  test("output and every gradient match tfjs on both kernel sets", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 5 }),
          fanIn: fc.integer({ min: 1, max: 12 }),
          units: fc.integer({ min: 1, max: 12 }),
          activation: fc.constantFrom("none", "tanh", "relu"),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, fanIn, units, activation, seed }) => {
          const kernel = uniforms(fanIn * units, seed);
          const bias = uniforms(units, seed + 1);
          const x = uniforms(rows * fanIn, seed + 2, -2, 2);
          const r = uniforms(rows * units, seed + 3);
          const ref = tfReference(
            (xs, w, b) => activate(tf.add(tf.matMul(xs as tf.Tensor2D, w as tf.Tensor2D), b!), activation),
            [
              [x, [rows, fanIn]],
              [kernel, [fanIn, units]],
              [bias, [units]],
            ],
            r,
          );
          for (const engine of engines) {
            const arena = arenaFor(engine);
            const layer = new Dense({ arena, inputSize: fanIn, units, activation });
            const run = runLayer(arena, layer, concat(kernel, bias), x, rows, r, true);
            const what = `${engine} ${rows}×${fanIn}→${units} ${activation}`;
            assertNear(run.output, ref.output, `${what} output`);
            assertNear(run.inputGrad!, ref.grads[0]!, `${what} ∂x`);
            assertNear(run.paramGrads.subarray(0, fanIn * units), ref.grads[1]!, `${what} ∂kernel`);
            assertNear(run.paramGrads.subarray(fanIn * units), ref.grads[2]!, `${what} ∂bias`);
          }
        },
      ),
      { numRuns: 40, seed: 18, includeErrorInReport: true },
    );
  });

  test("a small batch's ∂input (dXᵀ = W·dZᵀ) is dZ·Wᵀ's bits on both kernel sets", () => {
    // rows·(in + out) < in·out takes the transposed path; 3 × 40 → 37 reaches both gemms' tails.
    for (const [rows, fanIn, units] of [
      [3, 40, 37],
      [9, 130, 70],
    ] as const) {
      assert.ok(rows * (fanIn + units) < fanIn * units);
      const kernel = uniforms(fanIn * units, 21);
      const bias = uniforms(units, 22);
      const x = uniforms(rows * fanIn, 23, -2, 2);
      const dy = uniforms(rows * units, 24);
      for (const engine of engines) {
        const arena = arenaFor(engine);
        const layer = new Dense({ arena, inputSize: fanIn, units });
        const run = runLayer(arena, layer, concat(kernel, bias), x, rows, dy, true);
        // The direct product: W transposed, then dZ·Wᵀ.
        const [w, wT, dz, dx] = [fanIn * units, fanIn * units, rows * units, rows * fanIn].map((n) =>
          arena.alloc(n),
        ) as [number, number, number, number];
        arena.view(w, fanIn * units).set(kernel);
        arena.view(dz, rows * units).set(dy);
        arena.kernels.transpose(w, fanIn, units, wT);
        arena.kernels.gemm(dz, units, 1, wT, fanIn, 0, dx, fanIn, 0, rows, units, fanIn, 0);
        assert.deepEqual(
          run.inputGrad,
          arena.view(dx, rows * fanIn).slice(),
          `${engine} ${rows}×${fanIn}→${units}`,
        );
      }
    }
  });

  test("its parameters are FusedMlp's layout: a one-layer MLP gives the same output", () => {
    const arena = arenaFor("wasm");
    const layer = new Dense({ arena, inputSize: 3, units: 4 });
    const params = new Float32Array(layer.parameterCount);
    layer.init(params, rngFromSeed(1));
    params.set(uniforms(4, 9), 12); // a bias that is not zero
    assert.deepEqual(
      layer.parameterShapes(),
      new FusedMlp({ sizes: [3, 4], activation: "tanh" }).weightShapes(),
    );
    const mlp = new FusedMlp({ sizes: [3, 4], activation: "tanh" }, 2, { arena });
    const x = uniforms(6, 5);
    mlp.input.set(x);
    const expected = mlp.forward(params, 2).slice();
    const run = runLayer(arena, layer, params, x, 2, new Float32Array(8), false);
    assert.deepEqual(run.output, expected);
    assert.equal(run.inputGrad, null);
  });

  test("bad sizes and options are errors that name the shapes", () => {
    const arena = arenaFor("ts");
    const layer = new Dense({ arena, inputSize: 5, units: 2 });
    layer.reserve(2);
    const p = arena.slot(layer.parameterCount);
    assert.throws(
      () => layer.forward(p.ptr, arena.slot(7), 2),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[7\]/.test(e.message) && /\[2, 5\]/.test(e.message),
    );
    assert.throws(() => layer.forward(p.ptr, arena.slot(15), 3), ShapeMismatchError);
    layer.forward(p.ptr, arena.slot(10), 2);
    assert.throws(
      () => layer.backward(p.ptr, p.ptr, arena.slot(3), 2, true),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[3\]/.test(e.message) && /\[2, 2\]/.test(e.message),
    );
    assert.throws(() => new Dense({ arena, inputSize: 0, units: 2 }), InvalidOptionError);
    assert.throws(
      () => new Dense({ arena, inputSize: 2, units: 2, activation: "gelu" as "relu" }),
      InvalidOptionError,
    );
  });
});
