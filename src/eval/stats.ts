/**
 * @module
 * Summary statistics for evaluation scores, following rliable (Agarwal et al., 2021, "Deep
 * Reinforcement Learning at the Edge of the Statistical Precipice"): the interquartile mean as the
 * robust point estimate, percentile-bootstrap confidence intervals around it, and a permutation
 * test for "does policy A score higher than policy B?". Every resampling function draws from
 * mimic's `Rng`, so its result is fixed by its seed.
 */
import { InvalidOptionError } from "../core/errors.js";
import { type Rng, rngFromSeed } from "../core/rng.js";

/** A sample of numbers: a plain array or a typed array. */
export type Sample = ArrayLike<number>;

function checkSample(values: Sample, where: string, name = "values"): void {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new InvalidOptionError(name, `${where}: ${name} must be an array of numbers.`);
  }
  if (values.length === 0) {
    throw new InvalidOptionError(name, `${where}: ${name} is empty; pass at least one number.`);
  }
}

/** The arithmetic mean. Throws on an empty sample. */
export function mean(values: Sample): number {
  checkSample(values, "mean");
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** The population standard deviation √(Σ (x − x̄)² / n) (numpy's default, `ddof = 0`). */
export function std(values: Sample): number {
  checkSample(values, "std");
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - m;
    sum += d * d;
  }
  return Math.sqrt(sum / values.length);
}

/** The smallest value. Throws on an empty sample. */
export function min(values: Sample): number {
  checkSample(values, "min");
  let out = values[0]!;
  for (let i = 1; i < values.length; i++) if (values[i]! < out) out = values[i]!;
  return out;
}

/** The largest value. Throws on an empty sample. */
export function max(values: Sample): number {
  checkSample(values, "max");
  let out = values[0]!;
  for (let i = 1; i < values.length; i++) if (values[i]! > out) out = values[i]!;
  return out;
}

/**
 * The interquartile mean: the mean of the middle 50% of the sorted values.
 *
 * Convention: rliable's `IQM` is `scipy.stats.trim_mean(x, proportiontocut=0.25)`, which drops
 * whole observations: ⌊0.25 · n⌋ of the smallest and as many of the largest, with no fractional
 * weighting of the boundary values. So n ≤ 3 keeps every value (the plain mean), n = 4 and n = 5
 * drop one at each end, and n = 8 drops two. Example: [5, 1, 9, 3, 100, 2, 8, 4] → mean(3, 4, 5, 8) = 5.
 */
export function iqm(values: Sample): number {
  checkSample(values, "iqm");
  const sorted = Float64Array.from(values).sort();
  const cut = Math.floor(0.25 * sorted.length);
  let sum = 0;
  for (let i = cut; i < sorted.length - cut; i++) sum += sorted[i]!;
  return sum / (sorted.length - 2 * cut);
}

/**
 * The q-th quantile (0 ≤ q ≤ 1) of values sorted ascending, by linear interpolation between the
 * closest ranks: numpy's default `percentile(method="linear")`.
 */
export function quantileSorted(sorted: Sample, q: number): number {
  checkSample(sorted, "quantileSorted", "sorted");
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const weight = position - below;
  return sorted[below]! + weight * (sorted[above]! - sorted[below]!);
}

/** Where a resampling function's randomness comes from. */
export interface RandomSource {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** The generator to draw from; the caller owns the stream. */
  rng?: Rng;
}

export interface BootstrapOptions extends RandomSource {
  /** Number of bootstrap resamples (default 2000). */
  resamples?: number;
  /** Coverage of the interval, in (0, 1) (default 0.95). */
  level?: number;
}

function sourceOf(options: RandomSource, where: string): Rng {
  if (options.rng !== undefined) return options.rng;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidOptionError("seed", `${where}: seed must be a non-negative integer, got ${seed}.`);
  }
  return rngFromSeed(seed);
}

function checkCount(value: number, name: string, where: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(name, `${where}: ${name} must be a positive integer, got ${value}.`);
  }
}

/**
 * A percentile-bootstrap confidence interval of `statistic(values)`: draw `resamples` samples of
 * n values with replacement, compute the statistic on each, and return the (1 − level)/2 and
 * (1 + level)/2 quantiles of those statistics (linear interpolation, as numpy's percentile).
 * This is rliable's default method for its interval estimates.
 *
 * `statistic` receives a scratch buffer that is overwritten by the next resample: it must not keep
 * it (every function in this module qualifies).
 */
export function bootstrapCi(
  values: Sample,
  statistic: (sample: Float64Array) => number,
  options: BootstrapOptions = {},
): [low: number, high: number] {
  checkSample(values, "bootstrapCi");
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  checkCount(resamples, "resamples", "bootstrapCi");
  if (!(level > 0 && level < 1)) {
    throw new InvalidOptionError(
      "level",
      `bootstrapCi: level must be in (0, 1), such as 0.95; got ${level}.`,
    );
  }
  const rng = sourceOf(options, "bootstrapCi");
  const n = values.length;
  const scratch = new Float64Array(n);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) scratch[i] = values[rng.integers(0, n)]!;
    stats[r] = statistic(scratch);
  }
  stats.sort();
  const alpha = (1 - level) / 2;
  return [quantileSorted(stats, alpha), quantileSorted(stats, 1 - alpha)];
}

export interface PermutationTestOptions extends RandomSource {
  /** Number of random relabellings (default 10000). */
  resamples?: number;
  /**
   * The alternative hypothesis (default "greater"): mean(a) > mean(b), mean(a) < mean(b), or
   * mean(a) ≠ mean(b) (two-sided, on |mean(a) − mean(b)|).
   */
  alternative?: "greater" | "less" | "two-sided";
}

/**
 * A two-sample permutation test of the difference of means, d = mean(a) − mean(b). Under the null
 * hypothesis the labels "a" and "b" are exchangeable, so the test pools both samples, relabels them
 * at random `resamples` times, and counts the relabellings whose difference is at least as extreme
 * as the observed one. The p-value is (count + 1) / (resamples + 1): the observed labelling counts
 * as one of the permutations (Phipson & Smyth, 2010), so p is never 0 and always in (0, 1].
 *
 * Differences within 1e-12 · (|observed| + mean |x|) of the observed one count as ties ("at least
 * as extreme"), so floating-point rounding in the sums cannot turn an equal relabelling into a
 * smaller one (scipy's `permutation_test` does the same with its own tolerance).
 */
export function permutationTest(a: Sample, b: Sample, options: PermutationTestOptions = {}): number {
  checkSample(a, "permutationTest", "a");
  checkSample(b, "permutationTest", "b");
  const resamples = options.resamples ?? 10000;
  checkCount(resamples, "resamples", "permutationTest");
  const alternative = options.alternative ?? "greater";
  if (alternative !== "greater" && alternative !== "less" && alternative !== "two-sided") {
    throw new InvalidOptionError(
      "alternative",
      `permutationTest: alternative must be "greater", "less" or "two-sided", got ${JSON.stringify(alternative)}.`,
    );
  }
  const rng = sourceOf(options, "permutationTest");
  const na = a.length;
  const n = na + b.length;
  const pool = new Float64Array(n);
  pool.set(Array.from(a));
  pool.set(Array.from(b), na);
  let total = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    total += pool[i]!;
    scale += Math.abs(pool[i]!);
  }
  const difference = (sumA: number): number => sumA / na - (total - sumA) / (n - na);
  let observedSumA = 0;
  for (let i = 0; i < na; i++) observedSumA += pool[i]!;
  const observed = difference(observedSumA);
  const tolerance = 1e-12 * (Math.abs(observed) + scale / n);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    // A partial Fisher–Yates shuffle: only the first na slots (the new "a" sample) need to be random.
    let sumA = 0;
    for (let i = 0; i < na; i++) {
      const j = rng.integers(i, n);
      const chosen = pool[j]!;
      pool[j] = pool[i]!;
      pool[i] = chosen;
      sumA += chosen;
    }
    const d = difference(sumA);
    if (
      alternative === "greater"
        ? d >= observed - tolerance
        : alternative === "less"
          ? d <= observed + tolerance
          : Math.abs(d) >= Math.abs(observed) - tolerance
    )
      extreme += 1;
  }
  return (extreme + 1) / (resamples + 1);
}

/**
 * The Wilson score interval of a binomial proportion (Wilson 1927; Brown, Cai & DasGupta 2001
 * recommend it over the normal "Wald" interval, which collapses to a point at 0% and 100%):
 * `(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`, at 95% (z = 1.959964).
 */
export function wilsonInterval(successes: number, trials: number, z = 1.959963984540054): [number, number] {
  if (
    !Number.isInteger(trials) ||
    trials < 1 ||
    !Number.isInteger(successes) ||
    successes < 0 ||
    successes > trials
  ) {
    throw new RangeError(
      `wilsonInterval: need 0 ≤ successes ≤ trials with trials ≥ 1, got ${successes} of ${trials}.`,
    );
  }
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const half = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const scale = 1 + z2 / trials;
  return [Math.max(0, (centre - half) / scale), Math.min(1, (centre + half) / scale)];
}
