/**
 * Walker2d: make a two-legged planar robot walk forward, in MuJoCo.
 *
 * Ported from gymnasium/envs/mujoco/walker2d_v5.py (Gymnasium 1.x, v5), with its model
 * gymnasium/envs/mujoco/assets/walker2d_v5.xml, on MuJoCo's WebAssembly build (`mujoco-js`). The
 * robot extends the Hopper of Erez, Tassa and Todorov (2011) with a second leg.
 *
 * ## Description
 * A planar biped of seven bodies: torso, and per leg a thigh, leg and foot, joined by six hinges.
 * Walk forward (to +x) by applying torques at the hinges, without falling.
 *
 * ## Action Space
 * `Box(-1, 1, (6,), float32)`: torques (N·m) at thigh_joint, leg_joint, foot_joint (right), then
 * thigh_left_joint, leg_left_joint, foot_left_joint.
 *
 * ## Observation Space
 * `Box(-Inf, Inf, (17,), float64)`: qpos without rootx (8 values: torso height and angle, the six
 * hinge angles), then qvel (9 values: torso x, z and angular velocity, the six hinge velocities)
 * clipped to [-10, 10].
 *
 * | Num  | Observation                                  | Min  | Max | Joint                   | Unit      |
 * |------|----------------------------------------------|------|-----|-------------------------|-----------|
 * | 0    | z-coordinate of the torso (height)           | -Inf | Inf | rootz                   | m         |
 * | 1    | angle of the torso                           | -Inf | Inf | rooty                   | rad       |
 * | 2–4  | right thigh, leg and foot hinge angles       | -Inf | Inf | thigh/leg/foot_joint    | rad       |
 * | 5–7  | left thigh, leg and foot hinge angles        | -Inf | Inf | *_left_joint            | rad       |
 * | 8–10 | torso x and z velocity, angular velocity     | -Inf | Inf | rootx, rootz, rooty     | m/s, rad/s |
 * | 11–16| the six hinges' angular velocities           | -Inf | Inf | as 2–7                  | rad/s     |
 *
 * ## Rewards
 * `reward = healthy_reward + forward_reward − ctrl_cost`:
 * - healthy_reward: `healthyReward` (1) on every step the walker is healthy;
 * - forward_reward: `forwardRewardWeight` (1) × (x after − x before) / dt, dt = 0.008 s;
 * - ctrl_cost: `ctrlCostWeight` (1e-3) × Σ action², in float32 as numpy 2 computes it.
 * `info` holds `reward_forward`, `reward_ctrl`, `reward_survive`, `x_position`,
 * `z_distance_from_origin` and `x_velocity`.
 *
 * ## Starting State
 * qpos and qvel are `init + U(-reset_noise_scale, reset_noise_scale)` (5e-3) with init qpos
 * `[0, 1.25, 0, …, 0]`, drawn with numpy's `Generator.uniform`: a seed gives Gymnasium's start.
 *
 * ## Episode End
 * - Termination (when `terminateWhenUnhealthy`, default true): the walker is unhealthy, that is
 *   the height qpos[1] leaves `healthyZRange` (0.8, 2.0) or the torso angle qpos[2] leaves
 *   `healthyAngleRange` (−1, 1); open intervals.
 * - Truncation (TimeLimit wrapper): 1000 steps.
 *
 * ## Version History
 * - v5: walker2d_v5.xml gives both feet friction 1.9 (v2–v4: left 1.9, right 0.9); the healthy
 *   reward is only given while healthy; reward terms in `info`; `reset` returns a non-empty `info`.
 * - v4 and earlier: not registered here.
 */
import { PlanarWalkerEnv } from "./planar-walker.js";

const xmlFile = "walker2d_v5.xml";

export interface Walker2dOptions {
  /** MuJoCo steps per env step: 4 (timestep 0.002 s, so dt = 0.008 s). */
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  /** Open range for the torso height qpos[1], m. */
  healthyZRange?: readonly [number, number];
  /** Open range for the torso angle qpos[2], rad. */
  healthyAngleRange?: readonly [number, number];
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
}

export const walker2dSpec = {
  id: "Walker2d-v5",
  maxEpisodeSteps: 1000,
  description: "Walk forward on two legs without falling (MuJoCo).",
} as const;

export class Walker2dEnv extends PlanarWalkerEnv {
  private readonly healthyZRange: readonly [number, number];
  private readonly healthyAngleRange: readonly [number, number];

  constructor(options: Walker2dOptions = {}) {
    super(walker2dSpec, xmlFile, {
      frameSkip: options.frameSkip ?? 4,
      forwardRewardWeight: options.forwardRewardWeight ?? 1.0,
      ctrlCostWeight: options.ctrlCostWeight ?? 1e-3,
      healthyReward: options.healthyReward ?? 1.0,
      terminateWhenUnhealthy: options.terminateWhenUnhealthy ?? true,
      resetNoiseScale: options.resetNoiseScale ?? 5e-3,
      excludeCurrentPositionsFromObservation: options.excludeCurrentPositionsFromObservation ?? true,
    });
    this.healthyZRange = options.healthyZRange ?? [0.8, 2.0];
    this.healthyAngleRange = options.healthyAngleRange ?? [-1.0, 1.0];
  }

  /** Whether the torso is high enough and upright enough (Gymnasium's `is_healthy`). */
  get isHealthy(): boolean {
    const qpos = this.model.qpos;
    const z = qpos[1]!;
    const angle = qpos[2]!;
    const [minZ, maxZ] = this.healthyZRange;
    const [minAngle, maxAngle] = this.healthyAngleRange;
    const healthyZ = minZ < z && z < maxZ;
    const healthyAngle = minAngle < angle && angle < maxAngle;
    return healthyZ && healthyAngle;
  }
}
