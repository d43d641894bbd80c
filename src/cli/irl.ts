/**
 * @module
 * `mimic train gail`, `mimic train airl` and `mimic train maxent-irl`: inverse RL into a run
 * directory, with progress, metrics, TensorBoard events and the report, as `train bc`.
 */
import type { AdversarialConfig } from "../algorithms/adversarial.js";
import { AIRL_PRESETS } from "../algorithms/airl.js";
import { GAIL_PRESETS } from "../algorithms/gail.js";
import { PPO_PRESETS, type PpoConfig } from "../algorithms/ppo/config.js";
import { trainAdversarialRun } from "../runs/adversarial-pipeline.js";
import { trainMaxEntIrlRun } from "../runs/maxent-pipeline.js";
import { loadTrainingData } from "../runs/pipelines.js";
import {
  envOptionsFlag,
  numberFlag,
  parseFlags,
  parseHidden,
  ppoFlagsConfig,
  requiredFlag,
  setNumberFlags,
  UsageError,
} from "./args.js";
import { summarizeEvaluation } from "./eval.js";
import { displayPath, progressBar } from "./progress.js";
import {
  DISCRIMINATOR_FLAG_OF,
  flagsOfConfig,
  givenFlags,
  PPO_FLAG_OF,
  refuseChangedFlags,
  sameDatasets,
} from "./resume-flags.js";

type Io = { out: (text: string) => void; err: (text: string) => void };

const airlPresetHelp = `  On seals/CartPole-v0, AIRL defaults to --disc-activation tanh --disc-replay-size 65536
  --disc-hidden 64,64 --disc-lr 0.0005: a reward network that saturates away from the expert's
  states, and a discriminator that keeps the early generator's falls in view (measured in
  docs/algorithms/irl.md). Flags override them.
`;

const gailPresetHelp = `  On seals/CartPole-v0, GAIL's generator defaults to --minibatches 4 (four PPO steps per epoch
  instead of one: it learns fast enough to reach 500 within 200k steps on most seeds; measured in
  docs/algorithms/irl.md). On seals/Hopper-v5 it defaults to imitation's tuned settings (8 envs,
  its PPO and discriminator hyperparameters; run 10M steps: 0.95 in the mean of four seeds), on
  seals/Walker2d-v5 to imitation's with --activation relu --disc-input-norm running
  --disc-grad-penalty 10 (0.77 in the mean of two seeds at 10M steps, 100 demonstrations), on
  seals/HalfCheetah-v5 to 1 env x 2048 steps, lr 3e-4, 10 epochs of 32 minibatches (0.95 in the
  mean of four seeds at 4M steps), on seals/Ant-v5 to
  imitation's settings with --log-std-init=-2 (1.11 in the mean of three seeds at 4M steps);
  measured in docs/mujoco.md. Flags override them.
`;

export function adversarialHelp(algorithm: "gail" | "airl"): string {
  const what =
    algorithm === "gail"
      ? "GAIL (Ho & Ermon 2016): a discriminator on state-action pairs tells expert from generator; the\ngenerator (PPO) is rewarded by softplus(logit) = −log(1 − D)."
      : "AIRL (Fu et al. 2018): the discriminator's logit is f(s,a,s') − log π(a|s) with\nf = g(s,a) + γh(s') − h(s); the generator (PPO) is rewarded by that logit, and f is kept as the\nlearned reward.";
  return `Usage: mimic train ${algorithm} --dataset <path> --out runs/<name> [--timesteps N] [options]

${what}

The env comes from the dataset's metadata (Discrete or Box actions; AIRL: Discrete only). The run
directory gets metrics.jsonl (discriminator loss and accuracy on expert and generator samples, the
generator's true return),
TensorBoard events, checkpoints of the policy and reward model, policy/, reward-model.json, an
evaluation on the env's true reward, and report.html. Train a new policy on the learned reward
with: mimic train ppo --env <id> --reward <this run>.

Options:
  --dataset <path>            expert demonstrations (Minari dataset directory or .jsonl)
  --out <dir>                 run directory
  --timesteps <N>             generator env steps (default 300000)
  --seed <S>                  seed (default 1)
  --disc-lr <x>               discriminator Adam learning rate (default 0.001)
  --disc-batch-size <N>       transitions per side per discriminator batch (default 256)
  --disc-updates <N>          discriminator steps per generator rollout (default 4)
  --disc-hidden <sizes>       reward network hidden layers (default 32,32)
  --disc-activation <fn>      reward network activation: relu or tanh (default relu)
  --disc-replay-size <N>      generator transitions kept for the discriminator across rounds
                              (default 0: the latest rollout only)
  --disc-input-norm <how>     standardize the reward network's observations with the
                              demonstrations' mean and std (demonstrations, the default) or with
                              running statistics of every discriminator batch (running: imitation's
                              RunningNorm, which its tuned seals configs use)
  --disc-grad-penalty <λ>     GAIL: add λ·(‖∇ logit‖ − 1)² at points between expert and generator
                              inputs to the discriminator's loss (WGAN-GP's penalty; DAC uses 10).
                              Needs --disc-activation relu (default 0: none)
  --no-reward-norm            give PPO the raw learned reward (default: standardized)
  --state-only-reward         learn a reward of the state alone: AIRL's g(s) (Fu et al.'s
                              disentangled form), GAIL's D(s) (the actions' noise cannot give
                              the generator away; the demonstrations' actions go unused)
  --allow-variable-horizon    accept episodes of different lengths (CartPole-v1's generator falls;
                              read the error it replaces before turning this on). Not needed on
                              fixed-horizon envs such as seals/CartPole-v0
${algorithm === "airl" ? airlPresetHelp : gailPresetHelp}  PPO generator (defaults: the env's tuned preset when it has one, else CleanRL's):
  --num-envs <N>  --num-steps <N>  --lr <x>  --epochs <N>  --minibatches <N>
  --gamma <x>  --gae-lambda <x>  --ent-coef <x>
  --log-std-init=<x>          Box actions: the generator's initial Gaussian log-std (default 0;
                              -2 lets seals/Ant-v5's GAIL learn: a std-1 generator is told apart
                              from a deterministic expert by its noise). Negative values need "="
  --activation <fn>           the generator's hidden-layer activation: tanh or relu (default tanh)
  --checkpoint-every <N>      save the training state every N rounds (default 50)
  --resume                    continue the run in --out from its last checkpoint (its own config
                              and dataset; the generator's envs restart at the checkpoint)
  --eval-episodes <N>         evaluation episodes after training (default 50)
  --overwrite                 replace an existing run in --out
  -h, --help                  show this help

Example:
  mimic collect --env seals/CartPole-v0 --expert scripted --episodes 4 --out datasets/seals-cartpole-4
  mimic train ${algorithm} --dataset datasets/seals-cartpole-4 --timesteps 200000 --out runs/cartpole-${algorithm}
`;
}

const adversarialFlags = {
  dataset: { type: "string" },
  out: { type: "string" },
  timesteps: { type: "string" },
  seed: { type: "string" },
  "disc-lr": { type: "string" },
  "disc-batch-size": { type: "string" },
  "disc-updates": { type: "string" },
  "disc-hidden": { type: "string" },
  "disc-activation": { type: "string" },
  "disc-replay-size": { type: "string" },
  "disc-input-norm": { type: "string" },
  "disc-grad-penalty": { type: "string" },
  "no-reward-norm": { type: "boolean" },
  "state-only-reward": { type: "boolean" },
  "allow-variable-horizon": { type: "boolean" },
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
  "checkpoint-every": { type: "string" },
  "eval-episodes": { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * The settings `mimic train gail|airl` starts from on `envId`, before its flags: the generator gets
 * the env's tuned PPO preset (`PPO_PRESETS`) under the algorithm's own (`GAIL_PRESETS`,
 * `AIRL_PRESETS`), the discriminator the algorithm's. Envs without presets get `{ ppo: {},
 * discriminator: {} }`, the library's defaults. `npm run bench -- irl` trains with the same.
 */
export function adversarialPreset(
  algorithm: "gail" | "airl",
  envId: string,
): { ppo: PpoConfig; discriminator: NonNullable<AdversarialConfig["discriminator"]> } {
  const preset = (algorithm === "airl" ? AIRL_PRESETS : GAIL_PRESETS)[envId];
  return {
    ppo: { ...PPO_PRESETS[envId], ...preset?.ppo },
    discriminator: { ...preset?.discriminator },
  };
}

export async function runAdversarialCommand(
  algorithm: "gail" | "airl",
  argv: string[],
  io: Io,
): Promise<number> {
  const command = `train ${algorithm}`;
  const { values } = parseFlags(command, argv, adversarialFlags);
  if (values.help) {
    io.out(adversarialHelp(algorithm));
    return 0;
  }
  const out = requiredFlag(command, values, "out", `runs/cartpole-${algorithm}`);
  const resume = values.resume === true;
  const dataset =
    resume && typeof values.dataset !== "string"
      ? ""
      : requiredFlag(command, values, "dataset", "datasets/cartpole-expert");
  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    io.err(`warning: ${message}`);
  };
  // The generator's preset depends on the env, which the dataset names (a resumed run has its own).
  const envId = resume ? "" : (await loadTrainingData(dataset)).envId;
  // The algorithm's per-env preset (seals/CartPole-v0), under the flags.
  const preset = adversarialPreset(algorithm, envId);
  const discriminator = setNumberFlags(command, values, { ...preset.discriminator }, [
    ["disc-lr", "learningRate", "number"],
    ["disc-batch-size", "batchSize", "positive-integer"],
    ["disc-updates", "updatesPerRound", "positive-integer"],
    ["disc-replay-size", "replaySize", "integer"],
    ["disc-grad-penalty", "gradientPenalty", "non-negative"],
  ]);
  const activation = values["disc-activation"];
  if (typeof activation === "string") {
    if (activation !== "relu" && activation !== "tanh") {
      throw new UsageError(command, `--disc-activation is relu or tanh, got ${JSON.stringify(activation)}.`);
    }
    discriminator.activation = activation;
  }
  const inputNorm = values["disc-input-norm"];
  if (typeof inputNorm === "string") {
    if (inputNorm !== "demonstrations" && inputNorm !== "running") {
      throw new UsageError(
        command,
        `--disc-input-norm is demonstrations or running, got ${JSON.stringify(inputNorm)}.`,
      );
    }
    discriminator.inputNorm = inputNorm;
  }
  if (typeof values["disc-hidden"] === "string")
    discriminator.hidden = parseHidden(command, values["disc-hidden"]);
  if (values["state-only-reward"] === true) discriminator.stateOnlyReward = true;
  const config: Record<string, unknown> = {
    ppo: ppoFlagsConfig(command, values, envId, preset.ppo),
    discriminator,
    normalizeRewards: values["no-reward-norm"] !== true,
    allowVariableHorizon: values["allow-variable-horizon"] === true,
  };
  setNumberFlags(command, values, config, [
    ["timesteps", "totalTimesteps", "positive-integer"],
    ["seed", "seed", "integer"],
  ]);
  const evalEpisodes = numberFlag(command, values, "eval-episodes", "positive-integer");
  if (resume) {
    // The run's dataset and config hold; a flag that would change them is refused.
    await refuseChangedFlags(command, out, algorithm, [
      ...flagsOfConfig(config.ppo as Record<string, unknown>, [algorithm, "ppo"], PPO_FLAG_OF),
      ...flagsOfConfig(discriminator, [algorithm, "discriminator"], DISCRIMINATOR_FLAG_OF),
      ...givenFlags([
        ["dataset", ["dataset"], dataset === "" ? undefined : dataset, sameDatasets],
        ["timesteps", [algorithm, "totalTimesteps"], config.totalTimesteps],
        ["seed", [algorithm, "seed"], config.seed],
        [
          "no-reward-norm",
          [algorithm, "normalizeRewards"],
          values["no-reward-norm"] === true ? false : undefined,
        ],
        [
          "allow-variable-horizon",
          [algorithm, "allowVariableHorizon"],
          values["allow-variable-horizon"] === true ? true : undefined,
        ],
        ["eval-episodes", ["evalEpisodes"], evalEpisodes],
      ]),
    ]);
  }
  const bar = progressBar(command, 1);
  const result = await trainAdversarialRun({
    algorithm,
    dataset,
    out,
    resume,
    config,
    overwrite: values.overwrite === true,
    checkpointEvery: numberFlag(command, values, "checkpoint-every", "positive-integer"),
    evalEpisodes,
    command: ["mimic", "train", algorithm, ...argv],
    onWarning,
    onRound: (r, total) => {
      bar.setTotal(total);
      const ret = r.meanEpisodeReturn === null ? "" : `return ${r.meanEpisodeReturn.toFixed(1)}, `;
      bar.update(
        r.timesteps,
        `${ret}disc acc ${r.discAccuracyExpert.toFixed(2)}/${r.discAccuracyGenerator.toFixed(2)}`,
      );
    },
  });
  bar.finish();
  io.out(
    [
      `${algorithm.toUpperCase()}: ${result.history.at(-1)?.timesteps ?? 0} timesteps, ${result.history.length} rounds`,
      summarizeEvaluation(result.evaluation),
      `policy        ${displayPath(result.policyDir)}`,
      `reward model  ${displayPath(result.rewardModelPath)}`,
      `report        ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}

export const maxEntHelp = `Usage: mimic train maxent-irl --env GridWorld-v0 --expert scripted --out runs/<name> [options]

Maximum causal entropy IRL (Ziebart 2010) on a tabular env with known dynamics: soft value
iteration and state-visitation matching recover a reward; the greedy policy under that reward is
then evaluated on the env's true reward, beside the expert. The run directory gets metrics.jsonl
(occupancy L1 distance per iteration), reward.json (r̂ per state and θ), policy.json, and
report.html.

Options:
  --env <id>           a tabular env: GridWorld-v0
  --env-options <json> GridWorld options, e.g. '{"width":8,"height":8,"stepReward":-0.01}'
  --expert <who>       scripted (value iteration on the true reward)
  --episodes <N>       expert episodes to record (default 50)
  --reward <kind>      tabular (one value per state, default) or linear (in the env's features)
  --horizon <N>        H of the soft policy (default 50)
  --gamma <x>          discount (default 0.99)
  --iterations <N>     gradient steps (default 300)
  --lr <x>             Adam step size on θ (default 0.1)
  --l2 <x>             L2 penalty on θ (default 0)
  --seed <S>           seed of θ's start (default 0)
  --eval-episodes <N>  evaluation episodes (default 50)
  --overwrite          replace an existing run in --out
  -h, --help           show this help

Example:
  mimic train maxent-irl --env GridWorld-v0 --expert scripted --out runs/grid-irl
`;

export async function runMaxEntCommand(argv: string[], io: Io): Promise<number> {
  const command = "train maxent-irl";
  const { values } = parseFlags(command, argv, {
    env: { type: "string" },
    "env-options": { type: "string" },
    expert: { type: "string" },
    episodes: { type: "string" },
    reward: { type: "string" },
    horizon: { type: "string" },
    gamma: { type: "string" },
    iterations: { type: "string" },
    lr: { type: "string" },
    l2: { type: "string" },
    seed: { type: "string" },
    "eval-episodes": { type: "string" },
    out: { type: "string" },
    overwrite: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(maxEntHelp);
    return 0;
  }
  const envId = requiredFlag(command, values, "env", "GridWorld-v0");
  const out = requiredFlag(command, values, "out", "runs/grid-irl");
  const expert = typeof values.expert === "string" ? values.expert : "scripted";
  if (expert !== "scripted") {
    throw new UsageError(
      command,
      `--expert must be "scripted" for MaxEnt IRL, got ${JSON.stringify(expert)}.`,
    );
  }
  const envOptions = envOptionsFlag(command, values, envId);
  const config = setNumberFlags(command, values, {}, [
    ["horizon", "horizon", "positive-integer"],
    ["gamma", "gamma", "fraction"],
    ["iterations", "iterations", "integer"],
    ["lr", "learningRate", "number"],
    ["l2", "l2", "number"],
    ["seed", "seed", "integer"],
  ]);
  if (typeof values.reward === "string") {
    if (values.reward !== "tabular" && values.reward !== "linear") {
      throw new UsageError(
        command,
        `--reward must be tabular or linear, got ${JSON.stringify(values.reward)}.`,
      );
    }
    config.reward = values.reward;
  }
  const bar = progressBar(command, 1);
  const result = await trainMaxEntIrlRun({
    envId,
    envOptions,
    expert: "scripted",
    episodes: numberFlag(command, values, "episodes", "positive-integer"),
    config,
    out,
    overwrite: values.overwrite === true,
    evalEpisodes: numberFlag(command, values, "eval-episodes", "positive-integer"),
    command: ["mimic", "train", "maxent-irl", ...argv],
    onIteration: (i, total, distance) => {
      bar.setTotal(total);
      bar.update(i, `occupancy L1 ${distance.toFixed(4)}`);
    },
  });
  bar.finish();
  io.out(
    [
      `MaxEnt IRL: ${result.occupancyDistance.length - 1} iterations, occupancy L1 ${result.occupancyDistance.at(-1)!.toFixed(4)}`,
      `greedy policy under the learned reward: ${summarizeEvaluation(result.evaluation)}`,
      `expert: ${summarizeEvaluation(result.expertEvaluation)}`,
      `reward  ${displayPath(result.rewardPath)}`,
      `report  ${displayPath(result.reportPath)}`,
    ].join("\n"),
  );
  return 0;
}
