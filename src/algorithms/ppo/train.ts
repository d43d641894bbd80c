/**
 * @module
 * `trainPpo`: PPO's training loop (collect, optionally relabel with a learned reward, update,
 * report, resume), and the relabeler that puts a reward model's rewards into a rollout.
 */
import { InvalidOptionError } from "../../core/errors.js";
import type { VectorEnv } from "../../core/vector.js";
import { RunningMeanStd } from "../../core/wrappers.js";
import { yieldToEventLoop } from "../../core/yield.js";
import type { RewardModel } from "../reward-model.js";
import type { PpoConfig } from "./config.js";
import { PpoLearner } from "./learner.js";
import type { PpoRecord, PpoResult, PpoRunState, PpoSnapshot } from "./state.js";

export interface TrainPpoOptions {
  /**
   * Called after each update with its record and the run's state so far (for checkpoints); the
   * loop waits for a returned promise.
   */
  onUpdateEnd?: (record: PpoRecord, snapshot: PpoSnapshot) => void | Promise<void>;
  /** Continue from a `PpoSnapshot.state()` of a run with the same env and config. */
  resume?: PpoRunState;
  /**
   * Train on this learned reward instead of the env's (reward-model.ts): every transition's
   * reward is r̂(s, a), standardized with running statistics, and a terminated episode is
   * bootstrapped with the absorbing state's value. Records still report the env's true return.
   */
  rewardModel?: RewardModel;
  /** Stops training after the current update. */
  signal?: AbortSignal;
}

/** PPO on the env's own rewards: `numUpdates` rollouts, each followed by an update. */
export async function trainPpo(
  envs: VectorEnv,
  config: PpoConfig = {},
  options: TrainPpoOptions = {},
): Promise<PpoResult> {
  const learner = new PpoLearner(envs, config);
  const rewardStats = options.rewardModel ? new RunningMeanStd(1) : null;
  const relabel = options.rewardModel
    ? learnedRewardRelabeler(learner, options.rewardModel, rewardStats!)
    : null;
  const history: PpoRecord[] = [];
  const resume = options.resume;
  if (resume !== undefined) {
    if (resume?.format !== "mimic-ppo-run" || resume.version !== 1 || !Array.isArray(resume.history)) {
      throw new InvalidOptionError("resume", 'PPO: not a PPO run state (format "mimic-ppo-run", version 1).');
    }
    if ((resume.rewardStats === null) !== (rewardStats === null)) {
      throw new InvalidOptionError(
        "resume",
        resume.rewardStats === null
          ? "PPO: the saved run trained on the env's reward; resume it without a reward model."
          : "PPO: the saved run trained on a learned reward; resume it with the same reward model.",
      );
    }
    learner.setState(resume.learner);
    if (resume.rewardStats !== null) rewardStats!.load(resume.rewardStats);
    history.push(...resume.history);
  }
  const snapshot: PpoSnapshot = {
    policyWeights: () => learner.policyWeights(),
    state: () => ({
      format: "mimic-ppo-run",
      version: 1,
      learner: learner.getState(),
      history: history.map((r) => ({ ...r })),
      rewardStats: rewardStats?.toJSON() ?? null,
    }),
  };
  for (let update = learner.updateCount + 1; update <= learner.numUpdates; update++) {
    const rollout = learner.collect();
    relabel?.();
    const stats = learner.update();
    const record: PpoRecord = {
      timesteps: rollout.timesteps,
      meanEpisodeReturn: rollout.episodes > 0 ? rollout.episodeReturnSum / rollout.episodes : null,
      episodes: rollout.episodes,
      ...stats,
    };
    history.push(record);
    await options.onUpdateEnd?.(record, snapshot);
    if (options.signal?.aborted) break;
    await yieldToEventLoop();
  }
  return learner.result(history);
}

/** Replaces each rollout's rewards by a learned reward model's (`PpoLearner.setLearnedRewards`). */
export function learnedRewardRelabeler(
  learner: PpoLearner,
  model: RewardModel,
  stats = new RunningMeanStd(1),
): () => void {
  const { numEnvs, numSteps, obsSize } = learner.rollout;
  model.checkSpaces(obsSize, learner.actionSpace, "PPO with a learned reward");
  const rows = numEnvs * numSteps;
  const all = new Float64Array(rows);
  const learned = new Float64Array(rows);
  const absorbing = model.absorbingReward();
  return () => {
    const r = learner.rollout;
    model.rewards(r.obs, r.actions, r.nextObs, r.terminated, rows, all);
    let n = 0;
    for (let row = 0; row < rows; row++) if (r.valid[row]) learned[n++] = all[row]!;
    learner.setLearnedRewards(learned, absorbing, stats);
  };
}
