/**
 * InvertedPendulum: balance a pole on a cart, in MuJoCo.
 *
 * Ported from gymnasium/envs/mujoco/inverted_pendulum_v5.py (Gymnasium 1.x, v5), with its model
 * gymnasium/envs/mujoco/assets/inverted_pendulum.xml, on MuJoCo's WebAssembly build (`mujoco-js`).
 * The task is Barto, Sutton and Anderson's cart-pole (1983), "Neuronlike adaptive elements that can
 * solve difficult learning control problems".
 *
 * ## Description
 * A cart moves along a rail; a pole hinged on it starts almost upright. Push the cart so that the
 * pole stays up.
 *
 * ## Action Space
 * `Box(-3, 3, (1,), float32)`: the force on the cart (actuator `slider`, N).
 *
 * ## Observation Space
 * `Box(-Inf, Inf, (4,), float64)`: qpos then qvel.
 *
 * | Num | Observation                          | Min  | Max | Joint          | Unit  |
 * |-----|--------------------------------------|------|-----|----------------|-------|
 * | 0   | position of the cart along the rail  | -Inf | Inf | slider (slide) | m     |
 * | 1   | angle of the pole from vertical      | -Inf | Inf | hinge (hinge)  | rad   |
 * | 2   | velocity of the cart                 | -Inf | Inf | slider (slide) | m/s   |
 * | 3   | angular velocity of the pole         | -Inf | Inf | hinge (hinge)  | rad/s |
 *
 * ## Rewards
 * +1 for every step on which the pole is upright (|angle| ≤ 0.2 rad), 0 on the step it falls
 * (v5's fix). `info.reward_survive` holds it too.
 *
 * ## Starting State
 * qpos and qvel are `init + U(-reset_noise_scale, reset_noise_scale)` (0.01), drawn with numpy's
 * `Generator.uniform`, so a seed gives Gymnasium's start state.
 *
 * ## Episode End
 * - Termination: any observation value is not finite, or |angle| > 0.2 rad.
 * - Truncation (TimeLimit wrapper): 1000 steps.
 *
 * ## Version History
 * - v5: `frame_skip`, `reset_noise_scale` arguments; the reward is 0 on the terminal step.
 * - v4 and earlier: not registered here.
 */
import type { StepResult } from "../../core/env.js";
import type { Rng } from "../../core/rng.js";
import { MujocoEnv, uniformNoise } from "./mujoco-env.js";

const xmlFile = "inverted_pendulum.xml";
/** Angle beyond which the pole has fallen, in radians. */
const maxAngle = 0.2;

export interface InvertedPendulumOptions {
  /** MuJoCo steps per env step: 2 (timestep 0.02 s, so dt = 0.04 s). */
  frameSkip?: number;
  /** Half-width of the uniform noise on the start qpos and qvel: 0.01. */
  resetNoiseScale?: number;
}

export const invertedPendulumSpec = {
  id: "InvertedPendulum-v5",
  maxEpisodeSteps: 1000,
  rewardThreshold: 950,
  description: "Balance a pole on a cart (MuJoCo).",
} as const;

export class InvertedPendulumEnv extends MujocoEnv {
  private readonly resetNoiseScale: number;

  constructor(options: InvertedPendulumOptions = {}) {
    super(invertedPendulumSpec, xmlFile, options.frameSkip ?? 2, (m) => m.nq + m.nv);
    this.resetNoiseScale = options.resetNoiseScale ?? 0.01;
  }

  protected stepModel(action: Float64Array): StepResult<Float64Array> {
    this.model.doSimulation(action, this.frameSkip);
    const observation = this.getObs();
    let finite = true;
    for (const v of observation) if (!Number.isFinite(v)) finite = false;
    const terminated = !finite || Math.abs(observation[1]!) > maxAngle;
    const reward = terminated ? 0 : 1;
    return { observation, reward, terminated, truncated: false, info: { reward_survive: reward } };
  }

  protected resetModel(rng: Rng): Float64Array {
    const qpos = uniformNoise(rng, this.model.initQpos, this.resetNoiseScale);
    const qvel = uniformNoise(rng, this.model.initQvel, this.resetNoiseScale);
    this.model.setState(qpos, qvel);
    return this.getObs();
  }

  private getObs(): Float64Array {
    return this.stateVector();
  }
}
