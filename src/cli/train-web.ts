/**
 * @module
 * `mimic train bc-dom` and `mimic train dagger-dom`: a DOM policy (attention over the page's
 * elements, a pointer head over elements, fields and keys) for web tasks, by behavior cloning from
 * recorded demonstrations (one task or several in one policy), or by DAgger with the task's
 * scripted expert. Both train into a run directory (manifest.json, metrics.jsonl, checkpoints/,
 * policy/ with policy.json and env.json, evaluation.json, report.html; DAgger adds rounds/, each
 * round's labelled episodes) that `--resume` continues after a kill. Evaluation is the success rate with its 95% interval on new
 * seeds of every task, in headless Chromium.
 */
import { join } from "node:path";
import { parseConfig } from "../algorithms/bc-common.js";
import type { Dataset } from "../data/dataset.js";
import { loadDataset } from "../data/store.js";
import { type FlagValues, numberFlag, parseFlags, requiredFlag, setNumberFlags, UsageError } from "./args.js";
import { summarizeEvaluation } from "./eval.js";
import { displayPath, progressBar } from "./progress.js";
import { flagsOfConfig, givenFlags, refuseChangedFlags, sameDatasets } from "./resume-flags.js";
import { commonConfig } from "./train-encoders.js";
import { evaluateWebTasks } from "./web-eval.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

const modelHelp = `  --epochs <N>           passes over the data per training (default 80)
  --batch-size <N>       transitions per minibatch (default 16)
  --lr <x>               Adam learning rate (default 0.003)
  --width <N>            item embedding and attention width (default 64)
  --heads <N>            attention heads (default 4)
  --validation <f>       fraction of episodes held out to pick the best epoch (default 0.2)
  --seed <S>             seed of initialization, split, shuffles and rollouts (default 0)
  --eval-episodes <N>    evaluation episodes per task on new seeds (default 50; 0 skips)
  --eval-seed <S>        seed of the first evaluation episode (default 1000)
  --chromium <path>      the Chromium executable (default: /usr/bin/chromium and the usual places)`;

export const bcDomHelp = `Usage: mimic train bc-dom --dataset <path>[,<path>…] --out <dir> [options]

Behavior cloning of a DOM policy for web tasks: each element of the page (tag, text, value, box,
flags, its relations to the instruction's fields) is an item; self-attention mixes them with the
instruction; a pointer head scores every click(element), type(element, field) and key. Several
datasets (of several tasks) train one policy. After training it plays every task on new seeds
in headless Chromium and reports the success rate with its 95% interval.

Options:
  --dataset <paths>      web datasets (mimic web record), comma-separated
  --out <dir>            run directory: manifest.json, metrics.jsonl, checkpoints/, policy/
                         (policy.json, env.json), evaluation.json, report.html
${modelHelp}
  --patience <N>         epochs without a better validation loss before stopping (default 0 = never)
  --checkpoint-every <N> also save a checkpoint every N minibatches (default: at each epoch's end)
  --resume               continue the run in --out from its last checkpoint (its own datasets,
                         config and evaluation settings); it ends with the weights an
                         uninterrupted run would have
  --overwrite            replace an existing run in --out
  -h, --help             show this help

Example:
  mimic web record --task login-user --episodes 10 --driver expert --out datasets/login-user
  mimic train bc-dom --dataset datasets/login-user --out runs/login-user-dom
  mimic train bc-dom --out runs/login-user-dom --resume     # after a kill
`;

export const daggerDomHelp = `Usage: mimic train dagger-dom --task <name> --out <dir> [options]

DAgger for a built-in web task, with its scripted expert labelling every page the learner visits:
round i plays --episodes-per-round episodes of a mixture of expert and learner (β from 1 to 0),
adds the expert's labels, and retrains the DOM policy on everything (BC-DOM's options apply).

Options:
  --task <name>          a built-in web task (mimic web tasks)
  --dataset <path>       demonstrations to start from (optional)
  --rounds <N>           DAgger rounds (default 3)
  --episodes-per-round <N>  episodes rolled out per round (default 5)
  --out <dir>            run directory: manifest.json, metrics.jsonl (one line per round),
                         rounds/round-<i>/ (the episodes round i added, labelled by the expert),
                         checkpoints/ (one per finished round), policy/ (policy.json, env.json),
                         evaluation.json, report.html
${modelHelp}
  --resume               continue the run in --out after its last finished round (its own task,
                         demonstrations, config and evaluation settings); the tasks' pages are
                         seeded, so it ends where an uninterrupted run ends
  --overwrite            replace an existing run in --out
  -h, --help             show this help

Example:
  mimic train dagger-dom --task click-checkboxes --rounds 3 --out runs/checkboxes-dagger
  mimic train dagger-dom --out runs/checkboxes-dagger --resume     # after a kill
`;

const flags = {
  out: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  lr: { type: "string" },
  width: { type: "string" },
  heads: { type: "string" },
  validation: { type: "string" },
  seed: { type: "string" },
  "eval-episodes": { type: "string" },
  "eval-seed": { type: "string" },
  chromium: { type: "string" },
  overwrite: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** BC-DOM's config from the flags: BC's common ones (train-encoders.ts), then the network's. */
function bcConfig(command: string, values: FlagValues): Record<string, unknown> {
  const config = commonConfig(command, values);
  setNumberFlags(command, values, config, [
    ["width", "width", "positive-integer"],
    ["heads", "heads", "positive-integer"],
  ]);
  if (
    config.width !== undefined &&
    config.heads !== undefined &&
    (config.width as number) % (config.heads as number)
  )
    throw new UsageError(command, "--heads must divide --width.");
  return config;
}

/** Loads comma-separated web datasets and merges them (their sizes must agree). */
async function loadWebDatasets(
  command: string,
  paths: string,
  io: Io,
): Promise<{ dataset: Dataset; tasks: string[] }> {
  const { isWebEnvId } = await import("../envs/web/tasks.js");
  const list = paths
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new UsageError(command, "--dataset names one or more datasets, comma-separated.");
  const datasets: Dataset[] = [];
  const tasks: string[] = [];
  for (const path of list) {
    const { dataset, warnings } = await loadDataset(path);
    for (const w of warnings) io.err(`warning: ${path}: ${w}`);
    const id = dataset.envSpec?.id;
    if (id === undefined || !isWebEnvId(id)) {
      throw new UsageError(
        command,
        `${path} is not a web dataset (its env is ${id ?? "not named"}); record one with mimic web record.`,
      );
    }
    if (dataset.episodes.length === 0) throw new UsageError(command, `${path} has no episodes.`);
    datasets.push(dataset);
    if (!tasks.includes(id)) tasks.push(id);
  }
  const [first, ...rest] = datasets;
  const merged = rest.length === 0 ? first! : first!.merge(rest, "web/multi-task-v0");
  return { dataset: merged, tasks };
}

export async function runWebTrain(
  algorithm: "bc-dom" | "dagger-dom",
  argv: string[],
  io: Io,
): Promise<number> {
  const command = `train ${algorithm}`;
  const { values } = parseFlags(
    command,
    argv,
    algorithm === "bc-dom"
      ? {
          ...flags,
          dataset: { type: "string" },
          patience: { type: "string" },
          "checkpoint-every": { type: "string" },
          resume: { type: "boolean" },
        }
      : {
          ...flags,
          task: { type: "string" },
          dataset: { type: "string" },
          rounds: { type: "string" },
          "episodes-per-round": { type: "string" },
          resume: { type: "boolean" },
        },
  );
  if (values.help) {
    io.out(algorithm === "bc-dom" ? bcDomHelp : daggerDomHelp);
    return 0;
  }
  const out = requiredFlag(command, values, "out", `runs/${algorithm}`);
  const resume = values.resume === true;
  const bc = bcConfig(command, values);
  const evalEpisodes = numberFlag(command, values, "eval-episodes", "integer") ?? 50;
  if (evalEpisodes < 0) throw new UsageError(command, "--eval-episodes must be ≥ 0.");
  const evalSeed = numberFlag(command, values, "eval-seed", "integer") ?? 1000;
  const chromium = typeof values.chromium === "string" ? values.chromium : undefined;
  /** DAgger-DOM's own settings (the BC-DOM ones go under `bc`). */
  const dagger =
    algorithm === "dagger-dom"
      ? setNumberFlags(command, values, {}, [
          ["rounds", "rounds", "positive-integer"],
          ["episodes-per-round", "episodesPerRound", "positive-integer"],
          ["seed", "seed", "integer"],
        ])
      : {};
  if (resume) {
    // The run's task, datasets, config and evaluation settings hold; a flag that would change them
    // is refused. --chromium is not a setting of the run and may change.
    await refuseChangedFlags(command, out, algorithm, [
      ...(algorithm === "bc-dom"
        ? flagsOfConfig(bc, ["bc-dom"])
        : [...flagsOfConfig(bc, ["dagger-dom", "bc"]), ...flagsOfConfig(dagger, ["dagger-dom"])]),
      ...givenFlags([
        ["task", ["task"], typeof values.task === "string" ? values.task : undefined],
        [
          "dataset",
          ["dataset"],
          typeof values.dataset === "string" ? values.dataset : undefined,
          sameDatasets,
        ],
        ["eval-episodes", ["evalEpisodes"], numberFlag(command, values, "eval-episodes", "integer")],
        ["eval-seed", ["evalSeed"], numberFlag(command, values, "eval-seed", "integer")],
      ]),
    ]);
  }
  /** A trained DOM policy on each task, in Chromium: the run's evaluation and its file. */
  const evaluateOnTasks = async (
    policy: unknown,
    tasks: readonly string[],
    options: { episodes: number; seed: number },
  ) => {
    const results = await evaluateWebTasks(
      policy,
      tasks,
      { ...options, chromium, progress: true },
      () => undefined,
    );
    return { results, file: { seed: options.seed, tasks: results } };
  };
  if (algorithm === "bc-dom") {
    const { bcDomConfigSchema, trainBcDom } = await import("../algorithms/bc-dom.js");
    const { trainBcVariantRun } = await import("../runs/bc-variant-pipeline.js");
    let bar: ReturnType<typeof progressBar> | null = null;
    const endBar = () => {
      bar?.finish();
      bar = null;
    };
    let loaded: { dataset: Dataset; tasks: string[] } | null = null;
    const result = await trainBcVariantRun({
      algorithm: "bc-dom",
      out,
      // A resumed run takes its datasets, config and evaluation settings from its manifest.
      dataset: resume ? undefined : requiredFlag(command, values, "dataset", "datasets/login-user"),
      config: bc,
      resolveConfig: (c) => parseConfig(bcDomConfigSchema, c, "BC (DOM)"),
      resume,
      overwrite: values.overwrite === true,
      evalEpisodes,
      evalSeed,
      command: ["mimic", "train", algorithm, ...argv],
      load: async (paths) => {
        loaded = await loadWebDatasets(command, paths, io);
        // The tasks the policy was trained for: `mimic eval` plays them by default.
        const envFile = { envId: loaded.tasks[0]!, tasks: loaded.tasks };
        return { dataset: loaded.dataset, envId: loaded.tasks[0]!, envFile };
      },
      train: trainBcDom,
      evaluate: async (policy, data, options) => {
        endBar();
        return evaluateOnTasks(policy, data.envFile.tasks as string[], options);
      },
      onEpoch: (r, epochs) => {
        bar ??= progressBar(command, epochs);
        bar.update(r.epoch, `loss ${r.trainLoss.toFixed(4)}  acc ${(100 * r.trainAccuracy).toFixed(0)}%`);
      },
    });
    endBar();
    const data = loaded as { dataset: Dataset; tasks: string[] } | null;
    io.out(
      [
        `${result.resumedFrom !== null ? `resumed from minibatch ${result.resumedFrom}; ` : ""}trained ${result.history.length} epochs on ${data?.dataset.episodes.length} episodes (${data?.dataset.totalSteps} steps) of ${data?.tasks.join(", ")} (best epoch ${result.bestEpoch}), final train loss ${result.history.at(-1)?.trainLoss.toFixed(4) ?? "-"}`,
        ...Object.values(result.evaluation).map(summarizeEvaluation),
        `policy  ${displayPath(join(result.policyDir, "policy.json"))}`,
        `report  ${displayPath(result.reportPath)}`,
      ].join("\n"),
    );
    return 0;
  }
  const { createWebEnv } = await import("../envs/web/web-env.js");
  const { isWebTaskName } = await import("../envs/web/tasks.js");
  const { webActor } = await import("../experts/web.js");
  const { trainDaggerDomRun } = await import("../runs/dagger-dom-pipeline.js");
  // A resumed run takes its task, demonstrations, config and evaluation settings from its manifest.
  const task = resume ? undefined : requiredFlag(command, values, "task", "click-checkboxes");
  if (task !== undefined && !isWebTaskName(task)) {
    throw new UsageError(
      command,
      `--task ${task} has no scripted expert; DAgger needs one of mimic web tasks.`,
    );
  }
  const config: Record<string, unknown> = { bc, evalEpisodes: 0, ...dagger };
  let bar: ReturnType<typeof progressBar> | null = null;
  const result = await trainDaggerDomRun({
    out,
    task,
    dataset: typeof values.dataset === "string" ? values.dataset : null,
    config,
    resume,
    overwrite: values.overwrite === true,
    evalEpisodes,
    evalSeed,
    command: ["mimic", "train", algorithm, ...argv],
    open: async (name) => {
      const env = await createWebEnv({
        task: name,
        reward: "raw",
        ...(chromium === undefined ? {} : { executablePath: chromium }),
      });
      return { env, expert: webActor(name), close: () => env.close() };
    },
    load: async (paths) => (await loadWebDatasets(command, paths, io)).dataset,
    evaluate: evaluateOnTasks,
    onRound: (r, rounds) => {
      bar ??= progressBar(command, rounds);
      bar.update(
        r.round,
        `β ${r.beta.toFixed(2)}  steps ${r.totalSteps}  rollout success ${(100 * r.rolloutSuccess).toFixed(0)}%`,
      );
      if (r.round === rounds) {
        bar.finish();
        bar = null;
      }
    },
  });
  (bar as ReturnType<typeof progressBar> | null)?.finish();
  io.out(
    [
      `${result.resumedAfter !== null ? `resumed after round ${result.resumedAfter}; ` : ""}DAgger: ${result.rounds.length} rounds, ${result.episodes} episodes, ${result.steps} labelled steps → ${displayPath(join(result.run, "rounds"))}`,
      ...Object.values(result.evaluation).map(summarizeEvaluation),
      `policy  ${displayPath(join(result.policyDir, "policy.json"))}`,
      `report  ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}
