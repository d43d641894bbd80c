/**
 * @module
 * `mimic web`: web tasks in a real browser. `mimic web tasks` lists the built-in tasks;
 * `mimic web record` records a person (or the task's scripted expert, driving the mouse and
 * keyboard) doing a task in Chromium, into a Minari dataset that is rewritten atomically after
 * every episode, so a crash loses nothing already recorded and `--append` continues.
 */
import { stat } from "node:fs/promises";
import { Dataset } from "../data/dataset.js";
import type { Episode } from "../data/episode.js";
import { readMinari, writeMinari } from "../data/io/minari-hdf5/index.js";
import { type FlagValues, numberFlag, parseFlags, requiredFlag, UsageError } from "./args.js";
import { displayPath } from "./progress.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

export const webHelp = `Usage: mimic web <command> [options]

Web tasks (MiniWoB++'s protocol) in Debian's Chromium, driven through playwright-core.

Commands:
  tasks     list the built-in tasks (use them as --task NAME or --env web:NAME)
  record    record demonstrations of a task into a dataset

Run 'mimic web <command> --help' for its options.
`;

export const webRecordHelp = `Usage: mimic web record --task <name|path> --episodes <N> --out <dataset> [options]

Opens the task in Chromium and records you doing it: every click, every text you type into a
field (it must be one of the task's fields, the quoted values of its instruction) and Enter, Tab,
Escape and the arrow keys become the env's actions, each with the page as it was before it. Each
episode is seeded (episode k of this run uses --seed + k); the task's own timer (10 s in MiniWoB++)
ends an episode you leave. The dataset is rewritten after every episode, so closing the browser or
a crash loses nothing already recorded; --append continues it.

Options:
  --task <name|path>     a built-in task (mimic web tasks) or the path of a MiniWoB++ task's HTML file
  --episodes <N>         episodes to keep
  --out <dir>            the dataset directory (Minari HDF5)
  --seed <S>             seed of the first episode (default 0; with --append, after the last one)
  --driver <who>         person (default): you, in a browser window; expert: the task's scripted
                         expert moves the mouse and types (built-in tasks; works headless)
  --headless             no browser window (only useful with --driver expert)
  --append               add to an existing dataset of the same task instead of refusing it
  --chromium <path>      the Chromium executable (default: /usr/bin/chromium and the usual places)
  -h, --help             show this help

Examples:
  mimic web record --task login-user --episodes 5 --out datasets/login-user
  mimic web record --task click-button --episodes 10 --driver expert --headless --out datasets/click-button
`;

export async function runWeb(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    io.out(webHelp);
    return command === undefined ? 2 : 0;
  }
  if (command === "tasks") return runTasks(rest, io);
  if (command === "record") return runRecord(rest, io);
  throw new UsageError("web", `unknown command ${JSON.stringify(command)}; available: tasks, record.`);
}

async function runTasks(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("web tasks", argv, { help: { type: "boolean", short: "h" } });
  if (values.help) {
    io.out(
      "Usage: mimic web tasks\n\nLists the built-in web tasks, with the directory that holds their files.\n",
    );
    return 0;
  }
  const { WEB_TASKS, webTasksDir } = await import("../envs/web/tasks.js");
  io.out([...WEB_TASKS.map((t) => `web:${t}`), "", `files: ${displayPath(webTasksDir())}`].join("\n"));
  return 0;
}

/** The existing dataset at `out` (for `--append`), or null when there is none. */
async function existing(out: string, append: boolean): Promise<Dataset | null> {
  const info = await stat(out).catch(() => null);
  if (info === null) return null;
  if (!append) {
    throw new UsageError(
      "web record",
      `--out ${out} exists; pass --append to add episodes to it, or choose another --out.`,
    );
  }
  return (await readMinari(out)).dataset;
}

function driverFlag(values: FlagValues): "person" | "expert" {
  const driver = values.driver ?? "person";
  if (driver !== "person" && driver !== "expert") {
    throw new UsageError("web record", `--driver is person or expert, got ${JSON.stringify(driver)}.`);
  }
  return driver;
}

async function runRecord(argv: string[], io: Io): Promise<number> {
  const command = "web record";
  const { values } = parseFlags(command, argv, {
    task: { type: "string" },
    episodes: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    driver: { type: "string" },
    headless: { type: "boolean" },
    append: { type: "boolean" },
    chromium: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(webRecordHelp);
    return 0;
  }
  const task = requiredFlag(command, values, "task", "login-user");
  const episodes = numberFlag(command, values, "episodes", "positive-integer");
  if (episodes === undefined) throw new UsageError(command, "--episodes is required, e.g. --episodes 5.");
  const out = requiredFlag(command, values, "out", "datasets/login-user");
  const driver = driverFlag(values);
  const seedFlag = numberFlag(command, values, "seed", "integer");
  if (seedFlag !== undefined && seedFlag < 0) throw new UsageError(command, "--seed must be ≥ 0.");
  const { createWebEnv } = await import("../envs/web/web-env.js");
  const { expertDriver, recordWebEpisodes } = await import("../experts/web-recorder.js");
  const { webActor } = await import("../experts/web.js");
  const actor = driver === "expert" ? webActor(task) : null;
  const before = await existing(out, values.append === true);
  const env = await createWebEnv({
    task,
    headless: driver === "expert" || values.headless === true,
    reward: "raw",
    ...(typeof values.chromium === "string" ? { executablePath: values.chromium } : {}),
  });
  try {
    if (before !== null && String(before.observationSpace) !== String(env.observationSpace)) {
      throw new UsageError(
        command,
        `--append: ${out} was recorded with other observation sizes (${before.observationSpace}); record into a new --out.`,
      );
    }
    if (before !== null && before.envSpec?.id !== env.spec.id) {
      throw new UsageError(
        command,
        `--append: ${out} holds episodes of ${before.envSpec?.id ?? "an unknown env"}, not ${env.spec.id}; record into a new --out.`,
      );
    }
    const kept: Episode[] = [...(before?.episodes ?? [])];
    const lastSeed = kept.reduce((m, e) => Math.max(m, e.seed ?? -1), -1);
    const seed = seedFlag ?? lastSeed + 1;
    if (driver === "person") {
      io.err(
        `recording ${env.spec.id}: do the task in the browser window; ${episodes} episode${episodes === 1 ? "" : "s"} to go (close the window or press Ctrl+C to stop; what is recorded is kept).`,
      );
    }
    const name = env.spec.id
      .replace(/^web:/, "")
      .replace(/^.*\//, "")
      .replace(/\.html?$/, "");
    const write = async () =>
      writeMinari(
        out,
        new Dataset({
          id: before?.id ?? `web/${name}-v0`,
          episodes: kept,
          observationSpace: env.observationSpace,
          actionSpace: env.actionSpace,
          envSpec: env.spec,
        }),
        {
          algorithmName:
            driver === "expert" ? "mimic web record --driver expert" : "mimic web record (person)",
        },
      );
    const recorded = await recordWebEpisodes({
      env,
      episodes,
      seed,
      ...(actor === null ? {} : { drive: expertDriver(env, actor) }),
      onWarning: (w) => io.err(`warning: ${w}`),
      onEpisode: async (episode, index) => {
        kept.push(episode);
        await write();
        const reward = episode.rewards.at(-1)!;
        io.err(
          `episode ${index + 1}/${episodes} (seed ${episode.seed}): ${episode.length} action${episode.length === 1 ? "" : "s"}, reward ${reward.toFixed(2)}${reward > 0 ? "" : " (failed: kept; filter with mimic data)"}`,
        );
      },
    });
    const successes = recorded.filter((e) => e.rewards.at(-1)! > 0).length;
    io.out(
      `recorded ${recorded.length} episode${recorded.length === 1 ? "" : "s"} of ${env.spec.id} (${successes} succeeded) → ${displayPath(out)} (${kept.length} in all)`,
    );
    return recorded.length === episodes ? 0 : 1;
  } finally {
    await env.close();
  }
}
