/**
 * @module
 * A trained `NeuralPolicy` compiled to a dependency-free function over `Float32Array`s: observation
 * encoding (normalization, or one-hot for discrete observations), the MLP, and the deterministic
 * action (argmax for Discrete, the clipped Gaussian mean for Box, one argmax per dimension for
 * MultiDiscrete). Nothing here touches TensorFlow.js when it runs, so a browser page can load a
 * policy from its JSON form (`compiledPolicyFromJSON`) with this module alone.
 *
 * The arithmetic is the policy's own single-observation path (`MlpMirror`, the heads' `modeInto`):
 * the fused engine's WebAssembly forward pass where it runs (no tensor engine), else plain-JS
 * float64 sums in the same order with each layer stored as float32. A compiled policy therefore acts
 * exactly as `NeuralPolicy.act(obs, { deterministic: true })` does on networks small enough for
 * that path (64×64 and the like), and to float32 rounding on larger ones.
 *
 * Buffers are allocated once; `act` allocates only the action it returns (nothing for Discrete).
 */

import { z } from "zod";
import { storableKwargs } from "../core/env.js";
import { InvalidSpaceError, PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import type { Box, Discrete, MultiDiscrete, Space } from "../core/spaces/index.js";
import { denseForward } from "./forward.js";
import { fusedEngineAvailable } from "./fused/arena.js";
import { FusedForward } from "./fused/forward.js";
import type { NeuralPolicy } from "./policy.js";

/** How an observation becomes the network input. */
export type CompiledObservation =
  /** `(obs − mean) / std`, or the values as they are when `mean` and `std` are null. */
  | { kind: "box"; size: number; mean: number[] | null; std: number[] | null }
  | { kind: "discrete"; n: number; start: number }
  | { kind: "multi-discrete"; nvec: number[]; start: number[] }
  | { kind: "multi-binary"; size: number };

/** How the network output becomes the deterministic action. */
export type CompiledHead =
  | { kind: "categorical"; n: number; start: number }
  | { kind: "multi-categorical"; nvec: number[]; start: number[] }
  /** Bounds already rounded inward to float32; null for an unbounded side. */
  | { kind: "gaussian"; low: (number | null)[]; high: (number | null)[] };

/** The plain-JSON form of a compiled policy (weights as number arrays, strict JSON). */
export interface CompiledPolicyJson {
  format: "mimic-compiled-policy";
  formatVersion: 1;
  envId: string;
  /** The env's own options (`NeuralPolicy.envOptions`), when it has any. */
  envOptions?: Record<string, unknown>;
  observation: CompiledObservation;
  network: {
    /** `[inputSize, ...hidden, outputSize]`. */
    layerSizes: number[];
    activation: "tanh" | "relu";
    /** Kernel (row-major `[fanIn, fanOut]`), bias, kernel, bias, … from the first layer. */
    weights: number[][];
  };
  head: CompiledHead;
}

export type CompiledAction = number | Float32Array | Int32Array;

export interface CompiledPolicy {
  readonly envId: string;
  /** `make(envId, envOptions)` builds the env the policy is for. */
  readonly envOptions: Readonly<Record<string, unknown>> | null;
  /** Numbers per observation (1 for a Discrete observation space). */
  readonly observationDim: number;
  /** Numbers per action in a flat batch (1 for a Discrete action space). */
  readonly actionDim: number;
  readonly headKind: CompiledHead["kind"];
  /** The deterministic action: a number (Discrete), a Float32Array (Box) or an Int32Array. */
  act(observation: ArrayLike<number> | number): CompiledAction;
  /** Deterministic actions for `count` observations (`count × observationDim` numbers). */
  actBatch(observations: ArrayLike<number>, count: number): Int32Array | Float32Array;
  /** The network's outputs (logits, or the Gaussian mean); the array is reused by the next call. */
  forward(observation: ArrayLike<number> | number): Float32Array;
  toJSON(): CompiledPolicyJson;
}

const FORMAT = "mimic-compiled-policy";
const FORMAT_VERSION = 1;
const MIN_STD = 1e-8;

// ---------------------------------------------------------------------------------------------
// From a NeuralPolicy
// ---------------------------------------------------------------------------------------------

/** Compiles a policy's current weights; later training does not change the compiled copy. */
export function compilePolicy(policy: NeuralPolicy): CompiledPolicy {
  const weights = policy.getWeights();
  const observation = describeObservation(policy.observationSpace, policy.normalization);
  const head = describeHead(policy.actionSpace);
  const inputSize = observationInputSize(observation);
  const layerSizes = [inputSize, ...policy.hidden, headParamSize(head)];
  const layers = layerSizes.length - 1;
  return buildCompiled({
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    envId: policy.envId,
    ...(policy.envOptions === null ? {} : { envOptions: storableKwargs(policy.envOptions) }),
    observation,
    network: {
      layerSizes,
      activation: policy.activation,
      // The network's kernel/bias pairs; a Gaussian head's log-std follows and is not needed.
      weights: weights.slice(0, 2 * layers).map((w) => Array.from(w)),
    },
    head,
  });
}

function describeObservation(
  space: Space,
  normalization: NeuralPolicy["normalization"],
): CompiledObservation {
  switch (space.kind) {
    case "box": {
      const size = (space as Box).size;
      return {
        kind: "box",
        size,
        mean: normalization ? Array.from(normalization.mean) : null,
        std: normalization ? Array.from(normalization.std, (s) => Math.max(s, MIN_STD)) : null,
      };
    }
    case "discrete": {
      const { n, start } = space as Discrete;
      return { kind: "discrete", n, start };
    }
    case "multi-discrete": {
      const { nvec, start } = space as MultiDiscrete;
      return { kind: "multi-discrete", nvec: Array.from(nvec), start: Array.from(start) };
    }
    case "multi-binary":
      return { kind: "multi-binary", size: space.flatDim };
    default:
      throw new InvalidSpaceError(`compilePolicy: unsupported observation space ${space}.`);
  }
}

function describeHead(space: Space): CompiledHead {
  switch (space.kind) {
    case "discrete": {
      const { n, start } = space as Discrete;
      return { kind: "categorical", n, start };
    }
    case "multi-discrete": {
      const { nvec, start } = space as MultiDiscrete;
      return { kind: "multi-categorical", nvec: Array.from(nvec), start: Array.from(start) };
    }
    case "box": {
      const { low, high } = space as Box;
      return {
        kind: "gaussian",
        low: Array.from(low, (x) => (Number.isFinite(x) ? float32AtLeast(x) : null)),
        high: Array.from(high, (x) => (Number.isFinite(x) ? float32AtMost(x) : null)),
      };
    }
    default:
      throw new InvalidSpaceError(`compilePolicy: unsupported action space ${space}.`);
  }
}

function observationInputSize(o: CompiledObservation): number {
  switch (o.kind) {
    case "box":
    case "multi-binary":
      return o.size;
    case "discrete":
      return o.n;
    case "multi-discrete":
      return o.nvec.reduce((a, b) => a + b, 0);
  }
}

function observationDim(o: CompiledObservation): number {
  switch (o.kind) {
    case "box":
    case "multi-binary":
      return o.size;
    case "discrete":
      return 1;
    case "multi-discrete":
      return o.nvec.length;
  }
}

function headParamSize(h: CompiledHead): number {
  switch (h.kind) {
    case "categorical":
      return h.n;
    case "multi-categorical":
      return h.nvec.reduce((a, b) => a + b, 0);
    case "gaussian":
      return h.low.length;
  }
}

// ---------------------------------------------------------------------------------------------
// From JSON
// ---------------------------------------------------------------------------------------------

const count = z.number().int().positive();
const integer = z.number().int();

const compiledPolicySchema = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  envId: z.string().min(1),
  envOptions: z.record(z.string(), z.unknown()).optional(),
  observation: z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("box"),
      size: count,
      mean: z.array(z.number()).nullable(),
      std: z.array(z.number().positive()).nullable(),
    }),
    z.object({ kind: z.literal("discrete"), n: count, start: integer }),
    z.object({ kind: z.literal("multi-discrete"), nvec: z.array(count).min(1), start: z.array(integer) }),
    z.object({ kind: z.literal("multi-binary"), size: count }),
  ]),
  network: z.object({
    layerSizes: z.array(count).min(2),
    activation: z.enum(["tanh", "relu"]),
    weights: z.array(z.array(z.number())),
  }),
  head: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("categorical"), n: count, start: integer }),
    z.object({ kind: z.literal("multi-categorical"), nvec: z.array(count).min(1), start: z.array(integer) }),
    z.object({
      kind: z.literal("gaussian"),
      low: z.array(z.number().nullable()).min(1),
      high: z.array(z.number().nullable()).min(1),
    }),
  ]),
});

/** Checks a compiled policy's JSON form (as `toJSON` writes it) and builds the policy. */
export function compiledPolicyFromJSON(json: unknown): CompiledPolicy {
  const parsed = compiledPolicySchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
      .join("; ");
    throw new PolicyLoadError(
      "(compiled policy JSON)",
      `Not a compiled mimic policy: ${issues}. Write one with \`mimic export --format json\`.`,
    );
  }
  return buildCompiled(parsed.data as CompiledPolicyJson);
}

/** Every size in the description must agree; a mismatch throws a `PolicyLoadError`. */
function checkConsistent(json: CompiledPolicyJson): void {
  const fail = (why: string) =>
    new PolicyLoadError("(compiled policy JSON)", `Inconsistent compiled policy: ${why}.`);
  const { observation: o, head: h, network } = json;
  if (o.kind === "box" && (o.mean === null) !== (o.std === null)) throw fail("mean and std go together");
  if (o.kind === "box" && o.mean && (o.mean.length !== o.size || o.std?.length !== o.size))
    throw fail(`normalization needs ${o.size} means and stds`);
  if (o.kind === "multi-discrete" && o.start.length !== o.nvec.length)
    throw fail("observation start and nvec differ in length");
  if (h.kind === "multi-categorical" && h.start.length !== h.nvec.length)
    throw fail("head start and nvec differ in length");
  if (h.kind === "gaussian" && h.low.length !== h.high.length) throw fail("low and high differ in length");
  const sizes = network.layerSizes;
  if (sizes[0] !== observationInputSize(o)) throw fail(`the input layer has ${sizes[0]} units`);
  if (sizes[sizes.length - 1] !== headParamSize(h))
    throw fail(`the output layer has ${sizes[sizes.length - 1]} units`);
  if (network.weights.length !== 2 * (sizes.length - 1))
    throw fail(`${network.weights.length} weight arrays for ${sizes.length - 1} layers`);
  // Weights that do not fit the layer sizes are a shape error, named by layer.
  const wrongShape = (what: string, shape: number[], found: number) =>
    new ShapeMismatchError(
      `Compiled policy JSON: ${what} has ${found} values, but layerSizes [${sizes.join(", ")}] make it [${shape.join(", ")}] (${shape.reduce((a, b) => a * b, 1)} values). The weights belong to another network; export the policy again.`,
    );
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const kernel = network.weights[2 * layer]!.length;
    if (kernel !== sizes[layer]! * sizes[layer + 1]!)
      throw wrongShape(`layer ${layer} kernel`, [sizes[layer]!, sizes[layer + 1]!], kernel);
    const bias = network.weights[2 * layer + 1]!.length;
    if (bias !== sizes[layer + 1]!) throw wrongShape(`layer ${layer} bias`, [sizes[layer + 1]!], bias);
  }
}

// ---------------------------------------------------------------------------------------------
// The compiled function
// ---------------------------------------------------------------------------------------------

/** Writes observation `values[offset…]` into `out`; false if it is outside the space. */
type Encoder = (values: ArrayLike<number>, offset: number, out: Float32Array) => boolean;

function encoderFor(o: CompiledObservation): Encoder {
  switch (o.kind) {
    case "box": {
      const size = o.size;
      if (o.mean === null || o.std === null) {
        return (values, offset, out) => {
          for (let i = 0; i < size; i++) out[i] = values[offset + i]!;
          return true;
        };
      }
      const mean = Float64Array.from(o.mean);
      const std = Float64Array.from(o.std, (s) => Math.max(s, MIN_STD));
      return (values, offset, out) => {
        for (let i = 0; i < size; i++) out[i] = (values[offset + i]! - mean[i]!) / std[i]!;
        return true;
      };
    }
    case "multi-binary": {
      const size = o.size;
      return (values, offset, out) => {
        for (let i = 0; i < size; i++) out[i] = values[offset + i]!;
        return true;
      };
    }
    case "discrete": {
      const { n, start } = o;
      return (values, offset, out) => {
        const index = values[offset]! - start;
        if (!Number.isInteger(index) || index < 0 || index >= n) return false;
        out.fill(0);
        out[index] = 1;
        return true;
      };
    }
    case "multi-discrete": {
      const { nvec, start } = o;
      return (values, offset, out) => {
        out.fill(0);
        let base = 0;
        for (let d = 0; d < nvec.length; d++) {
          const index = values[offset + d]! - start[d]!;
          if (!Number.isInteger(index) || index < 0 || index >= nvec[d]!) return false;
          out[base + index] = 1;
          base += nvec[d]!;
        }
        return true;
      };
    }
  }
}

/** Writes the deterministic action for one row of network outputs to `out[outOffset…]`. */
type Mode = (params: Float32Array, out: Int32Array | Float32Array, outOffset: number) => void;

function modeFor(h: CompiledHead): Mode {
  if (h.kind === "gaussian") {
    const low = Float32Array.from(h.low, (x) => x ?? Number.NEGATIVE_INFINITY);
    const high = Float32Array.from(h.high, (x) => x ?? Number.POSITIVE_INFINITY);
    const d = low.length;
    return (params, out, outOffset) => {
      for (let i = 0; i < d; i++) out[outOffset + i] = Math.min(Math.max(params[i]!, low[i]!), high[i]!);
    };
  }
  const nvec = h.kind === "categorical" ? [h.n] : h.nvec;
  const start = h.kind === "categorical" ? [h.start] : h.start;
  return (params, out, outOffset) => {
    let base = 0;
    for (let d = 0; d < nvec.length; d++) {
      // The first of equal maxima wins, as in the policy's own argmax.
      let best = 0;
      let bestValue = params[base]!;
      for (let k = 1; k < nvec[d]!; k++) {
        if (params[base + k]! > bestValue) {
          bestValue = params[base + k]!;
          best = k;
        }
      }
      out[outOffset + d] = best + start[d]!;
      base += nvec[d]!;
    }
  };
}

function buildCompiled(json: CompiledPolicyJson): CompiledPolicy {
  checkConsistent(json);
  const { envId, observation, head, network } = json;
  const sizes = [...network.layerSizes];
  const layers = sizes.length - 1;
  const tanh = network.activation === "tanh";
  // Kernels transposed to [fanOut, fanIn] so each output is one contiguous dot product.
  const kernels: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let layer = 0; layer < layers; layer++) {
    const fanIn = sizes[layer]!;
    const fanOut = sizes[layer + 1]!;
    const kernel = network.weights[2 * layer]!;
    const transposed = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < fanIn; i++) {
      for (let j = 0; j < fanOut; j++) transposed[j * fanIn + i] = kernel[i * fanOut + j]!;
    }
    kernels.push(transposed);
    biases.push(Float32Array.from(network.weights[2 * layer + 1]!));
  }
  const input = new Float32Array(sizes[0]!);
  const buffers = sizes.slice(1).map((n) => new Float32Array(n));
  const encode = encoderFor(observation);
  const mode = modeFor(head);
  const obsDim = observationDim(observation);
  const actionDim =
    head.kind === "categorical" ? 1 : head.kind === "gaussian" ? head.low.length : head.nvec.length;
  const scalar = [0];

  // The fused engine's WebAssembly forward pass when it runs here, as `MlpMirror` chooses.
  const fused =
    fusedEngineAvailable() === "wasm"
      ? new FusedForward({ sizes, activation: tanh ? "tanh" : "relu" }, network.weights, { engine: "wasm" })
      : null;

  /** The MLP on `input`, exactly as `MlpMirror.forward` computes it (the same code path). */
  function run(): Float32Array {
    if (fused !== null) return fused.run(input);
    return denseForward(sizes, tanh, kernels, biases, buffers, input);
  }

  function encodeRow(values: ArrayLike<number>, offset: number, what: string): void {
    if (!encode(values, offset, input)) {
      const shown = Array.from({ length: obsDim }, (_, i) => values[offset + i]);
      throw new ShapeMismatchError(
        `${what}: the observation [${shown.join(", ")}] is outside the policy's ${observation.kind} observation space.`,
      );
    }
  }

  function single(observation: ArrayLike<number> | number, what: string): Float32Array {
    let values: ArrayLike<number>;
    if (typeof observation === "number") {
      scalar[0] = observation;
      values = scalar;
    } else values = observation;
    if (values?.length !== obsDim) {
      throw new ShapeMismatchError(
        `${what}: expected an observation of ${obsDim} value${obsDim === 1 ? "" : "s"}, got ${typeof observation === "number" ? observation : `${values?.length} values`}.`,
      );
    }
    encodeRow(values, 0, what);
    return run();
  }

  const allocate = (n: number) =>
    head.kind === "gaussian" ? new Float32Array(n * actionDim) : new Int32Array(n * actionDim);
  const one = new Int32Array(1);

  return {
    envId,
    envOptions: json.envOptions === undefined ? null : json.envOptions,
    observationDim: obsDim,
    actionDim,
    headKind: head.kind,
    act(observation) {
      const params = single(observation, "act");
      if (head.kind === "categorical") {
        mode(params, one, 0);
        return one[0]!;
      }
      const out = allocate(1);
      mode(params, out, 0);
      return out;
    },
    actBatch(observations, n) {
      if (!Number.isSafeInteger(n) || n < 0 || observations.length !== n * obsDim) {
        throw new ShapeMismatchError(
          `actBatch: ${observations.length} values are not ${n} observations of ${obsDim}.`,
        );
      }
      const out = allocate(n);
      for (let row = 0; row < n; row++) {
        encodeRow(observations, row * obsDim, "actBatch");
        mode(run(), out, row * actionDim);
      }
      return out;
    },
    forward(observation) {
      return single(observation, "forward");
    },
    toJSON() {
      return structuredClone(json);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// float32 rounding toward the inside of a bound (as the Gaussian head clips)
// ---------------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function nextFloat32(value: number, up: boolean): number {
  if (value === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  f32[0] = value;
  i32[0] += value > 0 === up ? 1 : -1;
  return f32[0]!;
}

/** The smallest float32 ≥ x. */
function float32AtLeast(x: number): number {
  const f = Math.fround(x);
  return f >= x ? f : nextFloat32(f, true);
}

/** The largest float32 ≤ x. */
function float32AtMost(x: number): number {
  const f = Math.fround(x);
  return f <= x ? f : nextFloat32(f, false);
}
