/**
 * @module
 * A `Dataset` is a list of episodes with the spaces they live in and Minari-style metadata. Its
 * operations return new datasets and never change the one they are called on.
 */
import type { EnvSpec } from "../core/env.js";
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import type { Space } from "../core/spaces/index.js";
import { columnFor, type Layout, layoutFor } from "./columns.js";
import { Episode } from "./episode.js";

/** Per-dimension statistics of observations or actions. */
export interface ColumnStats {
  mean: number[];
  std: number[];
  min: number[];
  max: number[];
}

/** What `mimic data info` prints, and what training uses to normalize. */
export interface DatasetStats {
  episodes: number;
  steps: number;
  returnMean: number;
  returnStd: number;
  returnMin: number;
  returnMax: number;
  lengthMean: number;
  terminatedEpisodes: number;
  truncatedEpisodes: number;
  observations: ColumnStats;
  actions: ColumnStats;
}

/** Criteria for `filter`: every given bound must hold. */
export interface EpisodeFilter {
  minReturn?: number;
  maxReturn?: number;
  minLength?: number;
  maxLength?: number;
  /** Keep only episodes that terminated (true) or did not (false). */
  terminated?: boolean;
  /** Keep only episodes that were truncated (true) or were not (false). */
  truncated?: boolean;
}

/** Fractions of episodes per split; they must sum to 1. */
export interface SplitFractions {
  train: number;
  validation?: number;
  test?: number;
}

export interface DatasetInit {
  /** Minari's dataset id, `[namespace/]name-vN`, e.g. `cartpole/expert-v0`. */
  id: string;
  episodes: readonly Episode[];
  observationSpace: Space;
  actionSpace: Space;
  /** The env the episodes came from, when known. */
  envSpec?: EnvSpec | null;
  /** Other metadata (Minari's keys, snake_case, as read from or written to metadata.json). */
  metadata?: Readonly<Record<string, unknown>>;
}

export class Dataset {
  readonly id: string;
  readonly episodes: readonly Episode[];
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly envSpec: EnvSpec | null;
  readonly metadata: Readonly<Record<string, unknown>>;

  constructor(init: DatasetInit) {
    this.id = init.id;
    this.episodes = init.episodes;
    this.observationSpace = init.observationSpace;
    this.actionSpace = init.actionSpace;
    this.envSpec = init.envSpec ?? null;
    this.metadata = init.metadata ?? {};
    const layout = layoutFor(init.observationSpace, "observation");
    const obsDim = layout.dim;
    const actDim = columnFor(init.actionSpace, "action").dim;
    for (const e of init.episodes) {
      checkLeaves(init.id, e, layout);
      if (e.obsDim !== obsDim) {
        throw new ShapeMismatchError(
          `dataset ${init.id}: episode ${e.id} has ${e.obsDim} values per observation, but ${init.observationSpace} needs ${obsDim}.`,
        );
      }
      if (e.actDim !== actDim) {
        throw new ShapeMismatchError(
          `dataset ${init.id}: episode ${e.id} has ${e.actDim} values per action, but ${init.actionSpace} needs ${actDim}.`,
        );
      }
    }
  }

  /** Total steps (actions) over all episodes. */
  get totalSteps(): number {
    return this.episodes.reduce((sum, e) => sum + e.length, 0);
  }

  /** A dataset like this one with other episodes (and optionally another id). */
  withEpisodes(episodes: readonly Episode[], id = this.id): Dataset {
    return new Dataset({ ...this, id, episodes });
  }

  /** Episodes that meet every bound of `criteria` (or a predicate). */
  filter(criteria: EpisodeFilter | ((episode: Episode) => boolean)): Dataset {
    const keep =
      typeof criteria === "function"
        ? criteria
        : (e: Episode) => {
            const ret = e.return;
            return (
              (criteria.minReturn === undefined || ret >= criteria.minReturn) &&
              (criteria.maxReturn === undefined || ret <= criteria.maxReturn) &&
              (criteria.minLength === undefined || e.length >= criteria.minLength) &&
              (criteria.maxLength === undefined || e.length <= criteria.maxLength) &&
              (criteria.terminated === undefined || e.terminated === criteria.terminated) &&
              (criteria.truncated === undefined || e.truncated === criteria.truncated)
            );
          };
    return this.withEpisodes(this.episodes.filter(keep));
  }

  /** The k episodes with the highest return (ties keep dataset order), in dataset order. */
  topK(k: number): Dataset {
    checkCount(k, "topK");
    const chosen = new Set(
      this.episodes
        .map((e, index) => ({ index, ret: e.return }))
        .sort((a, b) => b.ret - a.ret || a.index - b.index)
        .slice(0, k)
        .map((x) => x.index),
    );
    return this.withEpisodes(this.episodes.filter((_, index) => chosen.has(index)));
  }

  /** A uniform random sample of k episodes (without replacement), in dataset order. */
  sample(k: number, seed: number | Rng): Dataset {
    checkCount(k, "sample");
    const order = shuffledIndices(this.episodes.length, seed)
      .slice(0, k)
      .sort((a, b) => a - b);
    return this.withEpisodes(order.map((i) => this.episodes[i]!));
  }

  /**
   * Cuts every episode before its first step that holds NaN or ±Infinity (in the observation, the
   * action, the reward or the next observation). A cut episode keeps its clean prefix and is
   * marked truncated; one with no clean step is dropped. Reports what it removed.
   */
  dropNonFinite(): { dataset: Dataset; droppedSteps: number; droppedEpisodes: number; cutEpisodes: number } {
    let droppedSteps = 0;
    let droppedEpisodes = 0;
    let cutEpisodes = 0;
    const kept: Episode[] = [];
    for (const e of this.episodes) {
      const bad = firstNonFiniteStep(e);
      if (bad === -1) {
        kept.push(e);
        continue;
      }
      droppedSteps += e.length - bad;
      if (bad === 0) {
        droppedEpisodes += 1;
        continue;
      }
      cutEpisodes += 1;
      kept.push(
        new Episode({
          id: e.id,
          observations: e.sliceObservations(0, bad + 1),
          actions: e.actions.slice(0, bad * e.actDim),
          rewards: e.rewards.slice(0, bad),
          terminated: false,
          truncated: true,
          obsDim: e.obsDim,
          actDim: e.actDim,
          seed: e.seed,
        }),
      );
    }
    return { dataset: this.withEpisodes(kept), droppedSteps, droppedEpisodes, cutEpisodes };
  }

  /** This dataset's episodes followed by the others', renumbered 0…n−1. Spaces must match. */
  merge(others: readonly Dataset[], id = this.id): Dataset {
    for (const other of others) {
      if (
        String(other.observationSpace) !== String(this.observationSpace) ||
        String(other.actionSpace) !== String(this.actionSpace)
      ) {
        throw new ShapeMismatchError(
          `merge: dataset ${other.id} has spaces ${other.observationSpace} / ${other.actionSpace}, but ${this.id} has ${this.observationSpace} / ${this.actionSpace}.`,
        );
      }
    }
    const all = [this, ...others].flatMap((d) => d.episodes);
    return this.withEpisodes(
      all.map((e, i) => e.withId(i)),
      id,
    );
  }

  /** Splits by episode under a seed: each episode lands in exactly one part. */
  split(
    fractions: SplitFractions,
    seed: number | Rng,
  ): { train: Dataset; validation: Dataset; test: Dataset } {
    const parts = [fractions.train, fractions.validation ?? 0, fractions.test ?? 0];
    if (parts.some((f) => !(f >= 0 && f <= 1)) || Math.abs(parts.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
      throw new InvalidOptionError(
        "fractions",
        `split: train, validation and test must be in [0, 1] and sum to 1, got ${parts.join(", ")}.`,
      );
    }
    const order = shuffledIndices(this.episodes.length, seed);
    const n = order.length;
    const nTrain = Math.round(parts[0]! * n);
    const nValidation = Math.min(n - nTrain, Math.round(parts[1]! * n));
    const pick = (indices: number[], suffix: string) =>
      this.withEpisodes(
        indices.sort((a, b) => a - b).map((i) => this.episodes[i]!),
        `${this.id}:${suffix}`,
      );
    return {
      train: pick(order.slice(0, nTrain), "train"),
      validation: pick(order.slice(nTrain, nTrain + nValidation), "validation"),
      test: pick(order.slice(nTrain + nValidation), "test"),
    };
  }

  /** k folds by episode under a seed: fold i validates on the i-th part and trains on the rest. */
  kFold(k: number, seed: number | Rng): { train: Dataset; validation: Dataset }[] {
    if (!Number.isInteger(k) || k < 2 || k > this.episodes.length) {
      throw new InvalidOptionError(
        "k",
        `kFold: k must be an integer from 2 to the number of episodes (${this.episodes.length}), got ${k}.`,
      );
    }
    const order = shuffledIndices(this.episodes.length, seed);
    return Array.from({ length: k }, (_, fold) => {
      const inFold = new Set(order.filter((_, j) => j % k === fold));
      const pick = (keep: (i: number) => boolean, suffix: string) =>
        this.withEpisodes(
          this.episodes.filter((_, i) => keep(i)),
          `${this.id}:fold${fold}-${suffix}`,
        );
      return {
        train: pick((i) => !inFold.has(i), "train"),
        validation: pick((i) => inFold.has(i), "validation"),
      };
    });
  }

  /** Episode counts, returns, and per-dimension observation and action statistics. */
  stats(): DatasetStats {
    const returns = this.episodes.map((e) => e.return);
    const n = returns.length;
    const mean = n === 0 ? Number.NaN : returns.reduce((a, b) => a + b, 0) / n;
    const std = n === 0 ? Number.NaN : Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / n);
    const layout = layoutFor(this.observationSpace, "observation");
    const actDim = columnFor(this.actionSpace, "action").dim;
    return {
      episodes: n,
      steps: this.totalSteps,
      returnMean: mean,
      returnStd: std,
      returnMin: n === 0 ? Number.NaN : Math.min(...returns),
      returnMax: n === 0 ? Number.NaN : Math.max(...returns),
      lengthMean: n === 0 ? Number.NaN : this.totalSteps / n,
      terminatedEpisodes: this.episodes.filter((e) => e.terminated).length,
      truncatedEpisodes: this.episodes.filter((e) => e.truncated).length,
      observations: observationStats(this.episodes, layout),
      actions: columnStats(
        this.episodes.map((e) => e.actions),
        actDim,
      ),
    };
  }
}

function checkCount(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 0)
    throw new InvalidOptionError("k", `${what}: k must be a non-negative integer, got ${k}.`);
}

/** A Fisher–Yates permutation of 0…n−1 under a seed. */
function shuffledIndices(n: number, seed: number | Rng): number[] {
  const rng = typeof seed === "number" ? rngFromSeed(seed) : seed;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integers(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** A Dict or Tuple space's episodes hold its leaves, in its leaf order, with its leaf sizes. */
function checkLeaves(id: string, e: Episode, layout: Layout): void {
  const where = `dataset ${id}: episode ${e.id}`;
  if (!layout.composite) {
    if (e.observationLeaves !== null) {
      throw new ShapeMismatchError(
        `${where} holds observation leaves (${Object.keys(e.observationLeaves).join(", ")}), but ${layout.space} is not a Dict or Tuple space.`,
      );
    }
    return;
  }
  const paths = layout.leaves.map((l) => l.path);
  if (e.observationLeaves === null) {
    throw new ShapeMismatchError(
      `${where} holds flat observations, but ${layout.space} is stored as leaf columns (${paths.join(", ")}). ` +
        "Build the episode's observations with layoutFor(space).create and write.",
    );
  }
  const have = Object.keys(e.observationLeaves);
  if (have.join("\n") !== paths.join("\n")) {
    throw new ShapeMismatchError(
      `${where} has observation leaves ${have.join(", ")}; ${layout.space} needs ${paths.join(", ")}, in that order.`,
    );
  }
  const rows = e.length + 1;
  for (const leaf of layout.leaves) {
    const n = e.observationLeaves[leaf.path]!.length / rows;
    if (n !== leaf.column.dim) {
      throw new ShapeMismatchError(
        `${where}: observations.${leaf.path} has ${n} values per row, but ${leaf.space} needs ${leaf.column.dim}.`,
      );
    }
  }
}

/** Per-dimension statistics of the packed observation rows, computed leaf by leaf for a Dict or Tuple. */
function observationStats(episodes: readonly Episode[], layout: Layout): ColumnStats {
  if (!layout.composite) {
    return columnStats(
      episodes.map((e) => e.observations),
      layout.dim,
    );
  }
  const parts = layout.leaves.map((leaf) =>
    columnStats(
      episodes.map((e) => e.observationLeaves![leaf.path]!),
      leaf.column.dim,
    ),
  );
  return {
    mean: parts.flatMap((p) => p.mean),
    std: parts.flatMap((p) => p.std),
    min: parts.flatMap((p) => p.min),
    max: parts.flatMap((p) => p.max),
  };
}

function firstNonFiniteStep(e: Episode): number {
  const rowOk = (data: ArrayLike<number>, row: number, dim: number) => {
    for (let k = row * dim; k < (row + 1) * dim; k++) if (!Number.isFinite(data[k]!)) return false;
    return true;
  };
  const leaves =
    e.observationLeaves === null
      ? [{ data: e.observations, dim: e.obsDim }]
      : Object.values(e.observationLeaves).map((data) => ({ data, dim: data.length / (e.length + 1) }));
  const obsOk = (row: number) => leaves.every(({ data, dim }) => rowOk(data, row, dim));
  for (let t = 0; t < e.length; t++) {
    if (!obsOk(t) || !obsOk(t + 1) || !rowOk(e.actions, t, e.actDim) || !Number.isFinite(e.rewards[t]!)) {
      return t;
    }
  }
  return -1;
}

/** Mean, population std, min and max per dimension over all rows (float64 accumulation). */
export function columnStats(columns: readonly ArrayLike<number>[], dim: number): ColumnStats {
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  const min = new Float64Array(dim).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(dim).fill(Number.NEGATIVE_INFINITY);
  let rows = 0;
  for (const data of columns) {
    for (let k = 0; k < data.length; k++) {
      const d = k % dim;
      const v = data[k]!;
      sum[d] = sum[d]! + v;
      sumSq[d] = sumSq[d]! + v * v;
      if (v < min[d]!) min[d] = v;
      if (v > max[d]!) max[d] = v;
    }
    rows += data.length / dim;
  }
  const mean = Array.from(sum, (s) => s / rows);
  const std = Array.from(sumSq, (s, d) => Math.sqrt(Math.max(0, s / rows - mean[d]! ** 2)));
  return { mean, std, min: Array.from(min), max: Array.from(max) };
}
