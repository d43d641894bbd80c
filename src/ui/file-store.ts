/**
 * @module
 * The dashboard's store on the local filesystem: runs under one root (`runs/<name>/` or
 * `runs/<group>/<name>/`, each with a manifest.json), datasets under another (Minari directories
 * and `.jsonl` files). Every id is checked (see `isSafeId`) and then resolved, symlinks included,
 * strictly inside its root before anything is read, so no request reaches a file outside the roots.
 * Datasets are cached by file size and modification time; appends to one dataset are serialized
 * and each is an atomic rewrite (see `saveDataset`).
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Browser } from "playwright-core";
import { storableKwargs } from "../core/env.js";
import { DatasetFormatError, RunDirectoryError } from "../core/errors.js";
import { make } from "../core/registry.js";
import { Dataset } from "../data/dataset.js";
import type { Episode } from "../data/episode.js";
import { isJsonlPath, loadDataset, saveDataset } from "../data/store.js";
import { MANIFEST_FILE, METRICS_FILE, REPORT_FILE, RunDirectory } from "../runs/run-directory.js";
import { type KeptEpisode, replayEpisode, teachEnvOptions } from "./episode-replay.js";
import { parseMetricsLenient } from "./metrics.js";
import {
  type AppendResult,
  type DatasetDetail,
  type DatasetSummary,
  type EpisodeData,
  isSafeId,
  type Listing,
  type RunDetail,
  type RunSummary,
  summarizeRun,
  type UiStore,
} from "./store.js";
import { type KeptWebEpisode, replayWebEpisode } from "./web-teach.js";

export interface FileStoreOptions {
  /** Where runs live (default "runs"). */
  runs: string;
  /** Where datasets live (default "datasets"); teach mode creates it on the first kept episode. */
  datasets: string;
  /** The Chromium executable that replays taught web episodes (default: `findChromium`). */
  chromium?: string;
}

/** What the person's episodes are recorded as in a dataset's metadata. */
export const TEACH_ALGORITHM = "human demonstrations (mimic ui teach mode)";

/**
 * `root/id` when it exists and lies inside `root` after following symlinks; null otherwise (the
 * caller answers 404). `maxSegments` is 2 for runs and 1 for datasets.
 */
export async function resolveInside(root: string, id: string, maxSegments: number): Promise<string | null> {
  if (!isSafeId(id, maxSegments)) return null;
  const base = await realpath(resolve(root)).catch(() => null);
  if (base === null) return null;
  const target = await realpath(join(base, ...id.split("/"))).catch(() => null);
  if (target === null) return null;
  const rel = relative(base, target);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) return null;
  return target;
}

interface CachedDataset {
  key: string;
  dataset: Dataset;
  warnings: string[];
}

export function createFileStore(options: FileStoreOptions): UiStore {
  const runsRoot = resolve(options.runs);
  const datasetsRoot = resolve(options.datasets);
  const cache = new Map<string, CachedDataset>();
  const appending = new Map<string, Promise<unknown>>();

  async function readRun(id: string, dir: string): Promise<{ detail: RunDetail } | { error: string }> {
    let manifest: Awaited<ReturnType<typeof RunDirectory.readManifest>>;
    try {
      manifest = await RunDirectory.readManifest(dir);
    } catch (error) {
      if (error instanceof RunDirectoryError) return { error: `run ${id}: ${error.message}` };
      throw error;
    }
    const metricsPath = join(dir, METRICS_FILE);
    const text = existsSync(metricsPath) ? await readFile(metricsPath, "utf8") : "";
    const times = await Promise.all(
      [join(dir, MANIFEST_FILE), metricsPath].map((f) =>
        stat(f).then(
          (i) => i.mtimeMs,
          () => 0,
        ),
      ),
    );
    const lastUpdate = new Date(Math.max(...times)).toISOString();
    const { records, warnings } = parseMetricsLenient(text, `${id}/${METRICS_FILE}`);
    return {
      detail: {
        ...summarizeRun(id, manifest, records, lastUpdate),
        manifest,
        metrics: records,
        warnings,
        hasReport: existsSync(join(dir, REPORT_FILE)),
      },
    };
  }

  /** Run directories: children of the root with a manifest, and their children with one (one level of grouping). */
  async function runIds(): Promise<string[]> {
    const ids: string[] = [];
    const entries = await readdir(runsRoot, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || !isSafeId(entry.name, 1)) continue;
      if (existsSync(join(runsRoot, entry.name, MANIFEST_FILE))) {
        ids.push(entry.name);
        continue;
      }
      const children = await readdir(join(runsRoot, entry.name), { withFileTypes: true }).catch(() => []);
      for (const child of children) {
        if (
          child.isDirectory() &&
          isSafeId(child.name, 1) &&
          existsSync(join(runsRoot, entry.name, child.name, MANIFEST_FILE))
        ) {
          ids.push(`${entry.name}/${child.name}`);
        }
      }
    }
    return ids.sort();
  }

  async function datasetKey(path: string): Promise<string | null> {
    const file = isJsonlPath(path) ? path : join(path, "data", "main_data.hdf5");
    const info = await stat(file).catch(() => null);
    return info === null ? null : `${info.size}:${info.mtimeMs}`;
  }

  async function readDataset(path: string): Promise<CachedDataset> {
    const key = await datasetKey(path);
    const hit = cache.get(path);
    if (hit && key !== null && hit.key === key) return hit;
    const { dataset, warnings } = await loadDataset(path);
    const entry = { key: key ?? "", dataset, warnings };
    cache.set(path, entry);
    return entry;
  }

  function summarizeDataset(id: string, dataset: Dataset): DatasetSummary {
    const stats = dataset.stats();
    return {
      id,
      datasetId: dataset.id,
      format: isJsonlPath(id) ? "jsonl" : "minari",
      env: dataset.envSpec?.id ?? null,
      episodes: stats.episodes,
      steps: stats.steps,
      returnMean: stats.returnMean,
      returnStd: stats.returnStd,
      returnMin: stats.returnMin,
      returnMax: stats.returnMax,
      lengthMean: stats.lengthMean,
      terminatedEpisodes: stats.terminatedEpisodes,
      truncatedEpisodes: stats.truncatedEpisodes,
    };
  }

  /**
   * The dataset `name` under the root, when there is one: it must lie inside the root
   * (resolveInside follows symlinks) and hold episodes of `envId`.
   */
  async function existingDataset(
    name: string,
    envId: string,
  ): Promise<{ path: string; existing: Dataset | null }> {
    const path = join(datasetsRoot, name);
    if (existsSync(path) && (await resolveInside(datasetsRoot, name, 1)) === null) {
      throw new DatasetFormatError(
        { file: path },
        `${name} is not a dataset inside ${datasetsRoot}; choose another name.`,
      );
    }
    if (!existsSync(path)) return { path, existing: null };
    const existing = (await readDataset(path)).dataset;
    const env = existing.envSpec?.id ?? null;
    if (env !== envId) {
      throw new DatasetFormatError(
        { file: path },
        `dataset ${name} holds ${env ?? "episodes of an unnamed env"}, not ${envId}; keep this episode in another dataset.`,
      );
    }
    return { path, existing };
  }

  /** Adds `episode` (of an env with these spaces and spec) to the dataset at `path`, atomically. */
  async function saveAppended(
    name: string,
    path: string,
    existing: Dataset | null,
    episode: Episode,
    env: Pick<Dataset, "observationSpace" | "actionSpace" | "envSpec">,
  ): Promise<AppendResult> {
    const base = name.replace(/\.jsonl$/, "");
    const fresh = new Dataset({
      id: /-v\d+$/.test(base) ? base : `${base}-v0`,
      episodes: [episode],
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.envSpec,
      metadata: { algorithm_name: TEACH_ALGORITHM },
    });
    for (const [what, theirs, ours] of [
      ["observation", existing?.observationSpace, fresh.observationSpace],
      ["action", existing?.actionSpace, fresh.actionSpace],
    ] as const) {
      if (existing && String(theirs) !== String(ours)) {
        throw new DatasetFormatError(
          { file: path },
          `dataset ${name} has ${what} space ${theirs}, but ${env.envSpec?.id} has ${ours}; keep this episode in another dataset.`,
        );
      }
    }
    const next = existing ? existing.withEpisodes([...existing.episodes, episode]) : fresh;
    await mkdir(datasetsRoot, { recursive: true });
    await saveDataset(path, next, existing ? {} : { algorithmName: TEACH_ALGORITHM });
    cache.delete(path);
    return {
      dataset: name,
      index: episode.id,
      episodes: next.episodes.length,
      length: episode.length,
      return: episode.return,
      created: existing === null,
    };
  }

  async function append(kept: KeptEpisode): Promise<AppendResult> {
    const envOptions = teachEnvOptions(kept); // bad options fail before any dataset is read
    const { path, existing } = await existingDataset(kept.dataset, kept.envId);
    if (existing) {
      // The same env means the same options too (a GridWorld layout).
      const theirs = JSON.stringify(storableKwargs(existing.envSpec?.kwargs));
      const ours = JSON.stringify(storableKwargs(kept.envOptions));
      if (theirs !== ours) {
        throw new DatasetFormatError(
          { file: path },
          `dataset ${kept.dataset} was recorded in ${kept.envId} with env options ${theirs}, and this episode was played with ${ours}; keep it in another dataset.`,
        );
      }
    }
    const episode = replayEpisode(kept, existing?.episodes.length ?? 0);
    const env = make(kept.envId as string, envOptions);
    try {
      return await saveAppended(kept.dataset, path, existing, episode, {
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        envSpec: env.spec,
      });
    } finally {
      env.close?.();
    }
  }

  /** One headless browser for replaying taught web episodes, started on the first one. */
  let browser: Promise<Browser> | null = null;

  async function appendWeb(kept: KeptWebEpisode): Promise<AppendResult> {
    const { path, existing } = await existingDataset(kept.dataset, `web:${kept.task}`);
    const { launchBrowser } = await import("../envs/web/browser.js");
    const { createWebEnv } = await import("../envs/web/web-env.js");
    browser ??= launchBrowser(options.chromium === undefined ? {} : { executablePath: options.chromium });
    const launched = await browser.catch((error: unknown) => {
      browser = null;
      throw error;
    });
    const env = await createWebEnv({ task: kept.task, browser: launched, reward: "raw" });
    try {
      const episode = await replayWebEpisode(env, kept, existing?.episodes.length ?? 0);
      return await saveAppended(kept.dataset, path, existing, episode, {
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        envSpec: env.spec,
      });
    } finally {
      await env.close();
    }
  }

  /** Runs `write` after the previous append to the same dataset: each reads the last one's result. */
  function serialized(name: string, write: () => Promise<AppendResult>): Promise<AppendResult> {
    const key = join(datasetsRoot, name);
    const previous = appending.get(key) ?? Promise.resolve();
    const done = previous.catch(() => undefined).then(write);
    appending.set(key, done);
    void done
      .finally(() => {
        if (appending.get(key) === done) appending.delete(key);
      })
      .catch(() => undefined);
    return done;
  }

  return {
    async listRuns(): Promise<Listing<RunSummary>> {
      const items: RunSummary[] = [];
      const warnings: string[] = [];
      for (const id of await runIds()) {
        const dir = await resolveInside(runsRoot, id, 2);
        if (dir === null) continue;
        const read = await readRun(id, dir);
        if ("error" in read) warnings.push(read.error);
        else {
          const { manifest: _m, metrics: _r, warnings: w, hasReport: _h, ...summary } = read.detail;
          items.push(summary);
          if (w.length > 0) warnings.push(...w);
        }
      }
      items.sort((a, b) => b.startTime.localeCompare(a.startTime) || a.id.localeCompare(b.id));
      return { items, warnings };
    },

    async getRun(id) {
      const dir = await resolveInside(runsRoot, id, 2);
      if (dir === null || !existsSync(join(dir, MANIFEST_FILE))) return null;
      const read = await readRun(id, dir);
      if ("error" in read) throw new RunDirectoryError(dir, read.error);
      return read.detail;
    },

    async getReport(id) {
      const dir = await resolveInside(runsRoot, id, 2);
      if (dir === null || !existsSync(join(dir, MANIFEST_FILE))) return null;
      return readFile(join(dir, REPORT_FILE), "utf8").catch(() => null);
    },

    async listDatasets(): Promise<Listing<DatasetSummary>> {
      const items: DatasetSummary[] = [];
      const warnings: string[] = [];
      const entries = await readdir(datasetsRoot, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        // Skip the temporary siblings of an atomic write in progress (`<name>.tmp-<uuid>`, `.old-`).
        if (!isSafeId(entry.name, 1) || /\.(tmp|old)-/.test(entry.name)) continue;
        const isDataset = entry.isDirectory()
          ? existsSync(join(datasetsRoot, entry.name, "data", "main_data.hdf5"))
          : entry.isFile() && isJsonlPath(entry.name);
        if (!isDataset) continue;
        const path = await resolveInside(datasetsRoot, entry.name, 1);
        if (path === null) continue;
        try {
          const { dataset, warnings: w } = await readDataset(path);
          items.push(summarizeDataset(entry.name, dataset));
          warnings.push(...w.map((m) => `${entry.name}: ${m}`));
        } catch (error) {
          if (!(error instanceof DatasetFormatError)) throw error;
          warnings.push(`${entry.name}: ${error.message}`);
        }
      }
      return { items, warnings };
    },

    async getDataset(id) {
      const path = await resolveInside(datasetsRoot, id, 1);
      if (path === null) return null;
      const { dataset, warnings } = await readDataset(path);
      return {
        ...summarizeDataset(id, dataset),
        observationSpace: String(dataset.observationSpace),
        actionSpace: String(dataset.actionSpace),
        episodeList: dataset.episodes.map((e, index) => ({
          index,
          return: e.return,
          length: e.length,
          terminated: e.terminated,
          truncated: e.truncated,
          seed: e.seed ?? null,
        })),
        warnings,
      } satisfies DatasetDetail;
    },

    async getEpisode(id, index) {
      const path = await resolveInside(datasetsRoot, id, 1);
      if (path === null) return null;
      const { dataset } = await readDataset(path);
      const episode = dataset.episodes[index];
      if (!episode) return null;
      return {
        dataset: id,
        index,
        env: dataset.envSpec?.id ?? null,
        envOptions: dataset.envSpec?.kwargs ? { ...dataset.envSpec.kwargs } : null,
        obsDim: episode.obsDim,
        actDim: episode.actDim,
        observations: Array.from(episode.observations),
        actions: Array.from(episode.actions),
        rewards: Array.from(episode.rewards),
        terminated: episode.terminated,
        truncated: episode.truncated,
        seed: episode.seed ?? null,
      } satisfies EpisodeData;
    },

    appendEpisode(kept) {
      return serialized(kept.dataset, () => append(kept));
    },

    appendWebEpisode(kept) {
      return serialized(kept.dataset, () => appendWeb(kept));
    },

    async close() {
      const open = browser;
      browser = null;
      if (open) await (await open.catch(() => null))?.close();
    },
  };
}
