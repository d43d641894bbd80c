/**
 * @module
 * A dense layer `y = f(x·W + b)` on the fused engine: the semantics of tf.layers.dense /
 * torch.nn.Linear (with the kernel stored `[in, out]` as tfjs stores it, not PyTorch's
 * `[out, in]`), one row per example. The arithmetic is FusedMlp's for one layer:
 * - forward   one `gemm` with the bias and the activation fused into its store;
 * - backward  `dZ = dY ⊙ f'(·)` (through the output), `dW = Xᵀ·dZ` (gemm reads X transposed in
 *   place), `db = Σ_rows dZ` (colSum), `dX = dZ·Wᵀ` (W transposed into scratch), or, where a
 *   batch is small next to W (rows·(in + out) < in·out, as BC-CNN's 64 × 2688 → 256 layer), `dXᵀ =
 *   W·dZᵀ` with dZ and the result transposed instead of W (each element the same products in the
 *   same order, so the same bits, for a quarter of the copying there).
 *
 * Parameters: kernel `[in, out]` row-major, then bias `[out]` (FusedMlp's layout).
 */
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import { Epilogue } from "../fused/kernels-ts.js";
import type { Layer, LayerContext } from "./layer.js";
import {
  checkActivation,
  checkInteger,
  checkOffset,
  checkRows,
  checkSlot,
  epilogueOf,
  glorotUniform,
  type LayerActivation,
} from "./support.js";

export interface DenseOptions extends LayerContext {
  inputSize: number;
  units: number;
  /** Default `none`. */
  activation?: LayerActivation;
}

export class Dense implements Layer {
  readonly kind = "dense";
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly activation: LayerActivation;
  readonly arena: Arena;
  private capacity = 0;
  private output: F32Slot | null = null;
  private dz: F32Slot | null = null;
  private dx: F32Slot | null = null;
  private readonly transposed: F32Slot;
  private input: F32Slot | null = null;

  constructor(options: DenseOptions) {
    this.inputSize = checkInteger("dense.inputSize", options.inputSize);
    this.outputSize = checkInteger("dense.units", options.units);
    this.activation = checkActivation("dense.activation", options.activation);
    this.parameterCount = this.inputSize * this.outputSize + this.outputSize;
    this.arena = options.arena;
    this.transposed = this.arena.slot(this.inputSize * this.outputSize);
  }

  parameterShapes(): number[][] {
    return [[this.inputSize, this.outputSize], [this.outputSize]];
  }

  /** Glorot-uniform kernel, zero bias (tfjs-layers' defaults). */
  init(params: Float32Array, rng: Rng): void {
    const k = this.inputSize * this.outputSize;
    glorotUniform(params.subarray(0, k), this.inputSize, this.outputSize, rng);
    params.fill(0, k, this.parameterCount);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.output = this.arena.slot(rows * this.outputSize);
    this.dz = this.activation === "none" ? null : this.arena.slot(rows * this.outputSize);
    this.dx = this.arena.slot(rows * this.inputSize);
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    checkRows(this.kind, "forward", rows, this.capacity);
    checkSlot(this.kind, "input", input, rows, [this.inputSize], this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    const n = this.outputSize;
    const out = this.output!;
    this.arena.kernels.gemm(
      input.ptr,
      this.inputSize,
      1,
      params,
      n,
      params + 4 * this.inputSize * n,
      out.ptr,
      n,
      0,
      rows,
      this.inputSize,
      n,
      epilogueOf(this.activation),
    );
    this.input = input;
    return out;
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    checkRows(this.kind, "backward", rows, this.capacity);
    if (this.input === null) throw new Error("dense backward: call forward first.");
    checkSlot(this.kind, "output gradient", outputGrad, rows, [this.outputSize], this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    checkOffset(this.kind, "gradient", grads, this.parameterCount, this.arena);
    const k = this.arena.kernels;
    const fanIn = this.inputSize;
    const fanOut = this.outputSize;
    let dz = outputGrad;
    if (this.activation !== "none") {
      dz = this.dz!;
      k.activationGrad(this.output!.ptr, outputGrad.ptr, dz.ptr, rows * fanOut, epilogueOf(this.activation));
    }
    // dW = Xᵀ·dZ: A(i, p) = X[p, i] (row stride 1, column stride fanIn).
    k.gemm(this.input.ptr, 1, fanIn, dz.ptr, fanOut, 0, grads, fanOut, 0, fanIn, rows, fanOut, Epilogue.none);
    k.colSum(dz.ptr, rows, fanOut, grads + 4 * fanIn * fanOut);
    if (!inputGrad) return null;
    const dx = this.dx!;
    if (rows * (fanIn + fanOut) < fanIn * fanOut) {
      // dXᵀ = W·dZᵀ, both scratch matrices inside the `transposed` slot (rows·(in + out) < in·out floats).
      const dzT = this.transposed.ptr;
      const dxT = dzT + 4 * rows * fanOut;
      k.transpose(dz.ptr, rows, fanOut, dzT);
      k.gemm(params, fanOut, 1, dzT, rows, 0, dxT, rows, 0, fanIn, fanOut, rows, Epilogue.none);
      k.transpose(dxT, fanIn, rows, dx.ptr);
      return dx;
    }
    k.transpose(params, fanIn, fanOut, this.transposed.ptr);
    k.gemm(
      dz.ptr,
      fanOut,
      1,
      this.transposed.ptr,
      fanIn,
      0,
      dx.ptr,
      fanIn,
      0,
      rows,
      fanOut,
      fanIn,
      Epilogue.none,
    );
    return dx;
  }
}
