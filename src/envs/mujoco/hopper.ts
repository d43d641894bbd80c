/**
 * Hopper: make a one-legged robot hop forward, in MuJoCo.
 *
 * Ported from gymnasium/envs/mujoco/hopper_v5.py (Gymnasium 1.x, v5), with its model
 * gymnasium/envs/mujoco/assets/hopper.xml, on MuJoCo's WebAssembly build (`mujoco-js`). The robot
 * is Erez, Tassa and Todorov's (2011), "Infinite-horizon model predictive control for periodic
 * tasks with contacts".
 *
 * ## Description
 * A planar robot of four bodies (torso, thigh, leg, foot) joined by three hinges. Hop forward
 * (to +x) by applying torques at the hinges, without falling over.
 *
 * ## Action Space
 * `Box(-1, 1, (3,), float32)`: torques (N·m) at thigh_joint, leg_joint and foot_joint.
 *
 * ## Observation Space
 * `Box(-Inf, Inf, (11,), float64)`: qpos without rootx (the x position is left out by default),
 * then qvel clipped to [-10, 10].
 *
 * | Num | Observation                                   | Min  | Max | Joint       | Unit  |
 * |-----|-----------------------------------------------|------|-----|-------------|-------|
 * | 0   | z-coordinate of the torso (height)            | -Inf | Inf | rootz       | m     |
 * | 1   | angle of the torso                            | -Inf | Inf | rooty       | rad   |
 * | 2   | angle of the thigh joint                      | -Inf | Inf | thigh_joint | rad   |
 * | 3   | angle of the leg joint                        | -Inf | Inf | leg_joint   | rad   |
 * | 4   | angle of the foot joint                       | -Inf | Inf | foot_joint  | rad   |
 * | 5   | velocity of the torso along x                 | -Inf | Inf | rootx       | m/s   |
 * | 6   | velocity of the torso along z                 | -Inf | Inf | rootz       | m/s   |
 * | 7   | angular velocity of the torso                 | -Inf | Inf | rooty       | rad/s |
 * | 8   | angular velocity of the thigh hinge           | -Inf | Inf | thigh_joint | rad/s |
 * | 9   | angular velocity of the leg hinge             | -Inf | Inf | leg_joint   | rad/s |
 * | 10  | angular velocity of the foot hinge            | -Inf | Inf | foot_joint  | rad/s |
 *
 * ## Rewards
 * `reward = healthy_reward + forward_reward − ctrl_cost`:
 * - healthy_reward: `healthyReward` (1) on every step the hopper is healthy (see Episode End);
 * - forward_reward: `forwardRewardWeight` (1) × (x after − x before) / dt, dt = 0.008 s;
 * - ctrl_cost: `ctrlCostWeight` (1e-3) × Σ action², in float32 as numpy 2 computes it.
 * `info` holds `reward_forward`, `reward_ctrl` (−ctrl_cost), `reward_survive`, `x_position`,
 * `z_distance_from_origin` and `x_velocity`.
 *
 * ## Starting State
 * qpos and qvel are `init + U(-reset_noise_scale, reset_noise_scale)` (5e-3) with init qpos
 * `[0, 1.25, 0, 0, 0, 0]`, drawn with numpy's `Generator.uniform`: a seed gives Gymnasium's start.
 *
 * ## Episode End
 * - Termination (when `terminateWhenUnhealthy`, default true): the hopper is unhealthy, that is
 *   any of qpos[2:] and qvel leaves `healthyStateRange` (−100, 100), or the height qpos[1] leaves
 *   `healthyZRange` (0.7, ∞), or the torso angle qpos[2] leaves `healthyAngleRange` (−0.2, 0.2);
 *   all open intervals.
 * - Truncation (TimeLimit wrapper): 1000 steps.
 *
 * ## Version History
 * - v5: the model needs no `coordinate="global"`; reward terms and options exposed; the healthy
 *   reward is 0 when unhealthy (already in v4's code for terminate_when_unhealthy=True).
 * - v4 and earlier: not registered here.
 */
import { PlanarWalkerEnv } from "./planar-walker.js";

const xmlFile = "hopper.xml";

export interface HopperOptions {
  /** MuJoCo steps per env step: 4 (timestep 0.002 s, so dt = 0.008 s). */
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  /** Open range for every value of qpos[2:] and qvel. */
  healthyStateRange?: readonly [number, number];
  /** Open range for the torso height qpos[1], m. */
  healthyZRange?: readonly [number, number];
  /** Open range for the torso angle qpos[2], rad. */
  healthyAngleRange?: readonly [number, number];
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
}

export const hopperSpec = {
  id: "Hopper-v5",
  maxEpisodeSteps: 1000,
  rewardThreshold: 3800,
  description: "Hop forward on one leg without falling (MuJoCo).",
} as const;

export class HopperEnv extends PlanarWalkerEnv {
  private readonly healthyStateRange: readonly [number, number];
  private readonly healthyZRange: readonly [number, number];
  private readonly healthyAngleRange: readonly [number, number];

  constructor(options: HopperOptions = {}) {
    super(hopperSpec, xmlFile, {
      frameSkip: options.frameSkip ?? 4,
      forwardRewardWeight: options.forwardRewardWeight ?? 1.0,
      ctrlCostWeight: options.ctrlCostWeight ?? 1e-3,
      healthyReward: options.healthyReward ?? 1.0,
      terminateWhenUnhealthy: options.terminateWhenUnhealthy ?? true,
      resetNoiseScale: options.resetNoiseScale ?? 5e-3,
      excludeCurrentPositionsFromObservation: options.excludeCurrentPositionsFromObservation ?? true,
    });
    this.healthyStateRange = options.healthyStateRange ?? [-100.0, 100.0];
    this.healthyZRange = options.healthyZRange ?? [0.7, Infinity];
    this.healthyAngleRange = options.healthyAngleRange ?? [-0.2, 0.2];
  }

  /** Whether the state is in range, the torso high enough and upright enough (Gymnasium's `is_healthy`). */
  get isHealthy(): boolean {
    const qpos = this.model.qpos;
    const z = qpos[1]!;
    const angle = qpos[2]!;
    const state = this.stateVector().subarray(2);
    const [minState, maxState] = this.healthyStateRange;
    const [minZ, maxZ] = this.healthyZRange;
    const [minAngle, maxAngle] = this.healthyAngleRange;
    let healthyState = true;
    for (const v of state) if (!(minState < v && v < maxState)) healthyState = false;
    const healthyZ = minZ < z && z < maxZ;
    const healthyAngle = minAngle < angle && angle < maxAngle;
    return healthyState && healthyZ && healthyAngle;
  }
}
