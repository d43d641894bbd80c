/**
 * @module
 * Proximal Policy Optimization (PPO) on a vector env, for Discrete actions (CleanRL's `ppo.py`)
 * and Box actions (`ppo_continuous_action.py`: a diagonal Gaussian whose mean is the actor's
 * output and whose log-std is a state-independent parameter, actions clipped to the space when
 * sent to the env, optional observation and reward normalization).
 *
 * Paper: Schulman, Wolski, Dhariwal, Radford & Klimov (2017), "Proximal Policy Optimization
 * Algorithms" (arXiv:1707.06347). Reference implementation: CleanRL's `cleanrl/ppo.py`
 * (vwxyzjn/cleanrl), whose defaults and loop this file follows step by step:
 *
 *   rollout numSteps × numEnvs with a ~ π(·|s) → GAE(γ, λ) → updateEpochs passes of numMinibatches
 *   minibatches minimizing  L = L_clip − c_ent · H + c_vf · L_V,  with one Adam over both networks,
 *   global gradient-norm clipping and a linearly annealed learning rate.
 *
 * The policy and the value function are separate 64×64 tanh MLPs on the fused engine
 * (`src/nn/fused/`), as CleanRL's `Agent.actor` / `Agent.critic`. CleanRL initializes them
 * orthogonally (gain √2, 0.01 for the policy head, 1 for the value head); here `initMlpWeights`
 * draws Glorot-uniform kernels with the same head gains.
 *
 * Differences from CleanRL, both about episode ends:
 * - **Next-step autoreset.** mimic's `VectorEnv` follows Gymnasium 1.x: after sub-env i ends at
 *   step t, the step at t + 1 only resets it (action ignored, reward 0) and its row in the rollout
 *   starts at the episode's *final* observation. That row is not a transition of the MDP, so it is
 *   masked out: its advantage is 0, it is left out of every minibatch, and GAE's recursion is cut
 *   at the episode end before it.
 * - **Truncation bootstraps.** Because that masked row holds the final observation and its value
 *   was computed anyway, a truncated transition (time limit) bootstraps with γ·V(s_final), and
 *   only a terminated one uses 0. CleanRL's gym-0.2x `done` treats both as terminal.
 *
 * Files: `config.ts` (the options and presets), `learner.ts` (`PpoLearner`: collect and update),
 * `losses.ts` (the Gaussian surrogate and sampling), `state.ts` (records, rollout, saved state),
 * `train.ts` (`trainPpo`, the loop).
 */
export {
  PPO_PRESETS,
  type PpoConfig,
  ppoConfigSchema,
  type ResolvedPpoConfig,
  resolvePpoConfig,
} from "./config.js";
export { PpoLearner } from "./learner.js";
export type {
  PpoLearnerState,
  PpoRecord,
  PpoResult,
  PpoRollout,
  PpoRunState,
  PpoSnapshot,
  RolloutStats,
} from "./state.js";
export { learnedRewardRelabeler, type TrainPpoOptions, trainPpo } from "./train.js";
