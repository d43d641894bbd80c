/**
 * Chromium for the browser tests: the executable `findChromium` finds, or undefined; and the skip
 * rule the web tests share (fail under CI, where .ci/run installs Debian's chromium; skip elsewhere).
 */
import assert from "node:assert/strict";
import { findChromium } from "../../src/envs/web/browser.js";

function find(): string | undefined {
  try {
    return findChromium();
  } catch {
    return undefined;
  }
}

export const chromium: string | undefined = find();

/** True (and the test skipped, or failed under CI) when there is no Chromium. */
export function skipWithoutChromium(t: { skip: (message: string) => void }): boolean {
  if (chromium !== undefined) return false;
  if (process.env.CI) assert.fail("No Chromium found; .ci/run installs Debian's chromium.");
  t.skip("No Chromium found; install it with apt-get install -y chromium");
  return true;
}
