/**
 * @module
 * ONNX export: a policy as an ONNX model (IR 7, opset 13) that takes the raw observation and
 * returns the deterministic action, so ONNX Runtime (Python, C++, the browser) or any other ONNX
 * consumer can run it without mimic.
 *
 * The graph, for input `observation` (float32 `[batch, obsDim]`):
 * - normalization: `Sub(observation, obs_mean)`, `Div(·, obs_std)` (when the policy has it);
 * - per layer `Gemm(h, dense_i/kernel, dense_i/bias)`, then `Tanh` or `Relu` on hidden layers;
 * - Discrete: `ArgMax(logits, axis 1, keepdims 0)` (+ `Add` of the space's start) → `action`
 *   (int64 `[batch]`), and `Softmax(logits, axis 1)` → `probabilities` (float32 `[batch, n]`);
 * - MultiDiscrete: per dimension `Slice` + `ArgMax(keepdims 1)`, `Concat`, `Add` of the starts →
 *   `action` (int64 `[batch, dims]`);
 * - Box: the mean clipped to the box → `action` (float32 `[batch, dims]`): `Clip` when every
 *   dimension has the same bounds (opset 13 takes them as scalar inputs), `Max` then `Min`
 *   otherwise, with the bounds rounded inward to float32 as the policy clips.
 *
 * The protocol buffer is written by hand (about sixty lines below) instead of with a generated
 * protobufjs codec: the model needs a dozen fields of six messages, and a runtime dependency on
 * protobufjs (plus a package that bundles a dated copy of onnx.proto) is more than that is worth.
 * Field numbers are from onnx/onnx.proto: `ModelProto { ir_version 1; producer_name 2;
 * producer_version 3; doc_string 6; graph 7; opset_import 8; metadata_props 14 }`,
 * `GraphProto { node 1; name 2; initializer 5; input 11; output 12 }`, `NodeProto { input 1;
 * output 2; name 3; op_type 4; attribute 5 }`, `AttributeProto { name 1; i 3; type 20 (INT = 2) }`,
 * `TensorProto { dims 1; data_type 2 (FLOAT = 1, INT64 = 7); name 8; raw_data 9 }`,
 * `ValueInfoProto { name 1; type 2 }`, `TypeProto { tensor_type 1 }`, `TypeProto.Tensor
 * { elem_type 1; shape 2 }`, `TensorShapeProto { dim 1 }`, `Dimension { dim_value 1; dim_param 2 }`,
 * `OperatorSetIdProto { domain 1; version 2 }`, `StringStringEntryProto { key 1; value 2 }`.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pythonKwargs } from "../core/env.js";
import { InvalidSpaceError } from "../core/errors.js";
import { VERSION } from "../version.js";
import { type CompiledPolicyJson, compilePolicy } from "./compile.js";
import type { NeuralPolicy } from "./policy.js";

/** The ONNX IR version and operator set the exported models declare. */
export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;

// ---------------------------------------------------------------------------------------------
// A minimal protocol buffer writer
// ---------------------------------------------------------------------------------------------

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const utf8 = new TextEncoder();

/** One message under construction; nested messages are finished and added as bytes. */
class Message {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.size += bytes.length;
    return this;
  }

  /** A non-negative integer below 2⁵³ as a base-128 varint. */
  private varintBytes(value: number): Uint8Array {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: ${value}`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return Uint8Array.from(out);
  }

  int(field: number, value: number): this {
    this.push(this.varintBytes(field * 8 + VARINT));
    return this.push(this.varintBytes(value));
  }

  bytes(field: number, payload: Uint8Array): this {
    this.push(this.varintBytes(field * 8 + LENGTH_DELIMITED));
    this.push(this.varintBytes(payload.length));
    return this.push(payload);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, message: Message): this {
    return this.bytes(field, message.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX messages
// ---------------------------------------------------------------------------------------------

interface Initializer {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  values: ArrayLike<number>;
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
}

/** A dimension: a fixed size, or a name for a dynamic one. */
type Dim = number | string;

function tensorProto(t: Initializer): Message {
  const width = t.type === FLOAT ? 4 : 8;
  const view = new DataView(new ArrayBuffer(t.values.length * width));
  for (let i = 0; i < t.values.length; i++) {
    if (t.type === FLOAT) view.setFloat32(i * 4, t.values[i]!, true);
    else view.setBigInt64(i * 8, BigInt(t.values[i]!), true);
  }
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  return m.int(2, t.type).string(8, t.name).bytes(9, new Uint8Array(view.buffer));
}

function nodeProto(node: Node, index: number): Message {
  const m = new Message();
  for (const input of node.inputs) m.string(1, input);
  for (const output of node.outputs) m.string(2, output);
  m.string(3, `${node.op.toLowerCase()}_${index}`).string(4, node.op);
  for (const [name, value] of Object.entries(node.ints ?? {})) {
    m.message(5, new Message().string(1, name).int(3, value).int(20, ATTRIBUTE_INT));
  }
  return m;
}

function valueInfo(name: string, elemType: number, dims: Dim[]): Message {
  const shape = new Message();
  for (const d of dims) {
    shape.message(1, typeof d === "number" ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, elemType).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

// ---------------------------------------------------------------------------------------------
// The policy graph
// ---------------------------------------------------------------------------------------------

/** The ONNX model (serialized `ModelProto`) for a compiled policy. */
export function encodeOnnx(policy: CompiledPolicyJson): Uint8Array {
  const { observation, network, head } = policy;
  if (observation.kind !== "box" && observation.kind !== "multi-binary") {
    throw new InvalidSpaceError(
      `ONNX export reads Box and MultiBinary observations as float32 vectors; this policy's observation space is ${observation.kind}. Export it with --format json instead.`,
    );
  }
  const initializers: Initializer[] = [];
  const nodes: Node[] = [];
  const batch = "batch";
  const obsDim = observation.size;

  // Normalization: (observation − mean) / std.
  let x = "observation";
  if (observation.kind === "box" && observation.mean !== null && observation.std !== null) {
    initializers.push(
      { name: "obs_mean", dims: [obsDim], type: FLOAT, values: observation.mean },
      { name: "obs_std", dims: [obsDim], type: FLOAT, values: observation.std },
    );
    nodes.push(
      { op: "Sub", inputs: [x, "obs_mean"], outputs: ["obs_centered"] },
      { op: "Div", inputs: ["obs_centered", "obs_std"], outputs: ["obs_normalized"] },
    );
    x = "obs_normalized";
  }

  // The MLP: Gemm per layer, the activation on hidden layers.
  const sizes = network.layerSizes;
  const layers = sizes.length - 1;
  const paramsName = head.kind === "gaussian" ? "mean" : "logits";
  for (let layer = 0; layer < layers; layer++) {
    const kernel = `dense_${layer}/kernel`;
    const bias = `dense_${layer}/bias`;
    initializers.push(
      {
        name: kernel,
        dims: [sizes[layer]!, sizes[layer + 1]!],
        type: FLOAT,
        values: network.weights[2 * layer]!,
      },
      { name: bias, dims: [sizes[layer + 1]!], type: FLOAT, values: network.weights[2 * layer + 1]! },
    );
    const last = layer + 1 === layers;
    const z = last ? paramsName : `dense_${layer}`;
    nodes.push({ op: "Gemm", inputs: [x, kernel, bias], outputs: [z] });
    if (!last) {
      x = `hidden_${layer}`;
      nodes.push({ op: network.activation === "tanh" ? "Tanh" : "Relu", inputs: [z], outputs: [x] });
    }
  }

  // The deterministic action.
  const outputs: Message[] = [];
  if (head.kind === "categorical") {
    const shifted = head.start !== 0;
    nodes.push({
      op: "ArgMax",
      inputs: [paramsName],
      outputs: [shifted ? "argmax" : "action"],
      ints: { axis: 1, keepdims: 0 },
    });
    if (shifted) {
      initializers.push({ name: "action_start", dims: [], type: INT64, values: [head.start] });
      nodes.push({ op: "Add", inputs: ["argmax", "action_start"], outputs: ["action"] });
    }
    nodes.push({ op: "Softmax", inputs: [paramsName], outputs: ["probabilities"], ints: { axis: 1 } });
    outputs.push(valueInfo("action", INT64, [batch]), valueInfo("probabilities", FLOAT, [batch, head.n]));
  } else if (head.kind === "multi-categorical") {
    initializers.push({ name: "slice_axes", dims: [1], type: INT64, values: [1] });
    const argmaxes: string[] = [];
    let offset = 0;
    head.nvec.forEach((n, d) => {
      initializers.push(
        { name: `slice_${d}/starts`, dims: [1], type: INT64, values: [offset] },
        { name: `slice_${d}/ends`, dims: [1], type: INT64, values: [offset + n] },
      );
      nodes.push(
        {
          op: "Slice",
          inputs: [paramsName, `slice_${d}/starts`, `slice_${d}/ends`, "slice_axes"],
          outputs: [`logits_${d}`],
        },
        { op: "ArgMax", inputs: [`logits_${d}`], outputs: [`argmax_${d}`], ints: { axis: 1, keepdims: 1 } },
      );
      argmaxes.push(`argmax_${d}`);
      offset += n;
    });
    initializers.push({ name: "action_start", dims: [head.nvec.length], type: INT64, values: head.start });
    nodes.push(
      { op: "Concat", inputs: argmaxes, outputs: ["argmax"], ints: { axis: 1 } },
      { op: "Add", inputs: ["argmax", "action_start"], outputs: ["action"] },
    );
    outputs.push(valueInfo("action", INT64, [batch, head.nvec.length]));
  } else {
    const low = head.low.map((v) => v ?? Number.NEGATIVE_INFINITY);
    const high = head.high.map((v) => v ?? Number.POSITIVE_INFINITY);
    const uniform = low.every((v) => v === low[0]) && high.every((v) => v === high[0]);
    if (
      low.every((v) => v === Number.NEGATIVE_INFINITY) &&
      high.every((v) => v === Number.POSITIVE_INFINITY)
    ) {
      nodes.push({ op: "Identity", inputs: [paramsName], outputs: ["action"] });
    } else if (uniform) {
      initializers.push(
        { name: "action_low", dims: [], type: FLOAT, values: [low[0]!] },
        { name: "action_high", dims: [], type: FLOAT, values: [high[0]!] },
      );
      nodes.push({ op: "Clip", inputs: [paramsName, "action_low", "action_high"], outputs: ["action"] });
    } else {
      initializers.push(
        { name: "action_low", dims: [low.length], type: FLOAT, values: low },
        { name: "action_high", dims: [high.length], type: FLOAT, values: high },
      );
      nodes.push(
        { op: "Max", inputs: [paramsName, "action_low"], outputs: ["mean_above_low"] },
        { op: "Min", inputs: ["mean_above_low", "action_high"], outputs: ["action"] },
      );
    }
    outputs.push(valueInfo("action", FLOAT, [batch, low.length]));
  }

  const graph = new Message();
  for (const [i, node] of nodes.entries()) graph.message(1, nodeProto(node, i));
  graph.string(2, "mimic_policy");
  for (const t of initializers) graph.message(5, tensorProto(t));
  graph.message(11, valueInfo("observation", FLOAT, [batch, obsDim]));
  for (const output of outputs) graph.message(12, output);

  const model = new Message()
    .int(1, ONNX_IR_VERSION)
    .string(2, "mimic")
    .string(3, VERSION)
    .string(
      6,
      `A mimic policy for ${policy.envId}: raw observation in, deterministic action out (${head.kind} head).`,
    )
    .message(7, graph)
    .message(8, new Message().int(2, ONNX_OPSET))
    .message(14, new Message().string(1, "env_id").string(2, policy.envId));
  // The env's own options with Python's names, as a dataset's env_spec.kwargs has them.
  if (policy.envOptions !== undefined) {
    model.message(
      14,
      new Message().string(1, "env_kwargs").string(2, JSON.stringify(pythonKwargs(policy.envOptions))),
    );
  }
  return model.finish();
}

/** Writes `policy` as an ONNX model to `path` (a temporary sibling first, then renamed). */
export async function exportOnnx(policy: NeuralPolicy, path: string): Promise<void> {
  const bytes = encodeOnnx(compilePolicy(policy).toJSON());
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${randomUUID()}`;
  try {
    await writeFile(temporary, bytes, { flush: true });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
