/**
 * @module
 * MountainCarContinuous-v0 drawn from an observation [position, velocity], after Gymnasium's
 * `Continuous_MountainCarEnv.render` (gymnasium/envs/classic_control/continuous_mountain_car.py):
 * MountainCar's picture with the flag at goalPosition 0.45. The force in [−1, 1], when given, is
 * an arrow whose length grows with it (Gymnasium draws no action).
 */
import { mountainCarRenderer } from "./mountain-car.js";
import type { Renderer } from "./types.js";

const goalPosition = 0.45; // m

export const renderContinuousMountainCar: Renderer = mountainCarRenderer(
  "MountainCarContinuous-v0",
  goalPosition,
  true,
);
