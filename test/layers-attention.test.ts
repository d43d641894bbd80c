/**
 * Multi-head self-attention and the masked mean pool against the same computation in tfjs ops
 * (PyTorch's MultiheadAttention with a key padding mask), forward and every gradient through
 * `tf.grads`, on fast-check shapes and masks, on both kernel sets; and a set encoder's invariant:
 * permuting the items (and their mask) leaves the pooled output unchanged.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import fc from "fast-check";
import { ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { Arena, initFusedEngine } from "../src/nn/fused/arena.js";
import { ItemMask, MaskedMeanPool, MultiHeadAttention } from "../src/nn/layers/attention.js";
import { maxRelativeError, randomMask, runLayer, uniforms } from "./helpers/layer-harness.js";
import { tfAttention } from "./helpers/tf-attention.js";

let engines: ("ts" | "wasm")[] = ["ts"];
before(async () => {
  await initEngine();
  if ((await initFusedEngine()) === "wasm") engines = ["ts", "wasm"];
});

test("attention forward and backward match tfjs, with key masks, on both kernel sets", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 1e6 }),
      (rows, items, heads, dk, masked, seed) => {
        const d = heads * dk;
        const mask = masked ? randomMask(rows, items, seed + 3) : new Float32Array(rows * items).fill(1);
        const count = 4 * d * d + 4 * d;
        const params = uniforms(count, seed, 0.7);
        const input = uniforms(rows * items * d, seed + 1, 1.5);
        const weights = uniforms(rows * items * d, seed + 2);
        const sizes = [3 * d * d, 3 * d, d * d, d];
        const shapes = [[d, 3 * d], [3 * d], [d, d], [d]];
        const [expected, expectedGrads] = tf.tidy(() => {
          const parts: tf.Tensor[] = [];
          let o = 0;
          sizes.forEach((n, i) => {
            parts.push(tf.tensor(params.slice(o, o + n), shapes[i]));
            o += n;
          });
          const x = tf.tensor(input, [rows, items, d]);
          const m = tf.tensor(mask, [rows, items]);
          const r = tf.tensor(weights, [rows, items * d]);
          const f = (xx: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, e: tf.Tensor) =>
            tf.sum(tf.mul(tfAttention(xx, a, b, c, e, m, heads), r));
          const y = tfAttention(x, parts[0]!, parts[1]!, parts[2]!, parts[3]!, m, heads);
          return [
            y.dataSync().slice(),
            tf
              .grads(f)([x, ...parts])
              .map((t) => t.dataSync().slice()),
          ] as const;
        });
        for (const engine of engines) {
          const arena = new Arena(engine);
          const itemMask = new ItemMask(arena, items);
          itemMask.set(mask, rows);
          const layer = new MultiHeadAttention({ arena, items, features: d, heads, mask: itemMask });
          const run = runLayer(arena, layer, params, input, rows, weights);
          assert.ok(maxRelativeError(run.output, expected) < 1e-5, `${engine}: output`);
          const grads = Float32Array.from(expectedGrads.slice(1).flatMap((a) => Array.from(a)));
          assert.ok(maxRelativeError(run.paramGrads, grads) < 1e-4, `${engine}: parameter gradients`);
          assert.ok(maxRelativeError(run.inputGrad!, expectedGrads[0]!) < 1e-4, `${engine}: input gradient`);
        }
      },
    ),
    { numRuns: 30 },
  );
});

test("the masked mean pool matches tfjs and ignores padding", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 1e6 }),
      (rows, items, d, seed) => {
        const mask = randomMask(rows, items, seed);
        const input = uniforms(rows * items * d, seed + 1);
        const weights = uniforms(rows * d, seed + 2);
        const [expected, expectedGrad] = tf.tidy(() => {
          const m = tf.tensor(mask, [rows, items, 1]);
          const f = (x: tf.Tensor) => tf.div(tf.sum(tf.mul(x, m), 1), tf.sum(m, 1));
          const x = tf.tensor(input, [rows, items, d]);
          const grad = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), tf.tensor(weights, [rows, d]))))(x);
          return [f(x).dataSync().slice(), grad.dataSync().slice()] as const;
        });
        const arena = new Arena("ts");
        const itemMask = new ItemMask(arena, items);
        itemMask.set(mask, rows);
        const run = runLayer(
          arena,
          new MaskedMeanPool({ arena, items: items, features: d, mask: itemMask }),
          new Float32Array(),
          input,
          rows,
          weights,
        );
        assert.ok(maxRelativeError(run.output, expected) < 1e-6);
        assert.ok(maxRelativeError(run.inputGrad!, expectedGrad) < 1e-6);
      },
    ),
    { numRuns: 30 },
  );
});

test("a set encoder (attention, then the masked mean) does not depend on the items' order", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }),
      fc.integer({ min: 1, max: 1e6 }),
      fc.func(fc.double({ min: 0, max: 1, noNaN: true })),
      (items, seed, key) => {
        const d = 4;
        const mask = randomMask(1, items, seed);
        const input = uniforms(items * d, seed + 1);
        const order = Array.from({ length: items }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
        const permuted = new Float32Array(items * d);
        const permutedMask = new Float32Array(items);
        order.forEach((from, to) => {
          permuted.set(input.subarray(from * d, from * d + d), to * d);
          permutedMask[to] = mask[from]!;
        });
        const encode = (x: Float32Array, m: Float32Array) => {
          const arena = new Arena("ts");
          const itemMask = new ItemMask(arena, items);
          itemMask.set(m, 1);
          const att = new MultiHeadAttention({ arena, items, features: d, heads: 2, mask: itemMask });
          const pool = new MaskedMeanPool({ arena, items: items, features: d, mask: itemMask });
          const p = arena.slot(att.parameterCount);
          att.init(p.array, rngFromSeed(seed));
          const xs = arena.slot(items * d);
          xs.array.set(x);
          return pool.forward(0, att.forward(p.ptr, xs, 1), 1).array.slice(0, d);
        };
        assert.ok(maxRelativeError(encode(input, mask), encode(permuted, permutedMask)) < 1e-5);
      },
    ),
    { numRuns: 30 },
  );
});

test("attention refuses bad shapes and masks, saying what it expected", () => {
  const arena = new Arena("ts");
  assert.throws(
    () => new MultiHeadAttention({ arena, items: 3, features: 5, heads: 2 }),
    /divide into 2 heads/,
  );
  const mask = new ItemMask(arena, 3);
  assert.throws(() => mask.set([1, 0, 0.5], 1), /row 0, item 2 is 0.5/);
  assert.throws(() => mask.set([1, 0], 1), ShapeMismatchError);
  const att = new MultiHeadAttention({ arena, items: 3, features: 4, heads: 2 });
  assert.throws(() => att.forward(0, arena.slot(11), 1), /\[3, 4\] need 12 numbers/);
});
