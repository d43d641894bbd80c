/**
 * The `Layer` contract end to end: a small image encoder (Conv2d → MaxPool2d → Conv2d →
 * AvgPool2d → Dense) and a sequence encoder (Embedding → LayerNorm → Dense), each layer's
 * output slot fed to the next and every parameter in one flat vector in the arena, against the
 * same networks in tfjs; a second step on a larger batch after `reserve` grows the buffers.
 */
import { before, describe, test } from "node:test";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import type { Arena, F32Slot } from "../src/nn/fused/arena.js";
import {
  AvgPool2d,
  Conv2d,
  Dense,
  Embedding,
  type Layer,
  LayerNorm,
  MaxPool2d,
} from "../src/nn/layers/index.js";
import { arenaFor, assertNear, concat, engines, tfReference, uniforms } from "./helpers/layers.js";

before(async () => {
  await initEngine({ backend: "cpu" });
});

/** Forward through `layers`, then backward from `r`; the output, the flat gradient and ∂input. */
function step(
  arena: Arena,
  layers: readonly Layer[],
  params: Float32Array,
  input: Float32Array,
  rows: number,
  r: Float32Array,
  withInputGrad: boolean,
) {
  const total = layers.reduce((s, l) => s + l.parameterCount, 0);
  for (const layer of layers) layer.reserve(rows);
  const p = arena.slot(total);
  const g = arena.slot(total);
  p.array.set(params);
  g.array.fill(Number.NaN);
  const offsets: number[] = [];
  let o = 0;
  for (const layer of layers) {
    offsets.push(o);
    o += layer.parameterCount;
  }
  let x = arena.slot(input.length);
  x.array.set(input);
  for (const [i, layer] of layers.entries()) x = layer.forward(p.ptr + 4 * offsets[i]!, x, rows);
  const output = x.array.slice(0, rows * layers.at(-1)!.outputSize);
  let dy: F32Slot | null = arena.slot(r.length);
  dy.array.set(r);
  for (let i = layers.length - 1; i >= 0; i--) {
    const wanted = i > 0 || withInputGrad;
    dy = layers[i]!.backward(p.ptr + 4 * offsets[i]!, g.ptr + 4 * offsets[i]!, dy!, rows, wanted);
  }
  return { output, grads: g.array.slice(), inputGrad: dy?.array.slice(0, input.length) ?? null };
}

describe("encoder layers chained on one arena", () => {
  test("an image encoder matches tfjs, and again after reserve grows the batch", () => {
    // The Dense layer sees the [3, 2, 3] feature map flattened: 18 inputs.
    const shapes = [[3, 3, 2, 4], [4], [2, 2, 4, 3], [3], [18, 5], [5]];
    const weights = shapes.map((s, i) =>
      uniforms(
        s.reduce((a, b) => a * b),
        40 + i,
        -0.5,
        0.5,
      ),
    );
    for (const engine of engines) {
      const arena = arenaFor(engine);
      const layers: Layer[] = [
        new Conv2d({
          arena,
          inputShape: [10, 8, 2],
          outChannels: 4,
          kernel: 3,
          padding: "same",
          activation: "relu",
        }),
        new MaxPool2d({ arena, inputShape: [10, 8, 4], poolSize: 2 }),
        new Conv2d({ arena, inputShape: [5, 4, 4], outChannels: 3, kernel: 2, activation: "tanh" }),
        new AvgPool2d({ arena, inputShape: [4, 3, 3], poolSize: 2, stride: 1 }),
        new Dense({ arena, inputSize: 18, units: 5 }),
      ];
      for (const rows of [2, 5]) {
        const x = uniforms(rows * 10 * 8 * 2, rows);
        const r = uniforms(rows * 5, rows + 1);
        const ref = tfReference(
          (xs, ...w) => {
            let y = tf.relu(tf.add(tf.conv2d(xs as tf.Tensor4D, w[0] as tf.Tensor4D, 1, "same"), w[1]!));
            y = tf.maxPool(y as tf.Tensor4D, 2, 2, "valid");
            y = tf.tanh(tf.add(tf.conv2d(y as tf.Tensor4D, w[2] as tf.Tensor4D, 1, "valid"), w[3]!));
            y = tf.avgPool(y as tf.Tensor4D, 2, 1, "valid");
            return tf.add(tf.matMul(tf.reshape(y, [rows, 18]), w[4] as tf.Tensor2D), w[5]!);
          },
          [[x, [rows, 10, 8, 2]], ...weights.map((w, i): [Float32Array, number[]] => [w, shapes[i]!])],
          r,
        );
        const run = step(arena, layers, concat(...weights), x, rows, r, true);
        const what = `${engine}, ${rows} rows`;
        assertNear(run.output, ref.output, `${what}: output`);
        assertNear(run.inputGrad!, ref.grads[0]!, `${what}: ∂x`);
        assertNear(run.grads, concat(...ref.grads.slice(1)), `${what}: ∂params`);
      }
    }
  });

  test("a sequence encoder (Embedding → LayerNorm → Dense) matches tfjs", () => {
    const [vocab, dim, length, units] = [11, 6, 5, 3];
    const table = uniforms(vocab * dim, 1);
    const gamma = uniforms(dim, 2, 0.5, 1.5);
    const beta = uniforms(dim, 3);
    const kernel = uniforms(dim * units, 4);
    const bias = uniforms(units, 5);
    const rows = 3;
    const rng = rngFromSeed(6);
    const ids = Float32Array.from({ length: rows * length }, () => rng.integers(vocab));
    const r = uniforms(rows * length * units, 7);
    const ref = tfReference(
      (t, g, b, k, c, i) => {
        const e = tf.gather(t!, tf.cast(i!, "int32"));
        const { mean, variance } = tf.moments(e, -1, true);
        const n = tf.add(tf.mul(tf.div(tf.sub(e, mean), tf.sqrt(tf.add(variance, 1e-5))), g!), b!);
        return tf.add(tf.matMul(tf.reshape(n, [rows * length, dim]), k as tf.Tensor2D), c!);
      },
      [
        [table, [vocab, dim]],
        [gamma, [dim]],
        [beta, [dim]],
        [kernel, [dim, units]],
        [bias, [units]],
        [ids, [rows, length]],
      ],
      r,
      [true, true, true, true, true, false],
    );
    for (const engine of engines) {
      const arena = arenaFor(engine);
      // A Dense over each position: rows·T rows of `dim` (rows are flat, so the same slot serves).
      const embed = new Embedding({ arena, vocab, dim, length });
      const norm = new LayerNorm({ arena, features: dim, groups: length });
      const dense = new Dense({ arena, inputSize: dim, units });
      // The per-position Dense reads the normalized [rows, T, d] as [rows·T, d].
      embed.reserve(rows);
      norm.reserve(rows);
      dense.reserve(rows * length);
      const p = arena.slot(table.length + 2 * dim + kernel.length + units);
      const g = arena.slot(p.length);
      p.array.set(concat(table, gamma, beta, kernel, bias));
      const x = arena.slot(ids.length);
      x.array.set(ids);
      const pNorm = p.ptr + 4 * table.length;
      const pDense = pNorm + 4 * 2 * dim;
      const e = embed.forward(p.ptr, x, rows);
      const n = norm.forward(pNorm, e, rows);
      const y = dense.forward(pDense, n, rows * length);
      assertNear(y.array.subarray(0, rows * length * units), ref.output, `${engine}: output`);
      const dy = arena.slot(r.length);
      dy.array.set(r);
      const dn = dense.backward(pDense, g.ptr + (pDense - p.ptr), dy, rows * length, true)!;
      const de = norm.backward(pNorm, g.ptr + (pNorm - p.ptr), dn, rows, true)!;
      embed.backward(p.ptr, g.ptr, de, rows, false);
      assertNear(g.array, concat(...ref.grads), `${engine}: ∂params`);
    }
  });
});
