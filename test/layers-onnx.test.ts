/**
 * Every encoder layer's ONNX form (GRU, attention, mean pool, dense, conv2d, max/avg pool, layer
 * norm, embedding), run by onnxruntime-node, against the layer's own forward pass on random
 * shapes, parameters, inputs and masks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import ort from "onnxruntime-node";
import { rngFromSeed } from "../src/core/rng.js";
import { Arena } from "../src/nn/fused/arena.js";
import { ItemMask, MaskedMeanPool, MultiHeadAttention } from "../src/nn/layers/attention.js";
import { Conv2d } from "../src/nn/layers/conv2d.js";
import { Dense } from "../src/nn/layers/dense.js";
import { Embedding } from "../src/nn/layers/embedding.js";
import { Gru } from "../src/nn/layers/gru.js";
import type { Layer } from "../src/nn/layers/layer.js";
import { LayerNorm } from "../src/nn/layers/layer-norm.js";
import {
  attentionToOnnx,
  conv2dToOnnx,
  denseToOnnx,
  embeddingToOnnx,
  gruToOnnx,
  layerNormToOnnx,
  meanPoolToOnnx,
  type OnnxFragment,
  poolToOnnx,
} from "../src/nn/layers/onnx.js";
import { AvgPool2d, MaxPool2d } from "../src/nn/layers/pool.js";
import { encodeModel, FLOAT, valueInfo } from "../src/nn/onnx-proto.js";
import { maxRelativeError, randomMask, uniforms } from "./helpers/layer-harness.js";

async function runOnnx(
  fragment: OnnxFragment,
  layer: Layer,
  rows: number,
  x: Float32Array,
  mask: { values: Float32Array; items: number } | null,
): Promise<Float32Array> {
  const inputs = [valueInfo("x", FLOAT, ["batch", layer.inputSize])];
  if (mask !== null) inputs.push(valueInfo("mask", FLOAT, ["batch", mask.items]));
  const nodes = [...fragment.nodes, { op: "Identity", inputs: [fragment.output], outputs: ["y"] }];
  const bytes = encodeModel({
    nodes,
    initializers: fragment.initializers,
    inputs,
    outputs: [valueInfo("y", FLOAT, ["batch", layer.outputSize])],
    doc: "layer test",
    metadata: {},
  });
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor("float32", x, [rows, layer.inputSize]) };
  if (mask !== null) feeds.mask = new ort.Tensor("float32", mask.values, [rows, mask.items]);
  const out = await session.run(feeds);
  return out.y!.data as Float32Array;
}

function forward(
  arena: Arena,
  layer: Layer,
  params: Float32Array,
  x: Float32Array,
  rows: number,
): Float32Array {
  layer.reserve(rows);
  const p = arena.slot(Math.max(1, layer.parameterCount));
  p.array.set(params);
  const xs = arena.slot(rows * layer.inputSize);
  xs.array.set(x);
  return layer.forward(p.ptr, xs, rows).array.slice(0, rows * layer.outputSize);
}

test("the GRU's ONNX form (ONNX GRU, linear_before_reset) computes what the layer does", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 6 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 1e6 }),
      async (rows, steps, features, hidden, returnSequences, seed) => {
        const arena = new Arena("ts");
        const layer = new Gru({ arena, steps, inputFeatures: features, hidden, returnSequences });
        const params = uniforms(layer.parameterCount, seed, 0.8);
        const x = uniforms(rows * layer.inputSize, seed + 1, 1.5);
        const expected = forward(arena, layer, params, x, rows);
        const got = await runOnnx(gruToOnnx(layer, params, "x", "gru"), layer, rows, x, null);
        assert.ok(maxRelativeError(got, expected) < 1e-5);
      },
    ),
    { numRuns: 20 },
  );
});

test("attention and the masked mean pool in ONNX compute what the layers do, masks included", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 1e6 }),
      async (rows, items, heads, dk, masked, seed) => {
        const d = heads * dk;
        const arena = new Arena("ts");
        const mask = masked ? new ItemMask(arena, items) : undefined;
        const values = randomMask(rows, items, seed + 5);
        mask?.set(values, rows);
        const att = new MultiHeadAttention({ arena, items, features: d, heads, mask });
        const params = uniforms(att.parameterCount, seed, 0.7);
        const x = uniforms(rows * att.inputSize, seed + 1, 1.5);
        const m = masked ? { values, items } : null;
        const expected = forward(arena, att, params, x, rows);
        const got = await runOnnx(attentionToOnnx(att, params, "x", m && "mask", "att"), att, rows, x, m);
        assert.ok(maxRelativeError(got, expected) < 1e-5, "attention");
        const pool = new MaskedMeanPool({ arena, items: items, features: d, mask });
        const pooled = forward(arena, pool, new Float32Array(), x, rows);
        const onnxPooled = await runOnnx(meanPoolToOnnx(pool, "x", m && "mask", "pool"), pool, rows, x, m);
        assert.ok(maxRelativeError(onnxPooled, pooled) < 1e-6, "mean pool");
      },
    ),
    { numRuns: 20 },
  );
});

const paddings = fc.constantFrom<"valid" | "same">("valid", "same");
const activations = fc.constantFrom<"none" | "tanh" | "relu">("none", "tanh", "relu");

test("dense, conv2d and pooling in ONNX (NCHW inside) compute what the HWC layers do", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        rows: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 3, max: 9 }),
        w: fc.integer({ min: 3, max: 9 }),
        cin: fc.integer({ min: 1, max: 3 }),
        cout: fc.integer({ min: 1, max: 4 }),
        k: fc.integer({ min: 1, max: 3 }),
        stride: fc.integer({ min: 1, max: 3 }),
        padding: paddings,
        activation: activations,
        seed: fc.integer({ min: 1, max: 1e6 }),
      }),
      async ({ rows, h, w, cin, cout, k, stride, padding, activation, seed }) => {
        const arena = new Arena("ts");
        const inputShape = [h, w, cin] as const;
        const conv = new Conv2d({
          arena,
          inputShape,
          outChannels: cout,
          kernel: k,
          stride,
          padding,
          activation,
        });
        const params = uniforms(conv.parameterCount, seed, 0.8);
        const x = uniforms(rows * conv.inputSize, seed + 1, 1.5);
        const expected = forward(arena, conv, params, x, rows);
        const got = await runOnnx(conv2dToOnnx(conv, params, "x", "conv"), conv, rows, x, null);
        assert.ok(maxRelativeError(got, expected) < 1e-5, "conv2d");
        for (const Pool of [MaxPool2d, AvgPool2d]) {
          const pool = new Pool({ arena, inputShape, poolSize: k, stride, padding });
          const pooled = forward(arena, pool, new Float32Array(), x, rows);
          const onnx = await runOnnx(poolToOnnx(pool, "x", "pool"), pool, rows, x, null);
          assert.ok(maxRelativeError(onnx, pooled) < 1e-6, pool.kind);
        }
        const dense = new Dense({ arena, inputSize: conv.inputSize, units: cout, activation });
        const dp = uniforms(dense.parameterCount, seed + 2, 0.5);
        const dy = forward(arena, dense, dp, x, rows);
        const donnx = await runOnnx(denseToOnnx(dense, dp, "x", "dense"), dense, rows, x, null);
        assert.ok(maxRelativeError(donnx, dy) < 1e-5, "dense");
      },
    ),
    { numRuns: 25 },
  );
});

test("layer norm and embedding in ONNX compute what the layers do", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 2, max: 9 }),
      fc.integer({ min: 1, max: 1e6 }),
      async (rows, groups, d, vocab, seed) => {
        const arena = new Arena("ts");
        const norm = new LayerNorm({ arena, features: d, groups });
        const params = uniforms(norm.parameterCount, seed, 1.5);
        const x = uniforms(rows * norm.inputSize, seed + 1, 2);
        const expected = forward(arena, norm, params, x, rows);
        const got = await runOnnx(layerNormToOnnx(norm, params, "x", "norm"), norm, rows, x, null);
        assert.ok(maxRelativeError(got, expected) < 1e-5, "layer norm");
        const embed = new Embedding({ arena, vocab, dim: d, length: groups });
        const table = uniforms(embed.parameterCount, seed + 2);
        const rng = rngFromSeed(seed + 3);
        const ids = Float32Array.from({ length: rows * groups }, () => rng.integers(vocab));
        const vectors = forward(arena, embed, table, ids, rows);
        const onnx = await runOnnx(embeddingToOnnx(embed, table, "x", "embed"), embed, rows, ids, null);
        assert.deepEqual(Array.from(onnx), Array.from(vectors));
      },
    ),
    { numRuns: 25 },
  );
});
