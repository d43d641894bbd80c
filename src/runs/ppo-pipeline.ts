/**
 * @module
 * The workflow behind `mimic train ppo`: PPO on a vector env into a run directory (per-update
 * metrics, the policy saved in mimic's policy format, an evaluation, and the report).
 */
import {
  type PpoConfig,
  type PpoRecord,
  type PpoRunState,
  resolvePpoConfig,
  trainPpo,
} from "../algorithms/ppo/index.js";
import { RewardModel } from "../algorithms/reward-model.js";
import { make } from "../core/registry.js";
import { makeVec } from "../core/vector.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { encodeFloat32 } from "../nn/base64.js";
import { engineVersions } from "../nn/engine.js";
import { NeuralPolicy } from "../nn/policy.js";
import { RunDirectory } from "./run-directory.js";

export interface PpoRunOptions {
  /** The env to train on; a resumed run uses its own. */
  envId: string;
  /** That env's own options (`make(envId, envOptions)`), recorded in the run and the policy. */
  envOptions?: Record<string, unknown>;
  config?: PpoConfig;
  out: string;
  overwrite?: boolean;
  /**
   * Continue the run in `out` from its latest checkpoint, with its saved env, config and reward.
   * The envs restart at the checkpoint (see `PpoLearnerState`), so the continuation is a faithful
   * training run, not a replay of the uninterrupted one.
   */
  resume?: boolean;
  /** Save the policy and the training state every N updates (default 50). */
  checkpointEvery?: number;
  evalEpisodes?: number;
  evalSeed?: number;
  command?: string[];
  onUpdate?: (record: PpoRecord, totalTimesteps: number) => void;
  /**
   * Train on a learned reward instead of the env's: a GAIL/AIRL run directory (or its
   * `reward-model.json`). Metrics and the evaluation still report the env's true return.
   */
  reward?: string;
}

export interface PpoRunResult {
  run: string;
  policyDir: string;
  reportPath: string;
  history: PpoRecord[];
  evaluation: EvalResult;
}

export async function trainPpoRun(options: PpoRunOptions): Promise<PpoRunResult> {
  const checkpointEvery = options.checkpointEvery ?? 50;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new RangeError(`checkpointEvery must be a whole number of updates ≥ 1, got ${checkpointEvery}.`);
  }
  let run: RunDirectory | undefined;
  let resume: PpoRunState | undefined;
  let saved: Record<string, unknown> | undefined;
  if (options.resume) {
    const reopened = await RunDirectory.resume<{ state?: PpoRunState; timesteps: number }>(
      options.out,
      "ppo",
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
  const config = resolvePpoConfig(saved ? (saved.ppo as PpoConfig) : options.config);
  const envId = saved ? (saved.env as string) : options.envId;
  const envOptions = (saved ? saved.envOptions : options.envOptions) as Record<string, unknown> | undefined;
  const rewardPath = saved ? (saved.reward as string | undefined) : options.reward;
  const evalEpisodes = saved ? (saved.evalEpisodes as number) : (options.evalEpisodes ?? 50);
  const evalSeed = saved ? (saved.evalSeed as number) : (options.evalSeed ?? 1000);
  const envs = makeVec(envId, { ...envOptions, numEnvs: config.numEnvs });
  let rewardModel: RewardModel | undefined;
  try {
    rewardModel = rewardPath === undefined ? undefined : await RewardModel.load(rewardPath);
    rewardModel?.checkSpaces(envs.obsSize, envs.singleActionSpace, `--reward ${rewardPath}`);
  } catch (error) {
    await run?.close();
    throw error;
  }
  run ??= await RunDirectory.create(options.out, {
    command: options.command ?? [],
    config: {
      algorithm: "ppo",
      env: envId,
      ...(envOptions === undefined || Object.keys(envOptions).length === 0 ? {} : { envOptions }),
      ppo: config,
      ...(rewardPath === undefined ? {} : { reward: rewardPath, rewardKind: rewardModel!.kind }),
      evalEpisodes,
      evalSeed,
    },
    seeds: { train: config.seed, eval: evalSeed },
    versions: engineVersions(),
    overwrite: options.overwrite,
  });
  try {
    const result = await trainPpo(envs, config, {
      rewardModel,
      resume,
      onUpdateEnd: async (record, snapshot) => {
        run.log(record.timesteps, {
          ...(record.meanEpisodeReturn === null ? {} : { episode_return: record.meanEpisodeReturn }),
          learning_rate: record.learningRate,
          policy_loss: record.policyLoss,
          value_loss: record.valueLoss,
          entropy: record.entropy,
          approx_kl: record.approxKl,
          clip_fraction: record.clipFraction,
          explained_variance: record.explainedVariance,
        });
        const update = Math.round(record.timesteps / (config.numEnvs * config.numSteps));
        if (update % checkpointEvery === 0) {
          await run!.saveCheckpoint(`update-${update}`, {
            json: {
              update,
              timesteps: record.timesteps,
              policyWeights: snapshot.policyWeights().map(encodeFloat32),
              state: snapshot.state(),
            },
          });
        }
        options.onUpdate?.(record, config.totalTimesteps);
      },
    });
    // The actor is an MLP with a categorical or Gaussian head (the log-std last, as PPO returns
    // it) and the observation statistics PPO standardized with: it saves as a mimic policy.
    const env = make(envId, envOptions);
    const policy = await NeuralPolicy.create({
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envId,
      envOptions,
      hidden: config.hidden,
      activation: config.activation,
      seed: config.seed,
      ...(result.normalization === null ? {} : { normalization: result.normalization }),
    });
    policy.setWeights(result.policyWeights);
    await policy.save(run.policyDir);
    policy.dispose();
    const evaluation = await evaluate(
      make(envId, envOptions),
      { act: (o: ArrayLike<number>) => result.act(o) },
      { episodes: evalEpisodes, seed: evalSeed },
    );
    const returns = result.history
      .filter((r) => r.meanEpisodeReturn !== null)
      .map((r) => [r.timesteps, r.meanEpisodeReturn!] as const);
    const reportPath = await run.writeReport({
      title: `PPO on ${envId}${rewardModel ? ` with a learned ${rewardModel.kind.toUpperCase()} reward` : ""}`,
      subtitle:
        `${config.totalTimesteps} timesteps, ${config.numEnvs} envs` +
        (rewardPath === undefined ? "" : `; trained on the reward of ${rewardPath}, returns are the env's`),
      status: "finished",
      summary: [
        { label: "timesteps", value: result.history.at(-1)?.timesteps ?? 0 },
        { label: "updates", value: result.history.length },
        { label: "mean return", value: evaluation.meanReturn.toFixed(1) },
        {
          label: "normalized score",
          value: evaluation.normalizedScore === null ? "-" : evaluation.normalizedScore.toFixed(3),
        },
      ],
      plots: [
        {
          title: "training episode return",
          xLabel: "timesteps",
          yLabel: "return",
          series: [{ name: "episode return", points: returns }],
        },
        {
          title: "losses",
          xLabel: "timesteps",
          yLabel: "loss",
          series: [
            { name: "policy", points: result.history.map((r) => [r.timesteps, r.policyLoss] as const) },
            {
              name: "value",
              points: result.history.map((r) => [r.timesteps, r.valueLoss] as const),
              dashed: true,
            },
          ],
        },
      ],
      evaluations: [{ name: "PPO (argmax)", ...evaluation }],
      config: run.manifest.config,
      footer: `Run directory: ${run.dir}`,
    });
    await run.finish("finished", {
      meanReturn: evaluation.meanReturn,
      timesteps: result.history.at(-1)?.timesteps ?? 0,
    });
    return { run: run.dir, policyDir: run.policyDir, reportPath, history: result.history, evaluation };
  } catch (error) {
    if (run.manifest.status === "running")
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
}
