/**
 * @module
 * The workflows behind `mimic train dagger` and `mimic train distill`: DAgger into a run directory
 * (each round's labelled data saved as a dataset, per-round metrics, report), and teacher → student
 * distillation (DAgger with a saved policy as the expert, compared with its teacher).
 */
import { join } from "node:path";
import {
  type DaggerConfig,
  type DaggerRollouts,
  type DaggerRound,
  resolveDaggerConfig,
  trainDagger,
} from "../algorithms/dagger.js";
import { InvalidOptionError } from "../core/errors.js";
import { make } from "../core/registry.js";
import { collect } from "../data/collect.js";
import { Dataset } from "../data/dataset.js";
import { contentHash } from "../data/hash.js";
import { loadDataset, saveDataset } from "../data/store.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { type ActionAgreement, actionAgreement } from "../eval/metrics.js";
import { type Expert, policyExpert } from "../experts/expert.js";
import { scriptedExpert } from "../experts/index.js";
import { teacherExpert } from "../experts/labelers.js";
import { engineVersions } from "../nn/engine.js";
import type { NeuralPolicy } from "../nn/policy.js";
import { loadTrainingData } from "./pipelines.js";
import type { ReportTable } from "./report.js";
import { RunDirectory } from "./run-directory.js";

export interface DaggerRunOptions {
  /** Continue the run in `out` after its last finished round (its saved settings win). */
  resume?: boolean;
  envId: string;
  /** The env's own options (`make(envId, envOptions)`); the demos and a teacher must match them. */
  envOptions?: Record<string, unknown>;
  /** `"scripted"` for the built-in expert, or the path of a saved policy (a teacher). */
  expert: string;
  /** Demonstrations to start from: a dataset path, or a dataset in memory. */
  demos?: string | Dataset;
  config?: DaggerConfig;
  out: string;
  overwrite?: boolean;
  command?: string[];
  onRound?: (round: DaggerRound) => void;
  onWarning?: (message: string) => void;
  /** Rolls each round's episodes out elsewhere (`trainDagger`'s `rollouts`; `betaStream: "episode"`). */
  rollouts?: DaggerRollouts;
  /** More entries for the manifest's `result` (a distributed run's report of who did what). */
  manifestResult?: () => Record<string, unknown>;
  /** More tables for report.html (a distributed run's workers). */
  reportTables?: () => ReportTable[];
}

export interface DaggerRunResult {
  run: string;
  policyDir: string;
  reportPath: string;
  rounds: DaggerRound[];
}

async function resolveExpert(
  spec: string,
  envId: string,
  envOptions: Record<string, unknown>,
): Promise<{ expert: Expert; teacher: NeuralPolicy | null }> {
  // Experts are typed by their env's values; DAgger hands them observations from that env.
  if (spec === "scripted") {
    return {
      expert: policyExpert(
        scriptedExpert(envId, { makeOptions: envOptions }),
        `scripted (${envId})`,
      ) as unknown as Expert,
      teacher: null,
    };
  }
  const teacher = await teacherExpert(spec, { expectEnvId: envId });
  if (!sameOptions(teacher.policy.envOptions, envOptions)) {
    throw new InvalidOptionError(
      "expert",
      `the teacher ${spec} was trained on ${envId} with env options ${JSON.stringify(teacher.policy.envOptions ?? {})}, and this run's are ${JSON.stringify(envOptions)}; pass the teacher's (--env-options).`,
    );
  }
  return { expert: teacher as unknown as Expert, teacher: teacher.policy };
}

/** Whether two sets of env options are the same (absent = none). */
function sameOptions(
  a: Readonly<Record<string, unknown>> | null | undefined,
  b: Readonly<Record<string, unknown>>,
): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b);
}

function roundsTable(rounds: readonly DaggerRound[]): ReportTable {
  return {
    title: "Rounds",
    caption:
      "Round 0 is behavior cloning on the demonstrations alone. β is the share of steps the expert drove.",
    columns: [
      "round",
      "β",
      "env steps",
      "labelled steps",
      "train loss",
      "mean return",
      "IQM",
      "normalized score",
    ],
    rows: rounds.map((r) => [
      r.round,
      Number(r.beta.toFixed(3)),
      r.totalEnvSteps,
      r.datasetSteps,
      r.trainLoss === null ? null : Number(r.trainLoss.toFixed(4)),
      Number(r.evaluation.meanReturn.toFixed(2)),
      Number(r.evaluation.iqm.toFixed(2)),
      r.evaluation.normalizedScore === null ? null : Number(r.evaluation.normalizedScore.toFixed(3)),
    ]),
  };
}

interface DaggerCheckpoint {
  rounds: DaggerRound[];
}

/** Runs DAgger into `out`: per-round datasets under `rounds/`, metrics, policy and report. */
export async function trainDaggerRun(options: DaggerRunOptions): Promise<DaggerRunResult> {
  if (options.resume) return resumeDaggerRun(options);
  const config = resolveDaggerConfig(options.config);
  const envOptions = { ...options.envOptions };
  make(options.envId, envOptions); // an unknown id or option fails here, with its suggestion
  const { expert } = await resolveExpert(options.expert, options.envId, envOptions);
  let demos: Dataset | undefined = options.demos instanceof Dataset ? options.demos : undefined;
  if (typeof options.demos === "string")
    demos = await loadDemos(options.demos, options.envId, envOptions, options.onWarning);
  const run = await RunDirectory.create(options.out, {
    command: options.command ?? [],
    config: {
      algorithm: "dagger",
      env: options.envId,
      ...(Object.keys(envOptions).length === 0 ? {} : { envOptions }),
      expert: options.expert,
      demos:
        typeof options.demos === "string"
          ? options.demos
          : demos
            ? `${demos.episodes.length} episodes in memory`
            : null,
      dagger: config,
    },
    seeds: { rollouts: config.seed, eval: config.evalSeed },
    datasetHash: demos ? contentHash(demos) : null,
    versions: engineVersions(),
    overwrite: options.overwrite,
  });
  return runDagger(run, options, expert, config, demos, undefined);
}

async function loadDemos(
  path: string,
  envId: string,
  envOptions: Record<string, unknown>,
  onWarning?: (message: string) => void,
): Promise<Dataset> {
  const loaded = await loadTrainingData(path, onWarning);
  if (loaded.envId !== envId)
    throw new InvalidOptionError("demos", `${path} was recorded in ${loaded.envId}, not ${envId}.`);
  if (!sameOptions(loaded.envOptions, envOptions)) {
    throw new InvalidOptionError(
      "demos",
      `${path} was recorded in ${envId} with env options ${JSON.stringify(loaded.envOptions)}, and this run's are ${JSON.stringify(envOptions)}; pass the same --env-options, or record demonstrations in this env.`,
    );
  }
  return loaded.dataset;
}

/** Reopens a DAgger run, rebuilds its aggregated data from the saved rounds, and continues. */
async function resumeDaggerRun(options: DaggerRunOptions): Promise<DaggerRunResult> {
  const reopened = await RunDirectory.resume<DaggerCheckpoint>(options.out, "dagger", {
    missing: "no finished round to resume from",
  });
  const { run, checkpoint: latest } = reopened;
  const saved = reopened.config as unknown as {
    env: string;
    envOptions?: Record<string, unknown>;
    expert: string;
    demos: string | null;
    dagger: DaggerConfig;
  };
  const config = resolveDaggerConfig(saved.dagger);
  const envOptions = saved.envOptions ?? {};
  const { expert } = await resolveExpert(saved.expert, saved.env, envOptions);
  const demos =
    saved.demos && !saved.demos.endsWith("in memory")
      ? await loadDemos(saved.demos, saved.env, envOptions, options.onWarning)
      : undefined;
  const env = make(saved.env, envOptions);
  let dataset =
    demos ??
    new Dataset({
      id: `dagger/${saved.env}-v0`,
      episodes: [],
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
  for (const round of latest.json.rounds) {
    if (round.round === 0) continue;
    const path = join(run.dir, "rounds", `round-${round.round}`);
    const { dataset: added } = await loadDataset(path);
    dataset = dataset.withEpisodes([...dataset.episodes, ...added.episodes]);
  }
  await run.truncateMetricsAfter(latest.json.rounds.at(-1)!.totalEnvSteps);
  return runDagger(
    run,
    { ...options, envId: saved.env, envOptions, expert: saved.expert },
    expert,
    config,
    demos,
    {
      rounds: latest.json.rounds,
      dataset,
    },
  );
}

async function runDagger(
  run: RunDirectory,
  options: DaggerRunOptions,
  expert: Expert,
  config: ReturnType<typeof resolveDaggerConfig>,
  demos: Dataset | undefined,
  resume: { rounds: DaggerRound[]; dataset: Dataset } | undefined,
): Promise<DaggerRunResult> {
  try {
    const done: DaggerRound[] = [...(resume?.rounds ?? [])];
    const result = await trainDagger(options.envId, expert, config, {
      envOptions: options.envOptions,
      demos,
      resume,
      rollouts: options.rollouts,
      callbacks: {
        onRound: async (round, added) => {
          // The round's data first, then its metrics, then the checkpoint that says it is done.
          if (added.episodes.length > 0) {
            await saveDataset(
              join(run.dir, "rounds", `round-${round.round}`),
              added.withEpisodes(
                added.episodes.map((e, i) => e.withId(i)),
                `dagger/round-${round.round}-v0`,
              ),
            );
          }
          run.log(round.totalEnvSteps, {
            round: round.round,
            beta: round.beta,
            dataset_steps: round.datasetSteps,
            ...(round.trainLoss === null ? {} : { train_loss: round.trainLoss }),
            mean_return: round.evaluation.meanReturn,
            iqm: round.evaluation.iqm,
            ...(round.evaluation.normalizedScore === null
              ? {}
              : { normalized_score: round.evaluation.normalizedScore }),
          });
          done.push(round);
          await run.saveCheckpoint(`round-${String(round.round).padStart(4, "0")}`, {
            json: { rounds: done } satisfies DaggerCheckpoint,
          });
          options.onRound?.(round);
        },
      },
    });
    await result.policy.save(run.policyDir);
    const last = result.rounds.at(-1)!;
    const first = result.rounds[0]!;
    const reportPath = await run.writeReport({
      title: `DAgger on ${options.envId}`,
      subtitle: `expert ${expert.name}${typeof options.demos === "string" ? `, starting from ${options.demos}` : ""}`,
      status: "finished",
      summary: [
        { label: "rounds", value: result.rounds.length - (first.round === 0 ? 1 : 0) },
        { label: "env steps", value: last.totalEnvSteps },
        { label: "labelled steps", value: last.datasetSteps },
        ...(first.round === 0 ? [{ label: "BC alone", value: first.evaluation.meanReturn.toFixed(1) }] : []),
        { label: "final mean return", value: last.evaluation.meanReturn.toFixed(1) },
      ],
      plots: [
        {
          title: "mean evaluation return by round",
          xLabel: "round",
          yLabel: "return",
          series: [
            {
              name: "learner",
              points: result.rounds.map((r) => [r.round, r.evaluation.meanReturn] as const),
            },
          ],
        },
      ],
      evaluations: [
        ...(first.round === 0 ? [{ name: "BC alone (round 0)", ...first.evaluation }] : []),
        { name: `DAgger (round ${last.round})`, ...last.evaluation },
      ],
      tables: [roundsTable(result.rounds), ...(options.reportTables?.() ?? [])],
      config: run.manifest.config,
      footer: `Run directory: ${run.dir}`,
    });
    await run.finish("finished", {
      rounds: result.rounds.length,
      meanReturn: last.evaluation.meanReturn,
      envSteps: last.totalEnvSteps,
      ...options.manifestResult?.(),
    });
    result.policy.dispose();
    return { run: run.dir, policyDir: run.policyDir, reportPath, rounds: result.rounds };
  } catch (error) {
    if (run.manifest.status === "running")
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
}

export interface DistillOptions {
  /** The teacher: a run directory or a saved policy directory. */
  teacher: string;
  /** The student's hidden layers (default [16, 16]). */
  hidden?: number[];
  /** Teacher episodes recorded before DAgger starts (default 5). */
  episodes?: number;
  config?: DaggerConfig;
  out: string;
  overwrite?: boolean;
  command?: string[];
  onRound?: (round: DaggerRound) => void;
}

export interface DistillResult {
  run: string;
  reportPath: string;
  teacherParameters: number;
  studentParameters: number;
  teacher: EvalResult;
  student: EvalResult;
  agreement: ActionAgreement;
}

/**
 * Teacher → student: record teacher episodes, run DAgger with the teacher relabeling the
 * student's states, then compare both by rollouts and by action agreement on held-out states
 * (teacher episodes on seeds no training used).
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  const teacherLabels = await teacherExpert(options.teacher);
  const teacher = teacherLabels.policy;
  const envId = teacher.envId;
  // The teacher's env, with the options it was trained on.
  const envOptions = { ...teacher.envOptions };
  const env = make(envId, envOptions);
  const episodes = await collect(env, teacher, {
    episodes: options.episodes ?? 5,
    seed: 0,
    deterministic: true,
  });
  const demos = new Dataset({
    id: `distill/${envId}-v0`,
    episodes,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
  const config = resolveDaggerConfig({
    ...options.config,
    bc: { ...options.config?.bc, hidden: options.hidden ?? [16, 16] },
  });
  // The run directory must not exist yet when DAgger creates it; the demonstrations go inside it afterwards.
  const result = await trainDaggerRun({
    envId,
    envOptions,
    expert: options.teacher,
    config,
    out: options.out,
    overwrite: options.overwrite,
    command: options.command,
    onRound: options.onRound,
    demos,
  });
  await saveDataset(join(result.run, "teacher-demonstrations"), demos, { algorithmName: "teacher policy" });
  const { NeuralPolicy } = await import("../nn/policy.js");
  const student = await NeuralPolicy.load(result.policyDir);
  const evalSeed = config.evalSeed;
  const teacherEval = await evaluate(make(envId, envOptions), teacher, { episodes: 50, seed: evalSeed });
  const studentEval = await evaluate(make(envId, envOptions), student, { episodes: 50, seed: evalSeed });
  const heldOut = await collect(make(envId, envOptions), teacher, {
    episodes: 5,
    seed: 50_000,
    deterministic: true,
  });
  const agreement = await actionAgreement(student, demos.withEpisodes(heldOut));
  const run = await RunDirectory.open(result.run);
  const agreementText =
    agreement.kind === "discrete"
      ? `${(100 * agreement.accuracy).toFixed(1)}% of actions`
      : `MSE ${agreement.mse.toPrecision(4)}`;
  const reportPath = await run.writeReport({
    title: `Distillation on ${envId}: ${teacher.parameterCount} → ${student.parameterCount} parameters`,
    subtitle: `teacher ${options.teacher}; student ${config.bc.hidden?.join("×")}`,
    status: "finished",
    summary: [
      { label: "teacher parameters", value: teacher.parameterCount },
      { label: "student parameters", value: student.parameterCount },
      { label: "teacher return", value: teacherEval.meanReturn.toFixed(1) },
      { label: "student return", value: studentEval.meanReturn.toFixed(1) },
      {
        label: "student / teacher",
        value: `${((100 * studentEval.meanReturn) / teacherEval.meanReturn).toFixed(1)}%`,
      },
      { label: "agreement (held-out states)", value: agreementText },
    ],
    plots: [
      {
        title: "student's mean evaluation return by round",
        xLabel: "round",
        yLabel: "return",
        series: [
          { name: "student", points: result.rounds.map((r) => [r.round, r.evaluation.meanReturn] as const) },
        ],
      },
    ],
    evaluations: [
      { name: "teacher", ...teacherEval },
      { name: "student", ...studentEval },
    ],
    tables: [roundsTable(result.rounds)],
    config: run.manifest.config,
    footer: `Held-out states: 5 teacher episodes on seeds 50000–50004. Run directory: ${run.dir}`,
  });
  await run.finish("finished", {
    ...(run.manifest.result ?? {}),
    teacherReturn: teacherEval.meanReturn,
    studentReturn: studentEval.meanReturn,
  });
  const out: DistillResult = {
    run: result.run,
    reportPath,
    teacherParameters: teacher.parameterCount,
    studentParameters: student.parameterCount,
    teacher: teacherEval,
    student: studentEval,
    agreement,
  };
  student.dispose();
  teacher.dispose();
  return out;
}
