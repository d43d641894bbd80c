import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli as run } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "mimic-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Info {
  id: string;
  envId: string;
  episodes: number;
  steps: number;
  returnMean: number;
  returnMin: number;
  hash: string;
  observations: { mean: number[] };
}

async function info(path: string): Promise<Info> {
  const r = await run("data", "info", path, "--json");
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Info;
}

describe("mimic collect and mimic data", () => {
  const minari = join(dir, "cartpole-expert");
  const jsonl = join(dir, "cartpole.jsonl");

  test("collect writes a Minari dataset and prints a summary", async () => {
    const r = await run(
      "collect",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "4",
      "--seed",
      "0",
      "--out",
      minari,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /collected 4 episodes, \d+ steps, return [\d.]+ ± [\d.]+/);
    assert.ok(existsSync(join(minari, "data", "main_data.hdf5")));
    assert.ok(existsSync(join(minari, "data", "metadata.json")));
    assert.ok(existsSync(join(minari, "normalization.json")));
    const i = await info(minari);
    assert.equal(i.id, "cartpole-expert-v0");
    assert.equal(i.envId, "CartPole-v1");
    assert.equal(i.episodes, 4);
    assert.ok(i.returnMin >= 475, `the scripted expert should balance the pole (min return ${i.returnMin})`);
    assert.equal(i.observations.mean.length, 4);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp")),
      [],
      "no temporary files are left",
    );
  });

  test("the normalization statistics saved with the dataset match its content", async () => {
    const { loadNormalization } = await import("../src/data/store.js");
    const saved = await loadNormalization(minari);
    const i = await info(minari);
    assert.equal(saved.hash, i.hash);
    assert.deepEqual(saved.observations.mean, i.observations.mean);
    assert.equal(saved.steps, i.steps);
  });

  test("info prints a readable table", async () => {
    const r = await run("data", "info", minari);
    assert.equal(r.code, 0);
    assert.match(r.out, /episodes\s+4 \(/);
    assert.match(r.out, /obs\[3\]/);
    assert.match(r.out, /hash\s+sha256:/);
  });

  test("convert HDF5 → JSONL → HDF5 keeps the content hash", async () => {
    assert.equal((await run("data", "convert", minari, jsonl)).code, 0);
    const back = join(dir, "back");
    assert.equal((await run("data", "convert", jsonl, back)).code, 0);
    assert.equal((await info(jsonl)).hash, (await info(minari)).hash);
    assert.equal((await info(back)).hash, (await info(minari)).hash);
  });

  test("collect with a vector env and --steps", async () => {
    const out = join(dir, "mc.jsonl");
    const r = await run(
      "collect",
      "--env",
      "MountainCar-v0",
      "--expert",
      "scripted",
      "--steps",
      "300",
      "--num-envs",
      "4",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.err);
    const i = await info(out);
    assert.ok(i.steps >= 300);
  });

  test("collect --env-options: the expert plans for the layout and the dataset records it", async () => {
    const out = join(dir, "grid-7x7");
    const layout = { width: 7, height: 7, walls: [[3, 3]] };
    const r = await run(
      "collect",
      "--env",
      "GridWorld-v0",
      "--env-options",
      JSON.stringify(layout),
      "--expert",
      "scripted",
      "--episodes",
      "3",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.err);
    const { loadDataset } = await import("../src/data/store.js");
    const { dataset } = await loadDataset(out);
    assert.deepEqual(dataset.envSpec?.kwargs, layout);
    const shown = await run("data", "info", out);
    assert.match(shown.out, /env {10}GridWorld-v0 \{"width":7,"height":7,"walls":\[\[3,3\]\]\}/);
    assert.deepEqual(
      (JSON.parse((await run("data", "info", out, "--json")).out) as { envOptions: unknown }).envOptions,
      layout,
    );
    // The expert reaches the far corner (6, 6), state 48, which the default 5×5 grid lacks.
    for (const episode of dataset.episodes) {
      assert.ok(episode.terminated);
      assert.equal(episode.observations[episode.length], 48);
    }
    // BC trains on the recorded env (before, its space Discrete(49) was refused against the
    // default layout's 25 states), and the policy remembers the layout for evaluation.
    const bc = join(dir, "grid-bc");
    const trained = await run(
      "train",
      "bc",
      "--dataset",
      out,
      "--epochs",
      "60",
      "--validation",
      "0",
      "--eval-episodes",
      "5",
      "--out",
      bc,
    );
    assert.equal(trained.code, 0, trained.err);
    const { readFileSync } = await import("node:fs");
    const policyJson = JSON.parse(readFileSync(join(bc, "policy", "policy.json"), "utf8"));
    assert.deepEqual(policyJson.envOptions, layout);
    const evaluated = await run("eval", "--policy", bc, "--episodes", "5", "--json");
    assert.equal(evaluated.code, 0, evaluated.err);
    // The same returns as the run's own evaluation (same seeds), on the 7×7 grid: the goal reached.
    const meanReturn = JSON.parse(evaluated.out).meanReturn as number;
    assert.equal(meanReturn.toFixed(2), Number(/return (-?[\d.]+) ±/.exec(trained.out)![1]).toFixed(2));
    assert.ok(meanReturn > 0.5, `mean return ${meanReturn}`);
    const bad = await run(
      "collect",
      "--env",
      "GridWorld-v0",
      "--env-options",
      '{"widht": 7}',
      "--expert",
      "scripted",
      "--episodes",
      "1",
      "--out",
      join(dir, "x"),
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /widht/);
    assert.match(bad.err, /width/);
    const notObject = await run(
      "collect",
      "--env",
      "GridWorld-v0",
      "--env-options",
      "[7]",
      "--expert",
      "scripted",
      "--episodes",
      "1",
      "--out",
      join(dir, "x"),
    );
    assert.notEqual(notObject.code, 0);
    assert.match(notObject.err, /--env-options should be a JSON object/);
  });

  test("filter, split and merge", async () => {
    const best = join(dir, "best");
    const f = await run("data", "filter", minari, "--top-k", "2", "--out", best);
    assert.equal(f.code, 0, f.err);
    assert.match(f.out, /kept 2 of 4 episodes/);
    const s = await run(
      "data",
      "split",
      minari,
      "--train",
      "0.5",
      "--validation",
      "0.5",
      "--seed",
      "1",
      "--out",
      join(dir, "part"),
    );
    assert.equal(s.code, 0, s.err);
    assert.equal(
      (await info(join(dir, "part-train"))).episodes + (await info(join(dir, "part-validation"))).episodes,
      4,
    );
    const m = await run(
      "data",
      "merge",
      join(dir, "part-train"),
      join(dir, "part-validation"),
      "--out",
      join(dir, "merged"),
    );
    assert.equal(m.code, 0, m.err);
    assert.equal((await info(join(dir, "merged"))).steps, (await info(minari)).steps);
    const k = await run("data", "split", minari, "--folds", "2", "--out", join(dir, "kf"));
    assert.equal(k.code, 0, k.err);
    assert.ok(existsSync(join(dir, "kf-fold1-validation")));
  });

  test("mistakes get exit code 2 and a fix; a missing dataset exits 1 naming the file", async () => {
    const noOut = await run("collect", "--env", "CartPole-v1", "--expert", "scripted", "--episodes", "1");
    assert.equal(noOut.code, 2);
    assert.match(noOut.err, /--out is required, e\.g\. --out datasets\/cartpole-expert/);
    const badNumber = await run(
      "collect",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "ten",
      "--out",
      join(dir, "x"),
    );
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.err, /--episodes must be a positive integer, got "ten"/);
    const badEnv = await run(
      "collect",
      "--env",
      "CartPol-v1",
      "--expert",
      "scripted",
      "--episodes",
      "1",
      "--out",
      join(dir, "x"),
    );
    assert.equal(badEnv.code, 1);
    assert.match(badEnv.err, /Did you mean "CartPole-v1"/);
    const missing = await run("data", "info", join(dir, "nope"));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope/);
    const unknown = await run("data", "inf", minari);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /did you mean "info"/);
    assert.equal(
      (await run("data", "split", minari, "--train", "0.7", "--validation", "0.7", "--out", join(dir, "y")))
        .code,
      2,
    );
  });
});
