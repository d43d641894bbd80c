/**
 * @module
 * A multi-layer perceptron as explicit weight variables and a functional forward pass, plus a
 * plain-JS copy of the same forward pass for acting on one observation at a time.
 *
 * Weights are drawn from mimic's own `Rng`, never from tfjs's generator, so a seed fixes a network
 * on every backend. Hidden layers use Glorot's uniform rule, `W ~ U(−a, a)` with
 * `a = gain · √(6 / (fanIn + fanOut))`; the output layer is scaled down (gain 0.01, as Stable
 * Baselines' policy heads) so a new policy starts close to uniform. Biases start at zero.
 */
import type { Rng } from "../core/rng.js";
import type { Activation } from "./activation.js";
import { tf } from "./engine.js";
import { denseForward } from "./forward.js";
import { fusedEngineAvailable } from "./fused/arena.js";
import { FusedForward } from "./fused/forward.js";

export interface MlpShape {
  /** Width of the input vector. */
  inputSize: number;
  /** Units of each hidden layer, first to last (may be empty: a linear model). */
  hiddenSizes: readonly number[];
  /** Width of the output vector (no activation on the output layer). */
  outputSize: number;
  activation: Activation;
}

/** Layer sizes from input to output: `[inputSize, ...hiddenSizes, outputSize]`. */
export function layerSizes(shape: MlpShape): number[] {
  return [shape.inputSize, ...shape.hiddenSizes, shape.outputSize];
}

/** Glorot-uniform kernels (row-major `[fanIn, fanOut]`) and zero biases, drawn in layer order. */
export function initMlpWeights(shape: MlpShape, rng: Rng, outputGain = 0.01): Float32Array[] {
  const sizes = layerSizes(shape);
  const weights: Float32Array[] = [];
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const fanIn = sizes[layer]!;
    const fanOut = sizes[layer + 1]!;
    const gain = layer + 2 === sizes.length ? outputGain : 1;
    const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-limit, limit);
    weights.push(kernel, new Float32Array(fanOut));
  }
  return weights;
}

/** The weight shapes in `initMlpWeights` order: kernel, bias, kernel, bias, … */
export function mlpWeightShapes(shape: MlpShape): number[][] {
  const sizes = layerSizes(shape);
  const shapes: number[][] = [];
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    shapes.push([sizes[layer]!, sizes[layer + 1]!], [sizes[layer + 1]!]);
  }
  return shapes;
}

/**
 * One dense layer `y = f(x·W + b)` with a hand-written gradient. tfjs's own gradient of `matMul`
 * multiplies by transposed operands, which the wasm backend runs on a slow path (about 15× slower
 * than a plain product at 256 units); transposing explicitly first keeps every product on the fast
 * path and makes a 256×256 training step several times faster.
 */
function denseLayer(
  activation: Activation | "linear",
): (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    let y: tf.Tensor2D;
    if (activation === "relu")
      y = tf.fused.matMul({ a: x, b: w, bias: b, activation: "relu" }) as tf.Tensor2D;
    else {
      y = tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
      if (activation === "tanh") y = tf.tanh(y);
    }
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // dz = dy ⊙ f'(z): tanh' = 1 − y², relu' = [y > 0].
        const dz =
          activation === "tanh"
            ? tf.mul(dy, tf.sub(1, tf.square(ys)))
            : activation === "relu"
              ? tf.mul(dy, tf.step(ys))
              : dy;
        return [tf.matMul(dz, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dz), tf.sum(dz, 0)];
      },
    };
  }) as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
}

const DENSE = {
  tanh: denseLayer("tanh"),
  relu: denseLayer("relu"),
  linear: denseLayer("linear"),
};

/** An MLP whose weights live in the engine as trainable variables. */
export class Mlp {
  readonly shape: MlpShape;
  /** Kernel, bias, kernel, bias, … from the first layer to the output layer. */
  readonly variables: readonly tf.Variable[];

  constructor(shape: MlpShape, weights: readonly Float32Array[]) {
    this.shape = shape;
    this.variables = mlpWeightShapes(shape).map((s, i) => {
      const initial = tf.tensor(weights[i]!, s, "float32");
      const variable = tf.variable(initial, true);
      initial.dispose();
      return variable;
    });
  }

  /** The outputs for a batch `[n, inputSize]` → `[n, outputSize]`. Call inside `tf.tidy`. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    const layers = this.variables.length / 2;
    let h = x;
    for (let layer = 0; layer < layers; layer++) {
      const op = layer + 1 < layers ? DENSE[this.shape.activation] : DENSE.linear;
      h = op(h, this.variables[2 * layer]!, this.variables[2 * layer + 1]!);
    }
    return h;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * The same forward pass for one input vector, on weights copied out of the engine, without a call
 * into the tensor engine: on the fused engine's WebAssembly kernels (`FusedForward`, about 1 µs
 * for a 64×64 policy) when they run here, else in plain JS (`denseForward`: float64 sums, each
 * layer's output stored as float32). Either agrees with the engine's float32 pass to float32
 * rounding (about 1e-6 relative), not bit for bit.
 */
export class MlpMirror {
  private readonly sizes: number[];
  private readonly activation: Activation;
  /** Per layer, the kernel transposed to `[fanOut, fanIn]` so each output is one contiguous dot product. */
  private kernels: Float32Array[] = [];
  private biases: Float32Array[] = [];
  private readonly buffers: Float32Array[];
  /** The wasm forward pass, when the fused engine runs on WebAssembly here. */
  private fused: FusedForward | null = null;

  constructor(shape: MlpShape) {
    this.sizes = layerSizes(shape);
    this.activation = shape.activation;
    this.buffers = this.sizes.slice(1).map((n) => new Float32Array(n));
  }

  /** Multiply-adds per forward pass. */
  get multiplyAdds(): number {
    let total = 0;
    for (let i = 0; i + 1 < this.sizes.length; i++) total += this.sizes[i]! * this.sizes[i + 1]!;
    return total;
  }

  /** Replaces the weights (in `initMlpWeights` order, kernels row-major `[fanIn, fanOut]`). */
  load(weights: readonly Float32Array[]): void {
    if (this.fused === null && fusedEngineAvailable() === "wasm") {
      this.fused = new FusedForward({ sizes: this.sizes, activation: this.activation }, weights, {
        engine: "wasm",
      });
    } else {
      this.fused?.setWeights(weights);
    }
    if (this.fused !== null) return;
    this.kernels = [];
    this.biases = [];
    for (let layer = 0; layer + 1 < this.sizes.length; layer++) {
      const fanIn = this.sizes[layer]!;
      const fanOut = this.sizes[layer + 1]!;
      const kernel = weights[2 * layer]!;
      const transposed = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < fanIn; i++) {
        for (let j = 0; j < fanOut; j++) transposed[j * fanIn + i] = kernel[i * fanOut + j]!;
      }
      this.kernels.push(transposed);
      this.biases.push(Float32Array.from(weights[2 * layer + 1]!));
    }
  }

  /** The output for one input; the returned array is reused by the next call. */
  forward(input: Float32Array): Float32Array {
    if (this.fused !== null) return this.fused.run(input);
    return denseForward(
      this.sizes,
      this.activation === "tanh",
      this.kernels,
      this.biases,
      this.buffers,
      input,
    );
  }
}
