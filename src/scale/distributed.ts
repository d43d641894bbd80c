/**
 * @module
 * The distributed twins of the local workflows: collection, evaluation and grid search, split
 * into units by seed range (or grid point), run on workers, and put back together in seed order.
 * The result is what the local path returns for the same seeds: the same episodes (each exactly
 * once, ids 0…n−1 in seed order, as `collect` numbers them), the same evaluation summary, the
 * same validation losses.
 */

import type { BcConfig } from "../algorithms/bc.js";
import type { DaggerEpisodeRequest, DaggerRollouts, DaggerTrajectory } from "../algorithms/dagger.js";
import type { EnvSpec } from "../core/env.js";
import { JobFailedError } from "../core/errors.js";
import { make } from "../core/registry.js";
import type { Episode } from "../data/episode.js";
import { type EvalResult, summarizeEpisodes } from "../eval/evaluate.js";
import type { ReportTable } from "../runs/report.js";
import { type Assignment, newRunId, type RunUnitsOptions, runUnits, seedRanges } from "./coordinator.js";
import {
  type CollectUnit,
  type DaggerEpisodesUnit,
  type EvaluateUnit,
  type TuneCellUnit,
  unitSize,
} from "./units.js";
import { decodeEpisode, decodeTrajectory, type WireEpisode } from "./wire.js";

/** How the work was shared out: one line per job, and the totals per worker. */
export interface ScaleReport {
  queue: string;
  run: string;
  jobs: Assignment[];
  workers: { worker: string; jobs: number; units: number; ms: number }[];
  /** Jobs started more than once (their first worker stopped). */
  redelivered: string[];
  /** Jobs whose results came from an earlier, interrupted coordinator of this run (a resume). */
  resumed: string[];
}

export function scaleReport(queue: string, run: string, jobs: readonly Assignment[]): ScaleReport {
  const byWorker = new Map<string, { worker: string; jobs: number; units: number; ms: number }>();
  for (const job of jobs) {
    const w = byWorker.get(job.worker) ?? { worker: job.worker, jobs: 0, units: 0, ms: 0 };
    w.jobs += 1;
    w.units += unitSize(job.unit);
    w.ms += job.ms;
    byWorker.set(job.worker, w);
  }
  return {
    queue,
    run,
    jobs: jobs.map(({ jobId, unit, worker, ms, starts, resumed }) => ({
      jobId,
      unit,
      worker,
      ms,
      starts,
      resumed,
    })),
    workers: [...byWorker.values()].sort((a, b) => a.worker.localeCompare(b.worker)),
    redelivered: jobs.filter((j) => j.starts > 1).map((j) => j.jobId),
    resumed: jobs.filter((j) => j.resumed).map((j) => j.jobId),
  };
}

/** The report as a table for a run's report.html: one row per worker. */
export function scaleReportTable(report: ScaleReport): ReportTable {
  return {
    title: "Workers",
    caption:
      `Jobs on queue ${report.queue} (run ${report.run}), by the worker that finished them.` +
      (report.redelivered.length > 0
        ? ` Re-run after their first worker stopped: ${report.redelivered.join(", ")}.`
        : " No job had to be re-run."),
    columns: ["worker", "jobs", "units", "seconds"],
    rows: report.workers.map((w) => [w.worker, w.jobs, w.units, Number((w.ms / 1000).toFixed(2))]),
  };
}

export interface DistributedOptions extends RunUnitsOptions {
  /** Jobs to split the seeds into (default: one per 8 episodes, at least 4, at most 256). */
  jobs?: number;
}

function jobCount(episodes: number, jobs: number | undefined): number {
  return jobs ?? Math.min(256, Math.max(4, Math.ceil(episodes / 8)));
}

function withRun(options: DistributedOptions): DistributedOptions & { run: string; queue: string } {
  return {
    ...options,
    run: options.run ?? newRunId(),
    queue: options.queue ?? "jobs",
  };
}

/**
 * Scripted-expert episodes for seeds `seed … seed + episodes − 1` (what `mimic collect` records
 * with one env), collected by the queue's workers. Episodes come back keyed by seed: each seed
 * is in the result exactly once, whatever was delivered twice.
 */
export async function collectOnWorkers(
  spec: { envId: string; envOptions?: Record<string, unknown>; episodes: number; seed: number },
  options: DistributedOptions,
): Promise<{ episodes: Episode[]; report: ScaleReport }> {
  const opts = withRun(options);
  const units: CollectUnit[] = seedRanges(
    spec.seed,
    spec.episodes,
    jobCount(spec.episodes, options.jobs),
  ).map((r) => ({ kind: "collect", envId: spec.envId, envOptions: spec.envOptions ?? {}, ...r }));
  const outcomes = await runUnits(units, opts);
  // (job id, seed) → episode: a job's result replaces an earlier one for the same job and seed.
  const bySeed = new Map<number, { jobId: string; wire: WireEpisode }>();
  for (const outcome of outcomes) {
    for (const wire of outcome.result.episodes) {
      if (wire.seed === null)
        throw new JobFailedError(outcome.jobId, `job ${outcome.jobId}: an episode has no seed.`);
      bySeed.set(wire.seed, { jobId: outcome.jobId, wire });
    }
  }
  const episodes: Episode[] = [];
  for (let k = 0; k < spec.episodes; k++) {
    const entry = bySeed.get(spec.seed + k);
    if (entry === undefined) {
      throw new JobFailedError(
        opts.run,
        `run ${opts.run}: no worker returned the episode of seed ${spec.seed + k}.`,
      );
    }
    episodes.push(decodeEpisode(entry.wire, k));
  }
  if (bySeed.size !== spec.episodes) {
    throw new JobFailedError(
      opts.run,
      `run ${opts.run}: workers returned ${bySeed.size} distinct seeds for ${spec.episodes} episodes.`,
    );
  }
  return { episodes, report: scaleReport(opts.queue, opts.run, outcomes) };
}

/**
 * A saved policy's evaluation over seeds `seed … seed + episodes − 1` (what `mimic eval` runs),
 * by the queue's workers; `spec` is the policy's env spec, which the summary's normalized score
 * and success rate come from. The policy path must be readable on every worker.
 */
export async function evaluateOnWorkers(
  spec: { policy: string; envSpec: EnvSpec; episodes: number; seed: number },
  options: DistributedOptions,
): Promise<{ result: EvalResult; report: ScaleReport }> {
  const opts = withRun(options);
  const units: EvaluateUnit[] = seedRanges(
    spec.seed,
    spec.episodes,
    jobCount(spec.episodes, options.jobs),
  ).map((r) => ({ kind: "evaluate", policy: spec.policy, ...r }));
  const outcomes = await runUnits(units, opts);
  const bySeed = new Map(outcomes.flatMap((o) => o.result.episodes.map((e) => [e.seed, e] as const)));
  const ordered = Array.from({ length: spec.episodes }, (_, k) => {
    const episode = bySeed.get(spec.seed + k);
    if (episode === undefined)
      throw new JobFailedError(
        opts.run,
        `run ${opts.run}: no worker returned evaluation seed ${spec.seed + k}.`,
      );
    return episode;
  });
  return {
    result: summarizeEpisodes(spec.envSpec, ordered, { seed: spec.seed }),
    report: scaleReport(opts.queue, opts.run, outcomes),
  };
}

/** The env spec `make(envId, envOptions)` gives (for `evaluateOnWorkers`' summary). */
export function envSpecOf(envId: string, envOptions: Record<string, unknown> = {}): EnvSpec {
  return make(envId, envOptions).spec;
}

/**
 * A `scoreGrid` for `tuneBc`: one job per grid point, each running `crossValidate` on the
 * dataset at `dataset` (a path every worker can read). `onReport` receives who did what.
 */
export function gridOnWorkers(
  dataset: string,
  options: DistributedOptions,
  onReport?: (report: ScaleReport) => void,
): (
  configs: readonly BcConfig[],
  folds: { folds: number; seed: number },
  onCell: (index: number, foldLosses: number[]) => void,
) => Promise<number[][]> {
  return async (configs, { folds, seed }, onCell) => {
    const opts = withRun(options);
    const units: TuneCellUnit[] = configs.map((config, index) => ({
      kind: "tune-cell",
      dataset,
      index,
      config: config as Record<string, unknown>,
      folds,
      seed,
    }));
    // JSON has no NaN: a fold without a validation loss comes back as null.
    const losses = (o: { result: unknown }) =>
      (o.result as { foldLosses: (number | null)[] }).foldLosses.map((l) => (l === null ? Number.NaN : l));
    const outcomes = await runUnits(units, {
      ...opts,
      onProgress: (p) => {
        opts.onProgress?.(p);
        const cell = p.job.unit as TuneCellUnit;
        onCell(cell.index, losses(p.job));
      },
    });
    onReport?.(scaleReport(opts.queue, opts.run, outcomes));
    return outcomes.map(losses);
  };
}

/**
 * `trainDagger`'s `rollouts` on the queue's workers (scripted expert only; `betaStream:
 * "episode"`): each batch of a round's episodes is split into up to `jobs` jobs (default 4), and
 * the trajectories come back in the order asked. `onReport` receives who did what after each batch.
 */
export function daggerRolloutsOnWorkers(
  spec: { envId: string; envOptions?: Record<string, unknown>; batch?: number },
  options: DistributedOptions,
  onReport?: (report: ScaleReport) => void,
): DaggerRollouts {
  const opts = withRun(options);
  const jobs: Assignment[] = [];
  let batches = 0;
  return {
    batch: spec.batch ?? 8,
    async run(requests: readonly DaggerEpisodeRequest[], learner): Promise<DaggerTrajectory[]> {
      batches += 1;
      const chunks = seedRanges(0, requests.length, opts.jobs ?? 4);
      const units: DaggerEpisodesUnit[] = chunks.map((c) => ({
        kind: "dagger-episodes",
        envId: spec.envId,
        envOptions: spec.envOptions ?? {},
        learner,
        requests: requests.slice(c.seed, c.seed + c.episodes),
      }));
      const outcomes = await runUnits(units, { ...opts, run: `${opts.run}-b${batches}` });
      for (const { result: _, ...assignment } of outcomes) jobs.push(assignment);
      onReport?.(scaleReport(opts.queue, opts.run, jobs));
      return outcomes.flatMap((o) => o.result.trajectories.map(decodeTrajectory));
    },
  };
}
