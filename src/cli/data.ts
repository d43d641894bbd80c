/**
 * @module
 * `mimic data`: inspect and prepare datasets (info, filter, split, merge, convert).
 */
import { Box } from "../core/spaces/index.js";
import { layoutFor } from "../data/columns.js";
import type { ColumnStats, Dataset } from "../data/dataset.js";
import { contentHash } from "../data/hash.js";
import { loadDataset, saveDataset } from "../data/store.js";
import { type FlagValues, numberFlag, parseFlags, requiredFlag, UsageError } from "./args.js";
import { table } from "./envs.js";

export const dataHelp = `Usage: mimic data <command> [options]

Inspect and prepare datasets. A dataset path is a directory in Minari's HDF5 layout or a .jsonl file.

Commands:
  info <path> [--json]                   episodes, steps, returns, observation and action statistics
  filter <path> --out <path> [criteria]  keep episodes by return, length or termination
  split <path> --out <prefix> [...]      train/validation/test split, or k folds, by episode
  merge <path> <path>... --out <path>    concatenate datasets with the same spaces
  convert <path> <path>                  between Minari HDF5 (directory) and JSONL (.jsonl file)

Run 'mimic data <command> --help' for a command's options.
`;

const infoHelp = `Usage: mimic data info <path> [--json]

Print a dataset's statistics: episodes, steps, return mean/std/min/max, mean length, and per-dimension
observation and action mean, std, min and max, with the content hash a training run records.

Options:
  --json      print JSON (camelCase keys: episodes, steps, returnMean, …)
  -h, --help  show this help
`;

const filterHelp = `Usage: mimic data filter <path> --out <path> [criteria]

Keep the episodes that meet every criterion given, then optionally take the best or a sample.

Options:
  --min-return <R>   keep episodes with return ≥ R
  --max-return <R>   keep episodes with return ≤ R
  --min-length <N>   keep episodes with at least N steps
  --max-length <N>   keep episodes with at most N steps
  --terminated       keep only episodes that reached a terminal state
  --drop-nonfinite   cut episodes before their first NaN or Inf step (reports how many)
  --top-k <K>        then keep the K episodes with the highest return
  --sample <K>       then keep K episodes drawn at random (with --seed)
  --seed <S>         seed for --sample (default 0)
  --out <path>       where to write the result
  -h, --help         show this help
`;

const splitHelp = `Usage: mimic data split <path> --out <prefix> [--train F --validation F --test F | --folds K] [--seed S]

Split by episode. With fractions, writes <prefix>-train, <prefix>-validation and <prefix>-test (empty
parts are skipped). With --folds K, writes <prefix>-fold<i>-train and <prefix>-fold<i>-validation.
A .jsonl prefix writes .jsonl files.

Options:
  --train <F>        fraction of episodes for training (default 0.8)
  --validation <F>   fraction for validation (default 0.2, or what train and test leave)
  --test <F>         fraction for testing (default 0)
  --folds <K>        k-fold split instead of fractions
  --seed <S>         seed of the shuffle (default 0)
  --out <prefix>     output prefix, e.g. datasets/cartpole
  -h, --help         show this help
`;

const mergeHelp = `Usage: mimic data merge <path> <path>... --out <path>

Concatenate datasets with the same spaces; episodes are renumbered.

Options:
  --out <path>  where to write the result
  --id <id>     dataset id of the result (default: the first dataset's)
  -h, --help    show this help
`;

const convertHelp = `Usage: mimic data convert <from> <to>

Convert between Minari's HDF5 layout (a directory) and JSONL (a file ending in .jsonl).

Example:
  mimic data convert datasets/cartpole-expert cartpole.jsonl
`;

async function load(path: string, err: (text: string) => void): Promise<Dataset> {
  const { dataset, warnings } = await loadDataset(path);
  for (const warning of warnings) err(`warning: ${warning}`);
  return dataset;
}

type Io = { out: (text: string) => void; err: (text: string) => void };

function withPath(command: string, positionals: string[], count: number | "many", usage: string): string[] {
  if (count === "many" ? positionals.length < 1 : positionals.length !== count) {
    throw new UsageError(
      `data ${command}`,
      `expected ${usage}, got ${positionals.length === 0 ? "none" : positionals.map((p) => JSON.stringify(p)).join(" ")}.`,
    );
  }
  return positionals;
}

/** A statistic for the table: 4 decimals, or exponent notation when very large or small. */
function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

async function info(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    "data info",
    argv,
    { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    true,
  );
  if (values.help) {
    io.out(infoHelp);
    return 0;
  }
  const [path] = withPath("info", positionals, 1, "one dataset path");
  const dataset = await load(path!, io.err);
  const stats = dataset.stats();
  const summary = {
    id: dataset.id,
    envId: dataset.envSpec?.id ?? null,
    envOptions: dataset.envSpec?.kwargs ?? null,
    observationSpace: String(dataset.observationSpace),
    actionSpace: String(dataset.actionSpace),
    ...stats,
    hash: contentHash(dataset),
  };
  if (values.json) {
    io.out(
      JSON.stringify(
        summary,
        (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
        2,
      ),
    );
    return 0;
  }
  io.out(
    [
      `dataset      ${summary.id}`,
      `env          ${summary.envId ?? "-"}${summary.envOptions ? ` ${JSON.stringify(summary.envOptions)}` : ""}`,
      `spaces       observation ${summary.observationSpace}, action ${summary.actionSpace}`,
      `episodes     ${stats.episodes} (${stats.terminatedEpisodes} terminated, ${stats.truncatedEpisodes} truncated)`,
      `steps        ${stats.steps} (mean length ${stats.lengthMean.toFixed(1)})`,
      `return       mean ${fmt(stats.returnMean)}, std ${fmt(stats.returnStd)}, min ${fmt(stats.returnMin)}, max ${fmt(stats.returnMax)}`,
      `hash         ${summary.hash}`,
      "",
      table(
        ["column", "mean", "std", "min", "max"],
        [
          ...observationRows(dataset, stats.observations),
          ...stats.actions.mean.map((_, d) => [
            `action[${d}]`,
            ...(["mean", "std", "min", "max"] as const).map((k) => fmt(stats.actions[k][d]!)),
          ]),
        ],
      ),
    ].join("\n"),
  );
  return 0;
}

/**
 * The observation rows of `data info`: one per dimension; for a Dict or Tuple space, one per
 * dimension of each small leaf (`obs.state[0]`) and one pooled row for a leaf of more than 8
 * values (`obs.image (84×84×3)`), so an image does not print thousands of rows.
 */
function observationRows(dataset: Dataset, o: ColumnStats): string[][] {
  const keys = ["mean", "std", "min", "max"] as const;
  const layout = layoutFor(dataset.observationSpace, "observation");
  if (!layout.composite) return o.mean.map((_, d) => [`obs[${d}]`, ...keys.map((k) => fmt(o[k][d]!))]);
  return layout.leaves.flatMap((leaf) => {
    const dims = Array.from({ length: leaf.column.dim }, (_, i) => leaf.offset + i);
    const name = `obs.${leaf.path.replaceAll("/", ".")}`;
    if (dims.length <= 8) return dims.map((d, i) => [`${name}[${i}]`, ...keys.map((k) => fmt(o[k][d]!))]);
    // Pooled over the leaf's values (every dimension has the same number of rows).
    const mean = dims.reduce((sum, d) => sum + o.mean[d]!, 0) / dims.length;
    const square = dims.reduce((sum, d) => sum + o.std[d]! ** 2 + o.mean[d]! ** 2, 0) / dims.length;
    const shape = leaf.space instanceof Box ? leaf.space.shape.join("×") : String(dims.length);
    return [
      [
        `${name} (${shape})`,
        fmt(mean),
        fmt(Math.sqrt(Math.max(0, square - mean ** 2))),
        fmt(Math.min(...dims.map((d) => o.min[d]!))),
        fmt(Math.max(...dims.map((d) => o.max[d]!))),
      ],
    ];
  });
}

async function filter(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    "data filter",
    argv,
    {
      "min-return": { type: "string" },
      "max-return": { type: "string" },
      "min-length": { type: "string" },
      "max-length": { type: "string" },
      terminated: { type: "boolean" },
      "drop-nonfinite": { type: "boolean" },
      "top-k": { type: "string" },
      sample: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    true,
  );
  if (values.help) {
    io.out(filterHelp);
    return 0;
  }
  const [path] = withPath("filter", positionals, 1, "one dataset path");
  const out = requiredFlag("data filter", values, "out", "datasets/best");
  const num = (name: string, kind: "number" | "positive-integer") =>
    numberFlag("data filter", values, name, kind);
  let dataset = await load(path!, io.err);
  const before = dataset.episodes.length;
  if (values["drop-nonfinite"]) {
    const cleaned = dataset.dropNonFinite();
    dataset = cleaned.dataset;
    io.out(
      `dropped ${cleaned.droppedSteps} non-finite steps (${cleaned.cutEpisodes} episodes cut, ${cleaned.droppedEpisodes} removed)`,
    );
  }
  dataset = dataset.filter({
    minReturn: num("min-return", "number"),
    maxReturn: num("max-return", "number"),
    minLength: num("min-length", "positive-integer"),
    maxLength: num("max-length", "positive-integer"),
    terminated: values.terminated ? true : undefined,
  });
  const topK = num("top-k", "positive-integer");
  if (topK !== undefined) dataset = dataset.topK(topK);
  const sample = num("sample", "positive-integer");
  if (sample !== undefined)
    dataset = dataset.sample(
      Math.min(sample, dataset.episodes.length),
      numberFlag("data filter", values, "seed", "integer") ?? 0,
    );
  await saveDataset(out, dataset.withEpisodes(dataset.episodes.map((e, i) => e.withId(i))));
  io.out(`kept ${dataset.episodes.length} of ${before} episodes (${dataset.totalSteps} steps) → ${out}`);
  return 0;
}

function partPath(prefix: string, part: string): string {
  return prefix.endsWith(".jsonl") ? `${prefix.slice(0, -6)}-${part}.jsonl` : `${prefix}-${part}`;
}

async function split(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    "data split",
    argv,
    {
      train: { type: "string" },
      validation: { type: "string" },
      test: { type: "string" },
      folds: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    true,
  );
  if (values.help) {
    io.out(splitHelp);
    return 0;
  }
  const [path] = withPath("split", positionals, 1, "one dataset path");
  const prefix = requiredFlag("data split", values, "out", "datasets/cartpole");
  const seed = numberFlag("data split", values, "seed", "integer") ?? 0;
  const dataset = await load(path!, io.err);
  const renumber = (d: Dataset) => d.withEpisodes(d.episodes.map((e, i) => e.withId(i)));
  const folds = numberFlag("data split", values, "folds", "positive-integer");
  if (folds !== undefined) {
    const parts = dataset.kFold(folds, seed);
    for (const [i, part] of parts.entries()) {
      await saveDataset(partPath(prefix, `fold${i}-train`), renumber(part.train));
      await saveDataset(partPath(prefix, `fold${i}-validation`), renumber(part.validation));
    }
    io.out(
      `wrote ${folds} folds of ${dataset.episodes.length} episodes → ${partPath(prefix, "fold<i>-{train,validation}")}`,
    );
    return 0;
  }
  const fractions = fractionsFrom(values);
  const parts = dataset.split(fractions, seed);
  const lines: string[] = [];
  for (const [name, part] of Object.entries(parts)) {
    if (part.episodes.length === 0) continue;
    const target = partPath(prefix, name);
    await saveDataset(target, renumber(part));
    lines.push(`${name}: ${part.episodes.length} episodes, ${part.totalSteps} steps → ${target}`);
  }
  io.out(lines.join("\n"));
  return 0;
}

function fractionsFrom(values: FlagValues): { train: number; validation: number; test: number } {
  const get = (name: string) => numberFlag("data split", values, name, "fraction");
  const train = get("train");
  const validation = get("validation");
  const test = get("test") ?? 0;
  const t = train ?? (validation === undefined ? 0.8 : 1 - validation - test);
  const v = validation ?? Math.max(0, 1 - t - test);
  if (Math.abs(t + v + test - 1) > 1e-9) {
    throw new UsageError(
      "data split",
      `--train, --validation and --test must sum to 1, got ${t} + ${v} + ${test}.`,
    );
  }
  return { train: t, validation: v, test };
}

async function merge(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    "data merge",
    argv,
    { out: { type: "string" }, id: { type: "string" }, help: { type: "boolean", short: "h" } },
    true,
  );
  if (values.help) {
    io.out(mergeHelp);
    return 0;
  }
  const paths = withPath("merge", positionals, "many", "two or more dataset paths");
  if (paths.length < 2) throw new UsageError("data merge", "expected two or more dataset paths to merge.");
  const out = requiredFlag("data merge", values, "out", "datasets/merged");
  const datasets = [];
  for (const path of paths) datasets.push(await load(path, io.err));
  const merged = datasets[0]!.merge(datasets.slice(1), typeof values.id === "string" ? values.id : undefined);
  await saveDataset(out, merged);
  io.out(
    `merged ${paths.length} datasets: ${merged.episodes.length} episodes, ${merged.totalSteps} steps → ${out}`,
  );
  return 0;
}

async function convert(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    "data convert",
    argv,
    { help: { type: "boolean", short: "h" } },
    true,
  );
  if (values.help) {
    io.out(convertHelp);
    return 0;
  }
  const [from, to] = withPath("convert", positionals, 2, "two paths: <from> <to>");
  const dataset = await load(from!, io.err);
  await saveDataset(to!, dataset);
  io.out(`converted ${dataset.episodes.length} episodes, ${dataset.totalSteps} steps: ${from} → ${to}`);
  return 0;
}

const subcommands: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  info,
  filter,
  split,
  merge,
  convert,
};

export async function runData(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    io.out(dataHelp);
    return name === undefined ? 2 : 0;
  }
  const run = subcommands[name];
  if (!run) {
    const { closest } = await import("../core/registry.js");
    const hint = closest(name, Object.keys(subcommands));
    throw new UsageError(
      "data",
      `unknown command ${JSON.stringify(name)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : "."}`,
    );
  }
  return run(rest, io);
}
