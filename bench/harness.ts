/**
 * @module
 * Benchmark plumbing: an idle check, timed repetitions with a median, and table output.
 * Benchmarks print numbers and ratios; they never fail on a speed.
 */
import { cpus, loadavg } from "node:os";

export interface Measurement {
  /** Work units per second, median over the repetitions. */
  perSecond: number;
  /** All repetitions, for spread. */
  samples: number[];
}

/** Runs `body` (which does `units` of work) `repeats` times after a warm-up; returns the median rate. */
export function measure(body: () => void, units: number, repeats = 5): Measurement {
  body(); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    body();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    samples.push(units / seconds);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { perSecond: sorted[Math.floor(sorted.length / 2)]!, samples };
}

/** Describes the machine and warns when it is busy (a busy machine skews every number). */
export function machineReport(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const [load1] = loadavg();
  const busy =
    load1! > 0.5 ? `  WARNING: 1-minute load average is ${load1!.toFixed(2)}; numbers may be low.` : "";
  return `machine: ${cpu}, ${cpus().length} cores, Node ${process.version}, load ${load1!.toFixed(2)}${busy}`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(1)} /s`;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
}
