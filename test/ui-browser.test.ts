/**
 * The dashboard in a real browser: `mimic ui` really started on loopback on a free port, over a
 * temporary runs root (a real BC run, and a run whose metrics.jsonl has a damaged line and is still
 * "running") and datasets root (real expert episodes). Debian's Chromium, driven by
 * playwright-core, opens the run list, a run with its chart, the comparison, a dataset episode's
 * replay, and plays CartPole in teach mode with scripted key presses; the dataset on disk must then
 * hold exactly that episode, replayed from the seed. Requests for paths outside the roots must get
 * a 404. Screenshots go to build/test-output/ui-*.png (and to docs/screenshots/ with
 * MIMIC_UPDATE_SCREENSHOTS=1).
 * Without /usr/bin/chromium the test fails under CI (where .ci/run installs it) and skips elsewhere.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { loadDataset, saveDataset } from "../src/data/store.js";
import { collect, Dataset, make, RunDirectory, scriptedExpert } from "../src/index.js";
import { trainBcRun } from "../src/runs/pipelines.js";
import { repoRoot } from "./helpers/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "mimic-ui-"));
const runs = join(dir, "runs");
const datasets = join(dir, "datasets");
const outputDir = join(repoRoot, "build", "test-output");
const screenshotDirs = [
  outputDir,
  ...(process.env.MIMIC_UPDATE_SCREENSHOTS ? [join(repoRoot, "docs", "screenshots")] : []),
];
const haveChromium = existsSync(CHROMIUM);

let server: ChildProcessWithoutNullStreams | undefined;
let browser: Browser | undefined;
let url = "";

async function shoot(page: Page, name: string): Promise<void> {
  for (const d of screenshotDirs) {
    mkdirSync(d, { recursive: true });
    await page.screenshot({ path: join(d, `${name}.png`), fullPage: true });
  }
}

/** GET with the path sent exactly as given (no URL normalization of `..`). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  if (!haveChromium) return;
  mkdirSync(runs, { recursive: true });
  // A real dataset of expert episodes and a real BC run trained on it.
  const env = make("CartPole-v1");
  const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
    episodes: 3,
    seed: 0,
    deterministic: true,
  });
  await saveDataset(
    join(datasets, "cartpole-expert"),
    new Dataset({
      id: "cartpole-expert-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    }),
  );
  await trainBcRun({
    dataset: join(datasets, "cartpole-expert"),
    out: join(runs, "cartpole-bc"),
    config: { epochs: 6, seed: 0 },
    evalEpisodes: 3,
  });
  // A GridWorld dataset on a 7×7 layout: its states (up to 48) exist only in that layout.
  const grid = make("GridWorld-v0", { width: 7, height: 7, start: [3, 6] });
  await saveDataset(
    join(datasets, "grid-7x7"),
    new Dataset({
      id: "grid-7x7-v0",
      episodes: await collect(grid, { act: () => 1 }, { episodes: 1, seed: 0 }),
      observationSpace: grid.observationSpace,
      actionSpace: grid.actionSpace,
      envSpec: grid.spec,
    }),
  );
  // A run still going, whose metrics.jsonl has a damaged line 2.
  const live = await RunDirectory.create(join(runs, "live"), {
    command: ["mimic", "train", "bc"],
    config: { algorithm: "bc", env: "CartPole-v1" },
    seeds: 0,
  });
  live.log(10, { train_loss: 0.9 });
  appendFileSync(live.metricsPath, '{"step": 20, "train_loss": oops}\n');
  live.log(30, { train_loss: 0.5 });
  live.log(40, { train_loss: 0.4 });
  await live.close();
  // Quiet for an hour: the list should say the process may have stopped.
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const file of [live.manifestPath, live.metricsPath]) utimesSync(file, hourAgo, hourAgo);
  // Outside both roots: a valid run that no request may reach, also through a symlink.
  const outside = join(dir, "outside");
  const secret = await RunDirectory.create(join(outside, "secret-run"), {
    command: ["secret"],
    config: { algorithm: "secret-algorithm" },
    seeds: 0,
  });
  await secret.finish("finished");
  writeFileSync(join(outside, "passwords.jsonl"), "top secret\n");
  symlinkSync(join(outside, "secret-run"), join(runs, "sneaky-link"));

  server = spawn(
    process.execPath,
    [join(repoRoot, "bin", "mimic.js"), "ui", "--port", "0", "--runs", runs, "--datasets", datasets],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  url = await new Promise<string>((resolve, reject) => {
    let text = "";
    server!.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (match) resolve(match[1]!);
    });
    server!.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    server!.once("exit", (code) => reject(new Error(`mimic ui exited with ${code}: ${text}`)));
  });
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

function skipWithoutChromium(t: { skip: (message: string) => void }): boolean {
  if (haveChromium) return false;
  if (process.env.CI) assert.fail(`${CHROMIUM} is missing; .ci/run installs Debian's chromium.`);
  t.skip(`${CHROMIUM} is missing; install it with apt-get install -y chromium`);
  return true;
}

async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1100, height: 760 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

test("paths outside the runs and datasets roots get a 404 and nothing of theirs", async (t) => {
  if (skipWithoutChromium(t)) return;
  const attempts = [
    "/api/run?id=../outside/secret-run",
    "/api/run?id=..%2Foutside%2Fsecret-run",
    "/api/run?id=%2e%2e%2foutside%2fsecret-run",
    "/api/run?id=%252e%252e%252foutside%252fsecret-run",
    "/api/run?id=cartpole-bc%2F..%2F..%2Foutside%2Fsecret-run",
    "/api/run?id=%2Ftmp",
    "/api/run?id=sneaky-link",
    "/api/run/report?id=..%2Foutside%2Fsecret-run",
    "/api/dataset?id=..",
    "/api/dataset?id=%2E%2E",
    "/api/dataset?id=..%2Foutside%2Fpasswords.jsonl",
    "/api/dataset/episode?id=..%2Foutside%2Fpasswords.jsonl&index=0",
    "/assets/..%2F..%2Fpackage.json",
    "/assets/%2e%2e%2fpackage.json",
    "/../../package.json",
    "/api/../../outside/passwords.jsonl",
  ];
  for (const path of attempts) {
    const { status, body } = await rawGet(path);
    assert.equal(status, 404, `${path} answered ${status}: ${body.slice(0, 200)}`);
    assert.doesNotMatch(body, /secret-algorithm|top secret|"name":\s*"mimic"/, path);
  }
  const runList = await rawGet("/api/runs");
  assert.doesNotMatch(runList.body, /secret|sneaky/);
});

test("the run list, a run's live chart with a damaged metrics line, and a comparison", {
  timeout: 60_000,
}, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  await page.goto(`${url}/`);
  await page.waitForSelector("#runs-table tr[data-run='cartpole-bc']");
  const rows = await page.locator("#runs-table tbody tr").count();
  assert.equal(rows, 2);
  const bcRow = await page.textContent("#runs-table tr[data-run='cartpole-bc']");
  assert.match(bcRow!, /bc/);
  assert.match(bcRow!, /CartPole-v1/);
  assert.match(bcRow!, /finished/);
  assert.match((await page.textContent("#runs-table tr[data-run='live']"))!, /running\? \(60 min quiet\)/);
  await shoot(page, "ui-runs");

  await page.click("#runs-table tr[data-run='cartpole-bc'] a");
  await page.waitForSelector("#run-page .chart canvas");
  await page.waitForSelector("#evaluation-table");
  const charts = await page.locator("#run-page .chart").count();
  assert.ok(charts >= 3, `${charts} charts`);
  assert.match((await page.textContent("#evaluation-table"))!, /eval_mean_return/);
  await shoot(page, "ui-run");

  // The damaged line is skipped with a warning; new lines appear while the run is "running".
  await page.goto(`${url}/#/run?id=live`);
  await page.waitForSelector("#run-page[data-records='3']");
  const warning = await page.textContent(".warnings");
  assert.match(warning!, /live\/metrics\.jsonl: line 2 is not a metrics record/);
  appendFileSync(join(runs, "live", "metrics.jsonl"), '{"step":50,"time":1700000000,"train_loss":0.3}\n');
  await page.waitForSelector("#run-page[data-records='4']", { timeout: 10_000 });

  await page.goto(`${url}/`);
  await page.waitForSelector("#runs-table tr[data-run='live']");
  await page.check("#runs-table tr[data-run='cartpole-bc'] input[type=checkbox]");
  await page.check("#runs-table tr[data-run='live'] input[type=checkbox]");
  await page.click("#compare-link");
  await page.waitForSelector("#compare-page .chart canvas");
  await page.selectOption("#compare-metric", "train_loss");
  const legend = await page.textContent("#compare-page .u-legend");
  assert.match(legend!, /cartpole-bc/);
  assert.match(legend!, /live/);
  await shoot(page, "ui-compare");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a dataset's statistics, episode table and replay", { timeout: 60_000 }, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  await page.goto(`${url}/#/datasets`);
  await page.waitForSelector("#datasets-table tr[data-dataset='cartpole-expert']");
  const row = await page.textContent("#datasets-table tr[data-dataset='cartpole-expert']");
  assert.match(row!, /CartPole-v1/);
  assert.match(row!, /1500/);
  await page.click("#datasets-table tr[data-dataset='cartpole-expert'] a");
  await page.waitForSelector("#episodes-table tr[data-episode='2']");
  await page.click("#episodes-table tr[data-episode='1'] a");
  await page.waitForSelector("#replay-canvas[data-frame='0']");
  for (let i = 0; i < 3; i++) await page.click("#replay-step");
  await page.waitForSelector("#replay-canvas[data-frame='3']");
  await page.click("#replay-back");
  await page.waitForSelector("#replay-canvas[data-frame='2']");
  await page.selectOption("#replay-speed", "4");
  await page.click("#replay-play");
  await page.waitForFunction(
    () => Number(document.querySelector("#replay-canvas")?.getAttribute("data-frame")) > 20,
  );
  await page.click("#replay-play"); // pause
  assert.match((await page.textContent("#replay-position"))!, /step \d+ \/ 500/);
  await shoot(page, "ui-dataset");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a GridWorld replay draws on the layout the dataset records", { timeout: 60_000 }, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  await page.goto(`${url}/#/datasets`);
  await page.click("#datasets-table tr[data-dataset='grid-7x7'] a");
  await page.click("#episodes-table tr[data-episode='0'] a");
  // The first state is 45 (x 3, y 6): the default 5×5 layout's renderer would refuse it.
  await page.waitForSelector("#replay-canvas[data-frame='0']");
  await page.click("#replay-step");
  await page.waitForSelector("#replay-canvas[data-frame='1']");
  const error = await page.$("p.error");
  assert.equal(error, null, (await error?.textContent()) ?? "");
  assert.deepEqual(errors, []);
  await page.close();
});

test("teach mode with env options: a 7×7 GridWorld played in the page lands with its layout", {
  timeout: 60_000,
}, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  await page.goto(`${url}/#/teach?env=GridWorld-v0&dataset=grid-taught&seed=0`);
  await page.waitForSelector("#teach-page[data-phase='idle']");
  // Bad options say why and keep Start disabled; good ones draw the new layout's start state.
  await page.fill("#teach-env-options", '{"widht": 7}');
  await page.waitForSelector("#teach-env-error");
  assert.match((await page.textContent("#teach-env-error"))!, /widht/);
  assert.ok(await page.isDisabled("#teach-start"));
  await page.fill("#teach-env-options", '{"width": 7, "height": 7, "start": [5, 6]}');
  await page.waitForSelector("#teach-env-error", { state: "detached" });
  await page.click("#teach-start");
  await page.keyboard.down("ArrowRight"); // (5, 6) → the goal (6, 6), state 48
  await page.waitForSelector("#teach-page[data-phase='done']", { timeout: 20_000 });
  await page.keyboard.up("ArrowRight");
  await page.click("#teach-keep");
  await page.waitForSelector("#teach-page[data-phase='kept']");
  const { dataset } = await loadDataset(join(datasets, "grid-taught"));
  assert.deepEqual(dataset.envSpec?.kwargs, { width: 7, height: 7, start: [5, 6] });
  assert.deepEqual(Array.from(dataset.episodes[0]!.observations), [47, 48]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("teach mode: a CartPole episode played with the keyboard lands in the dataset exactly", {
  timeout: 60_000,
}, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  const seed = 7;
  await page.goto(`${url}/#/teach?env=CartPole-v1&dataset=human-cartpole&seed=${seed}`);
  await page.waitForSelector("#teach-page[data-phase='idle']");

  // An episode abandoned midway (the tab closes) writes nothing.
  await page.click("#teach-start");
  await page.keyboard.down("ArrowRight");
  await page.waitForFunction(() => Number(document.querySelector("#teach-steps")?.textContent) >= 5);
  await page.keyboard.up("ArrowRight");
  await page.reload();
  await page.waitForSelector("#teach-page[data-phase='idle']");
  assert.equal(existsSync(join(datasets, "human-cartpole")), false);

  // In ¼× slow motion (12.5 steps a second), taps to the right and the left, as a person balancing
  // it would, then right until the pole falls.
  await page.fill("#teach-seed", String(seed));
  await page.selectOption("#teach-speed", "0.25");
  await page.click("#teach-start");
  const started = Date.now();
  for (let i = 0; i < 4; i++) {
    for (const key of ["ArrowRight", "ArrowLeft"]) {
      await page.keyboard.down(key);
      await page.waitForTimeout(120);
      await page.keyboard.up(key);
    }
  }
  const stepsSoFar = Number(await page.textContent("#teach-steps"));
  const due = ((Date.now() - started) / 1000) * 12.5 + 1;
  assert.ok(stepsSoFar <= due, `${stepsSoFar} steps in slow motion, at most ${due} were due`);
  await shoot(page, "ui-teach");
  await page.keyboard.down("ArrowRight");
  await page.waitForSelector("#teach-page[data-phase='done']", { timeout: 20_000 });
  await page.keyboard.up("ArrowRight");
  const posted = page.waitForRequest((r) => r.url().endsWith("/api/teach/keep") && r.method() === "POST");
  await page.click("#teach-keep");
  const body = JSON.parse((await posted).postData()!) as { seed: number; actions: number[]; envId: string };
  await page.waitForSelector("#teach-page[data-phase='kept']");
  assert.match((await page.textContent("#teach-message"))!, /Kept as episode 0 of human-cartpole/);
  assert.equal(body.envId, "CartPole-v1");
  assert.equal(body.seed, seed);
  assert.ok(body.actions.includes(0) && body.actions.includes(1), `actions ${body.actions.join("")}`);

  // Another episode, discarded: nothing more is written.
  await page.click("#teach-start");
  await page.keyboard.down("ArrowLeft");
  await page.waitForSelector("#teach-page[data-phase='done']", { timeout: 20_000 });
  await page.keyboard.up("ArrowLeft");
  await page.click("#teach-discard");
  await page.waitForSelector("#teach-page[data-phase='discarded']");

  // On disk: exactly one episode, with the actions pressed, and the env's own observations.
  const { dataset } = await loadDataset(join(datasets, "human-cartpole"));
  assert.equal(dataset.episodes.length, 1);
  const episode = dataset.episodes[0]!;
  assert.deepEqual(Array.from(episode.actions), body.actions);
  assert.equal(episode.seed, seed);
  assert.equal(episode.terminated, true);
  assert.equal(dataset.envSpec?.id, "CartPole-v1");
  const env = make("CartPole-v1");
  let observation = env.reset({ seed }).observation;
  assert.deepEqual(Array.from(episode.observation(0)), Array.from(observation));
  for (const [i, action] of body.actions.entries()) {
    observation = env.step(action).observation;
    assert.deepEqual(Array.from(episode.observation(i + 1)), Array.from(observation), `step ${i}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("every teach env draws its start state and its first steps in Chromium", {
  timeout: 60_000,
}, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  const ids = [
    "CartPole-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
    "Acrobot-v1",
    "Pendulum-v1",
    "GridWorld-v0",
  ];
  const inkedPixels = () =>
    page.evaluate(() => {
      const canvas = document.querySelector("#teach-canvas") as HTMLCanvasElement;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let inked = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) inked++;
      return inked;
    });
  for (const id of ids) {
    await page.goto(`${url}/#/teach?env=${id}&seed=1`);
    await page.reload(); // a fresh page per env
    await page.waitForSelector("#teach-page[data-phase='idle']");
    assert.ok((await inkedPixels()) > 500, `${id}: the start state was not drawn`);
    await page.click("#teach-start");
    await page.keyboard.down("ArrowRight");
    await page.waitForFunction(() => Number(document.querySelector("#teach-steps")?.textContent) >= 1);
    await page.keyboard.up("ArrowRight");
    assert.ok((await inkedPixels()) > 500, `${id}: a step was not drawn`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("live DAgger: the learner drives, held keys label the states, T takes over, the next round trains on them", {
  timeout: 60_000,
}, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  await page.goto(`${url}/#/dagger`);
  await page.waitForSelector("#dagger-demos option[value='cartpole-expert']", { state: "attached" });
  await page.selectOption("#dagger-demos", "cartpole-expert");
  await page.fill("#dagger-name", "live");
  await page.fill("#dagger-epochs", "5");
  await page.click("#dagger-start");
  await page.waitForSelector("#dagger-rounds tr[data-round='0']", { timeout: 30_000 });

  const seed = 3;
  await page.fill("#dagger-seed", String(seed));
  const posted = page.waitForRequest((r) => r.url().endsWith("/api/dagger/episode"));
  await page.click("#dagger-drive");
  // Label every state "push right" while the learner balances, then take over and push right.
  await page.keyboard.down("ArrowRight");
  await page.waitForFunction(() => Number(document.querySelector("#dagger-labels")?.textContent) >= 15);
  await page.keyboard.press("t");
  await page.waitForFunction(
    () => document.querySelector("#dagger-driver")?.textContent === "you (takeover)",
  );
  await shoot(page, "ui-dagger");
  const body = JSON.parse((await posted).postData()!) as {
    seed: number;
    executed: number[];
    labels: number[];
    labelsFrom: number;
    terminated: boolean;
  };
  await page.keyboard.up("ArrowRight");
  await page.waitForSelector("#dagger-page[data-phase='ready']");
  assert.ok(
    body.labels.every((a) => a === 1),
    `labels ${body.labels.join("")}`,
  );
  assert.equal(body.labelsFrom + body.labels.length, body.executed.length);
  // The learner drove before the takeover: it did not always push right.
  assert.ok(body.executed.slice(0, body.labelsFrom + 10).includes(0), `executed ${body.executed.join("")}`);

  await page.click("#dagger-train");
  await page.waitForSelector("#dagger-rounds tr[data-round='1']", { timeout: 30_000 });
  assert.match((await page.textContent("#dagger-message"))!, /Round 1: the new learner's mean return is/);

  // The round's labels on disk: the states replayed from the seed, the person's actions as labels.
  const { dataset } = await loadDataset(join(datasets, "live-round-1"));
  assert.equal(dataset.episodes.length, 1);
  const episode = dataset.episodes[0]!;
  assert.deepEqual(Array.from(episode.actions), body.labels);
  const env = make("CartPole-v1");
  let observation = env.reset({ seed }).observation;
  for (const [i, action] of body.executed.entries()) {
    if (i >= body.labelsFrom) {
      assert.deepEqual(
        Array.from(episode.observation(i - body.labelsFrom)),
        Array.from(observation),
        `step ${i}`,
      );
    }
    observation = env.step(action).observation;
  }
  assert.equal(episode.terminated, body.terminated);
  assert.deepEqual(errors, []);
  await page.close();
});

test("teach mode on a web task: a login done with the mouse and keyboard in the frame lands as the env's episode", {
  timeout: 90_000,
}, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, errors } = await newPage();
  const seed = 11;
  await page.goto(`${url}/#/teach?env=web:login-user&dataset=human-login&seed=${seed}`);
  await page.waitForSelector("#teach-web[data-phase='ready']");
  await page.click("#teach-web-start");
  await page.waitForSelector("#teach-web[data-phase='running']");
  // The person: reads the instruction in the frame, types into the two fields, presses Login.
  const task = page.frameLocator("#teach-web-frame");
  const query = (await task.locator("#query").textContent())!;
  const [, username, password] = /"([^"]+)".*"([^"]+)"/.exec(query)!;
  await task.locator("input[type=text]").click();
  await page.keyboard.type(username!, { delay: 10 });
  await task.locator("input[type=password]").click();
  await page.keyboard.type(password!, { delay: 10 });
  await task.locator("button", { hasText: "Login" }).click();
  await page.waitForSelector("#teach-web[data-phase='done']");
  assert.equal(await page.textContent("#teach-web-phase"), "succeeded");
  await shoot(page, "ui-teach-web");
  const posted = page.waitForRequest((r) => r.url().endsWith("/api/teach/web/keep") && r.method() === "POST");
  await page.click("#teach-web-keep");
  const body = JSON.parse((await posted).postData()!) as {
    seed: number;
    task: string;
    actions: { kind: string }[];
  };
  await page.waitForSelector("#teach-web[data-phase='kept']", { timeout: 30_000 });
  assert.match((await page.textContent("#teach-web-message"))!, /Kept as episode 0 of human-login/);
  assert.equal(body.task, "login-user");
  assert.equal(body.seed, seed);
  assert.deepEqual(
    body.actions.map((a) => a.kind),
    ["type", "type", "click"],
  );

  // On disk: the server's replay in its own browser, with the env's rewards.
  const { dataset } = await loadDataset(join(datasets, "human-login"));
  assert.equal(dataset.envSpec?.id, "web:login-user");
  assert.equal(dataset.episodes.length, 1);
  const episode = dataset.episodes[0]!;
  assert.equal(episode.seed, seed);
  assert.equal(episode.length, 3);
  assert.equal(episode.rewards[2], 1);
  assert.deepEqual(
    Array.from(episode.actions.subarray(0, 3)).concat(Array.from(episode.actions.subarray(6, 9))),
    [1, 4, 0, 0, 7, 0],
  );
  assert.deepEqual(errors, []);
  await page.close();
});
