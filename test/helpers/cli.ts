/** Runs the `mimic` CLI in-process and captures what it prints, or in a child process to kill it. */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";

export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

/**
 * Runs the compiled CLI in a child process and kills it with SIGKILL as soon as `ready()` holds
 * (polled every 10 ms, for at most a minute). Resolves with the signal the child died of: SIGKILL
 * when it was killed mid-run, null when it had already exited.
 */
export async function killCliWhen(
  argv: readonly string[],
  ready: () => boolean,
): Promise<NodeJS.Signals | null> {
  const entry = new URL("../../src/cli/main.js", import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(process.argv.slice(1));`,
      ...argv,
    ],
    { stdio: "ignore", env: { ...process.env, MIMIC_THREADS: "1" } },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (let waited = 0; waited < 60_000 && !done && !ready(); waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  return exited;
}

/** How many `batch-…` checkpoints the run in `dir` holds now. */
export function checkpointCount(dir: string): number {
  const checkpoints = join(dir, "checkpoints");
  return existsSync(checkpoints) ? readdirSync(checkpoints).filter((f) => f.startsWith("batch-")).length : 0;
}
