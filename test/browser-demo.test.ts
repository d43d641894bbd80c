/**
 * The browser demo in a real browser: `mimic serve` serves the page at /demo/ with the trained
 * policy's compiled JSON; Debian's Chromium driven by playwright-core opens it, and the page runs
 * CartPole-v1 and the policy in the page. The episode must last at least 475 steps. A screenshot
 * goes to build/test-output/browser-demo.png.
 * Without /usr/bin/chromium the test fails under CI (where .ci/run installs it) and skips elsewhere.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { trainBc } from "../src/algorithms/bc.js";
import { collect, Dataset, make, scriptedExpert } from "../src/index.js";
import { repoRoot } from "./helpers/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "mimic-demo-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the demo page balances CartPole with the exported policy in Chromium", {
  timeout: 180_000,
}, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing; .ci/run installs Debian's chromium.`);
    t.skip(`${CHROMIUM} is missing; install it with apt-get install -y chromium`);
    return;
  }
  // Build the page and export a trained policy next to it.
  const built = spawnSync(process.execPath, [join(repoRoot, "scripts", "build-demo.mjs"), dir], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.equal(built.status, 0, built.stderr);
  const env = make("CartPole-v1");
  const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
    episodes: 10,
    seed: 0,
    deterministic: true,
  });
  const dataset = new Dataset({
    id: "demo/cartpole-v0",
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  const { policy } = await trainBc(dataset, { epochs: 5, seed: 0 });
  await policy.save(join(dir, "policy"));
  policy.dispose();

  // `mimic serve` on loopback, on a free port it reports.
  const server = spawn(
    process.execPath,
    [join(repoRoot, "bin", "mimic.js"), "serve", "--policy", join(dir, "policy"), "--port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = "";
    server.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match) resolve(match[1]!);
    });
    server.once("exit", (code) => reject(new Error(`mimic serve exited with ${code}: ${text}`)));
  });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 720, height: 640 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/demo/?seed=1000`);
    await page.check("#fast");
    await page.waitForFunction(
      () => document.body.dataset.done === "true" || document.body.dataset.done === "error",
      null,
      { timeout: 60_000 },
    );
    const steps = Number(await page.textContent("#steps"));
    const status = await page.textContent("#status");
    mkdirSync(join(repoRoot, "build", "test-output"), { recursive: true });
    await page.screenshot({ path: join(repoRoot, "build", "test-output", "browser-demo.png") });
    assert.deepEqual(errors, []);
    assert.equal(await page.textContent("#error"), "");
    assert.ok(steps >= 475, `the episode lasted ${steps} steps (${status})`);
  } finally {
    await browser.close();
    server.kill("SIGTERM");
  }
});
