/**
 * The Acrobot-v1 expert: energy pumping at the actuated joint, improved by one-step rollouts on
 * the env's own dynamics.
 *
 * ## What it does
 * The base policy torques the middle joint in the direction it turns: +1 (action 2) when θ̇₂ > 0,
 * else −1 (action 0). The motor's power is τ · θ̇₂, so this puts energy into the chain as fast as
 * the motor allows. On its own it scores about −84 over seeds 10000–10099, with some slow
 * episodes (the worst takes 223 steps).
 *
 * The expert improves it by rollout (see `RolloutPlanner`): for each of the three torques it
 * simulates that torque and then the base policy on an `AcrobotKernel`, for up to 200 steps, and
 * takes the torque whose rollout lifts the tip above the line in the fewest steps (the base's
 * torque on ties). The state comes from the observation: θ₁ = atan2(sin θ₁, cos θ₁), likewise θ₂,
 * and the two velocities. The observation rounds the float64 state to float32, so a rollout can
 * drift from the real trajectory; each step plans afresh from the newest observation.
 *
 * There are no gains to tune: the only constants are the env's. The cost is three rollouts (at
 * most 600 Runge–Kutta steps) per step.
 *
 * ## Measured
 * Mean return −64.12 (min −68) over seeds 10000–10099; the base policy alone gets −84.48.
 */
import type { Policy } from "../core/policy.js";
import { AcrobotKernel } from "../envs/classic/acrobot.js";
import { checkObservation, RolloutPlanner } from "./control.js";

const name = "acrobot-rollout";
/** Steps per rollout. */
const horizon = 200;
const actions: readonly number[] = [0, 1, 2];

/** Energy pumping: torque the middle joint the way it turns (state: θ₁, θ₂, θ̇₁, θ̇₂). */
export function acrobotPump(dtheta2: number): number {
  return dtheta2 > 0 ? 2 : 0;
}

/** The Acrobot-v1 expert (see the module header). */
export function acrobotExpert(): Policy<ArrayLike<number>, number> {
  const planner = new RolloutPlanner(new AcrobotKernel(), (state) => acrobotPump(state[3]!), horizon);
  const state = new Float64Array(4);
  return {
    name,
    act(observation: ArrayLike<number>): number {
      checkObservation(observation, 6, name);
      state[0] = Math.atan2(observation[1]!, observation[0]!);
      state[1] = Math.atan2(observation[3]!, observation[2]!);
      state[2] = observation[4]!;
      state[3] = observation[5]!;
      return planner.act(state, actions);
    },
  };
}
