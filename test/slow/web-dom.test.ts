/**
 * The Large Action Model on web pages learns from a few recorded demonstrations (issue 19): for
 * every built-in task, 5 episodes recorded through the recorder (a scripted Playwright driver
 * clicking and typing like a person, the task's expert deciding what to do) train a DOM policy
 * by BC that succeeds on ≥ 90% of 50 new seeds, in real headless Chromium; one policy trained on
 * all ten tasks' demonstrations does the same on each; and DAgger with the expert, from no
 * demonstrations, reaches it on click-checkboxes. Deterministic under the seeds (the pages are
 * seeded, training is seeded, evaluation is greedy); a few minutes on two cores.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { trainBcDom } from "../../src/algorithms/bc-dom.js";
import { trainDaggerDom } from "../../src/algorithms/dagger-dom.js";
import { Dataset } from "../../src/data/dataset.js";
import { launchBrowser } from "../../src/envs/web/browser.js";
import { createWebEnv, WEB_TASKS } from "../../src/envs/web/web-env.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { webActor } from "../../src/experts/web.js";
import { expertDriver, recordWebEpisodes } from "../../src/experts/web-recorder.js";

let browser: Browser;
const demos = new Map<string, Dataset>();

before(async () => {
  browser = await launchBrowser();
  for (const task of WEB_TASKS) {
    const env = await createWebEnv({ task, browser, reward: "raw" });
    try {
      const episodes = await recordWebEpisodes({
        env,
        episodes: 5,
        seed: 0,
        drive: expertDriver(env, webActor(task)),
      });
      demos.set(
        task,
        new Dataset({
          id: `web/${task}-v0`,
          episodes,
          observationSpace: env.observationSpace,
          actionSpace: env.actionSpace,
          envSpec: env.spec,
        }),
      );
    } finally {
      await env.close();
    }
  }
});

after(async () => {
  await browser?.close();
});

async function successOn(task: string, policy: unknown): Promise<number> {
  const env = await createWebEnv({ task, browser, reward: "raw" });
  try {
    const result = await evaluate(env, policy as never, { episodes: 50, seed: 1000 });
    return result.successRate!;
  } finally {
    await env.close();
  }
}

test("BC-DOM from 5 recorded demos succeeds on ≥ 90% of 50 new seeds of every task", async () => {
  const rates: Record<string, number> = {};
  for (const task of WEB_TASKS) {
    const { policy } = await trainBcDom(demos.get(task)!, { seed: 0 });
    rates[task] = await successOn(task, policy);
  }
  console.log(`BC-DOM per task, 5 demos: ${JSON.stringify(rates)}`);
  for (const [task, rate] of Object.entries(rates)) assert.ok(rate >= 0.9, `${task}: success ${rate}`);
});

test("one DOM policy trained on all ten tasks succeeds on ≥ 90% of each", async () => {
  const [first, ...rest] = WEB_TASKS.map((t) => demos.get(t)!);
  const { policy } = await trainBcDom(first!.merge(rest, "web/all-v0"), { seed: 0 });
  const rates: Record<string, number> = {};
  for (const task of WEB_TASKS) rates[task] = await successOn(task, policy);
  console.log(`BC-DOM, one policy for all tasks: ${JSON.stringify(rates)}`);
  for (const [task, rate] of Object.entries(rates)) assert.ok(rate >= 0.9, `${task}: success ${rate}`);
});

test("DAgger with the expert, from no demos, reaches ≥ 90% on click-checkboxes", async () => {
  const env = await createWebEnv({ task: "click-checkboxes", browser, reward: "raw" });
  try {
    const { policy, rounds } = await trainDaggerDom(
      { env, expert: webActor("click-checkboxes") },
      { rounds: 3, episodesPerRound: 4, evalEpisodes: 0 },
    );
    assert.equal(rounds.length, 3);
    assert.equal(rounds[0]!.beta, 1);
    assert.ok(rounds[2]!.learnerShare > 0, "the learner acted in the last round");
    const rate = await successOn("click-checkboxes", policy);
    console.log(`DAgger-DOM click-checkboxes: success ${rate}`);
    assert.ok(rate >= 0.9, `success ${rate}`);
  } finally {
    await env.close();
  }
});
