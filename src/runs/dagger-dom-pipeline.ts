/**
 * @module
 * The workflow behind `mimic train dagger-dom`: DAgger of a DOM policy on a built-in web task into
 * the run directory `mimic train dagger` writes, and resuming it after its last finished round.
 *
 * ```text
 * runs/<name>/
 *   manifest.json      config: { algorithm: "dagger-dom", task, env, dataset, "dagger-dom": resolved config, evalEpisodes, evalSeed }
 *   metrics.jsonl      one line per round at its cumulative rollout steps (beta, steps, …), then
 *                      the evaluation's scalars
 *   rounds/round-<i>/  the episodes round i added, labelled by the expert (a Minari dataset, as
 *                      dagger-pipeline.ts stores DAgger's aggregate)
 *   checkpoints/       round-<i>: the finished rounds, the β coins' generator state and the
 *                      learner's weights (training-checkpoints.ts's layout)
 *   policy/            policy.json, env.json: what `mimic eval` reads
 *   evaluation.json    the evaluation after the last round (when there is one)
 *   report.html
 * ```
 *
 * Each round writes its dataset, then its metrics line, then the checkpoint that says it is done.
 * Resuming rebuilds the aggregate from the demonstrations and the saved rounds, loads the learner
 * and the coins, and continues with the next round: with the same seeds driving the env it ends
 * where an uninterrupted run ends. The browser, the expert and evaluation come from the CLI.
 */
import { join } from "node:path";
import { parseConfig } from "../algorithms/bc-common.js";
import {
  type DaggerDomConfig,
  type DaggerDomRound,
  daggerDomConfigSchema,
  trainDaggerDom,
} from "../algorithms/dagger-dom.js";
import type { AsyncEnv } from "../core/env.js";
import { InvalidOptionError, RunDirectoryError } from "../core/errors.js";
import type { Pcg64State } from "../core/rng.js";
import { Dataset } from "../data/dataset.js";
import type { Episode } from "../data/episode.js";
import { contentHash } from "../data/hash.js";
import { loadDataset, saveDataset } from "../data/store.js";
import type { EncodedWebObservation, WebAction, WebObservation, WebSpaces } from "../envs/web/observation.js";
import type { EvalResult } from "../eval/evaluate.js";
import type { DomPolicy } from "../nn/dom-policy.js";
import { writeFileAtomic } from "./files.js";
import type { ReportTable } from "./report.js";
import { RunDirectory } from "./run-directory.js";
import {
  readTrainingCheckpoint,
  type SavedTraining,
  saveTrainingCheckpoint,
} from "./training-checkpoints.js";

const ALGORITHM = "dagger-dom";

/** The web env a run rolls out in, with its task's expert. */
export interface DaggerDomEnv {
  env: AsyncEnv<EncodedWebObservation, Int32Array> & { spaces: WebSpaces };
  expert: (observation: WebObservation) => WebAction;
  close(): Promise<void>;
}

export interface DaggerDomRunOptions {
  /** The run directory to create (or to resume). */
  out: string;
  /** The built-in task (`click-checkboxes`); a resumed run reads its own from the manifest. */
  task?: string;
  /** Demonstrations to start from, as given on the command line (optional). */
  dataset?: string | null;
  /** DAgger-DOM's config as given; a resumed run uses its saved one. */
  config?: DaggerDomConfig;
  resume?: boolean;
  overwrite?: boolean;
  /** Evaluation episodes after the last round (0 skips), and the seed of the first. */
  evalEpisodes?: number;
  evalSeed?: number;
  command?: string[];
  /** Opens the task's web env and its expert. */
  open: (task: string) => Promise<DaggerDomEnv>;
  /** Loads the demonstrations. */
  load: (dataset: string) => Promise<Dataset>;
  /** Evaluates the final policy: each task's result, and what evaluation.json holds. */
  evaluate?: (
    policy: DomPolicy,
    tasks: string[],
    options: { episodes: number; seed: number },
  ) => Promise<{ results: Record<string, EvalResult>; file: unknown }>;
  onRound?: (round: DaggerDomRound, rounds: number) => void;
  signal?: AbortSignal;
}

export interface DaggerDomRunResult {
  run: string;
  policyDir: string;
  reportPath: string;
  rounds: DaggerDomRound[];
  /** Episodes and labelled steps in the final aggregate (demonstrations included). */
  episodes: number;
  steps: number;
  evaluation: Record<string, EvalResult>;
  /** The round the run resumed after, or null for a new run. */
  resumedAfter: number | null;
}

/** The checkpoint's state (under "dagger-dom"); the learner's weights are its weights.bin. */
interface DaggerDomCheckpoint {
  rounds: DaggerDomRound[];
  coins: Pcg64State;
  /** Rollout steps so far: the metrics' step. */
  envSteps: number;
}

interface SavedConfig {
  task: string;
  dataset: string | null;
  evalEpisodes: number;
  evalSeed: number;
  [ALGORITHM]: DaggerDomConfig;
}

const roundName = (i: number) => `round-${String(i).padStart(4, "0")}`;

/** Runs DAgger-DOM into `out` (new, or resumed after its last finished round), evaluates, reports. */
export async function trainDaggerDomRun(options: DaggerDomRunOptions): Promise<DaggerDomRunResult> {
  let run: RunDirectory;
  let saved: SavedConfig;
  let demos: Dataset | null = null;
  let resume: { checkpoint: DaggerDomCheckpoint; weights: Float32Array } | null = null;
  if (options.resume) {
    const reopened = await RunDirectory.resume<SavedTraining<DaggerDomCheckpoint>>(options.out, ALGORITHM, {
      missing: "no finished round to resume from (it was stopped during its first round)",
      refuseFinished: true,
      usable: (json) => json?.[ALGORITHM] !== undefined,
      step: (json) => (json[ALGORITHM] as DaggerDomCheckpoint).envSteps,
    });
    run = reopened.run;
    const manifest = run.manifest;
    try {
      saved = reopened.config as unknown as SavedConfig;
      const read = readTrainingCheckpoint<DaggerDomCheckpoint>(reopened.checkpoint, ALGORITHM, options.out);
      resume = { checkpoint: read.state, weights: read.weights[0]! };
      if (saved.dataset !== null) {
        demos = await options.load(saved.dataset);
        // The same aggregate needs the same demonstrations.
        const hash = contentHash(demos);
        if (manifest.datasetHash !== null && hash !== manifest.datasetHash) {
          throw new RunDirectoryError(
            options.out,
            `${saved.dataset} changed since the run in ${options.out} started (content hash ${hash}, the run's ${manifest.datasetHash}); a resumed run needs the data it started with. Restore it, or train again with --overwrite.`,
          );
        }
      }
    } catch (error) {
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
      throw error;
    }
  } else {
    if (options.task === undefined)
      throw new InvalidOptionError("task", `${ALGORITHM}: a new run needs a task.`);
    const evalEpisodes = options.evalEpisodes ?? 50;
    if (!Number.isSafeInteger(evalEpisodes) || evalEpisodes < 0) {
      throw new InvalidOptionError(
        "evalEpisodes",
        `evalEpisodes must be a non-negative integer, got ${evalEpisodes}.`,
      );
    }
    const config = parseConfig(daggerDomConfigSchema, options.config ?? {}, "DAgger (DOM)");
    saved = {
      task: options.task,
      dataset: options.dataset ?? null,
      evalEpisodes,
      evalSeed: options.evalSeed ?? 1000,
      [ALGORITHM]: config,
    };
    if (saved.dataset !== null) demos = await options.load(saved.dataset);
    run = await RunDirectory.create(options.out, {
      command: options.command ?? [],
      config: { algorithm: ALGORITHM, env: `web:${saved.task}`, ...saved },
      seeds: { rollouts: config.seed, train: config.bc.seed ?? 0, eval: saved.evalSeed },
      datasetHash: demos ? contentHash(demos) : null,
      overwrite: options.overwrite,
    });
  }

  let opened: DaggerDomEnv | null = null;
  try {
    const config = parseConfig(daggerDomConfigSchema, saved[ALGORITHM], "DAgger (DOM)");
    opened = await options.open(saved.task);
    const { env } = opened;
    // The aggregate so far: the demonstrations, then each finished round's episodes.
    let episodes: Episode[] = demos ? [...demos.episodes] : [];
    if (resume) {
      for (const round of resume.checkpoint.rounds) {
        if (round.episodes === 0) continue;
        const { dataset: added } = await loadDataset(join(run.dir, "rounds", `round-${round.round}`));
        episodes = [...episodes, ...added.episodes.map((e, i) => e.withId(episodes.length + i))];
      }
    }
    const done: DaggerDomRound[] = [...(resume?.checkpoint.rounds ?? [])];
    let envSteps = resume?.checkpoint.envSteps ?? 0;
    const result = await trainDaggerDom(
      {
        env,
        expert: opened.expert,
        demonstrations: demos,
        signal: options.signal,
        resume: resume
          ? {
              rounds: resume.checkpoint.rounds,
              episodes,
              weights: resume.weights,
              coins: resume.checkpoint.coins,
            }
          : undefined,
        onRound: async (round, state) => {
          // The round's data first, then its metrics, then the checkpoint that says it is done.
          if (state.added.length > 0) {
            const first = state.added[0]!;
            await saveDataset(
              join(run.dir, "rounds", `round-${round.round}`),
              new Dataset({
                id: `web/${saved.task}-dagger-round-${round.round}-v0`,
                episodes: state.added.map((e, i) => (e.id === first.id + i ? e : e.withId(first.id + i))),
                observationSpace: env.observationSpace,
                actionSpace: env.actionSpace,
                envSpec: env.spec,
              }),
              { algorithmName: "mimic train dagger-dom" },
            );
          }
          envSteps += round.steps;
          run.log(envSteps, {
            round: round.round,
            beta: round.beta,
            episodes: round.episodes,
            steps: round.steps,
            dataset_steps: round.totalSteps,
            learner_share: round.learnerShare,
            rollout_success: round.rolloutSuccess,
          });
          done.push(round);
          await saveTrainingCheckpoint(run, ALGORITHM, roundName(round.round), {
            state: { rounds: done, coins: state.coins, envSteps } satisfies DaggerDomCheckpoint,
            weights: [state.weights],
            bestWeights: null,
          });
          options.onRound?.(round, config.rounds);
        },
      },
      config,
    );
    await opened.close();
    opened = null;
    const { policy } = result;
    const tasks = [env.spec.id];
    await policy.save(join(run.policyDir, "policy.json"));
    // The tasks the policy was trained for: `mimic eval` plays them by default.
    await writeFileAtomic(
      join(run.policyDir, "env.json"),
      `${JSON.stringify({ envId: tasks[0], tasks }, null, 2)}\n`,
    );
    let evaluation: Record<string, EvalResult> = {};
    if (saved.evalEpisodes > 0 && options.evaluate) {
      const evaluated = await options.evaluate(policy, tasks, {
        episodes: saved.evalEpisodes,
        seed: saved.evalSeed,
      });
      evaluation = evaluated.results;
      await writeFileAtomic(join(run.dir, "evaluation.json"), `${JSON.stringify(evaluated.file, null, 2)}\n`);
      for (const e of Object.values(evaluation)) {
        run.log(envSteps, {
          eval_mean_return: e.meanReturn,
          eval_iqm: e.iqm,
          ...(e.successRate === null ? {} : { eval_success_rate: e.successRate }),
        });
      }
    }
    const rounds = result.rounds;
    const last = rounds.at(-1);
    const reportPath = await run.writeReport({
      title: `DAgger of a DOM policy on ${tasks[0]}`,
      subtitle: `the task's scripted expert${saved.dataset ? `, starting from ${saved.dataset}` : ""}`,
      status: "finished",
      summary: [
        { label: "rounds", value: rounds.length },
        { label: "episodes", value: result.dataset.episodes.length },
        { label: "labelled steps", value: result.dataset.totalSteps },
        {
          label: "last rollout success",
          value: last ? `${(100 * last.rolloutSuccess).toFixed(0)}%` : "-",
        },
        ...Object.values(evaluation).flatMap((e) =>
          e.successRate == null ? [] : [{ label: "success", value: `${(100 * e.successRate).toFixed(0)}%` }],
        ),
      ],
      plots: [
        {
          title: "the mixture's success rate by round",
          xLabel: "round",
          yLabel: "success",
          series: [{ name: "rollouts", points: rounds.map((r) => [r.round, r.rolloutSuccess] as const) }],
        },
      ],
      evaluations: Object.values(evaluation).map((e) => ({
        name: `DAgger-DOM (round ${last?.round})`,
        ...e,
      })),
      tables: [roundsTable(rounds)],
      config: run.manifest.config,
      footer: `Run directory: ${run.dir}`,
    });
    await run.finish("finished", {
      rounds: rounds.length,
      episodes: result.dataset.episodes.length,
      steps: result.dataset.totalSteps,
      ...Object.fromEntries(
        Object.entries(evaluation).map(([id, e]) => [
          id,
          { meanReturn: e.meanReturn, successRate: e.successRate },
        ]),
      ),
    });
    return {
      run: run.dir,
      policyDir: run.policyDir,
      reportPath,
      rounds,
      episodes: result.dataset.episodes.length,
      steps: result.dataset.totalSteps,
      evaluation,
      resumedAfter: resume ? (resume.checkpoint.rounds.at(-1)?.round ?? 0) : null,
    };
  } catch (error) {
    await opened?.close().catch(() => undefined);
    if (run.manifest.status === "running") {
      const aborted = (error as Error)?.name === "AbortError";
      await run
        .finish(aborted ? "aborted" : "failed", { error: (error as Error).message })
        .catch(() => undefined);
    }
    throw error;
  }
}

function roundsTable(rounds: readonly DaggerDomRound[]): ReportTable {
  return {
    title: "Rounds",
    caption:
      "β is the chance the expert drives a step; learner share is the fraction of steps the learner drove.",
    columns: ["round", "β", "episodes", "steps", "labelled steps", "learner share", "rollout success"],
    rows: rounds.map((r) => [
      r.round,
      Number(r.beta.toFixed(3)),
      r.episodes,
      r.steps,
      r.totalSteps,
      Number(r.learnerShare.toFixed(3)),
      Number(r.rolloutSuccess.toFixed(3)),
    ]),
  };
}
