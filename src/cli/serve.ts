/**
 * @module
 * `mimic serve`: serves a saved policy over HTTP. The app (src/serve/app.ts) knows nothing about
 * Node; this file adds the Node adapter, the flags, and a graceful shutdown on SIGTERM/SIGINT.
 */
import { existsSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { z } from "zod";
import { compilePolicy } from "../nn/compile.js";
import { NeuralPolicy } from "../nn/policy.js";
import { createPolicyApp } from "../serve/app.js";
import { isLoopback, parseFlags, parseFlagsWith, UsageError } from "./args.js";
import { displayPath } from "./progress.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

export const serveHelp = `Usage: mimic serve --policy runs/<name> [--port 8080] [--host 127.0.0.1] [--token <T>]

Serve a trained policy over HTTP. Deterministic actions; single observations that arrive within a
millisecond of each other share one batched forward pass.

  POST /v1/act     {"observation": [...]} → {"action": ...}
                   {"observations": [[...], ...]} → {"actions": [...]}
  GET  /v1/policy  environment id, observation and action spaces, mimic version
  GET  /healthz    {"ok": true}

Options:
  --policy <dir>   a run directory (runs/<name>) or its policy/ directory
  --port <N>       port (default 8080; 0 picks a free one)
  --host <addr>    address to bind (default 127.0.0.1, loopback only)
  --token <T>      require "Authorization: Bearer <T>" on /v1/* (also: MIMIC_SERVE_TOKEN)
  --max-body <N>   largest request body in bytes (default 1048576)
  -h, --help       show this help

SIGTERM or SIGINT stops accepting connections, lets requests in flight finish, then exits 0.

Example:
  mimic serve --policy runs/cartpole-bc --port 8080
  curl -s localhost:8080/v1/act -d '{"observation": [0.01, 0, 0.02, 0]}'
`;

const flagsSchema = z.object({
  policy: z.string({ error: "is required, e.g. --policy runs/cartpole-bc" }).min(1, "must not be empty"),
  port: z
    .string()
    .regex(/^\d{1,5}$/, "must be a port number from 0 to 65535")
    .transform(Number)
    .pipe(z.number().max(65535, "must be a port number from 0 to 65535"))
    .default(8080),
  host: z.string().min(1, "must not be empty").default("127.0.0.1"),
  token: z.string().min(1, "must not be empty").optional(),
  "max-body": z
    .string()
    .regex(/^\d+$/, "must be a positive number of bytes")
    .transform(Number)
    .pipe(z.number().int().positive("must be a positive number of bytes"))
    .default(1024 * 1024),
});

export async function runServe(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("serve", argv, {
    policy: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    token: { type: "string" },
    "max-body": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(serveHelp);
    return 0;
  }
  const flags = parseFlagsWith("serve", flagsSchema, {
    ...values,
    token: values.token ?? process.env.MIMIC_SERVE_TOKEN,
  });
  const policyDir = existsSync(join(flags.policy, "policy", "policy.json"))
    ? join(flags.policy, "policy")
    : flags.policy;
  const policy = await NeuralPolicy.load(policyDir);
  // Deterministic actions come from the compiled, dependency-free forward pass.
  const compiled = compilePolicy(policy);
  const demo = policy.envId === "CartPole-v1" ? demoFiles(JSON.stringify(compiled.toJSON())) : undefined;
  const app = createPolicyApp({
    demo,
    policy: {
      envId: policy.envId,
      observationSpace: policy.observationSpace,
      actionSpace: policy.actionSpace,
      actBatch: (observations, count) => compiled.actBatch(observations, count),
    },
    token: flags.token,
    maxBodyBytes: flags["max-body"],
  });
  if (!isLoopback(flags.host) && flags.token === undefined) {
    io.err(
      `warning: serving on ${flags.host} without --token; anyone who can reach it can query the policy.`,
    );
  }

  const server = serve({ fetch: app.fetch, port: flags.port, hostname: flags.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  }).catch((error: NodeJS.ErrnoException) => {
    policy.dispose();
    throw new UsageError("serve", `cannot listen on ${flags.host}:${flags.port}: ${error.message}`);
  });
  const { port } = server.address() as AddressInfo;
  const host = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
  io.out(
    `serving ${policy.envId} policy ${displayPath(policyDir)} at http://${host}:${port}\n` +
      `POST /v1/act, GET /v1/policy, GET /healthz${demo ? `, and the browser demo at http://${host}:${port}/demo/` : ""}; Ctrl-C to stop`,
  );

  // Graceful shutdown: stop accepting, let requests in flight finish (idle keep-alive connections
  // are closed at once), answer what the batcher holds, then exit 0. A second signal, or 10 s
  // without the last connection closing, drops the remaining connections.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  io.err(`${signal}: finishing requests in flight, then stopping`);
  const forceClose = () => {
    if ("closeAllConnections" in server) server.closeAllConnections();
  };
  process.once("SIGTERM", forceClose);
  process.once("SIGINT", forceClose);
  const deadline = setTimeout(forceClose, 10_000);
  deadline.unref();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearTimeout(deadline);
  process.off("SIGTERM", forceClose);
  process.off("SIGINT", forceClose);
  await app.close();
  policy.dispose();
  io.err("stopped");
  return 0;
}

/** The browser demo (dist/demo, built by `npm run build`) with this policy as its policy.json. */
function demoFiles(policyJson: string): Record<string, { body: string; type: string }> | undefined {
  const dir = fileURLToPath(new URL("../../demo/", import.meta.url));
  if (!existsSync(join(dir, "index.html")) || !existsSync(join(dir, "demo.js"))) return undefined;
  return {
    "index.html": { body: readFileSync(join(dir, "index.html"), "utf8"), type: "text/html; charset=utf-8" },
    "demo.js": { body: readFileSync(join(dir, "demo.js"), "utf8"), type: "text/javascript; charset=utf-8" },
    "policy.json": { body: policyJson, type: "application/json" },
  };
}
