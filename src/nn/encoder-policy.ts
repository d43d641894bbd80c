/**
 * @module
 * `EncoderPolicy`: a policy over images, vectors and Dict observations, composed from the encoder
 * layers (`layers/`): one branch per observation leaf, their features concatenated, then an MLP
 * head with a categorical action distribution. It is the layout of Stable-Baselines3's
 * `MultiInputPolicy` (`CombinedExtractor`: a CNN per image key, a flatten per vector key) and of
 * robomimic's observation encoders, on the fused engine.
 *
 * Branches, by the leaf's space:
 * - an image, Box uint8 `[H, W, C]`: the pixels over 255, then convolutions with ReLU (by default
 *   NatureCNN, Mnih et al. 2015, as SB3's `NatureCNN`: 32 8×8/4, 64 4×4/2, 64 3×3/1; for images
 *   too small for it, 16 5×5/2 and 32 3×3/2), flattened, then a ReLU dense layer of `features`
 *   units (default 256);
 * - a vector, Box `[n]`: normalized by the training data's mean and std, passed through.
 *
 * `keys` picks which leaves of a Dict the policy reads (say `pixels` but not `state`). Plain Box
 * observations are one leaf at path "". Training (`trainStep`) minimizes BC's categorical NLL with
 * Adam; `toOnnx` exports the whole network (the layers' ONNX forms, one graph input per leaf).
 */
import { readFile } from "node:fs/promises";
import { InvalidOptionError, PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import { Box, DictSpace, Discrete, type Space, type SpaceJson, spaceFromJSON } from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import { decodeFloat32, encodeFloat32 } from "./base64.js";
import { FusedAdam } from "./fused/adam.js";
import { Arena, type F32Slot, type FusedEngine } from "./fused/arena.js";
import { CategoricalScratch, categoricalNll, createLossStats, type LossStats } from "./fused/losses.js";
import { Conv2d } from "./layers/conv2d.js";
import { Dense } from "./layers/dense.js";
import type { Layer } from "./layers/layer.js";
import { conv2dToOnnx, denseToOnnx, type OnnxFragment } from "./layers/onnx.js";
import { Sequential } from "./layers/sequential.js";
import {
  encodeModel,
  FLOAT,
  INT64,
  type Initializer,
  type Message,
  type Node,
  valueInfo,
} from "./onnx-proto.js";

const MIN_STD = 1e-8;
const FORMAT = "mimic-encoder-policy";

/** One convolution of an image branch (ReLU after each). */
export interface ConvSpec {
  channels: number;
  kernel: number;
  stride: number;
}

/** NatureCNN's convolutions (Mnih et al. 2015; SB3's `NatureCNN`). */
export const NATURE_CNN: readonly ConvSpec[] = [
  { channels: 32, kernel: 8, stride: 4 },
  { channels: 64, kernel: 4, stride: 2 },
  { channels: 64, kernel: 3, stride: 1 },
];

/** The default for images under NatureCNN's 36 × 36 minimum. */
export const SMALL_CNN: readonly ConvSpec[] = [
  { channels: 16, kernel: 5, stride: 2 },
  { channels: 32, kernel: 3, stride: 2 },
];

export interface EncoderPolicyOptions {
  observationSpace: Space;
  actionSpace: Space;
  envId: string;
  /** The Dict leaves to read (default: all). */
  keys?: readonly string[];
  /** Convolutions of each image branch (default NatureCNN, or `SMALL_CNN` for small images). */
  convs?: readonly ConvSpec[];
  /** Units of each image branch's dense layer (default 256). */
  features?: number;
  /** Hidden widths of the head (default [64]), ReLU. */
  hidden?: readonly number[];
  /** Per vector leaf: the statistics its values are normalized with. */
  normalization?: Readonly<Record<string, { mean: ArrayLike<number>; std: ArrayLike<number> }>>;
  learningRate?: number;
  seed?: number | bigint;
  engine?: FusedEngine;
}

/** One observation leaf the policy reads, and how. */
interface Branch {
  path: string;
  kind: "image" | "vector";
  /** Numbers per example. */
  size: number;
  /** Image branches: `[H, W, C]`. */
  shape: readonly number[];
  /** The layers (none for a vector branch), their input slot, and where their parameters start. */
  net: Sequential | null;
  input: F32Slot | null;
  offset: number;
  /** Vector branches: normalization. */
  mean: Float64Array;
  invStd: Float64Array;
  /** Width of what the branch gives the head. */
  width: number;
  /** Where the branch's features start in the head's input row. */
  at: number;
}

interface EncoderPolicyFile {
  format: typeof FORMAT;
  formatVersion: 1;
  mimicVersion: string;
  envId: string;
  observationSpace: SpaceJson;
  actionSpace: SpaceJson;
  keys: string[];
  convs: ConvSpec[];
  features: number;
  hidden: number[];
  normalization: Record<string, { mean: number[]; std: number[] }>;
  learningRate: number;
  weights: string;
}

export class EncoderPolicy implements Policy<unknown, number> {
  readonly name = "bc-encoder";
  readonly observationSpace: Space;
  readonly actionSpace: Discrete;
  readonly envId: string;
  readonly keys: readonly string[];
  readonly convs: readonly ConvSpec[];
  readonly features: number;
  readonly hidden: readonly number[];
  readonly parameterCount: number;
  private readonly branches: Branch[];
  private readonly head: Sequential;
  private readonly headOffset: number;
  private readonly arena: Arena;
  private readonly params: F32Slot;
  private readonly grads: F32Slot;
  private readonly adam: FusedAdam;
  private readonly scratch: CategoricalScratch;
  private readonly fallbackRng: Rng;
  private readonly normalizationJson: Record<string, { mean: number[]; std: number[] }>;
  private capacity = 0;
  private concat!: F32Slot;
  private dBranch: F32Slot[] = [];
  private actionBuffer = new Int32Array(0);

  constructor(options: EncoderPolicyOptions) {
    if (!(options.actionSpace instanceof Discrete)) {
      throw new InvalidOptionError(
        "actionSpace",
        `An encoder policy has a categorical head, for Discrete actions; got ${options.actionSpace}.`,
      );
    }
    this.observationSpace = options.observationSpace;
    this.actionSpace = options.actionSpace;
    this.envId = options.envId;
    const leaves = observationLeaves(options.observationSpace);
    const keys = options.keys ? [...options.keys] : leaves.map((l) => l.path);
    for (const key of keys) {
      if (!leaves.some((l) => l.path === key)) {
        throw new InvalidOptionError(
          "keys",
          `The observation space ${options.observationSpace} has no leaf "${key}"; its leaves are ${leaves.map((l) => `"${l.path}"`).join(", ")}.`,
        );
      }
    }
    if (keys.length === 0)
      throw new InvalidOptionError("keys", "An encoder policy must read at least one observation leaf.");
    this.keys = keys;
    this.features = options.features ?? 256;
    this.hidden = [...(options.hidden ?? [64])];
    this.arena = new Arena(options.engine ?? "auto");
    const arena = this.arena;
    const images = leaves.filter((l) => keys.includes(l.path) && isImage(l.space));
    const smallest = Math.min(
      ...images.map((l) => Math.min((l.space as Box).shape[0]!, (l.space as Box).shape[1]!)),
    );
    this.convs = [...(options.convs ?? (smallest >= 36 ? NATURE_CNN : SMALL_CNN))];
    this.normalizationJson = {};
    const branches: Branch[] = [];
    let offset = 0;
    let at = 0;
    for (const key of keys) {
      const leaf = leaves.find((l) => l.path === key)!;
      const space = leaf.space;
      if (isImage(space)) {
        const layers: Layer[] = [];
        let shape = [space.shape[0]!, space.shape[1]!, space.shape[2]!] as [number, number, number];
        for (const c of this.convs) {
          const conv = new Conv2d({
            arena,
            inputShape: shape,
            outChannels: c.channels,
            kernel: c.kernel,
            stride: c.stride,
            activation: "relu",
          });
          layers.push(conv);
          shape = [...conv.outputShape];
        }
        layers.push(
          new Dense({
            arena,
            inputSize: shape[0] * shape[1] * shape[2],
            units: this.features,
            activation: "relu",
          }),
        );
        const net = new Sequential(layers);
        branches.push({
          path: key,
          kind: "image",
          size: space.size,
          shape: space.shape,
          net,
          input: null,
          offset,
          mean: new Float64Array(0),
          invStd: new Float64Array(0),
          width: this.features,
          at,
        });
        offset += net.parameterCount;
        at += this.features;
      } else if (space instanceof Box && space.shape.length === 1) {
        const n = space.size;
        const stats = options.normalization?.[key];
        if (stats !== undefined && (stats.mean.length !== n || stats.std.length !== n)) {
          throw new ShapeMismatchError(
            `normalization["${key}"] has ${stats.mean.length} means and ${stats.std.length} stds; the leaf ${space} needs ${n} of each.`,
          );
        }
        if (stats !== undefined)
          this.normalizationJson[key] = { mean: Array.from(stats.mean), std: Array.from(stats.std) };
        branches.push({
          path: key,
          kind: "vector",
          size: n,
          shape: space.shape,
          net: null,
          input: null,
          offset,
          mean: Float64Array.from(stats?.mean ?? new Array(n).fill(0)),
          invStd: Float64Array.from(stats?.std ?? new Array(n).fill(1), (s) => 1 / Math.max(s, MIN_STD)),
          width: n,
          at,
        });
        at += n;
      } else {
        throw new InvalidOptionError(
          "observationSpace",
          `The leaf "${key}" is ${space}; an encoder policy reads images (Box uint8 [H, W, C]) and vectors (Box [n]). Leave it out with keys.`,
        );
      }
    }
    this.branches = branches;
    const headLayers: Layer[] = [];
    let width = at;
    for (const units of this.hidden) {
      headLayers.push(new Dense({ arena, inputSize: width, units, activation: "relu" }));
      width = units;
    }
    headLayers.push(new Dense({ arena, inputSize: width, units: this.actionSpace.n }));
    this.head = new Sequential(headLayers);
    this.headOffset = offset;
    this.parameterCount = offset + this.head.parameterCount;
    this.params = arena.slot(this.parameterCount);
    this.grads = arena.slot(this.parameterCount);
    const rng = rngFromSeed(options.seed ?? 0);
    for (const b of branches)
      b.net?.init(this.params.array.subarray(b.offset, b.offset + b.net.parameterCount), rng);
    this.head.init(this.params.array.subarray(this.headOffset), rng);
    // The logits start small (as `initMlpWeights`' output gain of 0.01), so the first policy is near uniform.
    const last = headLayers[headLayers.length - 1]!;
    const lastStart = this.headOffset + this.head.offsets[headLayers.length - 1]!;
    const lastView = this.params.array.subarray(lastStart, lastStart + last.parameterCount);
    for (let i = 0; i < lastView.length; i++) lastView[i] = lastView[i]! * 0.01;
    this.adam = new FusedAdam([this.parameterCount], { learningRate: options.learningRate ?? 1e-3 }, arena);
    this.scratch = new CategoricalScratch([this.actionSpace.n]);
    this.fallbackRng = rng.spawn();
    this.reserve(1);
  }

  /** The leaves the policy reads, in order: path, numbers per example, and image or vector. */
  get inputs(): { path: string; size: number; kind: "image" | "vector" }[] {
    return this.branches.map((b) => ({ path: b.path, size: b.size, kind: b.kind }));
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const b of this.branches) {
      b.net?.reserve(rows);
      b.input = this.arena.slot(rows * b.size);
    }
    this.head.reserve(rows);
    this.concat = this.arena.slot(rows * this.head.inputSize);
    this.dBranch = this.branches.map((b) => this.arena.slot(rows * b.width));
    this.actionBuffer = new Int32Array(rows);
  }

  /**
   * Logits `[rows, n]` for a batch: per leaf the policy reads (`inputs`), its rows (`[rows, size]`,
   * raw values: bytes for images). The array is reused by the next call.
   */
  logits(batch: Readonly<Record<string, ArrayLike<number>>>, rows: number): Float32Array {
    this.reserve(rows);
    const hw = this.head.inputSize;
    for (const b of this.branches) {
      const values = batch[b.path];
      if (values === undefined || values.length < rows * b.size) {
        throw new ShapeMismatchError(
          `EncoderPolicy: the batch's "${b.path}" needs ${rows} rows of ${b.size} numbers${values === undefined ? "; it is missing" : `, got ${values.length} numbers`}.`,
        );
      }
      const x = b.input!.array;
      if (b.kind === "image") {
        for (let i = 0; i < rows * b.size; i++) x[i] = values[i]! / 255;
        const y = b.net!.forward(this.params.ptr + 4 * b.offset, b.input!, rows).array;
        const c = this.concat.array;
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < b.width; j++) c[r * hw + b.at + j] = y[r * b.width + j]!;
        }
      } else {
        const c = this.concat.array;
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < b.size; j++) {
            c[r * hw + b.at + j] = (values[r * b.size + j]! - b.mean[j]!) * b.invStd[j]!;
          }
        }
      }
    }
    return this.head.forward(this.params.ptr + 4 * this.headOffset, this.concat, rows).array;
  }

  /** One Adam step of BC's categorical NLL on a batch (see `logits`) and the expert's actions. */
  trainStep(
    batch: Readonly<Record<string, ArrayLike<number>>>,
    actions: ArrayLike<number>,
    rows: number,
  ): LossStats {
    const logits = this.logits(batch, rows);
    const acts = this.checkActions(actions, rows);
    const stats = createLossStats();
    const dLogits = this.lossGrad(rows);
    categoricalNll(logits, rows, acts, 0, this.scratch, dLogits.array, stats);
    const dConcat = this.head.backward(
      this.params.ptr + 4 * this.headOffset,
      this.grads.ptr + 4 * this.headOffset,
      dLogits,
      rows,
      this.branches.some((b) => b.kind === "image"),
    );
    const hw = this.head.inputSize;
    this.branches.forEach((b, i) => {
      if (b.kind !== "image") return;
      const d = this.dBranch[i]!.array;
      const dc = dConcat!.array;
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < b.width; j++) d[r * b.width + j] = dc[r * hw + b.at + j]!;
      b.net!.backward(
        this.params.ptr + 4 * b.offset,
        this.grads.ptr + 4 * b.offset,
        this.dBranch[i]!,
        rows,
        false,
      );
    });
    const grads = this.grads.array;
    // Σg² (float64, on the kernels) is finite exactly when every float32 gradient is; only then
    // look for the culprit.
    const finite = Number.isFinite(this.arena.kernels.sumSquares(this.grads.ptr, this.parameterCount));
    for (let i = 0; !finite && i < this.parameterCount; i++) {
      if (!Number.isFinite(grads[i]!)) {
        throw new ShapeMismatchError(
          `EncoderPolicy: a non-finite gradient at parameter ${i}; check the data for NaN or lower the learning rate.`,
        );
      }
    }
    this.adam.update(this.params.array, grads);
    return stats;
  }

  private lossSlot: F32Slot | null = null;

  /** The slot the loss writes ∂logits into. */
  private lossGrad(rows: number): F32Slot {
    const n = rows * this.actionSpace.n;
    if (this.lossSlot === null || this.lossSlot.length < n)
      this.lossSlot = this.arena.slot(Math.max(n, this.capacity * this.actionSpace.n));
    return this.lossSlot;
  }

  /** BC's NLL on a batch, without training. */
  loss(
    batch: Readonly<Record<string, ArrayLike<number>>>,
    actions: ArrayLike<number>,
    rows: number,
  ): LossStats {
    const logits = this.logits(batch, rows);
    const stats = createLossStats();
    categoricalNll(
      logits,
      rows,
      this.checkActions(actions, rows),
      0,
      this.scratch,
      this.lossGrad(rows).array,
      stats,
    );
    return stats;
  }

  private checkActions(actions: ArrayLike<number>, rows: number): Int32Array {
    const n = this.actionSpace.n;
    for (let r = 0; r < rows; r++) {
      const a = actions[r]!;
      if (!Number.isInteger(a) || a < 0 || a >= n) {
        throw new ShapeMismatchError(
          `EncoderPolicy: action ${r} of the batch is ${a}, outside Discrete(${n}).`,
        );
      }
      this.actionBuffer[r] = a;
    }
    return this.actionBuffer;
  }

  /** The leaves of one observation the policy reads, as a batch of one row. */
  private single(observation: unknown): Record<string, ArrayLike<number>> {
    const out: Record<string, ArrayLike<number>> = {};
    for (const b of this.branches) {
      const value = b.path === "" ? observation : leafValue(observation, b.path);
      if (
        value === undefined ||
        typeof value !== "object" ||
        (value as ArrayLike<number>).length !== b.size
      ) {
        throw new ShapeMismatchError(
          `EncoderPolicy.act: the observation's "${b.path}" should hold ${b.size} numbers (${this.observationSpace}).`,
        );
      }
      out[b.path] = value as ArrayLike<number>;
    }
    return out;
  }

  act(observation: unknown, options: ActOptions = {}): number {
    const logits = this.logits(this.single(observation), 1);
    const n = this.actionSpace.n;
    if (options.deterministic ?? false) {
      let best = 0;
      for (let k = 1; k < n; k++) if (logits[k]! > logits[best]!) best = k;
      return best;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) max = Math.max(max, logits[k]!);
    let total = 0;
    for (let k = 0; k < n; k++) total += Math.exp(logits[k]! - max);
    let u = (options.rng ?? this.fallbackRng).uniform(0, 1) * total;
    for (let k = 0; k < n - 1; k++) {
      u -= Math.exp(logits[k]! - max);
      if (u < 0) return k;
    }
    return n - 1;
  }

  getWeights(): Float32Array {
    return this.params.array.slice();
  }

  setWeights(weights: ArrayLike<number>): void {
    if (weights.length !== this.parameterCount) {
      throw new ShapeMismatchError(
        `EncoderPolicy.setWeights: expected ${this.parameterCount} parameters, got ${weights.length}.`,
      );
    }
    this.params.array.set(weights);
  }

  /**
   * The policy as an ONNX model (opset 13): one float32 input per leaf it reads, named by the
   * leaf's path (`observation` for a plain space) and shaped as the leaf (`[batch, H, W, C]` raw
   * bytes as floats for images); outputs `action` int64 `[batch]` and `probabilities`.
   */
  toOnnx(): Uint8Array {
    const params = this.params.array.slice();
    const nodes: Node[] = [];
    const initializers: Initializer[] = [];
    const inputs: Message[] = [];
    const parts: string[] = [];
    const add = (f: OnnxFragment) => {
      nodes.push(...f.nodes);
      initializers.push(...f.initializers);
      return f.output;
    };
    this.branches.forEach((b, i) => {
      const name = b.path === "" ? "observation" : b.path.replaceAll("/", "_");
      inputs.push(valueInfo(name, FLOAT, ["batch", ...b.shape]));
      const p = (s: string) => `branch_${i}/${s}`;
      initializers.push({ name: p("flat_shape"), dims: [2], type: INT64, values: [-1, b.size] });
      nodes.push({ op: "Reshape", inputs: [name, p("flat_shape")], outputs: [p("flat")] });
      if (b.kind === "image") {
        initializers.push({ name: p("inv255"), dims: [], type: FLOAT, values: [1 / 255] });
        nodes.push({ op: "Mul", inputs: [p("flat"), p("inv255")], outputs: [p("scaled")] });
        let x = p("scaled");
        b.net!.layers.forEach((layer, l) => {
          const o = b.offset + b.net!.offsets[l]!;
          const w = params.subarray(o, o + layer.parameterCount);
          x = add(
            layer instanceof Conv2d
              ? conv2dToOnnx(layer, w, x, p(`conv_${l}`))
              : denseToOnnx(layer as Dense, w, x, p(`dense_${l}`)),
          );
        });
        parts.push(x);
      } else {
        initializers.push(
          { name: p("mean"), dims: [b.size], type: FLOAT, values: b.mean },
          { name: p("inv_std"), dims: [b.size], type: FLOAT, values: b.invStd },
        );
        nodes.push(
          { op: "Sub", inputs: [p("flat"), p("mean")], outputs: [p("centered")] },
          { op: "Mul", inputs: [p("centered"), p("inv_std")], outputs: [p("normalized")] },
        );
        parts.push(p("normalized"));
      }
    });
    let x = parts[0]!;
    if (parts.length > 1) {
      nodes.push({ op: "Concat", inputs: parts, outputs: ["encoder/concat"], ints: { axis: 1 } });
      x = "encoder/concat";
    }
    this.head.layers.forEach((layer, l) => {
      const o = this.headOffset + this.head.offsets[l]!;
      x = add(denseToOnnx(layer as Dense, params.subarray(o, o + layer.parameterCount), x, `head_${l}`));
    });
    nodes.push(
      { op: "ArgMax", inputs: [x], outputs: ["action"], ints: { axis: 1, keepdims: 0 } },
      { op: "Softmax", inputs: [x], outputs: ["probabilities"], ints: { axis: 1 } },
    );
    return encodeModel({
      nodes,
      initializers,
      inputs,
      outputs: [
        valueInfo("action", INT64, ["batch"]),
        valueInfo("probabilities", FLOAT, ["batch", this.actionSpace.n]),
      ],
      doc: `A mimic encoder policy for ${this.envId} (inputs: ${this.keys.map((k) => `"${k}"`).join(", ")}): raw observation leaves in, the deterministic action out.`,
      metadata: { env_id: this.envId, keys: JSON.stringify(this.keys) },
    });
  }

  async exportOnnx(path: string): Promise<void> {
    await writeFileAtomic(path, this.toOnnx());
  }

  toJSON(): EncoderPolicyFile {
    return {
      format: FORMAT,
      formatVersion: 1,
      mimicVersion: VERSION,
      envId: this.envId,
      observationSpace: this.observationSpace.toJSON(),
      actionSpace: this.actionSpace.toJSON(),
      keys: [...this.keys],
      convs: this.convs.map((c) => ({ ...c })),
      features: this.features,
      hidden: [...this.hidden],
      normalization: this.normalizationJson,
      learningRate: this.adam.learningRate,
      weights: encodeFloat32(this.params.array),
    };
  }

  async save(path: string): Promise<void> {
    await writeFileAtomic(path, `${JSON.stringify(this.toJSON())}\n`);
  }

  static fromJSON(file: unknown, where = "the policy"): EncoderPolicy {
    const f = file as Partial<EncoderPolicyFile> | null;
    if (f === null || typeof f !== "object" || f.format !== FORMAT || f.formatVersion !== 1) {
      throw new PolicyLoadError(
        where,
        `${where} is not an encoder policy file (format "${FORMAT}", version 1).`,
      );
    }
    let policy: EncoderPolicy;
    try {
      policy = new EncoderPolicy({
        observationSpace: spaceFromJSON(f.observationSpace as SpaceJson, `${where}: observationSpace`),
        actionSpace: spaceFromJSON(f.actionSpace as SpaceJson, `${where}: actionSpace`),
        envId: String(f.envId),
        keys: f.keys,
        convs: f.convs,
        features: f.features,
        hidden: f.hidden,
        normalization: f.normalization,
        learningRate: f.learningRate,
      });
    } catch (error) {
      throw new PolicyLoadError(where, `${where} is damaged: ${(error as Error).message}`, { cause: error });
    }
    const weights = decodeFloat32(f.weights);
    if (weights === null || weights.length !== policy.parameterCount) {
      throw new PolicyLoadError(
        where,
        `${where} holds ${weights?.length ?? "no readable"} weights; its layout needs ${policy.parameterCount}.`,
      );
    }
    policy.setWeights(weights);
    return policy;
  }

  static async load(path: string): Promise<EncoderPolicy> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new PolicyLoadError(path, `Cannot read the encoder policy ${path}: ${(e as Error).message}.`);
    }
    try {
      return EncoderPolicy.fromJSON(JSON.parse(text), path);
    } catch (e) {
      if (e instanceof PolicyLoadError) throw e;
      throw new PolicyLoadError(path, `${path} is not valid JSON: ${(e as Error).message}.`);
    }
  }
}

function isImage(space: Space): space is Box {
  return space instanceof Box && space.shape.length === 3 && space.dtype === "uint8";
}

/** The plain leaves of a space: itself at path "", or a Dict's entries (nested keys joined by "/"). */
function observationLeaves(space: Space, prefix = ""): { path: string; space: Space }[] {
  if (space instanceof DictSpace) {
    return space.keys.flatMap((k) =>
      observationLeaves(space.spaces[k]!, prefix === "" ? k : `${prefix}/${k}`),
    );
  }
  return [{ path: prefix, space }];
}

function leafValue(observation: unknown, path: string): unknown {
  let v: unknown = observation;
  for (const key of path.split("/")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
