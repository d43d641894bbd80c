/**
 * @module
 * A progress line for long jobs, with elapsed time and an ETA: redrawn in place on a terminal,
 * printed every few seconds otherwise (so CI logs stay short).
 */
import { isAbsolute, relative } from "node:path";

export interface Progress {
  update(done: number, detail?: string): void;
  /** Changes the total (when it is known only once the job starts). */
  setTotal(total: number): void;
  finish(detail?: string): void;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function progressBar(
  label: string,
  initialTotal: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const start = performance.now();
  let total = initialTotal;
  let lastPrint = 0;
  let last = 0;
  const render = (done: number, detail: string) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (performance.now() - start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    return `${label} ${bar} ${done}/${total} ${clock(elapsed)} ETA ${clock(eta)}${detail ? `  ${detail}` : ""}`;
  };
  return {
    update(done, detail = "") {
      last = done;
      const now = performance.now();
      if (stream.isTTY) {
        if (now - lastPrint < 50 && done < total) return;
        stream.write(`\r${render(done, detail)}\u001b[K`);
      } else if (now - lastPrint > 5000) {
        stream.write(`${render(done, detail)}\n`);
      } else {
        return;
      }
      lastPrint = now;
    },
    setTotal(next) {
      total = next;
    },
    finish(detail = "") {
      if (stream.isTTY) stream.write(`\r${render(Math.max(last, 0), detail)}\u001b[K\n`);
    },
  };
}

/** A path as a person would type it: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
