/**
 * `--resume` with a training flag that differs from the run's manifest is refused, naming the flag
 * and both values (src/cli/resume-flags.ts), for `train bc`, `bc-rnn`, `bc-cnn`, `bc-dom`,
 * `dagger`, `dagger-dom`, `ppo` and `gail` (`airl` shares gail's code); the same values, spelled
 * differently or not, pass. `bc`, `bc-rnn`, `dagger`, `ppo` and `gail` train tiny real runs; `bc-cnn`, `bc-dom` and `dagger-dom` (whose real runs need pixels or Chromium) get a
 * run directory whose manifest holds the config their schemas resolve, as their pipelines write it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { bcDomConfigSchema } from "../src/algorithms/bc-dom.js";
import { bcEncoderConfigSchema } from "../src/algorithms/bc-encoder.js";
import { daggerDomConfigSchema } from "../src/algorithms/dagger-dom.js";
import { RunDirectory } from "../src/runs/run-directory.js";
import { runCli as run } from "./helpers/cli.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mimic-resume-flags-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Asserts the CLI refused with exit code 2 and a message naming `flag` and both values. */
function refused(result: { code: number; err: string }, flag: string, given: string, saved: string): void {
  assert.equal(result.code, 2, result.err);
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(
    result.err,
    new RegExp(
      `--${literal(flag)} asks for \\S+ ${literal(given)}, but the run in .* started with ${literal(saved)} .*drop --${literal(flag)} to resume, or start a new run`,
    ),
  );
}

/** Asserts the flags passed the check: whatever the resume says next, it is not a changed flag. */
function passed(result: { code: number; err: string }): void {
  assert.doesNotMatch(result.err, /asks for/);
  assert.notEqual(result.code, 2, result.err);
}

describe("--resume refuses a changed training flag", () => {
  test("train bc: --lr, --hidden, --batches, --dataset; the same values pass", async () => {
    const data = join(dir, "cartpole");
    const collected = await run(
      "collect",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "2",
      "--out",
      data,
    );
    assert.equal(collected.code, 0, collected.err);
    const out = join(dir, "bc");
    const trained = await run(
      "train",
      "bc",
      "--dataset",
      data,
      "--epochs",
      "2",
      "--lr",
      "0.002",
      "--eval-episodes",
      "0",
      "--out",
      out,
    );
    assert.equal(trained.code, 0, trained.err);

    refused(await run("train", "bc", "--out", out, "--resume", "--lr", "0.01"), "lr", "0.01", "0.002");
    refused(
      await run("train", "bc", "--out", out, "--resume", "--hidden", "32x32"),
      "hidden",
      "[32,32]",
      "[64,64]",
    );
    refused(
      await run("train", "bc", "--out", out, "--resume", "--batches", "10"),
      "batches",
      "10",
      "none (not set)",
    );
    refused(
      await run("train", "bc", "--out", out, "--resume", "--dataset", `${data}-other`),
      "dataset",
      `${data}-other`,
      data,
    );
    // The same settings, written another way (2e-3, 64,64, a relative path): resumed, exit code 0.
    const same = await run(
      "train",
      "bc",
      "--out",
      out,
      "--resume",
      "--lr",
      "2e-3",
      "--hidden",
      "64,64",
      "--epochs",
      "2",
      "--dataset",
      relative(process.cwd(), data),
      "--eval-episodes",
      "0",
    );
    assert.equal(same.code, 0, same.err);
    // The run's evaluation settings hold on a resume: it started with --eval-episodes 0, so a resume
    // without the flag evaluates nothing (it used to evaluate 50 episodes), and another value is refused.
    const held = await run("train", "bc", "--out", out, "--resume");
    assert.equal(held.code, 0, held.err);
    assert.doesNotMatch(held.out, /^eval /m);
    refused(
      await run("train", "bc", "--out", out, "--resume", "--eval-episodes", "5"),
      "eval-episodes",
      "5",
      "0",
    );
  });

  test("train bc-rnn: --window, --gru-hidden, --eval-seed; the same values pass the check", async () => {
    const data = join(dir, "masked");
    const collected = await run(
      "collect",
      "--env",
      "MaskedCartPole-v1",
      "--expert",
      "scripted",
      "--episodes",
      "2",
      "--out",
      data,
    );
    assert.equal(collected.code, 0, collected.err);
    const out = join(dir, "bc-rnn");
    const trained = await run(
      "train",
      "bc-rnn",
      "--dataset",
      data,
      "--epochs",
      "1",
      "--window",
      "4",
      "--gru-hidden",
      "8",
      "--hidden",
      "8",
      "--eval-episodes",
      "0",
      "--out",
      out,
    );
    assert.equal(trained.code, 0, trained.err);
    refused(await run("train", "bc-rnn", "--out", out, "--resume", "--window", "8"), "window", "8", "4");
    refused(
      await run("train", "bc-rnn", "--out", out, "--resume", "--gru-hidden", "16"),
      "gru-hidden",
      "16",
      "8",
    );
    refused(
      await run("train", "bc-rnn", "--out", out, "--resume", "--eval-seed", "5"),
      "eval-seed",
      "5",
      "1000",
    );
    // Same values: past the check, the finished run is refused for what it is.
    const same = await run(
      "train",
      "bc-rnn",
      "--out",
      out,
      "--resume",
      "--window",
      "4",
      "--epochs",
      "1",
      "--eval-episodes",
      "0",
    );
    passed(same);
    assert.match(same.err, /holds a finished run/);
  });

  test("train ppo: --lr, --epochs (updateEpochs), --normalize-obs, --env; the same values pass the check", async () => {
    const out = join(dir, "ppo");
    const small = ["--num-envs", "1", "--num-steps", "128", "--minibatches", "2", "--epochs", "2"];
    const trained = await run(
      "train",
      "ppo",
      "--env",
      "CartPole-v1",
      "--timesteps",
      "256",
      ...small,
      "--lr",
      "0.001",
      "--eval-episodes",
      "1",
      "--out",
      out,
    );
    assert.equal(trained.code, 0, trained.err);
    refused(await run("train", "ppo", "--out", out, "--resume", "--lr", "0.01"), "lr", "0.01", "0.001");
    refused(await run("train", "ppo", "--out", out, "--resume", "--epochs", "4"), "epochs", "4", "2");
    refused(
      await run("train", "ppo", "--out", out, "--resume", "--normalize-obs"),
      "normalize-obs",
      "true",
      "false",
    );
    refused(
      await run("train", "ppo", "--out", out, "--resume", "--env", "Acrobot-v1"),
      "env",
      "Acrobot-v1",
      "CartPole-v1",
    );
    passed(
      await run("train", "ppo", "--out", out, "--resume", "--env", "CartPole-v1", "--lr", "1e-3", ...small),
    );
  });

  test("train gail: --disc-hidden, --minibatches, --no-reward-norm, --timesteps; the same values pass the check", async () => {
    const data = join(dir, "seals");
    const collected = await run(
      "collect",
      "--env",
      "seals/CartPole-v0",
      "--expert",
      "scripted",
      "--episodes",
      "1",
      "--out",
      data,
    );
    assert.equal(collected.code, 0, collected.err);
    const out = join(dir, "gail");
    const small = ["--num-envs", "1", "--num-steps", "128", "--minibatches", "2", "--epochs", "1"];
    const trained = await run(
      "train",
      "gail",
      "--dataset",
      data,
      "--timesteps",
      "256",
      ...small,
      "--disc-hidden",
      "8",
      "--eval-episodes",
      "1",
      "--out",
      out,
    );
    assert.equal(trained.code, 0, trained.err);
    const resume = ["train", "gail", "--out", out, "--resume"];
    refused(await run(...resume, "--disc-hidden", "16"), "disc-hidden", "[16]", "[8]");
    refused(await run(...resume, "--no-reward-norm"), "no-reward-norm", "false", "true");
    refused(await run(...resume, "--timesteps", "512"), "timesteps", "512", "256");
    refused(await run(...resume, "--minibatches", "4"), "minibatches", "4", "2");
    passed(await run(...resume, "--disc-hidden", "8", "--timesteps", "256", "--dataset", data, ...small));
  });

  test("train dagger: --rounds, --steps-per-round, --beta, --hidden; the same values pass the check", async () => {
    const out = join(dir, "dagger");
    const settings = ["--rounds", "1", "--steps-per-round", "200", "--epochs", "1", "--hidden", "8"];
    const trained = await run(
      "train",
      "dagger",
      "--env",
      "CartPole-v1",
      "--expert",
      "scripted",
      ...settings,
      "--beta",
      "exp:0.5",
      "--eval-episodes",
      "1",
      "--out",
      out,
    );
    assert.equal(trained.code, 0, trained.err);
    const resume = ["train", "dagger", "--out", out, "--resume"];
    refused(await run(...resume, "--rounds", "3"), "rounds", "3", "1");
    refused(await run(...resume, "--steps-per-round", "100"), "steps-per-round", "100", "200");
    refused(await run(...resume, "--hidden", "16"), "hidden", "[16]", "[8]");
    refused(await run(...resume, "--expert", "other"), "expert", "other", "scripted");
    refused(
      await run(...resume, "--beta", "linear"),
      "beta",
      '{"kind":"linear"}',
      '{"decay":0.5,"kind":"exponential"}',
    );
    passed(
      await run(...resume, ...settings, "--beta", "exp:0.5", "--env", "CartPole-v1", "--expert", "scripted"),
    );
  });

  /** A run directory with the manifest a pipeline writes for `config` (status running, no checkpoint). */
  async function fakeRun(name: string, config: Record<string, unknown>): Promise<string> {
    const out = join(dir, name);
    await RunDirectory.create(out, { command: ["mimic", "train", name], config, seeds: { train: 0 } });
    return out;
  }

  test("train bc-cnn: --convs, --no-standardize, --lr", async () => {
    const out = await fakeRun("bc-cnn", {
      algorithm: "bc-cnn",
      dataset: join(dir, "pixels"),
      env: "PixelCartPole-v1",
      "bc-cnn": bcEncoderConfigSchema.parse({ convs: [{ channels: 8, kernel: 5, stride: 2 }] }),
      evalEpisodes: 50,
      evalSeed: 1000,
    });
    refused(
      await run("train", "bc-cnn", "--out", out, "--resume", "--convs", "16:5:2"),
      "convs",
      '[{"channels":16,"kernel":5,"stride":2}]',
      '[{"channels":8,"kernel":5,"stride":2}]',
    );
    refused(
      await run("train", "bc-cnn", "--out", out, "--resume", "--no-standardize"),
      "no-standardize",
      "false",
      "true",
    );
    passed(await run("train", "bc-cnn", "--out", out, "--resume", "--convs", "8:5:2"));
  });

  test("train bc-dom: --width, --heads, --dataset, --eval-episodes; --chromium may change", async () => {
    const datasets = `${join(dir, "login")},${join(dir, "checkboxes")}`;
    const out = await fakeRun("bc-dom", {
      algorithm: "bc-dom",
      dataset: datasets,
      env: "web/login-user-v0",
      "bc-dom": bcDomConfigSchema.parse({ width: 32, heads: 2 }),
      evalEpisodes: 20,
      evalSeed: 1000,
    });
    refused(
      await run("train", "bc-dom", "--out", out, "--resume", "--width", "64", "--heads", "4"),
      "width",
      "64",
      "32",
    );
    refused(await run("train", "bc-dom", "--out", out, "--resume", "--heads", "4"), "heads", "4", "2");
    refused(
      await run("train", "bc-dom", "--out", out, "--resume", "--eval-episodes", "50"),
      "eval-episodes",
      "50",
      "20",
    );
    refused(
      await run("train", "bc-dom", "--out", out, "--resume", "--dataset", join(dir, "login")),
      "dataset",
      join(dir, "login"),
      datasets,
    );
    const same = await run(
      "train",
      "bc-dom",
      "--out",
      out,
      "--resume",
      "--width",
      "32",
      "--lr",
      "0.003",
      "--dataset",
      datasets.replace(",", " , "),
      "--chromium",
      "/nowhere/chromium",
    );
    passed(same);
    assert.match(same.err, /no checkpoint to resume from/);
  });

  test("train dagger-dom: --rounds, --seed (both DAgger's and BC's), --task, --lr", async () => {
    const out = await fakeRun("dagger-dom", {
      algorithm: "dagger-dom",
      env: "web:click-checkboxes",
      task: "click-checkboxes",
      dataset: null,
      evalEpisodes: 50,
      evalSeed: 1000,
      "dagger-dom": daggerDomConfigSchema.parse({ rounds: 4, seed: 3, bc: { seed: 3 }, evalEpisodes: 0 }),
    });
    refused(await run("train", "dagger-dom", "--out", out, "--resume", "--rounds", "6"), "rounds", "6", "4");
    refused(await run("train", "dagger-dom", "--out", out, "--resume", "--seed", "0"), "seed", "0", "3");
    refused(
      await run("train", "dagger-dom", "--out", out, "--resume", "--task", "login-user"),
      "task",
      "login-user",
      "click-checkboxes",
    );
    refused(
      await run("train", "dagger-dom", "--out", out, "--resume", "--lr", "0.01"),
      "lr",
      "0.01",
      "0.003",
    );
    refused(
      await run("train", "dagger-dom", "--out", out, "--resume", "--dataset", join(dir, "demos")),
      "dataset",
      join(dir, "demos"),
      "none (not set)",
    );
    const same = await run(
      "train",
      "dagger-dom",
      "--out",
      out,
      "--resume",
      "--rounds",
      "4",
      "--seed",
      "3",
      "--task",
      "click-checkboxes",
    );
    passed(same);
    assert.match(same.err, /no finished round to resume from/);
  });

  test("a run of another algorithm is left to the resume's own error", async () => {
    const out = await fakeRun("other", {
      algorithm: "bc-rnn",
      dataset: join(dir, "masked"),
      "bc-rnn": { window: 4 },
      evalEpisodes: 0,
      evalSeed: 1000,
    });
    const result = await run("train", "bc-dom", "--out", out, "--resume", "--width", "16");
    passed(result);
    assert.match(result.err, /is a bc-rnn run, not bc-dom; resume it with `mimic train bc-rnn --resume`/);
  });
});
