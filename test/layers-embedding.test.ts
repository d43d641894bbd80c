/**
 * Embedding against tf.gather: output and the table's gradient (a scatter-add, repeated ids
 * included) on fast-check shapes, on both kernel sets; out-of-range ids name the value, its row
 * and its position; asking for ∂input is an error, since ids are not differentiable.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import fc from "fast-check";
import { InvalidOptionError, ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { Embedding } from "../src/nn/layers/embedding.js";
import { arenaFor, assertNear, engines, runLayer, tfReference, uniforms } from "./helpers/layers.js";

before(async () => {
  await initEngine({ backend: "cpu" });
});

describe("Embedding", () => {
  test("output and the table's gradient match tf.gather on both kernel sets", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 3 }),
          vocab: fc.integer({ min: 1, max: 9 }),
          dim: fc.integer({ min: 1, max: 6 }),
          length: fc.integer({ min: 1, max: 9 }),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, vocab, dim, length, seed }) => {
          const table = uniforms(vocab * dim, seed);
          const rng = rngFromSeed(seed + 1);
          const ids = Float32Array.from({ length: rows * length }, () => rng.integers(vocab));
          const r = uniforms(rows * length * dim, seed + 2);
          const ref = tfReference(
            (t, i) => tf.gather(t!, tf.cast(i!, "int32")),
            [
              [table, [vocab, dim]],
              [ids, [rows, length]],
            ],
            r,
            [true, false],
          );
          for (const engine of engines) {
            const arena = arenaFor(engine);
            const layer = new Embedding({ arena, vocab, dim, length });
            const run = runLayer(arena, layer, table, ids, rows, r, false);
            const what = `${engine} ${rows}×${length} ids of ${vocab} → ${dim}`;
            assert.deepEqual(run.output, ref.output, `${what} output`);
            assertNear(run.paramGrads, ref.grads[0]!, `${what} ∂table`);
            assert.equal(run.inputGrad, null);
          }
        },
      ),
      { numRuns: 60, seed: 18, includeErrorInReport: true },
    );
  });

  test("layout and initialization: one table [vocab, dim], U(−0.05, 0.05)", () => {
    const layer = new Embedding({ arena: arenaFor("ts"), vocab: 7, dim: 3, length: 4 });
    assert.deepEqual(layer.parameterShapes(), [[7, 3]]);
    assert.equal(layer.inputSize, 4);
    assert.equal(layer.outputSize, 12);
    const params = new Float32Array(21);
    layer.init(params, rngFromSeed(4));
    assert.ok(params.every((v) => Math.abs(v) <= 0.05 && v !== 0));
  });

  test("an id outside the vocabulary names its value, row and position", () => {
    const arena = arenaFor("ts");
    const layer = new Embedding({ arena, vocab: 5, dim: 2, length: 3 });
    layer.reserve(2);
    const p = arena.slot(layer.parameterCount);
    const x = arena.slot(6);
    for (const bad of [5, -1, 2.5, Number.NaN]) {
      x.array.set([0, 1, 2, 3, bad, 4]);
      assert.throws(
        () => layer.forward(p.ptr, x, 2),
        (e: unknown) =>
          e instanceof ShapeMismatchError &&
          e.message.includes(`token id ${bad} at row 1, position 1`) &&
          /\[0, 5\)/.test(e.message),
      );
    }
  });

  test("∂input is refused (ids are not differentiable); bad sizes name the shapes", () => {
    const arena = arenaFor("ts");
    const layer = new Embedding({ arena, vocab: 5, dim: 2, length: 3 });
    layer.reserve(2);
    const p = arena.slot(layer.parameterCount);
    const g = arena.slot(layer.parameterCount);
    assert.throws(
      () => layer.forward(p.ptr, arena.slot(4), 2),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[4\]/.test(e.message) && /\[2, 3\]/.test(e.message),
    );
    layer.forward(p.ptr, arena.slot(6), 2);
    assert.throws(
      () => layer.backward(p.ptr, g.ptr, arena.slot(12), 2, true),
      (e: unknown) => e instanceof InvalidOptionError && /not differentiable/.test(e.message),
    );
    assert.throws(
      () => layer.backward(p.ptr, g.ptr, arena.slot(6), 2, false),
      (e: unknown) =>
        e instanceof ShapeMismatchError && /\[6\]/.test(e.message) && /\[2, 3, 2\]/.test(e.message),
    );
  });
});
