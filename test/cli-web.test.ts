/**
 * The web CLI in-process, in real headless Chromium, with tiny budgets: `mimic web tasks`,
 * `mimic web record --driver expert` (the dataset, --append continuing the seeds, refusing an
 * existing --out without it), `mimic train bc-dom` (its run directory: manifest, metrics,
 * checkpoints, policy/ with policy.json and env.json, evaluation.json with the success interval,
 * report), `mimic eval` of the DOM policy with --env, `mimic train dagger-dom` (its run directory;
 * killed with SIGKILL after round 1 and resumed, against an uninterrupted run; resume refusals),
 * and the flag errors, each saying how to fix it. Without Chromium: `train bc-dom` on synthetic web
 * demonstrations, killed with SIGKILL and resumed with --resume, against an uninterrupted run.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Dataset } from "../src/data/dataset.js";
import { contentHash } from "../src/data/hash.js";
import { readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { webSpaces } from "../src/envs/web/observation.js";
import { RunDirectory } from "../src/runs/run-directory.js";
import { skipWithoutChromium } from "./helpers/chromium.js";
import { checkpointCount, killCliWhen, runCli as run } from "./helpers/cli.js";
import { expertDataset, WEB_FAMILIES } from "./helpers/synthetic-web.js";

let dir = "";

/** The checkpoint a run's `latest` pointer names now (a checkpoint counts once it does). */
function latestCheckpoint(run: string): string | null {
  try {
    return readFileSync(join(run, "checkpoints", "latest"), "utf8").trim();
  } catch {
    return null;
  }
}
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mimic-cli-web-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("mimic web, train bc-dom, eval", () => {
  test("web tasks lists the ten built-in tasks", async () => {
    const { code, out } = await run("web", "tasks");
    assert.equal(code, 0);
    for (const task of ["web:click-button", "web:login-user", "web:click-checkboxes"])
      assert.match(out, new RegExp(task));
  });

  test("record, append, train bc-dom, eval on another task", async (t) => {
    if (skipWithoutChromium(t)) return;
    const data = join(dir, "click-button");
    const first = await run(
      "web",
      "record",
      "--task",
      "click-button",
      "--episodes",
      "3",
      "--driver",
      "expert",
      "--out",
      data,
    );
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /recorded 3 episodes of web:click-button \(3 succeeded\)/);
    const again = await run(
      "web",
      "record",
      "--task",
      "click-button",
      "--episodes",
      "1",
      "--driver",
      "expert",
      "--out",
      data,
    );
    assert.equal(again.code, 2);
    assert.match(again.err, /exists; pass --append/);
    const more = await run(
      "web",
      "record",
      "--task",
      "click-button",
      "--episodes",
      "2",
      "--driver",
      "expert",
      "--append",
      "--out",
      data,
    );
    assert.equal(more.code, 0, more.err);
    const { dataset } = await readMinari(data);
    assert.deepEqual(
      dataset.episodes.map((e) => e.seed),
      [0, 1, 2, 3, 4],
    );
    assert.equal(dataset.envSpec?.id, "web:click-button");

    const runDir = join(dir, "dom");
    const trained = await run(
      "train",
      "bc-dom",
      "--dataset",
      data,
      "--out",
      runDir,
      "--epochs",
      "40",
      "--eval-episodes",
      "20",
    );
    assert.equal(trained.code, 0, trained.err);
    for (const file of [
      "manifest.json",
      "metrics.jsonl",
      "evaluation.json",
      "report.html",
      join("checkpoints", "latest"),
      join("policy", "policy.json"),
      join("policy", "env.json"),
    ])
      assert.ok(existsSync(join(runDir, file)), `${file} is written`);
    const evaluation = JSON.parse(await readFile(join(runDir, "evaluation.json"), "utf8"));
    const result = evaluation.tasks["web:click-button"];
    assert.ok(result.successRate >= 0.9, `success ${result.successRate}`);
    assert.equal(result.successCi95.length, 2);
    assert.match(trained.out, /eval {4}web:click-button, 20 episodes: .* success \d+% \[\d+%, 100%\]/);

    const evaluated = await run(
      "eval",
      "--policy",
      runDir,
      "--env",
      "web:click-link,web:click-dialog",
      "--episodes",
      "5",
      "--json",
    );
    assert.equal(evaluated.code, 0, evaluated.err);
    const json = JSON.parse(evaluated.out);
    assert.deepEqual(Object.keys(json.tasks), ["web:click-link", "web:click-dialog"]);
    assert.equal(json.tasks["web:click-link"].episodes, 5);

    const wrongEnv = await run("eval", "--policy", runDir, "--env", "CartPole-v1");
    assert.equal(wrongEnv.code, 2);
    assert.match(wrongEnv.err, /a DOM policy plays web tasks, named web:<task>/);
  });

  test("train dagger-dom writes a run directory; killed after round 2 and resumed, it ends where an uninterrupted run ends", async (t) => {
    if (skipWithoutChromium(t)) return;
    const args = ["--task", "click-option", "--rounds", "3", "--episodes-per-round", "2"];
    const more = ["--epochs", "40", "--width", "16", "--heads", "2", "--eval-episodes", "3"];
    const straight = join(dir, "dagger");
    const { code, out, err } = await run("train", "dagger-dom", ...args, ...more, "--out", straight);
    assert.equal(code, 0, err);
    assert.match(out, /DAgger: 3 rounds, 6 episodes/);
    for (const file of [
      "manifest.json",
      "report.html",
      "evaluation.json",
      "policy/policy.json",
      "policy/env.json",
    ])
      assert.ok(existsSync(join(straight, file)), file);
    const manifest = JSON.parse(await readFile(join(straight, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "finished");
    assert.equal(manifest.config.algorithm, "dagger-dom");
    assert.equal(manifest.config.task, "click-option");
    const metrics = async (d: string) =>
      (await readFile(join(d, "metrics.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map(({ time: _, ...rest }) => rest);
    const lines = await metrics(straight);
    assert.deepEqual(
      lines.filter((l) => "round" in l).map((l) => [l.round, l.beta]),
      [
        [1, 1],
        [2, 2 / 3],
        [3, 1 / 3],
      ],
    );
    assert.ok("eval_success_rate" in lines.at(-1)!, "the evaluation's scalars come last");

    // Killed once round 2's checkpoint is written (round 3 is under way), then resumed. Round 1
    // (no learner yet) draws no β coins; round 2 does, so round 3 needs the generator's state.
    const killed = join(dir, "dagger-killed");
    const signal = await killCliWhen(
      ["train", "dagger-dom", ...args, ...more, "--out", killed],
      () => latestCheckpoint(killed) === "round-0002",
    );
    assert.equal(signal, "SIGKILL", "the run was still going when it was killed");
    assert.ok(!existsSync(join(killed, "checkpoints", "round-0003")), "killed before round 3 was done");
    const resumed = await run("train", "dagger-dom", "--out", killed, "--resume");
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /resumed after round 2; DAgger: 3 rounds, 6 episodes/);
    const policy = async (d: string) => JSON.parse(await readFile(join(d, "policy", "policy.json"), "utf8"));
    assert.deepEqual((await policy(killed)).weights, (await policy(straight)).weights, "the same weights");
    assert.deepEqual(await metrics(killed), lines);
    const state = async (d: string) =>
      JSON.parse(await readFile(join(d, "checkpoints", "round-0003", "checkpoint.json"), "utf8")).json;
    assert.deepEqual(
      await state(killed),
      await state(straight),
      "the rounds and the coins' state after round 3",
    );
    for (const round of [1, 2, 3]) {
      const rounds = async (d: string) =>
        contentHash((await readMinari(join(d, "rounds", `round-${round}`))).dataset);
      assert.equal(await rounds(killed), await rounds(straight), `round ${round}'s labelled episodes`);
    }
    assert.deepEqual(
      JSON.parse(await readFile(join(killed, "evaluation.json"), "utf8")),
      JSON.parse(await readFile(join(straight, "evaluation.json"), "utf8")),
    );

    // Refusals: a finished run, a run of another kind, a run with no finished round, no run.
    const finished = await run("train", "dagger-dom", "--out", straight, "--resume");
    assert.equal(finished.code, 1);
    assert.match(finished.err, /holds a finished run; there is nothing to resume/);
    const early = join(dir, "dagger-early");
    const created = await RunDirectory.create(early, {
      command: [],
      config: { algorithm: "dagger-dom", task: "click-option" },
      seeds: {},
    });
    await created.close();
    const none = await run("train", "dagger-dom", "--out", early, "--resume");
    assert.equal(none.code, 1);
    assert.match(none.err, /no finished round to resume from/);
    const other = join(dir, "dagger-other");
    await (
      await RunDirectory.create(other, { command: [], config: { algorithm: "bc-dom" }, seeds: {} })
    ).close();
    const wrongKind = await run("train", "dagger-dom", "--out", other, "--resume");
    assert.equal(wrongKind.code, 1);
    assert.match(
      wrongKind.err,
      /is a bc-dom run, not dagger-dom; resume it with `mimic train bc-dom --resume`/,
    );
    const help = await run("train", "dagger-dom", "--help");
    assert.match(help.out, /--resume/);
    assert.match(help.out, /rounds\/round-<i>/);
  });

  test("flag errors say what to do", async () => {
    const driver = await run(
      "web",
      "record",
      "--task",
      "click-button",
      "--episodes",
      "1",
      "--out",
      join(dir, "x"),
      "--driver",
      "robot",
    );
    assert.equal(driver.code, 2);
    assert.match(driver.err, /--driver is person or expert/);
    const missing = await run("web", "record", "--task", "click-button", "--out", join(dir, "x"));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--episodes is required/);
    const unknown = await run(
      "web",
      "record",
      "--task",
      "click-buton",
      "--episodes",
      "1",
      "--driver",
      "expert",
      "--out",
      join(dir, "y"),
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /click-button/);
    const collect = await run(
      "collect",
      "--env",
      "web:click-button",
      "--expert",
      "scripted",
      "--episodes",
      "1",
      "--out",
      join(dir, "c"),
    );
    assert.equal(collect.code, 2);
    assert.match(collect.err, /record it with mimic web record --task click-button --driver expert/);
    const command = await run("web", "play");
    assert.equal(command.code, 2);
    assert.match(command.err, /available: tasks, record/);
    const notWeb = await run("train", "bc-dom", "--dataset", join(dir, "nowhere"), "--out", join(dir, "z"));
    assert.notEqual(notWeb.code, 0);
    const noExpert = await run("train", "dagger-dom", "--task", "/tmp/some.html", "--out", join(dir, "w"));
    assert.equal(noExpert.code, 2);
    assert.match(noExpert.err, /has no scripted expert/);
  });
});

describe("mimic train bc-dom --resume (no browser: synthetic demonstrations, no evaluation)", () => {
  test("a run killed with SIGKILL resumes from its last checkpoint and ends where an uninterrupted run ends", async () => {
    const spaces = webSpaces({ maxElements: 12, maxFields: 3, utteranceBytes: 128, textBytes: 32 });
    const data = join(dir, "synthetic-web");
    const write = (firstSeed: number) => {
      const synthetic = expertDataset(spaces, WEB_FAMILIES, 2, firstSeed);
      return writeMinari(
        data,
        new Dataset({
          id: synthetic.id,
          episodes: synthetic.episodes,
          observationSpace: synthetic.observationSpace,
          actionSpace: synthetic.actionSpace,
          envSpec: { id: "web:click-button" },
        }),
      );
    };
    await write(3);
    const args = ["--dataset", data, "--epochs", "60", "--width", "8", "--heads", "2", "--batch-size", "4"];
    const more = ["--validation", "0.34", "--checkpoint-every", "5", "--eval-episodes", "0"];
    const killed = join(dir, "dom-killed");
    const signal = await killCliWhen(
      ["train", "bc-dom", "--out", killed, ...args, ...more],
      () => checkpointCount(killed) >= 2,
    );
    assert.equal(signal, "SIGKILL", "the run was still going when it was killed");
    // Other demonstrations at the run's dataset path: refused, the run's data is needed.
    await write(9);
    const changed = await run("train", "bc-dom", "--out", killed, "--resume");
    assert.equal(changed.code, 1);
    assert.match(
      changed.err,
      /changed since the run in .* started .* Restore it, or train again with --overwrite/,
    );
    await write(3);
    const resumed = await run("train", "bc-dom", "--out", killed, "--resume");
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /resumed from minibatch \d+; trained 60 epochs/);
    const straight = join(dir, "dom-straight");
    const done = await run("train", "bc-dom", "--out", straight, ...args, ...more);
    assert.equal(done.code, 0, done.err);
    const policy = async (d: string) => JSON.parse(await readFile(join(d, "policy", "policy.json"), "utf8"));
    assert.deepEqual((await policy(killed)).weights, (await policy(straight)).weights, "the same weights");
    const losses = async (d: string) =>
      (await readFile(join(d, "metrics.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((m) => [m.step, m.epoch, m.train_loss, m.train_accuracy, m.validation_loss]);
    assert.deepEqual(await losses(killed), await losses(straight));
    const env = JSON.parse(await readFile(join(killed, "policy", "env.json"), "utf8"));
    assert.deepEqual(env.tasks, ["web:click-button"]);
    assert.ok(existsSync(join(killed, "report.html")));
    assert.ok(!existsSync(join(killed, "evaluation.json")), "--eval-episodes 0 evaluates nothing");

    const finished = await run("train", "bc-dom", "--out", straight, "--resume");
    assert.equal(finished.code, 1);
    assert.match(finished.err, /holds a finished run; there is nothing to resume/);
    const help = await run("train", "bc-dom", "--help");
    assert.match(help.out, /--resume/);
    assert.match(help.out, /--checkpoint-every/);
  });
});
