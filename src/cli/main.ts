/**
 * @module
 * The `mimic` command: dispatches to one file per subcommand. Only the CLI prints.
 * Exit codes: 0 success, 1 a failure while running, 2 a wrong command or flag.
 */

import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { MimicError } from "../core/errors.js";
import { closest } from "../core/registry.js";
import { MUJOCO_ENV_IDS } from "../envs/mujoco/index.js";
import { loadMujoco } from "../envs/mujoco/module.js";
import "../envs/index.js";
import { VERSION } from "../version.js";
import { UsageError } from "./args.js";
import { configureFusedEngineFromEnv } from "./engine-env.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

/** The first 64 KB of a file as text, or "" when it cannot be read. */
function head(path: string): string {
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(65_536);
      return buffer.toString("utf8", 0, readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}

/** The metadata files of a dataset, run or policy at `path` that name its env. */
const METADATA_FILES = ["data/metadata.json", "metadata.json", "manifest.json", "env.json", "policy.json"];

/**
 * Whether an argument names a MuJoCo env: the id itself (`--env Hopper-v5`), or a dataset, run or
 * policy whose metadata (Minari's `data/metadata.json`, a run's `manifest.json`, `env.json`,
 * `policy.json`, a .jsonl dataset's first line) mentions one, so `mimic train bc --dataset …` and
 * `mimic eval --policy …` load MuJoCo as `--env` does.
 */
function namesMujocoEnv(arg: string): boolean {
  if (MUJOCO_ENV_IDS.some((id) => arg === id || arg.endsWith(`=${id}`))) return true;
  if (arg.startsWith("-") || !existsSync(arg)) return false;
  const files = statSync(arg).isDirectory()
    ? [...METADATA_FILES, "policy/policy.json"].map((f) => join(arg, f))
    : [arg];
  return files.some((file) => {
    const text = head(file);
    return MUJOCO_ENV_IDS.some((id) => text.includes(id));
  });
}
type Run = (argv: string[], io: Io) => number | Promise<number>;

/**
 * Commands load their module on first use, so `mimic envs` does not pay for the tensor engine
 * (TensorFlow.js takes about 0.4 s to import) that `train` needs. `mimic help <cmd>` runs
 * `<cmd> --help`.
 */
const commands: Record<string, { summary: string; load: () => Promise<Run> }> = {
  quickstart: {
    summary: "record, train, evaluate and report on CartPole in under a minute",
    load: async () => (await import("./quickstart.js")).runQuickstart,
  },
  envs: {
    summary: "list the registered environments",
    load: async () => (await import("./envs.js")).runEnvsCommand,
  },
  collect: {
    summary: "record expert demonstrations into a dataset",
    load: async () => (await import("./collect.js")).runCollectCommand,
  },
  data: {
    summary: "inspect and prepare datasets (info, filter, split, merge, convert)",
    load: async () => (await import("./data.js")).runData,
  },
  train: {
    summary: "train a policy (bc, bc-rnn, bc-cnn, bc-dom, dagger, ppo, …)",
    load: async () => (await import("./train.js")).runTrain,
  },
  eval: {
    summary: "evaluate a trained policy by rollouts",
    load: async () => (await import("./eval.js")).runEval,
  },
  tune: {
    summary: "grid search with k-fold cross-validation (bc)",
    load: async () => (await import("./train.js")).runTune,
  },
  worker: {
    summary: "take collection, evaluation, tuning and DAgger jobs from a Redis queue (scale-out)",
    load: async () => (await import("./worker.js")).runWorker,
  },
  web: {
    summary: "web tasks in Chromium: list them, record demonstrations (a person or the expert)",
    load: async () => (await import("./web.js")).runWeb,
  },
  export: {
    summary: "export a trained policy (ONNX or JSON)",
    load: async () => (await import("./export.js")).runExport,
  },
  serve: {
    summary: "serve a trained policy over HTTP",
    load: async () => (await import("./serve.js")).runServe,
  },
  ui: {
    summary: "the local dashboard: runs, datasets, teach mode, live DAgger",
    load: async () => (await import("./ui.js")).runUi,
  },
};

export const mainHelp = `mimic ${VERSION}: imitation learning for TypeScript

Usage: mimic <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join("\n")}

Options:
  -h, --help     show this help (also: mimic <command> --help)
  -v, --version  print the version

Environment:
  MIMIC_THREADS  threads that share a large matrix product (default: all cores, at most 4; 1 = one)
  MIMIC_FMA      0 keeps the plain SIMD kernels instead of fused multiply-adds (default 1)

Examples:
  mimic quickstart
  mimic envs
  mimic collect --env CartPole-v1 --expert scripted --episodes 10 --seed 0 --out datasets/cartpole-expert
  mimic data info datasets/cartpole-expert
  mimic train bc --dataset datasets/cartpole-expert --out runs/cartpole-bc
  mimic eval --policy runs/cartpole-bc --episodes 50
  mimic ui
`;

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  io: Io = {
    out: (text) => process.stdout.write(`${text.replace(/\n$/, "")}\n`),
    err: (text) => process.stderr.write(`${text.replace(/\n$/, "")}\n`),
  },
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "help" && rest[0] && commands[rest[0]]) return main([rest[0], "--help"], io);
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    io.out(mainHelp);
    return first === undefined ? 2 : 0;
  }
  if (first === "-v" || first === "--version") {
    io.out(VERSION);
    return 0;
  }
  const command = commands[first];
  try {
    if (!command) {
      const hint = first.startsWith("-")
        ? closest(first, ["--help", "--version"])
        : closest(first, Object.keys(commands));
      throw new UsageError(
        "",
        `unknown ${first.startsWith("-") ? "flag" : "command"} ${JSON.stringify(first)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : "."}`,
      );
    }
    // The fused engine's settings come from the environment here, at the entry point.
    configureFusedEngineFromEnv(process.env);
    const run = await command.load();
    // MuJoCo envs need their wasm loaded before `make`; a command naming one loads it first.
    if (rest.some(namesMujocoEnv)) await loadMujoco();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const where = error.command ? `mimic ${error.command}` : "mimic";
      io.err(`${where}: ${error.message}\nRun '${where} --help' for usage.`);
      return 2;
    }
    if (error instanceof MimicError) {
      io.err(`mimic ${first}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
