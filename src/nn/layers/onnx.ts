/**
 * @module
 * ONNX for the encoder layers: each emitter turns one layer and its parameters into ONNX nodes and
 * initializers (opset 13) that compute the layer's forward pass on the layer contract's flat rows
 * (`[batch, inputSize]` → `[batch, outputSize]`), so any network made of these layers exports by
 * chaining them. Names are prefixed, so a graph can hold many layers of one kind.
 *
 * - GRU: ONNX `GRU` with `linear_before_reset = 1` (PyTorch's cell), the kernels re-laid from
 *   columns r, z, n to ONNX's rows z, r, h; the input reshaped to `[batch, T, F]` and transposed to
 *   ONNX's time-major `[T, batch, F]`.
 * - Attention: the projections as `MatMul`/`Add`, per-head products through `Reshape` and
 *   `Transpose`, the key mask as a −1e9 bias before `Softmax` and a product with the mask after it
 *   (so a query with no real key gets zeros, as the layer does).
 * - Masked mean pool: `ReduceSum` of the masked items over the count of real ones (at least 1).
 * - Dense: `Gemm`, then the activation.
 * - Conv2d and pooling: ONNX is NCHW, the layers HWC, so the flat rows are reshaped to
 *   `[batch, H, W, C]` and transposed to NCHW, `Conv` (the kernel re-laid from `[kh, kw, Cin,
 *   Cout]` to `[Cout, Cin, kh, kw]`), `MaxPool` or `AveragePool` (`count_include_pad = 0`, as
 *   tfjs averages over the window's pixels inside the image) with explicit pads, and back.
 * - LayerNorm: opset 13 has no `LayerNormalization`, so `ReduceMean`, `Sub`, `Mul`, `Sqrt`, `Div`.
 * - Embedding: `Cast` of the float ids to int64, then `Gather` on the table.
 */

import { FLOAT, INT64, type Initializer, type Node } from "../onnx-proto.js";
import type { MaskedMeanPool, MultiHeadAttention } from "./attention.js";
import type { Conv2d } from "./conv2d.js";
import type { Dense } from "./dense.js";
import type { Embedding } from "./embedding.js";
import type { Gru } from "./gru.js";
import type { LayerNorm } from "./layer-norm.js";
import type { AvgPool2d, MaxPool2d } from "./pool.js";
import type { LayerActivation } from "./support.js";

/** What an emitter adds to a graph, and the name of its output. */
export interface OnnxFragment {
  nodes: Node[];
  initializers: Initializer[];
  output: string;
}

/** The GRU on input `x` (`[batch, T·F]`); output `[batch, H]` or `[batch, T·H]`. */
export function gruToOnnx(layer: Gru, params: Float32Array, x: string, prefix: string): OnnxFragment {
  const { steps: T, inputFeatures: F, hidden: H } = layer;
  const G = 3 * H;
  const wi = params.subarray(0, F * G);
  const wh = params.subarray(F * G, F * G + H * G);
  const bi = params.subarray(F * G + H * G, F * G + H * G + G);
  const bh = params.subarray(F * G + H * G + G, F * G + H * G + 2 * G);
  // mimic's gate columns are r, z, n; ONNX's rows are z, r, h.
  const order = [1, 0, 2];
  const w = new Float32Array(G * F);
  const r = new Float32Array(G * H);
  const b = new Float32Array(2 * G);
  order.forEach((from, to) => {
    for (let j = 0; j < H; j++) {
      for (let f = 0; f < F; f++) w[(to * H + j) * F + f] = wi[f * G + from * H + j]!;
      for (let k = 0; k < H; k++) r[(to * H + j) * H + k] = wh[k * G + from * H + j]!;
      b[to * H + j] = bi[from * H + j]!;
      b[G + to * H + j] = bh[from * H + j]!;
    }
  });
  const p = (name: string) => `${prefix}/${name}`;
  const initializers: Initializer[] = [
    { name: p("W"), dims: [1, G, F], type: FLOAT, values: w },
    { name: p("R"), dims: [1, G, H], type: FLOAT, values: r },
    { name: p("B"), dims: [1, 2 * G], type: FLOAT, values: b },
    { name: p("seq_shape"), dims: [3], type: INT64, values: [0, T, F] },
    { name: p("squeeze_axes"), dims: [1], type: INT64, values: [0] },
  ];
  const nodes: Node[] = [
    { op: "Reshape", inputs: [x, p("seq_shape")], outputs: [p("sequence")] },
    { op: "Transpose", inputs: [p("sequence")], outputs: [p("time_major")], intLists: { perm: [1, 0, 2] } },
  ];
  if (layer.returnSequences) {
    initializers.push({ name: p("out_shape"), dims: [2], type: INT64, values: [0, T * H] });
    nodes.push(
      {
        op: "GRU",
        inputs: [p("time_major"), p("W"), p("R"), p("B")],
        outputs: [p("Y")],
        ints: { hidden_size: H, linear_before_reset: 1 },
      },
      // Y is [T, 1, batch, H]: drop the direction axis, then batch-major rows of T·H.
      { op: "Squeeze", inputs: [p("Y"), p("dir_axis")], outputs: [p("Y_tbh")] },
      { op: "Transpose", inputs: [p("Y_tbh")], outputs: [p("Y_bth")], intLists: { perm: [1, 0, 2] } },
      { op: "Reshape", inputs: [p("Y_bth"), p("out_shape")], outputs: [p("out")] },
    );
    initializers.push({ name: p("dir_axis"), dims: [1], type: INT64, values: [1] });
  } else {
    nodes.push(
      {
        op: "GRU",
        inputs: [p("time_major"), p("W"), p("R"), p("B")],
        outputs: ["", p("Y_h")],
        ints: { hidden_size: H, linear_before_reset: 1 },
      },
      { op: "Squeeze", inputs: [p("Y_h"), p("squeeze_axes")], outputs: [p("out")] },
    );
  }
  return { nodes, initializers, output: p("out") };
}

/**
 * Self-attention on input `x` (`[batch, items·features]`) with the float mask `mask`
 * (`[batch, items]`, 1 = real item), or every item real when `mask` is null.
 */
export function attentionToOnnx(
  layer: MultiHeadAttention,
  params: Float32Array,
  x: string,
  mask: string | null,
  prefix: string,
): OnnxFragment {
  const { items: N, features: d, heads: h } = layer;
  const dk = d / h;
  const p = (name: string) => `${prefix}/${name}`;
  const initializers: Initializer[] = [
    { name: p("Wqkv"), dims: [d, 3 * d], type: FLOAT, values: params.subarray(0, 3 * d * d) },
    { name: p("bqkv"), dims: [3 * d], type: FLOAT, values: params.subarray(3 * d * d, 3 * d * d + 3 * d) },
    {
      name: p("Wo"),
      dims: [d, d],
      type: FLOAT,
      values: params.subarray(3 * d * d + 3 * d, 4 * d * d + 3 * d),
    },
    { name: p("bo"), dims: [d], type: FLOAT, values: params.subarray(4 * d * d + 3 * d, 4 * d * d + 4 * d) },
    { name: p("items_shape"), dims: [3], type: INT64, values: [0, N, d] },
    { name: p("heads_shape"), dims: [4], type: INT64, values: [0, N, h, dk] },
    { name: p("flat_shape"), dims: [2], type: INT64, values: [0, N * d] },
    { name: p("scale"), dims: [], type: FLOAT, values: [1 / Math.sqrt(dk)] },
  ];
  const nodes: Node[] = [
    { op: "Reshape", inputs: [x, p("items_shape")], outputs: [p("items")] },
    { op: "MatMul", inputs: [p("items"), p("Wqkv")], outputs: [p("qkv_raw")] },
    { op: "Add", inputs: [p("qkv_raw"), p("bqkv")], outputs: [p("qkv")] },
    { op: "Split", inputs: [p("qkv")], outputs: [p("q"), p("k"), p("v")], ints: { axis: 2 } },
  ];
  for (const t of ["q", "k", "v"]) {
    nodes.push({ op: "Reshape", inputs: [p(t), p("heads_shape")], outputs: [p(`${t}_heads`)] });
  }
  nodes.push(
    { op: "Transpose", inputs: [p("q_heads")], outputs: [p("q_t")], intLists: { perm: [0, 2, 1, 3] } },
    { op: "Transpose", inputs: [p("k_heads")], outputs: [p("k_t")], intLists: { perm: [0, 2, 3, 1] } },
    { op: "Transpose", inputs: [p("v_heads")], outputs: [p("v_t")], intLists: { perm: [0, 2, 1, 3] } },
    { op: "MatMul", inputs: [p("q_t"), p("k_t")], outputs: [p("dots")] },
    { op: "Mul", inputs: [p("dots"), p("scale")], outputs: [p("scores")] },
  );
  let logits = p("scores");
  let keep: string | null = null;
  if (mask !== null) {
    initializers.push(
      { name: p("mask_shape"), dims: [4], type: INT64, values: [-1, 1, 1, N] },
      { name: p("one"), dims: [], type: FLOAT, values: [1] },
      { name: p("big"), dims: [], type: FLOAT, values: [1e9] },
    );
    nodes.push(
      { op: "Reshape", inputs: [mask, p("mask_shape")], outputs: [p("keys")] },
      { op: "Sub", inputs: [p("keys"), p("one")], outputs: [p("keys_off")] },
      { op: "Mul", inputs: [p("keys_off"), p("big")], outputs: [p("key_bias")] },
      { op: "Add", inputs: [p("scores"), p("key_bias")], outputs: [p("masked_scores")] },
    );
    logits = p("masked_scores");
    keep = p("keys");
  }
  nodes.push({ op: "Softmax", inputs: [logits], outputs: [p("softmax")], ints: { axis: 3 } });
  let weights = p("softmax");
  if (keep !== null) {
    nodes.push({ op: "Mul", inputs: [p("softmax"), keep], outputs: [p("weights")] });
    weights = p("weights");
  }
  nodes.push(
    { op: "MatMul", inputs: [weights, p("v_t")], outputs: [p("mixed_heads")] },
    {
      op: "Transpose",
      inputs: [p("mixed_heads")],
      outputs: [p("mixed_t")],
      intLists: { perm: [0, 2, 1, 3] },
    },
    { op: "Reshape", inputs: [p("mixed_t"), p("items_shape")], outputs: [p("mixed")] },
    { op: "MatMul", inputs: [p("mixed"), p("Wo")], outputs: [p("projected")] },
    { op: "Add", inputs: [p("projected"), p("bo")], outputs: [p("attended")] },
    { op: "Reshape", inputs: [p("attended"), p("flat_shape")], outputs: [p("out")] },
  );
  return { nodes, initializers, output: p("out") };
}

/** The masked mean over items of `x` (`[batch, items·features]`) → `[batch, features]`. */
export function meanPoolToOnnx(
  layer: MaskedMeanPool,
  x: string,
  mask: string | null,
  prefix: string,
): OnnxFragment {
  const { items: N, features: d } = layer;
  const p = (name: string) => `${prefix}/${name}`;
  const initializers: Initializer[] = [
    { name: p("items_shape"), dims: [3], type: INT64, values: [0, N, d] },
    { name: p("axis"), dims: [1], type: INT64, values: [1] },
  ];
  const nodes: Node[] = [{ op: "Reshape", inputs: [x, p("items_shape")], outputs: [p("items")] }];
  if (mask === null) {
    nodes.push({
      op: "ReduceMean",
      inputs: [p("items")],
      outputs: [p("out")],
      intLists: { axes: [1] },
      ints: { keepdims: 0 },
    });
    return { nodes, initializers, output: p("out") };
  }
  initializers.push(
    { name: p("mask_shape"), dims: [3], type: INT64, values: [-1, N, 1] },
    { name: p("one"), dims: [], type: FLOAT, values: [1] },
  );
  nodes.push(
    { op: "Reshape", inputs: [mask, p("mask_shape")], outputs: [p("keep")] },
    { op: "Mul", inputs: [p("items"), p("keep")], outputs: [p("kept")] },
    { op: "ReduceSum", inputs: [p("kept"), p("axis")], outputs: [p("sum")], ints: { keepdims: 0 } },
    { op: "ReduceSum", inputs: [p("keep"), p("axis")], outputs: [p("count_raw")], ints: { keepdims: 0 } },
    { op: "Max", inputs: [p("count_raw"), p("one")], outputs: [p("count")] },
    { op: "Div", inputs: [p("sum"), p("count")], outputs: [p("out")] },
  );
  return { nodes, initializers, output: p("out") };
}

function activationNodes(activation: LayerActivation, z: string, out: string): Node[] {
  if (activation === "none") return [{ op: "Identity", inputs: [z], outputs: [out] }];
  return [{ op: activation === "tanh" ? "Tanh" : "Relu", inputs: [z], outputs: [out] }];
}

/** A dense layer on `x` (`[batch, in]`). */
export function denseToOnnx(layer: Dense, params: Float32Array, x: string, prefix: string): OnnxFragment {
  const p = (name: string) => `${prefix}/${name}`;
  const n = layer.inputSize * layer.outputSize;
  return {
    initializers: [
      {
        name: p("kernel"),
        dims: [layer.inputSize, layer.outputSize],
        type: FLOAT,
        values: params.subarray(0, n),
      },
      {
        name: p("bias"),
        dims: [layer.outputSize],
        type: FLOAT,
        values: params.subarray(n, n + layer.outputSize),
      },
    ],
    nodes: [
      { op: "Gemm", inputs: [x, p("kernel"), p("bias")], outputs: [p("z")] },
      ...activationNodes(layer.activation, p("z"), p("out")),
    ],
    output: p("out"),
  };
}

/** Nodes from flat HWC rows `x` to NCHW, and the initializer they need. */
function toNchw(x: string, [h, w, c]: readonly number[], p: (name: string) => string): OnnxFragment {
  return {
    initializers: [{ name: p("hwc_shape"), dims: [4], type: INT64, values: [-1, h!, w!, c!] }],
    nodes: [
      { op: "Reshape", inputs: [x, p("hwc_shape")], outputs: [p("nhwc")] },
      { op: "Transpose", inputs: [p("nhwc")], outputs: [p("nchw")], intLists: { perm: [0, 3, 1, 2] } },
    ],
    output: p("nchw"),
  };
}

/** Nodes from NCHW `y` back to flat HWC rows. */
function fromNchw(y: string, [h, w, c]: readonly number[], p: (name: string) => string): OnnxFragment {
  return {
    initializers: [{ name: p("flat_shape"), dims: [2], type: INT64, values: [-1, h! * w! * c!] }],
    nodes: [
      { op: "Transpose", inputs: [y], outputs: [p("out_nhwc")], intLists: { perm: [0, 2, 3, 1] } },
      { op: "Reshape", inputs: [p("out_nhwc"), p("flat_shape")], outputs: [p("out")] },
    ],
    output: p("out"),
  };
}

/** ONNX `pads` [top, left, bottom, right] for windows that give `out` from `size` (never negative). */
function windowPads(
  [h, w]: readonly number[],
  [oh, ow]: readonly number[],
  [kh, kw]: readonly number[],
  [sh, sw]: readonly number[],
  top: number,
  left: number,
): number[] {
  const bottom = Math.max(0, (oh! - 1) * sh! + kh! - h! - top);
  const right = Math.max(0, (ow! - 1) * sw! + kw! - w! - left);
  return [top, left, bottom, right];
}

/** A convolution on `x` (`[batch, H·W·Cin]`, HWC) → `[batch, Ho·Wo·Cout]`. */
export function conv2dToOnnx(layer: Conv2d, params: Float32Array, x: string, prefix: string): OnnxFragment {
  const p = (name: string) => `${prefix}/${name}`;
  const [h, w, cin] = layer.inputShape;
  const [oh, ow, cout] = layer.outputShape;
  const { kh, kw, sh, sw } = layer;
  const kernel = new Float32Array(cout * cin * kh * kw);
  for (let ky = 0; ky < kh; ky++)
    for (let kx = 0; kx < kw; kx++)
      for (let ci = 0; ci < cin; ci++)
        for (let co = 0; co < cout; co++)
          kernel[((co * cin + ci) * kh + ky) * kw + kx] = params[((ky * kw + kx) * cin + ci) * cout + co]!;
  const field = kh * kw * cin * cout;
  const inward = toNchw(x, layer.inputShape, p);
  const outward = fromNchw(p("activated"), layer.outputShape, p);
  return {
    initializers: [
      ...inward.initializers,
      { name: p("kernel"), dims: [cout, cin, kh, kw], type: FLOAT, values: kernel },
      { name: p("bias"), dims: [cout], type: FLOAT, values: params.subarray(field, field + cout) },
      ...outward.initializers,
    ],
    nodes: [
      ...inward.nodes,
      {
        op: "Conv",
        inputs: [inward.output, p("kernel"), p("bias")],
        outputs: [p("z")],
        intLists: {
          kernel_shape: [kh, kw],
          strides: [sh, sw],
          pads: windowPads([h, w], [oh, ow], [kh, kw], [sh, sw], layer.padTop, layer.padLeft),
        },
      },
      ...activationNodes(layer.activation, p("z"), p("activated")),
      ...outward.nodes,
    ],
    output: outward.output,
  };
}

/** Max or average pooling on `x` (flat HWC rows). */
export function poolToOnnx(layer: MaxPool2d | AvgPool2d, x: string, prefix: string): OnnxFragment {
  const p = (name: string) => `${prefix}/${name}`;
  const g = layer.g;
  const inward = toNchw(x, g.inputShape, p);
  const outward = fromNchw(p("pooled"), g.outputShape, p);
  const pads = windowPads(g.inputShape, g.outputShape, [g.ph, g.pw], [g.sh, g.sw], g.padTop, g.padLeft);
  return {
    initializers: [...inward.initializers, ...outward.initializers],
    nodes: [
      ...inward.nodes,
      {
        op: layer.kind === "maxPool2d" ? "MaxPool" : "AveragePool",
        inputs: [inward.output],
        outputs: [p("pooled")],
        intLists: { kernel_shape: [g.ph, g.pw], strides: [g.sh, g.sw], pads },
      },
      ...outward.nodes,
    ],
    output: outward.output,
  };
}

/** Layer norm on `x` (`[batch, groups·features]`), each `features`-vector on its own. */
export function layerNormToOnnx(
  layer: LayerNorm,
  params: Float32Array,
  x: string,
  prefix: string,
): OnnxFragment {
  const p = (name: string) => `${prefix}/${name}`;
  const d = layer.features;
  return {
    initializers: [
      { name: p("gamma"), dims: [d], type: FLOAT, values: params.subarray(0, d) },
      { name: p("beta"), dims: [d], type: FLOAT, values: params.subarray(d, 2 * d) },
      { name: p("groups_shape"), dims: [3], type: INT64, values: [-1, layer.groups, d] },
      { name: p("flat_shape"), dims: [2], type: INT64, values: [-1, layer.groups * d] },
      { name: p("epsilon"), dims: [], type: FLOAT, values: [layer.epsilon] },
    ],
    nodes: [
      { op: "Reshape", inputs: [x, p("groups_shape")], outputs: [p("x")] },
      { op: "ReduceMean", inputs: [p("x")], outputs: [p("mean")], intLists: { axes: [2] } },
      { op: "Sub", inputs: [p("x"), p("mean")], outputs: [p("centered")] },
      { op: "Mul", inputs: [p("centered"), p("centered")], outputs: [p("squares")] },
      { op: "ReduceMean", inputs: [p("squares")], outputs: [p("variance")], intLists: { axes: [2] } },
      { op: "Add", inputs: [p("variance"), p("epsilon")], outputs: [p("variance_eps")] },
      { op: "Sqrt", inputs: [p("variance_eps")], outputs: [p("std")] },
      { op: "Div", inputs: [p("centered"), p("std")], outputs: [p("normalized")] },
      { op: "Mul", inputs: [p("normalized"), p("gamma")], outputs: [p("scaled")] },
      { op: "Add", inputs: [p("scaled"), p("beta")], outputs: [p("shifted")] },
      { op: "Reshape", inputs: [p("shifted"), p("flat_shape")], outputs: [p("out")] },
    ],
    output: p("out"),
  };
}

/** Token embedding on `x` (`[batch, T]` float ids) → `[batch, T·dim]`. */
export function embeddingToOnnx(
  layer: Embedding,
  params: Float32Array,
  x: string,
  prefix: string,
): OnnxFragment {
  const p = (name: string) => `${prefix}/${name}`;
  return {
    initializers: [
      {
        name: p("table"),
        dims: [layer.vocab, layer.dim],
        type: FLOAT,
        values: params.subarray(0, layer.vocab * layer.dim),
      },
      { name: p("flat_shape"), dims: [2], type: INT64, values: [-1, layer.length * layer.dim] },
    ],
    nodes: [
      { op: "Cast", inputs: [x], outputs: [p("ids")], ints: { to: INT64 } },
      { op: "Gather", inputs: [p("table"), p("ids")], outputs: [p("vectors")], ints: { axis: 0 } },
      { op: "Reshape", inputs: [p("vectors"), p("flat_shape")], outputs: [p("out")] },
    ],
    output: p("out"),
  };
}
