/**
 * @module
 * `Sequential`: layers applied one after another, itself a `Layer` (PyTorch's `nn.Sequential`).
 * Its parameters are the layers' in order, one contiguous run; its forward pass feeds each
 * layer's output slot to the next, and its backward pass runs them in reverse, asking each layer
 * for ∂input only where a layer before it (or the caller) needs it.
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { F32Slot } from "../fused/arena.js";
import type { Layer } from "./layer.js";

export class Sequential implements Layer {
  readonly kind = "sequential";
  readonly layers: readonly Layer[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  /** Where each layer's parameters start, in numbers from the first. */
  readonly offsets: readonly number[];

  constructor(layers: readonly Layer[]) {
    if (layers.length === 0) throw new ShapeMismatchError("A Sequential needs at least one layer.");
    for (let i = 1; i < layers.length; i++) {
      if (layers[i]!.inputSize !== layers[i - 1]!.outputSize) {
        throw new ShapeMismatchError(
          `Layer ${i} (${layers[i]!.kind}) takes ${layers[i]!.inputSize} numbers per example, but layer ${i - 1} (${layers[i - 1]!.kind}) gives ${layers[i - 1]!.outputSize}.`,
        );
      }
    }
    this.layers = [...layers];
    this.inputSize = layers[0]!.inputSize;
    this.outputSize = layers[layers.length - 1]!.outputSize;
    const offsets: number[] = [];
    let total = 0;
    for (const layer of layers) {
      offsets.push(total);
      total += layer.parameterCount;
    }
    this.offsets = offsets;
    this.parameterCount = total;
  }

  parameterShapes(): number[][] {
    return this.layers.flatMap((l) => l.parameterShapes());
  }

  init(params: Float32Array, rng: Rng): void {
    this.layers.forEach((layer, i) => {
      const o = this.offsets[i]!;
      layer.init(params.subarray(o, o + layer.parameterCount), rng);
    });
  }

  reserve(rows: number): void {
    for (const layer of this.layers) layer.reserve(rows);
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    let x = input;
    this.layers.forEach((layer, i) => {
      x = layer.forward(params + 4 * this.offsets[i]!, x, rows);
    });
    return x;
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    let dy: F32Slot | null = outputGrad;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const want = i > 0 || inputGrad;
      dy = layer.backward(params + 4 * this.offsets[i]!, grads + 4 * this.offsets[i]!, dy!, rows, want);
      if (want && dy === null) {
        throw new ShapeMismatchError(
          `Layer ${i} (${layer.kind}) gives no input gradient, so nothing before it can train; put it first.`,
        );
      }
    }
    return dy;
  }
}
