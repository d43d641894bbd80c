/**
 * @module
 * The fused engine's encoder layers (issue 18), each a `Layer` over flat rows in an arena.
 * Flatten needs no layer: rows are already flat.
 */
// The contract and the options every layer shares.

// Dense and convolutional layers (one gemm each way, bias and activation fused).
export { Conv2d, type Conv2dOptions } from "./conv2d.js";
export { Dense, type DenseOptions } from "./dense.js";
// Sequences: token embedding and layer normalization over `[T, d]` rows.
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export type { Layer, LayerContext } from "./layer.js";
export { LayerNorm, type LayerNormOptions } from "./layer-norm.js";
// Pooling over HWC images.
export { AvgPool2d, MaxPool2d, type Pool2dOptions } from "./pool.js";
export type { LayerActivation, Padding } from "./support.js";
