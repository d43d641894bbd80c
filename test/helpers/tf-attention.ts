/**
 * The reference for the attention tests: PyTorch's MultiheadAttention (batch first, key padding
 * mask as a −1e9 bias, no dropout) in tfjs ops, over `[rows, N, d]`.
 */
import { tf } from "../../src/nn/engine.js";

export function tfAttention(
  x: tf.Tensor,
  wqkv: tf.Tensor,
  bqkv: tf.Tensor,
  wo: tf.Tensor,
  bo: tf.Tensor,
  mask: tf.Tensor,
  heads: number,
): tf.Tensor {
  const [rows, n, d] = x.shape as [number, number, number];
  const dk = d / heads;
  const qkv = tf.add(tf.matMul(x.reshape([rows * n, d]), wqkv), bqkv).reshape([rows, n, 3 * d]);
  const [q, k, v] = tf.split(qkv, 3, 2);
  const byHead = (t: tf.Tensor) => t.reshape([rows, n, heads, dk]).transpose([0, 2, 1, 3]);
  const scores = tf.div(tf.matMul(byHead(q!), byHead(k!), false, true), Math.sqrt(dk));
  const bias = tf.mul(tf.sub(mask, 1), 1e9).reshape([rows, 1, 1, n]);
  const a = tf.softmax(tf.add(scores, bias));
  const mixed = tf
    .matMul(a, byHead(v!))
    .transpose([0, 2, 1, 3])
    .reshape([rows * n, d]);
  return tf.add(tf.matMul(mixed, wo), bo).reshape([rows, n * d]);
}
