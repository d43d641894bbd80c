/**
 * `mimic train gail|airl|maxent-irl` and `mimic train ppo --reward` end to end on tiny budgets:
 * the run directory each leaves (metrics, report, policy, reward model), the reward model feeding
 * a new PPO run, and the errors for bad calls.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveAdversarialConfig } from "../src/algorithms/adversarial.js";
import { GAIL_PRESETS, IMITATION_SEALS_GAIL } from "../src/algorithms/gail.js";
import { RewardModel } from "../src/algorithms/reward-model.js";
import { adversarialPreset } from "../src/cli/irl.js";
import { collect, Dataset, make, saveDataset, scriptedExpert } from "../src/index.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import { runCli as run } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "mimic-irl-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, "cartpole-4");

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
      id: "test/cartpole-4-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    }),
  );
});

const tiny = [
  "--timesteps",
  "1024",
  "--num-envs",
  "2",
  "--num-steps",
  "64",
  "--epochs",
  "2",
  "--eval-episodes",
  "2",
];

describe("mimic train gail and airl", () => {
  for (const algorithm of ["gail", "airl"] as const) {
    test(`${algorithm}: --help, then a run directory with metrics, report, policy and reward model`, async () => {
      const help = await run("train", algorithm, "--help");
      assert.equal(help.code, 0);
      assert.match(help.out, new RegExp(`mimic train ${algorithm} --dataset`));
      assert.match(help.out, /--allow-variable-horizon/);

      const out = join(dir, algorithm);
      const r = await run(
        "train",
        algorithm,
        "--dataset",
        data,
        "--out",
        out,
        "--allow-variable-horizon",
        ...tiny,
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`${algorithm.toUpperCase()}: 1024 timesteps, 8 rounds`));
      for (const file of [
        "manifest.json",
        "metrics.jsonl",
        "report.html",
        "reward-model.json",
        "policy/policy.json",
      ]) {
        assert.ok(existsSync(join(out, file)), file);
      }
      const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(metrics.length, 8);
      for (const key of ["disc_loss", "disc_accuracy_expert", "disc_accuracy_generator"]) {
        assert.ok(Number.isFinite(metrics[7][key]), key);
      }
      assert.ok(
        metrics.some((m) => Number.isFinite(m.episode_return)),
        "the generator's true return is logged",
      );
      const report = readFileSync(join(out, "report.html"), "utf8");
      assert.match(report, /discriminator accuracy/);
      assert.equal((await RewardModel.load(out)).kind, algorithm);
      const policy = await NeuralPolicy.load(join(out, "policy"));
      assert.equal(policy.envId, "CartPole-v1");
      policy.dispose();
    });
  }

  test("without --allow-variable-horizon, CartPole's falling generator is refused with the reason", async () => {
    const r = await run("train", "gail", "--dataset", data, "--out", join(dir, "refused"), ...tiny);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /episodes of different lengths/);
    assert.match(r.err, /--allow-variable-horizon/);
  });

  test("a bad flag names the nearest one; a missing dataset says so", async () => {
    const bad = await run("train", "airl", "--dataset", data, "--out", join(dir, "x"), "--disc-update", "3");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /did you mean --disc-updates/);
    const missing = await run("train", "gail", "--dataset", join(dir, "nowhere"), "--out", join(dir, "y"));
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /nowhere/);
  });

  test("GAIL's seals MuJoCo presets: imitation's tuned settings on Hopper and Walker2d, the measured ones on HalfCheetah and Ant", () => {
    // Every preset is a config the trainer accepts (its schema is strict: a misspelt key throws).
    for (const [id, preset] of [...Object.entries(GAIL_PRESETS), ...Object.entries(IMITATION_SEALS_GAIL)]) {
      assert.doesNotThrow(() => resolveAdversarialConfig({ ...preset }, "GAIL"), id);
    }
    const hopper = adversarialPreset("gail", "seals/Hopper-v5");
    assert.deepEqual(hopper.ppo, {
      numEnvs: 8,
      numSteps: 512,
      numMinibatches: 8,
      updateEpochs: 20,
      learningRate: 4.3984856156897565e-5,
      clipCoef: 0.1,
      entCoef: 0.001255299425412744,
      gamma: 0.995,
      gaeLambda: 0.98,
      vfCoef: 0.20315938606555833,
      maxGradNorm: 0.9,
      hidden: [64, 64],
      annealLr: false,
      clipVloss: false,
      normalizeObservations: true,
    });
    assert.deepEqual(hopper.discriminator, { batchSize: 128, updatesPerRound: 8 });
    assert.equal(adversarialPreset("gail", "seals/Walker2d-v5").ppo.numSteps, 2048);
    // Walker2d: imitation's in full (ReLU generator, running input norm) and the gradient penalty.
    assert.equal(adversarialPreset("gail", "seals/Walker2d-v5").ppo.activation, "relu");
    assert.deepEqual(adversarialPreset("gail", "seals/Walker2d-v5").discriminator, {
      batchSize: 512,
      updatesPerRound: 16,
      inputNorm: "running",
      gradientPenalty: 10,
    });
    assert.equal(IMITATION_SEALS_GAIL["seals/Walker2d-v5"]!.discriminator!.gradientPenalty, undefined);
    assert.equal(adversarialPreset("gail", "seals/HalfCheetah-v5").ppo.numEnvs, 1);
    assert.equal(adversarialPreset("gail", "seals/HalfCheetah-v5").ppo.numSteps, 2048);
    // Ant: imitation's settings, the generator's Gaussian starting at log-std −2.
    const ant = adversarialPreset("gail", "seals/Ant-v5");
    assert.equal(ant.ppo.logStdInit, -2);
    assert.equal(ant.ppo.numMinibatches, 1024);
    assert.deepEqual(ant.discriminator, { batchSize: 32, updatesPerRound: 8 });
    assert.equal(IMITATION_SEALS_GAIL["seals/Ant-v5"]!.ppo!.logStdInit, undefined);
  });

  test("airl and gail on seals/CartPole-v0 run without a flag, with their presets under the flags", async () => {
    const env = make("seals/CartPole-v0");
    const seals = join(dir, "seals-2");
    await saveDataset(
      seals,
      new Dataset({
        id: "test/seals-cartpole-2-v0",
        episodes: await collect(env, scriptedExpert("seals/CartPole-v0"), {
          episodes: 2,
          seed: 0,
          deterministic: true,
        }),
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        envSpec: env.spec,
      }),
    );
    const discriminatorOf = (out: string) =>
      JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).config.airl.discriminator;
    const preset = join(dir, "seals-airl");
    const r = await run("train", "airl", "--dataset", seals, "--out", preset, ...tiny);
    assert.equal(r.code, 0, r.err);
    assert.equal(discriminatorOf(preset).activation, "tanh");
    assert.equal(discriminatorOf(preset).replaySize, 65_536);
    assert.deepEqual(discriminatorOf(preset).hidden, [64, 64]);
    assert.equal(discriminatorOf(preset).learningRate, 5e-4);
    assert.equal((await RewardModel.load(preset)).activation, "tanh");

    const flags = join(dir, "seals-airl-relu");
    const args = [
      "--disc-activation",
      "relu",
      "--disc-replay-size",
      "0",
      "--disc-input-norm",
      "running",
      ...tiny,
    ];
    const overridden = await run("train", "airl", "--dataset", seals, "--out", flags, ...args);
    assert.equal(overridden.code, 0, overridden.err);
    assert.equal(discriminatorOf(flags).activation, "relu");
    assert.equal(discriminatorOf(flags).replaySize, 0);
    assert.equal(discriminatorOf(flags).inputNorm, "running");
    assert.equal(discriminatorOf(preset).inputNorm, "demonstrations");
    const badNorm = await run(
      "train",
      "airl",
      "--dataset",
      seals,
      "--out",
      join(dir, "y"),
      "--disc-input-norm",
      "batch",
    );
    assert.equal(badNorm.code, 2);
    assert.match(badNorm.err, /--disc-input-norm is demonstrations or running, got "batch"/);

    const bad = await run(
      "train",
      "airl",
      "--dataset",
      seals,
      "--out",
      join(dir, "z"),
      "--disc-activation",
      "gelu",
    );
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--disc-activation is relu or tanh, got "gelu"/);

    // GAIL's preset there is its generator's: four PPO minibatches, under --minibatches.
    const ppoOf = (out: string) =>
      JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).config.gail.ppo;
    const gail = join(dir, "seals-gail");
    const g = await run("train", "gail", "--dataset", seals, "--out", gail, ...tiny);
    assert.equal(g.code, 0, g.err);
    assert.equal(ppoOf(gail).numMinibatches, 4);
    assert.equal(ppoOf(gail).gamma, 0.98, "the env's PPO preset stays under GAIL's");
    const gailFlags = join(dir, "seals-gail-mb1");
    const g1 = await run(
      "train",
      "gail",
      "--dataset",
      seals,
      "--out",
      gailFlags,
      "--minibatches",
      "1",
      "--disc-grad-penalty",
      "10",
      ...tiny,
    );
    assert.equal(g1.code, 0, g1.err);
    assert.equal(ppoOf(gailFlags).numMinibatches, 1);
    const gailDiscriminator = JSON.parse(readFileSync(join(gailFlags, "manifest.json"), "utf8")).config.gail
      .discriminator;
    assert.equal(gailDiscriminator.gradientPenalty, 10);
    assert.equal(
      JSON.parse(readFileSync(join(gail, "manifest.json"), "utf8")).config.gail.discriminator.gradientPenalty,
      0,
    );
    const negative = await run(
      "train",
      "gail",
      "--dataset",
      seals,
      "--out",
      join(dir, "w"),
      "--disc-grad-penalty=-1",
    );
    assert.equal(negative.code, 2);
    assert.match(negative.err, /--disc-grad-penalty must be a number ≥ 0, got "-1"/);
    const airlPenalty = await run(
      "train",
      "airl",
      "--dataset",
      seals,
      "--out",
      join(dir, "v"),
      "--disc-grad-penalty",
      "10",
      ...tiny,
    );
    assert.notEqual(airlPenalty.code, 0);
    assert.match(airlPenalty.err, /gradient penalty is implemented for GAIL's discriminator/);
  });
});

describe("mimic train ppo --reward", () => {
  test("trains on the AIRL run's learned reward and reports the env's true return", async () => {
    const out = join(dir, "ppo-airl");
    const r = await run(
      "train",
      "ppo",
      "--env",
      "CartPole-v1",
      "--reward",
      join(dir, "airl"),
      "--out",
      out,
      ...tiny,
    );
    assert.equal(r.code, 0, r.err);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.config.reward, join(dir, "airl"));
    assert.equal(manifest.config.rewardKind, "airl");
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /learned AIRL reward/);
  });

  test("a reward model for another env is refused", async () => {
    const r = await run(
      "train",
      "ppo",
      "--env",
      "Acrobot-v1",
      "--reward",
      join(dir, "gail"),
      "--out",
      join(dir, "z"),
      ...tiny,
    );
    assert.notEqual(r.code, 0);
    assert.match(r.err, /learned for 4 observation values and Discrete\(2\) actions, but the env has 6/);
  });
});

describe("mimic train maxent-irl", () => {
  test("recovers a GridWorld reward whose greedy policy does as well as the expert", async () => {
    const out = join(dir, "maxent");
    const r = await run(
      "train",
      "maxent-irl",
      "--env",
      "GridWorld-v0",
      "--expert",
      "scripted",
      "--out",
      out,
      "--eval-episodes",
      "20",
    );
    assert.equal(r.code, 0, r.err);
    for (const file of ["metrics.jsonl", "report.html", "reward.json", "policy.json"]) {
      assert.ok(existsSync(join(out, file)), file);
    }
    const reward = JSON.parse(readFileSync(join(out, "reward.json"), "utf8"));
    assert.equal(reward.reward.length, 25);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "finished");
    assert.ok(manifest.result.occupancyDistance < 0.15, `occupancy L1 ${manifest.result.occupancyDistance}`);
    const match = /greedy policy under the learned reward: .*?return (-?[\d.]+)/.exec(r.out);
    const expert = /\nexpert: .*?return (-?[\d.]+)/.exec(r.out);
    assert.ok(match && expert, r.out);
    assert.ok(Number(match[1]) >= Number(expert[1]) - 0.05, r.out);
  });

  test("an env without known dynamics is refused with what to use instead", async () => {
    const r = await run("train", "maxent-irl", "--env", "CartPole-v1", "--out", join(dir, "w"));
    assert.notEqual(r.code, 0);
    assert.match(r.err, /GridWorld-v0/);
    assert.match(r.err, /mimic train gail/);
  });
});

describe("mimic train gail --resume", () => {
  test("an interrupted run continues from its last checkpoint to the end, with one metrics line per round", async () => {
    const out = join(dir, "gail-resume");
    const { trainAdversarialRun } = await import("../src/runs/adversarial-pipeline.js");
    // Interrupted after round 5; the checkpoint of round 4 is the last one on disk.
    await assert.rejects(
      trainAdversarialRun({
        algorithm: "gail",
        dataset: data,
        out,
        config: {
          totalTimesteps: 1024,
          ppo: { numEnvs: 2, numSteps: 64, updateEpochs: 2 },
          allowVariableHorizon: true,
        },
        checkpointEvery: 2,
        evalEpisodes: 2,
        onRound: (record) => {
          if (record.round === 5) throw new Error("interrupted");
        },
      }),
      /interrupted/,
    );
    const r = await run("train", "gail", "--resume", "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /GAIL: 1024 timesteps, 8 rounds/);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      metrics.map((m) => m.step),
      [128, 256, 384, 512, 640, 768, 896, 1024],
    );
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "finished");
    assert.equal(manifest.resumes.length, 1);
    assert.equal(manifest.resumes[0].step, 512);
    assert.equal((await RewardModel.load(out)).kind, "gail");

    const nothing = await run("train", "airl", "--resume", "--out", out);
    assert.notEqual(nothing.code, 0);
    assert.match(nothing.err, /is a gail run, not airl/);
  });
});
