/**
 * @module
 * `npm run bench -- layers`: one Conv2d training pass (forward, then backward with ∂input) on
 * the fused engine's two kernel sets and in tfjs (`tf.grads` of the same layer on its CPU backend:
 * the wasm backend cannot differentiate conv2d, having no Conv2DBackpropFilter kernel), on an image-encoder shape and Atari's first Nature-CNN layer. Also the share of a fused
 * pass spent outside gemm (im2col, col2im and the activation derivative, in TypeScript), from a
 * pass timed with the products skipped.
 */
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { Arena } from "../src/nn/fused/arena.js";
import type { Kernels } from "../src/nn/fused/kernels-ts.js";
import { fusedThreads } from "../src/nn/fused/threads.js";
import { Conv2d } from "../src/nn/layers/conv2d.js";
import { machineReport, measure, printTable } from "./harness.js";

interface ConvShape {
  name: string;
  rows: number;
  input: [number, number, number];
  outChannels: number;
  kernel: number;
  stride: number;
  padding: "valid" | "same";
}

const SHAPES: readonly ConvShape[] = [
  {
    name: "32×[16, 16, 3] 3×3→16 same",
    rows: 32,
    input: [16, 16, 3],
    outChannels: 16,
    kernel: 3,
    stride: 1,
    padding: "same",
  },
  {
    name: "32×[84, 84, 4] 8×8/4→32 valid",
    rows: 32,
    input: [84, 84, 4],
    outChannels: 32,
    kernel: 8,
    stride: 4,
    padding: "valid",
  },
];

function uniforms(n: number, seed: number): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** A fused pass: `arena`'s kernels, or (`skipGemm`) the same pass with gemm a no-op. */
function fusedPass(shape: ConvShape, engine: "wasm" | "ts", skipGemm = false): () => void {
  const arena = new Arena(engine);
  if (skipGemm) (arena as { kernels: Kernels }).kernels = { ...arena.kernels, gemm: () => {} };
  const layer = new Conv2d({
    arena,
    inputShape: shape.input,
    outChannels: shape.outChannels,
    kernel: shape.kernel,
    stride: shape.stride,
    padding: shape.padding,
    activation: "relu",
  });
  layer.reserve(shape.rows);
  const p = arena.slot(layer.parameterCount);
  const g = arena.slot(layer.parameterCount);
  const x = arena.slot(shape.rows * layer.inputSize);
  const dy = arena.slot(shape.rows * layer.outputSize);
  layer.init(p.array, rngFromSeed(1));
  x.array.set(uniforms(x.length, 2));
  dy.array.set(uniforms(dy.length, 3));
  return () => {
    layer.forward(p.ptr, x, shape.rows);
    layer.backward(p.ptr, g.ptr, dy, shape.rows, true);
  };
}

function tfPass(shape: ConvShape): () => void {
  const [h, w, c] = shape.input;
  const layer = new Conv2d({
    arena: new Arena("ts"),
    inputShape: shape.input,
    outChannels: shape.outChannels,
    kernel: shape.kernel,
    stride: shape.stride,
    padding: shape.padding,
  });
  const x = tf.tensor(uniforms(shape.rows * h * w * c, 2), [shape.rows, h, w, c]) as tf.Tensor4D;
  const k = tf.tensor(uniforms(layer.parameterCount - shape.outChannels, 1), layer.parameterShapes()[0]!);
  const b = tf.zeros([shape.outChannels]);
  const r = tf.tensor(uniforms(shape.rows * layer.outputSize, 3), [shape.rows, ...layer.outputShape]);
  const grads = tf.grads((xs: tf.Tensor, ks: tf.Tensor, bs: tf.Tensor) =>
    tf.sum(
      tf.mul(
        tf.relu(tf.add(tf.conv2d(xs as tf.Tensor4D, ks as tf.Tensor4D, shape.stride, shape.padding), bs)),
        r,
      ),
    ),
  );
  return () => {
    tf.tidy(() => {
      for (const t of grads([x, k, b])) t.dataSync();
    });
  };
}

export async function benchLayers(): Promise<void> {
  // tfjs's wasm backend has no Conv2DBackpropFilter kernel (4.22), so its CPU backend it is.
  const engine = await initEngine({ backend: "cpu" });
  console.log(machineReport());
  console.log(`tfjs backend: ${engine.backend}; fused engine threads: ${fusedThreads()}`);
  const rows: string[][] = [];
  for (const shape of SHAPES) {
    const passes = shape.input[0] > 32 ? 3 : 20;
    const rate = (body: () => void) =>
      measure(
        () => {
          for (let i = 0; i < passes; i++) body();
        },
        passes,
        5,
      ).perSecond;
    const wasm = rate(fusedPass(shape, "wasm"));
    const ts = rate(fusedPass(shape, "ts"));
    // tfjs's CPU convolution gradients take tens of seconds a pass on the Atari shape: one timed pass.
    const slow = shape.input[0] > 32;
    const tfjs = measure(tfPass(shape), 1, slow ? 1 : 5).perSecond;
    const copies = rate(fusedPass(shape, "wasm", true));
    rows.push([
      shape.name,
      wasm.toFixed(1),
      ts.toFixed(1),
      tfjs.toFixed(tfjs < 1 ? 3 : 1),
      (wasm / tfjs).toFixed(2),
      `${((100 * wasm) / copies).toFixed(0)}%`,
    ]);
  }
  console.log("\nConv2d (relu) forward + backward with ∂input, passes per second (median of 5):");
  printTable(["shape", "fused wasm", "fused ts", "tfjs", "wasm / tfjs", "outside gemm"], rows);
}
