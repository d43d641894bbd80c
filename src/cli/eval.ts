/**
 * @module
 * `mimic eval`: roll a trained policy out and report its returns.
 */

import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { directoryDigest } from "../core/files.js";
import { make } from "../core/registry.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { evaluateRun, resolvePolicyDir } from "../runs/pipelines.js";
import { type FlagValues, numberFlag, parseFlags, requiredFlag, UsageError } from "./args.js";
import { loadSingleFilePolicy, policyFileOf } from "./policy-file.js";
import { progressBar } from "./progress.js";
import {
  checkScaleResumeFlag,
  reportScale,
  scaleFlags,
  scaleHelp,
  scaleProgress,
  scaleResumeFlag,
  scaleResumeHelp,
  scaleResumeProgress,
  scaleRunFlag,
  setUpScale,
  wantsScale,
} from "./scale.js";

export const evalHelp = `Usage: mimic eval --policy runs/<name> [--episodes 50] [--seed 1000] [--json]
       mimic eval --policy runs/<dom-run> [--env web:<task>[,web:<task>…]] [--episodes 50]

Evaluate a trained policy by rollouts in its environment: mean, std, min and max return, the
interquartile mean with a 95% bootstrap confidence interval, the normalized score (random = 0,
expert = 1) and the success rate where the env defines success. Episode k uses seed + k.

Options:
  --policy <path>   a run directory (runs/<name>) or its policy/ directory, or a policy.json of
                    mimic train bc-rnn|bc-cnn (the file or its directory)
  --episodes <N>    evaluation episodes (default 50)
  --seed <S>        seed of the first episode (default 1000)
  --env <ids>       for a DOM policy (mimic train bc-dom|dagger-dom): the web tasks to play, as
                    web:<name> or web:<path of a MiniWoB++ task file>, comma-separated (default:
                    the tasks it was trained on); each reports its success rate with a 95% interval
  --chromium <path> the Chromium executable for web tasks
  --json            print JSON (camelCase keys)
  -h, --help        show this help

${scaleHelp}
${scaleResumeHelp}
  With --redis or --workers the result is the local one (the same seeds, in order); the policy
  path must be readable on every worker (a shared filesystem, or the same path on each machine).
  --scale-report <file> writes who ran which episodes as JSON.
`;

function fmt(x: number | null, digits = 2): string {
  return x === null ? "-" : x.toFixed(digits);
}

/** One line: mean ± std, IQM with CI, normalized score, success. */
export function summarizeEvaluation(r: EvalResult): string {
  return (
    `eval    ${r.env}, ${r.episodes} episodes: return ${fmt(r.meanReturn)} ± ${fmt(r.stdReturn)}, ` +
    `IQM ${fmt(r.iqm)} [${fmt(r.ci95[0])}, ${fmt(r.ci95[1])}], normalized score ${fmt(r.normalizedScore, 3)}` +
    (r.successRate === null ? "" : `, success ${(100 * r.successRate).toFixed(0)}%`) +
    (r.successCi95 === null || r.successCi95 === undefined
      ? ""
      : ` [${(100 * r.successCi95[0]).toFixed(0)}%, ${(100 * r.successCi95[1]).toFixed(0)}%]`)
  );
}

type Io = { out: (text: string) => void; err: (text: string) => void };

/** `mimic eval --redis|--workers`: the episodes run on workers; the summary is computed here. */
async function evaluateScaled(input: {
  policy: string;
  episodes: number;
  seed: number;
  values: FlagValues;
  io: Io;
}): Promise<EvalResult> {
  const { io } = input;
  const scaleRun = await scaleRunFlag("eval", input.values, io.err);
  const scale = await setUpScale("eval", input.values, io.err);
  try {
    const { NeuralPolicy } = await import("../nn/policy.js");
    const { envSpecOf, evaluateOnWorkers } = await import("../scale/distributed.js");
    // The env spec (for the normalized score and success) comes from the policy's own files.
    const policyDir = await resolvePolicyDir(input.policy);
    const saved = await NeuralPolicy.load(policyDir);
    const envSpec = envSpecOf(saved.envId, { ...saved.envOptions });
    saved.dispose();
    const bar = progressBar(`eval ${envSpec.id}`, input.episodes);
    const { result, report } = await evaluateOnWorkers(
      { policy: resolve(input.policy), envSpec, episodes: input.episodes, seed: input.seed },
      {
        redis: scale!.redis,
        queue: scale!.queue,
        jobs: scale!.jobs,
        ...scaleRun,
        // A resume keeps finished jobs only if the policy they evaluated is the one here now.
        inputs: await directoryDigest(policyDir),
        ...scaleProgress(bar, io.err),
        ...scaleResumeProgress(scaleRun.run, "episodes", io.err),
      },
    );
    bar.finish();
    const reportPath = typeof input.values["scale-report"] === "string" ? input.values["scale-report"] : null;
    await reportScale(report, reportPath, io.err);
    return result;
  } finally {
    await scale!.stop();
  }
}

export async function runEval(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("eval", argv, {
    policy: { type: "string" },
    episodes: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    env: { type: "string" },
    chromium: { type: "string" },
    ...scaleFlags,
    ...scaleResumeFlag,
    "scale-report": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(evalHelp);
    return 0;
  }
  const policy = requiredFlag("eval", values, "policy", "runs/cartpole-bc");
  const episodes = numberFlag("eval", values, "episodes", "positive-integer") ?? 50;
  const seed = numberFlag("eval", values, "seed", "integer") ?? 1000;
  if (seed < 0) throw new UsageError("eval", "--seed must be ≥ 0.");
  checkScaleResumeFlag("eval", values);
  const dom = await loadDomPolicy(policy);
  if (dom !== null) return evaluateDom({ ...dom, values, episodes, seed, io });
  if (typeof values.env === "string") {
    throw new UsageError(
      "eval",
      "--env is for DOM policies (mimic train bc-dom); other policies play the env they were trained on.",
    );
  }
  const single = await loadSingleFilePolicy(policy);
  let result: EvalResult;
  if (single !== null) {
    if (wantsScale(values)) {
      throw new UsageError(
        "eval",
        "--redis/--workers take a run directory; a single-file policy (policy.json) evaluates here.",
      );
    }
    const env = make(single.policy.envId, single.envOptions);
    try {
      result = await evaluate(env, single.policy as never, { episodes, seed, deterministic: true });
    } finally {
      env.close();
    }
  } else {
    result = wantsScale(values)
      ? await evaluateScaled({ policy, episodes, seed, values, io })
      : await evaluateRun({ policy, episodes, seed });
  }
  if (values.json) {
    io.out(JSON.stringify({ ...result, seed }, null, 2));
  } else {
    io.out(summarizeEvaluation(result));
  }
  return 0;
}

/** A DOM policy (`mimic train bc-dom|dagger-dom`) at `path` with the tasks it was trained on, or null. */
async function loadDomPolicy(path: string): Promise<{ policy: unknown; tasks: string[] } | null> {
  const file = await policyFileOf(path);
  if (file === null) return null;
  const head = await readFile(file, "utf8").catch(() => null);
  if (head === null || !/"format"\s*:\s*"mimic-dom-policy"/.test(head)) return null;
  const { DomPolicy } = await import("../nn/dom-policy.js");
  const policy = await DomPolicy.load(file);
  const env = await readFile(join(dirname(file), "env.json"), "utf8")
    .then((t) => JSON.parse(t) as { tasks?: unknown })
    .catch(() => null);
  const tasks = Array.isArray(env?.tasks) ? env.tasks.filter((t): t is string => typeof t === "string") : [];
  return { policy, tasks: tasks.length > 0 ? tasks : [policy.envId] };
}

/** `mimic eval` of a DOM policy: every task in headless Chromium, one line each. */
async function evaluateDom(input: {
  policy: unknown;
  tasks: string[];
  values: FlagValues;
  episodes: number;
  seed: number;
  io: Io;
}): Promise<number> {
  const { values, io } = input;
  if (wantsScale(values))
    throw new UsageError("eval", "--redis/--workers do not run web tasks yet; evaluate here.");
  const { isWebEnvId, parseWebEnvId } = await import("../envs/web/tasks.js");
  const ids =
    typeof values.env === "string"
      ? values.env
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean)
      : input.tasks;
  for (const id of ids) {
    if (!isWebEnvId(id)) {
      throw new UsageError(
        "eval",
        `--env ${id}: a DOM policy plays web tasks, named web:<task> or web:<path.html>.`,
      );
    }
    parseWebEnvId(id);
  }
  const { evaluateWebTasks } = await import("./web-eval.js");
  const results = await evaluateWebTasks(
    input.policy,
    ids,
    {
      episodes: input.episodes,
      seed: input.seed,
      chromium: typeof values.chromium === "string" ? values.chromium : undefined,
    },
    (_, result) => {
      if (!values.json) io.out(summarizeEvaluation(result));
    },
  );
  if (values.json) io.out(JSON.stringify({ seed: input.seed, tasks: results }, null, 2));
  return 0;
}
