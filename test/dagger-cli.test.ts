import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli as run } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "mimic-dagger-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("mimic train dagger and distill", () => {
  test("dagger without demonstrations: the expert drives round 1; rounds are saved as datasets", async () => {
    const out = join(dir, "dagger");
    const r = await run(
      "train",
      "dagger",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--rounds",
      "2",
      "--steps-per-round",
      "300",
      "--epochs",
      "3",
      "--hidden",
      "16,16",
      "--eval-episodes",
      "3",
      "--beta",
      "exp:0.5",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /round 1: β 1\.00, 300 env steps/);
    assert.match(r.err, /round 2: β 0\.25, 600 env steps/);
    assert.match(r.out, /DAgger: 2 rounds, 600 env steps, 600 labelled steps/);
    for (const f of [
      "rounds/round-1/data/main_data.hdf5",
      "rounds/round-2/data/main_data.hdf5",
      "policy/policy.json",
      "report.html",
      "metrics.jsonl",
    ])
      assert.ok(existsSync(join(out, f)), f);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      metrics.map((m) => m.round),
      [1, 2],
    );
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /DAgger on CartPole-v1/);
  });

  test("--env-options: DAgger runs the env made with them; demos from another layout are refused", async () => {
    const options = JSON.stringify({ width: 7, height: 7 });
    const demos = join(dir, "grid-demos");
    const c = await run(
      "collect",
      "--env",
      "GridWorld-v0",
      "--env-options",
      options,
      "--expert",
      "scripted",
      "--episodes",
      "3",
      "--out",
      demos,
    );
    assert.equal(c.code, 0, c.err);
    const out = join(dir, "grid-dagger");
    const args = [
      "--env",
      "GridWorld-v0",
      "--expert",
      "scripted",
      "--rounds",
      "1",
      "--steps-per-round",
      "100",
      "--epochs",
      "20",
      "--eval-episodes",
      "3",
    ];
    const r = await run("train", "dagger", ...args, "--env-options", options, "--demos", demos, "--out", out);
    assert.equal(r.code, 0, r.err);
    const policy = JSON.parse(readFileSync(join(out, "policy", "policy.json"), "utf8"));
    assert.deepEqual(policy.envOptions, { width: 7, height: 7 });
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.deepEqual(manifest.config.envOptions, { width: 7, height: 7 });
    // The expert reaches the 7×7 goal: the last round's mean return is the expert's.
    const evaluated = await run("eval", "--policy", out, "--episodes", "3", "--json");
    assert.equal(evaluated.code, 0, evaluated.err);
    assert.ok(JSON.parse(evaluated.out).meanReturn > 0.5, evaluated.out);
    const mismatch = await run(
      "train",
      "dagger",
      ...args,
      "--demos",
      demos,
      "--out",
      join(dir, "grid-default"),
    );
    assert.notEqual(mismatch.code, 0);
    assert.match(mismatch.err, /with env options \{"width":7,"height":7\}, and this run's are \{\}/);
  });

  test("distill a student from the dagger run's policy", async () => {
    const r = await run(
      "train",
      "distill",
      "--teacher",
      join(dir, "dagger"),
      "--hidden",
      "8",
      "--rounds",
      "1",
      "--steps-per-round",
      "200",
      "--episodes",
      "1",
      "--epochs",
      "2",
      "--out",
      join(dir, "student"),
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /teacher \d+ parameters, return/);
    assert.match(r.out, /student \d+ parameters, return .* agreement on held-out states/);
    assert.match(readFileSync(join(dir, "student", "report.html"), "utf8"), /Distillation on CartPole-v1/);
  });

  test("bad input: a teacher for another env, a bad β, an unknown engine, an unknown expert path", async () => {
    const wrongEnv = await run(
      "train",
      "dagger",
      "--env",
      "Acrobot-v1",
      "--expert",
      join(dir, "dagger"),
      "--rounds",
      "1",
      "--out",
      join(dir, "x"),
    );
    assert.equal(wrongEnv.code, 1);
    assert.match(wrongEnv.err, /teacher .* was trained for CartPole-v1, not Acrobot-v1/);
    const beta = await run(
      "train",
      "dagger",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--beta",
      "exp:2",
      "--out",
      join(dir, "y"),
    );
    assert.equal(beta.code, 2);
    assert.match(beta.err, /--beta must be linear or exp:<decay>/);
    const engine = await run(
      "train",
      "dagger",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--engine",
      "gpu",
      "--out",
      join(dir, "w"),
    );
    assert.equal(engine.code, 2);
    assert.match(engine.err, /--engine must be fused or tfjs, got "gpu"/);
    const missing = await run(
      "train",
      "dagger",
      "--env",
      "CartPole-v1",
      "--expert",
      join(dir, "nope"),
      "--out",
      join(dir, "z"),
    );
    assert.equal(missing.code, 1);
  });
});

describe("mimic train dagger --resume", () => {
  test("a run killed with SIGKILL after a round resumes and ends where an uninterrupted run ends", async () => {
    const { spawn } = await import("node:child_process");
    const { readdirSync } = await import("node:fs");
    const { repoRoot } = await import("./helpers/fixtures.js");
    const args = [
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--rounds",
      "4",
      "--steps-per-round",
      "400",
      "--epochs",
      "4",
      "--hidden",
      "16",
      "--eval-episodes",
      "3",
    ];
    const killed = join(dir, "dagger-killed");
    const child = spawn(
      process.execPath,
      [join(repoRoot, "bin", "mimic.js"), "train", "dagger", "--out", killed, ...args],
      { stdio: "ignore" },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    for (let waited = 0; waited < 120_000; waited += 10) {
      const checkpoints = join(killed, "checkpoints");
      if (existsSync(checkpoints) && readdirSync(checkpoints).some((f) => f.startsWith("round-0001"))) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL", "the run was still going when it was killed");
    const resumed = await run("train", "dagger", "--out", killed, "--resume");
    assert.equal(resumed.code, 0, resumed.err);
    const straight = join(dir, "dagger-straight");
    assert.equal((await run("train", "dagger", "--out", straight, ...args)).code, 0);
    const weights = (d: string) => readFileSync(join(d, "policy", "weights.bin"));
    assert.ok(
      weights(killed).equals(weights(straight)),
      "resumed and uninterrupted runs end with the same weights",
    );
    const returns = (d: string) =>
      readFileSync(join(d, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((m) => [m.round, m.mean_return]);
    assert.deepEqual(returns(killed), returns(straight));
    const again = await run("train", "dagger", "--out", join(dir, "nothing"), "--resume");
    assert.equal(again.code, 1);
  });
});
