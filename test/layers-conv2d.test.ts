/**
 * Conv2d against tf.conv2d (NHWC, kernel `[kh, kw, Cin, Cout]`) plus bias and activation: output,
 * kernel and bias gradients and ∂input on fast-check shapes (strides 1–3, "valid", "same", one
 * number and explicit padding), on both kernel sets; bad sizes are `ShapeMismatchError`s.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import fc from "fast-check";
import { InvalidOptionError, ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { Arena } from "../src/nn/fused/arena.js";
import { Conv2d } from "../src/nn/layers/conv2d.js";
import type { Padding } from "../src/nn/layers/support.js";
import { arenaFor, assertNear, concat, engines, runLayer, tfReference, uniforms } from "./helpers/layers.js";

before(async () => {
  await initEngine({ backend: "cpu" });
});

type TfPad = "valid" | "same" | [[number, number], [number, number], [number, number], [number, number]];

/** tfjs's form of a padding (a number becomes explicit: tfjs sizes numeric padding by the kernel's height alone). */
function tfPad(padding: Padding): TfPad {
  if (padding === "valid" || padding === "same") return padding;
  if (typeof padding === "number")
    return tfPad([
      [padding, padding],
      [padding, padding],
    ]);
  return [[0, 0], [...padding[0]], [...padding[1]], [0, 0]];
}

const shapes = fc
  .record({
    rows: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    cin: fc.integer({ min: 1, max: 4 }),
    cout: fc.integer({ min: 1, max: 4 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padding: fc.oneof(
      fc.constantFrom<Padding>("valid", "same"),
      fc.integer({ min: 0, max: 2 }),
      fc.tuple(
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      ),
    ),
    activation: fc.constantFrom("none", "tanh", "relu"),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .filter(({ h, w, kh, kw, padding }) => {
    // The kernel must fit the padded image.
    const [t, b, l, r] =
      padding === "same"
        ? [kh, 0, kw, 0]
        : padding === "valid"
          ? [0, 0, 0, 0]
          : typeof padding === "number"
            ? [padding, padding, padding, padding]
            : [padding[0][0], padding[0][1], padding[1][0], padding[1][1]];
    return kh <= h + t + b && kw <= w + l + r;
  });

describe("Conv2d", () => {
  test("output and every gradient match tf.conv2d on both kernel sets", () => {
    fc.assert(
      fc.property(shapes, ({ rows, h, w, cin, cout, kh, kw, sh, sw, padding, activation, seed }) => {
        const kernel = uniforms(kh * kw * cin * cout, seed);
        const bias = uniforms(cout, seed + 1);
        const x = uniforms(rows * h * w * cin, seed + 2, -2, 2);
        const layer0 = new Conv2d({
          arena: arenaFor("ts"),
          inputShape: [h, w, cin],
          outChannels: cout,
          kernel: [kh, kw],
          stride: [sh, sw],
          padding,
          activation,
        });
        const r = uniforms(rows * layer0.outputSize, seed + 3);
        const ref = tfReference(
          (xs, k, b) => {
            const z = tf.add(
              tf.conv2d(xs as tf.Tensor4D, k as tf.Tensor4D, [sh, sw], tfPad(padding) as "valid"),
              b!,
            );
            return activation === "tanh" ? tf.tanh(z) : activation === "relu" ? tf.relu(z) : z;
          },
          [
            [x, [rows, h, w, cin]],
            [kernel, [kh, kw, cin, cout]],
            [bias, [cout]],
          ],
          r,
        );
        for (const engine of engines) {
          const arena = arenaFor(engine);
          const layer = new Conv2d({
            arena,
            inputShape: [h, w, cin],
            outChannels: cout,
            kernel: [kh, kw],
            stride: [sh, sw],
            padding,
            activation,
          });
          const run = runLayer(arena, layer, concat(kernel, bias), x, rows, r, true);
          const what = `${engine} ${rows}×[${h}, ${w}, ${cin}] k[${kh}, ${kw}]→${cout} s[${sh}, ${sw}] ${JSON.stringify(padding)} ${activation}`;
          assertNear(run.output, ref.output, `${what} output`);
          assertNear(run.inputGrad!, ref.grads[0]!, `${what} ∂x`);
          assertNear(run.paramGrads.subarray(0, kernel.length), ref.grads[1]!, `${what} ∂kernel`);
          assertNear(run.paramGrads.subarray(kernel.length), ref.grads[2]!, `${what} ∂bias`);
        }
      }),
      { numRuns: 120, seed: 18, includeErrorInReport: true },
    );
  });

  test("a larger image, whose kernel gradient is summed over several slabs of pixels, matches tf.conv2d", () => {
    // 3 rows × 21 × 21 output pixels, a 64-number field: slabs of 512 pixels, the last one short.
    const [rows, h, w, cin, cout] = [3, 24, 24, 4, 5];
    const kernel = uniforms(4 * 4 * cin * cout, 11);
    const bias = uniforms(cout, 12);
    const x = uniforms(rows * h * w * cin, 13);
    const r = uniforms(rows * 21 * 21 * cout, 14);
    const ref = tfReference(
      (xs, k, b) => tf.tanh(tf.add(tf.conv2d(xs as tf.Tensor4D, k as tf.Tensor4D, 1, "valid"), b!)),
      [
        [x, [rows, h, w, cin]],
        [kernel, [4, 4, cin, cout]],
        [bias, [cout]],
      ],
      r,
    );
    // Unshared memory has the smaller slabs (three here); shared memory's are 16× larger (one).
    const arenas: [string, Arena][] = engines.map((e) => [e, arenaFor(e)]);
    arenas.push(["wasm unshared", new Arena("wasm", { threads: false })]);
    for (const [engine, arena] of arenas) {
      const layer = new Conv2d({
        arena,
        inputShape: [h, w, cin],
        outChannels: cout,
        kernel: 4,
        activation: "tanh",
      });
      const run = runLayer(arena, layer, concat(kernel, bias), x, rows, r, true);
      assertNear(run.output, ref.output, `${engine} output`);
      assertNear(run.inputGrad!, ref.grads[0]!, `${engine} ∂x`);
      assertNear(run.paramGrads, concat(ref.grads[1]!, ref.grads[2]!), `${engine} ∂params`);
    }
  });

  test("a 1×1 convolution (no im2col copy) is a dense layer per pixel", () => {
    const arena = arenaFor("wasm");
    const layer = new Conv2d({ arena, inputShape: [3, 2, 4], outChannels: 5, kernel: 1, padding: "same" });
    const params = new Float32Array(layer.parameterCount);
    layer.init(params, rngFromSeed(3));
    params.set(uniforms(5, 4), 20);
    const x = uniforms(2 * 3 * 2 * 4, 7);
    const r = uniforms(2 * 3 * 2 * 5, 8);
    const ref = tfReference(
      (xs, k, b) => tf.add(tf.matMul(xs as tf.Tensor2D, k as tf.Tensor2D), b!),
      [
        [x, [12, 4]],
        [params.slice(0, 20), [4, 5]],
        [params.slice(20), [5]],
      ],
      r,
    );
    const run = runLayer(arena, layer, params, x, 2, r, true);
    assertNear(run.output, ref.output, "output");
    assertNear(run.inputGrad!, ref.grads[0]!, "∂x");
    assertNear(run.paramGrads, concat(ref.grads[1]!, ref.grads[2]!), "∂params");
  });

  test("layout and initialization: [kh, kw, Cin, Cout] then [Cout], Glorot kernel, zero bias", () => {
    const layer = new Conv2d({
      arena: arenaFor("ts"),
      inputShape: [8, 6, 3],
      outChannels: 4,
      kernel: [3, 2],
      stride: 2,
      padding: "same",
    });
    assert.deepEqual(layer.parameterShapes(), [[3, 2, 3, 4], [4]]);
    assert.deepEqual(layer.outputShape, [4, 3, 4]);
    assert.equal(layer.parameterCount, 3 * 2 * 3 * 4 + 4);
    const params = new Float32Array(layer.parameterCount);
    layer.init(params, rngFromSeed(2));
    const limit = Math.sqrt(6 / (3 * 2 * 3 + 3 * 2 * 4));
    assert.ok(params.subarray(0, 72).every((v) => Math.abs(v) <= limit && v !== 0));
    assert.ok(params.subarray(72).every((v) => v === 0));
  });

  test("bad sizes are errors that name the shapes; bad options name their path", () => {
    const arena = arenaFor("ts");
    assert.throws(
      () => new Conv2d({ arena, inputShape: [2, 2, 1], outChannels: 1, kernel: 3 }),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[3, 3\]/.test(e.message) && /\[2, 2\]/.test(e.message),
    );
    const layer = new Conv2d({ arena, inputShape: [4, 4, 2], outChannels: 3, kernel: 2 });
    layer.reserve(2);
    const p = arena.slot(layer.parameterCount);
    assert.throws(
      () => layer.forward(p.ptr, arena.slot(20), 1),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[20\]/.test(e.message) && /\[1, 4, 4, 2\]/.test(e.message),
    );
    layer.forward(p.ptr, arena.slot(64), 2);
    assert.throws(
      () => layer.backward(p.ptr, p.ptr, arena.slot(10), 2, false),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[10\]/.test(e.message) && /\[2, 3, 3, 3\]/.test(e.message),
    );
    assert.throws(() => layer.forward(p.ptr, arena.slot(96), 3), ShapeMismatchError);
    assert.throws(
      () =>
        new Conv2d({ arena, inputShape: [4, 4, 2], outChannels: 3, kernel: 2, padding: "full" as "same" }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "conv2d.padding",
    );
    assert.throws(
      () => new Conv2d({ arena, inputShape: [4, 4, 2], outChannels: 3, kernel: 2, stride: 0 }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "conv2d.stride[0]",
    );
  });
});
