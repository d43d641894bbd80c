/**
 * @module
 * `mimic train bc` and `mimic tune bc`: behavior cloning into a run directory, and grid search
 * with k-fold cross-validation.
 */
import { resolve } from "node:path";
import type { BcConfig } from "../algorithms/bc.js";
import type { DaggerConfig } from "../algorithms/dagger.js";
import { distill, trainDaggerRun } from "../runs/dagger-pipeline.js";
import { trainBcRun, tuneBc } from "../runs/pipelines.js";
import { trainPpoRun } from "../runs/ppo-pipeline.js";
import type { ScaleReport } from "../scale/distributed.js";
import {
  envOptionsFlag,
  type FlagValues,
  numberFlag,
  parseActivation,
  parseFlags,
  parseHidden,
  ppoFlagsConfig,
  requiredFlag,
  setNumberFlags,
  UsageError,
} from "./args.js";
import { summarizeEvaluation } from "./eval.js";
import { displayPath, progressBar } from "./progress.js";
import { flagsOfConfig, givenFlags, PPO_FLAG_OF, refuseChangedFlags, sameDatasets } from "./resume-flags.js";
import { reportScale, scaleFlags, scaleHelp, setUpScale, wantsScale } from "./scale.js";

export const trainHelp = `Usage: mimic train bc --dataset <path> --out runs/<name> [options]
       mimic train bc-rnn|bc-cnn|bc-dom|dagger|dagger-dom|distill|ppo|gail|airl|maxent-irl --help

Train a policy by behavior cloning on a dataset of demonstrations. The environment comes from the
dataset's metadata. The run directory gets manifest.json, metrics.jsonl, TensorBoard event files,
checkpoints/, policy/ and report.html.

Options:
  --dataset <path>       dataset directory (Minari HDF5) or .jsonl file
  --out <dir>            run directory, e.g. runs/cartpole-bc
  --epochs <N>           passes over the data (default 30; early stopping may end sooner)
  --batches <N>          or: exactly N minibatches
  --batch-size <N>       transitions per minibatch (default 32)
  --lr <x>               Adam learning rate (default 0.001)
  --hidden <sizes>       hidden layers, e.g. 64,64 or 64x64 (default 64,64)
  --activation <name>    tanh or relu (default tanh)
  --loss <name>          nll (default) or mse (Box actions)
  --entropy-weight <x>   entropy bonus weight (default 0.001)
  --l2-weight <x>        L2 weight (default 0)
  --validation <f>       fraction of episodes held out (default 0.2; 0 turns off early stopping)
  --patience <N>         epochs without a better validation loss before stopping (default 5; 0 = never)
  --checkpoint-every <N> save a checkpoint every N minibatches (default: every epoch)
  --engine <name>        fused (default: plain TypeScript) or tfjs (TensorFlow.js, the reference)
  --seed <S>             seed of initialization, split and shuffles (default 0)
  --eval-episodes <N>    evaluation rollouts after training (default 50; 0 skips)
  --eval-seed <S>        seed of the first evaluation episode (default 1000)
  --resume               continue the run in --out from its last checkpoint
  --overwrite            replace an existing run in --out
  -h, --help             show this help

Example:
  mimic train bc --dataset datasets/cartpole-expert --out runs/cartpole-bc --epochs 20
`;

export const daggerHelp = `Usage: mimic train dagger --env <id> --expert scripted|<policy dir> [options] --out runs/<name>

DAgger: roll out a mixture of expert and learner, let the expert label every visited state,
aggregate, retrain by behavior cloning, evaluate; repeat. Each round's labelled data is saved under
<out>/rounds/round-<i> as a dataset; per-round metrics go to metrics.jsonl and the report.

Options:
  --env <id>               environment, e.g. CartPole-v1
  --env-options <json>     the env's own options, e.g. '{"width":7,"height":7}' for GridWorld-v0
                           (demos and a teacher must come from the same env)
  --expert <who>           scripted, or a saved policy (a run directory) used as the teacher
  --demos <path>           demonstrations to start from (round 0 is BC on them)
  --rounds <N>             DAgger rounds (default 5)
  --steps-per-round <N>    env steps per round (default 2000)
  --beta <schedule>        linear (default) or exp:<decay>, e.g. exp:0.5
  --target-return <R>      stop after the first round whose mean return reaches R
  --epochs <N>             BC epochs per round (default 30)
  --hidden <sizes>         learner hidden layers (default 64,64)
  --engine <name>          fused (default) or tfjs: what trains the learner
  --eval-episodes <N>      evaluation episodes per round (default 20)
  --seed <S>               seed (default 0)
  --beta-stream <s>        round (default): one stream of expert/learner coin flips per round;
                           episode: one per episode, so rounds can be rolled out on workers
  --resume                 continue the run in --out after its last finished round
  --overwrite              replace an existing run in --out
  -h, --help               show this help

${scaleHelp}
  With --redis or --workers (scripted expert only), each round's rollout episodes are jobs
  (--beta-stream episode is implied: the round is the one a local run with it collects); training
  and evaluation run here. The manifest records who rolled out what (result.scale).

Example:
  mimic train dagger --env CartPole-v1 --expert scripted --demos datasets/cartpole-1 --rounds 5 --out runs/cartpole-dagger
`;

export const ppoHelp = `Usage: mimic train ppo --env <id> [--timesteps N] [options] --out runs/<name>

Proximal Policy Optimization (CleanRL's ppo.py and ppo_continuous_action.py) on a vector env, for
Discrete and Box action spaces (a Gaussian head, actions clipped to the Box). The
run directory gets per-update metrics, the policy (mimic's policy format, usable by eval, export
and serve), an evaluation and the report.

Options:
  --env <id>           environment, e.g. CartPole-v1
  --env-options <json> the env's own options, e.g. '{"goalVelocity":0.01}' for MountainCar-v0
  --timesteps <N>      total env steps (default 500000)
  Defaults below are CleanRL's; CartPole-v1 uses rl-baselines3-zoo's tuned preset instead
  (8 envs × 32 steps, 1 minibatch, 20 epochs, lr 0.001, γ 0.98, λ 0.8, no entropy bonus).
  --num-envs <N>       parallel envs (default 4)
  --num-steps <N>      steps per env per rollout (default 128)
  --lr <x>             learning rate, annealed linearly (default 0.00025)
  --epochs <N>         update epochs per rollout (default 4)
  --minibatches <N>    minibatches per epoch (default 4)
  --gamma <x>          discount (default 0.99)
  --gae-lambda <x>     GAE λ (default 0.95)
  --ent-coef <x>       entropy bonus (default 0.01)
  --log-std-init=<x>   Box actions: the Gaussian's initial log-std (default 0, a std of 1;
                       rl-baselines3-zoo's tuned MuJoCo PPO uses -2). Write a negative value
                       with "=": --log-std-init=-2
  --activation <fn>    hidden-layer activation of both networks: tanh or relu (default tanh)
  --normalize-obs      standardize observations with running statistics (saved in the policy)
  --normalize-reward   scale rewards by the running std of the discounted return, clip to ±10
  --reward <run>       train on a learned reward (a GAIL/AIRL run directory) instead of the env's;
                       returns in metrics and the evaluation stay the env's true ones
  --seed <S>           seed (default 1)
  --checkpoint-every <N>  save the training state every N updates (default 50)
  --resume             continue the run in --out from its last checkpoint (its own env, config and
                       reward; the envs restart at the checkpoint)
  --eval-episodes <N>  evaluation episodes after training (default 50)
  --overwrite          replace an existing run in --out
  -h, --help           show this help

Examples:
  mimic train ppo --env CartPole-v1 --timesteps 100000 --out runs/cartpole-ppo
  mimic train ppo --resume --out runs/cartpole-ppo
  mimic train ppo --env CartPole-v1 --timesteps 100000 --reward runs/cartpole-airl --out runs/cartpole-ppo-airl
`;

async function runPpoCommand(argv: string[], io: Io): Promise<number> {
  const command = "train ppo";
  const { values } = parseFlags(command, argv, {
    env: { type: "string" },
    timesteps: { type: "string" },
    "num-envs": { type: "string" },
    "num-steps": { type: "string" },
    lr: { type: "string" },
    epochs: { type: "string" },
    minibatches: { type: "string" },
    gamma: { type: "string" },
    "gae-lambda": { type: "string" },
    "ent-coef": { type: "string" },
    "log-std-init": { type: "string" },
    activation: { type: "string" },
    reward: { type: "string" },
    "normalize-obs": { type: "boolean" },
    "normalize-reward": { type: "boolean" },
    seed: { type: "string" },
    "eval-episodes": { type: "string" },
    "checkpoint-every": { type: "string" },
    resume: { type: "boolean" },
    "env-options": { type: "string" },
    out: { type: "string" },
    overwrite: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(ppoHelp);
    return 0;
  }
  const out = requiredFlag(command, values, "out", "runs/cartpole-ppo");
  const resume = values.resume === true;
  // A resumed run takes its env, config and reward from its manifest.
  const envId = resume ? "" : requiredFlag(command, values, "env", "CartPole-v1");
  const config = ppoFlagsConfig(command, values, envId);
  setNumberFlags(command, values, config, [
    ["timesteps", "totalTimesteps", "positive-integer"],
    ["seed", "seed", "integer"],
  ]);
  if (values["normalize-obs"] === true) config.normalizeObservations = true;
  if (values["normalize-reward"] === true) config.normalizeRewards = true;
  const evalEpisodes = numberFlag(command, values, "eval-episodes", "positive-integer");
  if (resume) {
    // The run's env, config and reward hold; a flag that would change them is refused.
    await refuseChangedFlags(command, out, "ppo", [
      ...flagsOfConfig(config, ["ppo"], PPO_FLAG_OF),
      ...givenFlags([
        ["env", ["env"], values.env],
        ["reward", ["reward"], values.reward, sameDatasets],
        ["eval-episodes", ["evalEpisodes"], evalEpisodes],
      ]),
    ]);
  }
  const bar = progressBar("train ppo", 1);
  const result = await trainPpoRun({
    envId,
    envOptions: resume ? undefined : envOptionsFlag(command, values, envId),
    config,
    out,
    resume,
    checkpointEvery: numberFlag(command, values, "checkpoint-every", "positive-integer"),
    overwrite: values.overwrite === true,
    reward: typeof values.reward === "string" ? values.reward : undefined,
    evalEpisodes,
    command: ["mimic", "train", "ppo", ...argv],
    onUpdate: (r, total) => {
      bar.setTotal(total);
      bar.update(
        r.timesteps,
        r.meanEpisodeReturn === null ? "" : `episode return ${r.meanEpisodeReturn.toFixed(1)}`,
      );
    },
  });
  bar.finish();
  io.out(
    [
      `PPO: ${result.history.at(-1)?.timesteps ?? 0} timesteps, ${result.history.length} updates`,
      summarizeEvaluation(result.evaluation),
      `policy  ${displayPath(result.policyDir)}`,
      `report  ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}

export const distillHelp = `Usage: mimic train distill --teacher runs/<name> --hidden 16,16 --out runs/<name> [options]

Teacher → student distillation: a smaller student imitates a trained teacher, with DAgger
relabeling by the teacher. The report shows both parameter counts, both returns, and the action
agreement between them on held-out states.

Options:
  --teacher <dir>          the teacher's run directory (or policy directory)
  --hidden <sizes>         the student's hidden layers (default 16,16)
  --episodes <N>           teacher episodes recorded first (default 5)
  --rounds <N>             DAgger rounds (default 3)
  --steps-per-round <N>    env steps per round (default 2000)
  --epochs <N>             BC epochs per round (default 30)
  --engine <name>          fused (default) or tfjs: what trains the student
  --seed <S>               seed (default 0)
  --out <dir>              the student's run directory
  --overwrite              replace an existing run in --out
  -h, --help               show this help
`;

/** Parses `linear` or `exp:<decay>`. */
export function parseBeta(command: string, text: string): DaggerConfig["beta"] {
  if (text === "linear") return { kind: "linear" };
  const match = /^exp(?:onential)?:([\d.eE+-]+)$/.exec(text);
  const decay = match ? Number(match[1]) : Number.NaN;
  if (!(decay > 0 && decay < 1))
    throw new UsageError(
      command,
      `--beta must be linear or exp:<decay> with 0 < decay < 1, got ${JSON.stringify(text)}.`,
    );
  return { kind: "exponential", decay };
}

/** `--engine fused|tfjs`, or undefined when the flag is absent. */
function engineFlag(command: string, values: FlagValues): "fused" | "tfjs" | undefined {
  if (typeof values.engine !== "string") return undefined;
  if (values.engine !== "fused" && values.engine !== "tfjs")
    throw new UsageError(command, `--engine must be fused or tfjs, got ${JSON.stringify(values.engine)}.`);
  return values.engine;
}

function daggerConfigFrom(command: string, values: FlagValues, defaults: DaggerConfig = {}): DaggerConfig {
  const config: DaggerConfig = { ...defaults };
  const rounds = numberFlag(command, values, "rounds", "positive-integer");
  if (rounds !== undefined) config.rounds = rounds;
  const steps = numberFlag(command, values, "steps-per-round", "positive-integer");
  if (steps !== undefined) config.stepsPerRound = steps;
  if (typeof values.beta === "string") config.beta = parseBeta(command, values.beta);
  const target = numberFlag(command, values, "target-return", "number");
  if (target !== undefined) config.targetReturn = target;
  const evalEpisodes = numberFlag(command, values, "eval-episodes", "positive-integer");
  if (evalEpisodes !== undefined) config.evalEpisodes = evalEpisodes;
  const seed = numberFlag(command, values, "seed", "integer");
  if (seed !== undefined) {
    if (seed < 0) throw new UsageError(command, "--seed must be ≥ 0.");
    config.seed = seed;
  }
  const stream = values["beta-stream"];
  if (stream !== undefined) {
    if (stream !== "round" && stream !== "episode")
      throw new UsageError(command, `--beta-stream must be round or episode, got ${JSON.stringify(stream)}.`);
    config.betaStream = stream;
  }
  const bc: Record<string, unknown> = {};
  const epochs = numberFlag(command, values, "epochs", "positive-integer");
  if (epochs !== undefined) bc.epochs = epochs;
  if (typeof values.hidden === "string") bc.hidden = parseHidden(command, values.hidden);
  const engine = engineFlag(command, values);
  if (engine !== undefined) bc.engine = engine;
  if (Object.keys(bc).length > 0) config.bc = { ...config.bc, ...bc };
  return config;
}

async function runDagger(argv: string[], io: Io): Promise<number> {
  const command = "train dagger";
  const { values } = parseFlags(command, argv, {
    env: { type: "string" },
    expert: { type: "string" },
    demos: { type: "string" },
    "env-options": { type: "string" },
    rounds: { type: "string" },
    "steps-per-round": { type: "string" },
    beta: { type: "string" },
    "target-return": { type: "string" },
    epochs: { type: "string" },
    hidden: { type: "string" },
    engine: { type: "string" },
    "eval-episodes": { type: "string" },
    seed: { type: "string" },
    "beta-stream": { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    overwrite: { type: "boolean" },
    ...scaleFlags,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(daggerHelp);
    return 0;
  }
  const resume = values.resume === true;
  const out = requiredFlag(command, values, "out", "runs/cartpole-dagger");
  // A resumed run takes its env, expert and settings from its manifest.
  const envId = resume ? "" : requiredFlag(command, values, "env", "CartPole-v1");
  const expert = resume ? "" : requiredFlag(command, values, "expert", "scripted");
  const config = daggerConfigFrom(command, values);
  const envOptions = resume ? undefined : envOptionsFlag(command, values, envId);
  if (wantsScale(values)) {
    if (resume)
      throw new UsageError(command, "--resume runs here; leave out --redis and --workers to resume.");
    if (expert !== "scripted")
      throw new UsageError(
        command,
        "with --redis or --workers the expert must be scripted (workers build it from the env id).",
      );
    if (config.betaStream === "round")
      throw new UsageError(
        command,
        "--beta-stream round cannot be split across workers; leave it out (episode is implied).",
      );
    config.betaStream = "episode";
  }
  if (resume) {
    // The run's env, expert, demonstrations and settings hold; a flag that would change them is refused.
    const { bc, ...rest } = config;
    await refuseChangedFlags(command, out, "dagger", [
      ...flagsOfConfig(rest as Record<string, unknown>, ["dagger"]),
      ...flagsOfConfig((bc ?? {}) as Record<string, unknown>, ["dagger", "bc"]),
      ...givenFlags([
        ["env", ["env"], values.env],
        ["expert", ["expert"], values.expert],
        ["demos", ["demos"], values.demos, sameDatasets],
      ]),
    ]);
  }
  const scale = await setUpScale(command, values, io.err);
  let scaleReportOfRun: ScaleReport | undefined;
  const scaleTable = scale === null ? null : (await import("../scale/distributed.js")).scaleReportTable;
  const rollouts =
    scale === null
      ? undefined
      : (await import("../scale/distributed.js")).daggerRolloutsOnWorkers(
          { envId, envOptions },
          { redis: scale.redis, queue: scale.queue, jobs: scale.jobs },
          (report) => {
            scaleReportOfRun = report;
          },
        );
  const result = await trainDaggerRun({
    resume,
    envId,
    envOptions,
    expert,
    demos: typeof values.demos === "string" ? values.demos : undefined,
    config,
    out,
    overwrite: values.overwrite === true,
    command: ["mimic", "train", "dagger", ...argv],
    rollouts,
    manifestResult: () => (scaleReportOfRun ? { scale: scaleReportOfRun } : {}),
    reportTables: () => (scaleReportOfRun && scaleTable ? [scaleTable(scaleReportOfRun)] : []),
    onWarning: (w) => io.err(`warning: ${w}`),
    onRound: (r) => io.err(roundLine(r)),
  }).finally(() => scale?.stop());
  if (scaleReportOfRun) await reportScale(scaleReportOfRun, null, io.err);
  const last = result.rounds.at(-1)!;
  io.out(
    [
      `DAgger: ${result.rounds.length} rounds, ${last.totalEnvSteps} env steps, ${last.datasetSteps} labelled steps`,
      summarizeEvaluation(last.evaluation),
      `policy  ${displayPath(result.policyDir)}`,
      `report  ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}

function roundLine(r: {
  round: number;
  beta: number;
  totalEnvSteps: number;
  datasetSteps: number;
  evaluation: { meanReturn: number };
  labelingStopped: string | null;
}): string {
  const line = `round ${r.round}: β ${r.beta.toFixed(2)}, ${r.totalEnvSteps} env steps, ${r.datasetSteps} labelled steps, mean return ${r.evaluation.meanReturn.toFixed(2)}`;
  return r.labelingStopped ? `${line}\nwarning: the round ended early: ${r.labelingStopped}` : line;
}

async function runDistill(argv: string[], io: Io): Promise<number> {
  const command = "train distill";
  const { values } = parseFlags(command, argv, {
    teacher: { type: "string" },
    hidden: { type: "string" },
    episodes: { type: "string" },
    rounds: { type: "string" },
    "steps-per-round": { type: "string" },
    epochs: { type: "string" },
    engine: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    overwrite: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(distillHelp);
    return 0;
  }
  const teacher = requiredFlag(command, values, "teacher", "runs/cartpole-bc");
  const out = requiredFlag(command, values, "out", "runs/cartpole-student");
  const hidden = typeof values.hidden === "string" ? parseHidden(command, values.hidden) : [16, 16];
  const result = await distill({
    teacher,
    hidden,
    episodes: numberFlag(command, values, "episodes", "positive-integer"),
    config: daggerConfigFrom(command, { ...values, hidden: undefined }, { rounds: 3 }),
    out,
    overwrite: values.overwrite === true,
    command: ["mimic", "train", "distill", ...argv],
    onRound: (r) => io.err(roundLine(r)),
  });
  const agreement =
    result.agreement.kind === "discrete"
      ? `${(100 * result.agreement.accuracy).toFixed(1)}% agreement`
      : `action MSE ${result.agreement.mse.toPrecision(4)}`;
  io.out(
    [
      `teacher ${result.teacherParameters} parameters, return ${result.teacher.meanReturn.toFixed(2)}`,
      `student ${result.studentParameters} parameters, return ${result.student.meanReturn.toFixed(2)} (${((100 * result.student.meanReturn) / result.teacher.meanReturn).toFixed(1)}% of the teacher), ${agreement} on held-out states`,
      `report  ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}

export const tuneHelp = `Usage: mimic tune bc --dataset <path> --grid "<key>=<v>,<v>;<key>=<v>,…" [--folds 5] --out runs/<name>

Grid search for behavior cloning with k-fold cross-validation by episode: every combination is
scored by its mean validation loss over the folds; the best one is retrained on the whole dataset,
evaluated by rollouts, and the results table goes into the run's report.

Grid keys: lr, hidden (e.g. 32x32), batch-size, epochs, entropy-weight, l2-weight, activation.

Options:
  --dataset <path>     dataset directory or .jsonl file
  --grid <spec>        e.g. "lr=1e-3,3e-4;hidden=32x32,64x64"
  --folds <K>          folds (default 5)
  --epochs <N>         epochs per fit (default 30)
  --seed <S>           seed (default 0)
  --eval-episodes <N>  rollouts to evaluate the best configuration (default 50)
  --out <dir>          run directory for the best configuration
  --overwrite          replace an existing run in --out
  -h, --help           show this help

${scaleHelp}
  With --redis or --workers each grid point is one job (its k folds in turn on one worker); the
  dataset path must be readable on every worker. The final fit runs here. The run's manifest
  records which worker scored which grid point (result.scale).
`;

const GRID_KEYS: Record<string, { field: keyof BcConfig; parse: (command: string, v: string) => unknown }> = {
  lr: { field: "learningRate", parse: (c, v) => positiveNumber(c, "lr", v) },
  "learning-rate": { field: "learningRate", parse: (c, v) => positiveNumber(c, "lr", v) },
  hidden: { field: "hidden", parse: parseHidden },
  "batch-size": { field: "batchSize", parse: (c, v) => positiveInteger(c, "batch-size", v) },
  epochs: { field: "epochs", parse: (c, v) => positiveInteger(c, "epochs", v) },
  "entropy-weight": { field: "entropyWeight", parse: (c, v) => nonNegative(c, "entropy-weight", v) },
  "l2-weight": { field: "l2Weight", parse: (c, v) => nonNegative(c, "l2-weight", v) },
  activation: {
    field: "activation",
    parse: (c, v) => parseActivation(c, "grid activation", v),
  },
};

function positiveNumber(command: string, name: string, v: string): number {
  const x = Number(v);
  if (!(Number.isFinite(x) && x > 0) || v.trim() === "")
    throw new UsageError(command, `${name} must be a positive number, got ${JSON.stringify(v)}.`);
  return x;
}
function nonNegative(command: string, name: string, v: string): number {
  const x = Number(v);
  if (!(Number.isFinite(x) && x >= 0) || v.trim() === "")
    throw new UsageError(command, `${name} must be a number ≥ 0, got ${JSON.stringify(v)}.`);
  return x;
}
function positiveInteger(command: string, name: string, v: string): number {
  const x = Number(v);
  if (!(Number.isInteger(x) && x > 0))
    throw new UsageError(command, `${name} must be a positive integer, got ${JSON.stringify(v)}.`);
  return x;
}

/** Parses `lr=1e-3,3e-4;hidden=32x32,64x64` into BC config fields and their values. */
export function parseGrid(command: string, text: string): Record<string, unknown[]> {
  const grid: Record<string, unknown[]> = {};
  for (const part of text
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([\w-]+)\s*=\s*(.+)$/.exec(part);
    if (!match)
      throw new UsageError(command, `--grid entries look like key=v1,v2; got ${JSON.stringify(part)}.`);
    const key = GRID_KEYS[match[1]!];
    if (!key)
      throw new UsageError(
        command,
        `--grid key ${JSON.stringify(match[1])} is not tunable; use one of ${Object.keys(GRID_KEYS).join(", ")}.`,
      );
    // hidden values use "x" inside a value, so split values on "," only.
    grid[key.field] = match[2]!.split(",").map((v) => key.parse(command, v.trim()));
  }
  if (Object.keys(grid).length === 0)
    throw new UsageError(command, `--grid is empty; e.g. --grid "lr=1e-3,3e-4;hidden=32x32,64x64".`);
  return grid;
}

function bcConfigFrom(command: string, values: FlagValues): BcConfig {
  const config: BcConfig = {};
  const num = (name: string, kind: "positive-integer" | "number" | "integer" | "fraction") =>
    numberFlag(command, values, name, kind);
  const set = <K extends keyof BcConfig>(key: K, value: BcConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set("epochs", num("epochs", "positive-integer"));
  set("batches", num("batches", "positive-integer"));
  set("batchSize", num("batch-size", "positive-integer"));
  const lr = num("lr", "number");
  if (lr !== undefined && !(lr > 0))
    throw new UsageError(command, `--lr must be a positive number, got ${values.lr}.`);
  set("learningRate", lr);
  if (typeof values.hidden === "string") set("hidden", parseHidden(command, values.hidden));
  if (typeof values.activation === "string")
    set("activation", parseActivation(command, "--activation", values.activation));
  if (typeof values.loss === "string") {
    if (values.loss !== "nll" && values.loss !== "mse")
      throw new UsageError(command, `--loss must be nll or mse, got ${JSON.stringify(values.loss)}.`);
    set("loss", values.loss);
  }
  const entropy = num("entropy-weight", "number");
  if (entropy !== undefined && entropy < 0) throw new UsageError(command, "--entropy-weight must be ≥ 0.");
  set("entropyWeight", entropy);
  const l2 = num("l2-weight", "number");
  if (l2 !== undefined && l2 < 0) throw new UsageError(command, "--l2-weight must be ≥ 0.");
  set("l2Weight", l2);
  set("validationFraction", num("validation", "fraction"));
  const patience = num("patience", "integer");
  if (patience !== undefined && patience < 0) throw new UsageError(command, "--patience must be ≥ 0.");
  set("patience", patience);
  const every = num("checkpoint-every", "integer");
  if (every !== undefined && every < 0) throw new UsageError(command, "--checkpoint-every must be ≥ 0.");
  set("checkpointEvery", every);
  set("engine", engineFlag(command, values));
  const seed = num("seed", "integer");
  if (seed !== undefined && seed < 0) throw new UsageError(command, "--seed must be ≥ 0.");
  set("seed", seed);
  return config;
}

const bcFlags = {
  dataset: { type: "string" },
  out: { type: "string" },
  epochs: { type: "string" },
  batches: { type: "string" },
  "batch-size": { type: "string" },
  lr: { type: "string" },
  hidden: { type: "string" },
  activation: { type: "string" },
  loss: { type: "string" },
  "entropy-weight": { type: "string" },
  "l2-weight": { type: "string" },
  validation: { type: "string" },
  patience: { type: "string" },
  "checkpoint-every": { type: "string" },
  engine: { type: "string" },
  seed: { type: "string" },
  "eval-episodes": { type: "string" },
  "eval-seed": { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Io = { out: (text: string) => void; err: (text: string) => void };

export async function runTrain(argv: string[], io: Io): Promise<number> {
  const [algorithm, ...rest] = argv;
  if (algorithm === undefined || algorithm === "--help" || algorithm === "-h") {
    io.out(trainHelp);
    return algorithm === undefined ? 2 : 0;
  }
  if (algorithm === "dagger") return runDagger(rest, io);
  if (algorithm === "distill") return runDistill(rest, io);
  if (algorithm === "ppo") return runPpoCommand(rest, io);
  if (algorithm === "gail" || algorithm === "airl") {
    const { runAdversarialCommand } = await import("./irl.js");
    return runAdversarialCommand(algorithm, rest, io);
  }
  if (algorithm === "bc-rnn" || algorithm === "bc-cnn")
    return (await import("./train-encoders.js")).runEncoderTrain(algorithm, rest, io);
  if (algorithm === "bc-dom" || algorithm === "dagger-dom")
    return (await import("./train-web.js")).runWebTrain(algorithm, rest, io);
  if (algorithm === "maxent-irl") return (await import("./irl.js")).runMaxEntCommand(rest, io);
  if (algorithm !== "bc") {
    throw new UsageError(
      "train",
      `unknown algorithm ${JSON.stringify(algorithm)}; available: bc, bc-rnn, bc-cnn, bc-dom, dagger, dagger-dom, distill, ppo, gail, airl, maxent-irl.`,
    );
  }
  const command = "train bc";
  const { values } = parseFlags(command, rest, bcFlags);
  if (values.help) {
    io.out(trainHelp);
    return 0;
  }
  const out = requiredFlag(command, values, "out", "runs/cartpole-bc");
  const resume = values.resume === true;
  const dataset =
    resume && typeof values.dataset !== "string"
      ? ""
      : requiredFlag(command, values, "dataset", "datasets/cartpole-expert");
  const config = bcConfigFrom(command, values);
  const evalEpisodes = numberFlag(command, values, "eval-episodes", "integer");
  if (evalEpisodes !== undefined && evalEpisodes < 0)
    throw new UsageError(command, "--eval-episodes must be ≥ 0.");
  const evalSeed = numberFlag(command, values, "eval-seed", "integer");
  if (resume) {
    // The run's dataset and config hold; a flag that would change them is refused.
    await refuseChangedFlags(command, out, "bc", [
      ...(dataset === "" ? [] : [{ flag: "dataset", path: ["dataset"], value: dataset, same: sameDatasets }]),
      ...flagsOfConfig(config as Record<string, unknown>, ["bc"]),
      ...givenFlags([
        ["eval-episodes", ["evalEpisodes"], evalEpisodes],
        ["eval-seed", ["evalSeed"], evalSeed],
      ]),
    ]);
  }
  const bar = progressBar("train bc", 1);
  const result = await trainBcRun({
    dataset,
    out,
    config,
    resume,
    overwrite: values.overwrite === true,
    evalEpisodes,
    evalSeed,
    command: ["mimic", "train", ...argv],
    onWarning: (w) => io.err(`warning: ${w}`),
    onProgress: (p) => {
      bar.setTotal(p.totalBatches);
      bar.update(
        p.batch,
        `loss ${p.loss.toFixed(4)}${p.epoch?.validationLoss != null ? `  val ${p.epoch.validationLoss.toFixed(4)}` : ""}`,
      );
    },
  });
  bar.finish();
  const last = result.history.at(-1);
  io.out(
    [
      `${result.resumedFrom !== null ? `resumed from minibatch ${result.resumedFrom}; ` : ""}trained ${result.history.length} epochs${result.stoppedEarly ? " (stopped early)" : ""}, final train loss ${last ? last.trainLoss.toFixed(4) : "-"}`,
      ...(result.evaluation ? [summarizeEvaluation(result.evaluation)] : []),
      `policy  ${displayPath(result.policyDir)}`,
      `report  ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}

export async function runTune(argv: string[], io: Io): Promise<number> {
  const [algorithm, ...rest] = argv;
  if (algorithm === undefined || algorithm === "--help" || algorithm === "-h") {
    io.out(tuneHelp);
    return algorithm === undefined ? 2 : 0;
  }
  if (algorithm !== "bc")
    throw new UsageError("tune", `unknown algorithm ${JSON.stringify(algorithm)}; available: bc.`);
  const command = "tune bc";
  const { values } = parseFlags(command, rest, {
    dataset: { type: "string" },
    grid: { type: "string" },
    folds: { type: "string" },
    epochs: { type: "string" },
    seed: { type: "string" },
    "eval-episodes": { type: "string" },
    out: { type: "string" },
    overwrite: { type: "boolean" },
    ...scaleFlags,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(tuneHelp);
    return 0;
  }
  const dataset = requiredFlag(command, values, "dataset", "datasets/cartpole-expert");
  const out = requiredFlag(command, values, "out", "runs/cartpole-tune");
  const grid = parseGrid(command, requiredFlag(command, values, "grid", `"lr=1e-3,3e-4;hidden=32x32,64x64"`));
  const folds = numberFlag(command, values, "folds", "positive-integer") ?? 5;
  if (folds < 2) throw new UsageError(command, "--folds must be at least 2.");
  const base: BcConfig = {};
  const epochs = numberFlag(command, values, "epochs", "positive-integer");
  if (epochs !== undefined) base.epochs = epochs;
  const seed = numberFlag(command, values, "seed", "integer");
  if (seed !== undefined) base.seed = seed;
  const scale = await setUpScale(command, values, io.err);
  let scaleReportOfRun: ScaleReport | undefined;
  const scaleTable = scale === null ? null : (await import("../scale/distributed.js")).scaleReportTable;
  const scoreGrid =
    scale === null
      ? undefined
      : (await import("../scale/distributed.js")).gridOnWorkers(
          resolve(dataset),
          {
            redis: scale.redis,
            queue: scale.queue,
            onStalled: (jobId) => io.err(`scale: job ${jobId} lost its worker; it is back on the queue`),
          },
          (report) => {
            scaleReportOfRun = report;
          },
        );
  const result = await tuneBc({
    scoreGrid,
    manifestResult: () => (scaleReportOfRun ? { scale: scaleReportOfRun } : {}),
    reportTables: () => (scaleReportOfRun && scaleTable ? [scaleTable(scaleReportOfRun)] : []),
    dataset,
    out,
    grid,
    folds,
    base,
    evalEpisodes: numberFlag(command, values, "eval-episodes", "integer"),
    overwrite: values.overwrite === true,
    command: ["mimic", "tune", ...argv],
    onWarning: (w) => io.err(`warning: ${w}`),
    onCell: (done, total, config, loss) =>
      io.err(
        `[${done}/${total}] ${Object.keys(grid)
          .map((k) => `${k}=${JSON.stringify((config as Record<string, unknown>)[k])}`)
          .join(" ")}  mean validation loss ${loss.toFixed(5)}`,
      ),
  }).finally(() => scale?.stop());
  if (scaleReportOfRun) await reportScale(scaleReportOfRun, null, io.err);
  io.out(
    [
      `best: ${Object.keys(grid)
        .map((k) => `${k}=${JSON.stringify((result.best.config as Record<string, unknown>)[k])}`)
        .join(" ")} (mean validation loss ${result.best.meanValidationLoss.toFixed(5)})`,
      ...(result.final.evaluation ? [summarizeEvaluation(result.final.evaluation)] : []),
      `report  ${displayPath(result.final.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}
