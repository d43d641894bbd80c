/**
 * MaxPool2d and AvgPool2d against tf.maxPool / tf.avgPool on fast-check shapes (pool 1–4,
 * strides 1–3 or the default, "valid" and "same"), on both kernel sets: outputs, and ∂input
 * against tfjs's gradient. tfjs's AvgPoolGrad divides by the full window even where "same"
 * padding cut it (its forward divides by the pixels inside), so the average's gradient is checked
 * against the exact derivative of tfjs's forward: a per-channel window sum (depthwiseConv2d with
 * ones) divided by the inside count.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import fc from "fast-check";
import { ShapeMismatchError } from "../src/core/errors.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { AvgPool2d, MaxPool2d } from "../src/nn/layers/pool.js";
import { arenaFor, assertNear, engines, runLayer, tfReference, uniforms } from "./helpers/layers.js";

before(async () => {
  await initEngine({ backend: "cpu" });
});

const shapes = fc
  .record({
    rows: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 4 }),
    ph: fc.integer({ min: 1, max: 4 }),
    pw: fc.integer({ min: 1, max: 4 }),
    stride: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), {
      nil: undefined,
    }),
    padding: fc.constantFrom<"valid" | "same">("valid", "same"),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .filter(({ h, w, ph, pw, padding }) => padding === "same" || (ph <= h && pw <= w));

type Shape = typeof shapes extends fc.Arbitrary<infer T> ? T : never;

function options(s: Shape) {
  return {
    inputShape: [s.h, s.w, s.c] as [number, number, number],
    poolSize: [s.ph, s.pw] as [number, number],
    stride: s.stride,
    padding: s.padding,
  };
}

function describeShape(s: Shape): string {
  return `${s.rows}×[${s.h}, ${s.w}, ${s.c}] pool [${s.ph}, ${s.pw}] stride ${JSON.stringify(s.stride)} ${s.padding}`;
}

describe("MaxPool2d", () => {
  test("output and ∂input match tf.maxPool on both kernel sets", () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const strides = s.stride ?? [s.ph, s.pw];
        const x = uniforms(s.rows * s.h * s.w * s.c, s.seed, -2, 2);
        const size = new MaxPool2d({ arena: arenaFor("ts"), ...options(s) }).outputSize;
        const r = uniforms(s.rows * size, s.seed + 1);
        const ref = tfReference(
          (xs) => tf.maxPool(xs as tf.Tensor4D, [s.ph, s.pw], strides, s.padding),
          [[x, [s.rows, s.h, s.w, s.c]]],
          r,
        );
        for (const engine of engines) {
          const arena = arenaFor(engine);
          const run = runLayer(
            arena,
            new MaxPool2d({ arena, ...options(s) }),
            new Float32Array(0),
            x,
            s.rows,
            r,
            true,
          );
          assertNear(run.output, ref.output, `${engine} ${describeShape(s)} output`);
          assertNear(run.inputGrad!, ref.grads[0]!, `${engine} ${describeShape(s)} ∂x`);
        }
      }),
      { numRuns: 120, seed: 18, includeErrorInReport: true },
    );
  });

  test("the gradient goes to the first maximum of a tied window, or to a NaN; without inputGrad, null", () => {
    const arena = arenaFor("ts");
    const run = runLayer(
      arena,
      new MaxPool2d({ arena, inputShape: [2, 2, 1], poolSize: 2 }),
      new Float32Array(0),
      Float32Array.from([1, 3, 3, 0]),
      1,
      Float32Array.from([5]),
      true,
    );
    assert.deepEqual([...run.output], [3]);
    assert.deepEqual([...run.inputGrad!], [0, 5, 0, 0]);
    const none = runLayer(
      arena,
      new MaxPool2d({ arena, inputShape: [2, 2, 1], poolSize: 2 }),
      new Float32Array(0),
      new Float32Array(4),
      1,
      new Float32Array(1),
      false,
    );
    assert.equal(none.inputGrad, null);
    const nan = runLayer(
      arena,
      new MaxPool2d({ arena, inputShape: [2, 2, 1], poolSize: 2 }),
      new Float32Array(0),
      Float32Array.from([1, Number.NaN, 3, 0]),
      1,
      Float32Array.from([5]),
      true,
    );
    assert.ok(Number.isNaN(nan.output[0]), "a NaN in the window propagates");
    assert.deepEqual([...nan.inputGrad!], [0, 5, 0, 0]);
  });
});

describe("AvgPool2d", () => {
  test("output matches tf.avgPool and ∂input its exact derivative, on both kernel sets", () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const strides = s.stride ?? [s.ph, s.pw];
        const x = uniforms(s.rows * s.h * s.w * s.c, s.seed, -2, 2);
        const size = new AvgPool2d({ arena: arenaFor("ts"), ...options(s) }).outputSize;
        const r = uniforms(s.rows * size, s.seed + 1);
        const input: [Float32Array, number[]][] = [[x, [s.rows, s.h, s.w, s.c]]];
        const ref = tfReference(
          (xs) => tf.avgPool(xs as tf.Tensor4D, [s.ph, s.pw], strides, s.padding),
          input,
          r,
        );
        // Σ over the window's inside pixels / their count, with a gradient tfjs gets right.
        const exact = tfReference(
          (xs) => {
            const ones = tf.ones([s.ph, s.pw, s.c, 1]) as tf.Tensor4D;
            const sums = tf.depthwiseConv2d(xs as tf.Tensor4D, ones, strides, s.padding);
            const counts = tf.depthwiseConv2d(tf.onesLike(xs) as tf.Tensor4D, ones, strides, s.padding);
            return tf.div(sums, counts);
          },
          input,
          r,
        );
        assertNear(exact.output, ref.output, `${describeShape(s)} the exact reference's output`);
        for (const engine of engines) {
          const arena = arenaFor(engine);
          const run = runLayer(
            arena,
            new AvgPool2d({ arena, ...options(s) }),
            new Float32Array(0),
            x,
            s.rows,
            r,
            true,
          );
          assertNear(run.output, ref.output, `${engine} ${describeShape(s)} output`);
          assertNear(run.inputGrad!, exact.grads[0]!, `${engine} ${describeShape(s)} ∂x`);
          // Where no window was cut by padding, tfjs's own gradient agrees.
          if (s.padding === "valid")
            assertNear(run.inputGrad!, ref.grads[0]!, `${engine} ${describeShape(s)} tf ∂x`);
        }
      }),
      { numRuns: 120, seed: 18, includeErrorInReport: true },
    );
  });

  test('"same" padding: an edge window averages only its inside pixels', () => {
    const arena = arenaFor("ts");
    // [1, 3] image, pool 2 stride 2 "same": windows {0, 1} and {2} (the second cut by padding).
    const run = runLayer(
      arena,
      new AvgPool2d({ arena, inputShape: [1, 3, 1], poolSize: [1, 2], padding: "same" }),
      new Float32Array(0),
      Float32Array.from([1, 2, 6]),
      1,
      Float32Array.from([1, 1]),
      true,
    );
    assert.deepEqual([...run.output], [1.5, 6]);
    assert.deepEqual([...run.inputGrad!], [0.5, 0.5, 1]);
  });
});

describe("pooling's bad input", () => {
  test("wrong sizes are ShapeMismatchErrors that name the shapes", () => {
    const arena = arenaFor("ts");
    assert.throws(
      () => new MaxPool2d({ arena, inputShape: [2, 3, 1], poolSize: 3 }),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[3, 3\]/.test(e.message) && /\[2, 3\]/.test(e.message),
    );
    for (const layer of [
      new MaxPool2d({ arena, inputShape: [4, 4, 2], poolSize: 2 }),
      new AvgPool2d({ arena, inputShape: [4, 4, 2], poolSize: 2 }),
    ]) {
      layer.reserve(1);
      assert.throws(
        () => layer.forward(0, arena.slot(30), 1),
        (e: unknown) =>
          e instanceof ShapeMismatchError && /\[30\]/.test(e.message) && /\[1, 4, 4, 2\]/.test(e.message),
      );
      layer.forward(0, arena.slot(32), 1);
      assert.throws(
        () => layer.backward(0, 0, arena.slot(3), 1, true),
        (e: unknown) =>
          e instanceof ShapeMismatchError && /\[3\]/.test(e.message) && /\[1, 2, 2, 2\]/.test(e.message),
      );
    }
  });
});
