/**
 * A private redis-server for a test file: on a free 127.0.0.1 port, no persistence, stopped after
 * the file's tests. `MIMIC_TEST_REDIS_URL` uses a running server instead. Without redis-server the
 * tests are skipped with the reason, except under CI (`CI` set), where a missing server fails them:
 * `.ci/run` installs Debian's redis-server.
 */
import { findRedisServer, type LocalRedis, startLocalRedis } from "../../src/scale/local.js";

const external = process.env.MIMIC_TEST_REDIS_URL;
const binary = findRedisServer();

/** Why the Redis tests cannot run here, or false when they can (use as `{ skip: redisSkip }`). */
export const redisSkip: string | false =
  external || binary || process.env.CI
    ? false
    : "redis-server is not installed (Debian: apt-get install redis-server; or set MIMIC_TEST_REDIS_URL)";

/** Starts the file's Redis (or returns the external one's URL). Call `stop` in `after`. */
export async function testRedis(): Promise<Pick<LocalRedis, "url" | "stop">> {
  if (external) return { url: external, stop: async () => {} };
  if (!binary) {
    throw new Error(
      "CI is set but redis-server is missing: .ci/run installs it with apt-get (redis-server); the scale-out tests need it.",
    );
  }
  return startLocalRedis({ binary });
}

let queues = 0;
/** A queue name no other test in this process uses. */
export function freshQueue(prefix = "test"): string {
  queues += 1;
  return `${prefix}-${process.pid}-${queues}`;
}
