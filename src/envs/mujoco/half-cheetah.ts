/**
 * HalfCheetah: make a planar cat-like robot run forward, in MuJoCo.
 *
 * Ported from gymnasium/envs/mujoco/half_cheetah_v5.py (Gymnasium 1.x, v5), with its model
 * gymnasium/envs/mujoco/assets/half_cheetah.xml, on MuJoCo's WebAssembly build (`mujoco-js`). The
 * robot is Wawrzyński's (2009), "A cat-like robot real-time learning to run".
 *
 * ## Description
 * A planar robot of nine links (torso, head, and per leg a thigh, shin and foot) with six hinges.
 * Run forward (to +x) as fast as possible by applying torques at the hinges. It cannot fall: the
 * episode never terminates.
 *
 * ## Action Space
 * `Box(-1, 1, (6,), float32)`: torques (N·m) at bthigh, bshin, bfoot, fthigh, fshin and ffoot.
 *
 * ## Observation Space
 * `Box(-Inf, Inf, (17,), float64)`: qpos without rootx (8 values), then qvel (9 values), unclipped.
 *
 * | Num  | Observation                                    | Min  | Max | Joint                  | Unit       |
 * |------|------------------------------------------------|------|-----|------------------------|------------|
 * | 0    | z-coordinate of the front tip                  | -Inf | Inf | rootz                  | m          |
 * | 1    | angle of the front tip                         | -Inf | Inf | rooty                  | rad        |
 * | 2–4  | back thigh, shin and foot angles               | -Inf | Inf | bthigh, bshin, bfoot   | rad        |
 * | 5–7  | front thigh, shin and foot angles              | -Inf | Inf | fthigh, fshin, ffoot   | rad        |
 * | 8–10 | tip x and z velocity, angular velocity         | -Inf | Inf | rootx, rootz, rooty    | m/s, rad/s |
 * | 11–16| the six hinges' angular velocities             | -Inf | Inf | as 2–7                 | rad/s      |
 *
 * ## Rewards
 * `reward = forward_reward − ctrl_cost`:
 * - forward_reward: `forwardRewardWeight` (1) × (x after − x before) / dt, dt = 0.05 s;
 * - ctrl_cost: `ctrlCostWeight` (0.1) × Σ action², in float32 as numpy 2 computes it.
 * `info` holds `reward_forward`, `reward_ctrl`, `x_position` and `x_velocity`.
 *
 * ## Starting State
 * qpos is `init + U(-reset_noise_scale, reset_noise_scale)` (0.1) and qvel
 * `init + reset_noise_scale · N(0, 1)`, drawn with numpy's `Generator.uniform` and its ziggurat
 * `standard_normal` (`Rng.standardNormal`): a seed gives Gymnasium's start state.
 *
 * ## Episode End
 * - Termination: never.
 * - Truncation (TimeLimit wrapper): 1000 steps.
 *
 * ## Version History
 * - v5: `frame_skip`, `xml_file` arguments; `info["reward_run"]` renamed `reward_forward`; `reset`
 *   returns a non-empty `info`.
 * - v4 and earlier: not registered here.
 */
import type { StepResult } from "../../core/env.js";
import type { Rng } from "../../core/rng.js";
import { controlCost, MujocoEnv, normalNoise, uniformNoise } from "./mujoco-env.js";

const xmlFile = "half_cheetah.xml";

export interface HalfCheetahOptions {
  /** MuJoCo steps per env step: 5 (timestep 0.01 s, so dt = 0.05 s). */
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
}

export const halfCheetahSpec = {
  id: "HalfCheetah-v5",
  maxEpisodeSteps: 1000,
  rewardThreshold: 4800,
  description: "Run forward as fast as possible on a planar cat-like robot (MuJoCo).",
} as const;

export class HalfCheetahEnv extends MujocoEnv {
  private readonly forwardRewardWeight: number;
  private readonly ctrlCostWeight: number;
  private readonly resetNoiseScale: number;
  private readonly excludeCurrentPositions: boolean;

  constructor(options: HalfCheetahOptions = {}) {
    const exclude = options.excludeCurrentPositionsFromObservation ?? true;
    super(halfCheetahSpec, xmlFile, options.frameSkip ?? 5, (m) => m.nq + m.nv - (exclude ? 1 : 0));
    this.forwardRewardWeight = options.forwardRewardWeight ?? 1.0;
    this.ctrlCostWeight = options.ctrlCostWeight ?? 0.1;
    this.resetNoiseScale = options.resetNoiseScale ?? 0.1;
    this.excludeCurrentPositions = exclude;
  }

  protected stepModel(action: Float64Array): StepResult<Float64Array> {
    const xPositionBefore = this.model.qpos[0]!;
    this.model.doSimulation(action, this.frameSkip);
    const xPositionAfter = this.model.qpos[0]!;
    const xVelocity = (xPositionAfter - xPositionBefore) / this.dt;

    const observation = this.getObs();
    const forwardReward = this.forwardRewardWeight * xVelocity;
    const ctrlCost = controlCost(this.ctrlCostWeight, action);
    const reward = forwardReward - ctrlCost;
    const info = {
      x_position: xPositionAfter,
      x_velocity: xVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
    };
    return { observation, reward, terminated: false, truncated: false, info };
  }

  protected resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(rng, this.model.initQpos, this.resetNoiseScale);
    const qvel = normalNoise(rng, this.model.initQvel, this.resetNoiseScale);
    this.model.setState(qpos, qvel);
    return this.getObs();
  }

  protected override resetInfo(): Record<string, unknown> {
    return { x_position: this.model.qpos[0]! };
  }

  /** qpos (without x unless asked), then qvel. */
  private getObs(): Float64Array {
    const { qpos, qvel, nq, nv } = this.model;
    const skip = this.excludeCurrentPositions ? 1 : 0;
    const out = new Float64Array(nq - skip + nv);
    out.set(qpos.subarray(skip));
    out.set(qvel, nq - skip);
    return out;
  }
}
