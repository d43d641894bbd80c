/**
 * CLI smoke tests for the memory and pixel paths, in-process with tiny budgets: collect with
 * --expert-noise, train bc-rnn / bc-cnn into a run directory, eval and export their policy, a run
 * killed with SIGKILL and resumed (--resume) against an uninterrupted one, and the flag errors.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import ort from "onnxruntime-node";
import { RunDirectory } from "../src/runs/run-directory.js";
import { checkpointCount, killCliWhen, runCli as run } from "./helpers/cli.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mimic-cli-encoders-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function checkOutputs(out: string, env: string): Promise<void> {
  for (const file of [
    "manifest.json",
    "metrics.jsonl",
    "evaluation.json",
    "report.html",
    join("checkpoints", "latest"),
    join("policy", "policy.json"),
    join("policy", "policy.onnx"),
    join("policy", "env.json"),
  ])
    assert.ok(existsSync(join(out, file)), `${file} is written`);
  const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
  assert.equal(manifest.status, "finished");
  assert.equal(manifest.config.env, env);
  assert.match(manifest.datasetHash, /^sha256:/);
  const policy = JSON.parse(await readFile(join(out, "policy", "policy.json"), "utf8"));
  assert.equal(policy.envId, env);
  const records = (await readFile(join(out, "metrics.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const epochs = records.filter((r) => "epoch" in r);
  assert.ok(epochs.length > 0);
  for (const r of epochs) assert.equal(typeof r.train_loss, "number");
  const evaluation = JSON.parse(await readFile(join(out, "evaluation.json"), "utf8"));
  assert.equal(evaluation.env, env);
  const session = await ort.InferenceSession.create(join(out, "policy", "policy.onnx"));
  assert.ok(session.inputNames.length > 0);
  assert.ok(session.outputNames.includes("action"));
}

describe("mimic collect --expert-noise, train bc-rnn, eval", () => {
  test("MaskedCartPole-v1 end to end", async () => {
    const data = join(dir, "masked");
    const collected = await run(
      "collect",
      "--env",
      "MaskedCartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "2",
      "--expert-noise",
      "0.2",
      "--out",
      data,
    );
    assert.equal(collected.code, 0, collected.err);
    const meta = JSON.parse(await readFile(join(data, "data", "metadata.json"), "utf8"));
    assert.match(meta.algorithm_name, /expert noise ε=0\.2/);

    const out = join(dir, "masked-rnn");
    const trained = await run(
      "train",
      "bc-rnn",
      "--dataset",
      data,
      "--out",
      out,
      "--epochs",
      "2",
      "--window",
      "4",
      "--eval-episodes",
      "2",
    );
    assert.equal(trained.code, 0, trained.err);
    assert.match(trained.out, /trained 2 epochs/);
    assert.match(trained.out, /eval {4}MaskedCartPole-v1, 2 episodes/);
    await checkOutputs(out, "MaskedCartPole-v1");

    for (const policy of [join(out, "policy", "policy.json"), out]) {
      const evaluated = await run("eval", "--policy", policy, "--episodes", "2", "--json");
      assert.equal(evaluated.code, 0, evaluated.err);
      assert.equal(JSON.parse(evaluated.out).episodes, 2);
    }
    const exported = await run("export", "--policy", out, "--out", join(dir, "masked.onnx"));
    assert.equal(exported.code, 0, exported.err);
    await ort.InferenceSession.create(join(dir, "masked.onnx"));

    const again = await run("train", "bc-rnn", "--dataset", data, "--out", out, "--epochs", "1");
    assert.equal(again.code, 1);
    assert.match(again.err, /holds a run already.*--resume.*--overwrite/s);
    const replaced = await run(
      "train",
      "bc-rnn",
      "--dataset",
      data,
      "--out",
      out,
      "--epochs",
      "1",
      "--eval-episodes",
      "0",
      "--overwrite",
    );
    assert.equal(replaced.code, 0, replaced.err);
    assert.ok(!existsSync(join(out, "evaluation.json")), "--overwrite empties the directory");
  });

  test("a run killed with SIGKILL resumes from its last checkpoint and ends where an uninterrupted run ends", async () => {
    const data = join(dir, "masked");
    const args = ["--dataset", data, "--epochs", "80", "--window", "3", "--gru-hidden", "8", "--hidden", "8"];
    const more = [
      "--validation",
      "0.5",
      "--patience",
      "0",
      "--checkpoint-every",
      "7",
      "--eval-episodes",
      "0",
    ];
    const killed = join(dir, "masked-killed");
    const signal = await killCliWhen(
      ["train", "bc-rnn", "--out", killed, ...args, ...more],
      () => checkpointCount(killed) >= 2,
    );
    assert.equal(signal, "SIGKILL", "the run was still going when it was killed");
    assert.equal(JSON.parse(await readFile(join(killed, "manifest.json"), "utf8")).status, "running");
    const resumed = await run("train", "bc-rnn", "--out", killed, "--resume");
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /resumed from minibatch \d+; trained 80 epochs/);
    const straight = join(dir, "masked-straight");
    const done = await run("train", "bc-rnn", "--out", straight, ...args, ...more);
    assert.equal(done.code, 0, done.err);
    const weights = async (d: string) =>
      JSON.parse(await readFile(join(d, "policy", "policy.json"), "utf8")).weights;
    assert.deepEqual(await weights(killed), await weights(straight), "the same weights, bit for bit");
    const losses = async (d: string) =>
      (await readFile(join(d, "metrics.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((m) => "train_loss" in m)
        .map((m) => [m.step, m.epoch, m.train_loss, m.validation_loss]);
    assert.deepEqual(await losses(killed), await losses(straight));
    const manifest = JSON.parse(await readFile(join(killed, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "finished");
    assert.equal(manifest.resumes.length, 1);
    assert.ok(manifest.resumes[0].step > 0);

    // What cannot be resumed, and why.
    const finished = await run("train", "bc-rnn", "--out", straight, "--resume");
    assert.equal(finished.code, 1);
    assert.match(finished.err, /holds a finished run; there is nothing to resume.*--overwrite/);
    const otherKind = await run("train", "bc-cnn", "--out", straight, "--resume");
    assert.equal(otherKind.code, 1);
    assert.match(otherKind.err, /is a bc-rnn run, not bc-cnn; resume it with `mimic train bc-rnn --resume`/);
    const missing = await run("train", "bc-rnn", "--out", join(dir, "no-such-run"), "--resume");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no such run directory/);
    const bare = await RunDirectory.create(join(dir, "bare-rnn"), {
      command: [],
      config: { algorithm: "bc-rnn", dataset: data, "bc-rnn": {}, evalEpisodes: 0, evalSeed: 0 },
      seeds: { train: 0 },
    });
    await bare.close();
    const none = await run("train", "bc-rnn", "--out", join(dir, "bare-rnn"), "--resume");
    assert.equal(none.code, 1);
    assert.match(none.err, /has no checkpoint to resume from.*without --resume/);
  });

  test("bad flags give clear errors", async () => {
    for (const noise of ["1.5", "-0.1", "abc", ""]) {
      const r = await run(
        "collect",
        "--env",
        "CartPole-v1",
        "--expert",
        "scripted",
        "--episodes",
        "1",
        `--expert-noise=${noise}`,
        "--out",
        join(dir, "never"),
      );
      assert.equal(r.code, 2, noise);
      assert.match(r.err, /--expert-noise is the probability of a random action, a number from 0 to 1/);
    }
    const help = await run("train", "bc-rnn", "--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /--window/);
    assert.match(help.out, /--resume/);
    assert.match(help.out, /--checkpoint-every/);
    const cnnHelp = await run("train", "bc-cnn", "--help");
    assert.match(cnnHelp.out, /--convs/);
    const badLr = await run("train", "bc-rnn", "--dataset", "x", "--out", "y", "--lr", "0");
    assert.equal(badLr.code, 2);
    assert.match(badLr.err, /--lr must be a positive number/);
  });

  test("a generic env gets the random-action wrapper", async () => {
    const data = join(dir, "cartpole-noisy.jsonl");
    const r = await run(
      "collect",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "3",
      "--expert-noise",
      "1",
      "--out",
      data,
    );
    assert.equal(r.code, 0, r.err);
    // Uniformly random actions: CartPole falls within a few dozen steps.
    const mean = Number(/return ([\d.]+)/.exec(r.out)![1]);
    assert.ok(mean < 100, `random actions score ${mean}`);
  });
});

describe("mimic train bc-cnn on PixelCartPole-v1", () => {
  const envOptions = '{"width":32,"height":16,"frames":2}';
  test("collect, train, eval at a tiny size", async () => {
    const data = join(dir, "pixels");
    const collected = await run(
      "collect",
      "--env",
      "PixelCartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "2",
      "--expert-noise",
      "0.1",
      "--env-options",
      envOptions,
      "--out",
      data,
    );
    assert.equal(collected.code, 0, collected.err);
    const out = join(dir, "pixels-cnn");
    const trained = await run(
      "train",
      "bc-cnn",
      "--dataset",
      data,
      "--out",
      out,
      "--keys",
      "pixels",
      "--convs",
      "4:3:2",
      "--features",
      "16",
      "--epochs",
      "1",
      "--eval-episodes",
      "2",
    );
    assert.equal(trained.code, 0, trained.err);
    await checkOutputs(out, "PixelCartPole-v1");
    assert.deepEqual(
      JSON.parse(await readFile(join(out, "policy", "env.json"), "utf8")).envOptions,
      JSON.parse(envOptions),
    );
    const evaluated = await run("eval", "--policy", out, "--episodes", "2");
    assert.equal(evaluated.code, 0, evaluated.err);
    assert.match(evaluated.out, /PixelCartPole-v1, 2 episodes/);

    for (const convs of ["4:3", "a:b:c", "0:3:2", "16:5:2,"]) {
      const r = await run("train", "bc-cnn", "--dataset", data, "--out", join(dir, "no"), "--convs", convs);
      assert.equal(r.code, 2, convs);
      assert.match(r.err, /--convs takes channels:kernel:stride/);
    }
  });
});
