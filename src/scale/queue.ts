/**
 * @module
 * What coordinator and workers agree on: the queue's names in Redis, a job's data, and what a
 * worker returns for it.
 */
import type { RedisOptions } from "ioredis";
import { VERSION } from "../version.js";
import type { Unit, UnitResult } from "./units.js";

/** BullMQ's key prefix for mimic's queues (`mimic:<queue>:…` in Redis). */
export const KEY_PREFIX = "mimic";
/** The queue workers take jobs from unless told another (`--queue`). */
export const DEFAULT_QUEUE = "jobs";

/** A job as enqueued: the unit, the run it belongs to, and the mimic version that made it. */
export interface JobData {
  run: string;
  mimic: string;
  unit: Unit;
  /** A digest of what the unit reads besides its own fields (a policy's files), when it reads any. */
  inputs?: string;
}

/** What a worker returns for a job (BullMQ stores it as the job's return value). */
export interface JobReturn {
  /** The worker's name (`host:pid` unless given). */
  worker: string;
  /** Milliseconds the unit took on the worker. */
  ms: number;
  result: UnitResult;
}

/** Whether `text` can be a run id, the prefix of its job ids: letters, digits, `.`, `_`, `-` (≤ 128). */
export function isRunId(text: string): boolean {
  return /^[\w.-]{1,128}$/.test(text);
}

/** BullMQ connection options for a Redis URL's parsed options (workers need no request retries cap). */
export function bullConnection(redis: RedisOptions): RedisOptions {
  // disconnectTimeout: a closing connection that Redis has not yet acknowledged is dropped after
  // 200 ms rather than 2 s, so a finished command exits promptly.
  return { ...redis, maxRetriesPerRequest: null, disconnectTimeout: 200 };
}

export { VERSION as MIMIC_VERSION };
