/**
 * Every encoder layer's ONNX form, run by onnxruntime-node, against the layer's own forward pass
 * on random shapes, parameters, inputs and masks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import ort from "onnxruntime-node";
import { rngFromSeed } from "../src/core/rng.js";
import { Arena } from "../src/nn/fused/arena.js";
import { ItemMask, MaskedMeanPool, MultiHeadAttention } from "../src/nn/layers/attention.js";
import { Gru } from "../src/nn/layers/gru.js";
import type { Layer } from "../src/nn/layers/layer.js";
import { attentionToOnnx, gruToOnnx, meanPoolToOnnx, type OnnxFragment } from "../src/nn/layers/onnx.js";
import { encodeModel, FLOAT, valueInfo } from "../src/nn/onnx-proto.js";
import { maxRelativeError } from "./helpers/layer-harness.js";

function uniforms(n: number, seed: number, spread = 1): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-spread, spread));
}

function randomMask(rows: number, items: number, seed: number): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: rows * items }, () => (rng.uniform(0, 1) < 0.7 ? 1 : 0));
}

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
