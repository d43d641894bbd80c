import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PpoLearner, type PpoRunState, resolvePpoConfig, trainPpo } from "../src/algorithms/ppo/index.js";
import { InvalidOptionError, makeVec } from "../src/index.js";

describe("trainPpo (fast checks; learning is in test/slow/ppo.test.ts)", () => {
  test("a tiny run is deterministic under its seed and records every update", async () => {
    const config = { numEnvs: 2, numSteps: 16, totalTimesteps: 128, hidden: [8, 8], seed: 3 };
    const a = await trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config);
    const b = await trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config);
    assert.equal(a.history.length, 4);
    assert.deepEqual(a.history, b.history);
    assert.deepEqual(Array.from(a.policyWeights), Array.from(b.policyWeights));
    const obs = new Float32Array([0, 0, 0.1, 0]);
    assert.ok(a.act(obs) === 0 || a.act(obs) === 1);
  });

  test("Box actions: a Gaussian head, deterministic, actions clipped to the space, normalization stats returned", async () => {
    const config = {
      numEnvs: 2,
      numSteps: 32,
      totalTimesteps: 256,
      hidden: [8, 8],
      normalizeObservations: true,
      normalizeRewards: true,
      seed: 5,
    };
    const a = await trainPpo(makeVec("Pendulum-v1", { numEnvs: 2 }), config);
    const b = await trainPpo(makeVec("Pendulum-v1", { numEnvs: 2 }), config);
    assert.deepEqual(a.history, b.history);
    assert.deepEqual(a.policyWeights, b.policyWeights);
    assert.equal(a.policyWeights.length, 7, "3 layers × (kernel, bias) + log-std");
    assert.equal(a.policyWeights[6]!.length, 1);
    assert.ok(a.normalization !== null && a.normalization.mean.length === 3);
    for (const record of a.history)
      assert.ok(Number.isFinite(record.policyLoss) && Number.isFinite(record.entropy));
    const action = a.act(new Float32Array([1, 0, 100]));
    assert.ok(action instanceof Float32Array && action[0]! >= -2 && action[0]! <= 2);
  });

  test("Box actions: logStdInit sets the Gaussian's initial log-std (CleanRL's 0 by default)", () => {
    const logStd = (config: { logStdInit?: number }) =>
      new PpoLearner(makeVec("Pendulum-v1", { numEnvs: 2 }), { numEnvs: 2, numSteps: 8, ...config })
        .policyWeights()
        .at(-1)!;
    assert.deepEqual(Array.from(logStd({})), [0]);
    assert.deepEqual(Array.from(logStd({ logStdInit: -2 })), [-2]);
    assert.throws(() => logStd({ logStdInit: Number.NaN }), /logStdInit/);
  });

  test("a run resumed from an update's state finishes the run; resuming the same state twice gives the same run", async () => {
    const config = {
      numEnvs: 2,
      numSteps: 16,
      totalTimesteps: 192,
      hidden: [8, 8],
      normalizeObservations: true,
      seed: 4,
    };
    let saved: PpoRunState | undefined;
    const full = await trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config, {
      onUpdateEnd: (record, snapshot) => {
        // Through JSON, as a checkpoint stores it.
        if (record.timesteps === 96) saved = JSON.parse(JSON.stringify(snapshot.state()));
      },
    });
    assert.ok(saved !== undefined);
    assert.equal(saved.history.length, 3);
    const resumed = [1, 2].map(() =>
      trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config, { resume: structuredClone(saved) }),
    );
    const [a, b] = await Promise.all(resumed);
    assert.equal(a!.history.length, full.history.length);
    assert.deepEqual(a!.history.slice(0, 3), full.history.slice(0, 3));
    assert.deepEqual(
      a!.history.map((r) => r.timesteps),
      full.history.map((r) => r.timesteps),
    );
    assert.deepEqual(a!.history, b!.history);
    assert.deepEqual(a!.policyWeights, b!.policyWeights);
    assert.ok(a!.normalization !== null);
    // A learned-reward run's state is refused without its reward model, and the reverse.
    await assert.rejects(
      trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config, {
        resume: { ...saved, rewardStats: { mean: [0], var: [1], count: 1 } },
      }),
      /trained on a learned reward; resume it with the same reward model/,
    );
    await assert.rejects(
      trainPpo(makeVec("CartPole-v1", { numEnvs: 2 }), config, {
        resume: { format: "other" } as unknown as PpoRunState,
      }),
      InvalidOptionError,
    );
  });

  test("bad config", () => {
    assert.throws(() => resolvePpoConfig({ learningRate: -1 }), InvalidOptionError);
    assert.throws(() => resolvePpoConfig({ normalizeRewards: 1 as unknown as boolean }), /normalizeRewards/);
  });
});

describe("mimic train ppo", () => {
  test("writes a run whose policy mimic eval can load", async () => {
    const { mkdtempSync, rmSync, existsSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runCli } = await import("./helpers/cli.js");
    const dir = mkdtempSync(join(tmpdir(), "mimic-ppo-"));
    try {
      const out = join(dir, "ppo");
      const r = await runCli(
        "train",
        "ppo",
        "--env",
        "CartPole-v1",
        "--timesteps",
        "256",
        "--num-envs",
        "2",
        "--num-steps",
        "32",
        "--eval-episodes",
        "2",
        "--out",
        out,
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /PPO: 256 timesteps, 4 updates/);
      for (const f of ["manifest.json", "metrics.jsonl", "report.html", "policy/policy.json"])
        assert.ok(existsSync(join(out, f)), f);
      const e = await runCli("eval", "--policy", out, "--episodes", "2", "--json");
      assert.equal(e.code, 0, e.err);
      assert.equal(JSON.parse(e.out).env, "CartPole-v1");
      // The saved policy acts as PPO's own argmax did: the same returns on the same seeds.
      const trained = Number(/return (-?[\d.]+) ±/.exec(r.out)![1]);
      assert.equal(JSON.parse(e.out).meanReturn.toFixed(2), trained.toFixed(2));
      // Box actions with observation normalization: the saved policy (Gaussian head, statistics
      // included) acts as PPO's own deterministic policy did.
      const pendulum = join(dir, "pendulum");
      const p = await runCli(
        "train",
        "ppo",
        "--env",
        "Pendulum-v1",
        "--timesteps",
        "512",
        "--num-envs",
        "2",
        "--num-steps",
        "64",
        "--normalize-obs",
        "--normalize-reward",
        "--log-std-init=-1",
        "--activation",
        "relu",
        "--eval-episodes",
        "2",
        "--out",
        pendulum,
      );
      assert.equal(p.code, 0, p.err);
      const { readFileSync } = await import("node:fs");
      const pManifest = JSON.parse(readFileSync(join(pendulum, "manifest.json"), "utf8"));
      assert.equal(pManifest.config.ppo.logStdInit, -1);
      assert.equal(pManifest.config.ppo.activation, "relu");
      assert.equal(
        JSON.parse(readFileSync(join(pendulum, "policy", "policy.json"), "utf8")).network.activation,
        "relu",
      );
      const pe = await runCli("eval", "--policy", pendulum, "--episodes", "2", "--json");
      assert.equal(pe.code, 0, pe.err);
      const pTrained = Number(/return (-?[\d.]+) ±/.exec(p.out)![1]);
      assert.equal(JSON.parse(pe.out).meanReturn.toFixed(2), pTrained.toFixed(2));
      const bad = await runCli(
        "train",
        "ppo",
        "--env",
        "Pendulum-v1",
        "--timesteps",
        "64",
        "--out",
        join(dir, "p"),
      );
      assert.equal(bad.code, 1);
      assert.match(bad.err, /totalTimesteps \(64\) is below one rollout/);
      // A negative value after a space reads as a flag; the error says how to write it.
      const dash = await runCli(
        "train",
        "ppo",
        "--env",
        "Pendulum-v1",
        "--log-std-init",
        "-2",
        "--out",
        join(dir, "q"),
      );
      assert.equal(dash.code, 2, dash.err);
      assert.match(dash.err, /--log-std-init's value "-2" starts with "-".*--log-std-init=-2/);
      const elu = await runCli(
        "train",
        "ppo",
        "--env",
        "Pendulum-v1",
        "--activation",
        "elu",
        "--out",
        join(dir, "e"),
      );
      assert.equal(elu.code, 2, elu.err);
      assert.match(elu.err, /--activation must be tanh or relu, got "elu"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--env-options: the run, its policy and its evaluation use the env made with them", async () => {
    const { mkdtempSync, rmSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runCli } = await import("./helpers/cli.js");
    const dir = mkdtempSync(join(tmpdir(), "mimic-ppo-options-"));
    try {
      const out = join(dir, "car");
      const options = { goalVelocity: 0.01 };
      const r = await runCli(
        "train",
        "ppo",
        "--env",
        "MountainCar-v0",
        "--env-options",
        JSON.stringify(options),
        "--timesteps",
        "256",
        "--num-envs",
        "2",
        "--num-steps",
        "64",
        "--eval-episodes",
        "1",
        "--out",
        out,
      );
      assert.equal(r.code, 0, r.err);
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      assert.deepEqual(manifest.config.envOptions, options);
      const policy = JSON.parse(readFileSync(join(out, "policy", "policy.json"), "utf8"));
      assert.deepEqual(policy.envOptions, options);
      const bad = await runCli(
        "train",
        "ppo",
        "--env",
        "MountainCar-v0",
        "--env-options",
        '{"goal": 1}',
        "--out",
        join(dir, "x"),
      );
      assert.notEqual(bad.code, 0);
      assert.match(bad.err, /goalVelocity/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--resume: an interrupted run continues from its last checkpoint to the end", async () => {
    const { mkdtempSync, rmSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runCli } = await import("./helpers/cli.js");
    const { trainPpoRun } = await import("../src/runs/ppo-pipeline.js");
    const dir = mkdtempSync(join(tmpdir(), "mimic-ppo-resume-"));
    try {
      const out = join(dir, "ppo");
      const none = await runCli("train", "ppo", "--resume", "--out", out);
      assert.notEqual(none.code, 0);
      // Interrupted after update 5; the checkpoint of update 4 is the last one on disk.
      await assert.rejects(
        trainPpoRun({
          envId: "CartPole-v1",
          config: { numEnvs: 2, numSteps: 32, totalTimesteps: 512, seed: 2 },
          out,
          checkpointEvery: 2,
          evalEpisodes: 2,
          onUpdate: (record) => {
            if (record.timesteps === 320) throw new Error("interrupted");
          },
        }),
        /interrupted/,
      );
      const early = await runCli("train", "ppo", "--resume", "--out", out);
      assert.equal(early.code, 0, early.err);
      assert.match(early.out, /PPO: 512 timesteps, 8 updates/);
      const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        metrics.map((m) => m.step),
        [64, 128, 192, 256, 320, 384, 448, 512],
      );
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      assert.equal(manifest.status, "finished");
      assert.equal(manifest.resumes.length, 1);
      assert.equal(manifest.resumes[0].step, 256);
      // The saved policy loads and acts.
      const e = await runCli("eval", "--policy", out, "--episodes", "2", "--json");
      assert.equal(e.code, 0, e.err);

      const other = await runCli("train", "gail", "--resume", "--out", out);
      assert.notEqual(other.code, 0);
      assert.match(other.err, /is a ppo run, not gail/);
      const bc = await runCli("train", "bc", "--resume", "--out", out);
      assert.notEqual(bc.code, 0);
      assert.match(bc.err, /is a ppo run, not bc; resume it with `mimic train ppo --resume`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
