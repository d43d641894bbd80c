/**
 * @module
 * A dense MLP on the fused engine's kernels: a batched forward pass and its backward pass over
 * preallocated float32 buffers in an `Arena` (WebAssembly SIMD, or the TypeScript fallback),
 * with no tensor engine and no allocation per step.
 *
 * Parameters are one flat `Float32Array` in `initMlpWeights` order (per layer the kernel,
 * row-major `[fanIn, fanOut]`, then the bias), so weights move between this path and the tfjs
 * path unchanged. Parameters and gradients may live anywhere: arrays inside this network's arena
 * are used in place, others are copied in (parameters) or out (gradients) at each call.
 *
 * Per layer l, with X its input `[rows, fanIn]`, W `[fanIn, fanOut]` and Y its output:
 * - forward   `Y = f(X·W + b)` (one matrix product with the bias and activation fused in);
 * - backward  `dW = Xᵀ·dZ` (the product reads X transposed in place), `db = Σ_rows dZ`, and
 *   `dX = (dZ·Wᵀ) ⊙ f'(X)` with W transposed into scratch and the derivative fused in.
 *
 * The buffers (`input`, `output`, `outputGrad`, `inputGrad`) are views into the arena: valid
 * until the next `reserve` that grows it (or any other allocation in a shared arena).
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { Activation } from "../activation.js";
import { Arena, type F32Slot, type FusedEngine } from "./arena.js";
import { Epilogue, type Kernels } from "./kernels-ts.js";
import { TapeOp } from "./threads.js";

export type { Activation, FusedEngine };

export interface FusedMlpShape {
  /** Layer widths from input to output: `[inputSize, ...hidden, outputSize]` (at least two). */
  sizes: readonly number[];
  /** Hidden-layer activation; the output layer is the identity. */
  activation: Activation;
}

export interface FusedMlpOptions {
  /** Kernels for a new arena (default `auto`: WebAssembly SIMD where available). */
  engine?: FusedEngine;
  /** Share this arena (and its kernels) instead of making one; `engine` is then ignored. */
  arena?: Arena;
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
  readonly arena: Arena;
  /** Rows the buffers hold; grows (reallocating) only when a larger batch arrives. */
  private capacity = 0;
  /** `acts[0]` is the input batch; `acts[l + 1]` the output of layer l (pre-activation for the last). */
  private acts: F32Slot[] = [];
  /** `deltas[l]`: ∂loss/∂Z of layer l, `[rows, sizes[l + 1]]`; `deltas[layers − 1]` is the output gradient. */
  private deltas: F32Slot[] = [];
  /** ∂loss/∂input, filled by `backward(…, true)`. */
  private dInput: F32Slot | null = null;
  /** Copies of parameters and gradients that live outside the arena, and Wᵀ for dX. */
  private readonly ownParams: F32Slot;
  private readonly ownGrads: F32Slot;
  private readonly transposed: F32Slot;
  private readonly tape: TapeRecorder;
  private readonly hiddenAct: number;
  private readonly hiddenGrad: number;

  constructor(shape: FusedMlpShape, capacity = 1, options: FusedMlpOptions = {}) {
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
    let widest = 1;
    for (let l = 0; l < this.layers; l++) {
      kernels.push(offset);
      offset += sizes[l]! * sizes[l + 1]!;
      biases.push(offset);
      offset += sizes[l + 1]!;
      widest = Math.max(widest, sizes[l]! * sizes[l + 1]!);
    }
    this.kernelOffsets = kernels;
    this.biasOffsets = biases;
    this.parameterCount = offset;
    this.hiddenAct = shape.activation === "tanh" ? Epilogue.tanh : Epilogue.relu;
    this.hiddenGrad = shape.activation === "tanh" ? Epilogue.tanhGrad : Epilogue.reluGrad;
    this.arena = options.arena ?? new Arena(options.engine ?? "auto");
    this.ownParams = this.arena.slot(offset);
    this.ownGrads = this.arena.slot(offset);
    this.transposed = this.arena.slot(widest);
    // Made now, not at the first async pass: an allocation then could grow a shared arena under
    // views its owner holds.
    this.tape = new TapeRecorder(this.arena, 40 * this.layers);
    this.reserve(capacity);
  }

  /** Which kernels run this network. */
  get backend(): "wasm" | "ts" {
    return this.arena.backend;
  }

  /** The weight shapes in `initMlpWeights` order: kernel, bias, kernel, bias, … */
  weightShapes(): number[][] {
    const shapes: number[][] = [];
    for (let l = 0; l < this.layers; l++)
      shapes.push([this.sizes[l]!, this.sizes[l + 1]!], [this.sizes[l + 1]!]);
    return shapes;
  }

  /** Makes the buffers hold at least `rows` rows (views handed out before may be detached). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const cap = Math.max(rows, 1);
    this.capacity = cap;
    this.acts = this.sizes.map((s) => this.arena.slot(cap * s));
    this.deltas = this.sizes.slice(1).map((s) => this.arena.slot(cap * s));
    this.dInput = this.arena.slot(cap * this.sizes[0]!);
  }

  /** The input buffer (`[rows, inputSize]`, row-major) to fill before `forward`. */
  get input(): Float32Array {
    return this.acts[0]!.array;
  }

  /** The network output of the last `forward` (`[rows, outputSize]`). */
  get output(): Float32Array {
    return this.acts[this.layers]!.array;
  }

  /** ∂loss/∂output, to be written by a loss before `backward`. */
  get outputGrad(): Float32Array {
    return this.deltas[this.layers - 1]!.array;
  }

  /** ∂loss/∂input from the last `backward(…, true)`. */
  get inputGrad(): Float32Array {
    return this.dInput!.array;
  }

  /** The parameters' byte offset in the arena: in place when there, else copied in. */
  private paramsPtr(params: Float32Array): number {
    checkAttached("parameters", params);
    if (params.length < this.parameterCount) {
      throw new ShapeMismatchError(
        `The network has ${this.parameterCount} parameters; got an array of ${params.length}.`,
      );
    }
    if (this.arena.holds(params)) return params.byteOffset;
    const own = this.ownParams.array;
    own.set(params.length === this.parameterCount ? params : params.subarray(0, this.parameterCount));
    return this.ownParams.ptr;
  }

  private checkRows(what: string, rows: number): void {
    if (!Number.isInteger(rows) || rows < 1 || rows > this.capacity) {
      throw new ShapeMismatchError(
        `${what}: ${rows} rows; expected 1 to the reserved ${this.capacity} (call reserve for more).`,
      );
    }
  }

  /** The output for `rows` rows of `input`; returns `output` (reused by the next call). */
  forward(params: Float32Array, rows: number): Float32Array {
    this.checkRows("forward", rows);
    this.emitForward(this.paramsPtr(params), rows, this.arena.kernels);
    return this.acts[this.layers]!.array;
  }

  /**
   * `forward` on a helper thread when one is free (else here, at once): returns the function
   * that waits for it and gives `output`. Until then, leave this network's buffers alone.
   */
  forwardAsync(params: Float32Array, rows: number): () => Float32Array {
    this.checkRows("forward", rows);
    const p = this.paramsPtr(params);
    const tape = this.recorder();
    this.emitForward(p, rows, tape);
    const join = this.arena.runTape(tape.ptr, tape.words);
    return () => {
      join();
      return this.acts[this.layers]!.array;
    };
  }

  private emitForward(p: number, rows: number, k: TapeTarget): void {
    for (let l = 0; l < this.layers; l++) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      k.gemm(
        this.acts[l]!.ptr,
        fanIn,
        1,
        p + 4 * this.kernelOffsets[l]!,
        fanOut,
        p + 4 * this.biasOffsets[l]!,
        this.acts[l + 1]!.ptr,
        fanOut,
        0,
        rows,
        fanIn,
        fanOut,
        l + 1 < this.layers ? this.hiddenAct : Epilogue.none,
      );
    }
  }

  /**
   * Back-propagates `outputGrad` through the network of the last `forward`. Writes every kernel and
   * bias gradient into `grads` (flat, same layout as the parameters; this range is overwritten)
   * and, with `withInput`, ∂loss/∂input into `inputGrad`.
   */
  backward(params: Float32Array, rows: number, grads: Float32Array, withInput = false): void {
    this.checkBackward(rows, grads);
    const p = this.paramsPtr(params);
    const inPlace = this.arena.holds(grads);
    this.emitBackward(p, inPlace ? grads.byteOffset : this.ownGrads.ptr, rows, withInput, this.arena.kernels);
    if (!inPlace) grads.set(this.ownGrads.array);
  }

  /**
   * `backward` on a helper thread when one is free (else here, at once): returns the function
   * that waits for it (and copies the gradients out when `grads` lies outside the arena).
   */
  backwardAsync(params: Float32Array, rows: number, grads: Float32Array, withInput = false): () => void {
    this.checkBackward(rows, grads);
    const p = this.paramsPtr(params);
    const inPlace = this.arena.holds(grads);
    const tape = this.recorder();
    this.emitBackward(p, inPlace ? grads.byteOffset : this.ownGrads.ptr, rows, withInput, tape);
    const join = this.arena.runTape(tape.ptr, tape.words);
    return () => {
      join();
      if (!inPlace) grads.set(this.ownGrads.array);
    };
  }

  private emitBackward(p: number, g: number, rows: number, withInput: boolean, k: TapeTarget): void {
    const wT = this.transposed.ptr;
    for (let l = this.layers - 1; l >= 0; l--) {
      const fanIn = this.sizes[l]!;
      const fanOut = this.sizes[l + 1]!;
      const dz = this.deltas[l]!.ptr;
      const x = this.acts[l]!.ptr;
      const kernel = 4 * this.kernelOffsets[l]!;
      // dW = Xᵀ·dZ: A(i, p) = X[p, i] (row stride 1, column stride fanIn).
      k.gemm(x, 1, fanIn, dz, fanOut, 0, g + kernel, fanOut, 0, fanIn, rows, fanOut, Epilogue.none);
      k.colSum(dz, rows, fanOut, g + 4 * this.biasOffsets[l]!);
      if (l === 0 && !withInput) break;
      // dX = (dZ·Wᵀ) ⊙ f'(X) for a hidden layer's output X (tanh' = 1 − y², relu' = [y > 0]).
      k.transpose(p + kernel, fanIn, fanOut, wT);
      const dx = l === 0 ? this.dInput!.ptr : this.deltas[l - 1]!.ptr;
      k.gemm(
        dz,
        fanOut,
        1,
        wT,
        fanIn,
        0,
        dx,
        fanIn,
        l === 0 ? 0 : x,
        rows,
        fanOut,
        fanIn,
        l === 0 ? Epilogue.none : this.hiddenGrad,
      );
    }
  }

  private checkBackward(rows: number, grads: Float32Array): void {
    this.checkRows("backward", rows);
    checkAttached("gradients", grads);
    if (grads.length < this.parameterCount) {
      throw new ShapeMismatchError(
        `backward: the network has ${this.parameterCount} parameters; got a gradient array of ${grads.length}.`,
      );
    }
  }

  /** An empty tape in this network's arena (one pass's kernel calls; see `TapeRecorder`). */
  private recorder(): TapeRecorder {
    this.tape.words = 0;
    return this.tape;
  }
}

/** What a pass calls: the kernels themselves, or a recorder that writes the calls to a tape. */
type TapeTarget = Pick<Kernels, "gemm" | "colSum" | "transpose">;

/** Kernel calls written as int32 words into an arena, for `Arena.runTape`. */
class TapeRecorder implements TapeTarget {
  readonly ptr: number;
  words = 0;
  private readonly capacity: number;

  constructor(
    private readonly arena: Arena,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.ptr = arena.alloc(capacity);
  }

  private push(values: readonly number[]): void {
    if (this.words + values.length > this.capacity) throw new Error("A fused-engine tape overflowed.");
    new Int32Array(this.arena.buffer, this.ptr + 4 * this.words, values.length).set(values);
    this.words += values.length;
  }

  gemm(...args: Parameters<Kernels["gemm"]>): void {
    this.push([TapeOp.gemm, ...args]);
  }

  colSum(...args: Parameters<Kernels["colSum"]>): void {
    this.push([TapeOp.colSum, ...args]);
  }

  transpose(...args: Parameters<Kernels["transpose"]>): void {
    this.push([TapeOp.transpose, ...args]);
  }
}

/** A view into an arena that has grown since is detached (its buffer is empty): say so. */
function checkAttached(what: string, array: Float32Array): void {
  if (array.buffer.byteLength === 0) {
    throw new ShapeMismatchError(
      `The ${what} array is a detached view: its arena's memory grew after it was taken. Take views again after reserve (or any allocation).`,
    );
  }
}
