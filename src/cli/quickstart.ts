/**
 * @module
 * `mimic quickstart`: the main job, end to end, in under a minute.
 */
import { quickstart } from "../runs/pipelines.js";
import { numberFlag, parseFlags } from "./args.js";
import { summarizeEvaluation } from "./eval.js";
import { displayPath, progressBar } from "./progress.js";

export const quickstartHelp = `Usage: mimic quickstart [--out runs/quickstart] [--episodes 10] [--seed 0]

The whole workflow on CartPole-v1: record expert demonstrations, train a policy by behavior
cloning, evaluate it over 50 episodes beside the expert and a random policy, and write a report.

Options:
  --out <dir>       where the dataset and the run go (default runs/quickstart)
  --episodes <N>    expert episodes to record (default 10)
  --seed <S>        seed of recording and training (default 0)
  -h, --help        show this help
`;

type Io = { out: (text: string) => void; err: (text: string) => void };

export async function runQuickstart(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("quickstart", argv, {
    out: { type: "string" },
    episodes: { type: "string" },
    seed: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(quickstartHelp);
    return 0;
  }
  const start = performance.now();
  const out = typeof values.out === "string" ? values.out : "runs/quickstart";
  let bar: ReturnType<typeof progressBar> | null = null;
  const result = await quickstart({
    out,
    episodes: numberFlag("quickstart", values, "episodes", "positive-integer"),
    seed: numberFlag("quickstart", values, "seed", "integer"),
    onStage: (stage) => {
      bar?.finish();
      bar = null;
      io.err(`· ${stage}`);
    },
    onProgress: (p) => {
      bar ??= progressBar("  train", p.totalBatches);
      bar.update(p.batch, `loss ${p.loss.toFixed(4)}`);
    },
  });
  const seconds = (performance.now() - start) / 1000;
  io.out(
    [
      `dataset ${displayPath(result.datasetPath)}`,
      summarizeEvaluation(result.train.evaluation!).replace(/^eval {3}/, "BC     "),
      summarizeEvaluation(result.expert).replace(/^eval {3}/, "expert "),
      summarizeEvaluation(result.random).replace(/^eval {3}/, "random "),
      `report  ${displayPath(result.train.reportPath)}`,
      `done in ${seconds.toFixed(1)} s`,
    ].join("\n"),
  );
  return 0;
}
