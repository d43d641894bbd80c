/**
 * @module
 * A set encoder: items of `features` numbers each, embedded one by one, mixed by self-attention
 * with a key mask, and pooled by the masked mean, so the result does not depend on the items'
 * order (Deep Sets / Set Transformer's encoder-then-pool, Zaheer et al. 2017, Lee et al. 2019;
 * here one attention block). It is the encoder a web agent needs for the elements of a page.
 *
 * `PerItem` applies a layer to every item of a row on its own (Keras' `TimeDistributed`): a row
 * of `[N, d]` is N rows of `[d]` to the inner layer, which is the same memory, so it only
 * multiplies the row count.
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import { ItemMask, MaskedMeanPool, MultiHeadAttention } from "./attention.js";
import { Dense } from "./dense.js";
import type { Layer } from "./layer.js";
import { Sequential } from "./sequential.js";
import type { LayerActivation } from "./support.js";

export class PerItem implements Layer {
  readonly kind: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;

  constructor(
    readonly inner: Layer,
    readonly items: number,
  ) {
    if (!Number.isSafeInteger(items) || items < 1) {
      throw new ShapeMismatchError(`PerItem needs a positive number of items, got ${items}.`);
    }
    this.kind = `per-item ${inner.kind}`;
    this.inputSize = items * inner.inputSize;
    this.outputSize = items * inner.outputSize;
    this.parameterCount = inner.parameterCount;
  }

  parameterShapes(): number[][] {
    return this.inner.parameterShapes();
  }

  init(params: Float32Array, rng: Rng): void {
    this.inner.init(params, rng);
  }

  reserve(rows: number): void {
    this.inner.reserve(rows * this.items);
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    return this.inner.forward(params, input, rows * this.items);
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    return this.inner.backward(params, grads, outputGrad, rows * this.items, inputGrad);
  }
}

export interface SetEncoderOptions {
  arena: Arena;
  /** Items per row (N; pad shorter sets and mark the padding in `mask`). */
  items: number;
  /** Numbers per item. */
  features: number;
  /** Width of the item embedding and of the attention (default 64). */
  width?: number;
  /** Attention heads (default 4; must divide `width`). */
  heads?: number;
  activation?: LayerActivation;
}

/**
 * The set encoder as one `Layer` (`[N, features]` rows → `[width]`) and the `ItemMask` to fill
 * before each forward pass: a per-item dense embedding, multi-head self-attention, and the
 * masked mean.
 */
export function setEncoder(options: SetEncoderOptions): { layer: Sequential; mask: ItemMask } {
  const { arena, items, features } = options;
  const width = options.width ?? 64;
  const mask = new ItemMask(arena, items);
  const embed = new PerItem(
    new Dense({ arena, inputSize: features, units: width, activation: options.activation ?? "relu" }),
    items,
  );
  const attention = new MultiHeadAttention({
    arena,
    items,
    features: width,
    heads: options.heads ?? 4,
    mask,
  });
  const pool = new MaskedMeanPool({ arena, items, features: width, mask });
  return { layer: new Sequential([embed, attention, pool]), mask };
}
