/**
 * @module
 * Playing a DOM policy on web tasks in one headless Chromium: what `mimic eval` does for a DOM
 * policy and `mimic train bc-dom|dagger-dom` after training.
 */
import type { EvalResult } from "../eval/evaluate.js";
import { progressBar } from "./progress.js";

/**
 * Plays `policy` on every web task (`web:<name>` or `web:<path>`) in one headless Chromium,
 * `episodes` episodes each from `seed`, and hands each task's result to `onResult` as it comes.
 */
export async function evaluateWebTasks(
  policy: unknown,
  ids: readonly string[],
  options: { episodes: number; seed: number; chromium?: string | undefined; progress?: boolean },
  onResult: (id: string, result: EvalResult) => void,
): Promise<Record<string, EvalResult>> {
  const { launchBrowser } = await import("../envs/web/browser.js");
  const { createWebEnv, parseWebEnvId } = await import("../envs/web/web-env.js");
  const { evaluate } = await import("../eval/evaluate.js");
  const browser = await launchBrowser(
    options.chromium === undefined ? {} : { executablePath: options.chromium },
  );
  const results: Record<string, EvalResult> = {};
  try {
    for (const id of ids) {
      const env = await createWebEnv({ task: parseWebEnvId(id).task, browser, reward: "raw" });
      try {
        const bar = options.progress ? progressBar(`eval ${id}`, options.episodes) : null;
        let started = 0;
        // The bar moves as each episode starts (evaluate calls the policy's reset first).
        const counted = {
          act: (o: unknown, opts?: unknown) =>
            (policy as { act(o: unknown, p?: unknown): Int32Array }).act(o, opts),
          reset: () => {
            if (started > 0) bar?.update(started);
            started++;
          },
        };
        results[id] = await evaluate(env, counted as never, {
          episodes: options.episodes,
          seed: options.seed,
          deterministic: true,
        });
        bar?.finish();
      } finally {
        await env.close();
      }
      onResult(id, results[id]!);
    }
  } finally {
    await browser.close();
  }
  return results;
}
