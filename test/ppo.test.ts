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

  test("bad input: a Box action space and a bad config", async () => {
    await assert.rejects(
      trainPpo(makeVec("Pendulum-v1", { numEnvs: 2 }), { numEnvs: 2 }),
      (e: unknown) => e instanceof InvalidOptionError && /Discrete action spaces only/.test(e.message),
    );
    assert.throws(() => resolvePpoConfig({ learningRate: -1 }), InvalidOptionError);
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
      assert.match(bad.err, /Discrete action spaces only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
