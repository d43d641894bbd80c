import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CartPoleEnv,
  ClipAction,
  InvalidOptionError,
  KernelEnv,
  make,
  NormalizeObservation,
  OrderEnforcing,
  parseEnvId,
  RecordEpisodeStatistics,
  RegistryConflictError,
  RescaleAction,
  register,
  registeredEnvs,
  TimeLimit,
  UnknownEnvError,
  unregister,
  type Wrapper,
} from "../src/index.js";

function chain(env: unknown): string[] {
  const names: string[] = [];
  let current = env as { env?: unknown; constructor: { name: string } };
  while (current) {
    names.push(current.constructor.name);
    current = current.env as typeof current;
  }
  return names;
}

describe("make", () => {
  test("registers the five classic envs and GridWorld", () => {
    const ids = registeredEnvs().map((r) => r.id);
    for (const id of [
      "CartPole-v1",
      "MountainCar-v0",
      "MountainCarContinuous-v0",
      "Pendulum-v1",
      "Acrobot-v1",
      "GridWorld-v0",
    ]) {
      assert.ok(ids.includes(id), id);
    }
  });

  test("wraps in Gymnasium's order: OrderEnforcing inside TimeLimit", () => {
    assert.deepEqual(chain(make("CartPole-v1")), ["TimeLimit", "OrderEnforcing", "CartPoleEnv"]);
    const env = make("Pendulum-v1", {
      recordEpisodeStatistics: true,
      rescaleAction: [-1, 1],
      clipAction: true,
      normalizeObservation: true,
    });
    assert.deepEqual(chain(env), [
      "NormalizeObservation",
      "ClipAction",
      "RescaleAction",
      "RecordEpisodeStatistics",
      "TimeLimit",
      "OrderEnforcing",
      "PendulumEnv",
    ]);
    const outer = env as Wrapper;
    assert.ok(outer.find(TimeLimit) instanceof TimeLimit);
    assert.ok(outer.find(RescaleAction) instanceof RescaleAction);
    assert.ok(
      outer.find(ClipAction) &&
        outer.find(NormalizeObservation) &&
        outer.find(RecordEpisodeStatistics) &&
        outer.find(OrderEnforcing),
    );
  });

  test("maxEpisodeSteps overrides or removes the TimeLimit", () => {
    const short = make("CartPole-v1", { maxEpisodeSteps: 3 });
    assert.equal(short.spec.maxEpisodeSteps, 3);
    short.reset({ seed: 0 });
    short.step(0);
    short.step(1);
    assert.equal(short.step(0).truncated, true);
    const unlimited = make("CartPole-v1", { maxEpisodeSteps: null });
    assert.deepEqual(chain(unlimited), ["OrderEnforcing", "CartPoleEnv"]);
  });

  test("env options reach the env (Pendulum's g)", () => {
    const env = make("Pendulum-v1", { g: 9.81 });
    assert.ok(env.unwrapped instanceof KernelEnv);
  });

  test("orderEnforce: false lets the raw env answer", () => {
    const env = make("CartPole-v1", { orderEnforce: false });
    assert.deepEqual(chain(env), ["TimeLimit", "CartPoleEnv"]);
  });
});

describe("ids and errors", () => {
  test("parseEnvId splits namespace, name and version", () => {
    assert.deepEqual(parseEnvId("CartPole-v1"), { namespace: undefined, name: "CartPole", version: 1 });
    assert.deepEqual(parseEnvId("mine/Grid-World-v12"), {
      namespace: "mine",
      name: "Grid-World",
      version: 12,
    });
    assert.deepEqual(parseEnvId("CartPole"), { namespace: undefined, name: "CartPole", version: undefined });
  });

  test("a misspelled id names the closest known id", () => {
    assert.throws(
      () => make("CartPol-v1"),
      (e: unknown) =>
        e instanceof UnknownEnvError &&
        e.code === "UNKNOWN_ENV" &&
        e.suggestion === "CartPole-v1" &&
        /Did you mean "CartPole-v1"/.test(e.message),
    );
    assert.throws(() => make("mountaincar-v0"), /Did you mean "MountainCar-v0"/);
  });

  test("an outdated or missing version names the registered one", () => {
    assert.throws(
      () => make("CartPole-v0"),
      (e: unknown) =>
        e instanceof UnknownEnvError &&
        e.suggestion === "CartPole-v1" &&
        /v0 of CartPole is not registered.*Use "CartPole-v1"/.test(e.message),
    );
    assert.throws(() => make("Pendulum"), /has no version\. Use "Pendulum-v1"/);
  });

  test("a far-off id lists how to see the known ids", () => {
    assert.throws(
      () => make("Zzzzzzzzzzzzz-v3"),
      (e: unknown) =>
        e instanceof UnknownEnvError && e.suggestion === undefined && /mimic envs/.test(e.message),
    );
  });

  test("bad options to make throw InvalidOptionError with the path", () => {
    assert.throws(
      () => make("CartPole-v1", { maxEpisodeSteps: -5 }),
      (e: unknown) =>
        e instanceof InvalidOptionError && e.path === "maxEpisodeSteps" && e.code === "INVALID_OPTION",
    );
    assert.throws(
      () => make("CartPole-v1", { maxEpisodeStep: 5 }),
      (e: unknown) => e instanceof InvalidOptionError && /did you mean "maxEpisodeSteps"/.test(e.message),
    );
    assert.throws(
      () => make("Pendulum-v1", { g: "strong" }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "g",
    );
    assert.throws(() => make("Pendulum-v1", { gg: 3 }), /unknown option "gg"; did you mean "g"/);
    assert.throws(
      () => make("CartPole-v1", { rescaleAction: [1, -1] }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "rescaleAction",
    );
    assert.throws(() => make("CartPole-v1", { clipAction: true }), /ClipAction needs a Box action space/);
    assert.throws(() => make("CartPole-v1", "fast" as never), /options must be an object/);
  });

  test("register refuses duplicates and unversioned ids; unregister removes", () => {
    assert.throws(
      () => register({ id: "CartPole-v1", entryPoint: () => new CartPoleEnv() }),
      (e: unknown) => e instanceof RegistryConflictError && /CartPole-v2/.test(e.message),
    );
    assert.throws(() => register({ id: "MyPole", entryPoint: () => new CartPoleEnv() }), /has no version/);
    register({ id: "test/MyPole-v3", maxEpisodeSteps: 7, entryPoint: () => new CartPoleEnv() });
    const env = make("test/MyPole-v3");
    assert.equal(env.spec.maxEpisodeSteps, 7);
    assert.throws(() => make("test/MyPole-v2"), /Use "test\/MyPole-v3"/);
    assert.ok(unregister("test/MyPole-v3"));
    assert.throws(() => make("test/MyPole-v3"), UnknownEnvError);
  });
});
