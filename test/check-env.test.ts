import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Box,
  checkEnv,
  Discrete,
  type Env,
  EnvCheckError,
  type EnvSpec,
  loadMujoco,
  make,
  registeredEnvs,
  type StepResult,
} from "../src/index.js";

describe("checkEnv", () => {
  test("every built-in env passes", async () => {
    await loadMujoco();
    for (const { id } of registeredEnvs()) {
      // GridWorld starts in a fixed cell by default, which checkEnv rightly points out.
      const env = id === "GridWorld-v0" ? make(id, { start: "uniform", slip: 0.2 }) : make(id);
      const report = checkEnv(env, { steps: 100 });
      assert.deepEqual(report.warnings, [], id);
      assert.ok(report.stepsChecked > 0);
    }
    assert.match(checkEnv(make("GridWorld-v0")).warnings[0]!, /fine if the start state is fixed/);
  });

  /** A small env whose flaws each test switches on. */
  function flawed(flaw: "random" | "outside" | "reward" | "flag"): Env<Float32Array, number> {
    let t = 0;
    let noise = 0;
    const spec: EnvSpec = { id: "Flawed-v0" };
    const observationSpace = new Box(-1, 1, [1]);
    return {
      spec,
      observationSpace,
      actionSpace: new Discrete(2),
      get unwrapped() {
        return this as Env;
      },
      reset: () => {
        t = 0;
        return { observation: new Float32Array([0]), info: {} };
      },
      step: () => {
        t += 1;
        noise = (noise * 7 + 3) % 11; // hidden state that a seed does not reset
        const value = flaw === "random" ? noise / 11 : flaw === "outside" && t > 2 ? 5 : 0;
        const result: StepResult<Float32Array> = {
          observation: new Float32Array([value]),
          reward: flaw === "reward" ? Number.NaN : 1,
          terminated: t >= 7,
          truncated: false,
          info: {},
        };
        if (flaw === "flag") (result as unknown as { terminated: number }).terminated = 0;
        return result;
      },
      close: () => {},
    };
  }

  test("catches nondeterminism under a seed", () => {
    assert.throws(
      () => checkEnv(flawed("random")),
      (e: unknown) =>
        e instanceof EnvCheckError && e.code === "ENV_CHECK_FAILED" && /not deterministic/.test(e.message),
    );
  });

  test("catches an observation outside the space", () => {
    assert.throws(
      () => checkEnv(flawed("outside")),
      /step #3 returned an observation outside the observation space Box\(-1, 1, \(1,\), float32\): element 0 is 5/,
    );
  });

  test("catches a NaN reward and a non-boolean flag", () => {
    assert.throws(() => checkEnv(flawed("reward")), /reward NaN/);
    assert.throws(() => checkEnv(flawed("flag")), /terminated 0; it must be a boolean/);
  });

  test("warns when the seed does not change the start", () => {
    const env = make("CartPole-v1");
    const fixed: Env = {
      spec: env.spec,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      unwrapped: env.unwrapped,
      reset: () => env.reset({ seed: 0 }),
      step: (a) => env.step(a as number),
      close: () => env.close(),
    };
    assert.match(checkEnv(fixed).warnings[0]!, /different seed gave the same first observation/);
  });
});

describe("AsyncEnv", () => {
  test("toAsync lifts a sync env to the async contract with the same results", async () => {
    const { toAsync } = await import("../src/index.js");
    const sync = make("CartPole-v1");
    const lifted = toAsync(make("CartPole-v1"));
    const a = sync.reset({ seed: 9 });
    const b = await lifted.reset({ seed: 9 });
    assert.deepEqual(b.observation, a.observation);
    const x = sync.step(1);
    const y = await lifted.step(1);
    assert.deepEqual(y.observation, x.observation);
    assert.equal(y.reward, x.reward);
    assert.equal(String(lifted.actionSpace), "Discrete(2)");
    await lifted.close();
  });
});
