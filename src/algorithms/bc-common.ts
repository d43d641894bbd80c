/**
 * What the BC variants over composed policies (`bc-rnn.ts`, `bc-encoder.ts`) share: their config
 * check, the split by episode, the epoch shuffle and the best-epoch bookkeeping (BC's own
 * `bc.ts` keeps its resumable versions of these in its checkpoint).
 */
import type { z } from "zod";
import { InvalidOptionError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import type { Rng } from "../core/rng.js";
import type { Dataset } from "../data/dataset.js";

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

/** The epoch with the lowest validation loss so far, its weights, and early stopping. */
export class BestEpoch {
  private best: { loss: number; epoch: number; weights: Float32Array } | null = null;
  private stale = 0;

  constructor(private readonly patience: number) {}

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

  /** The best epoch's number and weights, or null without validation. */
  get result(): { epoch: number; weights: Float32Array } | null {
    return this.best;
  }
}
