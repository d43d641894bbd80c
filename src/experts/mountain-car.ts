/**
 * The MountainCar-v0 expert: energy pumping, improved by one-step rollouts on the env's own
 * dynamics.
 *
 * ## What it does
 * The base policy pumps energy: it accelerates in the direction the car moves (action 2 when the
 * velocity is ≥ 0, else 0). The engine's power is force · velocity, so this gains mechanical
 * energy as fast as the engine allows. On its own it scores about −119 over seeds 10000–10099,
 * because it always sets off to the right, even when swinging left first would be quicker.
 *
 * The expert improves it by rollout (see `RolloutPlanner`): for each action it simulates that
 * action and then the base policy on a `MountainCarKernel`, from the observed position and
 * velocity, for up to 200 steps (the TimeLimit), and takes the action that reaches the flag in
 * the fewest steps (the base's action on ties). That costs three rollouts per step. The
 * observation is the float64 state rounded to float32, so the simulated trajectory can differ from
 * the real one in the last bits; the choice of action is rarely affected.
 *
 * There are no gains to tune: the only constants are the env's.
 *
 * ## Measured
 * Mean return −105.01 (min −122) over seeds 10000–10099; the base policy alone gets −119.47.
 */
import type { Policy } from "../core/policy.js";
import { MountainCarKernel, type MountainCarOptions } from "../envs/classic/mountain-car.js";
import { checkObservation, RolloutPlanner } from "./control.js";

const name = "mountaincar-rollout";
/** Steps per rollout: MountainCar-v0's TimeLimit. */
const horizon = 200;
const actions: readonly number[] = [0, 1, 2];

/** Energy pumping: accelerate the way the car is moving (right when at rest). */
export function mountainCarPump(velocity: number): number {
  return velocity >= 0 ? 2 : 0;
}

/**
 * The MountainCar-v0 expert (see the module header). Pass the env's `goalVelocity` when it is not
 * the default 0, so that the rollouts stop where the env does.
 */
export function mountainCarExpert(options: MountainCarOptions = {}): Policy<ArrayLike<number>, number> {
  const planner = new RolloutPlanner(
    new MountainCarKernel(options),
    (state) => mountainCarPump(state[1]!),
    horizon,
  );
  const state = new Float64Array(2);
  return {
    name,
    act(observation: ArrayLike<number>): number {
      checkObservation(observation, 2, name);
      state[0] = observation[0]!;
      state[1] = observation[1]!;
      return planner.act(state, actions);
    },
  };
}
