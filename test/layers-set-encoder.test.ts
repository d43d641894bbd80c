/**
 * The set encoder (per-item dense, self-attention with a key mask, masked mean) against the same
 * network in tfjs ops, forward and every gradient, on fast-check sets and masks; and the output
 * does not move when the items (and their mask) are permuted.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import fc from "fast-check";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { Arena, initFusedEngine } from "../src/nn/fused/arena.js";
import { setEncoder } from "../src/nn/layers/set-encoder.js";
import { maxRelativeError, randomMask, runLayer, uniforms } from "./helpers/layer-harness.js";
import { tfAttention } from "./helpers/tf-attention.js";

let engines: ("ts" | "wasm")[] = ["ts"];
before(async () => {
  await initEngine();
  if ((await initFusedEngine()) === "wasm") engines = ["ts", "wasm"];
});

test("the set encoder matches tfjs, forward and backward, with masks, on both kernel sets", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 1e6 }),
      (rows, items, features, heads, dk, seed) => {
        const width = heads * dk;
        const mask = randomMask(rows, items, seed + 3);
        const probe = setEncoder({ arena: new Arena("ts"), items, features, width, heads });
        const params = uniforms(probe.layer.parameterCount, seed, 0.7);
        const input = uniforms(rows * items * features, seed + 1, 1.5);
        const weights = uniforms(rows * width, seed + 2);
        const sizes = [features * width, width, 3 * width * width, 3 * width, width * width, width];
        const shapes = [[features, width], [width], [width, 3 * width], [3 * width], [width, width], [width]];
        const [expected, expectedGrads] = tf.tidy(() => {
          const parts: tf.Tensor[] = [];
          let o = 0;
          sizes.forEach((n, i) => {
            parts.push(tf.tensor(params.slice(o, o + n), shapes[i]));
            o += n;
          });
          const m = tf.tensor(mask, [rows, items]);
          const encode = (x: tf.Tensor, ps: tf.Tensor[]) => {
            const embedded = tf.relu(tf.add(tf.matMul(x.reshape([rows * items, features]), ps[0]!), ps[1]!));
            const att = tfAttention(
              embedded.reshape([rows, items, width]),
              ps[2]!,
              ps[3]!,
              ps[4]!,
              ps[5]!,
              m,
              heads,
            );
            const keep = m.reshape([rows, items, 1]);
            return tf.div(tf.sum(tf.mul(att.reshape([rows, items, width]), keep), 1), tf.sum(keep, 1));
          };
          const x = tf.tensor(input, [rows, items, features]);
          const r = tf.tensor(weights, [rows, width]);
          const f = (...ts: tf.Tensor[]) => tf.sum(tf.mul(encode(ts[0]!, ts.slice(1)), r));
          return [
            encode(x, parts).dataSync().slice(),
            tf
              .grads(f)([x, ...parts])
              .map((t) => t.dataSync().slice()),
          ] as const;
        });
        for (const engine of engines) {
          const arena = new Arena(engine);
          const { layer, mask: itemMask } = setEncoder({ arena, items, features, width, heads });
          itemMask.set(mask, rows);
          const run = runLayer(arena, layer, params, input, rows, weights);
          assert.ok(maxRelativeError(run.output, expected) < 1e-5, `${engine}: output`);
          const grads = Float32Array.from(expectedGrads.slice(1).flatMap((a) => Array.from(a)));
          assert.ok(maxRelativeError(run.paramGrads, grads) < 1e-4, `${engine}: parameter gradients`);
          assert.ok(maxRelativeError(run.inputGrad!, expectedGrads[0]!) < 1e-4, `${engine}: input gradient`);
        }
      },
    ),
    { numRuns: 25 },
  );
});

test("permuting the items and their mask leaves the encoding unchanged", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 1e6 }), (items, seed) => {
      const features = 3;
      const mask = randomMask(1, items, seed);
      const input = uniforms(items * features, seed + 1);
      const rng = rngFromSeed(seed + 2);
      const order = Array.from({ length: items }, (_, i) => i);
      for (let i = items - 1; i > 0; i--) {
        const j = rng.integers(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const encode = (x: Float32Array, m: Float32Array) => {
        const arena = new Arena("ts");
        const { layer, mask: itemMask } = setEncoder({ arena, items, features, width: 8, heads: 2 });
        itemMask.set(m, 1);
        const p = arena.slot(layer.parameterCount);
        layer.init(p.array, rngFromSeed(seed));
        layer.reserve(1);
        const xs = arena.slot(x.length);
        xs.array.set(x);
        return layer.forward(p.ptr, xs, 1).array.slice(0, 8);
      };
      const px = new Float32Array(items * features);
      const pm = new Float32Array(items);
      order.forEach((from, to) => {
        px.set(input.subarray(from * features, (from + 1) * features), to * features);
        pm[to] = mask[from]!;
      });
      assert.ok(maxRelativeError(encode(input, mask), encode(px, pm)) < 1e-5);
    }),
    { numRuns: 30 },
  );
});
