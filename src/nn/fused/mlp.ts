/**
 * @module
 * A dense MLP in plain TypeScript over preallocated typed arrays: a batched forward pass and its
 * backward pass, for the fused training path (no tensor engine, no allocation per step).
 *
 * Parameters live in one flat `Float32Array` in `initMlpWeights` order (per layer the kernel,
 * row-major `[fanIn, fanOut]`, then the bias), so weights move between this path and the tfjs
 * path unchanged. Activations and gradients are `Float64Array`s: V8 reads and writes them without
 * float32 conversions, and float64 sums keep results within float32 rounding of tfjs's (see
 * `bench/nn.ts` for the float32-accumulation measurement that chose this).
 *
 * Loops are row-major and walk memory contiguously:
 * - forward   `Z[r,:] = b + Σ_k X[r,k] · W[k,:]` (an axpy per input unit, four rows at a time so
 *   each kernel row is loaded once per four rows);
 * - backward  `dW[k,:] += X[r,k] · dZ[r,:]`, `db += dZ[r,:]`, and
 *   `dX[r,k] = W[k,:] · dZ[r,:]` (a contiguous dot product per input unit).
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { Activation } from "../mlp.js";

export type { Activation };

export interface FusedMlpShape {
  /** Layer widths from input to output: `[inputSize, ...hidden, outputSize]` (at least two). */
  sizes: readonly number[];
  /** Hidden-layer activation; the output layer is the identity. */
  activation: Activation;
}

export class FusedMlp {
  readonly sizes: readonly number[];
  readonly activation: Activation;
  /** Dense layers (hidden layers + 1). */
  readonly layers: number;
  /** Where each layer's kernel and bias start in the flat parameter vector. */
  readonly kernelOffsets: readonly number[];
  readonly biasOffsets: readonly number[];
  /** Numbers in the flat parameter vector (kernels and biases). */
  readonly parameterCount: number;
  /** Rows the buffers hold; grows (reallocating) only when a larger batch arrives. */
  private capacity = 0;
  /** `acts[0]` is the input batch; `acts[l + 1]` the output of layer l (pre-activation for the last). */
  private acts: Float64Array[] = [];
  /** `deltas[l]`: ∂loss/∂Z of layer l, `[rows, sizes[l + 1]]`; `deltas[layers − 1]` is the output gradient. */
  private deltas: Float64Array[] = [];
  /** ∂loss/∂input, filled by `backward(…, true)`. */
  private dInput: Float64Array = new Float64Array(0);

  constructor(shape: FusedMlpShape, capacity = 1) {
    const sizes = [...shape.sizes];
    if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s >= 1)) {
      throw new ShapeMismatchError(
        `A fused MLP needs at least an input and an output width, all positive integers; got [${sizes.join(", ")}].`,
      );
    }
    this.sizes = sizes;
    this.activation = shape.activation;
    this.layers = sizes.length - 1;
    const kernels: number[] = [];
    const biases: number[] = [];
    let offset = 0;
    for (let l = 0; l < this.layers; l++) {
      kernels.push(offset);
      offset += sizes[l]! * sizes[l + 1]!;
      biases.push(offset);
      offset += sizes[l + 1]!;
    }
    this.kernelOffsets = kernels;
    this.biasOffsets = biases;
    this.parameterCount = offset;
    this.reserve(capacity);
  }

  /** The weight shapes in `initMlpWeights` order: kernel, bias, kernel, bias, … */
  weightShapes(): number[][] {
    const shapes: number[][] = [];
    for (let l = 0; l < this.layers; l++)
      shapes.push([this.sizes[l]!, this.sizes[l + 1]!], [this.sizes[l + 1]!]);
    return shapes;
  }

  /** Makes the buffers hold at least `rows` rows. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const cap = Math.max(rows, 1);
    this.capacity = cap;
    this.acts = this.sizes.map((s) => new Float64Array(cap * s));
    this.deltas = this.sizes.slice(1).map((s) => new Float64Array(cap * s));
    this.dInput = new Float64Array(cap * this.sizes[0]!);
  }

  /** The input buffer (`[rows, inputSize]`, row-major) to fill before `forward`. */
  get input(): Float64Array {
    return this.acts[0]!;
  }

  /** The network output of the last `forward` (`[rows, outputSize]`). */
  get output(): Float64Array {
    return this.acts[this.layers]!;
  }

  /** ∂loss/∂output, to be written by a loss before `backward`. */
  get outputGrad(): Float64Array {
    return this.deltas[this.layers - 1]!;
  }

  /** ∂loss/∂input from the last `backward(…, true)`. */
  get inputGrad(): Float64Array {
    return this.dInput;
  }

  /** The output for `rows` rows of `input`; returns `output` (reused by the next call). */
  forward(params: Float32Array, rows: number): Float64Array {
    if (rows > this.capacity) {
      throw new ShapeMismatchError(
        `forward: ${rows} rows exceed the reserved ${this.capacity}; call reserve.`,
      );
    }
    const tanh = this.activation === "tanh";
    for (let l = 0; l < this.layers; l++) {
      const x = this.acts[l]!;
      const z = this.acts[l + 1]!;
      denseForward(
        params,
        this.kernelOffsets[l]!,
        this.biasOffsets[l]!,
        x,
        z,
        rows,
        this.sizes[l]!,
        this.sizes[l + 1]!,
      );
      if (l + 1 < this.layers) {
        const n = rows * this.sizes[l + 1]!;
        if (tanh) for (let i = 0; i < n; i++) z[i] = Math.tanh(z[i]!);
        else for (let i = 0; i < n; i++) if (z[i]! < 0) z[i] = 0;
      }
    }
    return this.acts[this.layers]!;
  }

  /**
   * Back-propagates `outputGrad` through the network of the last `forward`. Writes every kernel and
   * bias gradient into `grads` (flat, same layout as the parameters; this range is overwritten)
   * and, with `withInput`, ∂loss/∂input into `inputGrad`.
   */
  backward(params: Float32Array, rows: number, grads: Float64Array, withInput = false): void {
    grads.fill(0, 0, this.parameterCount);
    const tanh = this.activation === "tanh";
    for (let l = this.layers - 1; l >= 0; l--) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const dz = this.deltas[l]!;
      const x = this.acts[l]!;
      const kOff = this.kernelOffsets[l]!;
      const bOff = this.biasOffsets[l]!;
      // dW[k,:] += x[r,k] · dz[r,:]; db += dz[r,:] (four rows at a time: one pass over dW per four)
      let r0 = 0;
      for (; r0 + 3 < rows; r0 += 4) {
        const z0 = r0 * fanOut;
        const z1 = z0 + fanOut;
        const z2 = z1 + fanOut;
        const z3 = z2 + fanOut;
        for (let j = 0; j < fanOut; j++)
          grads[bOff + j] += dz[z0 + j]! + dz[z1 + j]! + dz[z2 + j]! + dz[z3 + j]!;
        const x0 = r0 * fanIn;
        for (let k = 0; k < fanIn; k++) {
          const a0 = x[x0 + k]!;
          const a1 = x[x0 + fanIn + k]!;
          const a2 = x[x0 + 2 * fanIn + k]!;
          const a3 = x[x0 + 3 * fanIn + k]!;
          const wo = kOff + k * fanOut;
          for (let j = 0; j < fanOut; j++) {
            grads[wo + j] += a0 * dz[z0 + j]! + a1 * dz[z1 + j]! + a2 * dz[z2 + j]! + a3 * dz[z3 + j]!;
          }
        }
      }
      for (let r = r0; r < rows; r++) {
        const zo = r * fanOut;
        for (let j = 0; j < fanOut; j++) grads[bOff + j] += dz[zo + j]!;
        const xo = r * fanIn;
        for (let k = 0; k < fanIn; k++) {
          const a = x[xo + k]!;
          if (a === 0) continue;
          const wo = kOff + k * fanOut;
          for (let j = 0; j < fanOut; j++) grads[wo + j] += a * dz[zo + j]!;
        }
      }
      if (l === 0 && !withInput) break;
      // dx[r,k] = W[k,:] · dz[r,:], then times f'(x) for a hidden layer's output.
      const dx = l === 0 ? this.dInput : this.deltas[l - 1]!;
      for (let r = 0; r < rows; r++) {
        const zo = r * fanOut;
        const xo = r * fanIn;
        for (let k = 0; k < fanIn; k++) {
          const wo = kOff + k * fanOut;
          let s0 = 0;
          let s1 = 0;
          let j = 0;
          for (; j + 1 < fanOut; j += 2) {
            s0 += params[wo + j]! * dz[zo + j]!;
            s1 += params[wo + j + 1]! * dz[zo + j + 1]!;
          }
          if (j < fanOut) s0 += params[wo + j]! * dz[zo + j]!;
          const s = s0 + s1;
          if (l === 0) dx[xo + k] = s;
          else {
            const a = x[xo + k]!;
            // tanh' = 1 − y², relu' = [y > 0], both from the layer's output y.
            dx[xo + k] = tanh ? s * (1 - a * a) : a > 0 ? s : 0;
          }
        }
      }
    }
  }
}

/** `z = x · W + b` for `rows` rows, four rows at a time so each kernel row is read once per four. */
function denseForward(
  p: Float32Array,
  kOff: number,
  bOff: number,
  x: Float64Array,
  z: Float64Array,
  rows: number,
  fanIn: number,
  fanOut: number,
): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const z0 = r * fanOut;
    const z1 = z0 + fanOut;
    const z2 = z1 + fanOut;
    const z3 = z2 + fanOut;
    for (let j = 0; j < fanOut; j++) {
      const b = p[bOff + j]!;
      z[z0 + j] = b;
      z[z1 + j] = b;
      z[z2 + j] = b;
      z[z3 + j] = b;
    }
    const x0 = r * fanIn;
    for (let k = 0; k < fanIn; k++) {
      const a0 = x[x0 + k]!;
      const a1 = x[x0 + fanIn + k]!;
      const a2 = x[x0 + 2 * fanIn + k]!;
      const a3 = x[x0 + 3 * fanIn + k]!;
      const wo = kOff + k * fanOut;
      for (let j = 0; j < fanOut; j++) {
        const w = p[wo + j]!;
        z[z0 + j] += a0 * w;
        z[z1 + j] += a1 * w;
        z[z2 + j] += a2 * w;
        z[z3 + j] += a3 * w;
      }
    }
  }
  for (; r < rows; r++) {
    const zo = r * fanOut;
    for (let j = 0; j < fanOut; j++) z[zo + j] = p[bOff + j]!;
    const xo = r * fanIn;
    for (let k = 0; k < fanIn; k++) {
      const a = x[xo + k]!;
      if (a === 0) continue;
      const wo = kOff + k * fanOut;
      for (let j = 0; j < fanOut; j++) z[zo + j] += a * p[wo + j]!;
    }
  }
}
