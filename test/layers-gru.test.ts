/**
 * The GRU layer against a GRU written in tfjs ops (PyTorch's cell), forward and every gradient
 * through `tf.grads`, on fast-check shapes, on both kernel sets.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import fc from "fast-check";
import { ShapeMismatchError } from "../src/core/errors.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { Arena, initFusedEngine } from "../src/nn/fused/arena.js";
import { Gru } from "../src/nn/layers/gru.js";
import { maxRelativeError, runLayer, uniforms } from "./helpers/layer-harness.js";

let engines: ("ts" | "wasm")[] = ["ts"];
before(async () => {
  await initEngine();
  if ((await initFusedEngine()) === "wasm") engines = ["ts", "wasm"];
});

/** The reference: PyTorch's GRU cell in tfjs ops over [rows, T, F]. */
function tfGru(
  x: tf.Tensor,
  wi: tf.Tensor,
  wh: tf.Tensor,
  bi: tf.Tensor,
  bh: tf.Tensor,
  steps: number,
  hidden: number,
  returnSequences: boolean,
): tf.Tensor {
  const rows = x.shape[0]!;
  let h = tf.zeros([rows, hidden]);
  const outs: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const xt = x.slice([0, t, 0], [rows, 1, -1]).reshape([rows, -1]);
    const gi = tf.add(tf.matMul(xt, wi), bi);
    const gh = tf.add(tf.matMul(h, wh), bh);
    const [ir, iz, inn] = tf.split(gi, 3, 1);
    const [hr, hz, hn] = tf.split(gh, 3, 1);
    const r = tf.sigmoid(tf.add(ir!, hr!));
    const z = tf.sigmoid(tf.add(iz!, hz!));
    const n = tf.tanh(tf.add(inn!, tf.mul(r, hn!)));
    h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    outs.push(h);
  }
  return returnSequences ? tf.stack(outs, 1).reshape([rows, -1]) : h;
}

test("GRU forward and backward match tfjs on random shapes, both kernel sets", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 6 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 1e6 }),
      (rows, steps, features, hidden, returnSequences, seed) => {
        const probe = new Gru({
          arena: new Arena("ts"),
          steps,
          inputFeatures: features,
          hidden,
          returnSequences,
        });
        const params = uniforms(probe.parameterCount, seed, 0.8);
        const input = uniforms(rows * probe.inputSize, seed + 1, 1.5);
        const weights = uniforms(rows * probe.outputSize, seed + 2);
        const g = 3 * hidden;
        const split = [features * g, hidden * g, g, g];
        const shapes = [[features, g], [hidden, g], [g], [g]];
        const [expected, expectedGrads] = tf.tidy(() => {
          const parts: tf.Tensor[] = [];
          let o = 0;
          split.forEach((n, i) => {
            parts.push(tf.tensor(params.slice(o, o + n), shapes[i]));
            o += n;
          });
          const x = tf.tensor(input, [rows, steps, features]);
          const r = tf.tensor(weights, [rows, probe.outputSize]);
          const f = (xx: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
            tf.sum(tf.mul(tfGru(xx, a, b, c, d, steps, hidden, returnSequences), r));
          const y = tfGru(x, parts[0]!, parts[1]!, parts[2]!, parts[3]!, steps, hidden, returnSequences);
          const grads = tf.grads(f)([x, ...parts]);
          return [y.dataSync().slice(), grads.map((t) => t.dataSync().slice())] as const;
        });
        for (const engine of engines) {
          const arena = new Arena(engine);
          const layer = new Gru({ arena, steps, inputFeatures: features, hidden, returnSequences });
          const run = runLayer(arena, layer, params, input, rows, weights);
          assert.ok(maxRelativeError(run.output, expected) < 1e-5, `${engine}: output`);
          const paramGrads = Float32Array.from(expectedGrads.slice(1).flatMap((a) => Array.from(a)));
          assert.ok(maxRelativeError(run.paramGrads, paramGrads) < 1e-4, `${engine}: parameter gradients`);
          assert.ok(maxRelativeError(run.inputGrad!, expectedGrads[0]!) < 1e-4, `${engine}: input gradient`);
        }
      },
    ),
    { numRuns: 25 },
  );
});

test("GRU refuses a buffer that is too short, naming the shape it needs", () => {
  const arena = new Arena("ts");
  const layer = new Gru({ arena, steps: 4, inputFeatures: 3, hidden: 5 });
  const p = arena.slot(layer.parameterCount);
  assert.throws(
    () => layer.forward(p.ptr, arena.slot(2 * 12 - 1), 2),
    (e: unknown) => e instanceof ShapeMismatchError && /\[2, 12\]/.test(e.message),
  );
  assert.throws(() => new Gru({ arena, steps: 0, inputFeatures: 3, hidden: 5 }), ShapeMismatchError);
});
