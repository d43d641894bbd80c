/**
 * @module
 * `mimic collect`: roll an expert out in an env and save the episodes as a dataset.
 */
import { basename, join } from "node:path";
import { make, parseEnvId } from "../core/registry.js";
import { makeVec, VectorEnv } from "../core/vector.js";
import { collect } from "../data/collect.js";
import { Dataset } from "../data/dataset.js";
import { saveDataset } from "../data/store.js";
import { scriptedExpert } from "../experts/index.js";
import { envOptionsFlag, type FlagValues, numberFlag, parseFlags, requiredFlag, UsageError } from "./args.js";
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

export const collectHelp = `Usage: mimic collect --env <id> --expert scripted (--episodes N | --steps N) --out <path> [options]

Roll an expert policy out in an environment and save the episodes as a dataset: a directory in
Minari's HDF5 layout (Python's minari and h5py open it), or a .jsonl file.

Options:
  --env <id>          environment id, e.g. CartPole-v1 (see 'mimic envs')
  --expert scripted   the built-in expert for the env: a scripted controller, or for
                      the MuJoCo envs the PPO policy shipped in experts/
  --episodes <N>      number of episodes to record
  --steps <N>         or: record at least N steps (the last episode is finished)
  --seed <S>          seed of the first reset; episode k uses S + k (default 0)
  --num-envs <N>      step N copies of the env at once (vector env; default 1)
  --env-options <json>  the env's own options, e.g. '{"width":7,"height":7}' for GridWorld-v0
                      (saved in the dataset's env_spec; the scripted expert plans for them)
  --expert-noise <ε>  probability of a uniformly random action instead of the expert's at each
                      step (default 0): noisy demonstrations, recorded in the dataset's metadata
  --out <path>        dataset directory, or a file ending in .jsonl
  --id <id>           dataset id for the metadata (default: from --out, e.g. cartpole-expert-v0)
  -h, --help          show this help

${scaleHelp}
${scaleResumeHelp}
  With --redis or --workers, episode k still resets with seed S + k and the dataset is the one a
  local run records (the same episodes, in seed order); --episodes is needed and --num-envs is not
  used. Who collected what is written to <out>/scale.json (<name>.scale.json beside a .jsonl).

Examples:
  mimic collect --env CartPole-v1 --expert scripted --episodes 10 --seed 0 --out datasets/cartpole-expert
  mimic collect --env CartPole-v1 --expert scripted --episodes 1000 --workers 2 --out datasets/cartpole-1000
`;

function datasetIdFrom(out: string): string {
  const name =
    basename(out)
      .replace(/\.jsonl$/, "")
      .replace(/[^\w.-]+/g, "-") || "dataset";
  return /-v\d+$/.test(name) ? name : `${name}-v0`;
}

/** `mimic collect --redis|--workers`: the episodes come from workers, keyed by seed. */
async function collectScaled(input: {
  envId: string;
  envOptions: Record<string, unknown>;
  episodes: number;
  seed: number;
  out: string;
  id: unknown;
  values: FlagValues;
  print: (text: string) => void;
  err: (text: string) => void;
}): Promise<number> {
  const { envId, envOptions, episodes, seed, out, print, err } = input;
  const scaleRun = await scaleRunFlag("collect", input.values, err);
  const scale = await setUpScale("collect", input.values, err);
  const { collectOnWorkers } = await import("../scale/distributed.js");
  const env = make(envId, envOptions);
  const bar = progressBar(`collect ${envId}`, episodes);
  try {
    const { episodes: recorded, report } = await collectOnWorkers(
      { envId, envOptions, episodes, seed },
      {
        redis: scale!.redis,
        queue: scale!.queue,
        jobs: scale!.jobs,
        ...scaleRun,
        ...scaleProgress(bar, err),
        ...scaleResumeProgress(scaleRun.run, "episodes", err),
      },
    );
    bar.finish();
    const dataset = new Dataset({
      id: typeof input.id === "string" ? input.id : datasetIdFrom(out),
      episodes: recorded,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    const policy = scriptedExpert(envId, { makeOptions: envOptions });
    await saveDataset(out, dataset, { algorithmName: `scripted expert (${policy.name ?? envId})` });
    const stats = dataset.stats();
    print(
      `collected ${stats.episodes} episodes, ${stats.steps} steps, return ${stats.returnMean.toFixed(2)} ± ${stats.returnStd.toFixed(2)} ` +
        `(min ${stats.returnMin.toFixed(2)}, max ${stats.returnMax.toFixed(2)}) → ${out}`,
    );
    const reportPath = out.endsWith(".jsonl")
      ? out.replace(/\.jsonl$/, ".scale.json")
      : join(out, "scale.json");
    await reportScale(report, reportPath, print);
    return 0;
  } finally {
    await scale!.stop();
  }
}

export async function runCollect(
  argv: string[],
  print: (text: string) => void,
  err: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
): Promise<number> {
  const { values } = parseFlags("collect", argv, {
    env: { type: "string" },
    expert: { type: "string" },
    episodes: { type: "string" },
    steps: { type: "string" },
    seed: { type: "string" },
    "num-envs": { type: "string" },
    "env-options": { type: "string" },
    "expert-noise": { type: "string" },
    out: { type: "string" },
    id: { type: "string" },
    ...scaleFlags,
    ...scaleResumeFlag,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    print(collectHelp);
    return 0;
  }
  const envId = requiredFlag("collect", values, "env", "CartPole-v1");
  if (envId.startsWith("web:")) {
    throw new UsageError(
      "collect",
      `${envId} is a web task, which runs in a browser: record it with mimic web record --task ${envId.slice(4)} --driver expert --episodes N --out <dataset> (or without --driver, yourself).`,
    );
  }
  const expertName = requiredFlag("collect", values, "expert", "scripted");
  const out = requiredFlag("collect", values, "out", "datasets/cartpole-expert");
  const episodes = numberFlag("collect", values, "episodes", "positive-integer");
  const steps = numberFlag("collect", values, "steps", "positive-integer");
  const seed = numberFlag("collect", values, "seed", "integer") ?? 0;
  const numEnvs = numberFlag("collect", values, "num-envs", "positive-integer") ?? 1;
  const noiseText = values["expert-noise"];
  const noise = noiseText === undefined ? 0 : Number(noiseText);
  if (typeof noiseText === "string" && (noiseText.trim() === "" || !(noise >= 0 && noise <= 1)))
    throw new UsageError(
      "collect",
      `--expert-noise is the probability of a random action, a number from 0 to 1 (e.g. 0.2); got ${JSON.stringify(noiseText)}.`,
    );
  if (episodes === undefined && steps === undefined)
    throw new UsageError("collect", "say how much to record: --episodes N or --steps N.");
  if (seed < 0) throw new UsageError("collect", `--seed must be 0 or more, got ${seed}.`);
  if (expertName !== "scripted") {
    throw new UsageError(
      "collect",
      `--expert ${JSON.stringify(expertName)} is not available; use --expert scripted (saved policies come with training).`,
    );
  }
  parseEnvId(envId);
  const envOptions = envOptionsFlag("collect", values, envId);
  checkScaleResumeFlag("collect", values);
  if (wantsScale(values)) {
    if (episodes === undefined)
      throw new UsageError(
        "collect",
        "with --redis or --workers, say how many episodes: --episodes N (not --steps).",
      );
    if (numEnvs > 1)
      throw new UsageError(
        "collect",
        "--num-envs does not combine with --redis or --workers: each job steps one env per episode seed.",
      );
    return collectScaled({ envId, envOptions, episodes, seed, out, id: values.id, values, print, err });
  }
  const env = numEnvs > 1 ? makeVec(envId, { ...envOptions, numEnvs }) : make(envId, envOptions);
  const { observationSpace, actionSpace, spec } =
    env instanceof VectorEnv
      ? { ...env, observationSpace: env.singleObservationSpace, actionSpace: env.singleActionSpace }
      : env;
  const policy = scriptedExpert(envId, { makeOptions: envOptions, epsilon: noise, noiseSeed: seed });
  const total = episodes ?? steps!;
  const bar = progressBar(`collect ${envId}`, total);
  let returnSum = 0;
  let count = 0;
  const recorded = await collect(env, policy, {
    episodes,
    steps,
    seed,
    deterministic: true,
    onEpisode: (episode, stepsSoFar) => {
      count += 1;
      returnSum += episode.return;
      bar.update(
        episodes !== undefined ? count : Math.min(stepsSoFar, total),
        `mean return ${(returnSum / count).toFixed(1)}`,
      );
    },
  });
  const dataset = new Dataset({
    id: typeof values.id === "string" ? values.id : datasetIdFrom(out),
    episodes: recorded,
    observationSpace,
    actionSpace,
    envSpec: spec,
  });
  const noiseNote =
    noise > 0 ? `, expert noise ε=${noise} (uniformly random actions, noise seed ${seed})` : "";
  await saveDataset(out, dataset, {
    algorithmName: `scripted expert (${policy.name ?? envId}${noiseNote})`,
  });
  const stats = dataset.stats();
  bar.finish();
  print(
    `collected ${stats.episodes} episodes, ${stats.steps} steps, return ${stats.returnMean.toFixed(2)} ± ${stats.returnStd.toFixed(2)} ` +
      `(min ${stats.returnMin.toFixed(2)}, max ${stats.returnMax.toFixed(2)}) → ${out}`,
  );
  return 0;
}

export function runCollectCommand(
  argv: string[],
  io: { out: (text: string) => void; err: (text: string) => void },
): Promise<number> {
  return runCollect(argv, io.out, io.err);
}
