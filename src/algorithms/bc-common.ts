/**
 * What the BC variants over composed policies (`bc-rnn.ts`, `bc-encoder.ts`, `bc-dom.ts`) share:
 * their config check, the split by episode, the epoch shuffle, the best-epoch bookkeeping, and
 * the checkpoint they save and resume from (`EpochBcCheckpoint`: BC's `BcCheckpoint` for trainers
 * that shuffle one order in place, epoch after epoch).
 */
import type { z } from "zod";
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import type { Pcg64State, Rng } from "../core/rng.js";
import type { Dataset } from "../data/dataset.js";
import type { TrainerState } from "../nn/trainer.js";

/** `schema.parse(config)`, or an `InvalidOptionError` naming the first bad field. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, config: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidOptionError(
      formatPath(issue.path),
      `${what} config: ${formatPath(issue.path)}: ${issue.message}.`,
    );
  }
  return parsed.data;
}

/**
 * Train and validation sets by episode (`validationFraction` of them held out, seeded); with
 * fewer than two episodes, or a split that leaves no training episode, everything trains.
 */
export function splitByEpisode(
  dataset: Dataset,
  validationFraction: number,
  seed: number,
): { train: Dataset; validation: Dataset } {
  const split =
    validationFraction > 0 && dataset.episodes.length >= 2
      ? dataset.split({ train: 1 - validationFraction, validation: validationFraction }, seed)
      : { train: dataset, validation: dataset.withEpisodes([]) };
  return split.train.episodes.length > 0 ? split : { train: dataset, validation: dataset.withEpisodes([]) };
}

/** Fisher–Yates shuffle of `order` in place with `rng`. */
export function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.integers(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** Where early stopping stands: the best epoch so far (null before the first validation) and the epochs since. */
export interface BestEpochState {
  best: { loss: number; epoch: number } | null;
  stale: number;
}

/** The epoch with the lowest validation loss so far, its weights, and early stopping. */
export class BestEpoch {
  private best: { loss: number; epoch: number; weights: Float32Array } | null = null;
  private stale = 0;

  constructor(private readonly patience: number) {}

  /** A `BestEpoch` as it was when `state` (and the best epoch's `weights`) were saved. */
  static restore(patience: number, state: BestEpochState, weights: Float32Array | null): BestEpoch {
    const restored = new BestEpoch(patience);
    if (state.best !== null) {
      if (weights === null) {
        throw new ShapeMismatchError(
          `the checkpoint names epoch ${state.best.epoch} as the best but holds no best weights; it is damaged, resume from an older one.`,
        );
      }
      restored.best = { ...state.best, weights: weights.slice() };
    }
    restored.stale = state.stale;
    return restored;
  }

  /** Records an epoch; returns true when training should stop (`patience` epochs without a better loss). */
  consider(epoch: number, loss: number | null, weights: () => Float32Array): boolean {
    if (loss === null) return false;
    if (this.best === null || loss < this.best.loss) {
      this.best = { loss, epoch, weights: weights() };
      this.stale = 0;
      return false;
    }
    return this.patience > 0 && ++this.stale >= this.patience;
  }

  /** True once `patience` epochs in a row brought no better validation loss. */
  get stopped(): boolean {
    return this.patience > 0 && this.stale >= this.patience;
  }

  /** The best epoch's number and weights, or null without validation. */
  get result(): { epoch: number; weights: Float32Array } | null {
    return this.best;
  }

  /** The state to checkpoint (the best weights travel apart, as `result.weights`). */
  get state(): BestEpochState {
    return { best: this.best && { loss: this.best.loss, epoch: this.best.epoch }, stale: this.stale };
  }
}

// ---------------------------------------------------------------------------------------------
// Checkpoints of the epoch loop
// ---------------------------------------------------------------------------------------------

/**
 * What `trainBcRnn`, `trainBcEncoder` and `trainBcDom` save in a checkpoint (the JSON part; the
 * weights, the best weights and the shuffle order travel as arrays, see `EpochBcSnapshot`). With
 * it a resumed run takes the same minibatches with the same Adam state and ends with the same
 * weights, bit for bit, as an uninterrupted one.
 */
export interface EpochBcCheckpoint<R> {
  version: 1;
  /** Epochs done. */
  epoch: number;
  /** Minibatches of the epoch in progress done; 0 when the next epoch has not shuffled yet. */
  batchInEpoch: number;
  /** Minibatches done in all. */
  batch: number;
  /** The generator of the shuffles (and of augmentation) as it was at the checkpoint. */
  rngState: Pcg64State;
  /** Adam's step count and moments. */
  optimizer: TrainerState;
  /** Running sums of the epoch in progress (loss and correct are weighted by rows). */
  sums: { loss: number; correct: number; count: number };
  history: R[];
  best: BestEpochState;
  /** Seconds of training before the checkpoint; the records' `seconds` continue from it. */
  seconds: number;
}

/** A checkpoint with its arrays: what `onCheckpoint` gets and what `resume` takes. */
export interface EpochBcSnapshot<R> {
  checkpoint: EpochBcCheckpoint<R>;
  /** The policy's flat parameters. */
  weights: Float32Array;
  /** The best epoch's parameters (null before the first validation, or without validation). */
  bestWeights: Float32Array | null;
  /** The shuffle order: the epoch in progress's, or the last epoch's (shuffled again next). */
  order: Int32Array;
}

/** Callbacks, checkpoints and resume of the epoch-based BC trainers. */
export interface EpochBcOptions<R> {
  onEpoch?: (record: R) => void;
  /** Called at each epoch's end (and every `checkpointEvery` minibatches) with a state to persist. */
  onCheckpoint?: (snapshot: EpochBcSnapshot<R>) => void | Promise<void>;
  /** Continue from a snapshot given to `onCheckpoint`, with the same dataset and config. */
  resume?: EpochBcSnapshot<R>;
  signal?: AbortSignal;
}

/** The state of a run that has not started: epoch 0, nothing shuffled yet. */
export function freshEpochState<R>(rng: Rng, optimizer: TrainerState): EpochBcCheckpoint<R> {
  return {
    version: 1,
    epoch: 0,
    batchInEpoch: 0,
    batch: 0,
    rngState: rng.bitGenerator.getState(),
    optimizer,
    sums: { loss: 0, correct: 0, count: 0 },
    history: [],
    best: { best: null, stale: 0 },
    seconds: 0,
  };
}

/**
 * Checks a snapshot against the run about to continue from it (`what` names the trainer, `rows`
 * the training examples, `batchSize` the minibatch size) and returns its checkpoint, a copy.
 */
export function checkSnapshot<R>(
  what: string,
  snapshot: EpochBcSnapshot<R>,
  rows: number,
  batchesPerEpoch: number,
): EpochBcCheckpoint<R> {
  const state = snapshot.checkpoint;
  if (state?.version !== 1) {
    throw new InvalidOptionError(
      "resume",
      `${what}: the checkpoint to resume from is not version 1 of an epoch checkpoint; it was written by another trainer or another version of mimic.`,
    );
  }
  if (snapshot.order.length !== rows || state.batchInEpoch > batchesPerEpoch) {
    throw new ShapeMismatchError(
      `${what}: the checkpoint was saved training on ${snapshot.order.length} examples, and this run has ${rows}. Resume with the dataset and config the run started with.`,
    );
  }
  return structuredClone(state);
}

/** What an epoch trainer needs of its policy to checkpoint and resume it. */
export interface ResumablePolicy {
  getWeights(): Float32Array;
  setWeights(weights: ArrayLike<number>): void;
  getOptimizerState(): TrainerState;
  setOptimizerState(state: TrainerState): void;
}

/** An epoch trainer's resumable bookkeeping; see `epochTraining`. */
export interface EpochTraining<R> {
  /** The position, sums, history and generator state (mutated by the loop as it goes). */
  state: EpochBcCheckpoint<R>;
  best: BestEpoch;
  /** Seconds trained, those of earlier runs of a resumed training included. */
  seconds(): number;
  /** Hands `onCheckpoint` (if any) a snapshot of the policy, optimizer, order, generator and state. */
  checkpoint(): Promise<void>;
}

/**
 * Starts an epoch trainer's bookkeeping: fresh, or restored from `options.resume` into `policy`,
 * `order` and `rng` (after `checkSnapshot`; `what` names the trainer in its errors).
 */
export function epochTraining<R>(
  what: string,
  policy: ResumablePolicy,
  order: Int32Array,
  rng: Rng,
  patience: number,
  batchesPerEpoch: number,
  options: EpochBcOptions<R>,
): EpochTraining<R> {
  let state = freshEpochState<R>(rng, policy.getOptimizerState());
  let best = new BestEpoch(patience);
  if (options.resume) {
    state = checkSnapshot(what, options.resume, order.length, batchesPerEpoch);
    policy.setWeights(options.resume.weights);
    policy.setOptimizerState(state.optimizer);
    order.set(options.resume.order);
    rng.bitGenerator.setState(state.rngState);
    best = BestEpoch.restore(patience, state.best, options.resume.bestWeights);
  }
  const started = Date.now();
  const seconds = () => state.seconds + (Date.now() - started) / 1000;
  const checkpoint = async () => {
    if (!options.onCheckpoint) return;
    // The generator as the next minibatch will find it (after this epoch's shuffle and draws).
    state.rngState = rng.bitGenerator.getState();
    state.optimizer = policy.getOptimizerState();
    state.best = best.state;
    await options.onCheckpoint({
      checkpoint: { ...structuredClone(state), seconds: seconds() },
      weights: policy.getWeights(),
      bestWeights: best.result?.weights.slice() ?? null,
      order: order.slice(),
    });
  };
  return { state, best, seconds, checkpoint };
}
