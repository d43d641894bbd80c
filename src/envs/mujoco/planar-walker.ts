/**
 * @module
 * What Hopper-v5 and Walker2d-v5 share, word for word in Gymnasium's two files (hopper_v5.py,
 * walker2d_v5.py): the step (forward velocity from rootx, a healthy reward, float32 control cost,
 * termination when unhealthy), the uniform reset noise, the `info` keys, and the observation
 * (qpos without rootx unless asked, then qvel clipped to ±10). Each env's own file keeps its
 * model, defaults, documentation and `isHealthy`, the one place they differ.
 */
import type { EnvSpec, StepResult } from "../../core/env.js";
import type { Rng } from "../../core/rng.js";
import { controlCost, MujocoEnv, uniformNoise } from "./mujoco-env.js";

/** Velocities in the observation are clipped to ±this, in m/s or rad/s. */
const velocityClip = 10;

/** The options both walkers take, already defaulted by the env. */
export interface PlanarWalkerSettings {
  frameSkip: number;
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  healthyReward: number;
  terminateWhenUnhealthy: boolean;
  resetNoiseScale: number;
  excludeCurrentPositionsFromObservation: boolean;
}

export abstract class PlanarWalkerEnv extends MujocoEnv {
  private readonly forwardRewardWeight: number;
  private readonly ctrlCostWeight: number;
  private readonly healthyRewardValue: number;
  private readonly terminateWhenUnhealthy: boolean;
  private readonly resetNoiseScale: number;
  private readonly excludeCurrentPositions: boolean;

  constructor(spec: EnvSpec, xmlFile: string, settings: PlanarWalkerSettings) {
    const exclude = settings.excludeCurrentPositionsFromObservation;
    super(spec, xmlFile, settings.frameSkip, (m) => m.nq + m.nv - (exclude ? 1 : 0));
    this.forwardRewardWeight = settings.forwardRewardWeight;
    this.ctrlCostWeight = settings.ctrlCostWeight;
    this.healthyRewardValue = settings.healthyReward;
    this.terminateWhenUnhealthy = settings.terminateWhenUnhealthy;
    this.resetNoiseScale = settings.resetNoiseScale;
    this.excludeCurrentPositions = exclude;
  }

  /** Gymnasium's `is_healthy`: the one rule the walkers do not share. */
  abstract get isHealthy(): boolean;

  protected stepModel(action: Float64Array): StepResult<Float64Array> {
    const xPositionBefore = this.model.qpos[0]!;
    this.model.doSimulation(action, this.frameSkip);
    const xPositionAfter = this.model.qpos[0]!;
    const xVelocity = (xPositionAfter - xPositionBefore) / this.dt;

    const observation = this.getObs();
    const isHealthy = this.isHealthy;
    const forwardReward = this.forwardRewardWeight * xVelocity;
    const healthyReward = isHealthy ? this.healthyRewardValue : 0;
    const rewards = forwardReward + healthyReward;
    const ctrlCost = controlCost(this.ctrlCostWeight, action);
    const reward = rewards - ctrlCost;
    const terminated = !isHealthy && this.terminateWhenUnhealthy;
    const info = {
      x_position: xPositionAfter,
      z_distance_from_origin: this.model.qpos[1]! - this.model.initQpos[1]!,
      x_velocity: xVelocity,
      reward_forward: forwardReward,
      reward_ctrl: -ctrlCost,
      reward_survive: healthyReward,
    };
    return { observation, reward, terminated, truncated: false, info };
  }

  protected resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(rng, this.model.initQpos, this.resetNoiseScale);
    const qvel = uniformNoise(rng, this.model.initQvel, this.resetNoiseScale);
    this.model.setState(qpos, qvel);
    return this.getObs();
  }

  protected override resetInfo(): Record<string, unknown> {
    return {
      x_position: this.model.qpos[0]!,
      z_distance_from_origin: this.model.qpos[1]! - this.model.initQpos[1]!,
    };
  }

  /** qpos (without x unless asked), then qvel clipped to ±10. */
  private getObs(): Float64Array {
    const { qpos, qvel, nq, nv } = this.model;
    const skip = this.excludeCurrentPositions ? 1 : 0;
    const out = new Float64Array(nq - skip + nv);
    out.set(qpos.subarray(skip));
    for (let i = 0; i < nv; i++)
      out[nq - skip + i] = Math.min(Math.max(qvel[i]!, -velocityClip), velocityClip);
    return out;
  }
}
