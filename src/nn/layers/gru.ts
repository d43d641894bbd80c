/**
 * @module
 * A single-layer GRU over a sequence, on the fused engine's kernels. The cell is PyTorch's
 * `torch.nn.GRU` (gate order r, z, n; the reset gate applied after the recurrent product, as
 * `reset_after` in Keras and `linear_before_reset = 1` in ONNX):
 *
 *     r = σ(x·W_ir + b_ir + h·W_hr + b_hr)
 *     z = σ(x·W_iz + b_iz + h·W_hz + b_hz)
 *     n = tanh(x·W_in + b_in + r ⊙ (h·W_hn + b_hn))
 *     h' = (1 − z) ⊙ n + z ⊙ h,           h₀ = 0
 *
 * A row is one sequence, time-major: `[T, inputFeatures]`. The output is every hidden state
 * (`[T, hidden]`, `returnSequences`) or the last one (`[hidden]`). Parameters, in order: the
 * input kernel `[inputFeatures, 3·hidden]`, the recurrent kernel `[hidden, 3·hidden]` (columns r,
 * z, n: PyTorch's `weight_ih_l0`/`weight_hh_l0` transposed), then the input and recurrent biases
 * `[3·hidden]` each. Initial values are PyTorch's: uniform in ±1/√hidden.
 *
 * The input projection of all T steps is one matrix product; each step then costs one product
 * `[rows, hidden] × [hidden, 3·hidden]` (not the first: h₋₁ = 0, so its product is the bias) and
 * an elementwise pass (the `gruGates` kernel: SIMD
 * lanes on wasm, where σ(x) is ½·tanh(x/2) + ½ on the rational tanh, so gates agree with the
 * TypeScript kernel's `Math.exp` to a few float32 ulps of 1; 5× faster than the TypeScript loop
 * at 256 rows × 64 units). The backward pass runs the steps
 * in reverse with one product per step for ∂h, then one product each for both kernels' gradients
 * over all steps (the previous states are kept contiguous for that).
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import { Epilogue } from "../fused/kernels-ts.js";
import type { Layer, LayerContext } from "./layer.js";

export interface GruOptions extends LayerContext {
  /** Time steps per sequence (T). */
  steps: number;
  /** Features per time step. */
  inputFeatures: number;
  /** Hidden units. */
  hidden: number;
  /** Output every hidden state (`[T, hidden]`) instead of the last (default false). */
  returnSequences?: boolean;
}

export class Gru implements Layer {
  readonly kind = "gru";
  readonly steps: number;
  readonly inputFeatures: number;
  readonly hidden: number;
  readonly returnSequences: boolean;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  private capacity = 0;
  private input: F32Slot | null = null;
  /** x·W_i + b_i for every step, `[rows·T, 3H]`; then ∂ of it in backward. */
  private gi!: F32Slot;
  /** h·W_h + b_h of one step, `[rows, 3H]`. */
  private gh!: F32Slot;
  /** Per step and row: r, z, n and the recurrent candidate h·W_hn + b_hn, `[rows·T, 4H]`. */
  private cache!: F32Slot;
  /** h_{t−1} for every step, `[rows·T, H]` (h₋₁ = 0). */
  private prev!: F32Slot;
  /** ∂ of the recurrent pre-activations for every step, `[rows·T, 3H]`. */
  private dgh!: F32Slot;
  /** ∂h flowing into the current step, and the product that carries it back, `[rows, H]` each. */
  private dh!: F32Slot;
  private dhBack!: F32Slot;
  private out!: F32Slot;
  private dInput!: F32Slot;
  /** Transposed kernels for the backward products. */
  private readonly wiT: F32Slot;
  private readonly whT: F32Slot;

  private readonly arena: Arena;

  constructor(options: GruOptions) {
    const arena = options.arena;
    this.arena = arena;
    const { steps, inputFeatures, hidden } = options;
    for (const [name, v] of [
      ["steps", steps],
      ["inputFeatures", inputFeatures],
      ["hidden", hidden],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new ShapeMismatchError(`GRU ${name} must be a positive integer, got ${v}.`);
      }
    }
    this.steps = steps;
    this.inputFeatures = inputFeatures;
    this.hidden = hidden;
    this.returnSequences = options.returnSequences ?? false;
    this.inputSize = steps * inputFeatures;
    this.outputSize = this.returnSequences ? steps * hidden : hidden;
    this.parameterCount = 3 * hidden * (inputFeatures + hidden + 2);
    this.wiT = arena.slot(3 * hidden * inputFeatures);
    this.whT = arena.slot(3 * hidden * hidden);
  }

  parameterShapes(): number[][] {
    const g = 3 * this.hidden;
    return [[this.inputFeatures, g], [this.hidden, g], [g], [g]];
  }

  init(params: Float32Array, rng: Rng): void {
    const limit = 1 / Math.sqrt(this.hidden);
    for (let i = 0; i < this.parameterCount; i++) params[i] = rng.uniform(-limit, limit);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const { arena, steps: t, hidden: h } = this;
    this.capacity = rows;
    this.gi = arena.slot(rows * t * 3 * h);
    this.gh = arena.slot(rows * 3 * h);
    this.cache = arena.slot(rows * t * 4 * h);
    this.prev = arena.slot(rows * t * h);
    this.dgh = arena.slot(rows * t * 3 * h);
    this.dh = arena.slot(rows * h);
    this.dhBack = arena.slot(rows * h);
    this.out = arena.slot(rows * this.outputSize);
    this.dInput = arena.slot(rows * this.inputSize);
  }

  /** Byte offsets of the four parameter tensors from the layer's first parameter. */
  private offsets(p: number): { wi: number; wh: number; bi: number; bh: number } {
    const g = 3 * this.hidden;
    const wi = p;
    const wh = wi + 4 * this.inputFeatures * g;
    const bi = wh + 4 * this.hidden * g;
    return { wi, wh, bi, bh: bi + 4 * g };
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    this.check("forward", input, rows, this.inputSize);
    this.reserve(rows);
    this.input = input;
    const { steps: T, hidden: H } = this;
    const G = 3 * H;
    const k = this.arena.kernels;
    const { wi, wh, bi, bh } = this.offsets(params);
    // The input projection of every step at once: [rows·T, F] × [F, 3H] + b_i.
    k.gemm(
      input.ptr,
      this.inputFeatures,
      1,
      wi,
      G,
      bi,
      this.gi.ptr,
      G,
      0,
      rows * T,
      this.inputFeatures,
      G,
      Epilogue.none,
    );
    const prev = this.prev.array;
    for (let r = 0; r < rows; r++) prev.fill(0, r * T * H, r * T * H + H);
    for (let t = 0; t < T; t++) {
      if (t === 0) {
        // h₋₁ = 0, so h₋₁·W_h + b_h is b_h: every row gets the bias, no product.
        const bias = this.arena.view(bh, G);
        const gh = this.gh.array;
        for (let r = 0; r < rows; r++) gh.set(bias, r * G);
      } else {
        // h_{t−1}·W_h + b_h, with h_{t−1} read in place from `prev` (row stride T·H).
        k.gemm(this.prev.ptr + 4 * t * H, T * H, 1, wh, G, bh, this.gh.ptr, G, 0, rows, H, G, Epilogue.none);
      }
      // The gates, elementwise: h_t goes to the next step's slot of `prev`, or out at the last step.
      const last = t + 1 === T;
      const toOut = last && !this.returnSequences;
      k.gruGates(
        this.gi.ptr + 4 * t * G,
        T * G,
        this.gh.ptr,
        this.prev.ptr + 4 * t * H,
        T * H,
        this.cache.ptr + 16 * t * H,
        T * 4 * H,
        toOut ? this.out.ptr : last ? this.out.ptr + 4 * t * H : this.prev.ptr + 4 * (t + 1) * H,
        toOut ? H : T * H,
        rows,
        H,
      );
      if (this.returnSequences && !last) {
        const prev = this.prev.array;
        const out = this.out.array;
        for (let r = 0; r < rows; r++) {
          const from = (r * T + t + 1) * H;
          out.set(prev.subarray(from, from + H), (r * T + t) * H);
        }
      }
    }
    return this.out;
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    const input = this.input;
    if (input === null) throw new ShapeMismatchError("GRU backward: call forward first.");
    this.check("backward", outputGrad, rows, this.outputSize);
    const { steps: T, hidden: H, inputFeatures: F } = this;
    const G = 3 * H;
    const k = this.arena.kernels;
    const w = this.offsets(params);
    const g = this.offsets(grads);
    k.transpose(w.wh, H, G, this.whT.ptr);
    this.dh.array.fill(0, 0, rows * H);
    for (let t = T - 1; t >= 0; t--) {
      // ∂ of the gates, elementwise (the forward projections are no longer needed: ∂Gi overwrites them).
      const dyAt = this.returnSequences ? outputGrad.ptr + 4 * t * H : t + 1 === T ? outputGrad.ptr : 0;
      k.gruGatesBackward(
        this.cache.ptr + 16 * t * H,
        T * 4 * H,
        this.prev.ptr + 4 * t * H,
        T * H,
        this.dh.ptr,
        dyAt,
        this.returnSequences ? T * H : H,
        this.gi.ptr + 4 * t * G,
        this.dgh.ptr + 4 * t * G,
        T * G,
        rows,
        H,
      );
      if (t > 0) {
        k.gemm(
          this.dgh.ptr + 4 * t * G,
          T * G,
          1,
          this.whT.ptr,
          H,
          0,
          this.dhBack.ptr,
          H,
          0,
          rows,
          G,
          H,
          Epilogue.none,
        );
        // ∂h_{t−1} = z ⊙ ∂h_t (left in dh by the gates) + the recurrent path (1·x: the same bits as a sum).
        k.axpy(this.dh.ptr, this.dhBack.ptr, rows * H, 1);
      }
    }
    const n = rows * T;
    // Kernel gradients over all steps: Xᵀ·∂Gi and H_prevᵀ·∂Gh (A read transposed in place).
    k.gemm(input.ptr, 1, F, this.gi.ptr, G, 0, g.wi, G, 0, F, n, G, Epilogue.none);
    k.gemm(this.prev.ptr, 1, H, this.dgh.ptr, G, 0, g.wh, G, 0, H, n, G, Epilogue.none);
    k.colSum(this.gi.ptr, n, G, g.bi);
    k.colSum(this.dgh.ptr, n, G, g.bh);
    if (!inputGrad) return null;
    k.transpose(w.wi, F, G, this.wiT.ptr);
    k.gemm(this.gi.ptr, G, 1, this.wiT.ptr, F, 0, this.dInput.ptr, F, 0, n, G, F, Epilogue.none);
    return this.dInput;
  }

  private check(what: string, slot: F32Slot, rows: number, width: number): void {
    if (!Number.isInteger(rows) || rows < 1) {
      throw new ShapeMismatchError(`GRU ${what}: rows must be a positive integer, got ${rows}.`);
    }
    if (slot.length < rows * width) {
      throw new ShapeMismatchError(
        `GRU ${what}: ${rows} rows of [${rows}, ${width}] need ${rows * width} numbers (T=${this.steps}), got a buffer of ${slot.length}.`,
      );
    }
  }
}
