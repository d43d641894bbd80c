/**
 * @module
 * Redis URLs and the up-front connection check. A `--redis` URL is parsed here into the options
 * BullMQ hands to ioredis, and `checkRedis` pings the server once with no retries, so a wrong URL
 * or a stopped server is one clear error instead of ioredis reconnecting forever.
 */
import { Redis, type RedisOptions } from "ioredis";
import { InvalidOptionError, RedisUnreachableError } from "../core/errors.js";

/** The URL with its password replaced by `***`, for messages and reports. */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) as ioredis options. Throws
 * `InvalidOptionError` naming the URL's problem.
 */
export function parseRedisUrl(url: string): RedisOptions {
  const bad = (why: string): never => {
    throw new InvalidOptionError(
      "redis",
      `--redis ${JSON.stringify(maskRedisUrl(url))} is not a Redis URL: ${why}. ` +
        "Write it as redis://host:port (for example redis://127.0.0.1:6379), optionally with user:password@ and /db.",
    );
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad("it does not parse as a URL");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")
    bad(`the scheme is ${parsed.protocol.replace(/:$/, "")}, not redis or rediss`);
  if (parsed.hostname === "") bad("it has no host");
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  const dbPath = parsed.pathname.replace(/^\//, "");
  const db = dbPath === "" ? 0 : Number(dbPath);
  if (!Number.isInteger(db) || db < 0) bad(`the database ${JSON.stringify(dbPath)} is not a number`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * Connects once (no retries) and sends PING. Resolves with the server's version; throws
 * `RedisUnreachableError` saying how to fix it when the server cannot be reached.
 */
export async function checkRedis(url: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const connection = parseRedisUrl(url);
  const client = new Redis({
    ...connection,
    lazyConnect: true,
    connectTimeout: options.timeoutMs ?? 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    disconnectTimeout: 200,
  });
  client.on("error", () => {}); // reported through the rejected connect below
  try {
    await client.connect();
    await client.ping();
    const info = await client.info("server");
    return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  } catch (error) {
    const where = `${connection.host}:${connection.port}`;
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisUnreachableError(
      maskRedisUrl(url),
      `cannot reach Redis at ${maskRedisUrl(url)} (${reason}). Start a server there ` +
        `(for example \`redis-server --port ${connection.port}\`, or Debian's \`apt-get install redis-server\`), ` +
        `or check the URL's host, port and password; ${where} must be reachable from this machine.`,
      { cause: error },
    );
  } finally {
    client.disconnect();
  }
}
