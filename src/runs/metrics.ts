/**
 * @module
 * `metrics.jsonl`: one JSON object per line, `{"step":…,"time":…,<name>:<value>,…}`, appended as
 * training logs. `time` is seconds since the Unix epoch. The lines are standard JSON (readable by
 * jq and pandas), so a value that is not finite is written as `null` and read back as NaN.
 *
 * A process killed mid-write leaves at most its last line cut short: readers ignore such a line,
 * and a writer that reopens the file cuts it off before appending.
 */
import { existsSync, readFileSync } from "node:fs";
import { RunDirectoryError } from "../core/errors.js";

/** One line of `metrics.jsonl`. */
export interface MetricRecord {
  step: number;
  /** Seconds since the Unix epoch. */
  time: number;
  [name: string]: number;
}

/** The names a scalar cannot have, because every record already has them. */
export const RESERVED_METRIC_NAMES: readonly string[] = ["step", "time"];

/** The line (with its newline) for one record: keys in insertion order, non-finite values as null. */
export function formatMetricLine(record: MetricRecord): string {
  return `${JSON.stringify(record, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n`;
}

/**
 * Parses the text of a `metrics.jsonl` file. A last line without its newline that does not parse
 * was cut short by a kill and is ignored; any other line that does not parse is damage, and throws.
 */
export function parseMetrics(text: string, file = "metrics.jsonl"): MetricRecord[] {
  const lines = text.split("\n");
  const records: MetricRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const isLast = i === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      if (isLast) break;
      throw damaged(file, i + 1, "is not valid JSON", cause);
    }
    const record = toRecord(value);
    if (record === null) {
      if (isLast) break;
      throw damaged(file, i + 1, 'is not an object with a numeric "step", "time" and numeric values');
    }
    records.push(record);
  }
  return records;
}

/** Reads a `metrics.jsonl` file; a missing file has no records. */
export function readMetricsFile(path: string): MetricRecord[] {
  if (!existsSync(path)) return [];
  return parseMetrics(readFileSync(path, "utf8"), path);
}

/**
 * The length in bytes of the part of a metrics file made of whole lines: everything up to and
 * including its last newline. A writer reopening the file cuts it there before appending.
 */
export function wholeLinesLength(bytes: Uint8Array): number {
  return bytes.lastIndexOf(0x0a) + 1;
}

function toRecord(value: unknown): MetricRecord | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record: Record<string, number> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === "number") record[name] = v;
    else if (v === null) record[name] = Number.NaN;
    else return null;
  }
  if (!Number.isSafeInteger(record.step) || !Number.isFinite(record.time)) return null;
  return record as MetricRecord;
}

function damaged(file: string, line: number, what: string, cause?: unknown): RunDirectoryError {
  return new RunDirectoryError(
    file,
    `${file}: line ${line} ${what}. The file was edited or damaged; fix or delete that line.`,
    { cause },
  );
}
