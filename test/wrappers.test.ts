import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ClipAction,
  type EpisodeStatistics,
  InvalidActionError,
  make,
  type NormalizeObservation,
  RescaleAction,
  ResetNeededError,
  RunningMeanStd,
  TimeLimit,
} from "../src/index.js";

describe("TimeLimit", () => {
  test("is the only source of truncation, and a reset restarts the count", () => {
    const env = make("MountainCar-v0", { maxEpisodeSteps: 5 });
    env.reset({ seed: 1 });
    const flags = Array.from({ length: 5 }, () => env.step(1).truncated);
    assert.deepEqual(flags, [false, false, false, false, true]);
    env.reset();
    assert.equal(env.step(1).truncated, false);
    const raw = make("MountainCar-v0", { maxEpisodeSteps: null });
    raw.reset({ seed: 1 });
    for (let t = 0; t < 300; t++) assert.equal(raw.step(1).truncated, false);
  });

  test("rejects a bad limit", () => {
    assert.throws(() => new TimeLimit(make("CartPole-v1"), 0), /positive integer/);
  });
});

describe("OrderEnforcing", () => {
  test("step before reset is a ResetNeededError that says to call reset", () => {
    const env = make("CartPole-v1");
    assert.throws(
      () => env.step(0),
      (e: unknown) =>
        e instanceof ResetNeededError && e.code === "RESET_NEEDED" && /Call env\.reset\(\)/.test(e.message),
    );
  });

  test("the bare env refuses too", () => {
    const env = make("Acrobot-v1", { orderEnforce: false, maxEpisodeSteps: null });
    assert.throws(() => env.step(0), ResetNeededError);
  });
});

describe("RecordEpisodeStatistics", () => {
  test("reports return and length in the last step's info", () => {
    const env = make("CartPole-v1", { recordEpisodeStatistics: true });
    env.reset({ seed: 0 });
    let steps = 0;
    let episode: EpisodeStatistics | undefined;
    for (;;) {
      const r = env.step(0);
      steps += 1;
      if (r.terminated || r.truncated) {
        episode = r.info.episode as EpisodeStatistics;
        break;
      }
      assert.equal(r.info.episode, undefined);
    }
    assert.equal(episode.r, steps);
    assert.equal(episode.l, steps);
    assert.ok(episode.t >= 0);
  });
});

describe("ClipAction and RescaleAction", () => {
  test("ClipAction clips into bounds and has an unbounded action space", () => {
    const clipped = make("Pendulum-v1", { clipAction: true });
    const plain = make("Pendulum-v1");
    clipped.reset({ seed: 3 });
    plain.reset({ seed: 3 });
    const a = clipped.step([100]);
    const b = plain.step([2]);
    assert.deepEqual(a.observation, b.observation);
    assert.equal(a.reward, b.reward);
    assert.ok(clipped.actionSpace.contains([1e9]));
    assert.throws(() => clipped.step([Number.NaN]), InvalidActionError);
  });

  test("RescaleAction maps [-1, 1] onto the env's bounds", () => {
    const scaled = make("Pendulum-v1", { rescaleAction: [-1, 1] });
    const plain = make("Pendulum-v1");
    scaled.reset({ seed: 4 });
    plain.reset({ seed: 4 });
    assert.deepEqual(scaled.step([0.5]).observation, plain.step([1]).observation);
    assert.deepEqual(scaled.step([-1]).observation, plain.step([-2]).observation);
    assert.throws(
      () => scaled.step([1.5]),
      (e: unknown) => e instanceof InvalidActionError && /Box\(-1, 1, \(1,\), float32\)/.test(e.message),
    );
    assert.ok(scaled instanceof RescaleAction);
  });

  test("ClipAction refuses a Discrete env", () => {
    assert.throws(() => new ClipAction(make("CartPole-v1")), /needs a Box action space/);
  });
});

describe("NormalizeObservation", () => {
  test("RunningMeanStd matches the batch mean and variance", () => {
    const rms = new RunningMeanStd(2, 0);
    const xs = [
      [1, 10],
      [2, 20],
      [3, 60],
      [10, -4],
    ];
    // count = 0 start makes the first update exact
    rms.count = 0;
    for (const x of xs) rms.update(x);
    const mean = [4, 21.5];
    const variance = [
      xs.reduce((s, x) => s + (x[0]! - 4) ** 2, 0) / 4,
      xs.reduce((s, x) => s + (x[1]! - 21.5) ** 2, 0) / 4,
    ];
    assert.ok(Math.abs(rms.mean[0]! - mean[0]!) < 1e-12 && Math.abs(rms.mean[1]! - mean[1]!) < 1e-12);
    assert.ok(Math.abs(rms.var[0]! - variance[0]!) < 1e-9 && Math.abs(rms.var[1]! - variance[1]!) < 1e-9);
  });

  test("normalized observations end up near zero mean and unit variance", () => {
    const env = make("CartPole-v1", { normalizeObservation: true }) as NormalizeObservation;
    const values: number[] = [];
    env.reset({ seed: 0 });
    for (let t = 0; t < 3000; t++) {
      const r = env.step(t % 7 < 3 ? 0 : 1);
      values.push(r.observation[0]!);
      if (r.terminated || r.truncated) env.reset();
    }
    const tail = values.slice(1000);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    const variance = tail.reduce((a, b) => a + (b - mean) ** 2, 0) / tail.length;
    assert.ok(Math.abs(mean) < 0.3, `mean ${mean}`);
    assert.ok(variance > 0.4 && variance < 2, `variance ${variance}`);
    env.updateRunningMean = false;
    const frozen = env.obsRms.count;
    env.reset();
    env.step(0);
    assert.equal(env.obsRms.count, frozen);
  });
});
