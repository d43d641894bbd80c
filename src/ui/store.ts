/**
 * @module
 * What the dashboard app reads and writes, as an interface: the app (app.ts) knows nothing of the
 * filesystem, and `createFileStore` (file-store.ts) is the Node implementation over a runs root and
 * a datasets root. Ids are checked here, before any store call: a run id is one or two path
 * segments (`cartpole-bc`, `quickstart/bc`), a dataset id is one, and a segment is letters, digits,
 * '.', '_' and '-' not starting with '.', so `..`, hidden files and absolute paths are never ids.
 */

import type { MetricRecord } from "../runs/metrics.js";
import type { RunManifest, RunStatus } from "../runs/run-directory.js";
import type { KeptEpisode } from "./episode-replay.js";
import type { KeptWebEpisode } from "./web-teach.js";

export interface RunSummary {
  /** The run's path under the runs root, `/`-separated. */
  id: string;
  algorithm: string | null;
  env: string | null;
  status: RunStatus;
  /** The highest value of any logged return metric, else the manifest's `result.meanReturn`. */
  bestReturn: number | null;
  startTime: string;
  endTime: string | null;
  /** When manifest.json or metrics.jsonl last changed (ISO 8601): a "running" run that has not changed for long has probably died. */
  lastUpdate: string;
}

export interface RunDetail extends RunSummary {
  manifest: RunManifest;
  metrics: MetricRecord[];
  /** Lines of metrics.jsonl that were skipped, and why. */
  warnings: string[];
  hasReport: boolean;
}

export interface EpisodeSummary {
  index: number;
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
  seed: number | null;
}

export interface DatasetSummary {
  /** The file or directory name under the datasets root. */
  id: string;
  /** Minari's dataset_id from the metadata. */
  datasetId: string;
  format: "minari" | "jsonl";
  env: string | null;
  episodes: number;
  steps: number;
  returnMean: number;
  returnStd: number;
  returnMin: number;
  returnMax: number;
  lengthMean: number;
  terminatedEpisodes: number;
  truncatedEpisodes: number;
}

export interface DatasetDetail extends DatasetSummary {
  observationSpace: string;
  actionSpace: string;
  episodeList: EpisodeSummary[];
  warnings: string[];
}

/** One episode, its columns flat and row-major. */
export interface EpisodeData {
  dataset: string;
  index: number;
  env: string | null;
  /** The env's own options the dataset records (`EnvSpec.kwargs`, such as a GridWorld layout). */
  envOptions: Record<string, unknown> | null;
  obsDim: number;
  actDim: number;
  /** (length + 1) × obsDim values. */
  observations: number[];
  /** length × actDim values. */
  actions: number[];
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
  seed: number | null;
}

export interface AppendResult {
  dataset: string;
  /** The kept episode's index in the dataset. */
  index: number;
  episodes: number;
  length: number;
  return: number;
  created: boolean;
}

export interface Listing<T> {
  items: T[];
  /** Entries that were skipped, and why. */
  warnings: string[];
}

export interface UiStore {
  listRuns(): Promise<Listing<RunSummary>>;
  /** Null when there is no such run. */
  getRun(id: string): Promise<RunDetail | null>;
  getReport(id: string): Promise<string | null>;
  listDatasets(): Promise<Listing<DatasetSummary>>;
  getDataset(id: string): Promise<DatasetDetail | null>;
  getEpisode(id: string, index: number): Promise<EpisodeData | null>;
  /** Replays the episode in the real env and appends it to the dataset atomically (creating it if needed). */
  appendEpisode(kept: KeptEpisode): Promise<AppendResult>;
  /** Replays a taught web episode in a headless browser and appends it the same way (web-teach.ts). */
  appendWebEpisode(kept: KeptWebEpisode): Promise<AppendResult>;
  /** Releases what the store holds open (the replay browser). */
  close?(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** Whether `id` is a run id (one or two safe segments) or, with `maxSegments` 1, a dataset id. */
export function isSafeId(id: string, maxSegments: number): boolean {
  const parts = id.split("/");
  return parts.length >= 1 && parts.length <= maxSegments && parts.every((p) => SEGMENT.test(p));
}

/** Metric names that are returns (`eval_mean_return`, `mean_return`, `episode_return`, …). */
export function isReturnMetric(name: string): boolean {
  return /(^|_)return$/.test(name);
}

/** Names of the metrics that come from evaluation rollouts rather than from the optimizer. */
export function isEvaluationMetric(name: string): boolean {
  return /^eval_|(^|_)(return|iqm|normalized_score|success_rate)$/.test(name);
}

/** Summarizes a metrics log and manifest as the run list shows them. */
export function summarizeRun(
  id: string,
  manifest: RunManifest,
  metrics: readonly MetricRecord[],
  lastUpdate: string,
): RunSummary {
  const config = (manifest.config ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  let best: number | null = null;
  for (const record of metrics) {
    for (const [name, value] of Object.entries(record)) {
      if (isReturnMetric(name) && Number.isFinite(value) && (best === null || value > best)) best = value;
    }
  }
  const resultReturn = manifest.result?.meanReturn;
  if (best === null && typeof resultReturn === "number" && Number.isFinite(resultReturn)) best = resultReturn;
  return {
    id,
    algorithm: text(config.algorithm) ?? text(manifest.command[manifest.command.indexOf("train") + 1]),
    env: text(config.env) ?? text(config.envId),
    status: manifest.status,
    bestReturn: best,
    startTime: manifest.startTime,
    endTime: manifest.endTime,
    lastUpdate,
  };
}
