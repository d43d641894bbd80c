/** @module The dashboard's calls to its server (src/ui/app.ts), typed with the server's own types. */

import type { KeptEpisode } from "../../src/ui/episode-replay.js";
import type { DaggerEpisode, HumanDaggerState } from "../../src/ui/human-dagger.js";
import type {
  AppendResult,
  DatasetDetail,
  DatasetSummary,
  EpisodeData,
  Listing,
  RunDetail,
  RunSummary,
} from "../../src/ui/store.js";
import type { KeptWebEpisode } from "../../src/ui/web-teach.js";

export type {
  AppendResult,
  DatasetDetail,
  DatasetSummary,
  EpisodeData,
  HumanDaggerState,
  RunDetail,
  RunSummary,
};

/** An error the server answered with: its message, and the path to the bad value when it named one. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (body as { error?: { message?: string } }).error;
    throw new ApiError(response.status, error?.message ?? `${url}: HTTP ${response.status}`);
  }
  return body as T;
}

const q = encodeURIComponent;

export const api = {
  runs: () => call<Listing<RunSummary>>("/api/runs"),
  run: (id: string) => call<RunDetail>(`/api/run?id=${q(id)}`),
  datasets: () => call<Listing<DatasetSummary>>("/api/datasets"),
  dataset: (id: string) => call<DatasetDetail>(`/api/dataset?id=${q(id)}`),
  episode: (id: string, index: number) =>
    call<EpisodeData>(`/api/dataset/episode?id=${q(id)}&index=${index}`),
  keep: (episode: KeptEpisode) =>
    call<AppendResult>("/api/teach/keep", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(episode),
    }),
  keepWeb: (episode: KeptWebEpisode) =>
    call<AppendResult>("/api/teach/web/keep", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(episode),
    }),
};

/** A number for a table cell: fixed decimals, "–" for none. */
export function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e5 || (Math.abs(value) < 1e-3 && value !== 0)
    ? value.toExponential(2)
    : value.toFixed(digits);
}

const post = <T>(url: string, body: unknown) =>
  call<T>(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** Live DAgger (src/ui/human-dagger.ts). */
export const daggerApi = {
  start: (body: { demos: string; name: string; epochs: number }) =>
    post<HumanDaggerState>("/api/dagger/start", body),
  episode: (body: DaggerEpisode) => post<HumanDaggerState>("/api/dagger/episode", body),
  train: (session: string) => post<HumanDaggerState>("/api/dagger/train", { session }),
};
