/**
 * @module
 * The dashboard's reading of `metrics.jsonl`: unlike training's strict reader (src/runs/metrics.ts),
 * which refuses a damaged file, a viewer shows what it can. A line that does not parse is skipped
 * and reported as a warning naming the file and the line; a last line cut short by a running
 * writer is skipped silently (the next poll reads it whole).
 */
import { type MetricRecord, parseMetrics } from "../runs/metrics.js";

export interface LenientMetrics {
  records: MetricRecord[];
  /** One message per skipped line: the file, the line number, and why. */
  warnings: string[];
}

/** Parses `text` line by line, skipping (and reporting) lines the strict reader would refuse. */
export function parseMetricsLenient(text: string, file = "metrics.jsonl"): LenientMetrics {
  const records: MetricRecord[] = [];
  const warnings: string[] = [];
  const lines = text.split("\n");
  // Without a final newline, the last line may still be being written.
  const complete = text.endsWith("\n") ? lines.length : lines.length - 1;
  for (let i = 0; i < complete; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      // parseMetrics keeps a malformed last line quiet; a line of its own followed by a newline is not last.
      records.push(...parseMetrics(`${line}\n`, file));
    } catch {
      warnings.push(
        `${file}: line ${i + 1} is not a metrics record (valid JSON with a numeric "step", "time" and numeric values); skipped.`,
      );
    }
  }
  return { records, warnings };
}
