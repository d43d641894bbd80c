/**
 * @module
 * `checkpoints/` of a run: named snapshots of training state, each written whole or not at all.
 *
 * ```text
 * checkpoints/
 *   latest                  the name of the newest checkpoint, and a newline
 *   step-000200/
 *     checkpoint.json       {"format","version","name","sequence","savedAt","files","json"}
 *     files/…               the checkpoint's binary files (weights, optimizer state)
 * ```
 *
 * A checkpoint is built in `checkpoints/.tmp-<uuid>/`, flushed, and renamed to its name; only
 * then is `latest` rewritten (atomically) to point at it, and only then are the oldest
 * checkpoints beyond the last `keep` deleted. A crash at any point leaves `latest` naming a
 * complete checkpoint. `checkpoint.json` keeps every number exactly (NaN, ±Infinity and −0
 * included) in Python's JSON convention.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InvalidOptionError, RunDirectoryError } from "../core/errors.js";
import { replaceDirectory } from "../core/files.js";
import { parsePythonJson } from "../core/spaces/index.js";
import { formatJson, syncDirectory, writeFileAtomic } from "./files.js";

/** What `saveCheckpoint` stores. */
export interface CheckpointData {
  /** Any JSON value: step, epoch, RNG state, optimizer hyperparameters, … */
  json: unknown;
  /** Binary files by relative path (`weights.bin`, `optimizer/state.bin`). */
  files?: Readonly<Record<string, Uint8Array>>;
}

/** A checkpoint read back. */
export interface Checkpoint<T = unknown> {
  name: string;
  /** 1 for the run's first checkpoint, one more for each after it. */
  sequence: number;
  /** When it was saved (ISO 8601). */
  savedAt: string;
  json: T;
  files: Record<string, Uint8Array>;
}

export const CHECKPOINT_FILE = "checkpoint.json";
export const LATEST_FILE = "latest";
const FILES_DIR = "files";
const FORMAT = "mimic-checkpoint";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

interface CheckpointMeta {
  format: typeof FORMAT;
  version: 1;
  name: string;
  sequence: number;
  savedAt: string;
  files: string[];
  json: unknown;
}

/** The checkpoints of one run directory. Assumes a single writer. */
export class CheckpointStore {
  readonly dir: string;
  /** How many checkpoints to keep; older ones are deleted after each save. */
  readonly keep: number;
  private readonly now: () => number;

  constructor(dir: string, options: { keep?: number; clock?: () => number } = {}) {
    const keep = options.keep ?? 3;
    if (!Number.isSafeInteger(keep) || keep < 1) {
      throw new InvalidOptionError(
        "keepCheckpoints",
        `keepCheckpoints must be a positive integer (how many checkpoints to keep); got ${keep}.`,
      );
    }
    this.dir = dir;
    this.keep = keep;
    this.now = options.clock ?? Date.now;
  }

  /** Saves a checkpoint atomically, points `latest` at it and deletes all but the last `keep`. */
  async save(name: string, data: CheckpointData): Promise<void> {
    checkName(name);
    const files = Object.entries(data.files ?? {});
    for (const [path, bytes] of files) {
      checkFilePath(path);
      if (!(bytes instanceof Uint8Array)) {
        throw new InvalidOptionError(`files.${path}`, `checkpoint file "${path}" must be a Uint8Array.`);
      }
    }
    let json: string;
    const existing = await this.scan();
    const meta: CheckpointMeta = {
      format: FORMAT,
      version: 1,
      name,
      sequence: Math.max(0, ...existing.map((c) => c.sequence)) + 1,
      savedAt: new Date(this.now()).toISOString(),
      files: files.map(([path]) => path).sort(),
      json: data.json,
    };
    try {
      json = formatJson(meta);
    } catch (cause) {
      throw new InvalidOptionError("json", `checkpoint "${name}": json has no JSON form (${cause}).`, {
        cause,
      });
    }

    await mkdir(this.dir, { recursive: true });
    const temporary = join(this.dir, `.tmp-${randomUUID()}`);
    try {
      for (const [path, bytes] of files) {
        const target = join(temporary, FILES_DIR, ...path.split("/"));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, bytes, { flush: true });
      }
      await mkdir(temporary, { recursive: true });
      await writeFile(join(temporary, CHECKPOINT_FILE), `${json}\n`, { flush: true });
      await syncDirectory(temporary);
      await replaceDirectory(temporary, join(this.dir, name), join(this.dir, `.old-${randomUUID()}`));
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
    await syncDirectory(this.dir);
    await writeFileAtomic(join(this.dir, LATEST_FILE), `${name}\n`);
    await this.prune(name);
  }

  /** Names of the complete checkpoints, oldest first. */
  async list(): Promise<string[]> {
    return (await this.scan()).map((c) => c.name);
  }

  /**
   * The checkpoint `latest` names, or the newest complete one when `latest` is missing (a crash
   * between the rename and the pointer update); null when there is none.
   */
  async latest<T = unknown>(): Promise<Checkpoint<T> | null> {
    let name: string | undefined;
    try {
      name = (await readFile(join(this.dir, LATEST_FILE), "utf8")).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const all = await this.scan();
    if (name !== undefined && NAME.test(name)) {
      // A named checkpoint that is there but unreadable throws from load(): no silent fallback.
      if (all.some((c) => c.name === name) || (await exists(join(this.dir, name)))) return this.load<T>(name);
    }
    const newest = all.at(-1);
    return newest === undefined ? null : this.load<T>(newest.name);
  }

  /** Reads the checkpoint `name`, with all its files. */
  async load<T = unknown>(name: string): Promise<Checkpoint<T>> {
    checkName(name);
    const dir = join(this.dir, name);
    const meta = await readMeta(dir);
    if (meta === null) {
      throw new RunDirectoryError(
        dir,
        `${dir}: no readable ${CHECKPOINT_FILE}. The checkpoint is missing or damaged; delete it ` +
          `and load an older one (see ${join(this.dir, LATEST_FILE)}).`,
      );
    }
    const files: Record<string, Uint8Array> = {};
    for (const path of meta.files) {
      try {
        files[path] = new Uint8Array(await readFile(join(dir, FILES_DIR, ...path.split("/"))));
      } catch (cause) {
        throw new RunDirectoryError(dir, `${dir}: file "${path}" of the checkpoint is missing.`, { cause });
      }
    }
    return { name, sequence: meta.sequence, savedAt: meta.savedAt, json: meta.json as T, files };
  }

  /** Every complete checkpoint's name and sequence, oldest first; leftovers of crashed saves are removed. */
  private async scan(): Promise<{ name: string; sequence: number }[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const found: { name: string; sequence: number }[] = [];
    for (const entry of entries) {
      if (entry.startsWith(".tmp-") || entry.startsWith(".old-")) {
        await rm(join(this.dir, entry), { recursive: true, force: true });
        continue;
      }
      if (!NAME.test(entry) || entry === LATEST_FILE) continue;
      const meta = await readMeta(join(this.dir, entry));
      if (meta !== null) found.push({ name: entry, sequence: meta.sequence });
    }
    return found.sort((a, b) => a.sequence - b.sequence);
  }

  private async prune(keepName: string): Promise<void> {
    const all = await this.scan();
    const doomed = all.slice(0, Math.max(0, all.length - this.keep)).filter((c) => c.name !== keepName);
    for (const { name } of doomed) await rm(join(this.dir, name), { recursive: true, force: true });
  }
}

function checkName(name: string): void {
  if (typeof name !== "string" || !NAME.test(name) || name === LATEST_FILE) {
    throw new InvalidOptionError(
      "name",
      `checkpoint name ${JSON.stringify(name)} is not allowed: use letters, digits, ".", "_" and "-" ` +
        `(at most 128, not starting with "." or "-", and not "${LATEST_FILE}"), such as "step-000200".`,
    );
  }
}

function checkFilePath(path: string): void {
  const segments = path.split("/");
  if (!segments.every((s) => SEGMENT.test(s))) {
    throw new InvalidOptionError(
      `files.${path}`,
      `checkpoint file name ${JSON.stringify(path)} is not allowed: use a relative path of "/"-separated ` +
        `names made of letters, digits, ".", "_" and "-" (not starting with "." or "-"), such as "weights.bin".`,
    );
  }
}

async function readMeta(dir: string): Promise<CheckpointMeta | null> {
  try {
    const meta = parsePythonJson(await readFile(join(dir, CHECKPOINT_FILE), "utf8")) as CheckpointMeta;
    const ok =
      meta?.format === FORMAT &&
      typeof meta.name === "string" &&
      Number.isSafeInteger(meta.sequence) &&
      typeof meta.savedAt === "string" &&
      Array.isArray(meta.files);
    return ok ? meta : null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}
