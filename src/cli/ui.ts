/**
 * @module
 * `mimic ui`: the local dashboard. The app (src/ui/app.ts) knows nothing about Node; this file adds
 * the file store, the page's files (dist/ui, built by `npm run build`), the Node adapter, the flags
 * and a clean stop on SIGTERM/SIGINT.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { z } from "zod";
import { webTasksDir } from "../envs/web/tasks.js";
import { createUiApp, type UiAsset } from "../ui/app.js";
import { createFileStore } from "../ui/file-store.js";
import { createHumanDagger } from "../ui/human-dagger.js";
import { isLoopback, parseFlags, parseFlagsWith, UsageError } from "./args.js";
import { displayPath } from "./progress.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

export const uiHelp = `Usage: mimic ui [--port 8787] [--host 127.0.0.1] [--runs runs] [--datasets datasets]

Start the dashboard, a local web app:
  Runs      every run under --runs: status, best return, learning curves that update while a
            run trains, the evaluation table, several runs compared on one chart
  Datasets  every dataset under --datasets: statistics, the episode table, and a replay of any
            episode drawn on a canvas (play, pause, step, speed)
  Teach     play CartPole, MountainCar, Acrobot, Pendulum or GridWorld with the keyboard in real
            time (or slowed down); keep or discard each finished episode. A kept episode is
            replayed on the server from its seed and actions and appended to the chosen dataset
            under --datasets (Minari HDF5, written atomically).
  DAgger    live DAgger with you as the expert: a learner trained on a dataset drives, you hold
            the arrow you would press (your label for each state), T takes over; each round's
            labels are saved as <name>-round-<i> under --datasets and the learner is retrained.

Options:
  --port <N>         port (default 8787; 0 picks a free one)
  --host <addr>      address to bind (default 127.0.0.1, loopback only)
  --runs <dir>       where runs are (default runs)
  --datasets <dir>   where datasets are, and where teach mode writes (default datasets)
  -h, --help         show this help

The dashboard has no login: anyone who can reach the address can read the runs and datasets and
add episodes. Keep it on loopback unless the network is yours.

Example:
  mimic ui --runs runs --datasets datasets
  open http://127.0.0.1:8787/
`;

const flagsSchema = z.object({
  port: z
    .string()
    .regex(/^\d{1,5}$/, "must be a port number from 0 to 65535")
    .transform(Number)
    .pipe(z.number().max(65535, "must be a port number from 0 to 65535"))
    .default(8787),
  host: z.string().min(1, "must not be empty").default("127.0.0.1"),
  runs: z.string().min(1, "must not be empty").default("runs"),
  datasets: z.string().min(1, "must not be empty").default("datasets"),
});

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
};

/** The page's files from dist/ui (built by scripts/build-ui.mjs), read once at start. */
export function loadUiAssets(
  dir = fileURLToPath(new URL("../../ui/", import.meta.url)),
): Record<string, UiAsset> {
  if (!existsSync(join(dir, "index.html"))) {
    throw new UsageError(
      "ui",
      `the dashboard's page is not built (${displayPath(join(dir, "index.html"))} is missing). Run \`npm run build\` in the mimic checkout, then try again.`,
    );
  }
  const assets: Record<string, UiAsset> = {};
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) assets[name] = { body: readFileSync(join(dir, name)), type };
  }
  return assets;
}

/** The built-in web tasks' pages and their runtime (web/tasks), read once at start, for teach mode. */
export function loadWebTaskFiles(dir = webTasksDir()): Record<string, UiAsset> {
  const files: Record<string, UiAsset> = {};
  for (const sub of ["", "core"]) {
    const from = join(dir, sub);
    if (!existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      const type = TYPES[extname(name)];
      if (type) files[sub ? `${sub}/${name}` : name] = { body: readFileSync(join(from, name)), type };
    }
  }
  return files;
}

export async function runUi(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("ui", argv, {
    port: { type: "string" },
    host: { type: "string" },
    runs: { type: "string" },
    datasets: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(uiHelp);
    return 0;
  }
  const flags = parseFlagsWith("ui", flagsSchema, values);
  const runs = resolve(flags.runs);
  const datasets = resolve(flags.datasets);
  for (const [flag, dir] of [
    ["runs", runs],
    ["datasets", datasets],
  ] as const) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new UsageError("ui", `--${flag} ${flags[flag]} is a file, not a directory.`);
    }
  }
  const store = createFileStore({ runs, datasets });
  const app = createUiApp({
    store,
    webTasks: loadWebTaskFiles(),
    dagger: createHumanDagger({ datasets }),
    assets: loadUiAssets(),
    // On loopback, only loopback names (a rebound DNS name is refused); bound wider, any name.
    allowedHostnames: isLoopback(flags.host)
      ? ["127.0.0.1", "localhost", "[::1]", flags.host.includes(":") ? `[${flags.host}]` : flags.host]
      : undefined,
  });
  if (!isLoopback(flags.host)) {
    io.err(
      `warning: serving the dashboard on ${flags.host}; anyone who can reach it can read your runs and datasets and add episodes.`,
    );
  }
  const server = serve({ fetch: app.fetch, port: flags.port, hostname: flags.host });
  await new Promise<void>((resolveListen, reject) => {
    server.once("listening", resolveListen);
    server.once("error", reject);
  }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError("ui", `cannot listen on ${flags.host}:${flags.port}: ${error.message}`);
  });
  const { port } = server.address() as AddressInfo;
  const host = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
  io.out(
    `dashboard at http://${host}:${port}/ (runs: ${displayPath(runs)}${existsSync(runs) ? "" : ", not there yet"}; ` +
      `datasets: ${displayPath(datasets)}${existsSync(datasets) ? "" : ", created on the first kept episode"}); Ctrl-C to stop`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once("SIGTERM", () => resolveSignal("SIGTERM"));
    process.once("SIGINT", () => resolveSignal("SIGINT"));
  });
  io.err(`${signal}: stopping`);
  // Requests in flight (a kept episode being written) finish; idle connections close now.
  if ("closeIdleConnections" in server) server.closeIdleConnections();
  const deadline = setTimeout(() => {
    if ("closeAllConnections" in server) server.closeAllConnections();
  }, 10_000);
  deadline.unref();
  await new Promise<void>((done) => server.close(() => done()));
  clearTimeout(deadline);
  await store.close?.();
  io.err("stopped");
  return 0;
}
