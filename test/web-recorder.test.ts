/**
 * The web recorder in a real browser: a scripted Playwright driver (mouse clicks at element
 * centres, keystrokes) stands in for a person on every built-in task; the recorder's captured
 * actions are the expert's decisions; the recorded observations and rewards are the env's own
 * (replaying the recorded actions in a fresh env from the same seeds gives the same ones); the
 * episodes survive a Minari HDF5 round trip; typing text that is no field is dropped with a
 * reason; and a browser that dies mid-recording loses none of the episodes already kept.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { BrowserError } from "../src/core/errors.js";
import { Dataset } from "../src/data/dataset.js";
import type { Episode } from "../src/data/episode.js";
import { readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { launchBrowser } from "../src/envs/web/browser.js";
import { CAPTURE_SCRIPT } from "../src/envs/web/capture-script.js";
import { createWebEnv, WEB_TASKS, type WebEnv } from "../src/envs/web/web-env.js";
import { webActor } from "../src/experts/web.js";
import { expertDriver, POLL_CAPTURED, recordWebEpisodes } from "../src/experts/web-recorder.js";
import { chromium, skipWithoutChromium } from "./helpers/chromium.js";

let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), "mimic-web-rec-"));

before(async () => {
  if (chromium !== undefined) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = (task: string) => createWebEnv({ task, browser: browser!, reward: "raw" });

/** The rows of one leaf of an episode's observations, as arrays, for comparison. */
function leafRows(episode: Episode): Record<string, number[]> {
  return Object.fromEntries(Object.entries(episode.observationLeaves!).map(([k, v]) => [k, Array.from(v)]));
}

describe("web recorder", () => {
  for (const task of WEB_TASKS) {
    test(`${task}: a scripted person's episodes are the expert's actions, replayable in the env`, async (t) => {
      if (skipWithoutChromium(t)) return;
      const env = await open(task);
      const actor = webActor(task);
      const warnings: string[] = [];
      let episodes: Episode[];
      try {
        episodes = await recordWebEpisodes({
          env,
          episodes: 3,
          seed: 100,
          drive: expertDriver(env, actor),
          onWarning: (w) => warnings.push(w),
        });
      } finally {
        await env.close();
      }
      assert.deepEqual(warnings, []);
      assert.equal(episodes.length, 3);
      const replay = await open(task);
      try {
        for (const episode of episodes) {
          assert.ok(
            episode.rewards.at(-1)! > 0,
            `${task} seed ${episode.seed}: reward ${episode.rewards.at(-1)}`,
          );
          assert.ok(episode.terminated);
          const layout = replay.spaces;
          // Each recorded action is what the expert does on the recorded observation.
          const leaves = episode.observationLeaves!;
          const { observation: first } = await replay.reset({ seed: episode.seed! });
          let current = first;
          for (let step = 0; step < episode.length; step++) {
            const recorded = layout.decodeObservation(rowOf(leaves, step, replay));
            const action = Array.from(episode.actions.subarray(3 * step, 3 * step + 3));
            assert.deepEqual(
              layout.encodeAction(actor(recorded)),
              Int32Array.from(action),
              `${task} step ${step}`,
            );
            // The env, replaying the same action from the same seed, saw the same page.
            const seen = layout.decodeObservation(current);
            assert.deepEqual(
              seen.elements.map((e) => [e.ref, e.tag, e.text, e.value, e.checked]),
              recorded.elements.map((e) => [e.ref, e.tag, e.text, e.value, e.checked]),
              `${task} seed ${episode.seed} step ${step}: observation`,
            );
            const result = await replay.step(Int32Array.from(action));
            current = result.observation;
            if (step === episode.length - 1) {
              assert.equal(result.reward, episode.rewards[step], `${task}: replayed reward`);
              assert.ok(result.terminated);
            }
          }
        }
      } finally {
        await replay.close();
      }
    });
  }

  test("episodes survive the Minari HDF5 round trip", async (t) => {
    if (skipWithoutChromium(t)) return;
    const env = await open("login-user");
    try {
      const episodes = await recordWebEpisodes({
        env,
        episodes: 2,
        drive: expertDriver(env, webActor("login-user")),
      });
      const path = join(dir, "login");
      const dataset = new Dataset({
        id: "web/login-user-v0",
        episodes,
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        envSpec: env.spec,
      });
      await writeMinari(path, dataset);
      const { dataset: back } = await readMinari(path);
      assert.equal(back.episodes.length, 2);
      assert.deepEqual(leafRows(back.episodes[1]!), leafRows(episodes[1]!));
      assert.deepEqual(Array.from(back.episodes[0]!.actions), Array.from(episodes[0]!.actions));
      assert.equal(back.envSpec?.id, "web:login-user");
    } finally {
      await env.close();
    }
  });

  test("the click that ends the task is not lost when the page is read before it is reported", async (t) => {
    if (skipWithoutChromium(t)) return;
    const env = await open("click-button");
    try {
      const { observation } = await env.reset({ seed: 3 });
      const action = webActor("click-button")(env.spaces.decodeObservation(observation));
      assert.equal(action.kind, "click");
      const target =
        env.spaces.decodeObservation(observation).elements[(action as { element: number }).element]!;
      await env.page.evaluate(CAPTURE_SCRIPT);
      // Press and click, then read the page in the same task, before the report's timer runs (a
      // busy machine can schedule the recorder's read there).
      const first = (await env.page.evaluate(`(() => {
        const el = document.elementFromPoint(${target.left + target.width / 2}, ${target.top + target.height / 2});
        el.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
        el.dispatchEvent(new MouseEvent("click", { bubbles: true }));
        return ${POLL_CAPTURED};
      })()`)) as { steps: unknown[]; done: boolean };
      assert.equal(await env.page.evaluate("!!WOB_DONE_GLOBAL"), true, "the click ended the task");
      assert.deepEqual(
        first,
        { ...first, steps: [], done: false },
        "not done while its action is unreported",
      );
      await new Promise((r) => setTimeout(r, 50));
      const later = (await env.page.evaluate(POLL_CAPTURED)) as { steps: { kind: string }[]; done: boolean };
      assert.equal(later.done, true);
      assert.deepEqual(
        later.steps.map((s) => s.kind),
        ["click"],
      );
    } finally {
      await env.close();
    }
  });

  test("typing text that is no field of the task is dropped, with the reason", async (t) => {
    if (skipWithoutChromium(t)) return;
    const env = await open("enter-text");
    const warnings: string[] = [];
    try {
      const episodes = await recordWebEpisodes({
        env,
        episodes: 1,
        maxAttempts: 1,
        onWarning: (w) => warnings.push(w),
        drive: async (page, { observation }) => {
          const input = observation.elements.find((e) => e.tag === "INPUT_text")!;
          await page.mouse.click(input.left + input.width / 2, input.top + input.height / 2);
          await page.keyboard.type("not the text");
          const submit = observation.elements.find((e) => /submit/i.test(e.text))!;
          await page.mouse.click(submit.left + submit.width / 2, submit.top + submit.height / 2);
        },
      });
      assert.equal(episodes.length, 1);
      assert.equal(episodes[0]!.length, 1, "only the click on Submit is an action");
      assert.ok(episodes[0]!.rewards[0]! < 0);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /typed "not the text", which is not the text of any of the task's fields/);
    } finally {
      await env.close();
    }
  });

  test("a browser that dies mid-recording loses none of the kept episodes", async (t) => {
    if (skipWithoutChromium(t)) return;
    // Its own browser, so killing it leaves the shared one alone.
    const own = await launchBrowser();
    const env = await createWebEnv({ task: "click-button", browser: own, reward: "raw" });
    const path = join(dir, "crash");
    const saved: Episode[] = [];
    const actor = webActor("click-button");
    const drive = expertDriver(env, actor);
    try {
      await assert.rejects(
        recordWebEpisodes({
          env,
          episodes: 5,
          onEpisode: async (episode) => {
            saved.push(episode);
            await writeMinari(
              path,
              new Dataset({
                id: "web/click-button-v0",
                episodes: saved,
                observationSpace: env.observationSpace,
                actionSpace: env.actionSpace,
                envSpec: env.spec,
              }),
            );
          },
          drive: async (page, episode) => {
            if (saved.length === 2) {
              // What a crash looks like from here: the browser goes away mid-episode.
              await own.close();
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
            await drive(page, episode);
          },
        }),
        (error: unknown) => error instanceof BrowserError || /Target|closed|crash/i.test(String(error)),
      );
    } finally {
      await env.close();
      await own.close().catch(() => undefined);
    }
    const { dataset } = await readMinari(path);
    assert.equal(dataset.episodes.length, 2);
    assert.ok(dataset.episodes.every((e) => e.rewards.at(-1)! > 0));
  });
});

/** Row `t` of an episode's leaf columns as an encoded observation. */
function rowOf(leaves: Readonly<Record<string, ArrayLike<number>>>, t: number, env: WebEnv) {
  const s = env.spaces.sizes;
  const slice = <T extends Uint8Array | Float32Array>(path: string, size: number): T =>
    (leaves[path] as T).slice(t * size, (t + 1) * size) as T;
  return {
    utterance: slice<Uint8Array>("utterance", s.utteranceBytes),
    fields: slice<Uint8Array>("fields", s.maxFields * 2 * s.textBytes),
    elements: {
      tag: slice<Uint8Array>("elements/tag", s.maxElements * s.tagBytes),
      text: slice<Uint8Array>("elements/text", s.maxElements * s.textBytes),
      value: slice<Uint8Array>("elements/value", s.maxElements * s.textBytes),
      numbers: slice<Float32Array>("elements/numbers", s.maxElements * 10),
    },
  };
}
