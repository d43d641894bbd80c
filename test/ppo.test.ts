import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolvePpoConfig, trainPpo } from "../src/algorithms/ppo.js";
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
        "--eval-episodes",
        "2",
        "--out",
        pendulum,
      );
      assert.equal(p.code, 0, p.err);
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
