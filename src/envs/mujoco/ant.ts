/**
 * Ant: make a four-legged robot walk forward, in MuJoCo.
 *
 * Ported from gymnasium/envs/mujoco/ant_v5.py (Gymnasium 1.x, v5), with its model
 * gymnasium/envs/mujoco/assets/ant.xml, on MuJoCo's WebAssembly build (`mujoco-js`). The robot is
 * Schulman, Moritz, Levine, Jordan and Abbeel's (2015), "High-dimensional continuous control
 * using generalized advantage estimation".
 *
 * ## Description
 * A 3D robot: a torso (free body) with four legs of two links each, eight hinges. Move forward
 * (to +x) by applying torques at the hinges.
 *
 * ## Action Space
 * `Box(-1, 1, (8,), float32)`: torques (N·m) at hip_4, angle_4, hip_1, angle_1, hip_2, angle_2,
 * hip_3 and angle_3, in the model's actuator order.
 *
 * ## Observation Space
 * `Box(-Inf, Inf, (105,), float64)`, in order:
 *
 * | Num    | Observation                                           | Min  | Max | Unit        |
 * |--------|-------------------------------------------------------|------|-----|-------------|
 * | 0      | z-coordinate of the torso                             | -Inf | Inf | m           |
 * | 1–4    | orientation of the torso (quaternion w, x, y, z)      | -Inf | Inf |             |
 * | 5–12   | the eight hinge angles                                | -Inf | Inf | rad         |
 * | 13–15  | torso velocity along x, y, z                          | -Inf | Inf | m/s         |
 * | 16–18  | torso angular velocity about x, y, z                  | -Inf | Inf | rad/s       |
 * | 19–26  | the eight hinges' angular velocities                  | -Inf | Inf | rad/s       |
 * | 27–104 | `cfrc_ext` of the 13 bodies after the world (6 each), clipped to `contactForceRange` | -1 | 1 | N, N·m |
 *
 * The torso's x and y are left out by default (`excludeCurrentPositionsFromObservation`), and
 * `includeCfrcExtInObservation: false` drops the 78 contact-force values.
 *
 * ## Rewards
 * `reward = (healthy_reward + forward_reward) − (ctrl_cost + contact_cost)`:
 * - healthy_reward: `healthyReward` (1) on every step the ant is healthy;
 * - forward_reward: `forwardRewardWeight` (1) × the main body's x displacement / dt, dt = 0.05 s;
 * - ctrl_cost: `ctrlCostWeight` (0.5) × Σ action², in float32 as numpy 2 computes it;
 * - contact_cost: `contactCostWeight` (5e-4) × Σ clip(cfrc_ext, −1, 1)² over every body, the world
 *   included (float64, numpy's pairwise sum).
 * `info` holds `reward_forward`, `reward_ctrl`, `reward_contact`, `reward_survive`, `x_position`,
 * `y_position`, `distance_from_origin` (numpy's `norm` of (x, y), `√fma(y, y, x²)`: see
 * `numpyNorm2`), `x_velocity` and `y_velocity`.
 *
 * ## Starting State
 * qpos is `init + U(-reset_noise_scale, reset_noise_scale)` (0.1) with init qpos
 * `[0, 0, 0.75, 1, 0, …, 0]`, and qvel `init + reset_noise_scale · N(0, 1)`, drawn with numpy's
 * `Generator.uniform` and its ziggurat `standard_normal` (`Rng.standardNormal`): a seed gives
 * Gymnasium's start state.
 *
 * ## Episode End
 * - Termination (when `terminateWhenUnhealthy`, default true): the ant is unhealthy, that is
 *   some of qpos and qvel is not finite, or the torso height qpos[2] leaves `healthyZRange`
 *   [0.2, 1.0] (closed interval).
 * - Truncation (TimeLimit wrapper): 1000 steps.
 *
 * ## Version History
 * - v5: the reward always includes contact_cost; the world's `cfrc_ext` left out of the
 *   observation (always 0); `main_body`, `forward_reward_weight`, `include_cfrc_ext_in_observation`
 *   arguments; the healthy reward is only given while healthy; `reset` returns a non-empty `info`.
 * - v4 and earlier: not registered here.
 */
import type { StepResult } from "../../core/env.js";
import type { Rng } from "../../core/rng.js";
import { controlCost, MujocoEnv, normalNoise, numpyNorm2, numpySum, uniformNoise } from "./mujoco-env.js";

const xmlFile = "ant.xml";

export interface AntOptions {
  /** MuJoCo steps per env step: 5 (timestep 0.01 s, so dt = 0.05 s). */
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  contactCostWeight?: number;
  healthyReward?: number;
  /** The body whose x displacement is rewarded: its index or name (1, the torso). */
  mainBody?: number | string;
  terminateWhenUnhealthy?: boolean;
  /** Closed range for the torso height qpos[2], m. */
  healthyZRange?: readonly [number, number];
  /** `cfrc_ext` is clipped to this range in the observation and the contact cost. */
  contactForceRange?: readonly [number, number];
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
  includeCfrcExtInObservation?: boolean;
}

export const antSpec = {
  id: "Ant-v5",
  maxEpisodeSteps: 1000,
  rewardThreshold: 6000,
  description: "Walk forward on four legs (MuJoCo).",
} as const;

export class AntEnv extends MujocoEnv {
  private readonly forwardRewardWeight: number;
  private readonly ctrlCostWeight: number;
  private readonly contactCostWeight: number;
  private readonly healthyRewardValue: number;
  private readonly mainBody: number;
  private readonly terminateWhenUnhealthy: boolean;
  private readonly healthyZRange: readonly [number, number];
  private readonly contactForceRange: readonly [number, number];
  private readonly resetNoiseScale: number;
  private readonly excludeCurrentPositions: boolean;
  private readonly includeCfrcExt: boolean;
  private readonly clipped: Float64Array;

  constructor(options: AntOptions = {}) {
    const exclude = options.excludeCurrentPositionsFromObservation ?? true;
    const includeCfrcExt = options.includeCfrcExtInObservation ?? true;
    super(
      antSpec,
      xmlFile,
      options.frameSkip ?? 5,
      (m) => m.nq + m.nv - (exclude ? 2 : 0) + (includeCfrcExt ? 6 * (m.nbody - 1) : 0),
    );
    this.forwardRewardWeight = options.forwardRewardWeight ?? 1;
    this.ctrlCostWeight = options.ctrlCostWeight ?? 0.5;
    this.contactCostWeight = options.contactCostWeight ?? 5e-4;
    this.healthyRewardValue = options.healthyReward ?? 1.0;
    const mainBody = options.mainBody ?? 1;
    this.mainBody = typeof mainBody === "string" ? this.model.bodyId(mainBody) : mainBody;
    this.terminateWhenUnhealthy = options.terminateWhenUnhealthy ?? true;
    this.healthyZRange = options.healthyZRange ?? [0.2, 1.0];
    this.contactForceRange = options.contactForceRange ?? [-1.0, 1.0];
    this.resetNoiseScale = options.resetNoiseScale ?? 0.1;
    this.excludeCurrentPositions = exclude;
    this.includeCfrcExt = includeCfrcExt;
    this.clipped = new Float64Array(6 * this.model.nbody);
  }

  /** Whether qpos and qvel are finite and the torso height is in range (Gymnasium's `is_healthy`). */
  get isHealthy(): boolean {
    const state = this.stateVector();
    const [minZ, maxZ] = this.healthyZRange;
    for (const v of state) if (!Number.isFinite(v)) return false;
    return minZ <= state[2]! && state[2]! <= maxZ;
  }

  /** `cfrc_ext` clipped to `contactForceRange` (Gymnasium's `contact_forces`), every body. */
  contactForces(): Float64Array {
    const raw = this.model.cfrcExt;
    const [minValue, maxValue] = this.contactForceRange;
    for (let i = 0; i < raw.length; i++) this.clipped[i] = Math.min(Math.max(raw[i]!, minValue), maxValue);
    return this.clipped;
  }

  /** `contact_cost_weight · Σ contact_forces²`, summed as numpy does (float64). */
  contactCost(): number {
    const forces = this.contactForces();
    const squares = forces.map((f) => f * f);
    return this.contactCostWeight * numpySum(squares, 0, squares.length, false);
  }

  protected stepModel(action: Float64Array): StepResult<Float64Array> {
    const xpos = this.model.xpos;
    const b = 3 * this.mainBody;
    const xBefore = xpos[b]!;
    const yBefore = xpos[b + 1]!;
    this.model.doSimulation(action, this.frameSkip);
    const xposAfter = this.model.xpos;
    const xVelocity = (xposAfter[b]! - xBefore) / this.dt;
    const yVelocity = (xposAfter[b + 1]! - yBefore) / this.dt;

    const observation = this.getObs();
    const isHealthy = this.isHealthy;
    const forwardReward = xVelocity * this.forwardRewardWeight;
    const healthyReward = isHealthy ? this.healthyRewardValue : 0;
    const rewards = forwardReward + healthyReward;
    const ctrlCost = controlCost(this.ctrlCostWeight, action);
    const contactCost = this.contactCost();
    const costs = ctrlCost + contactCost;
    const reward = rewards - costs;
    const terminated = !isHealthy && this.terminateWhenUnhealthy;
    const qpos = this.model.qpos;
    const info = {
      x_position: qpos[0]!,
      y_position: qpos[1]!,
      distance_from_origin: numpyNorm2(qpos[0]!, qpos[1]!),
      x_velocity: xVelocity,
      y_velocity: yVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
      reward_contact: -contactCost,
      reward_survive: healthyReward,
    };
    return { observation, reward, terminated, truncated: false, info };
  }

  protected resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(rng, this.model.initQpos, this.resetNoiseScale);
    const qvel = normalNoise(rng, this.model.initQvel, this.resetNoiseScale);
    this.model.setState(qpos, qvel);
    return this.getObs();
  }

  protected override resetInfo(): Record<string, unknown> {
    const qpos = this.model.qpos;
    return {
      x_position: qpos[0]!,
      y_position: qpos[1]!,
      distance_from_origin: numpyNorm2(qpos[0]!, qpos[1]!),
    };
  }

  /** qpos (without x, y unless asked), qvel, then the clipped `cfrc_ext` of every body but the world. */
  private getObs(): Float64Array {
    const { qpos, qvel, nq, nv } = this.model;
    const skip = this.excludeCurrentPositions ? 2 : 0;
    const out = new Float64Array(this.observationSpace.size);
    out.set(qpos.subarray(skip));
    out.set(qvel, nq - skip);
    if (this.includeCfrcExt) out.set(this.contactForces().subarray(6), nq - skip + nv);
    return out;
  }
}
