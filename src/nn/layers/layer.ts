/**
 * @module
 * The contract every encoder layer of the fused engine keeps (issue 18): Conv2d, pooling, GRU,
 * embedding, multi-head attention, layer norm and dense layers all implement `Layer`, so a
 * network is a list of them over one flat parameter vector and one arena.
 *
 * Data is a batch of rows, each row one example's numbers flattened in the layer's own layout
 * (images are HWC, sequences are time-major within the row: `[T, features]`), in float32 slots of
 * the layer's `Arena`. Parameters are a contiguous run of a flat `Float32Array` (the network's),
 * starting at the layer's `paramOffset`; gradients are written to the same offsets of a gradient
 * vector of the same length.
 *
 * A layer keeps what its backward pass needs from the last `forward` (the input slot, and any
 * intermediate values), so `forward(x, rows)` then `backward(dy, rows)` on the same rows is one
 * training step's pair. `backward` *overwrites* the layer's gradient entries (no accumulation
 * across calls) and returns ∂loss/∂input when asked for it.
 */
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";

export interface Layer {
  /** What the layer is (`conv2d`, `gru`, …), for errors and saved specs. */
  readonly kind: string;
  /** Numbers per example in and out. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Numbers of this layer in the flat parameter vector. */
  readonly parameterCount: number;
  /** Shapes of its parameter tensors, in storage order (what tfjs/ONNX/PyTorch see). */
  parameterShapes(): number[][];
  /** Writes initial parameters into `params[0 … parameterCount)` (a subarray of the network's). */
  init(params: Float32Array, rng: Rng): void;
  /**
   * Makes the layer's buffers hold `rows` examples (growing only; slots handed out before stay
   * valid, their views may need refreshing through `F32Slot.array`).
   */
  reserve(rows: number): void;
  /**
   * The output for `rows` rows of `input` (`[rows, inputSize]`), with the parameters at
   * `params` (a byte offset into the arena, this layer's first parameter). Returns the output
   * slot, `[rows, outputSize]`, reused by the next call.
   */
  forward(params: number, input: F32Slot, rows: number): F32Slot;
  /**
   * Backward through the last `forward`: reads ∂loss/∂output (`[rows, outputSize]`), writes the
   * parameter gradients at `grads` (a byte offset, this layer's first gradient) and, when
   * `inputGrad` is true, returns ∂loss/∂input (`[rows, inputSize]`), else null.
   */
  backward(params: number, grads: number, outputGrad: F32Slot, rows: number, inputGrad: boolean): F32Slot | null;
}

/** A layer's constructor arguments that every layer takes. */
export interface LayerContext {
  arena: Arena;
}
