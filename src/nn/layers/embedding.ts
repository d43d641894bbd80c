/**
 * @module
 * A token embedding on the fused engine: the semantics of torch.nn.Embedding(vocab, dim) /
 * tf.layers.embedding, i.e. `tf.gather(table, ids)`. A row holds `T` token ids, stored as
 * float32 integers (exact up to 2²⁴, far above any vocabulary here); the output row is their
 * table rows, `[T, dim]`.
 *
 * - forward   copies table row `ids[t]` to output position t; an id that is not an integer in
 *             `[0, vocab)` throws `ShapeMismatchError` naming the value, its row and position;
 * - backward  overwrites the table's gradient with the scatter-add of the output gradient
 *             (`dTable[id] = Σ` of `dy[t]` over the positions holding `id`), as tf.gather's
 *             gradient (unsortedSegmentSum) does.
 *
 * Token ids are not differentiable, so there is no ∂input: `backward(…, inputGrad = true)` throws
 * rather than return zeros a caller might mistake for a gradient. Put an embedding first.
 *
 * Parameters: the table `[vocab, dim]`, initialized U(−0.05, 0.05) (tfjs-layers' default).
 */
import { InvalidOptionError, ShapeMismatchError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import type { Layer, LayerContext } from "./layer.js";
import { checkInteger, checkOffset, checkRows, checkSlot } from "./support.js";

export interface EmbeddingOptions extends LayerContext {
  /** Distinct tokens: ids run from 0 to vocab − 1. */
  vocab: number;
  /** Numbers per token. */
  dim: number;
  /** Tokens per row (`T`). */
  length: number;
}

export class Embedding implements Layer {
  readonly kind = "embedding";
  readonly vocab: number;
  readonly dim: number;
  readonly length: number;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly arena: Arena;
  private capacity = 0;
  private output: F32Slot | null = null;
  private input: F32Slot | null = null;

  constructor(options: EmbeddingOptions) {
    this.vocab = checkInteger("embedding.vocab", options.vocab);
    this.dim = checkInteger("embedding.dim", options.dim);
    this.length = checkInteger("embedding.length", options.length);
    this.inputSize = this.length;
    this.outputSize = this.length * this.dim;
    this.parameterCount = this.vocab * this.dim;
    this.arena = options.arena;
  }

  parameterShapes(): number[][] {
    return [[this.vocab, this.dim]];
  }

  init(params: Float32Array, rng: Rng): void {
    for (let i = 0; i < this.parameterCount; i++) params[i] = rng.uniform(-0.05, 0.05);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.output = this.arena.slot(rows * this.outputSize);
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    checkRows(this.kind, "forward", rows, this.capacity);
    checkSlot(this.kind, "input", input, rows, [this.length], this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    const dim = this.dim;
    const ids = input.array;
    const table = this.arena.view(params, this.parameterCount);
    const y = this.output!.array;
    for (let i = 0; i < rows * this.length; i++) {
      const from = this.row(ids[i]!, i) * dim;
      for (let j = 0; j < dim; j++) y[i * dim + j] = table[from + j]!;
    }
    this.input = input;
    return this.output!;
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    if (inputGrad) {
      throw new InvalidOptionError(
        "inputGrad",
        "embedding backward: token ids are not differentiable, so an embedding has no input gradient; make it the network's first layer and call backward with inputGrad false.",
      );
    }
    checkRows(this.kind, "backward", rows, this.capacity);
    if (this.input === null) throw new Error("embedding backward: call forward first.");
    checkSlot(this.kind, "output gradient", outputGrad, rows, [this.length, this.dim], this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    checkOffset(this.kind, "gradient", grads, this.parameterCount, this.arena);
    const dim = this.dim;
    const ids = this.input.array;
    const dy = outputGrad.array;
    const dTable = this.arena.view(grads, this.parameterCount);
    dTable.fill(0);
    for (let i = 0; i < rows * this.length; i++) {
      const to = this.row(ids[i]!, i) * dim;
      for (let j = 0; j < dim; j++) dTable[to + j] += dy[i * dim + j]!;
    }
    return null;
  }

  /** The table row of token `id`, found at flat input index `at`. */
  private row(id: number, at: number): number {
    if (Number.isInteger(id) && id >= 0 && id < this.vocab) return id;
    const row = Math.floor(at / this.length);
    throw new ShapeMismatchError(
      `embedding: token id ${id} at row ${row}, position ${at - row * this.length} is not in the vocabulary [0, ${this.vocab}); ids must be integers from 0 to ${this.vocab - 1}.`,
    );
  }
}
