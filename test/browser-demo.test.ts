/**
 * The browser demo in a real browser: Debian's Chromium driven by playwright-core opens the page,
 * which loads an exported CartPole policy and runs the env and the policy in the page. The episode
 * must last at least 475 steps. A screenshot goes to build/test-output/browser-demo.png.
 * Without /usr/bin/chromium the test fails under CI (where .ci/run installs it) and skips elsewhere.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { after, test } from "node:test";
import { trainBc } from "../src/algorithms/bc.js";
import { collect, Dataset, make, scriptedExpert } from "../src/index.js";
import { compilePolicy } from "../src/nn/compile.js";
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
  writeFileSync(join(dir, "policy.json"), JSON.stringify(compilePolicy(policy).toJSON()));
  policy.dispose();

  // Serve the folder on loopback.
  const types: Record<string, string> = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".json": "application/json",
  };
  const server = createServer((req, res) => {
    const path = normalize(join(dir, new URL(req.url ?? "/", "http://x").pathname));
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" })
      .end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
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
    await page.goto(`http://127.0.0.1:${port}/index.html?seed=1000`);
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
    server.close();
  }
});
