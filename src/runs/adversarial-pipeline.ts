/**
 * @module
 * The workflow behind `mimic train gail` and `mimic train airl`: adversarial imitation from a
 * dataset into a run directory (per-round metrics and TensorBoard events, checkpoints of the policy
 * and the reward model, the policy in mimic's format, `reward-model.json`, an evaluation of the
 * generator on the true reward, and the report).
 */
import type {
  AdversarialConfig,
  AdversarialRecord,
  AdversarialSnapshot,
  AdversarialState,
} from "../algorithms/adversarial.js";
import { resolveAdversarialConfig } from "../algorithms/adversarial.js";
import { trainAirl } from "../algorithms/airl.js";
import { trainGail } from "../algorithms/gail.js";
import { make } from "../core/registry.js";
import { makeVec } from "../core/vector.js";
import { toTransitions } from "../data/episode.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { encodeFloat32 } from "../nn/base64.js";
import { engineVersions } from "../nn/engine.js";
import { NeuralPolicy } from "../nn/policy.js";
import { loadTrainingData } from "./pipelines.js";
import { RunDirectory } from "./run-directory.js";

export interface AdversarialRunOptions {
  algorithm: "gail" | "airl";
  /** The demonstrations (a Minari dataset directory or .jsonl file); a resumed run uses its own. */
  dataset: string;
  /**
   * Continue the run in `out` from its latest checkpoint, with its saved config and dataset. The
   * generator's envs restart at the checkpoint (see `PpoLearnerState`), so the continuation is a
   * faithful training run, not a replay of the uninterrupted one.
   */
  resume?: boolean;
  config?: AdversarialConfig;
  out: string;
  overwrite?: boolean;
  /** Save the policy and the reward model every N rounds (default 50). */
  checkpointEvery?: number;
  evalEpisodes?: number;
  evalSeed?: number;
  command?: string[];
  /** After each round (and its checkpoint); `snapshot` is the live generator and reward model. */
  onRound?: (record: AdversarialRecord, totalTimesteps: number, snapshot: AdversarialSnapshot) => void;
  onWarning?: (message: string) => void;
}

export interface AdversarialRunResult {
  run: string;
  policyDir: string;
  rewardModelPath: string;
  reportPath: string;
  history: AdversarialRecord[];
  evaluation: EvalResult;
}

export async function trainAdversarialRun(options: AdversarialRunOptions): Promise<AdversarialRunResult> {
  const name = options.algorithm === "gail" ? "GAIL" : "AIRL";
  const checkpointEvery = options.checkpointEvery ?? 50;
  let run: RunDirectory;
  let resume: AdversarialState | undefined;
  let saved: Record<string, unknown> | undefined;
  if (options.resume) {
    const reopened = await RunDirectory.resume<{ state?: AdversarialState; timesteps: number }>(
      options.out,
      options.algorithm,
      {
        missing: "no checkpoint to resume from",
        usable: (checkpoint) => checkpoint.state !== undefined,
        step: (checkpoint) => checkpoint.timesteps,
      },
    );
    run = reopened.run;
    saved = reopened.config;
    resume = reopened.checkpoint.json.state;
  }
  const config = resolveAdversarialConfig(
    saved ? (saved[options.algorithm] as AdversarialConfig) : options.config,
    name,
  );
  const evalEpisodes = saved ? (saved.evalEpisodes as number) : (options.evalEpisodes ?? 50);
  const evalSeed = saved ? (saved.evalSeed as number) : (options.evalSeed ?? 1000);
  const datasetPath = saved ? (saved.dataset as string) : options.dataset;
  const { dataset, envId, envOptions } = await loadTrainingData(datasetPath, options.onWarning);
  const demos = toTransitions(dataset.episodes);
  const envs = makeVec(envId, { ...envOptions, numEnvs: config.ppo.numEnvs });
  run ??= await RunDirectory.create(options.out, {
    command: options.command ?? [],
    config: {
      algorithm: options.algorithm,
      env: envId,
      dataset: datasetPath,
      datasetEpisodes: dataset.episodes.length,
      datasetSteps: demos.length,
      [options.algorithm]: config,
      evalEpisodes,
      evalSeed,
    },
    seeds: { train: config.seed, eval: evalSeed },
    versions: engineVersions(),
    overwrite: options.overwrite,
  });
  try {
    const train = options.algorithm === "gail" ? trainGail : trainAirl;
    const result = await train(envs, demos, config, {
      resume,
      onWarning: (message) => options.onWarning?.(message),
      onRoundEnd: async (record, snapshot) => {
        run.log(record.timesteps, {
          ...(record.meanEpisodeReturn === null ? {} : { episode_return: record.meanEpisodeReturn }),
          disc_loss: record.discLoss,
          disc_accuracy_expert: record.discAccuracyExpert,
          disc_accuracy_generator: record.discAccuracyGenerator,
          learned_reward_mean: record.meanLearnedReward,
          absorbing_reward: record.absorbingReward,
          policy_loss: record.policyLoss,
          value_loss: record.valueLoss,
          entropy: record.entropy,
          approx_kl: record.approxKl,
          learning_rate: record.learningRate,
        });
        if (record.round % checkpointEvery === 0) {
          await run.saveCheckpoint(`round-${record.round}`, {
            json: {
              round: record.round,
              timesteps: record.timesteps,
              policyWeights: snapshot.policyWeights().map(encodeFloat32),
              rewardModel: snapshot.rewardModel.toJSON(),
              state: snapshot.state(),
            },
          });
        }
        options.onRound?.(record, config.totalTimesteps, snapshot);
      },
    });
    // The generator is an MLP with a categorical head: it saves as a mimic policy.
    const env = make(envId, envOptions);
    const policy = await NeuralPolicy.create({
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envId,
      envOptions,
      hidden: config.ppo.hidden,
      activation: config.ppo.activation,
      seed: config.seed,
    });
    policy.setWeights(result.policyWeights);
    await policy.save(run.policyDir);
    policy.dispose();
    const rewardModelPath = await result.rewardModel.save(run.dir);
    const evaluation = await evaluate(
      env,
      { act: (o: ArrayLike<number>) => result.act(o) },
      { episodes: evalEpisodes, seed: evalSeed },
    );
    const h = result.history;
    const returns = h
      .filter((r) => r.meanEpisodeReturn !== null)
      .map((r) => [r.timesteps, r.meanEpisodeReturn!] as const);
    const reportPath = await run.writeReport({
      title: `${name} on ${envId}`,
      subtitle: `${config.totalTimesteps} timesteps from ${dataset.episodes.length} expert episodes (${demos.length} transitions)`,
      status: "finished",
      summary: [
        { label: "timesteps", value: h.at(-1)?.timesteps ?? 0 },
        { label: "rounds", value: h.length },
        { label: "mean return", value: evaluation.meanReturn.toFixed(1) },
        {
          label: "normalized score",
          value: evaluation.normalizedScore === null ? "-" : evaluation.normalizedScore.toFixed(3),
        },
      ],
      plots: [
        {
          title: "generator's true episode return",
          xLabel: "timesteps",
          yLabel: "return",
          series: [{ name: "episode return", points: returns }],
        },
        {
          title: "discriminator accuracy (last batch of each round)",
          xLabel: "timesteps",
          yLabel: "accuracy",
          series: [
            { name: "on expert", points: h.map((r) => [r.timesteps, r.discAccuracyExpert] as const) },
            {
              name: "on generator",
              points: h.map((r) => [r.timesteps, r.discAccuracyGenerator] as const),
              dashed: true,
            },
          ],
        },
        {
          title: "discriminator loss",
          xLabel: "timesteps",
          yLabel: "logistic loss",
          series: [{ name: "loss", points: h.map((r) => [r.timesteps, r.discLoss] as const) }],
        },
      ],
      evaluations: [{ name: `${name} generator (argmax)`, ...evaluation }],
      config: run.manifest.config,
      footer: `Run directory: ${run.dir}. Reward model: reward-model.json (train a new policy on it with \`mimic train ppo --reward ${run.dir}\`).`,
    });
    await run.finish("finished", {
      meanReturn: evaluation.meanReturn,
      timesteps: h.at(-1)?.timesteps ?? 0,
    });
    return { run: run.dir, policyDir: run.policyDir, rewardModelPath, reportPath, history: h, evaluation };
  } catch (error) {
    if (run.manifest.status === "running")
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
}
