/**
 * BC-RNN: behavior cloning with a recurrent policy, for tasks where one observation does not show
 * the state (a masked velocity, a hidden mode). robomimic's anchor algorithm
 * (`robomimic/algo/bc.py`, `BC_RNN`), here with the window form of `RecurrentPolicy`: every
 * transition becomes one example, the last `window` observations of its episode up to and
 * including the current one (the first observation repeated in front near the start), labeled
 * with the expert's action there. The loss is BC's categorical negative log-likelihood; Adam
 * updates; minibatches come from a seeded shuffle each epoch.
 *
 * A validation split by episode picks the best epoch (lowest validation NLL), and can stop early
 * after `patience` epochs without improvement, as `trainBc` does; the returned policy has the best
 * epoch's weights. Checkpoints (`onCheckpoint`, at each epoch's end and every `checkpointEvery`
 * minibatches) hold everything needed to resume (`resume`) and end bit for bit where an
 * uninterrupted run ends (see `EpochBcCheckpoint` in bc-common.ts).
 *
 * ## Measured (MaskedCartPole-v1, 10 demonstrations of the observer expert with 20% random actions)
 * With the defaults (window 8, GRU 32, head [64], Adam 1e-3, 40 epochs), training seeds 0–3 score
 * 500, 499.1, 500 and 497.4 over 50 new episodes; BC's MLP on the same data scores 42.1. Early
 * stopping (patience 5) and shorter windows (3–4) were less reliable: 220–500 across seeds.
 */
import { z } from "zod";
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import { rngFromSeed } from "../core/rng.js";
import { Box, Discrete } from "../core/spaces/index.js";
import { yieldToEventLoop } from "../core/yield.js";
import type { Dataset } from "../data/dataset.js";
import type { Episode } from "../data/episode.js";
import { RecurrentPolicy } from "../nn/recurrent-policy.js";
import { type EpochBcOptions, epochTraining, parseConfig, shuffle, splitByEpisode } from "./bc-common.js";

export const bcRnnConfigSchema = z
  .object({
    /** Passes over the training windows. */
    epochs: z.number().int().positive().default(40),
    /** Windows per minibatch. */
    batchSize: z.number().int().positive().default(64),
    learningRate: z.number().positive().default(1e-3),
    /** Observations per window (robomimic's `seq_length`, default 10 there). */
    window: z.number().int().positive().default(8),
    /** GRU hidden units. */
    gruHidden: z.number().int().positive().default(32),
    /** Hidden widths of the MLP head. */
    hidden: z.array(z.number().int().positive()).min(1).default([64]),
    /** Fraction of episodes held out for validation (0: none, no early stopping). */
    validationFraction: z.number().min(0).max(0.9).default(0.2),
    /**
     * Epochs without a better validation loss before stopping (0, the default: never stop early;
     * the best epoch's weights are still the ones returned). Demonstrations with injected noise
     * have noisy validation losses, and stopping on them cut training short on MaskedCartPole.
     */
    patience: z.number().int().min(0).default(0),
    normalizeObservations: z.boolean().default(true),
    /** Also checkpoint every this many minibatches (0: only at each epoch's end). */
    checkpointEvery: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export type BcRnnConfig = z.input<typeof bcRnnConfigSchema>;

export interface BcRnnRecord {
  epoch: number;
  /** Minibatches done so far. */
  batch: number;
  trainLoss: number;
  /** Validation NLL and accuracy (argmax action = expert's), or null without validation. */
  validationLoss: number | null;
  validationAccuracy: number | null;
}

export interface BcRnnResult {
  policy: RecurrentPolicy;
  history: BcRnnRecord[];
  /** The epoch whose weights the policy has (the last one without validation). */
  bestEpoch: number;
}

/** `onEpoch`, and checkpoints to save (`onCheckpoint`) and resume from (`resume`). */
export type TrainBcRnnOptions = EpochBcOptions<BcRnnRecord>;

/** Windows and labels of every transition of `episodes`, flat. */
export function bcRnnWindows(
  episodes: readonly Episode[],
  window: number,
): { windows: Float32Array; actions: Int32Array; length: number } {
  const obsDim = episodes[0]!.obsDim;
  const n = episodes.reduce((s, e) => s + e.length, 0);
  const windows = new Float32Array(n * window * obsDim);
  const actions = new Int32Array(n);
  let row = 0;
  for (const e of episodes) {
    for (let t = 0; t < e.length; t++) {
      for (let w = 0; w < window; w++) {
        const step = Math.max(0, t - window + 1 + w);
        const from = step * obsDim;
        windows.set(e.observations.subarray(from, from + obsDim), (row * window + w) * obsDim);
      }
      actions[row] = e.actions[t]!;
      row++;
    }
  }
  return { windows, actions, length: n };
}

export async function trainBcRnn(
  dataset: Dataset,
  config: BcRnnConfig = {},
  options: TrainBcRnnOptions = {},
): Promise<BcRnnResult> {
  const cfg = parseConfig(bcRnnConfigSchema, config, "BC-RNN");
  if (dataset.episodes.length === 0) {
    throw new ShapeMismatchError(
      `BC-RNN: dataset ${dataset.id} has no episodes; collect demonstrations first.`,
    );
  }
  if (!(dataset.actionSpace instanceof Discrete) || !(dataset.observationSpace instanceof Box)) {
    throw new InvalidOptionError(
      "dataset",
      `BC-RNN needs Box observations and Discrete actions; ${dataset.id} has ${dataset.observationSpace} and ${dataset.actionSpace}.`,
    );
  }
  const { train, validation } = splitByEpisode(dataset, cfg.validationFraction, cfg.seed);
  const stats = train.stats().observations;
  const policy = new RecurrentPolicy({
    observationSpace: dataset.observationSpace,
    actionSpace: dataset.actionSpace,
    envId: dataset.envSpec?.id ?? "unknown",
    window: cfg.window,
    gruHidden: cfg.gruHidden,
    hidden: cfg.hidden,
    learningRate: cfg.learningRate,
    normalization: cfg.normalizeObservations ? { mean: stats.mean, std: stats.std } : undefined,
    seed: cfg.seed,
  });
  const data = bcRnnWindows(train.episodes, cfg.window);
  const held = validation.episodes.length > 0 ? bcRnnWindows(validation.episodes, cfg.window) : null;
  const width = cfg.window * policy.obsDim;
  const batchSize = Math.min(cfg.batchSize, data.length);
  const batch = new Float32Array(batchSize * width);
  const labels = new Int32Array(batchSize);
  const order = Int32Array.from({ length: data.length }, (_, i) => i);
  const rng = rngFromSeed(cfg.seed + 1);
  const batchesPerEpoch = Math.ceil(data.length / batchSize);
  const { state, best, checkpoint } = epochTraining<BcRnnRecord>(
    "BC-RNN",
    policy,
    order,
    rng,
    cfg.patience,
    batchesPerEpoch,
    options,
  );
  // ALGO LOGIC: epochs of shuffled minibatches, validation at each epoch's end, the best epoch.
  // A checkpoint holds the epoch position, so a resumed run picks up at the next minibatch.
  while (state.epoch < cfg.epochs && !best.stopped) {
    options.signal?.throwIfAborted();
    if (state.batchInEpoch === 0) shuffle(order, rng);
    for (let b = state.batchInEpoch; b < batchesPerEpoch; b++) {
      const start = b * batchSize;
      const rows = Math.min(batchSize, order.length - start);
      for (let r = 0; r < rows; r++) {
        const k = order[start + r]!;
        batch.set(data.windows.subarray(k * width, (k + 1) * width), r * width);
        labels[r] = data.actions[k]!;
      }
      state.sums.loss += policy.trainStep(batch, labels, rows).loss * rows;
      state.sums.count += rows;
      state.batch += 1;
      state.batchInEpoch = b + 1;
      if (cfg.checkpointEvery > 0 && state.batch % cfg.checkpointEvery === 0 && b + 1 < batchesPerEpoch)
        await checkpoint();
    }
    const record: BcRnnRecord = {
      epoch: state.epoch + 1,
      batch: state.batch,
      trainLoss: state.sums.loss / state.sums.count,
      validationLoss: null,
      validationAccuracy: null,
    };
    if (held !== null) {
      const v = evaluateWindows(policy, held, width);
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
    await yieldToEventLoop();
  }
  const history = state.history;
  if (best.result !== null) policy.setWeights(best.result.weights);
  return { policy, history, bestEpoch: best.result?.epoch ?? history.length };
}

/** Mean NLL and argmax accuracy over windows, in chunks. */
function evaluateWindows(
  policy: RecurrentPolicy,
  data: { windows: Float32Array; actions: Int32Array; length: number },
  width: number,
): { loss: number; accuracy: number } {
  const chunk = 256;
  let loss = 0;
  for (let start = 0; start < data.length; start += chunk) {
    const rows = Math.min(chunk, data.length - start);
    const stats = policy.loss(
      data.windows.subarray(start * width, (start + rows) * width),
      data.actions.subarray(start, start + rows),
      rows,
    );
    loss += stats.nll * rows;
  }
  let correct = 0;
  for (let i = 0; i < data.length; i++) {
    if (policy.predict(data.windows.subarray(i * width, (i + 1) * width)) === data.actions[i]) correct++;
  }
  return { loss: loss / data.length, accuracy: correct / data.length };
}
