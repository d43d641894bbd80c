/**
 * @module
 * Scale-out on one machine: a private Redis on a free loopback port (for `--workers N` without
 * `--redis`, the tests and the benchmark) and worker processes (`mimic worker`) started as
 * children. Everything here is stopped by the handle it returns.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { RedisUnreachableError } from "../core/errors.js";
import { checkRedis } from "./redis.js";

export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The first redis-server of `candidates` that exists (Debian's, then the usual others), or null. */
export function findRedisServer(
  candidates: readonly string[] = [
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
    "/opt/homebrew/bin/redis-server",
  ],
): string | null {
  return candidates.find((c) => existsSync(c)) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Kills `child` if this process exits first (an uncaught error, `process.exit`), so no server or worker is left behind. */
function killOnExit(child: ChildProcess): void {
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * Starts `redis-server` on a free 127.0.0.1 port with no persistence (`--save '' --appendonly
 * no`), and resolves once it answers PING.
 */
export async function startLocalRedis(options: { binary?: string } = {}): Promise<LocalRedis> {
  const binary = options.binary ?? findRedisServer();
  if (binary === null) {
    throw new RedisUnreachableError(
      "(none)",
      "no redis-server on this machine: install it (Debian: `apt-get install redis-server`) or pass --redis URL of a running one.",
    );
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      binary,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    killOnExit(child);
    let output = "";
    child.stdout?.on("data", (d) => (output += String(d)));
    child.stderr?.on("data", (d) => (output += String(d)));
    const url = `redis://127.0.0.1:${port}`;
    for (let waited = 0; waited < 5000 && child.exitCode === null; waited += 50) {
      try {
        await checkRedis(url, { timeoutMs: 500 });
        return { url, port, stop: () => stopChild(child) };
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await stopChild(child);
    lastError = new RedisUnreachableError(
      url,
      `redis-server did not start on port ${port}: ${output.trim().slice(-500)}`,
      {
        cause: lastError,
      },
    );
  }
  throw lastError;
}

export interface LocalWorkers {
  readonly processes: readonly ChildProcess[];
  stop(): Promise<void>;
}

/** The `mimic` command of this checkout or package (`bin/mimic.js`, which runs `dist/`). */
export const mimicBin = fileURLToPath(new URL("../../../bin/mimic.js", import.meta.url));

/**
 * Starts `n` `mimic worker` processes on this machine for the queue at `redis`, and resolves once
 * each says it is ready. Their output goes to `log` (line by line) when given.
 */
export async function startLocalWorkers(
  n: number,
  options: { redis: string; queue?: string; args?: readonly string[]; log?: (line: string) => void },
): Promise<LocalWorkers> {
  const processes: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(
      process.execPath,
      [
        mimicBin,
        "worker",
        "--redis",
        options.redis,
        ...(options.queue ? ["--queue", options.queue] : []),
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    killOnExit(child);
    processes.push(child);
    ready.push(
      new Promise<void>((resolve, reject) => {
        let buffered = "";
        const onData = (data: Buffer) => {
          buffered += String(data);
          let newline = buffered.indexOf("\n");
          while (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            options.log?.(line);
            if (line.includes("waiting for jobs")) resolve();
            newline = buffered.indexOf("\n");
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        child.once("exit", (code, signal) =>
          reject(
            new RedisUnreachableError(
              options.redis,
              `worker ${i + 1} exited (${signal ?? code}) before it was ready.`,
            ),
          ),
        );
      }),
    );
  }
  const stop = async () => {
    await Promise.all(processes.map(stopChild));
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await stop();
    throw error;
  }
  return { processes, stop };
}
