/**
 * @module
 * A run directory, the embedded default for recording training: plain local files that need no
 * server, and that TensorBoard, jq, pandas and a browser can read.
 *
 * ```text
 * runs/<name>/
 *   manifest.json                       command, resolved config, seeds, dataset hash, versions,
 *                                       start and end time, status
 *   metrics.jsonl                       one {"step","time",…scalars} line per log() call
 *   events.out.tfevents.<s>.<hostname>  the same scalars for TensorBoard (one file per session)
 *   checkpoints/                        atomic snapshots, a `latest` pointer, the last K kept
 *   policy/                             where the caller saves the trained policy
 *   report.html                         written by writeReport()
 * ```
 *
 * One process writes a run at a time. `log()` writes synchronously and unbuffered, so a killed
 * process loses at most the line it was writing, which readers skip. Every other file is replaced
 * atomically (temporary file, flush, rename).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { InvalidOptionError, InvalidSeedError, RunDirectoryError } from "../core/errors.js";
import { parsePythonJson } from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import { type Checkpoint, type CheckpointData, CheckpointStore } from "./checkpoints.js";
import { formatJson, writeFileAtomic } from "./files.js";
import {
  formatMetricLine,
  type MetricRecord,
  parseMetrics,
  RESERVED_METRIC_NAMES,
  readMetricsFile,
  wholeLinesLength,
} from "./metrics.js";
import { type ReportInput, renderReport } from "./report.js";
import { EventFileWriter, writeAll } from "./tensorboard.js";

/** Where a run stands. Every run starts "running"; `finish()` sets one of the other three. */
export type RunStatus = "running" | "finished" | "failed" | "aborted";

/** The seeds of a run: one, a list, or named ones (`{ train: 0, eval: [1000, 1001] }`). */
export type RunSeeds = number | readonly number[] | Readonly<Record<string, number | readonly number[]>>;

/** The content of `manifest.json`. */
export interface RunManifest {
  format: "mimic-run";
  version: 1;
  /** The directory's name. */
  name: string;
  /** The command line that started the run (argv, program name excluded or not, as the caller gave it). */
  command: string[];
  /** The fully resolved config (defaults filled in). */
  config: unknown;
  seeds: RunSeeds;
  /** The content hash of the training dataset (`contentHash`), null when there is none. */
  datasetHash: string | null;
  /** `mimic` and `node` always; others (such as `tfjs`) as the caller gave them. */
  versions: Record<string, string>;
  hostname: string;
  status: RunStatus;
  /** ISO 8601. */
  startTime: string;
  /** ISO 8601; null while running. */
  endTime: string | null;
  /** Each reopening of the run, and the step it went back to (`truncateMetricsAfter`). */
  resumes: { time: string; step: number | null }[];
  /** What `finish()` was given: final scores, an error message, … */
  result: Record<string, unknown> | null;
}

export interface CreateRunOptions {
  command: readonly string[];
  config: unknown;
  seeds: RunSeeds;
  datasetHash?: string | null;
  /** Versions to record beside mimic's and node's, such as `{ tfjs: "4.22.0" }`. */
  versions?: Readonly<Record<string, string>>;
  /** Replace an existing run in the directory (default false). A directory that is not a run is never replaced. */
  overwrite?: boolean;
  /** How many checkpoints to keep (default 3). */
  keepCheckpoints?: number;
  /** Milliseconds since the epoch (default `Date.now`); fixed clocks make runs reproducible in tests. */
  clock?: () => number;
  /** The host name recorded and used in the event file's name (default `os.hostname()`). */
  hostname?: string;
}

export type OpenRunOptions = Pick<CreateRunOptions, "keepCheckpoints" | "clock" | "hostname">;

export const MANIFEST_FILE = "manifest.json";
export const METRICS_FILE = "metrics.jsonl";
export const CHECKPOINTS_DIR = "checkpoints";
export const POLICY_DIR = "policy";
export const REPORT_FILE = "report.html";

const STATUSES = ["running", "finished", "failed", "aborted"] as const;

const manifestSchema = z.looseObject({
  format: z.literal("mimic-run"),
  version: z.literal(1),
  name: z.string(),
  command: z.array(z.string()),
  config: z.unknown(),
  seeds: z.unknown(),
  datasetHash: z.string().nullable(),
  versions: z.record(z.string(), z.string()),
  hostname: z.string(),
  status: z.enum(STATUSES),
  startTime: z.string(),
  endTime: z.string().nullable(),
  resumes: z.array(z.object({ time: z.string(), step: z.number().nullable() })),
  result: z.record(z.string(), z.unknown()).nullable(),
});

/** A run directory open for writing. Create one with `RunDirectory.create`, reopen one with `RunDirectory.open`. */
export class RunDirectory {
  /** The run directory (absolute). */
  readonly dir: string;
  readonly manifestPath: string;
  readonly metricsPath: string;
  readonly checkpointsDir: string;
  /** Where the caller saves the policy (tfjs format, `policy.onnx`). Exists from the start. */
  readonly policyDir: string;
  readonly reportPath: string;
  /** The event file this session writes (each session of a run writes a new one). */
  readonly eventFile: string;

  private current: RunManifest;
  private readonly checkpoints: CheckpointStore;
  private readonly now: () => number;
  private metricsFd: number | undefined;
  private readonly events: EventFileWriter;

  private constructor(
    dir: string,
    manifest: RunManifest,
    options: { keepCheckpoints?: number; clock: () => number; hostname: string },
  ) {
    this.dir = dir;
    this.manifestPath = join(dir, MANIFEST_FILE);
    this.metricsPath = join(dir, METRICS_FILE);
    this.checkpointsDir = join(dir, CHECKPOINTS_DIR);
    this.policyDir = join(dir, POLICY_DIR);
    this.reportPath = join(dir, REPORT_FILE);
    this.current = manifest;
    this.now = options.clock;
    this.checkpoints = new CheckpointStore(this.checkpointsDir, {
      keep: options.keepCheckpoints,
      clock: options.clock,
    });
    this.metricsFd = openSync(this.metricsPath, "a");
    try {
      this.events = EventFileWriter.create(dir, options.clock() / 1000, options.hostname);
    } catch (error) {
      closeSync(this.metricsFd);
      throw error;
    }
    this.eventFile = this.events.path;
  }

  /**
   * Starts a run in `dir`: a new or empty directory, or, with `overwrite`, one that holds a run
   * already. Refuses a non-empty directory that is not a run, whatever `overwrite` says: mimic
   * deletes only what it wrote. To continue a run, use `RunDirectory.open`.
   */
  static async create(dir: string, options: CreateRunOptions): Promise<RunDirectory> {
    const root = resolve(dir);
    const clock = options.clock ?? Date.now;
    const hostname = options.hostname ?? osHostname();
    checkCommand(options.command);
    checkSeeds(options.seeds);
    checkVersions(options.versions);
    if (
      options.datasetHash !== undefined &&
      options.datasetHash !== null &&
      typeof options.datasetHash !== "string"
    ) {
      throw new InvalidOptionError("datasetHash", "datasetHash must be a string (from contentHash) or null.");
    }
    const manifest: RunManifest = {
      format: "mimic-run",
      version: 1,
      name: basename(root),
      command: [...options.command],
      config: options.config,
      seeds: options.seeds,
      datasetHash: options.datasetHash ?? null,
      versions: { ...options.versions, mimic: VERSION, node: process.versions.node },
      hostname,
      status: "running",
      startTime: new Date(clock()).toISOString(),
      endTime: null,
      resumes: [],
      result: null,
    };
    let text: string;
    try {
      text = formatJson(manifest);
    } catch (cause) {
      throw new InvalidOptionError("config", `the config has no JSON form (${cause}); pass plain data.`, {
        cause,
      });
    }
    // Keep what was written, so later changes to the caller's config object do not reach the manifest.
    const stored = parsePythonJson(text) as RunManifest;

    const found = await inspect(root);
    if (found.kind === "file") {
      throw new RunDirectoryError(root, `${root} is a file, not a directory. Choose another run directory.`);
    }
    if (found.kind === "foreign") {
      throw new RunDirectoryError(
        root,
        `${root} is not empty (${found.entries} entries) and holds no mimic run (no ${MANIFEST_FILE}). ` +
          "Choose a new or empty directory; mimic does not delete files it did not write.",
      );
    }
    if (found.kind === "run") {
      if (!options.overwrite) {
        throw new RunDirectoryError(
          root,
          `${root} holds a run already. Continue it with RunDirectory.open (\`--resume\`), ` +
            "replace it with overwrite: true (`--overwrite`), or choose another directory.",
        );
      }
      // Delete all but the manifest first, so an interrupted overwrite still leaves a run.
      for (const entry of await readdir(root)) {
        if (entry !== MANIFEST_FILE) await rm(join(root, entry), { recursive: true, force: true });
      }
    }
    await mkdir(join(root, CHECKPOINTS_DIR), { recursive: true });
    await mkdir(join(root, POLICY_DIR), { recursive: true });
    await writeFileAtomic(join(root, MANIFEST_FILE), `${text}\n`);
    return new RunDirectory(root, stored, { keepCheckpoints: options.keepCheckpoints, clock, hostname });
  }

  /**
   * Reopens a run to continue it (after a crash, a kill or a stop): its status goes back to
   * "running", a resume is recorded, and new metrics are appended. A metrics line cut short by a
   * kill is removed first. To drop the metrics logged after the checkpoint being resumed from,
   * call `truncateMetricsAfter(step)`.
   */
  static async open(dir: string, options: OpenRunOptions = {}): Promise<RunDirectory> {
    const root = resolve(dir);
    const clock = options.clock ?? Date.now;
    const manifest = await RunDirectory.readManifest(root);
    repairMetricsTail(join(root, METRICS_FILE));
    manifest.status = "running";
    manifest.endTime = null;
    manifest.resumes.push({ time: new Date(clock()).toISOString(), step: null });
    await mkdir(join(root, CHECKPOINTS_DIR), { recursive: true });
    await mkdir(join(root, POLICY_DIR), { recursive: true });
    const run = new RunDirectory(root, manifest, {
      keepCheckpoints: options.keepCheckpoints,
      clock,
      hostname: options.hostname ?? osHostname(),
    });
    await run.writeManifest();
    return run;
  }

  /**
   * Reopens the run in `dir` to continue `algorithm` from its latest checkpoint, after checking
   * that the run is one of `algorithm` and has a checkpoint (`missing` names what it lacks when it
   * has none, or none that `usable` accepts). `step` gives the checkpoint's step; the metrics after
   * it are dropped. Returns the open run, its saved config and the checkpoint.
   */
  static async resume<C>(
    dir: string,
    algorithm: string,
    options: {
      missing: string;
      usable?: (checkpoint: C) => boolean;
      step?: (checkpoint: C) => number;
      /** Refuse a run that finished (for trainers where continuing it would do nothing). */
      refuseFinished?: boolean;
    },
  ): Promise<{ run: RunDirectory; config: Record<string, unknown>; checkpoint: Checkpoint<C> }> {
    // Everything is checked before the run is reopened, so a refused resume leaves it as it was.
    const manifest = await RunDirectory.readManifest(dir);
    const config = manifest.config as Record<string, unknown>;
    if (config.algorithm !== undefined && config.algorithm !== algorithm) {
      const theirs = String(config.algorithm);
      throw new RunDirectoryError(
        dir,
        `${dir} is a ${theirs} run, not ${algorithm}; resume it with \`mimic train ${theirs} --resume\`.`,
      );
    }
    if (options.refuseFinished && manifest.status === "finished") {
      throw new RunDirectoryError(
        dir,
        `${dir} holds a finished run; there is nothing to resume. Train again with --overwrite, or choose another --out.`,
      );
    }
    const found = existsSync(join(resolve(dir), CHECKPOINTS_DIR))
      ? await new CheckpointStore(join(resolve(dir), CHECKPOINTS_DIR)).latest<C>()
      : null;
    if (found === null || (options.usable !== undefined && !options.usable(found.json))) {
      throw new RunDirectoryError(
        dir,
        `${dir} has ${options.missing}. Start it again without --resume (add --overwrite to replace it).`,
      );
    }
    const run = await RunDirectory.open(dir);
    if (options.step) await run.truncateMetricsAfter(options.step(found.json));
    return { run, config, checkpoint: found };
  }

  /** Reads a run's manifest without opening the run; throws a RunDirectoryError saying what is wrong. */
  static async readManifest(dir: string): Promise<RunManifest> {
    const root = resolve(dir);
    const file = join(root, MANIFEST_FILE);
    if (!existsSync(root)) {
      throw new RunDirectoryError(
        root,
        `${root}: no such run directory. Check the path, or start a run there (\`mimic train --out ${root}\`).`,
      );
    }
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (cause) {
      throw new RunDirectoryError(
        file,
        `${root} is not a mimic run: it has no ${MANIFEST_FILE}. Check the path; a run that ` +
          "never started cannot be resumed, so start it again.",
        { cause },
      );
    }
    let raw: unknown;
    try {
      raw = parsePythonJson(text);
    } catch (cause) {
      throw new RunDirectoryError(file, `${file} is not valid JSON (${cause}). Fix or restore the file.`, {
        cause,
      });
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      throw new RunDirectoryError(
        file,
        `${file} is not a mimic run manifest: at ${where}, ${issue.message}. Fix or restore the file.`,
      );
    }
    return parsed.data as RunManifest;
  }

  /** A copy of the manifest as last written. */
  get manifest(): RunManifest {
    return structuredClone(this.current);
  }

  /**
   * Records scalars at `step`: a line appended to `metrics.jsonl` and an event appended to the
   * TensorBoard file, both written through before this returns. `step` and `time` are reserved.
   */
  log(step: number, scalars: Readonly<Record<string, number>>): void {
    const fd = this.openFd("log");
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new InvalidOptionError("step", `log: step must be a non-negative integer; got ${step}.`);
    }
    if (typeof scalars !== "object" || scalars === null) {
      throw new InvalidOptionError("scalars", "log: scalars must be an object of name → number.");
    }
    for (const [name, value] of Object.entries(scalars)) {
      if (name === "" || RESERVED_METRIC_NAMES.includes(name)) {
        throw new InvalidOptionError(
          `scalars.${name}`,
          `log: a scalar cannot be named ${JSON.stringify(name)} (every record has "step" and "time"); rename it.`,
        );
      }
      if (typeof value !== "number") {
        throw new InvalidOptionError(
          `scalars.${name}`,
          `log: scalar "${name}" must be a number; got ${typeof value}.`,
        );
      }
    }
    const time = this.now() / 1000;
    const record: MetricRecord = { step, time, ...scalars };
    writeAll(fd, new TextEncoder().encode(formatMetricLine(record)));
    if (Object.keys(scalars).length > 0) this.events.write({ wallTime: time, step, scalars });
  }

  /** Every record in `metrics.jsonl`, in the order logged (a line cut short by a kill is skipped). */
  readMetrics(): MetricRecord[] {
    return readMetricsFile(this.metricsPath);
  }

  /**
   * Drops the metrics logged after `step`, for a run resuming from a checkpoint at `step`: the
   * file is rewritten atomically with the records at `step` or before, so the resumed run's
   * metrics match an uninterrupted run's. The TensorBoard file gets a restart marker at
   * `step + 1`, so TensorBoard hides the dropped points too. Returns how many records were dropped.
   */
  async truncateMetricsAfter(step: number): Promise<number> {
    this.openFd("truncateMetricsAfter");
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new InvalidOptionError(
        "step",
        `truncateMetricsAfter: step must be a non-negative integer; got ${step}.`,
      );
    }
    const records = this.readMetrics();
    const kept = records.filter((r) => r.step <= step);
    closeSync(this.metricsFd!);
    this.metricsFd = undefined;
    try {
      await writeFileAtomic(this.metricsPath, kept.map(formatMetricLine).join(""));
    } finally {
      this.metricsFd = openSync(this.metricsPath, "a");
    }
    this.events.write({ wallTime: this.now() / 1000, step: step + 1, sessionStart: true });
    const last = this.current.resumes.at(-1);
    if (last) last.step = step;
    else this.current.resumes.push({ time: new Date(this.now()).toISOString(), step });
    await this.writeManifest();
    return records.length - kept.length;
  }

  /**
   * Saves a checkpoint atomically under `checkpoints/<name>/`, points `checkpoints/latest` at it,
   * and deletes the oldest beyond the last `keepCheckpoints`. Names: letters, digits, ".", "_",
   * "-" (for example `step-000200`, zero-padded so they sort).
   */
  async saveCheckpoint(name: string, data: CheckpointData): Promise<void> {
    await this.checkpoints.save(name, data);
  }

  /** The newest checkpoint (its json and file bytes), or null when none was saved. */
  async latestCheckpoint<T = unknown>(): Promise<Checkpoint<T> | null> {
    return this.checkpoints.latest<T>();
  }

  /** Reads one checkpoint by name. */
  async loadCheckpoint<T = unknown>(name: string): Promise<Checkpoint<T>> {
    return this.checkpoints.load<T>(name);
  }

  /** The names of the kept checkpoints, oldest first. */
  async listCheckpoints(): Promise<string[]> {
    return this.checkpoints.list();
  }

  /** Renders the report and writes it to `report.html` atomically; returns its path. */
  async writeReport(input: ReportInput): Promise<string> {
    await writeFileAtomic(this.reportPath, renderReport(input));
    return this.reportPath;
  }

  /**
   * Ends the run: flushes and closes the metrics and event files, then records the status, the
   * end time and `result` (merged into any earlier one) in the manifest, atomically.
   */
  async finish(
    status: Exclude<RunStatus, "running">,
    result?: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    if (!(["finished", "failed", "aborted"] as const).includes(status)) {
      throw new InvalidOptionError(
        "status",
        `finish: status must be "finished", "failed" or "aborted"; got ${JSON.stringify(status)}.`,
      );
    }
    await this.close();
    this.current.status = status;
    this.current.endTime = new Date(this.now()).toISOString();
    if (result !== undefined) this.current.result = { ...this.current.result, ...result };
    await this.writeManifest();
  }

  /** Flushes and closes the metrics and event files, leaving the status as it is. Safe to call twice. */
  async close(): Promise<void> {
    const fd = this.metricsFd;
    this.metricsFd = undefined;
    try {
      if (fd !== undefined) {
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    } finally {
      this.events.close();
    }
  }

  private openFd(what: string): number {
    if (this.metricsFd === undefined) {
      throw new RunDirectoryError(
        this.dir,
        `${what}: the run in ${this.dir} is closed (finish() or close() was called). Reopen it with RunDirectory.open.`,
      );
    }
    return this.metricsFd;
  }

  private async writeManifest(): Promise<void> {
    await writeFileAtomic(this.manifestPath, `${formatJson(this.current)}\n`);
  }
}

/** Reads a run's `metrics.jsonl` without opening the run. */
export function readRunMetrics(dir: string): MetricRecord[] {
  return readMetricsFile(join(resolve(dir), METRICS_FILE));
}

type Found = { kind: "missing" | "file" | "run" } | { kind: "foreign"; entries: number };

async function inspect(root: string): Promise<Found> {
  const info = await stat(root).catch(() => null);
  if (info === null) return { kind: "missing" };
  if (!info.isDirectory()) return { kind: "file" };
  const entries = await readdir(root);
  if (entries.length === 0) return { kind: "missing" };
  try {
    await RunDirectory.readManifest(root);
    return { kind: "run" };
  } catch {
    return { kind: "foreign", entries: entries.length };
  }
}

/**
 * Makes `metrics.jsonl` end at a line boundary before appending: a last line without its newline
 * gets one when it is a whole record, and is cut off when it was cut short.
 */
function repairMetricsTail(path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const bytes = readFileSync(path);
  const whole = wholeLinesLength(bytes);
  if (whole === bytes.length) return;
  const tail = new TextDecoder().decode(bytes.subarray(whole));
  if (parseMetrics(tail).length === 1) {
    const fd = openSync(path, "a");
    try {
      writeAll(fd, new Uint8Array([0x0a]));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } else {
    truncateSync(path, whole);
  }
}

function checkCommand(command: unknown): void {
  if (!Array.isArray(command) || !command.every((a) => typeof a === "string")) {
    throw new InvalidOptionError("command", "command must be the argv array (strings) that started the run.");
  }
}

function checkSeeds(seeds: unknown): void {
  const check = (value: unknown, path: string) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new InvalidSeedError(`${path} must be a non-negative integer; got ${String(value)}.`);
    }
  };
  const checkList = (value: unknown, path: string) => {
    if (!Array.isArray(value)) return check(value, path);
    for (const [i, v] of value.entries()) check(v, `${path}[${i}]`);
  };
  if (typeof seeds === "object" && seeds !== null && !Array.isArray(seeds)) {
    for (const [name, value] of Object.entries(seeds)) checkList(value, `seeds.${name}`);
  } else {
    checkList(seeds, "seeds");
  }
}

function checkVersions(versions: unknown): void {
  if (versions === undefined) return;
  const ok =
    typeof versions === "object" &&
    versions !== null &&
    Object.values(versions).every((v) => typeof v === "string");
  if (!ok) {
    throw new InvalidOptionError(
      "versions",
      'versions must map names to version strings, such as { tfjs: "4.22.0" }.',
    );
  }
}
