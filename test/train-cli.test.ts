/**
 * `mimic train bc`, `mimic eval`, `mimic tune bc` and `mimic quickstart` end to end, the run
 * directory they leave, resume after SIGKILL, and the bad-input list of issue 5.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveBcConfig } from "../src/algorithms/bc.js";
import {
  collect,
  Dataset,
  EnvMismatchError,
  InvalidOptionError,
  make,
  saveDataset,
  scriptedExpert,
  toJsonl,
} from "../src/index.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import { runCli as run } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mimic-train-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, "cartpole.jsonl");

before(async () => {
  const env = make("CartPole-v1");
  const episodes = await collect(env, scriptedExpert("CartPole-v1"), {
    episodes: 4,
    seed: 0,
    deterministic: true,
  });
  await saveDataset(
    data,
    new Dataset({
      id: "test/cartpole-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    }),
  );
});

describe("mimic train bc and mimic eval", () => {
  const runDir = join(dir, "bc");

  test("train writes the whole run directory", async () => {
    const r = await run(
      "train",
      "bc",
      "--dataset",
      data,
      "--out",
      runDir,
      "--epochs",
      "3",
      "--hidden",
      "32x32",
      "--eval-episodes",
      "5",
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /trained 3 epochs/);
    assert.match(r.out, /eval +CartPole-v1, 5 episodes: return/);
    for (const file of [
      "manifest.json",
      "metrics.jsonl",
      "report.html",
      join("policy", "policy.json"),
      join("checkpoints", "latest"),
    ]) {
      assert.ok(existsSync(join(runDir, file)), file);
    }
    assert.ok(readdirSync(runDir).some((f) => f.startsWith("events.out.tfevents.")));
    const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "finished");
    assert.deepEqual(manifest.config.bc.hidden, [32, 32]);
    assert.match(manifest.datasetHash, /^sha256:/);
    assert.ok(manifest.versions.tfjs);
    const metrics = readFileSync(join(runDir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(metrics.filter((m) => "train_loss" in m).length === 3);
    assert.match(readFileSync(join(runDir, "report.html"), "utf8"), /<svg/);
  });

  test("eval --json reports the issue's keys", async () => {
    const r = await run("eval", "--policy", runDir, "--episodes", "4", "--seed", "1000", "--json");
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out);
    for (const key of ["env", "episodes", "meanReturn", "stdReturn", "iqm", "ci95", "normalizedScore"])
      assert.ok(key in result, key);
    assert.equal(result.env, "CartPole-v1");
    assert.equal(result.episodes, 4);
  });

  test("a run killed with SIGKILL resumes from its last checkpoint and ends where an uninterrupted run ends", async () => {
    const args = [
      "--dataset",
      data,
      "--epochs",
      "30",
      "--hidden",
      "16,16",
      "--checkpoint-every",
      "25",
      "--eval-episodes",
      "0",
      "--patience",
      "0",
    ];
    const killed = join(dir, "killed");
    const child = spawn(
      process.execPath,
      [join(repoRoot, "bin", "mimic.js"), "train", "bc", "--out", killed, ...args],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    let exitedEarly = false;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => {
        exitedEarly = signal === null;
        resolve(signal);
      }),
    );
    // Kill it as soon as its second checkpoint exists (a run that exits first has failed).
    for (let waited = 0; waited < 60_000 && !exitedEarly; waited += 10) {
      const checkpoints = join(killed, "checkpoints");
      if (
        existsSync(checkpoints) &&
        readdirSync(checkpoints).filter((f) => f.startsWith("batch-")).length >= 2
      )
        break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    assert.equal(
      await exited,
      "SIGKILL",
      `the run was still going when it was killed; its stderr: ${stderr}`,
    );
    const resumed = await run("train", "bc", "--out", killed, "--resume");
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /resumed from minibatch \d+/);
    const straight = join(dir, "straight");
    assert.equal((await run("train", "bc", "--out", straight, ...args)).code, 0);
    const weights = (d: string) => readFileSync(join(d, "policy", "weights.bin"));
    assert.ok(
      weights(killed).equals(weights(straight)),
      "resumed and uninterrupted runs end with the same weights",
    );
    const losses = (d: string) =>
      readFileSync(join(d, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((m) => "train_loss" in m)
        .map((m) => [m.step, m.train_loss]);
    assert.deepEqual(losses(killed), losses(straight));
  });

  test("tune bc runs a grid with k-fold cross-validation and reports it", async () => {
    const out = join(dir, "tune");
    const r = await run(
      "tune",
      "bc",
      "--dataset",
      data,
      "--grid",
      "lr=1e-3,3e-3;hidden=16x16",
      "--folds",
      "2",
      "--epochs",
      "2",
      "--eval-episodes",
      "3",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /best: learningRate=/);
    assert.match(r.err, /\[2\/2\]/);
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /Grid search: 2-fold cross-validation/);
  });
});

describe("issue 5 bad input", () => {
  test("a dataset whose spaces do not match its env", async () => {
    const lines = readFileSync(data, "utf8").split("\n");
    const header = JSON.parse(lines[0]!);
    header.env_id = "Acrobot-v1";
    const wrong = join(dir, "wrong.jsonl");
    writeFileSync(wrong, [JSON.stringify(header), ...lines.slice(1)].join("\n"));
    const r = await run("train", "bc", "--dataset", wrong, "--out", join(dir, "wrong-run"));
    assert.equal(r.code, 1);
    assert.match(r.err, /observation space .* does not match Acrobot-v1's/);
  });

  test("an empty dataset", async () => {
    const empty = join(dir, "empty.jsonl");
    const env = make("CartPole-v1");
    writeFileSync(
      empty,
      toJsonl(
        new Dataset({
          id: "e-v0",
          episodes: [],
          observationSpace: env.observationSpace,
          actionSpace: env.actionSpace,
          envSpec: env.spec,
        }),
      ),
    );
    const r = await run("train", "bc", "--dataset", empty, "--out", join(dir, "empty-run"));
    assert.equal(r.code, 1);
    assert.match(r.err, /has no episodes; record some with `mimic collect`/);
  });

  test("a negative learning rate", async () => {
    const r = await run("train", "bc", "--dataset", data, "--out", join(dir, "lr"), "--lr=-0.01");
    assert.equal(r.code, 2);
    assert.match(r.err, /--lr must be a positive number/);
    assert.throws(
      () => resolveBcConfig({ learningRate: -1 }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "learningRate",
    );
  });

  test("a --hidden value that does not parse", async () => {
    const r = await run("train", "bc", "--dataset", data, "--out", join(dir, "h"), "--hidden", "64,big");
    assert.equal(r.code, 2);
    assert.match(r.err, /--hidden must be layer sizes like 64,64 or 64x64, got "64,big"/);
  });

  test("an unknown --engine", async () => {
    const r = await run("train", "bc", "--dataset", data, "--out", join(dir, "e"), "--engine", "gpu");
    assert.equal(r.code, 2);
    assert.match(r.err, /--engine must be fused or tfjs, got "gpu"/);
  });

  test("--resume on a run directory without a checkpoint", async () => {
    const r1 = await run("train", "bc", "--out", join(dir, "never"), "--resume");
    assert.equal(r1.code, 1);
    const { RunDirectory } = await import("../src/runs/run-directory.js");
    const bare = await RunDirectory.create(join(dir, "bare"), {
      command: [],
      config: { bc: {}, dataset: data },
      seeds: { train: 0 },
    });
    await bare.close();
    const r2 = await run("train", "bc", "--out", join(dir, "bare"), "--resume");
    assert.equal(r2.code, 1);
    assert.match(r2.err, /has no checkpoint to resume from/);
  });

  test("loading a policy saved for another environment", async () => {
    await assert.rejects(
      NeuralPolicy.load(join(dir, "bc", "policy"), { expectEnvId: "Acrobot-v1" }),
      (e: unknown) =>
        e instanceof EnvMismatchError && /CartPole-v1/.test(e.message) && /Acrobot-v1/.test(e.message),
    );
  });
});

describe("mimic quickstart", () => {
  test("records, trains, evaluates and reports", async () => {
    const out = join(dir, "qs");
    const r = await run("quickstart", "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^BC +CartPole-v1, 50 episodes: return/m);
    assert.match(r.out, /report +.*report\.html/);
    assert.ok(existsSync(join(out, "bc", "report.html")));
    assert.ok(existsSync(join(out, "demonstrations", "data", "main_data.hdf5")));
  });
});
