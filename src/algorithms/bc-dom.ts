/**
 * @module
 * Behavior cloning of a `DomPolicy` (the pointer network over a page's elements, fields and keys)
 * from web demonstrations: issue 19's few-shot BC, in the spirit of Liu et al. 2018's MiniWoB++
 * BC baseline. The loss is the demonstrated candidate's cross-entropy under the masked softmax
 * over the page's valid candidates (see `DomPolicy`), plus an optional L2 penalty; minibatches
 * come from a seeded shuffle each epoch; Adam. A validation split by episode picks the best
 * epoch's weights (lowest validation loss) and `patience` can stop early, as in `trainBcEncoder`;
 * checkpoints and resume work as there (`EpochBcCheckpoint` in bc-common.ts).
 *
 * Episodes are read as the Dict leaf columns of `webSpaces().observation` (`utterance`, `fields`,
 * `elements/tag`, `elements/text`, `elements/value`, `elements/numbers`; a `screenshot` leaf is
 * ignored) with `[kind, element, arg]` action rows. Every observation is turned into its items
 * once, before the first epoch; a demonstrated action that is no candidate of its observation
 * (a click of a missing element, a type into a button) stops training with the episode and step.
 */
import { z } from "zod";
import { DatasetFormatError, ShapeMismatchError } from "../core/errors.js";
import { rngFromSeed } from "../core/rng.js";
import { yieldToEventLoop } from "../core/yield.js";
import type { Dataset } from "../data/dataset.js";
import type { Episode } from "../data/episode.js";
import { type WebSpaces, webSpaces } from "../envs/web/observation.js";
import {
  candidateOf,
  createDomItems,
  type DomFeatureLayout,
  describeAction,
  encodedWebRow,
  explainCandidate,
  webSizesOf,
  writeDomItems,
} from "../nn/dom-features.js";
import { type DomBatch, DomPolicy } from "../nn/dom-policy.js";
import { type EpochBcOptions, epochTraining, parseConfig, shuffle, splitByEpisode } from "./bc-common.js";

export const bcDomConfigSchema = z
  .object({
    epochs: z.number().int().positive().default(80),
    /** Transitions per minibatch. */
    batchSize: z.number().int().positive().default(16),
    learningRate: z.number().positive().default(3e-3),
    /** Width of the item embedding, the attention and the hidden layer. */
    width: z.number().int().positive().default(64),
    /** Attention heads (must divide `width`). */
    heads: z.number().int().positive().default(4),
    /** L2 penalty coefficient on every parameter (0: none). */
    l2: z.number().min(0).default(0),
    /** Hashed word buckets of an element's text and of the utterance. */
    textBuckets: z.number().int().positive().default(32),
    utteranceBuckets: z.number().int().positive().default(32),
    /** Episodes held out to pick the best epoch (none with fewer than two episodes). */
    validationFraction: z.number().min(0).max(0.9).default(0.2),
    /** Epochs without a better validation loss before stopping (0: never). */
    patience: z.number().int().min(0).default(0),
    /** Also checkpoint every this many minibatches (0: only at each epoch's end). */
    checkpointEvery: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export type BcDomConfig = z.input<typeof bcDomConfigSchema>;

export interface BcDomRecord {
  epoch: number;
  /** Minibatches done so far. */
  batch: number;
  /** Mean training loss over the epoch's minibatches (cross-entropy plus the L2 term). */
  trainLoss: number;
  /** Fraction of training transitions whose most likely candidate was the expert's, during the epoch. */
  trainAccuracy: number;
  /** Cross-entropy on the held-out episodes (no L2 term); picks the best epoch. */
  validationLoss: number | null;
  validationAccuracy: number | null;
  /** Seconds since training started. */
  seconds: number;
}

export interface BcDomResult {
  policy: DomPolicy;
  history: BcDomRecord[];
  /** The epoch whose weights the policy holds (the last without validation). */
  bestEpoch: number;
}

// ---------------------------------------------------------------------------------------------
// PLUMBING: episodes → items
// ---------------------------------------------------------------------------------------------

/** Every transition of `episodes` as items and the expert's candidate. */
function gather(
  episodes: readonly Episode[],
  spaces: WebSpaces,
  layout: DomFeatureLayout,
  datasetId: string,
): DomBatch & { length: number } {
  const n = episodes.reduce((s, e) => s + e.length, 0);
  const items = createDomItems(layout, n);
  const targets = new Int32Array(n);
  let row = 0;
  for (const e of episodes) {
    const leaves = e.observationLeaves;
    if (leaves === null) {
      throw new DatasetFormatError(
        { file: datasetId, episode: e.id, field: "observations" },
        `BC (DOM): episode ${e.id} of ${datasetId} has plain observations; a web dataset stores the Dict leaves of webSpaces().observation.`,
      );
    }
    for (let t = 0; t < e.length; t++) {
      const where = `BC (DOM): episode ${e.id} of ${datasetId}, step ${t}`;
      const observation = spaces.decodeObservation(encodedWebRow(leaves, spaces, t, where));
      const action = e.action(t);
      const why = explainCandidate(action, observation, layout);
      if (why !== null) {
        throw new DatasetFormatError(
          { file: datasetId, episode: e.id, field: "actions" },
          `${where}: the demonstrated action [${Array.from(action).join(", ")}] (${describeAction(action)}) is not one the policy can take: ${why}. Fix or drop the episode.`,
        );
      }
      writeDomItems(observation, layout, items, row);
      targets[row] = candidateOf(action, layout);
      row++;
    }
  }
  return { ...items, targets, length: n };
}

/** Rows `order[start … start + rows)` of `data` copied into `batch`. */
function fill(
  data: DomBatch,
  order: Int32Array,
  start: number,
  rows: number,
  layout: DomFeatureLayout,
  batch: DomBatch,
): void {
  const f = layout.items * layout.width;
  const c = layout.items * layout.columns;
  for (let r = 0; r < rows; r++) {
    const k = order[start + r]!;
    batch.features.set(data.features.subarray(k * f, (k + 1) * f), r * f);
    batch.itemMask.set(data.itemMask.subarray(k * layout.items, (k + 1) * layout.items), r * layout.items);
    batch.candidates.set(data.candidates.subarray(k * c, (k + 1) * c), r * c);
    batch.targets[r] = data.targets[k]!;
  }
}

/** Cross-entropy (without the L2 term) and accuracy over held-out transitions, in chunks. */
function validate(
  policy: DomPolicy,
  held: DomBatch & { length: number },
  layout: DomFeatureLayout,
): { loss: number; accuracy: number } {
  const chunk = 64;
  const f = layout.items * layout.width;
  const c = layout.items * layout.columns;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < held.length; start += chunk) {
    const rows = Math.min(chunk, held.length - start);
    const stats = policy.evaluate(
      {
        features: held.features.subarray(start * f, (start + rows) * f),
        itemMask: held.itemMask.subarray(start * layout.items, (start + rows) * layout.items),
        candidates: held.candidates.subarray(start * c, (start + rows) * c),
        targets: held.targets.subarray(start, start + rows),
      },
      rows,
    );
    loss += stats.nll * rows;
    correct += stats.accuracy * rows;
  }
  return { loss: loss / held.length, accuracy: correct / held.length };
}

// ---------------------------------------------------------------------------------------------
// trainBcDom
// ---------------------------------------------------------------------------------------------

/**
 * The untrained DOM policy `trainBcDom` starts from for `dataset` (its page sizes and env) and
 * `config`; DAgger-DOM's resume loads a checkpoint's weights into one.
 */
export function domPolicyFor(dataset: Dataset, config: BcDomConfig = {}): DomPolicy {
  const cfg = parseConfig(bcDomConfigSchema, config, "BC (DOM)");
  return new DomPolicy({
    sizes: webSizesOf(dataset.observationSpace),
    envId: dataset.envSpec?.id ?? "unknown",
    width: cfg.width,
    heads: cfg.heads,
    textBuckets: cfg.textBuckets,
    utteranceBuckets: cfg.utteranceBuckets,
    learningRate: cfg.learningRate,
    l2: cfg.l2,
    seed: cfg.seed,
  });
}

export async function trainBcDom(
  dataset: Dataset,
  config: BcDomConfig = {},
  options: EpochBcOptions<BcDomRecord> = {},
): Promise<BcDomResult> {
  const cfg = parseConfig(bcDomConfigSchema, config, "BC (DOM)");
  if (dataset.episodes.length === 0) {
    throw new ShapeMismatchError(
      `BC (DOM): dataset ${dataset.id} has no episodes; collect demonstrations first.`,
    );
  }
  const sizes = webSizesOf(dataset.observationSpace);
  const spaces = webSpaces(sizes);
  if (JSON.stringify(dataset.actionSpace.toJSON()) !== JSON.stringify(spaces.action.toJSON())) {
    throw new ShapeMismatchError(
      `BC (DOM): dataset ${dataset.id} has actions in ${dataset.actionSpace}; its observations are web pages of ${sizes.maxElements} elements and ${sizes.maxFields} fields, whose actions are ${spaces.action} ([kind, element, field or key]).`,
    );
  }
  const policy = domPolicyFor(dataset, cfg);
  const layout = policy.layout;
  // Every episode is checked (held out or not) before training starts.
  const { train, validation } = splitByEpisode(dataset, cfg.validationFraction, cfg.seed);
  const data = gather(train.episodes, spaces, layout, dataset.id);
  const held =
    validation.episodes.length > 0 ? gather(validation.episodes, spaces, layout, dataset.id) : null;

  const batchSize = Math.min(cfg.batchSize, data.length);
  const batch: DomBatch = { ...createDomItems(layout, batchSize), targets: new Int32Array(batchSize) };
  const order = Int32Array.from({ length: data.length }, (_, i) => i);
  const rng = rngFromSeed(cfg.seed + 1);
  const batchesPerEpoch = Math.ceil(data.length / batchSize);
  const { state, best, seconds, checkpoint } = epochTraining<BcDomRecord>(
    "BC (DOM)",
    policy,
    order,
    rng,
    cfg.patience,
    batchesPerEpoch,
    options,
  );
  while (state.epoch < cfg.epochs && !best.stopped) {
    options.signal?.throwIfAborted();
    if (state.batchInEpoch === 0) shuffle(order, rng);
    for (let b = state.batchInEpoch; b < batchesPerEpoch; b++) {
      const start = b * batchSize;
      const rows = Math.min(batchSize, order.length - start);
      fill(data, order, start, rows, layout, batch);
      // ALGO LOGIC: one Adam step on −mean log π(expert's candidate | page) + l2/2·‖w‖².
      const stats = policy.trainStep(batch, rows);
      state.sums.loss += stats.loss * rows;
      state.sums.correct += stats.accuracy * rows;
      state.sums.count += rows;
      state.batch += 1;
      state.batchInEpoch = b + 1;
      if (cfg.checkpointEvery > 0 && state.batch % cfg.checkpointEvery === 0 && b + 1 < batchesPerEpoch)
        await checkpoint();
    }
    const record: BcDomRecord = {
      epoch: state.epoch + 1,
      batch: state.batch,
      trainLoss: state.sums.loss / data.length,
      trainAccuracy: state.sums.correct / data.length,
      validationLoss: null,
      validationAccuracy: null,
      seconds: seconds(),
    };
    if (held !== null) {
      const v = validate(policy, held, layout);
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
    if (!best.stopped) await yieldToEventLoop();
  }
  const history = state.history;
  if (best.result !== null) policy.setWeights(best.result.weights);
  return { policy, history, bestEpoch: best.result?.epoch ?? history.length };
}
