/**
 * @module
 * Layer normalization over the last dimension on the fused engine: the semantics of
 * torch.nn.LayerNorm(d) (biased variance, ε = 1e-5 by default, inside the square root) and of
 * tf.layers.layerNormalization on the last axis (whose default ε is 1e-3). A row holds `groups`
 * vectors of `features` numbers (`[T, d]` for a sequence, `groups = 1` for a flat vector), and
 * each vector is normalized on its own:
 *
 *   x̂ = (x − μ) / √(σ² + ε),  y = γ ⊙ x̂ + β,  with μ, σ² the vector's mean and biased variance.
 *
 * Backward is exact, per vector, with `g = γ ⊙ dy` and `rstd = 1/√(σ² + ε)`:
 *
 *   dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  dγ = Σ dy ⊙ x̂,  dβ = Σ dy  (sums over every vector).
 *
 * Elementwise work only (rows·T·d numbers), so TypeScript loops with float64 sums.
 * Parameters: gamma `[d]`, then beta `[d]` (initialized to ones and zeros).
 */
import { InvalidOptionError } from "../../core/errors.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import type { Layer, LayerContext } from "./layer.js";
import { checkInteger, checkOffset, checkRows, checkSlot } from "./support.js";

export interface LayerNormOptions extends LayerContext {
  /** `d`: the numbers in each normalized vector (the last dimension). */
  features: number;
  /** Vectors per row (`T` of a `[T, d]` sequence); default 1. */
  groups?: number;
  /** Added to the variance; default 1e-5 (PyTorch's). */
  epsilon?: number;
}

export class LayerNorm implements Layer {
  readonly kind = "layerNorm";
  readonly features: number;
  readonly groups: number;
  readonly epsilon: number;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly arena: Arena;
  private capacity = 0;
  private output: F32Slot | null = null;
  /** x̂ of the last forward, `[rows, groups, d]`. */
  private normalized: F32Slot | null = null;
  /** 1/√(σ² + ε) per vector of the last forward, `[rows, groups]`. */
  private rstd: F32Slot | null = null;
  private dx: F32Slot | null = null;
  private ran = false;
  /** dγ and dβ while they are summed. */
  private readonly sums: Float64Array;

  constructor(options: LayerNormOptions) {
    this.features = checkInteger("layerNorm.features", options.features);
    this.groups = checkInteger("layerNorm.groups", options.groups ?? 1);
    const epsilon = options.epsilon ?? 1e-5;
    if (!(Number.isFinite(epsilon) && epsilon > 0)) {
      throw new InvalidOptionError(
        "layerNorm.epsilon",
        `layerNorm.epsilon must be a positive number; got ${epsilon}.`,
      );
    }
    this.epsilon = epsilon;
    this.inputSize = this.groups * this.features;
    this.outputSize = this.inputSize;
    this.parameterCount = 2 * this.features;
    this.sums = new Float64Array(2 * this.features);
    this.arena = options.arena;
  }

  parameterShapes(): number[][] {
    return [[this.features], [this.features]];
  }

  /** γ = 1, β = 0 (both libraries' defaults). */
  init(params: Float32Array): void {
    params.fill(1, 0, this.features);
    params.fill(0, this.features, 2 * this.features);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.output = this.arena.slot(rows * this.outputSize);
    this.normalized = this.arena.slot(rows * this.inputSize);
    this.rstd = this.arena.slot(rows * this.groups);
    this.dx = this.arena.slot(rows * this.inputSize);
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    checkRows(this.kind, "forward", rows, this.capacity);
    checkSlot(this.kind, "input", input, rows, [this.groups, this.features], this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    const d = this.features;
    const p = this.arena.view(params, 2 * d);
    const x = input.array;
    const y = this.output!.array;
    const xh = this.normalized!.array;
    const rs = this.rstd!.array;
    for (let v = 0; v < rows * this.groups; v++) {
      const o = v * d;
      let mean = 0;
      for (let j = 0; j < d; j++) mean += x[o + j]!;
      mean /= d;
      let variance = 0;
      for (let j = 0; j < d; j++) {
        const c = x[o + j]! - mean;
        variance += c * c;
      }
      variance /= d;
      const r = 1 / Math.sqrt(variance + this.epsilon);
      rs[v] = r;
      for (let j = 0; j < d; j++) {
        const n = (x[o + j]! - mean) * r;
        xh[o + j] = n;
        y[o + j] = p[j]! * n + p[d + j]!;
      }
    }
    this.ran = true;
    return this.output!;
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    checkRows(this.kind, "backward", rows, this.capacity);
    if (!this.ran) throw new Error("layerNorm backward: call forward first.");
    checkSlot(this.kind, "output gradient", outputGrad, rows, [this.groups, this.features], this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    checkOffset(this.kind, "gradient", grads, this.parameterCount, this.arena);
    const d = this.features;
    const vectors = rows * this.groups;
    const dy = outputGrad.array;
    const xh = this.normalized!.array;
    // dγ, dβ: sums over every vector, in float64.
    const dGamma = this.sums.subarray(0, d);
    const dBeta = this.sums.subarray(d);
    this.sums.fill(0);
    for (let v = 0; v < vectors; v++) {
      const o = v * d;
      for (let j = 0; j < d; j++) {
        const g = dy[o + j]!;
        dGamma[j] += g * xh[o + j]!;
        dBeta[j] += g;
      }
    }
    const g = this.arena.view(grads, 2 * d);
    g.set(dGamma);
    g.set(dBeta, d);
    if (!inputGrad) return null;
    const gamma = this.arena.view(params, d);
    const rs = this.rstd!.array;
    const dx = this.dx!.array;
    for (let v = 0; v < vectors; v++) {
      const o = v * d;
      let meanG = 0;
      let meanGx = 0;
      for (let j = 0; j < d; j++) {
        const gj = gamma[j]! * dy[o + j]!;
        meanG += gj;
        meanGx += gj * xh[o + j]!;
      }
      meanG /= d;
      meanGx /= d;
      const r = rs[v]!;
      for (let j = 0; j < d; j++) dx[o + j] = r * (gamma[j]! * dy[o + j]! - meanG - xh[o + j]! * meanGx);
    }
    return this.dx!;
  }
}
