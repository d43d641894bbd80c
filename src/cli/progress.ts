/**
 * @module
 * A progress line for long jobs: redrawn in place on a terminal, printed every few seconds
 * otherwise (so CI logs stay short).
 */
export interface Progress {
  update(done: number, detail?: string): void;
  finish(detail?: string): void;
}

export function progressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const start = performance.now();
  let lastPrint = 0;
  const render = (done: number, detail: string) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (performance.now() - start) / 1000;
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    return `${label} ${bar} ${done}/${total} ${elapsed.toFixed(1)}s${detail ? `  ${detail}` : ""}`;
  };
  return {
    update(done, detail = "") {
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
    finish(detail = "") {
      if (stream.isTTY) stream.write(`\r${render(total, detail)}\u001b[K\n`);
    },
  };
}
