/**
 * @module
 * The fused engine's encoder layers (issue 18), each a `Layer` over flat rows in an arena:
 * `Dense` and `Conv2d` (one gemm each way, bias and activation fused), `MaxPool2d`/`AvgPool2d`
 * over HWC images, for `[T, d]` sequences `Embedding`, `LayerNorm` and `Gru`, for sets of items
 * `MultiHeadAttention` and `MaskedMeanPool` (with an `ItemMask`), and `Sequential` to chain them;
 * `onnx.ts` turns each into ONNX nodes. Flatten needs no
 * layer: rows are already flat.
 */

export {
  type AttentionOptions,
  ItemMask,
  MaskedMeanPool,
  type MeanPoolOptions,
  MultiHeadAttention,
} from "./attention.js";
export { Conv2d, type Conv2dOptions } from "./conv2d.js";
export { Dense, type DenseOptions } from "./dense.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { Gru, type GruOptions } from "./gru.js";
export type { Layer, LayerContext } from "./layer.js";
export { LayerNorm, type LayerNormOptions } from "./layer-norm.js";
export { AvgPool2d, MaxPool2d, type Pool2dOptions } from "./pool.js";
export { Sequential } from "./sequential.js";
export { PerItem, type SetEncoderOptions, setEncoder } from "./set-encoder.js";
export type { LayerActivation, Padding } from "./support.js";
