/**
 * @module
 * The protocol buffer writer behind mimic's ONNX exports: a minimal `Message` builder and the
 * ONNX messages the exporters need (tensors, nodes with int, float and ints attributes, value
 * infos, the model). It is written by hand (about a hundred lines) instead of with a generated
 * protobufjs codec: the models need a dozen fields of six messages, and a runtime dependency on
 * protobufjs (plus a package that bundles a dated copy of onnx.proto) is more than that is worth.
 * Field numbers are from onnx/onnx.proto: `ModelProto { ir_version 1; producer_name 2;
 * producer_version 3; doc_string 6; graph 7; opset_import 8; metadata_props 14 }`,
 * `GraphProto { node 1; name 2; initializer 5; input 11; output 12 }`, `NodeProto { input 1;
 * output 2; name 3; op_type 4; attribute 5 }`, `AttributeProto { name 1; f 2; i 3; ints 8; type 20
 * (FLOAT = 1, INT = 2, INTS = 7) }`, `TensorProto { dims 1; data_type 2 (FLOAT = 1, INT64 = 7);
 * name 8; raw_data 9 }`, `ValueInfoProto { name 1; type 2 }`, `TypeProto { tensor_type 1 }`,
 * `TypeProto.Tensor { elem_type 1; shape 2 }`, `TensorShapeProto { dim 1 }`, `Dimension
 * { dim_value 1; dim_param 2 }`, `OperatorSetIdProto { domain 1; version 2 }`,
 * `StringStringEntryProto { key 1; value 2 }`.
 */
import { VERSION } from "../version.js";

export const FLOAT = 1;
export const INT64 = 7;
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

// ---------------------------------------------------------------------------------------------
// A minimal protocol buffer writer
// ---------------------------------------------------------------------------------------------

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const utf8 = new TextEncoder();

/** One message under construction; nested messages are finished and added as bytes. */
export class Message {
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

  /** A float32 (wire type 5, little-endian). */
  float(field: number, value: number): this {
    this.push(this.varintBytes(field * 8 + FIXED32));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(b);
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

export interface Initializer {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  values: ArrayLike<number>;
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
  floats?: Record<string, number>;
  intLists?: Record<string, readonly number[]>;
}

/** A dimension: a fixed size, or a name for a dynamic one. */
export type Dim = number | string;

export function tensorProto(t: Initializer): Message {
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

export function nodeProto(node: Node, index: number): Message {
  const m = new Message();
  for (const input of node.inputs) m.string(1, input);
  for (const output of node.outputs) m.string(2, output);
  m.string(3, `${node.op.toLowerCase()}_${index}`).string(4, node.op);
  for (const [name, value] of Object.entries(node.ints ?? {})) {
    m.message(5, new Message().string(1, name).int(3, value).int(20, ATTRIBUTE_INT));
  }
  for (const [name, value] of Object.entries(node.floats ?? {})) {
    m.message(5, new Message().string(1, name).float(2, value).int(20, ATTRIBUTE_FLOAT));
  }
  for (const [name, values] of Object.entries(node.intLists ?? {})) {
    const a = new Message().string(1, name);
    for (const v of values) a.int(8, v);
    m.message(5, a.int(20, ATTRIBUTE_INTS));
  }
  return m;
}

export function valueInfo(name: string, elemType: number, dims: Dim[]): Message {
  const shape = new Message();
  for (const d of dims) {
    shape.message(1, typeof d === "number" ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, elemType).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/** The ONNX IR version and operator set the exported models declare. */
export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;

export interface GraphParts {
  nodes: readonly Node[];
  initializers: readonly Initializer[];
  inputs: readonly Message[];
  outputs: readonly Message[];
  /** The model's doc string. */
  doc: string;
  /** `metadata_props` entries. */
  metadata: Readonly<Record<string, string>>;
}

/** A serialized `ModelProto` (IR 7, opset 13, producer mimic) around one graph. */
export function encodeModel(parts: GraphParts): Uint8Array {
  const graph = new Message();
  for (const [i, node] of parts.nodes.entries()) graph.message(1, nodeProto(node, i));
  graph.string(2, "mimic_policy");
  for (const t of parts.initializers) graph.message(5, tensorProto(t));
  for (const input of parts.inputs) graph.message(11, input);
  for (const output of parts.outputs) graph.message(12, output);
  const model = new Message()
    .int(1, ONNX_IR_VERSION)
    .string(2, "mimic")
    .string(3, VERSION)
    .string(6, parts.doc)
    .message(7, graph)
    .message(8, new Message().int(2, ONNX_OPSET));
  for (const [key, value] of Object.entries(parts.metadata)) {
    model.message(14, new Message().string(1, key).string(2, value));
  }
  return model.finish();
}
