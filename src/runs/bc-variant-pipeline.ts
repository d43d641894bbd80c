/**
 * @module
 * The workflow behind `mimic train bc-rnn`, `mimic train bc-cnn` and `mimic train bc-dom`: train
 * one of the epoch-based BC trainers into a run directory, the one `mimic train bc` writes
 * (manifest.json, metrics.jsonl, TensorBoard events, checkpoints/, policy/, report.html), with a
 * checkpoint at every epoch's end (and every `checkpointEvery` minibatches), and resume from the
 * latest one. A resumed run ends with the same weights, bit for bit, as an uninterrupted one.
 *
 * ```text
 * runs/<name>/
 *   manifest.json      config: { algorithm, dataset, env, <algorithm>: resolved config, evalEpisodes, evalSeed }
 *   metrics.jsonl      one line per epoch at its minibatch count (train_loss, validation_loss, …),
 *                      then the evaluation's scalars
 *   checkpoints/       weights.bin, best.bin, order.bin (see training-checkpoints.ts)
 *   policy/            policy.json, policy.onnx (bc-rnn, bc-cnn), env.json: what `mimic eval` reads
 *   evaluation.json    the evaluation after training (when there is one)
 *   report.html
 * ```
 *
 * What differs between the three (loading the data, the trainer, evaluating the policy) comes in
 * as functions; evaluation in headless Chromium stays with the CLI.
 */
import { join } from "node:path";
import type { EpochBcCheckpoint, EpochBcOptions } from "../algorithms/bc-common.js";
import { InvalidOptionError, RunDirectoryError } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import { contentHash } from "../data/hash.js";
import type { EvalResult } from "../eval/evaluate.js";
import { writeFileAtomic } from "./files.js";
import { metricsPlot, type ReportEvaluation } from "./report.js";
import { RunDirectory } from "./run-directory.js";
import {
  checkpointName,
  int32File,
  readTrainingCheckpoint,
  type SavedTraining,
  saveTrainingCheckpoint,
} from "./training-checkpoints.js";

export type BcVariant = "bc-rnn" | "bc-cnn" | "bc-dom";

/** What the pipeline reads off an epoch record (the three trainers' records have these). */
export interface BcVariantRecord {
  epoch: number;
  batch: number;
  trainLoss: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  trainAccuracy?: number;
}

/** What the pipeline needs of a trained policy. */
export interface BcVariantPolicy {
  readonly parameterCount: number;
  /** Writes the single-file policy (policy.json). */
  save(path: string): Promise<void>;
  exportOnnx?(path: string): Promise<void>;
}

/** A loaded training set and the env it is for. */
export interface BcVariantData {
  dataset: Dataset;
  envId: string;
  /** Written to policy/env.json beside policy.json: `{ envId, envOptions }` or `{ envId, tasks }`. */
  envFile: Record<string, unknown>;
}

export interface BcVariantRunOptions<R extends BcVariantRecord, P extends BcVariantPolicy> {
  algorithm: BcVariant;
  /** The run directory to create (or to resume). */
  out: string;
  /** The dataset path(s) as given on the command line; a resumed run reads its own from the manifest. */
  dataset?: string;
  /** The trainer's config as given; a resumed run uses its saved one. */
  config?: Record<string, unknown>;
  /** The config with every default filled in (the trainer's schema), for the manifest. */
  resolveConfig: (
    config: Record<string, unknown>,
  ) => Record<string, unknown> & { epochs: number; seed: number };
  /** Continue the run in `out` from its latest checkpoint. */
  resume?: boolean;
  /** Replace an existing run in `out`. */
  overwrite?: boolean;
  /** Evaluation episodes after training (0 skips), and the seed of the first. */
  evalEpisodes?: number;
  evalSeed?: number;
  /** The command line, for the manifest. */
  command?: string[];
  load: (dataset: string) => Promise<BcVariantData>;
  train: (
    dataset: Dataset,
    config: Record<string, unknown>,
    options: EpochBcOptions<R>,
  ) => Promise<{ policy: P; history: R[]; bestEpoch: number }>;
  /**
   * Evaluates the trained policy: each env's result, and what evaluation.json holds. Without it
   * (or with 0 episodes) there is no evaluation.
   */
  evaluate?: (
    policy: P,
    data: BcVariantData,
    options: { episodes: number; seed: number },
  ) => Promise<{ results: Record<string, EvalResult>; file: unknown }>;
  /** Called after every epoch, with the number of epochs planned. */
  onEpoch?: (record: R, epochs: number) => void;
  signal?: AbortSignal;
}

export interface BcVariantRunResult<R, P> {
  run: string;
  policyDir: string;
  reportPath: string;
  policy: P;
  history: R[];
  bestEpoch: number;
  /** Each evaluated env's result (empty without evaluation). */
  evaluation: Record<string, EvalResult>;
  /** The minibatch the run resumed from, or null for a new run. */
  resumedFrom: number | null;
  /** The resolved config the run trained with. */
  config: Record<string, unknown>;
}

const TITLES: Record<BcVariant, string> = {
  "bc-rnn": "BC-RNN (GRU over a window of observations)",
  "bc-cnn": "BC with an encoder policy",
  "bc-dom": "BC of a DOM policy",
};

/** Trains into a run directory (new, or resumed from its latest checkpoint), evaluates, reports. */
export async function trainBcVariantRun<R extends BcVariantRecord, P extends BcVariantPolicy>(
  options: BcVariantRunOptions<R, P>,
): Promise<BcVariantRunResult<R, P>> {
  const { algorithm } = options;
  let evalEpisodes = options.evalEpisodes ?? 50;
  let evalSeed = options.evalSeed ?? 1000;
  if (!Number.isSafeInteger(evalEpisodes) || evalEpisodes < 0) {
    throw new InvalidOptionError(
      "evalEpisodes",
      `evalEpisodes must be a non-negative integer, got ${evalEpisodes}.`,
    );
  }
  let run: RunDirectory;
  let config: Record<string, unknown> & { epochs: number; seed: number };
  let datasetPath: string;
  let data: BcVariantData;
  let resume: EpochBcOptions<R>["resume"];
  let resumedFrom: number | null = null;
  if (options.resume) {
    // Checked before the run is reopened, so a run of another kind is left as it was. A finished
    // run has nothing to continue: resume refuses it rather than train zero epochs and evaluate again.
    const manifest = await RunDirectory.readManifest(options.out);
    const theirs = (manifest.config as { algorithm?: unknown } | null)?.algorithm;
    if (theirs !== algorithm) {
      throw new RunDirectoryError(
        options.out,
        typeof theirs === "string"
          ? `${options.out} is a ${theirs} run, not ${algorithm}; resume it with \`mimic train ${theirs} --resume\`.`
          : `${options.out} is not a ${algorithm} run (its manifest names no algorithm); it cannot be resumed with \`mimic train ${algorithm}\`.`,
      );
    }
    const reopened = await RunDirectory.resume<SavedTraining<EpochBcCheckpoint<R>>>(options.out, algorithm, {
      missing: "no checkpoint to resume from (it was stopped before the end of its first epoch)",
      refuseFinished: true,
      usable: (json) => json?.[algorithm] !== undefined,
      step: (json) => (json[algorithm] as EpochBcCheckpoint<R>).batch,
    });
    run = reopened.run;
    try {
      const saved = reopened.config as {
        dataset: string;
        evalEpisodes: number;
        evalSeed: number;
      } & Record<string, unknown>;
      config = options.resolveConfig(saved[algorithm] as Record<string, unknown>);
      datasetPath = saved.dataset;
      evalEpisodes = saved.evalEpisodes;
      evalSeed = saved.evalSeed;
      const read = readTrainingCheckpoint<EpochBcCheckpoint<R>>(reopened.checkpoint, algorithm, options.out);
      resume = {
        checkpoint: read.state,
        weights: read.weights[0]!,
        bestWeights: read.bestWeights?.[0] ?? null,
        order: int32File(read.files, "order.bin", options.out),
      };
      resumedFrom = read.state.batch;
      data = await options.load(datasetPath);
      // The same minibatches need the same data: a dataset rewritten since the run started is refused.
      const hash = contentHash(data.dataset);
      if (manifest.datasetHash !== null && hash !== manifest.datasetHash) {
        throw new RunDirectoryError(
          options.out,
          `${datasetPath} changed since the run in ${options.out} started (content hash ${hash}, the run's ${manifest.datasetHash}); a resumed run needs the data it started with. Restore it, or train again with --overwrite.`,
        );
      }
    } catch (error) {
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  } else {
    if (options.dataset === undefined) {
      throw new InvalidOptionError("dataset", `${algorithm}: a new run needs a dataset.`);
    }
    datasetPath = options.dataset;
    config = options.resolveConfig(options.config ?? {});
    data = await options.load(datasetPath);
    run = await RunDirectory.create(options.out, {
      command: options.command ?? [],
      config: {
        algorithm,
        dataset: datasetPath,
        env: data.envId,
        [algorithm]: config,
        evalEpisodes,
        evalSeed,
      },
      seeds: { train: config.seed, eval: evalSeed },
      datasetHash: contentHash(data.dataset),
      overwrite: options.overwrite,
    });
  }

  try {
    const result = await options.train(data.dataset, config, {
      resume,
      signal: options.signal,
      onEpoch: (record) => {
        run.log(record.batch, {
          epoch: record.epoch,
          train_loss: record.trainLoss,
          ...(record.trainAccuracy === undefined ? {} : { train_accuracy: record.trainAccuracy }),
          ...(record.validationLoss === null ? {} : { validation_loss: record.validationLoss }),
          ...(record.validationAccuracy === null ? {} : { validation_accuracy: record.validationAccuracy }),
        });
        options.onEpoch?.(record, config.epochs);
      },
      onCheckpoint: (snapshot) =>
        saveTrainingCheckpoint(run, algorithm, checkpointName(snapshot.checkpoint.batch), {
          state: snapshot.checkpoint,
          weights: [snapshot.weights],
          bestWeights: snapshot.bestWeights && [snapshot.bestWeights],
          arrays: { "order.bin": snapshot.order },
        }),
    });
    const { policy, history } = result;
    await policy.save(join(run.policyDir, "policy.json"));
    await policy.exportOnnx?.(join(run.policyDir, "policy.onnx"));
    await writeFileAtomic(join(run.policyDir, "env.json"), `${JSON.stringify(data.envFile, null, 2)}\n`);
    const lastBatch = history.at(-1)?.batch ?? 0;
    let evaluation: Record<string, EvalResult> = {};
    if (evalEpisodes > 0 && options.evaluate) {
      const evaluated = await options.evaluate(policy, data, { episodes: evalEpisodes, seed: evalSeed });
      evaluation = evaluated.results;
      await writeFileAtomic(join(run.dir, "evaluation.json"), `${JSON.stringify(evaluated.file, null, 2)}\n`);
      const many = Object.keys(evaluation).length > 1;
      for (const [env, e] of Object.entries(evaluation)) {
        const suffix = many ? `/${env}` : "";
        run.log(lastBatch, {
          [`eval_mean_return${suffix}`]: e.meanReturn,
          [`eval_iqm${suffix}`]: e.iqm,
          ...(e.successRate === null ? {} : { [`eval_success_rate${suffix}`]: e.successRate }),
          ...(e.normalizedScore === null ? {} : { [`eval_normalized_score${suffix}`]: e.normalizedScore }),
        });
      }
    }
    const reportPath = await run.writeReport(
      variantReport({ run, algorithm, datasetPath, data, history, result, evaluation, config }),
    );
    const validation = history.map((r) => r.validationLoss).filter((v): v is number => v !== null);
    await run.finish("finished", {
      epochs: history.length,
      bestEpoch: result.bestEpoch,
      bestValidationLoss: validation.length > 0 ? Math.min(...validation) : null,
      ...Object.fromEntries(
        Object.entries(evaluation).map(([env, e]) => [
          env,
          { meanReturn: e.meanReturn, successRate: e.successRate, normalizedScore: e.normalizedScore },
        ]),
      ),
    });
    return {
      run: run.dir,
      policyDir: run.policyDir,
      reportPath,
      policy,
      history,
      bestEpoch: result.bestEpoch,
      evaluation,
      resumedFrom,
      config,
    };
  } catch (error) {
    if (run.manifest.status === "running") {
      const aborted = (error as Error)?.name === "AbortError";
      await run
        .finish(aborted ? "aborted" : "failed", { error: (error as Error).message })
        .catch(() => undefined);
    }
    throw error;
  }
}

function variantReport<R extends BcVariantRecord>(input: {
  run: RunDirectory;
  algorithm: BcVariant;
  datasetPath: string;
  data: BcVariantData;
  history: R[];
  result: { bestEpoch: number; policy: BcVariantPolicy };
  evaluation: Record<string, EvalResult>;
  config: unknown;
}) {
  const records = input.run.readMetrics();
  const last = input.history.at(-1);
  const validation = input.history.map((r) => r.validationLoss).filter((v): v is number => v !== null);
  const evaluations: ReportEvaluation[] = Object.entries(input.evaluation).map(([env, e]) => ({
    name: Object.keys(input.evaluation).length > 1 ? env : input.algorithm,
    ...e,
  }));
  const accuracy = ["train_accuracy", "validation_accuracy"].filter((m) => records.some((r) => m in r));
  return {
    title: `${TITLES[input.algorithm]} on ${input.data.envId}`,
    subtitle: `dataset ${input.datasetPath} (${input.data.dataset.episodes.length} episodes, ${input.data.dataset.totalSteps} steps)`,
    status: "finished" as const,
    summary: [
      { label: "epochs", value: input.history.length },
      { label: "best epoch", value: input.result.bestEpoch },
      { label: "final train loss", value: last ? last.trainLoss.toFixed(4) : "-" },
      {
        label: "best validation loss",
        value: validation.length > 0 ? Math.min(...validation).toFixed(4) : "-",
      },
      { label: "parameters", value: input.result.policy.parameterCount },
      ...evaluations.flatMap((e) => [
        {
          label: `mean return${evaluations.length > 1 ? ` (${e.name})` : ""}`,
          value: e.meanReturn.toFixed(2),
        },
        ...(e.successRate == null
          ? []
          : [
              {
                label: `success${evaluations.length > 1 ? ` (${e.name})` : ""}`,
                value: `${(100 * e.successRate).toFixed(0)}%`,
              },
            ]),
      ]),
    ],
    plots: [
      metricsPlot(records, ["train_loss", "validation_loss"], {
        title: "loss",
        xLabel: "minibatch",
        yLabel: "loss",
        dashed: ["validation_loss"],
      }),
      ...(accuracy.length > 0
        ? [
            metricsPlot(records, accuracy, {
              title: "accuracy (the expert's action is the most likely)",
              xLabel: "minibatch",
              yLabel: "accuracy",
              dashed: ["validation_accuracy"],
            }),
          ]
        : []),
    ],
    evaluations,
    config: input.config,
    footer: `Best epoch ${input.result.bestEpoch} of ${input.history.length}. Run directory: ${input.run.dir}`,
  };
}
