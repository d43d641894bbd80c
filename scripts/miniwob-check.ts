/**
 * Checks the web pipeline on real MiniWoB++ tasks, which are not in the project: given a checkout
 * of Farama's miniwob-plusplus, for each task below it
 *
 * 1. records `--demos` episodes through the recorder (a scripted stand-in person clicking and
 *    typing in Chromium; the small positional experts below decide what to do, reading MiniWoB++'s
 *    own pages, whose fields are the utterance's quoted values in order),
 * 2. trains a DOM policy by BC on them, and evaluates it on 50 new seeds;
 * 3. evaluates, zero-shot, one DOM policy trained on the built-in suite (5 demos per task) on the
 *    same MiniWoB++ tasks, which it has never seen.
 *
 *   npx tsx scripts/miniwob-check.ts /path/to/miniwob-plusplus [--demos 10]
 *
 * MiniWoB++'s files stay where they are (its license is theirs; nothing of it is copied here).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { trainBcDom } from "../src/algorithms/bc-dom.js";
import { configureFusedEngineFromEnv } from "../src/cli/engine-env.js";
import { Dataset } from "../src/data/dataset.js";
import { launchBrowser } from "../src/envs/web/browser.js";
import type { DomElement, WebAction, WebObservation } from "../src/envs/web/observation.js";
import { createWebEnv, WEB_TASKS, type WebEnv } from "../src/envs/web/web-env.js";
import { evaluate } from "../src/eval/evaluate.js";
import { webActor } from "../src/experts/web.js";
import { expertDriver, recordWebEpisodes } from "../src/experts/web-recorder.js";

// The fused engine takes MIMIC_THREADS and MIMIC_FMA from here, as the mimic command does.
configureFusedEngineFromEnv(process.env);

const root = process.argv[2];
const demosAt = process.argv.indexOf("--demos");
const demos = demosAt > 0 ? Number(process.argv[demosAt + 1]) : 10;
const html = root === undefined ? "" : join(root, "miniwob", "html", "miniwob");
if (root === undefined || !existsSync(html)) {
  console.error("usage: npx tsx scripts/miniwob-check.ts /path/to/miniwob-plusplus [--demos 10]");
  process.exit(2);
}

const norm = (s: string) => s.trim().toLowerCase();
const index = (o: WebObservation, test: (e: DomElement) => boolean, what: string): number => {
  const i = o.elements.findIndex(test);
  if (i < 0) throw new Error(`no ${what} in ${JSON.stringify(o.utterance)}`);
  return i;
};
const byText = (o: WebObservation, tag: string, text: string) =>
  index(o, (e) => e.tag === tag && norm(e.text) === norm(text), `${tag} "${text}"`);
const empty = (o: WebObservation, tag: string) =>
  o.elements.findIndex((e) => e.tag === tag && e.value === "");

/** Positional experts for MiniWoB++'s own pages (field 0, field 1: the quoted values). */
const experts: Record<string, (o: WebObservation) => WebAction> = {
  "click-button": (o) => ({ kind: "click", element: byText(o, "BUTTON", o.fields[0]!.value) }),
  // MiniWoB++'s links are SPANs (class alink) in running text.
  "click-link": (o) => ({ kind: "click", element: byText(o, "SPAN", o.fields[0]!.value) }),
  "focus-text": (o) => ({ kind: "click", element: index(o, (e) => e.tag === "INPUT_text", "text input") }),
  "enter-text": (o) => {
    const input = index(o, (e) => e.tag === "INPUT_text", "text input");
    if (o.elements[input]!.value !== o.fields[0]!.value) return { kind: "type", element: input, field: 0 };
    return { kind: "click", element: index(o, (e) => e.tag === "BUTTON", "button") };
  },
  "enter-password": (o) => {
    const next = empty(o, "INPUT_password");
    if (next >= 0) return { kind: "type", element: next, field: 0 };
    return { kind: "click", element: index(o, (e) => e.tag === "BUTTON", "button") };
  },
  "login-user": (o) => {
    const user = index(o, (e) => e.tag === "INPUT_text", "username input");
    if (o.elements[user]!.value === "") return { kind: "type", element: user, field: 0 };
    const password = index(o, (e) => e.tag === "INPUT_password", "password input");
    if (o.elements[password]!.value === "") return { kind: "type", element: password, field: 1 };
    return { kind: "click", element: index(o, (e) => e.tag === "BUTTON", "button") };
  },
};

const browser = await launchBrowser();
const open = (task: string): Promise<WebEnv> =>
  createWebEnv({ task: join(html, `${task}.html`), browser, reward: "raw" });

// The suite-trained policy, for the zero-shot column.
const suite: Dataset[] = [];
for (const task of WEB_TASKS) {
  const env = await createWebEnv({ task, browser, reward: "raw" });
  const episodes = await recordWebEpisodes({ env, episodes: 5, drive: expertDriver(env, webActor(task)) });
  suite.push(
    new Dataset({
      id: `web/${task}-v0`,
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    }),
  );
  await env.close();
}
const zeroShot = (await trainBcDom(suite[0]!.merge(suite.slice(1), "web/suite-v0"), { seed: 0 })).policy;

const rows = [
  ["MiniWoB++ task", `demos`, "expert (recording)", "BC-DOM, 50 new seeds", "zero-shot from the suite"],
];
const pct = (r: { successRate: number | null; successCi95: [number, number] | null }) =>
  `${(100 * r.successRate!).toFixed(0)}% [${(100 * r.successCi95![0]).toFixed(0)}, ${(100 * r.successCi95![1]).toFixed(0)}]`;
for (const [task, expert] of Object.entries(experts)) {
  const env = await open(task);
  try {
    const warnings: string[] = [];
    const episodes = await recordWebEpisodes({
      env,
      episodes: demos,
      drive: expertDriver(env, expert),
      onWarning: (w) => warnings.push(w),
    });
    const recorded = episodes.filter((e) => e.rewards.at(-1)! > 0).length;
    const dataset = new Dataset({
      id: `miniwob/${task}-v0`,
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    const { policy } = await trainBcDom(dataset, { seed: 0 });
    const learned = await evaluate(env, policy as never, { episodes: 50, seed: 1000 });
    const transfer = await evaluate(env, zeroShot as never, { episodes: 50, seed: 1000 });
    rows.push([task, String(episodes.length), `${recorded}/${episodes.length}`, pct(learned), pct(transfer)]);
    for (const w of warnings) console.error(`${task}: ${w}`);
  } finally {
    await env.close();
  }
}
await browser.close();
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
