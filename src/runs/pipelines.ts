/**
 * @module
 * The workflows behind `mimic train bc`, `mimic eval`, `mimic tune bc` and `mimic quickstart`:
 * load a dataset, train into a run directory (with checkpoints and resume), evaluate, and write the
 * report. They report progress through callbacks and never print; the CLI does the talking.
 */
import { join } from "node:path";
import {
  type BcCheckpoint,
  type BcConfig,
  type BcRecord,
  resolveBcConfig,
  type TrainBcOptions,
  trainBc,
} from "../algorithms/bc.js";
import { InvalidOptionError, RunDirectoryError, ShapeMismatchError } from "../core/errors.js";
import { knownEnvOptions, make } from "../core/registry.js";
import { collect } from "../data/collect.js";
import { Dataset } from "../data/dataset.js";
import { contentHash } from "../data/hash.js";
import { loadDataset, saveDataset } from "../data/store.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { type ActionAgreement, actionAgreement } from "../eval/metrics.js";
import { randomPolicy } from "../eval/random-policy.js";
import { scriptedExpert } from "../experts/index.js";
import { compilePolicy } from "../nn/compile.js";
import { engineVersions } from "../nn/engine.js";
import { NeuralPolicy } from "../nn/policy.js";
import { metricsPlot, type ReportEvaluation, type ReportTable } from "./report.js";
import { RunDirectory } from "./run-directory.js";
import {
  checkpointName,
  readTrainingCheckpoint,
  type SavedTraining,
  saveTrainingCheckpoint,
} from "./training-checkpoints.js";

export interface TrainProgress {
  /** Minibatches done and planned (planned assumes no early stop). */
  batch: number;
  totalBatches: number;
  loss: number;
  epoch?: BcRecord;
}

export interface TrainBcRunOptions {
  /** Path of the dataset (Minari directory or .jsonl). */
  dataset: string;
  /** The run directory to create (or to resume). */
  out: string;
  config?: BcConfig;
  /** Continue the run in `out` from its latest checkpoint (its saved config wins). */
  resume?: boolean;
  /** Replace an existing run in `out`. */
  overwrite?: boolean;
  /** Evaluation episodes after training (0 skips evaluation). */
  evalEpisodes?: number;
  /** Seed of evaluation episode 0; episode k uses seed + k. */
  evalSeed?: number;
  /** The command line, for the manifest. */
  command?: string[];
  onProgress?: (progress: TrainProgress) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface TrainBcRunResult {
  run: string;
  policyDir: string;
  reportPath: string;
  history: BcRecord[];
  evaluation: EvalResult | null;
  stoppedEarly: boolean;
  resumedFrom: number | null;
  /** The held-out action agreement, with its report table (null without validation episodes). */
  agreement: { result: ActionAgreement; table: ReportTable } | null;
}

/** Loads a dataset and checks it against its env: the env must exist and its spaces must match. */
export async function loadTrainingData(
  path: string,
  onWarning?: (message: string) => void,
): Promise<{ dataset: Dataset; envId: string; envOptions: Record<string, unknown> }> {
  const { dataset, warnings } = await loadDataset(path);
  for (const w of warnings) onWarning?.(w);
  if (dataset.episodes.length === 0) {
    throw new ShapeMismatchError(`${path}: the dataset has no episodes; record some with \`mimic collect\`.`);
  }
  const envId = dataset.envSpec?.id;
  if (!envId) {
    throw new InvalidOptionError(
      "dataset",
      `${path}: the dataset's metadata names no environment (env_spec), so mimic cannot evaluate a policy trained on it.`,
    );
  }
  // The env the data was recorded in: its id and its own options (a GridWorld layout).
  const envOptions = knownEnvOptions(envId, dataset.envSpec?.kwargs, (m) => onWarning?.(`${path}: ${m}`));
  let env: ReturnType<typeof make>;
  try {
    env = make(envId, envOptions);
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    throw new InvalidOptionError(
      "dataset",
      `${path}: the dataset's env options (env_spec.kwargs) do not make a ${envId}: ${error.message}`,
      { cause: error },
    );
  }
  for (const [what, ours, theirs] of [
    ["observation", dataset.observationSpace, env.observationSpace],
    ["action", dataset.actionSpace, env.actionSpace],
  ] as const) {
    if (String(ours) !== String(theirs)) {
      throw new ShapeMismatchError(
        `${path}: the dataset's ${what} space ${ours} does not match ${envId}'s ${theirs}. Was it recorded with another version of the env?`,
      );
    }
  }
  env.close();
  return { dataset, envId, envOptions };
}

/** Trains BC on a dataset into a run directory, evaluates the policy, and writes the report. */
export async function trainBcRun(options: TrainBcRunOptions): Promise<TrainBcRunResult> {
  let evalEpisodes = options.evalEpisodes ?? 50;
  let evalSeed = options.evalSeed ?? 1000;
  if (!Number.isInteger(evalEpisodes) || evalEpisodes < 0) {
    throw new InvalidOptionError(
      "evalEpisodes",
      `evalEpisodes must be a non-negative integer, got ${evalEpisodes}.`,
    );
  }
  let run: RunDirectory;
  let config = resolveBcConfig(options.config);
  let resume: TrainBcOptions["resume"];
  let resumedFrom: number | null = null;
  let datasetPath = options.dataset;
  if (options.resume) {
    const reopened = await RunDirectory.resume<SavedTraining<BcCheckpoint>>(options.out, "bc", {
      missing: "no checkpoint to resume from (it was stopped before its first one)",
      step: (checkpoint) => (checkpoint.bc as BcCheckpoint).batch,
    });
    run = reopened.run;
    const saved = reopened.config as unknown as {
      bc: BcConfig;
      dataset: string;
      evalEpisodes?: number;
      evalSeed?: number;
    };
    config = resolveBcConfig(saved.bc);
    datasetPath = saved.dataset;
    // The run's evaluation holds too, so a resumed run reports what the uninterrupted one would.
    evalEpisodes = saved.evalEpisodes ?? evalEpisodes;
    evalSeed = saved.evalSeed ?? evalSeed;
    const {
      state: bc,
      weights,
      bestWeights,
    } = readTrainingCheckpoint<BcCheckpoint>(reopened.checkpoint, "bc", options.out);
    resume = { checkpoint: bc, weights, bestWeights };
    resumedFrom = bc.batch;
  }
  const { dataset, envId, envOptions } = await loadTrainingData(datasetPath, options.onWarning);
  if (!options.resume) {
    run = await RunDirectory.create(options.out, {
      command: options.command ?? [],
      config: { algorithm: "bc", dataset: datasetPath, env: envId, bc: config, evalEpisodes, evalSeed },
      seeds: { train: config.seed, eval: evalSeed },
      datasetHash: contentHash(dataset),
      versions: engineVersions(),
      overwrite: options.overwrite,
    });
  }
  run = run!;
  try {
    const batchesPerEpoch = Math.ceil(dataset.totalSteps / Math.min(config.batchSize, dataset.totalSteps));
    const totalBatches = config.batches ?? config.epochs * batchesPerEpoch;
    const result = await trainBc(dataset, config, {
      envId,
      envOptions,
      signal: options.signal,
      resume,
      callbacks: {
        onBatchEnd: (batch, loss) => options.onProgress?.({ batch, totalBatches, loss }),
        onEpochEnd: (record) => {
          run.log(record.batch, {
            epoch: record.epoch,
            train_loss: record.trainLoss,
            train_nll: record.trainNll,
            entropy: record.entropy,
            ...(record.validationLoss === null ? {} : { validation_loss: record.validationLoss }),
          });
          options.onProgress?.({ batch: record.batch, totalBatches, loss: record.trainLoss, epoch: record });
        },
        onCheckpoint: (checkpoint, weights, bestWeights) =>
          saveTrainingCheckpoint(run, "bc", checkpointName(checkpoint.batch), {
            state: checkpoint,
            weights,
            bestWeights,
          }),
      },
    });
    if (result.aborted) {
      await run.finish("aborted", { batches: result.history.at(-1)?.batch ?? 0 });
      throw new RunDirectoryError(options.out, `training was aborted; resume it with --resume.`);
    }
    await result.policy.save(run.policyDir);
    // Offline: how often the policy picks the expert's action on the held-out episodes.
    const agreementResult =
      result.validation.episodes.length > 0 ? await actionAgreement(result.policy, result.validation) : null;
    const agreement = agreementResult
      ? { result: agreementResult, table: agreementTable(agreementResult, result.validation.episodes.length) }
      : null;
    if (agreement) run.log(result.history.at(-1)?.batch ?? 0, agreementScalars(agreement.result));
    let evaluation: EvalResult | null = null;
    if (evalEpisodes > 0) {
      // Deterministic evaluation runs the compiled, dependency-free forward pass.
      const compiled = compilePolicy(result.policy);
      evaluation = await evaluate(
        make(envId, envOptions),
        { act: (o: number | ArrayLike<number>) => compiled.act(o) },
        {
          episodes: evalEpisodes,
          seed: evalSeed,
          deterministic: true,
        },
      );
      run.log(result.history.at(-1)?.batch ?? 0, {
        eval_mean_return: evaluation.meanReturn,
        eval_iqm: evaluation.iqm,
        ...(evaluation.normalizedScore === null ? {} : { eval_normalized_score: evaluation.normalizedScore }),
      });
    }
    const reportPath = await run.writeReport(
      bcReport({
        run,
        envId,
        datasetPath,
        dataset,
        history: result.history,
        evaluation,
        config,
        stoppedEarly: result.stoppedEarly,
        parameterCount: result.policy.parameterCount,
      }),
    );
    await run.finish("finished", {
      epochs: result.history.length,
      stoppedEarly: result.stoppedEarly,
      bestValidationLoss: result.bestValidationLoss,
      ...(evaluation
        ? { meanReturn: evaluation.meanReturn, normalizedScore: evaluation.normalizedScore }
        : {}),
    });
    result.policy.dispose();
    return {
      run: run.dir,
      policyDir: run.policyDir,
      reportPath,
      history: result.history,
      evaluation,
      stoppedEarly: result.stoppedEarly,
      resumedFrom,
      agreement,
    };
  } catch (error) {
    if (run.manifest.status === "running")
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
}

function bcReport(input: {
  run: RunDirectory;
  envId: string;
  datasetPath: string;
  dataset: Dataset;
  history: BcRecord[];
  evaluation: EvalResult | null;
  config: unknown;
  stoppedEarly: boolean;
  parameterCount: number;
  extraTables?: ReportTable[];
  extraEvaluations?: ReportEvaluation[];
}) {
  const records = input.run.readMetrics();
  const last = input.history.at(-1);
  return {
    title: `Behavior cloning on ${input.envId}`,
    subtitle: `dataset ${input.datasetPath} (${input.dataset.episodes.length} episodes, ${input.dataset.totalSteps} steps)`,
    status: "finished" as const,
    summary: [
      { label: "epochs", value: input.history.length },
      { label: "final train loss", value: last ? last.trainLoss.toFixed(4) : "-" },
      { label: "best validation loss", value: bestOf(input.history) },
      { label: "parameters", value: input.parameterCount },
      ...(input.evaluation
        ? [
            { label: "mean return", value: input.evaluation.meanReturn.toFixed(1) },
            {
              label: "normalized score",
              value:
                input.evaluation.normalizedScore === null ? "-" : input.evaluation.normalizedScore.toFixed(3),
            },
          ]
        : []),
    ],
    plots: [
      metricsPlot(records, ["train_loss", "validation_loss"], {
        title: "loss",
        xLabel: "minibatch",
        yLabel: "loss",
        dashed: ["validation_loss"],
      }),
    ],
    evaluations: [
      ...(input.evaluation ? [{ name: "BC policy", ...input.evaluation }] : []),
      ...(input.extraEvaluations ?? []),
    ],
    tables: input.extraTables ?? [],
    config: input.config,
    footer: `${input.stoppedEarly ? "Stopped early on validation loss. " : ""}Run directory: ${input.run.dir}`,
  };
}

function agreementScalars(a: ActionAgreement): Record<string, number> {
  return a.kind === "discrete"
    ? { validation_accuracy: a.accuracy, validation_macro_f1: a.macroF1 }
    : { validation_mse: a.mse, validation_mae: a.mae };
}

/** The held-out action agreement as a report table: per-class scores, or per-dimension errors. */
function agreementTable(a: ActionAgreement, episodes: number): ReportTable {
  const caption = `The policy's deterministic action against the expert's, on ${a.samples} held-out steps from ${episodes} validation episodes.`;
  if (a.kind === "discrete") {
    return {
      title: `Action agreement: accuracy ${(100 * a.accuracy).toFixed(1)}%, macro F1 ${a.macroF1.toFixed(3)}`,
      caption,
      columns: [
        "action",
        "precision",
        "recall",
        "F1",
        "support",
        ...a.perClass.map((c) => `predicted ${c.label}`),
      ],
      rows: a.perClass.map((c, i) => [
        String(c.label),
        Number(c.precision.toFixed(4)),
        Number(c.recall.toFixed(4)),
        Number(c.f1.toFixed(4)),
        c.support,
        ...(a.confusion[i] ?? []),
      ]),
    };
  }
  return {
    title: `Action agreement: MSE ${a.mse.toPrecision(4)}, MAE ${a.mae.toPrecision(4)}`,
    caption,
    columns: ["dimension", "MSE", "MAE"],
    rows: a.perDimension.map((d, i) => [i, Number(d.mse.toPrecision(4)), Number(d.mae.toPrecision(4))]),
  };
}

function bestOf(history: readonly BcRecord[]): string {
  const values = history.map((h) => h.validationLoss).filter((v): v is number => v !== null);
  return values.length === 0 ? "-" : Math.min(...values).toFixed(4);
}

/** Loads a trained policy from a run directory (or a policy directory) and evaluates it. */
export async function evaluateRun(options: {
  policy: string;
  episodes?: number;
  seed?: number;
}): Promise<EvalResult> {
  const policy = await NeuralPolicy.load(await resolvePolicyDir(options.policy));
  try {
    const compiled = compilePolicy(policy);
    return await evaluate(
      make(policy.envId, { ...policy.envOptions }),
      { act: (o: number | ArrayLike<number>) => compiled.act(o) },
      {
        episodes: options.episodes ?? 50,
        seed: options.seed ?? 1000,
        deterministic: true,
      },
    );
  } finally {
    policy.dispose();
  }
}

/** A run directory's `policy/`, or `path` itself when it is not a run directory. */
export async function resolvePolicyDir(path: string): Promise<string> {
  return (await isRunDirectory(path)) ? join(path, "policy") : path;
}

async function isRunDirectory(path: string): Promise<boolean> {
  try {
    await RunDirectory.readManifest(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Grid search with k-fold cross-validation
// ---------------------------------------------------------------------------------------------

export interface TuneBcOptions {
  dataset: string;
  out: string;
  /** Each key is a BC config field; each value the list of values to try. */
  grid: Record<string, unknown[]>;
  folds?: number;
  base?: BcConfig;
  evalEpisodes?: number;
  evalSeed?: number;
  command?: string[];
  overwrite?: boolean;
  onCell?: (done: number, total: number, config: BcConfig, meanValidationLoss: number) => void;
  onWarning?: (message: string) => void;
  /**
   * Scores every configuration (each fold's best validation loss, in fold order); by default
   * `crossValidate` on each in turn, here. A distributed grid search (`src/scale/`) runs the same
   * `crossValidate` for each configuration on workers and reports cells as they finish.
   */
  scoreGrid?: (
    configs: readonly BcConfig[],
    folds: { folds: number; seed: number },
    onCell: (index: number, foldLosses: number[]) => void,
  ) => Promise<number[][]>;
  /** More entries for the run manifest's `result` (a distributed search's report of who did what). */
  manifestResult?: () => Record<string, unknown>;
  /** More tables for report.html (a distributed search's workers). */
  reportTables?: () => ReportTable[];
}

export interface TuneCell {
  config: BcConfig;
  foldLosses: number[];
  meanValidationLoss: number;
}

/** Every combination of the grid's values. */
export function gridConfigs(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(grid).reduce<Record<string, unknown>[]>(
    (configs, [key, values]) => configs.flatMap((c) => values.map((v) => ({ ...c, [key]: v }))),
    [{}],
  );
}

/**
 * k-fold cross-validation of one BC configuration: fold i's best validation loss after training
 * on the other folds, in fold order. The folds are `dataset.kFold(folds, seed)`, so every process
 * that loads the same dataset scores a configuration the same way.
 */
export async function crossValidate(
  dataset: Dataset,
  config: BcConfig,
  folds: number,
  seed: number,
): Promise<number[]> {
  const foldLosses: number[] = [];
  for (const part of dataset.kFold(folds, seed)) {
    const result = await trainBc(part.train, config, { validation: part.validation });
    foldLosses.push(result.bestValidationLoss ?? Number.NaN);
    result.policy.dispose();
  }
  return foldLosses;
}

/**
 * Grid search: each configuration trains on k−1 folds and is scored by its best validation loss
 * on the held-out fold, averaged over the folds. The best configuration then trains on the whole
 * dataset into `out` and is evaluated by rollouts; the report holds the results table.
 */
export async function tuneBc(
  options: TuneBcOptions,
): Promise<{ cells: TuneCell[]; best: TuneCell; final: TrainBcRunResult }> {
  const folds = options.folds ?? 5;
  const { dataset } = await loadTrainingData(options.dataset, options.onWarning);
  const configs = gridConfigs(options.grid).map((c) => ({ ...options.base, ...c }) as BcConfig);
  for (const c of configs) resolveBcConfig(c); // fail fast on a bad grid value
  const seed = resolveBcConfig(options.base).seed;
  const parts = dataset.kFold(folds, seed);
  const meanOf = (losses: readonly number[]) => losses.reduce((a, b) => a + b, 0) / losses.length;
  let done = 0;
  const reportCell = (index: number, foldLosses: number[]) => {
    done += 1;
    options.onCell?.(done, configs.length, configs[index]!, meanOf(foldLosses));
  };
  const scoreGrid =
    options.scoreGrid ??
    (async (all: readonly BcConfig[]) => {
      const scores: number[][] = [];
      for (const [index, config] of all.entries()) {
        scores.push(await crossValidate(dataset, config, folds, seed));
        reportCell(index, scores[index]!);
      }
      return scores;
    });
  const scores = await scoreGrid(configs, { folds, seed }, reportCell);
  const cells: TuneCell[] = configs.map((config, index) => ({
    config,
    foldLosses: scores[index]!,
    meanValidationLoss: meanOf(scores[index]!),
  }));
  const bestIndex = cells.reduce(
    (best, c, i) => (c.meanValidationLoss < cells[best]!.meanValidationLoss ? i : best),
    0,
  );
  const best = cells[bestIndex]!;
  const keys = Object.keys(options.grid);
  const table: ReportTable = {
    title: `Grid search: ${folds}-fold cross-validation`,
    caption:
      "Mean of each fold's best validation loss (lower is better). The highlighted row was retrained on the whole dataset.",
    columns: [...keys, "mean validation loss", ...parts.map((_, i) => `fold ${i + 1}`)],
    rows: cells.map((c) => [
      ...keys.map((k) => formatGridValue((c.config as Record<string, unknown>)[k])),
      Number(c.meanValidationLoss.toFixed(5)),
      ...c.foldLosses.map((l) => Number(l.toFixed(5))),
    ]),
    highlightRow: bestIndex,
  };
  const final = await trainBcRun({
    dataset: options.dataset,
    out: options.out,
    config: best.config,
    evalEpisodes: options.evalEpisodes,
    evalSeed: options.evalSeed,
    command: options.command,
    overwrite: options.overwrite,
  });
  // Rewrite the report with the grid-search table added.
  const run = await RunDirectory.open(options.out);
  const policy = await NeuralPolicy.load(run.policyDir);
  await run.writeReport({
    ...bcReport({
      run,
      envId: policy.envId,
      datasetPath: options.dataset,
      dataset,
      history: final.history,
      evaluation: final.evaluation,
      config: { grid: options.grid, folds, best: best.config },
      stoppedEarly: final.stoppedEarly,
      parameterCount: policy.parameterCount,
      extraTables: [
        table,
        ...(final.agreement ? [final.agreement.table] : []),
        ...(options.reportTables?.() ?? []),
      ],
    }),
    title: `Behavior cloning on ${policy.envId}: grid search`,
  });
  await run.finish("finished", {
    ...(run.manifest.result ?? {}),
    grid: cells.map((c) => ({ config: c.config, meanValidationLoss: c.meanValidationLoss })),
    ...options.manifestResult?.(),
  });
  policy.dispose();
  return { cells, best, final };
}

function formatGridValue(value: unknown): string {
  return Array.isArray(value) ? value.join("x") : String(value);
}

// ---------------------------------------------------------------------------------------------
// Quickstart
// ---------------------------------------------------------------------------------------------

export interface QuickstartOptions {
  out: string;
  envId?: string;
  episodes?: number;
  seed?: number;
  evalEpisodes?: number;
  onStage?: (stage: string) => void;
  onProgress?: (progress: TrainProgress) => void;
}

export interface QuickstartResult {
  datasetPath: string;
  train: TrainBcRunResult;
  expert: EvalResult;
  random: EvalResult;
}

/**
 * The main job: record expert episodes, train BC on them, evaluate it against the expert and a
 * random policy over the same seeds, and write the report.
 */
export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const envId = options.envId ?? "CartPole-v1";
  const episodes = options.episodes ?? 10;
  const seed = options.seed ?? 0;
  const evalEpisodes = options.evalEpisodes ?? 50;
  const datasetPath = join(options.out, "demonstrations");
  const runPath = join(options.out, "bc");
  options.onStage?.(`recording ${episodes} expert episodes of ${envId}`);
  const env = make(envId);
  const expertPolicy = scriptedExpert(envId);
  const recorded = await collect(env, expertPolicy, { episodes, seed, deterministic: true });
  const dataset = new Dataset({
    id: `quickstart/${envId.toLowerCase().replace(/-v\d+$/, "")}-expert-v0`,
    episodes: recorded,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  await saveDataset(datasetPath, dataset, {
    algorithmName: `scripted expert (${expertPolicy.name ?? envId})`,
  });
  options.onStage?.("training behavior cloning");
  const train = await trainBcRun({
    dataset: datasetPath,
    out: runPath,
    config: { seed },
    evalEpisodes,
    overwrite: true,
    command: ["mimic", "quickstart"],
    onProgress: options.onProgress,
  });
  options.onStage?.(`evaluating over ${evalEpisodes} episodes`);
  const evalSeed = 1000;
  const expert = await evaluate(make(envId), expertPolicy, { episodes: evalEpisodes, seed: evalSeed });
  const random = await evaluate(make(envId), randomPolicy(env.actionSpace, { seed }), {
    episodes: evalEpisodes,
    seed: evalSeed,
  });
  // The report compares the learner with the expert it imitated and with chance.
  const run = await RunDirectory.open(runPath);
  const policy = await NeuralPolicy.load(run.policyDir);
  await run.writeReport(
    bcReport({
      run,
      envId,
      datasetPath,
      dataset,
      history: train.history,
      evaluation: train.evaluation,
      config: run.manifest.config,
      stoppedEarly: train.stoppedEarly,
      parameterCount: policy.parameterCount,
      extraEvaluations: [
        { name: "expert", ...expert },
        { name: "random", ...random },
      ],
      extraTables: train.agreement ? [train.agreement.table] : [],
    }),
  );
  await run.finish("finished", run.manifest.result ?? {});
  policy.dispose();
  return { datasetPath, train, expert, random };
}
