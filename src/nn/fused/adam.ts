/**
 * @module
 * Adam over one flat float32 parameter vector, with the update rule of `src/nn/trainer.ts`
 * (PyTorch's), evaluated operation by operation in float32 as the engine does:
 *
 *     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
 *     w ← w + (−lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * with both bias corrections computed in float64 from the step count. Given the same float32
 * gradient, an update gives the same bits as the tfjs trainer's, on either kernel set (the
 * WebAssembly SIMD loop uses IEEE float32 operations in the same order). The state is the tfjs
 * trainer's `TrainerState` ("mimic-adam" v1), so a checkpoint moves between the two paths.
 *
 * The moments live in an `Arena`. Parameters and gradients inside that arena (a fused trainer
 * shares one) are updated in place; others are copied in and the parameters copied back out.
 */
import { InvalidOptionError } from "../../core/errors.js";
import { decodeFloat32, encodeFloat32 } from "../base64.js";
import type { TrainerState } from "../trainer.js";
import { Arena, type F32Slot, type FusedEngine } from "./arena.js";

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

const f = Math.fround;

export class FusedAdam {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Updates taken so far (Adam's t). */
  step = 0;
  readonly arena: Arena;
  /** Numbers per parameter tensor, for the state's per-tensor moments. */
  private readonly tensorSizes: readonly number[];
  private readonly total: number;
  private readonly mSlot: F32Slot;
  private readonly vSlot: F32Slot;
  /** Room for parameters and gradients that live outside the arena. */
  private readonly wSlot: F32Slot;
  private readonly gSlot: F32Slot;

  /** `arena`: share a fused trainer's arena, or pick the kernels of a new one (default `auto`). */
  constructor(tensorSizes: readonly number[], options: AdamOptions, arena: Arena | FusedEngine = "auto") {
    this.tensorSizes = [...tensorSizes];
    const total = tensorSizes.reduce((a, b) => a + b, 0);
    this.total = total;
    this.arena = arena instanceof Arena ? arena : new Arena(arena);
    this.mSlot = this.arena.slot(total);
    this.vSlot = this.arena.slot(total);
    this.wSlot = this.arena.slot(total);
    this.gSlot = this.arena.slot(total);
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /** Adam's first moment (a view, valid until the arena's next allocation). */
  get m(): Float32Array {
    return this.mSlot.array;
  }

  /** Adam's second moment. */
  get v(): Float32Array {
    return this.vSlot.array;
  }

  /** One update of `params` with `grad` (read as float32, as the engine holds it); advances t. */
  update(params: Float32Array, grad: Float32Array | Float64Array): void {
    const n = this.total;
    if (params.length !== n || grad.length !== n) {
      throw new InvalidOptionError(
        "params",
        `Adam.update: expected ${n} parameters and gradients, got ${params.length} and ${grad.length}.`,
      );
    }
    this.step += 1;
    const t = this.step;
    // The engine's constants are float32 scalars.
    const b1 = f(this.beta1);
    const c1 = f(1 - this.beta1);
    const b2 = f(this.beta2);
    const c2 = f(1 - this.beta2);
    const eps = f(this.epsilon);
    const stepSize = f(-this.learningRate / (1 - this.beta1 ** t));
    const correction2 = f(Math.sqrt(1 - this.beta2 ** t));
    const arena = this.arena;
    const wIn = arena.holds(params);
    const gIn = grad instanceof Float32Array && arena.holds(grad);
    if (!wIn) this.wSlot.array.set(params);
    if (!gIn) this.gSlot.array.set(grad);
    arena.kernels.adam(
      wIn ? params.byteOffset : this.wSlot.ptr,
      gIn ? grad.byteOffset : this.gSlot.ptr,
      this.mSlot.ptr,
      this.vSlot.ptr,
      n,
      b1,
      c1,
      b2,
      c2,
      eps,
      stepSize,
      correction2,
    );
    if (!wIn) params.set(this.wSlot.array);
  }

  getState(): TrainerState {
    let offset = 0;
    const moments = this.tensorSizes.map((size) => {
      const entry = {
        size,
        m: encodeFloat32(this.m.subarray(offset, offset + size)),
        v: encodeFloat32(this.v.subarray(offset, offset + size)),
      };
      offset += size;
      return entry;
    });
    return { format: "mimic-adam", version: 1, step: this.step, learningRate: this.learningRate, moments };
  }

  setState(state: TrainerState): void {
    const bad = (why: string) => new InvalidOptionError("state", `setState: ${why}`);
    if (state?.format !== "mimic-adam" || state.version !== 1) {
      throw bad('not a mimic Adam state (expected format "mimic-adam", version 1).');
    }
    if (!Number.isSafeInteger(state.step) || state.step < 0)
      throw bad(`step must be a count, got ${state.step}.`);
    if (!Number.isFinite(state.learningRate) || state.learningRate <= 0) {
      throw bad(`learningRate must be a positive number, got ${state.learningRate}.`);
    }
    const sizes = this.tensorSizes;
    if (!Array.isArray(state.moments) || state.moments.length !== sizes.length) {
      throw bad(`expected moments for ${sizes.length} parameter tensors, got ${state.moments?.length}.`);
    }
    const decoded = state.moments.map((entry, i) => {
      const mi = decodeFloat32(entry?.m);
      const vi = decodeFloat32(entry?.v);
      if (mi === null || vi === null || mi.length !== sizes[i] || vi.length !== sizes[i]) {
        throw bad(`moments[${i}] should hold ${sizes[i]} float32 values each for m and v.`);
      }
      return [mi, vi] as const;
    });
    let offset = 0;
    const m = this.m;
    const v = this.v;
    decoded.forEach(([mi, vi]) => {
      m.set(mi, offset);
      v.set(vi, offset);
      offset += mi.length;
    });
    this.step = state.step;
    this.learningRate = state.learningRate;
  }
}
