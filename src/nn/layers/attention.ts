/**
 * @module
 * Multi-head self-attention over a set or sequence of items, with a key mask, and a masked mean
 * pool: the blocks of a set encoder. The attention is `torch.nn.MultiheadAttention`'s with
 * `batch_first`, `key_padding_mask` (here 1 = a real item, 0 = padding) and no dropout:
 *
 *     [Q K V] = X·W_qkv + b_qkv,   per head a: A = softmax(Q_a·K_aᵀ / √d_k, masked keys → 0)
 *     Y = concat_a(A·V_a)·W_o + b_o
 *
 * A row is `[items, features]`. Parameters, in order: W_qkv `[features, 3·features]` (columns
 * Q, K, V, each split into heads of d_k = features / heads; PyTorch's `in_proj_weight`
 * transposed), b_qkv `[3·features]`, W_o `[features, features]`, b_o `[features]`. A query whose
 * keys are all masked attends to nothing and gets b_o (PyTorch gives NaN there).
 *
 * The projections are matrix products on the fused kernels over all rows' items at once; the
 * per-head products are items × real items × d_k per row, in float64 loops (sets of UI elements
 * are tens of items, where a kernel call per head would cost more than the arithmetic). Masked
 * keys are left out of those loops: their weight is exactly 0, so the sums are the same, and a
 * page padded to 73 item slots with 15 real ones costs a fifth of the full loops.
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import { Epilogue } from "../fused/kernels-ts.js";
import type { Layer, LayerContext } from "./layer.js";

/**
 * Which items of each row are real (1) and which are padding (0), `[rows, items]`: shared by the
 * layers of one set encoder, filled by the caller before `forward`. Without values set, every
 * item counts.
 */
export class ItemMask {
  private slot: F32Slot | null = null;
  private rows = 0;

  constructor(
    private readonly arena: Arena,
    readonly items: number,
  ) {}

  /** Sets the mask of `rows` rows from `values` (`[rows, items]`, each 0 or 1). */
  set(values: ArrayLike<number>, rows: number): void {
    if (values.length < rows * this.items) {
      throw new ShapeMismatchError(
        `An item mask of ${rows} rows × ${this.items} items needs ${rows * this.items} values, got ${values.length}.`,
      );
    }
    if (this.slot === null || this.slot.length < rows * this.items)
      this.slot = this.arena.slot(rows * this.items);
    const m = this.slot.array;
    for (let i = 0; i < rows * this.items; i++) {
      const v = values[i]!;
      if (v !== 0 && v !== 1) {
        throw new ShapeMismatchError(
          `Item mask values are 0 (padding) or 1 (an item); row ${Math.floor(i / this.items)}, item ${i % this.items} is ${v}.`,
        );
      }
      m[i] = v;
    }
    this.rows = rows;
  }

  /** Every item counts again. */
  clear(): void {
    this.rows = 0;
  }

  /** Whether item `j` of row `r` is real. */
  has(r: number, j: number): boolean {
    return r >= this.rows || this.slot === null || this.slot.array[r * this.items + j] === 1;
  }
}

export interface AttentionOptions extends LayerContext {
  items: number;
  features: number;
  heads: number;
  /** The key mask (default: every item is real). */
  mask?: ItemMask;
}

export class MultiHeadAttention implements Layer {
  readonly kind = "attention";
  readonly items: number;
  readonly features: number;
  readonly heads: number;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly mask: ItemMask | null;
  private capacity = 0;
  private input: F32Slot | null = null;
  /** Q, K, V of every item, `[rows·items, 3·features]`; ∂ of them in backward. */
  private qkv!: F32Slot;
  private dqkv!: F32Slot;
  /** Attention weights, `[rows, heads, items, items]`. */
  private weights!: F32Slot;
  /** The heads' outputs concatenated, `[rows·items, features]`, and its gradient. */
  private mixed!: F32Slot;
  private dMixed!: F32Slot;
  private out!: F32Slot;
  private dInput!: F32Slot;
  private readonly woT: F32Slot;
  private readonly wqkvT: F32Slot;
  private readonly scratch: Float64Array;
  /** The real items of the row at hand (the keys a query can attend to). */
  private readonly keys: Int32Array;

  private readonly arena: Arena;

  constructor(options: AttentionOptions) {
    const arena = options.arena;
    this.arena = arena;
    const { items, features, heads } = options;
    for (const [name, v] of [
      ["items", items],
      ["features", features],
      ["heads", heads],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new ShapeMismatchError(`Attention ${name} must be a positive integer, got ${v}.`);
      }
    }
    if (features % heads !== 0) {
      throw new ShapeMismatchError(
        `Attention features (${features}) must divide into ${heads} heads evenly.`,
      );
    }
    if (options.mask !== undefined && options.mask.items !== items) {
      throw new ShapeMismatchError(
        `The item mask covers ${options.mask.items} items; the attention has ${items}.`,
      );
    }
    this.items = items;
    this.features = features;
    this.heads = heads;
    this.mask = options.mask ?? null;
    this.inputSize = this.outputSize = items * features;
    this.parameterCount = 4 * features * features + 4 * features;
    this.woT = arena.slot(features * features);
    this.wqkvT = arena.slot(3 * features * features);
    this.scratch = new Float64Array(2 * items);
    this.keys = new Int32Array(items);
  }

  parameterShapes(): number[][] {
    const d = this.features;
    return [[d, 3 * d], [3 * d], [d, d], [d]];
  }

  /** Xavier-uniform kernels (PyTorch's `in_proj_weight` init), zero biases. */
  init(params: Float32Array, rng: Rng): void {
    const d = this.features;
    const o = this.offsets(0);
    const inLimit = Math.sqrt(6 / (d + 3 * d));
    for (let i = 0; i < 3 * d * d; i++) params[i] = rng.uniform(-inLimit, inLimit);
    params.fill(0, o.bqkv / 4, o.wo / 4);
    const outLimit = 1 / Math.sqrt(d);
    for (let i = o.wo / 4; i < o.bo / 4; i++) params[i] = rng.uniform(-outLimit, outLimit);
    params.fill(0, o.bo / 4, this.parameterCount);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const { arena, items: n, features: d } = this;
    this.capacity = rows;
    this.qkv = arena.slot(rows * n * 3 * d);
    this.dqkv = arena.slot(rows * n * 3 * d);
    this.weights = arena.slot(rows * this.heads * n * n);
    this.mixed = arena.slot(rows * n * d);
    this.dMixed = arena.slot(rows * n * d);
    this.out = arena.slot(rows * n * d);
    this.dInput = arena.slot(rows * n * d);
  }

  private offsets(p: number): { wqkv: number; bqkv: number; wo: number; bo: number } {
    const d = this.features;
    const bqkv = p + 4 * 3 * d * d;
    const wo = bqkv + 4 * 3 * d;
    return { wqkv: p, bqkv, wo, bo: wo + 4 * d * d };
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    this.check("forward", input, rows);
    this.reserve(rows);
    this.input = input;
    const { items: n, features: d, heads } = this;
    const dk = d / heads;
    const scale = 1 / Math.sqrt(dk);
    const k = this.arena.kernels;
    const w = this.offsets(params);
    k.gemm(input.ptr, d, 1, w.wqkv, 3 * d, w.bqkv, this.qkv.ptr, 3 * d, 0, rows * n, d, 3 * d, Epilogue.none);
    const qkv = this.qkv.array;
    const att = this.weights.array;
    const mixed = this.mixed.array;
    const s = this.scratch;
    const keys = this.keys;
    for (let r = 0; r < rows; r++) {
      // Loops run over the real keys only: a masked key's weight is exactly 0, so leaving it out
      // changes no sum, and padded sets cost items × real items instead of items².
      const real = this.realKeys(r);
      for (let a = 0; a < heads; a++) {
        const base = (r * heads + a) * n * n;
        for (let i = 0; i < n; i++) {
          const qi = (r * n + i) * 3 * d + a * dk;
          let max = Number.NEGATIVE_INFINITY;
          s.fill(0, 0, n);
          for (let t = 0; t < real; t++) {
            const j = keys[t]!;
            const kj = (r * n + j) * 3 * d + d + a * dk;
            let dot = 0;
            for (let c = 0; c < dk; c++) dot += qkv[qi + c]! * qkv[kj + c]!;
            s[j] = dot * scale;
            if (s[j]! > max) max = s[j]!;
          }
          let sum = 0;
          for (let t = 0; t < real; t++) {
            const j = keys[t]!;
            const e = Math.exp(s[j]! - max);
            s[j] = e;
            sum += e;
          }
          const inv = sum > 0 ? 1 / sum : 0;
          for (let j = 0; j < n; j++) att[base + i * n + j] = s[j]! * inv;
          const oi = (r * n + i) * d + a * dk;
          for (let c = 0; c < dk; c++) {
            let acc = 0;
            for (let t = 0; t < real; t++) {
              const j = keys[t]!;
              acc += s[j]! * inv * qkv[(r * n + j) * 3 * d + 2 * d + a * dk + c]!;
            }
            mixed[oi + c] = acc;
          }
        }
      }
    }
    k.gemm(this.mixed.ptr, d, 1, w.wo, d, w.bo, this.out.ptr, d, 0, rows * n, d, d, Epilogue.none);
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
    if (input === null) throw new ShapeMismatchError("Attention backward: call forward first.");
    this.check("backward", outputGrad, rows);
    const { items: n, features: d, heads } = this;
    const dk = d / heads;
    const scale = 1 / Math.sqrt(dk);
    const k = this.arena.kernels;
    const w = this.offsets(params);
    const g = this.offsets(grads);
    const m = rows * n;
    // Output projection: ∂W_o = mixedᵀ·∂Y, ∂b_o = Σ ∂Y, ∂mixed = ∂Y·W_oᵀ.
    k.gemm(this.mixed.ptr, 1, d, outputGrad.ptr, d, 0, g.wo, d, 0, d, m, d, Epilogue.none);
    k.colSum(outputGrad.ptr, m, d, g.bo);
    k.transpose(w.wo, d, d, this.woT.ptr);
    k.gemm(outputGrad.ptr, d, 1, this.woT.ptr, d, 0, this.dMixed.ptr, d, 0, m, d, d, Epilogue.none);
    const qkv = this.qkv.array;
    const att = this.weights.array;
    const dMixed = this.dMixed.array;
    const dqkv = this.dqkv.array;
    dqkv.fill(0, 0, m * 3 * d);
    const dA = this.scratch;
    const keys = this.keys;
    for (let r = 0; r < rows; r++) {
      // As in forward, only real keys: a masked key's weight is 0, so its terms are all 0.
      const real = this.realKeys(r);
      for (let a = 0; a < heads; a++) {
        const base = (r * heads + a) * n * n;
        for (let i = 0; i < n; i++) {
          const oi = (r * n + i) * d + a * dk;
          let dot = 0;
          for (let t = 0; t < real; t++) {
            const j = keys[t]!;
            const vj = (r * n + j) * 3 * d + 2 * d + a * dk;
            let acc = 0;
            for (let c = 0; c < dk; c++) acc += dMixed[oi + c]! * qkv[vj + c]!;
            dA[j] = acc;
            const aij = att[base + i * n + j]!;
            dot += aij * acc;
            // ∂V_j += A_ij · ∂O_i
            const dvj = (r * n + j) * 3 * d + 2 * d + a * dk;
            if (aij !== 0)
              for (let c = 0; c < dk; c++) dqkv[dvj + c] = dqkv[dvj + c]! + aij * dMixed[oi + c]!;
          }
          const qi = (r * n + i) * 3 * d + a * dk;
          for (let t = 0; t < real; t++) {
            const j = keys[t]!;
            const aij = att[base + i * n + j]!;
            if (aij === 0) continue;
            const ds = aij * (dA[j]! - dot) * scale;
            const kj = (r * n + j) * 3 * d + d + a * dk;
            for (let c = 0; c < dk; c++) {
              dqkv[qi + c] = dqkv[qi + c]! + ds * qkv[kj + c]!;
              dqkv[kj + c] = dqkv[kj + c]! + ds * qkv[qi + c]!;
            }
          }
        }
      }
    }
    k.gemm(input.ptr, 1, d, this.dqkv.ptr, 3 * d, 0, g.wqkv, 3 * d, 0, d, m, 3 * d, Epilogue.none);
    k.colSum(this.dqkv.ptr, m, 3 * d, g.bqkv);
    if (!inputGrad) return null;
    k.transpose(w.wqkv, d, 3 * d, this.wqkvT.ptr);
    k.gemm(this.dqkv.ptr, 3 * d, 1, this.wqkvT.ptr, d, 0, this.dInput.ptr, d, 0, m, 3 * d, d, Epilogue.none);
    return this.dInput;
  }

  private hasItem(r: number, j: number): boolean {
    return this.mask === null || this.mask.has(r, j);
  }

  /** Writes row `r`'s real items into `keys`, in order; returns how many there are. */
  private realKeys(r: number): number {
    let count = 0;
    for (let j = 0; j < this.items; j++) if (this.hasItem(r, j)) this.keys[count++] = j;
    return count;
  }

  private check(what: string, slot: F32Slot, rows: number): void {
    if (!Number.isInteger(rows) || rows < 1) {
      throw new ShapeMismatchError(`Attention ${what}: rows must be a positive integer, got ${rows}.`);
    }
    if (slot.length < rows * this.inputSize) {
      throw new ShapeMismatchError(
        `Attention ${what}: ${rows} rows of [${this.items}, ${this.features}] need ${rows * this.inputSize} numbers, got a buffer of ${slot.length}.`,
      );
    }
  }
}

/**
 * The mean of each row's real items (`[items, features]` → `[features]`): a set encoder's
 * read-out, invariant to the items' order. A row with no real item gives zeros.
 */
export interface MeanPoolOptions extends LayerContext {
  items: number;
  features: number;
  /** Which items are real (default: all). */
  mask?: ItemMask;
}

export class MaskedMeanPool implements Layer {
  readonly kind = "masked-mean-pool";
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  private capacity = 0;
  private out!: F32Slot;
  private dInput!: F32Slot;

  readonly items: number;
  readonly features: number;
  readonly mask: ItemMask | null;
  private readonly arena: Arena;

  constructor(options: MeanPoolOptions) {
    const { arena, items, features } = options;
    this.arena = arena;
    this.items = items;
    this.features = features;
    this.mask = options.mask ?? null;
    if (!Number.isSafeInteger(items) || items < 1 || !Number.isSafeInteger(features) || features < 1) {
      throw new ShapeMismatchError(
        `A mean pool needs positive items and features, got ${items} × ${features}.`,
      );
    }
    this.inputSize = items * features;
    this.outputSize = features;
  }

  parameterShapes(): number[][] {
    return [];
  }

  init(): void {}

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.out = this.arena.slot(rows * this.features);
    this.dInput = this.arena.slot(rows * this.inputSize);
  }

  private count(r: number): number {
    let c = 0;
    for (let j = 0; j < this.items; j++) if (this.mask === null || this.mask.has(r, j)) c++;
    return c;
  }

  forward(_params: number, input: F32Slot, rows: number): F32Slot {
    if (input.length < rows * this.inputSize) {
      throw new ShapeMismatchError(
        `Mean pool: ${rows} rows of [${this.items}, ${this.features}] need ${rows * this.inputSize} numbers, got ${input.length}.`,
      );
    }
    this.reserve(rows);
    const x = input.array;
    const y = this.out.array;
    const { items: n, features: d } = this;
    for (let r = 0; r < rows; r++) {
      const c = this.count(r);
      for (let f = 0; f < d; f++) {
        let s = 0;
        for (let j = 0; j < n; j++)
          if (this.mask === null || this.mask.has(r, j)) s += x[(r * n + j) * d + f]!;
        y[r * d + f] = c > 0 ? s / c : 0;
      }
    }
    return this.out;
  }

  backward(
    _params: number,
    _grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    if (!inputGrad) return null;
    const dy = outputGrad.array;
    const dx = this.dInput.array;
    const { items: n, features: d } = this;
    for (let r = 0; r < rows; r++) {
      const c = this.count(r);
      for (let j = 0; j < n; j++) {
        const real = c > 0 && (this.mask === null || this.mask.has(r, j));
        for (let f = 0; f < d; f++) dx[(r * n + j) * d + f] = real ? dy[r * d + f]! / c : 0;
      }
    }
    return this.dInput;
  }
}
