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
 * The protocol buffer writer is `onnx-proto.ts`.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pythonKwargs } from "../core/env.js";
import { InvalidSpaceError } from "../core/errors.js";
import { type CompiledPolicyJson, compilePolicy } from "./compile.js";
import {
  encodeModel,
  FLOAT,
  INT64,
  type Initializer,
  type Message,
  type Node,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  valueInfo,
} from "./onnx-proto.js";
import type { NeuralPolicy } from "./policy.js";

export { ONNX_IR_VERSION, ONNX_OPSET };

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

  const metadata: Record<string, string> = { env_id: policy.envId };
  // The env's own options with Python's names, as a dataset's env_spec.kwargs has them.
  if (policy.envOptions !== undefined) metadata.env_kwargs = JSON.stringify(pythonKwargs(policy.envOptions));
  return encodeModel({
    nodes,
    initializers,
    inputs: [valueInfo("observation", FLOAT, [batch, obsDim])],
    outputs,
    doc: `A mimic policy for ${policy.envId}: raw observation in, deterministic action out (${head.kind} head).`,
    metadata,
  });
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
