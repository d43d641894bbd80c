/**
 * @module
 * `mimic train bc-rnn` and `mimic train bc-cnn`: behavior cloning with a recurrent policy (memory)
 * or an encoder policy (images, Dict observations) into a run directory (manifest.json,
 * metrics.jsonl, checkpoints/, policy/ with policy.json, policy.onnx and env.json,
 * evaluation.json, report.html) that `--resume` continues after a kill.
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { parseConfig } from "../algorithms/bc-common.js";
import type { Policy } from "../core/policy.js";
import { make } from "../core/registry.js";
import { evaluate } from "../eval/evaluate.js";
import type { ConvSpec } from "../nn/encoder-policy.js";
import {
  type BcVariantPolicy,
  type BcVariantRecord,
  type BcVariantRunOptions,
  trainBcVariantRun,
} from "../runs/bc-variant-pipeline.js";
import { loadTrainingData } from "../runs/pipelines.js";
import {
  type FlagValues,
  numberFlag,
  parseFlags,
  parseHidden,
  requiredFlag,
  setNumberFlags,
  UsageError,
} from "./args.js";
import { summarizeEvaluation } from "./eval.js";
import { displayPath, progressBar } from "./progress.js";
import { flagsOfConfig, givenFlags, refuseChangedFlags, sameDatasets } from "./resume-flags.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

const commonHelp = `  --dataset <path>       dataset directory (Minari HDF5) or .jsonl file
  --out <dir>            run directory: manifest.json, metrics.jsonl, checkpoints/, policy/
                         (policy.json, policy.onnx, env.json), evaluation.json, report.html
  --epochs <N>           passes over the data
  --batch-size <N>       examples per minibatch (default 64)
  --lr <x>               Adam learning rate (default 0.001)
  --hidden <sizes>       hidden layers of the head, e.g. 64 or 64,64 (default 64)
  --validation <f>       fraction of episodes held out to pick the best epoch (default 0.2)
  --patience <N>         epochs without a better validation loss before stopping (default 0 = never)
  --seed <S>             seed of initialization, split and shuffles (default 0)
  --eval-episodes <N>    evaluation rollouts after training (default 50; 0 skips)
  --eval-seed <S>        seed of the first evaluation episode (default 1000)
  --checkpoint-every <N> also save a checkpoint every N minibatches (default: at each epoch's end)
  --resume               continue the run in --out from its last checkpoint (its own dataset,
                         config and evaluation settings); it ends with the weights an
                         uninterrupted run would have
  --overwrite            replace an existing run in --out
  -h, --help             show this help`;

export const bcRnnHelp = `Usage: mimic train bc-rnn --dataset <path> --out <dir> [options]

BC-RNN (robomimic's BC_RNN): behavior cloning with a GRU over the last --window observations, for
tasks where one observation does not show the state (MaskedCartPole-v1). Box observations,
Discrete actions.

Options:
  --window <N>           observations the GRU sees (default 8)
  --gru-hidden <N>       GRU hidden units (default 32)
${commonHelp}
  (--epochs default 40)

Example:
  mimic train bc-rnn --dataset datasets/masked-noisy --out runs/masked-bc-rnn
  mimic train bc-rnn --out runs/masked-bc-rnn --resume     # after a kill
`;

export const bcCnnHelp = `Usage: mimic train bc-cnn --dataset <path> --out <dir> [options]

BC-CNN: behavior cloning with an encoder policy: a CNN per image leaf, vectors as they are, Dict
observations (PixelCartPole-v1). Discrete actions.

Options:
  --keys <names>         the Dict leaves the policy reads, e.g. pixels or pixels,state (default all)
  --convs <specs>        convolutions as channels:kernel:stride, e.g. 16:5:2,32:3:2
                         (default: NatureCNN, or a small preset for small images)
  --features <N>         units of each image branch's dense layer (default 256)
  --motion <C>           add each stacked frame's difference from the one before as channels;
                         C = channels per frame (1 for grayscale PixelCartPole; default 0 = none)
  --shift <P>            random-shift augmentation by up to P pixels (DrQ; default 0 = none)
  --no-standardize       images only over 255 (default: each input channel standardized)
${commonHelp}
  (--epochs default 20)

Example:
  mimic train bc-cnn --dataset datasets/pixel-cartpole --keys pixels --motion 1 --shift 2 \\
    --features 64 --epochs 50 --out runs/pixel-bc-cnn
  mimic train bc-cnn --out runs/pixel-bc-cnn --resume      # after a kill
`;

const commonFlags = {
  dataset: { type: "string" },
  out: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  lr: { type: "string" },
  hidden: { type: "string" },
  validation: { type: "string" },
  patience: { type: "string" },
  seed: { type: "string" },
  "eval-episodes": { type: "string" },
  "eval-seed": { type: "string" },
  "checkpoint-every": { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Config fields shared by the BC trainers (bc-rnn, bc-cnn, bc-dom), from the common flags. */
export function commonConfig(command: string, values: FlagValues): Record<string, unknown> {
  const config = setNumberFlags(command, values, {}, [
    ["epochs", "epochs", "positive-integer"],
    ["batch-size", "batchSize", "positive-integer"],
    ["lr", "learningRate", "number"],
    ["validation", "validationFraction", "fraction"],
    ["patience", "patience", "integer"],
    ["seed", "seed", "integer"],
    ["checkpoint-every", "checkpointEvery", "integer"],
  ]);
  if (config.checkpointEvery !== undefined && (config.checkpointEvery as number) < 0)
    throw new UsageError(command, "--checkpoint-every must be ≥ 0.");
  if (config.learningRate !== undefined && !((config.learningRate as number) > 0))
    throw new UsageError(command, `--lr must be a positive number, got ${JSON.stringify(values.lr)}.`);
  if (config.validationFraction !== undefined && (config.validationFraction as number) > 0.9)
    throw new UsageError(
      command,
      `--validation must be at most 0.9, got ${JSON.stringify(values.validation)}.`,
    );
  if (config.patience !== undefined && (config.patience as number) < 0)
    throw new UsageError(command, "--patience must be ≥ 0.");
  if (config.seed !== undefined && (config.seed as number) < 0)
    throw new UsageError(command, "--seed must be ≥ 0.");
  if (typeof values.hidden === "string") config.hidden = parseHidden(command, values.hidden);
  return config;
}

/** Parses `16:5:2,32:3:2` into convolution specs. */
export function parseConvs(command: string, text: string): ConvSpec[] {
  return text.split(",").map((part) => {
    const m = /^\s*(\d+):(\d+):(\d+)\s*$/.exec(part);
    const [channels, kernel, stride] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    if (!m || channels < 1 || kernel < 1 || stride < 1)
      throw new UsageError(
        command,
        `--convs takes channels:kernel:stride per layer, comma-separated, e.g. 16:5:2,32:3:2; got ${JSON.stringify(text)}.`,
      );
    return { channels, kernel, stride };
  });
}

/** Refuses a non-empty `out` unless `overwrite`, which empties it. */
export async function prepareOut(command: string, out: string, overwrite: boolean): Promise<void> {
  const entries = await readdir(out).catch(() => null);
  if (entries !== null && entries.length > 0) {
    if (!overwrite)
      throw new UsageError(
        command,
        `--out ${out} exists and is not empty; pass --overwrite to replace it, or choose another --out.`,
      );
    await rm(out, { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
}

export async function runEncoderTrain(
  algorithm: "bc-rnn" | "bc-cnn",
  argv: string[],
  io: Io,
): Promise<number> {
  const command = `train ${algorithm}`;
  const { values } = parseFlags(
    command,
    argv,
    algorithm === "bc-rnn"
      ? { ...commonFlags, window: { type: "string" }, "gru-hidden": { type: "string" } }
      : {
          ...commonFlags,
          keys: { type: "string" },
          convs: { type: "string" },
          features: { type: "string" },
          motion: { type: "string" },
          shift: { type: "string" },
          "no-standardize": { type: "boolean" },
        },
  );
  if (values.help) {
    io.out(algorithm === "bc-rnn" ? bcRnnHelp : bcCnnHelp);
    return 0;
  }
  const out = requiredFlag(command, values, "out", `runs/${algorithm}`);
  const resume = values.resume === true;
  // A resumed run takes its dataset, config and evaluation settings from its manifest.
  const datasetPath = resume ? undefined : requiredFlag(command, values, "dataset", "datasets/masked-noisy");
  const config = commonConfig(command, values);
  if (algorithm === "bc-rnn") {
    setNumberFlags(command, values, config, [
      ["window", "window", "positive-integer"],
      ["gru-hidden", "gruHidden", "positive-integer"],
    ]);
  } else {
    if (typeof values.keys === "string") {
      const keys = values.keys
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean);
      if (keys.length === 0)
        throw new UsageError(command, "--keys names Dict leaves, e.g. --keys pixels,state.");
      config.keys = keys;
    }
    if (typeof values.convs === "string") config.convs = parseConvs(command, values.convs);
    setNumberFlags(command, values, config, [
      ["features", "features", "positive-integer"],
      ["motion", "motion", "integer"],
      ["shift", "shift", "integer"],
    ]);
    if (values["no-standardize"] === true) config.standardizeImages = false;
  }
  const evalEpisodes = numberFlag(command, values, "eval-episodes", "integer") ?? 50;
  if (evalEpisodes < 0) throw new UsageError(command, "--eval-episodes must be ≥ 0.");
  const evalSeed = numberFlag(command, values, "eval-seed", "integer") ?? 1000;
  if (resume) {
    // The run's dataset, config and evaluation settings hold; a flag that would change them is refused.
    await refuseChangedFlags(command, out, algorithm, [
      ...flagsOfConfig(config, [algorithm]),
      ...givenFlags([
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

  // Both trainers take a config, a dataset and the epoch options, and give a policy to save.
  const trainer = (algorithm === "bc-rnn"
    ? await import("../algorithms/bc-rnn.js").then((m) => ({
        schema: m.bcRnnConfigSchema,
        train: m.trainBcRnn,
      }))
    : await import("../algorithms/bc-encoder.js").then((m) => ({
        schema: m.bcEncoderConfigSchema,
        train: m.trainBcEncoder,
      }))) as unknown as {
    schema: z.ZodType<Record<string, unknown> & { epochs: number; seed: number }>;
    train: BcVariantRunOptions<BcVariantRecord, BcVariantPolicy & Policy<never, number>>["train"];
  };
  let bar: ReturnType<typeof progressBar> | null = null;
  const endBar = () => {
    bar?.finish();
    bar = null;
  };
  const result = await trainBcVariantRun({
    algorithm,
    out,
    dataset: datasetPath,
    config,
    resolveConfig: (c) => parseConfig(trainer.schema, c, algorithm === "bc-rnn" ? "BC-RNN" : "BC"),
    resume,
    overwrite: values.overwrite === true,
    evalEpisodes,
    evalSeed,
    command: ["mimic", "train", algorithm, ...argv],
    load: async (path) => {
      const { dataset, envId, envOptions } = await loadTrainingData(path, (w) => io.err(`warning: ${w}`));
      // The env the policy was trained for, with its options: `mimic eval` makes the same one.
      return { dataset, envId, envFile: { envId, envOptions } };
    },
    train: trainer.train,
    evaluate: async (policy, data, options) => {
      endBar();
      const env = make(data.envId, data.envFile.envOptions as Record<string, unknown>);
      try {
        const evaluation = await evaluate(env, policy, { ...options, deterministic: true });
        return { results: { [data.envId]: evaluation }, file: { ...evaluation, seed: options.seed } };
      } finally {
        env.close();
      }
    },
    onEpoch: (record, epochs) => {
      bar ??= progressBar(command, epochs);
      bar.update(
        record.epoch,
        `loss ${record.trainLoss.toFixed(4)}${record.validationLoss !== null ? `  val ${record.validationLoss.toFixed(4)}` : ""}`,
      );
    },
  });
  endBar();
  const lines = [
    `${result.resumedFrom !== null ? `resumed from minibatch ${result.resumedFrom}; ` : ""}trained ${result.history.length} epochs (best epoch ${result.bestEpoch}), final train loss ${result.history.at(-1)?.trainLoss.toFixed(4) ?? "-"}`,
    ...Object.values(result.evaluation).map(summarizeEvaluation),
    `policy  ${displayPath(join(result.policyDir, "policy.json"))} (ONNX: ${displayPath(join(result.policyDir, "policy.onnx"))})`,
    `report  ${displayPath(result.reportPath)}`,
  ];
  io.out(lines.join("\n"));
  return 0;
}
