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
 * `keys` picks which leaves of a Dict or Tuple the policy reads (say `pixels` but not `state`), by
 * the data layer's leaf paths (Dict keys, Tuple positions `_index_<i>`, joined by "/"). Plain Box
 * observations are one leaf at path "". Training (`trainStep`) minimizes BC's categorical NLL with
 * Adam; `toOnnx` exports the whole network (the layers' ONNX forms, one graph input per leaf).
 */
import { InvalidOptionError, PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import {
  Box,
  DictSpace,
  Discrete,
  type Space,
  type SpaceJson,
  spaceFromJSON,
  TupleSpace,
} from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import { decodeFloat32, encodeFloat32 } from "./base64.js";
import {
  argmax,
  checkDiscreteActions,
  checkFiniteGradients,
  readPolicyJson,
  sampleLogits,
} from "./categorical-act.js";
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
import type { TrainerState } from "./trainer.js";

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
  /**
   * Add motion channels to each image: for a stack of frames of `motion` channels each (1 for
   * grayscale, 3 for RGB), the difference of every frame from the one before, after the frames
   * themselves (default 0: none). What the stack shows only across frames (velocities) becomes a
   * channel of its own, as the difference of screens in PyTorch's DQN tutorial.
   */
  motion?: number;
  /**
   * Per image leaf: per input channel (the frames, then the motion channels), the mean and std of
   * the pixels over 255, which standardize them (default: none, pixels over 255 as they are).
   * `fitImageNormalization` computes them from data.
   */
  imageNormalization?: Readonly<Record<string, { mean: ArrayLike<number>; std: ArrayLike<number> }>>;
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
  /** Normalization: per dimension of a vector, per input channel of an image. */
  mean: Float64Array;
  invStd: Float64Array;
  /** Image branches: channels of the stored image, and of the network's input (with motion). */
  channels: number;
  inputChannels: number;
  /** Numbers per example of the network's input. */
  inputSize: number;
  /** Width of what the branch gives the head. */
  width: number;
  /** Where the branch's features start in the head's input row. */
  at: number;
  /**
   * Image branches without motion channels: the batch's bytes copied into the arena (byte offset,
   * 0 until reserved) and each channel's 256 possible inputs, for the `lookupBytes` kernel.
   */
  bytes: number;
  table: F32Slot | null;
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
  motion: number;
  imageNormalization: Record<string, { mean: number[]; std: number[] }>;
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
  readonly motion: number;
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
  private readonly imageNormalizationJson: Record<string, { mean: number[]; std: number[] }>;
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
    const read = readLeaves(options.observationSpace, options.keys);
    const keys = read.map((l) => l.path);
    this.keys = keys;
    this.features = options.features ?? 256;
    this.hidden = [...(options.hidden ?? [64])];
    this.arena = new Arena(options.engine ?? "auto");
    const arena = this.arena;
    const smallest = Math.min(
      ...read.filter((l) => l.kind === "image").map((l) => Math.min(l.shape[0]!, l.shape[1]!)),
    );
    this.convs = [...(options.convs ?? (smallest >= 36 ? NATURE_CNN : SMALL_CNN))];
    this.normalizationJson = {};
    this.imageNormalizationJson = {};
    this.motion = options.motion ?? 0;
    if (!Number.isSafeInteger(this.motion) || this.motion < 0) {
      throw new InvalidOptionError(
        "motion",
        `motion is the channels per frame (or 0 for none), got ${this.motion}.`,
      );
    }
    const branches: Branch[] = [];
    let offset = 0;
    let at = 0;
    for (const { path: key, space, kind } of read) {
      if (kind === "image") {
        const layers: Layer[] = [];
        const channels = space.shape[2]!;
        const m = this.motion;
        if (m > 0 && (channels % m !== 0 || channels / m < 2)) {
          throw new InvalidOptionError(
            "motion",
            `motion ${m} needs the image "${key}" to stack at least two frames of ${m} channels; it has ${channels} channels.`,
          );
        }
        const inputChannels = m > 0 ? 2 * channels - m : channels;
        const inputSize = space.shape[0]! * space.shape[1]! * inputChannels;
        const stats = options.imageNormalization?.[key];
        if (
          stats !== undefined &&
          (stats.mean.length !== inputChannels || stats.std.length !== inputChannels)
        ) {
          throw new ShapeMismatchError(
            `imageNormalization["${key}"] has ${stats.mean.length} means and ${stats.std.length} stds; the network's input has ${inputChannels} channels.`,
          );
        }
        if (stats !== undefined) {
          this.imageNormalizationJson[key] = { mean: Array.from(stats.mean), std: Array.from(stats.std) };
        }
        let shape = [space.shape[0]!, space.shape[1]!, inputChannels] as [number, number, number];
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
          mean: Float64Array.from(stats?.mean ?? new Array(inputChannels).fill(0)),
          invStd: Float64Array.from(
            stats?.std ?? new Array(inputChannels).fill(1),
            (v) => 1 / Math.max(v, MIN_STD),
          ),
          channels,
          inputChannels,
          inputSize,
          width: this.features,
          at,
          bytes: 0,
          table: null,
        });
        offset += net.parameterCount;
        at += this.features;
      } else {
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
          channels: 0,
          inputChannels: 0,
          inputSize: n,
          width: n,
          at,
          bytes: 0,
          table: null,
        });
        at += n;
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

  /**
   * The leaves a policy with these `keys` reads from `observationSpace`, as `inputs` lists them,
   * without building one; throws the constructor's errors for bad keys and unreadable leaves.
   */
  static inputsFor(
    observationSpace: Space,
    keys?: readonly string[],
  ): { path: string; size: number; kind: "image" | "vector"; shape: readonly number[] }[] {
    return readLeaves(observationSpace, keys).map(({ path, kind, space }) => ({
      path,
      size: space.size,
      kind,
      shape: space.shape,
    }));
  }

  /** The leaves the policy reads, in order: path, numbers per example, and image or vector. */
  get inputs(): { path: string; size: number; kind: "image" | "vector"; shape: readonly number[] }[] {
    return this.branches.map((b) => ({ path: b.path, size: b.size, kind: b.kind, shape: b.shape }));
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    for (const b of this.branches) {
      b.net?.reserve(rows);
      b.input = this.arena.slot(rows * b.inputSize);
      if (b.kind === "image" && this.motion === 0) {
        b.bytes = this.arena.alloc(Math.ceil((rows * b.size) / 4));
        b.table ??= this.arena.slot(256 * b.channels);
      }
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
        const pixels = rows * (b.size / b.channels);
        if (b.bytes !== 0 && (values instanceof Uint8Array || values instanceof Uint8ClampedArray)) {
          // Bytes: each channel's 256 possible inputs computed once (imageInput's expression, so
          // the same bits), then the batch looked up in a kernel (split across threads).
          const table = b.table!.array;
          for (let c = 0; c < b.channels; c++) {
            const m = b.mean[c]!;
            const s = b.invStd[c]!;
            for (let v = 0; v < 256; v++) table[256 * c + v] = (v / 255 - m) * s;
          }
          new Uint8Array(this.arena.buffer, b.bytes, rows * b.size).set(values.subarray(0, rows * b.size));
          this.arena.kernels.lookupBytes(b.bytes, pixels, b.channels, b.table!.ptr, b.input!.ptr);
        } else {
          imageInput(values, pixels, b.channels, this.motion, b.mean, b.invStd, x);
        }
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

  /**
   * Sets each image branch's per-channel statistics from `rows` examples of raw leaves (`batch`
   * as for `logits`): the mean and std of every input channel (frames and motion channels) of the
   * pixels over 255. Call it once on the training data, before training.
   */
  fitImageNormalization(batch: Readonly<Record<string, ArrayLike<number>>>, rows: number): void {
    for (const b of this.branches) {
      if (b.kind !== "image") continue;
      const values = batch[b.path];
      if (values === undefined || values.length < rows * b.size) {
        throw new ShapeMismatchError(
          `fitImageNormalization: "${b.path}" needs ${rows} rows of ${b.size} numbers.`,
        );
      }
      const pixels = rows * (b.size / b.channels);
      const c2 = b.inputChannels;
      const sum = new Float64Array(c2);
      const sq = new Float64Array(c2);
      const chunk = 4096;
      const out = new Float32Array(chunk * c2);
      const zero = new Float64Array(c2);
      const one = new Float64Array(c2).fill(1);
      for (let start = 0; start < pixels; start += chunk) {
        const n = Math.min(chunk, pixels - start);
        const slice = (values as Uint8Array).subarray(start * b.channels, (start + n) * b.channels);
        imageInput(slice, n, b.channels, this.motion, zero, one, out);
        for (let p = 0; p < n; p++) {
          for (let c = 0; c < c2; c++) {
            const v = out[p * c2 + c]!;
            sum[c]! += v;
            sq[c]! += v * v;
          }
        }
      }
      const mean: number[] = [];
      const std: number[] = [];
      for (let c = 0; c < c2; c++) {
        const m = sum[c]! / pixels;
        mean.push(m);
        std.push(Math.sqrt(Math.max(sq[c]! / pixels - m * m, 0)));
      }
      b.mean = Float64Array.from(mean);
      b.invStd = Float64Array.from(std, (v) => 1 / Math.max(v, MIN_STD));
      this.imageNormalizationJson[b.path] = { mean, std };
    }
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
    checkFiniteGradients("EncoderPolicy", this.arena, this.grads, this.parameterCount);
    this.adam.update(this.params.array, this.grads.array);
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
    return checkDiscreteActions("EncoderPolicy", actions, rows, this.actionSpace.n, this.actionBuffer);
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
    return options.deterministic
      ? argmax(logits, n)
      : sampleLogits(logits, n, options.rng ?? this.fallbackRng);
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

  /** Adam's state (step count and both moments, exactly), for a checkpoint. */
  getOptimizerState(): TrainerState {
    return this.adam.getState();
  }

  /** Restores Adam's state from `getOptimizerState`, so training continues bit for bit. */
  setOptimizerState(state: TrainerState): void {
    this.adam.setState(state);
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
        // Pixels over 255; with motion, each frame minus the one before as more channels; then
        // each channel standardized; then the flat rows the layers take.
        const [h, w, c] = b.shape as [number, number, number];
        const c2 = b.inputChannels;
        initializers.push(
          { name: p("inv255"), dims: [], type: FLOAT, values: [1 / 255] },
          { name: p("mean"), dims: [c2], type: FLOAT, values: b.mean },
          { name: p("inv_std"), dims: [c2], type: FLOAT, values: b.invStd },
          { name: p("hwc_shape"), dims: [4], type: INT64, values: [-1, h, w, c] },
          { name: p("input_shape"), dims: [2], type: INT64, values: [-1, h * w * c2] },
        );
        nodes.push(
          { op: "Reshape", inputs: [p("flat"), p("hwc_shape")], outputs: [p("hwc")] },
          { op: "Mul", inputs: [p("hwc"), p("inv255")], outputs: [p("unit")] },
        );
        let channels = p("unit");
        if (this.motion > 0) {
          initializers.push(
            { name: p("later_start"), dims: [1], type: INT64, values: [this.motion] },
            { name: p("later_end"), dims: [1], type: INT64, values: [c] },
            { name: p("earlier_start"), dims: [1], type: INT64, values: [0] },
            { name: p("earlier_end"), dims: [1], type: INT64, values: [c - this.motion] },
            { name: p("channel_axis"), dims: [1], type: INT64, values: [3] },
          );
          nodes.push(
            {
              op: "Slice",
              inputs: [p("unit"), p("later_start"), p("later_end"), p("channel_axis")],
              outputs: [p("later")],
            },
            {
              op: "Slice",
              inputs: [p("unit"), p("earlier_start"), p("earlier_end"), p("channel_axis")],
              outputs: [p("earlier")],
            },
            { op: "Sub", inputs: [p("later"), p("earlier")], outputs: [p("motion")] },
            {
              op: "Concat",
              inputs: [p("unit"), p("motion")],
              outputs: [p("with_motion")],
              ints: { axis: 3 },
            },
          );
          channels = p("with_motion");
        }
        nodes.push(
          { op: "Sub", inputs: [channels, p("mean")], outputs: [p("centered")] },
          { op: "Mul", inputs: [p("centered"), p("inv_std")], outputs: [p("standardized")] },
          { op: "Reshape", inputs: [p("standardized"), p("input_shape")], outputs: [p("scaled")] },
        );
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
      motion: this.motion,
      imageNormalization: this.imageNormalizationJson,
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
        motion: f.motion,
        imageNormalization: f.imageNormalization,
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
    return EncoderPolicy.fromJSON(await readPolicyJson(path, "encoder policy"), path);
  }
}

/**
 * The network's input for `pixels` pixels of an HWC image of `channels` channels: per pixel the
 * channels over 255, then (with `motion` > 0) each frame's difference from the frame before;
 * every channel standardized by `mean`/`invStd`.
 */
function imageInput(
  values: ArrayLike<number>,
  pixels: number,
  channels: number,
  motion: number,
  mean: Float64Array,
  invStd: Float64Array,
  out: Float32Array,
): void {
  if (motion === 0) {
    // Channel by channel: one mean and scale per pass and no inner loop (2× faster, the same bits).
    const n = pixels * channels;
    for (let c = 0; c < channels; c++) {
      const m = mean[c]!;
      const s = invStd[c]!;
      for (let i = c; i < n; i += channels) out[i] = (values[i]! / 255 - m) * s;
    }
    return;
  }
  const c2 = 2 * channels - motion;
  for (let p = 0; p < pixels; p++) {
    const i = p * channels;
    const o = p * c2;
    for (let c = 0; c < channels; c++) out[o + c] = (values[i + c]! / 255 - mean[c]!) * invStd[c]!;
    for (let c = 0; c + motion < channels; c++) {
      const d = (values[i + c + motion]! - values[i + c]!) / 255;
      out[o + channels + c] = (d - mean[channels + c]!) * invStd[channels + c]!;
    }
  }
}

/**
 * The leaves `keys` names (default all) with how each is read, or an `InvalidOptionError` for a
 * missing key, no key, or a leaf that is neither an image nor a vector.
 */
function readLeaves(
  observationSpace: Space,
  keys?: readonly string[],
): { path: string; space: Box; kind: "image" | "vector"; shape: readonly number[] }[] {
  const leaves = observationLeaves(observationSpace);
  const chosen = keys ? [...keys] : leaves.map((l) => l.path);
  if (chosen.length === 0) {
    throw new InvalidOptionError("keys", "An encoder policy must read at least one observation leaf.");
  }
  return chosen.map((key) => {
    const leaf = leaves.find((l) => l.path === key);
    if (leaf === undefined) {
      throw new InvalidOptionError(
        "keys",
        `The observation space ${observationSpace} has no leaf "${key}"; its leaves are ${leaves.map((l) => `"${l.path}"`).join(", ")}.`,
      );
    }
    const space = leaf.space;
    if (isImage(space)) return { path: key, space, kind: "image", shape: space.shape };
    if (space instanceof Box && space.shape.length === 1)
      return { path: key, space, kind: "vector", shape: space.shape };
    throw new InvalidOptionError(
      "observationSpace",
      `The leaf "${key}" is ${space}; an encoder policy reads images (Box uint8 [H, W, C]) and vectors (Box [n]). Leave it out with keys.`,
    );
  });
}

function isImage(space: Space): space is Box {
  return space instanceof Box && space.shape.length === 3 && space.dtype === "uint8";
}

/** The plain leaves of a space: itself at path "", or a Dict's entries (nested keys joined by "/"). */
/**
 * The plain leaves of a space with their paths, as the data layer names them (`layoutFor`): Dict
 * keys and Tuple positions (`_index_<i>`, Minari's name) joined by "/"; "" for a plain space.
 */
function observationLeaves(space: Space, prefix = ""): { path: string; space: Space }[] {
  const join = (k: string) => (prefix === "" ? k : `${prefix}/${k}`);
  if (space instanceof DictSpace)
    return space.keys.flatMap((k) => observationLeaves(space.spaces[k]!, join(k)));
  if (space instanceof TupleSpace)
    return space.spaces.flatMap((s, i) => observationLeaves(s, join(`_index_${i}`)));
  return [{ path: prefix, space }];
}

function leafValue(observation: unknown, path: string): unknown {
  let v: unknown = observation;
  for (const key of path.split("/")) {
    if (v === null || typeof v !== "object") return undefined;
    const index = /^_index_(\d+)$/.exec(key);
    v = index !== null && Array.isArray(v) ? v[Number(index[1])] : (v as Record<string, unknown>)[key];
  }
  return v;
}
