/**
 * The web environment in a real browser (Debian's Chromium through playwright-core): every built-in
 * task resets to valid, seed-determined observations; its scripted expert solves it; a wrong final
 * action gets −1; bad inputs (a missing file, a page without MiniWoB++'s protocol, a task that never
 * gets ready, an action naming a missing element or a key outside WEB_KEYS, stepping before reset
 * or after close, a crashed browser) get mimic's errors. One browser is shared by the tests.
 * Without a Chromium the test fails under CI and skips elsewhere.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import {
  BrowserError,
  EnvClosedError,
  InvalidActionError,
  ResetNeededError,
  WebPageError,
} from "../src/core/errors.js";
import { findChromium, launchBrowser } from "../src/envs/web/browser.js";
import { flattenDomInfo, quotedFields, readUtterance } from "../src/envs/web/dom-info.js";
import { WEB_KEYS, type WebObservation } from "../src/envs/web/observation.js";
import {
  createWebEnv,
  isWebEnvId,
  parseWebEnvId,
  WEB_TASKS,
  type WebEnv,
  webTasksDir,
} from "../src/envs/web/web-env.js";
import { webActor, webExpert } from "../src/experts/web.js";
import { chromium, skipWithoutChromium } from "./helpers/chromium.js";

let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), "mimic-web-"));

before(async () => {
  if (chromium !== undefined) browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openTask(
  task: string,
  options: Parameters<typeof createWebEnv>[0] = { task },
): Promise<WebEnv> {
  return createWebEnv({ ...options, task, browser: browser! });
}

/** A wrong final action: a clickable element whose text is not what the task asks for. */
function wrongAction(observation: WebObservation): number {
  const wanted = new Set(observation.fields.map((f) => f.value));
  const index = observation.elements.findIndex(
    (e) => ["BUTTON", "A", "LI"].includes(e.tag) && !wanted.has(e.text),
  );
  assert.ok(index >= 0, `no wrong element to click in ${observation.utterance}`);
  return index;
}

describe("built-in web tasks", () => {
  for (const task of WEB_TASKS) {
    test(`${task}: valid, seed-determined observations; the expert solves it; a wrong action gets −1`, async (t) => {
      if (skipWithoutChromium(t)) return;
      const env = await openTask(task);
      try {
        assert.equal(env.spec.id, `web:${task}`);
        // Seeds 0..9: valid observations, the same for the same seed.
        for (let seed = 0; seed < 10; seed++) {
          const { observation, info } = await env.reset({ seed });
          assert.ok(env.observationSpace.contains(observation), `seed ${seed}: not in the observation space`);
          const obs = env.spaces.decodeObservation(observation);
          assert.ok(
            obs.utterance.length > 0 && obs.fields.length > 0,
            `seed ${seed}: no utterance or fields`,
          );
          assert.equal(info.droppedElements, 0);
          const refs = obs.elements.map((e) => e.ref);
          assert.equal(new Set(refs).size, refs.length, `seed ${seed}: refs repeat`);
          obs.elements.forEach((e, i) => {
            assert.ok(
              e.parent === 0 || refs.slice(0, i).includes(e.parent),
              `seed ${seed}: parent after child`,
            );
          });
          assert.deepEqual(
            obs.elements.filter((e) => e.ref > 0).map((e) => e.ref),
            refs.filter((r) => r > 0).sort((a, b) => a - b),
          );
          for (const field of obs.fields)
            assert.ok(obs.utterance.includes(field.value), `${field.value} not in ${obs.utterance}`);
          const again = env.spaces.decodeObservation((await env.reset({ seed })).observation);
          assert.deepEqual(again, obs, `seed ${seed}: a second reset differs`);
        }
        // The expert, seeds 0..19.
        const expert = webExpert(task);
        let solved = 0;
        for (let seed = 0; seed < 20; seed++) {
          let { observation } = await env.reset({ seed });
          let episodeReturn = 0;
          for (;;) {
            const step = await env.step(expert.act(observation));
            episodeReturn += step.reward;
            observation = step.observation;
            if (step.terminated || step.truncated) break;
          }
          if (env.spec.isSuccess!({ return: episodeReturn, length: 0, terminated: true, truncated: false }))
            solved++;
        }
        assert.ok(solved >= 19, `the ${task} expert solved ${solved} of 20 seeds`);
        t.diagnostic(`${task}: expert solved ${solved}/20`);
        // A wrong final action, seeds 0..2.
        for (let seed = 0; seed < 3; seed++) {
          await env.reset({ seed });
          const element = wrongAction(env.lastObservation!);
          const step = await env.step(env.spaces.encodeAction({ kind: "click", element }));
          assert.equal(step.terminated, true, `seed ${seed}: a wrong click did not end the episode`);
          assert.equal(step.reward, -1);
          assert.equal(step.info.rawReward, -1);
          await assert.rejects(env.step(Int32Array.of(0, 0, 0)), ResetNeededError);
        }
        assert.deepEqual(env.pageErrors, []);
      } finally {
        await env.close();
      }
    });
  }
});

describe("WebEnv", () => {
  test("success pays 1 scaled by the time left; reward: raw pays 1; keys and typing act on the page", async (t) => {
    if (skipWithoutChromium(t)) return;
    const env = await openTask("enter-text", { task: "enter-text", reward: "raw" });
    try {
      const { observation } = await env.reset({ seed: 4 });
      const obs = env.spaces.decodeObservation(observation);
      const input = obs.elements.findIndex((e) => e.tag === "INPUT_text");
      const typed = await env.step(env.spaces.encodeAction({ kind: "type", element: input, field: 0 }));
      const after = env.spaces.decodeObservation(typed.observation).elements[input]!;
      assert.equal(after.value, obs.fields[0]!.value);
      assert.ok(after.focused && after.tampered);
      assert.equal(typed.reward, 0);
      const key = await env.step(env.spaces.encodeAction({ kind: "key", key: "Backspace" }));
      assert.equal(
        env.spaces.decodeObservation(key.observation).elements[input]!.value,
        obs.fields[0]!.value.slice(0, -1),
      );
      assert.equal(key.terminated, false);
      await env.step(env.spaces.encodeAction({ kind: "type", element: input, field: 0 }));
      const submit = obs.elements.findIndex((e) => e.tag === "BUTTON");
      const done = await env.step(env.spaces.encodeAction({ kind: "click", element: submit }));
      assert.deepEqual([done.reward, done.terminated, done.info.rawReward], [1, true, 1]);
    } finally {
      await env.close();
    }
    const scaled = await openTask("click-button");
    try {
      await scaled.reset({ seed: 1 });
      const step = await scaled.step(
        webExpert("click-button").act((await scaled.reset({ seed: 1 })).observation),
      );
      assert.ok(step.reward > 0 && step.reward <= 1, `time-scaled reward ${step.reward}`);
      assert.equal(step.info.rawReward, 1);
    } finally {
      await scaled.close();
    }
  });

  test("a seed gives the same problem on a new page; unseeded resets follow the env's generator; maxEpisodeSteps truncates", async (t) => {
    if (skipWithoutChromium(t)) return;
    const seeds = async () => {
      const env = await openTask("click-option", { task: "click-option", maxEpisodeSteps: 2 });
      try {
        const first = await env.reset({ seed: 7 });
        const out: unknown[] = [env.spaces.decodeObservation(first.observation), first.info.seed];
        for (let i = 0; i < 2; i++) out.push((await env.reset()).info.seed);
        const key = env.spaces.encodeAction({ kind: "key", key: "Tab" });
        assert.equal((await env.step(key)).truncated, false);
        const last = await env.step(key);
        assert.deepEqual([last.truncated, last.terminated], [true, false]);
        await assert.rejects(env.step(key), ResetNeededError);
        return out;
      } finally {
        await env.close();
      }
    };
    // A second page (a new env) gives the same observation for the seed, and the same page seeds.
    const first = await seeds();
    assert.equal(first[1], "7");
    assert.notEqual(first[2], first[3]);
    assert.deepEqual(await seeds(), first);
  });

  test("a screenshot of the task area, scaled to the space's size; render() gives 160 × 210 RGB", async (t) => {
    if (skipWithoutChromium(t)) return;
    const env = await openTask("click-button", {
      task: "click-button",
      spaces: { screenshot: { width: 80, height: 105 } },
    });
    try {
      assert.deepEqual(env.spec.kwargs, {
        task: "click-button",
        spaces: { screenshot: { width: 80, height: 105 } },
      });
      const { observation } = await env.reset({ seed: 0 });
      assert.ok(env.observationSpace.contains(observation));
      const shot = observation.screenshot!;
      assert.equal(shot.length, 80 * 105 * 3);
      // The instruction's yellow band at the top left, the white task area below it.
      assert.deepEqual(Array.from(shot.subarray(0, 3)), [255, 255, 0]);
      const row = 100 * 80 * 3;
      assert.deepEqual(Array.from(shot.subarray(row, row + 3)), [255, 255, 255]);
      const frame = await env.render();
      assert.deepEqual([frame.width, frame.height, frame.data.length], [160, 210, 160 * 210 * 3]);
    } finally {
      await env.close();
    }
  });

  test("bad actions: a missing element or field, a key outside WEB_KEYS; stepping before reset or after close", async (t) => {
    if (skipWithoutChromium(t)) return;
    const env = await openTask("login-user");
    await assert.rejects(env.step(Int32Array.of(0, 0, 0)), ResetNeededError);
    const { observation } = await env.reset({ seed: 0 });
    const count = env.spaces.decodeObservation(observation).elements.length;
    await assert.rejects(env.step(Int32Array.of(0, count, 0)), (error: Error) => {
      assert.ok(error instanceof InvalidActionError);
      assert.match(
        error.message,
        new RegExp(`names element ${count}, but the observation has ${count} elements`),
      );
      return true;
    });
    await assert.rejects(
      env.step(Int32Array.of(1, 3, 3)),
      /type names field 3, but the task has 2 fields \(username, password\)/,
    );
    await assert.rejects(env.step(Int32Array.of(2, 0, WEB_KEYS.length)), InvalidActionError);
    assert.throws(
      () => env.spaces.encodeAction({ kind: "key", key: "F5" as never }),
      /"F5" is not one of Enter/,
    );
    await env.close();
    await env.close();
    await assert.rejects(env.step(Int32Array.of(0, 0, 0)), EnvClosedError);
    await assert.rejects(env.reset(), EnvClosedError);
  });

  test("bad pages: a missing file, an unknown name, a page without the protocol, a task never ready, a throwing genProblem", async (t) => {
    if (skipWithoutChromium(t)) return;
    const missing = join(dir, "nope.html");
    await assert.rejects(openTask(missing), (error: Error) => {
      assert.ok(error instanceof WebPageError);
      assert.ok(error.message.includes(missing) && error.message.includes("click-button, click-link"));
      return true;
    });
    await assert.rejects(openTask("click-buton"), /Did you mean click-button\?/);

    const plain = join(dir, "plain.html");
    writeFileSync(plain, "<!DOCTYPE html><html><body><button>hi</button></body></html>");
    await assert.rejects(openTask(plain), (error: Error) => {
      assert.ok(error instanceof WebPageError);
      assert.match(error.message, /does not speak MiniWoB\+\+'s task protocol: it lacks the core object/);
      assert.match(error.message, /genProblem\(\)/);
      return true;
    });

    // Pages in the protocol, with the runtime beside them as a task directory has it.
    const core = join(webTasksDir(), "core", "core.js");
    const page = (script: string) =>
      `<!DOCTYPE html><html><head><script src="${core}"></script><script>${script}</script></head>` +
      `<body><div id="wrap"><div id="query"></div><div id="area"></div></div></body></html>`;
    const never = join(dir, "never-ready.html");
    writeFileSync(never, page("var genProblem = function () { WOB_TASK_READY = false; };"));
    const env = await createWebEnv({ task: never, browser: browser!, timeouts: { ready: 300 } });
    try {
      assert.equal(env.spec.id, `web:${never}`);
      await assert.rejects(env.reset({ seed: 0 }), /did not become ready \(WOB_TASK_READY\) within 300 ms/);
    } finally {
      await env.close();
    }
    const throwing = join(dir, "throwing.html");
    writeFileSync(throwing, page("var genProblem = function () { throw new Error('no problem today'); };"));
    const broken = await createWebEnv({ task: throwing, browser: browser! });
    try {
      await assert.rejects(broken.reset({ seed: 0 }), (error: Error) => {
        assert.ok(error instanceof WebPageError);
        assert.match(error.message, /starting an episode failed: .*no problem today/);
        return true;
      });
    } finally {
      await broken.close();
    }
    assert.ok(browser!.isConnected(), "a bad page must not close a shared browser");
  });

  test("a browser that goes away is a BrowserError; no Chromium is a BrowserError that says what to do", async (t) => {
    if (skipWithoutChromium(t)) return;
    const own = await launchBrowser();
    const env = await createWebEnv({ task: "click-button", browser: own });
    await env.reset({ seed: 0 });
    await own.close();
    await assert.rejects(env.step(Int32Array.of(0, 0, 0)), BrowserError);
    await env.close();
    assert.throws(
      () => findChromium(join(dir, "no-chromium")),
      (error: Error) => {
        assert.ok(error instanceof BrowserError);
        assert.match(error.message, /does not exist/);
        return true;
      },
    );
  });
});

describe("web ids, DOM flattening and fields", () => {
  test("web:<task> ids", () => {
    assert.ok(isWebEnvId("web:click-button") && !isWebEnvId("web:") && !isWebEnvId("CartPole-v1"));
    assert.deepEqual(parseWebEnvId("web:click-button"), { task: "click-button", builtIn: true });
    assert.deepEqual(parseWebEnvId("web:/abs/task.html"), { task: "/abs/task.html", builtIn: false });
    assert.throws(() => parseWebEnvId("click-button"), WebPageError);
  });

  test("getDOMInfo flattens depth first with parents, and truncates with a count", () => {
    const box = { left: 0, top: 0, width: 10, height: 10 };
    const root = {
      tag: "BODY",
      ref: 1,
      ...box,
      children: [
        { tag: "DIV", ref: 2, ...box, children: [{ tag: "t", ref: -1, ...box, children: [], text: "hi" }] },
        { tag: "INPUT_checkbox", ref: 3, ...box, children: [], value: true, focused: true },
      ],
    };
    const { elements, dropped } = flattenDomInfo(root, 3);
    assert.deepEqual(
      elements.map((e) => [e.ref, e.parent, e.tag, e.text, e.value, e.checked, e.focused]),
      [
        [1, 0, "BODY", "", "", false, false],
        [2, 1, "DIV", "", "", false, false],
        [-1, 2, "t", "hi", "", false, false],
      ],
    );
    assert.equal(dropped, 1);
    assert.deepEqual(flattenDomInfo(root, 10).elements[3]!.value, "true");
  });

  test("fields: the page's own, else the utterance's double-quoted substrings by position", () => {
    assert.deepEqual(quotedFields('Enter "kasey" and "x7k".'), [
      { key: "0", value: "kasey" },
      { key: "1", value: "x7k" },
    ]);
    assert.deepEqual(readUtterance({ utterance: 'Click "ok".', fields: { target: "ok" } }).fields, [
      { key: "target", value: "ok" },
    ]);
    assert.deepEqual(readUtterance("Click it.").fields, []);
  });

  test("webActor refuses a task it has no expert for", () => {
    assert.throws(() => webActor("book-flight"), /one for each built-in task/);
  });
});
