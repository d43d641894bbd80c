/** Error measures shared by the MuJoCo parity tests (test/mujoco.test.ts, test/gymnasium-mujoco.test.ts). */
import assert from "node:assert/strict";

/** The largest `|a − b| / max(1, |b|)`. */
export function relError(actual: ArrayLike<number>, expected: readonly number[]): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  }
  return worst;
}

/** The largest `|a − b|`. */
export function absError(actual: ArrayLike<number>, expected: readonly number[]): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}
