/** The bad-input list: each gets a typed MimicError with a code and a message that says what to do. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  InvalidActionError,
  InvalidOptionError,
  MimicError,
  make,
  ResetNeededError,
  UnknownEnvError,
} from "../src/index.js";

function expectMimicError<T extends MimicError>(
  fn: () => unknown,
  kind: new (...args: never[]) => T,
  code: string,
  pattern: RegExp,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${String(e)}`);
    assert.ok(e instanceof MimicError);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

test("step before reset", () => {
  expectMimicError(
    () => make("CartPole-v1").step(0),
    ResetNeededError,
    "RESET_NEEDED",
    /before reset\(\)\. Call env\.reset\(\)/,
  );
});

test("an action outside the action space shows the value and the space", () => {
  const env = make("CartPole-v1");
  env.reset({ seed: 0 });
  expectMimicError(
    () => env.step(2),
    InvalidActionError,
    "INVALID_ACTION",
    /action 2 is not in the action space Discrete\(2\).*actionSpace\.sample/,
  );
  const pendulum = make("Pendulum-v1");
  pendulum.reset({ seed: 0 });
  expectMimicError(
    () => pendulum.step([3]),
    InvalidActionError,
    "INVALID_ACTION",
    /action \[3\] is not in the action space Box\(-2, 2, \(1,\), float32\).*outside \[-2, 2\].*ClipAction/,
  );
  expectMimicError(() => pendulum.step([1, 1]), InvalidActionError, "INVALID_ACTION", /expected 1 values/);
});

test("NaN in a continuous action", () => {
  const env = make("MountainCarContinuous-v0");
  env.reset({ seed: 0 });
  expectMimicError(
    () => env.step(new Float32Array([Number.NaN])),
    InvalidActionError,
    "INVALID_ACTION",
    /contains NaN.*policy/,
  );
});

test("an unknown env id", () => {
  expectMimicError(() => make("Cartpole-v1"), UnknownEnvError, "UNKNOWN_ENV", /Did you mean "CartPole-v1"/);
});

test("a bad option to make", () => {
  expectMimicError(
    () => make("MountainCar-v0", { goalVelocity: "fast" }),
    InvalidOptionError,
    "INVALID_OPTION",
    /option goalVelocity is invalid/,
  );
  expectMimicError(() => make("GridWorld-v0", { slip: 1.5 }), InvalidOptionError, "INVALID_OPTION", /slip/);
});
