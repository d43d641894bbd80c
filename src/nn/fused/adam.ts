/**
 * @module
 * Adam over one flat float32 parameter vector, with the update rule of `src/nn/trainer.ts`
 * (PyTorch's), evaluated operation by operation in float32 as the engine does:
 *
 *     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
 *     w ← w + (−lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * with both bias corrections computed in float64 from the step count. Given the same float32
 * gradient, an update gives the same bits as the tfjs trainer's. The state is the tfjs trainer's
 * `TrainerState` ("mimic-adam" v1), so a checkpoint moves between the two paths.
 */
import { InvalidOptionError } from "../../core/errors.js";
import { decodeFloat32, encodeFloat32 } from "../base64.js";
import type { TrainerState } from "../trainer.js";

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
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Numbers per parameter tensor, for the state's per-tensor moments. */
  private readonly tensorSizes: readonly number[];

  constructor(tensorSizes: readonly number[], options: AdamOptions) {
    this.tensorSizes = [...tensorSizes];
    const total = tensorSizes.reduce((a, b) => a + b, 0);
    this.m = new Float32Array(total);
    this.v = new Float32Array(total);
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /** One update of `params` with `grad` (read as float32, as the engine holds it); advances t. */
  update(params: Float32Array, grad: Float64Array): void {
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
    const m = this.m;
    const v = this.v;
    const n = m.length;
    for (let i = 0; i < n; i++) {
      const g = f(grad[i]!);
      const mi = f(f(m[i]! * b1) + f(g * c1));
      const vi = f(f(v[i]! * b2) + f(f(g * g) * c2));
      m[i] = mi;
      v[i] = vi;
      const denominator = f(f(f(Math.sqrt(vi)) / correction2) + eps);
      params[i] = params[i]! + f(f(mi / denominator) * stepSize);
    }
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
    decoded.forEach(([mi, vi]) => {
      this.m.set(mi, offset);
      this.v.set(vi, offset);
      offset += mi.length;
    });
    this.step = state.step;
    this.learningRate = state.learningRate;
  }
}
