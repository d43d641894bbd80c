/**
 * Behavior cloning with an `EncoderPolicy`: images, vectors and Dict observations (BC-CNN for
 * pixels). The loss is BC's categorical negative log-likelihood (HumanCompatibleAI/imitation's
 * `bc.py` without the entropy bonus), minibatches from a seeded shuffle each epoch, Adam. A
 * validation split by episode picks the best epoch's weights (lowest validation NLL), and
 * `patience` can stop early, as `trainBc` does. Checkpoints (`onCheckpoint`) hold the weights,
 * Adam's state, the shuffle order and generator (which also draws the shifts), the position in
 * the epoch and the best epoch, so a resumed run (`resume`) ends bit for bit where an
 * uninterrupted one ends.
 *
 * The training data stays in the dataset's own arrays: each leaf the policy reads is gathered
 * once into one array of its dtype (a uint8 image stays bytes), and each minibatch copies its
 * rows out of those.
 */
import { z } from "zod";
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import { Discrete, type TypedArray } from "../core/spaces/index.js";
import { yieldToEventLoop } from "../core/yield.js";
import type { Dataset } from "../data/dataset.js";
import type { Episode } from "../data/episode.js";
import { type ConvSpec, EncoderPolicy } from "../nn/encoder-policy.js";
import { type EpochBcOptions, epochTraining, parseConfig, shuffle, splitByEpisode } from "./bc-common.js";

export const bcEncoderConfigSchema = z
  .object({
    epochs: z.number().int().positive().default(20),
    batchSize: z.number().int().positive().default(64),
    learningRate: z.number().positive().default(1e-3),
    /** The Dict leaves the policy reads (default all). */
    keys: z.array(z.string()).min(1).optional(),
    /** Convolutions per image branch (default: NatureCNN, or a small preset for small images). */
    convs: z
      .array(
        z
          .object({
            channels: z.number().int().positive(),
            kernel: z.number().int().positive(),
            stride: z.number().int().positive(),
          })
          .strict(),
      )
      .min(1)
      .optional(),
    /**
     * Motion channels: the channels per frame of stacked images (1 for grayscale), so the policy
     * also sees each frame's difference from the one before (0: none). See `EncoderPolicy`.
     */
    motion: z.number().int().min(0).default(0),
    /**
     * Random-shift augmentation of image leaves (DrQ's, Kostrikov et al. 2020): each training image
     * moved by up to this many pixels in each direction, edges repeated (0: none).
     */
    shift: z.number().int().min(0).default(0),
    /** Standardize each image input channel with the training data's mean and std (else /255 only). */
    standardizeImages: z.boolean().default(true),
    /** Units of each image branch's dense layer. */
    features: z.number().int().positive().default(256),
    hidden: z.array(z.number().int().positive()).default([64]),
    validationFraction: z.number().min(0).max(0.9).default(0.2),
    /** Epochs without a better validation loss before stopping (0: never). */
    patience: z.number().int().min(0).default(0),
    /** Normalize vector leaves with the training data's mean and std. */
    normalizeObservations: z.boolean().default(true),
    /** Also checkpoint every this many minibatches (0: only at each epoch's end). */
    checkpointEvery: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export type BcEncoderConfig = z.input<typeof bcEncoderConfigSchema>;

export interface BcEncoderRecord {
  epoch: number;
  /** Minibatches done so far. */
  batch: number;
  trainLoss: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  /** Seconds since training started. */
  seconds: number;
}

export interface BcEncoderResult {
  policy: EncoderPolicy;
  history: BcEncoderRecord[];
  bestEpoch: number;
}

interface Gathered {
  leaves: Record<string, TypedArray>;
  actions: Int32Array;
  length: number;
}

/** Every transition's observation leaves (`paths`) and action, from `episodes`. */
function gather(episodes: readonly Episode[], paths: readonly { path: string; size: number }[]): Gathered {
  const n = episodes.reduce((s, e) => s + e.length, 0);
  const leaves: Record<string, TypedArray> = {};
  const actions = new Int32Array(n);
  for (const { path, size } of paths) {
    const first = episodes[0]!.observationColumns()[path];
    if (first === undefined) {
      throw new ShapeMismatchError(`BC: the dataset's observations have no leaf "${path}".`);
    }
    const Kind = first.constructor as new (length: number) => TypedArray;
    const out = new Kind(n * size);
    let row = 0;
    for (const e of episodes) {
      const column = e.observationColumns()[path]!;
      (out as Float32Array).set((column as Float32Array).subarray(0, e.length * size), row * size);
      row += e.length;
    }
    leaves[path] = out;
  }
  let row = 0;
  for (const e of episodes) {
    for (let t = 0; t < e.length; t++) actions[row++] = e.actions[t]!;
  }
  return { leaves, actions, length: n };
}

export async function trainBcEncoder(
  dataset: Dataset,
  config: BcEncoderConfig = {},
  options: EpochBcOptions<BcEncoderRecord> = {},
): Promise<BcEncoderResult> {
  const cfg = parseConfig(bcEncoderConfigSchema, config, "BC");
  if (dataset.episodes.length === 0) {
    throw new ShapeMismatchError(`BC: dataset ${dataset.id} has no episodes; collect demonstrations first.`);
  }
  if (!(dataset.actionSpace instanceof Discrete)) {
    throw new InvalidOptionError(
      "dataset",
      `BC with an encoder policy needs Discrete actions; ${dataset.id} has ${dataset.actionSpace}.`,
    );
  }
  const { train, validation } = splitByEpisode(dataset, cfg.validationFraction, cfg.seed);
  // The leaves the policy reads, then the vector leaves' statistics (from the training split).
  const inputs = EncoderPolicy.inputsFor(dataset.observationSpace, cfg.keys);
  const data = gather(train.episodes, inputs);
  const normalization: Record<string, { mean: number[]; std: number[] }> = {};
  if (cfg.normalizeObservations) {
    for (const input of inputs) {
      if (input.kind !== "vector") continue;
      normalization[input.path] = leafStats(data.leaves[input.path]!, input.size, data.length);
    }
  }
  const policy = new EncoderPolicy({
    observationSpace: dataset.observationSpace,
    actionSpace: dataset.actionSpace,
    envId: dataset.envSpec?.id ?? "unknown",
    keys: cfg.keys,
    convs: cfg.convs as ConvSpec[] | undefined,
    features: cfg.features,
    hidden: cfg.hidden,
    motion: cfg.motion,
    normalization,
    learningRate: cfg.learningRate,
    seed: cfg.seed,
  });
  if (cfg.standardizeImages) policy.fitImageNormalization(data.leaves, data.length);
  const held = validation.episodes.length > 0 ? gather(validation.episodes, inputs) : null;
  const batchSize = Math.min(cfg.batchSize, data.length);
  const batch: Record<string, TypedArray> = {};
  for (const input of inputs) {
    const Kind = data.leaves[input.path]!.constructor as new (length: number) => TypedArray;
    batch[input.path] = new Kind(batchSize * input.size);
  }
  const labels = new Int32Array(batchSize);
  const scratch = new Float64Array(Math.max(1, ...inputs.map((i) => i.size)));
  const order = Int32Array.from({ length: data.length }, (_, i) => i);
  const rng = rngFromSeed(cfg.seed + 1);
  const batchesPerEpoch = Math.ceil(data.length / batchSize);
  const { state, best, seconds, checkpoint } = epochTraining<BcEncoderRecord>(
    "BC",
    policy,
    order,
    rng,
    cfg.patience,
    batchesPerEpoch,
    options,
  );
  // ALGO LOGIC: epochs of shuffled (and shifted) minibatches, validation at each epoch's end.
  while (state.epoch < cfg.epochs && !best.stopped) {
    options.signal?.throwIfAborted();
    if (state.batchInEpoch === 0) shuffle(order, rng);
    for (let b = state.batchInEpoch; b < batchesPerEpoch; b++) {
      const start = b * batchSize;
      const rows = Math.min(batchSize, order.length - start);
      for (const input of inputs) {
        const from = data.leaves[input.path] as Float32Array;
        const to = batch[input.path] as Float32Array;
        for (let r = 0; r < rows; r++) {
          const k = order[start + r]!;
          to.set(from.subarray(k * input.size, (k + 1) * input.size), r * input.size);
        }
      }
      for (let r = 0; r < rows; r++) labels[r] = data.actions[order[start + r]!]!;
      if (cfg.shift > 0) {
        for (const input of inputs) {
          if (input.kind === "image")
            shiftImages(batch[input.path]!, rows, input.shape, cfg.shift, rng, scratch);
        }
      }
      state.sums.loss += policy.trainStep(batch, labels, rows).loss * rows;
      state.sums.count += rows;
      state.batch += 1;
      state.batchInEpoch = b + 1;
      if (cfg.checkpointEvery > 0 && state.batch % cfg.checkpointEvery === 0 && b + 1 < batchesPerEpoch)
        await checkpoint();
      if (b % 16 === 0) await yieldToEventLoop();
    }
    const record: BcEncoderRecord = {
      epoch: state.epoch + 1,
      batch: state.batch,
      trainLoss: state.sums.loss / state.sums.count,
      validationLoss: null,
      validationAccuracy: null,
      seconds: seconds(),
    };
    if (held !== null) {
      const v = validate(policy, held, inputs);
      record.validationLoss = v.loss;
      record.validationAccuracy = v.accuracy;
    }
    state.history.push(record);
    options.onEpoch?.(record);
    best.consider(record.epoch, record.validationLoss, () => policy.getWeights());
    state.epoch += 1;
    state.batchInEpoch = 0;
    state.sums = { loss: 0, correct: 0, count: 0 };
    await checkpoint();
  }
  const history = state.history;
  if (best.result !== null) policy.setWeights(best.result.weights);
  return { policy, history, bestEpoch: best.result?.epoch ?? history.length };
}

/**
 * Moves each of `rows` HWC images in `batch` by a random (dy, dx) in [−shift, shift]², in place,
 * repeating the edge pixels (DrQ's random shift with replicate padding).
 */
function shiftImages(
  batch: TypedArray,
  rows: number,
  shape: readonly number[],
  shift: number,
  rng: Rng,
  scratch: Float64Array,
): void {
  const [h, w, c] = shape as [number, number, number];
  const size = h * w * c;
  for (let r = 0; r < rows; r++) {
    const dy = rng.integers(2 * shift + 1) - shift;
    const dx = rng.integers(2 * shift + 1) - shift;
    if (dy === 0 && dx === 0) continue;
    const base = r * size;
    for (let i = 0; i < size; i++) scratch[i] = Number(batch[base + i]);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(Math.max(y + dy, 0), h - 1);
      for (let x = 0; x < w; x++) {
        const sx = Math.min(Math.max(x + dx, 0), w - 1);
        for (let k = 0; k < c; k++) batch[base + (y * w + x) * c + k] = scratch[(sy * w + sx) * c + k]!;
      }
    }
  }
}

function leafStats(values: TypedArray, size: number, rows: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(size).fill(0);
  const sq = new Array<number>(size).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < size; j++) {
      const v = Number(values[r * size + j]);
      mean[j]! += v;
      sq[j]! += v * v;
    }
  }
  for (let j = 0; j < size; j++) {
    mean[j] = mean[j]! / rows;
    sq[j] = Math.sqrt(Math.max(sq[j]! / rows - mean[j]! * mean[j]!, 0));
  }
  return { mean, std: sq };
}

function validate(
  policy: EncoderPolicy,
  held: Gathered,
  inputs: readonly { path: string; size: number }[],
): { loss: number; accuracy: number } {
  const chunk = 256;
  let loss = 0;
  let correct = 0;
  const n = policy.actionSpace.n;
  for (let start = 0; start < held.length; start += chunk) {
    const rows = Math.min(chunk, held.length - start);
    const batch: Record<string, ArrayLike<number>> = {};
    for (const input of inputs) {
      batch[input.path] = (held.leaves[input.path] as Float32Array).subarray(
        start * input.size,
        (start + rows) * input.size,
      );
    }
    const actions = held.actions.subarray(start, start + rows);
    const logits = policy.logits(batch, rows);
    for (let r = 0; r < rows; r++) {
      let bestK = 0;
      for (let k = 1; k < n; k++) if (logits[r * n + k]! > logits[r * n + bestK]!) bestK = k;
      if (bestK === actions[r]) correct++;
    }
    loss += policy.loss(batch, actions, rows).nll * rows;
  }
  return { loss: loss / held.length, accuracy: correct / held.length };
}
