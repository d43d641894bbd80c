/**
 * @module
 * `mimic eval`: roll a trained policy out and report its returns.
 */

import { resolve } from "node:path";
import { make } from "../core/registry.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { evaluateRun, resolvePolicyDir } from "../runs/pipelines.js";
import { type FlagValues, numberFlag, parseFlags, requiredFlag, UsageError } from "./args.js";
import { loadSingleFilePolicy } from "./policy-file.js";
import { progressBar } from "./progress.js";
import { reportScale, scaleFlags, scaleHelp, scaleProgress, setUpScale, wantsScale } from "./scale.js";

export const evalHelp = `Usage: mimic eval --policy runs/<name> [--episodes 50] [--seed 1000] [--json]

Evaluate a trained policy by rollouts in its environment: mean, std, min and max return, the
interquartile mean with a 95% bootstrap confidence interval, the normalized score (random = 0,
expert = 1) and the success rate where the env defines success. Episode k uses seed + k.

Options:
  --policy <path>   a run directory (runs/<name>) or its policy/ directory, or a policy.json of
                    mimic train bc-rnn|bc-cnn (the file or its directory)
  --episodes <N>    evaluation episodes (default 50)
  --seed <S>        seed of the first episode (default 1000)
  --json            print JSON (camelCase keys)
  -h, --help        show this help

${scaleHelp}
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
  const scale = await setUpScale("eval", input.values, io.err);
  try {
    const { NeuralPolicy } = await import("../nn/policy.js");
    const { envSpecOf, evaluateOnWorkers } = await import("../scale/distributed.js");
    // The env spec (for the normalized score and success) comes from the policy's own files.
    const saved = await NeuralPolicy.load(await resolvePolicyDir(input.policy));
    const envSpec = envSpecOf(saved.envId, { ...saved.envOptions });
    saved.dispose();
    const bar = progressBar(`eval ${envSpec.id}`, input.episodes);
    const { result, report } = await evaluateOnWorkers(
      { policy: resolve(input.policy), envSpec, episodes: input.episodes, seed: input.seed },
      { redis: scale!.redis, queue: scale!.queue, jobs: scale!.jobs, ...scaleProgress(bar, io.err) },
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
    ...scaleFlags,
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
