/**
 * The MuJoCo envs in a browser: esbuild bundles a page that calls `loadMujoco()` and runs
 * Hopper-v5 for 100 steps with seeded random actions; Debian's Chromium (playwright-core) opens it
 * from a loopback server. Its observations must equal Node's bit for bit (same wasm, same seed).
 * Without /usr/bin/chromium the test fails under CI (where .ci/run installs it) and skips elsewhere.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { loadMujoco, make, rngFromSeed } from "../src/index.js";
import { repoRoot } from "./helpers/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";

/** The page's script: the same rollout as `rollout()` below. */
const PAGE_SOURCE = `
import { loadMujoco } from "./src/envs/mujoco/module.ts";
import { make } from "./src/core/registry.ts";
import { rngFromSeed } from "./src/core/rng.ts";
import "./src/envs/index.ts";
try {
  const mujoco = await loadMujoco();
  const env = make("Hopper-v5", { maxEpisodeSteps: null });
  const rng = rngFromSeed(5);
  const out = [...env.reset({ seed: 3 }).observation];
  for (let k = 0; k < 100; k++) out.push(...env.step(env.actionSpace.sample(rng)).observation);
  window.result = { version: mujoco.version, out };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
`;

async function rollout(): Promise<number[]> {
  await loadMujoco();
  const env = make("Hopper-v5", { maxEpisodeSteps: null });
  const rng = rngFromSeed(5);
  const out = [...env.reset({ seed: 3 }).observation];
  for (let k = 0; k < 100; k++)
    out.push(...env.step(env.actionSpace.sample(rng) as Float32Array).observation);
  env.close();
  return out;
}

test("Hopper-v5 runs in Chromium on mujoco-js and matches Node bit for bit", {
  timeout: 120_000,
}, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing; .ci/run installs Debian's chromium.`);
    t.skip(`${CHROMIUM} is missing; install it with apt-get install -y chromium`);
    return;
  }
  const bundle = await build({
    stdin: { contents: PAGE_SOURCE, resolveDir: repoRoot, loader: "ts", sourcefile: "page.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    // mujoco-js imports Node's `module` inside its Node-only branch; a browser never runs it.
    external: ["module"],
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]!.contents;
  const html = '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(html);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => "result" in window, null, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as {
      version?: string;
      out?: number[];
      error?: string;
    };
    assert.deepEqual(errors, []);
    assert.equal(result.error, undefined, result.error);
    assert.match(result.version!, /^3\./);
    assert.deepEqual(result.out, await rollout());
    t.diagnostic(`bundle ${(script.length / 1e6).toFixed(1)} MB; MuJoCo ${result.version} in Chromium`);
  } finally {
    await browser.close();
    server.close();
  }
});

test("package.json pins a mujoco-js whose wasm ships inside the package", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  assert.ok(pkg.dependencies["mujoco-js"], "mujoco-js is a dependency");
  const js = readFileSync(join(repoRoot, "node_modules/mujoco-js/dist/mujoco_wasm.js"), "utf8");
  assert.match(js, /base64Decode\('AGFzbQ/, "the wasm is inlined (base64 of \\0asm)");
});
