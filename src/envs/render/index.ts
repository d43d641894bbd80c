/**
 * @module
 * Renderers for the built-in envs: each draws one observation on a canvas 2D context (`Draw2D`),
 * in the browser (the dashboard's replay and teach mode) or on any object with the same calls.
 * One file per env; `renderFps` holds each env's real-time rate, Gymnasium's `metadata["render_fps"]`.
 */
import { UnknownEnvError } from "../../core/errors.js";
import { closest } from "../../core/registry.js";
import type { GridWorldOptions } from "../toy/grid-world.js";
import { renderAcrobot } from "./acrobot.js";
import { renderCartPole } from "./cartpole.js";
import { renderContinuousMountainCar } from "./continuous-mountain-car.js";
import { gridWorldRenderer, renderGridWorld } from "./grid-world.js";
import { renderMountainCar } from "./mountain-car.js";
import { renderPendulum } from "./pendulum.js";
import type { Renderer } from "./types.js";

export { renderAcrobot } from "./acrobot.js";
export { renderCartPole } from "./cartpole.js";
export { renderContinuousMountainCar } from "./continuous-mountain-car.js";
export { gridWorldRenderer, renderGridWorld } from "./grid-world.js";
export { mountainCarRenderer, renderMountainCar } from "./mountain-car.js";
export { renderPendulum } from "./pendulum.js";
export { type Draw2D, palette, type Renderer, type RenderFrame } from "./types.js";

/** The renderer of each built-in env id (GridWorld-v0 with its default layout). */
export const renderers: Readonly<Record<string, Renderer>> = {
  "CartPole-v1": renderCartPole,
  "MountainCar-v0": renderMountainCar,
  "MountainCarContinuous-v0": renderContinuousMountainCar,
  "Pendulum-v1": renderPendulum,
  "Acrobot-v1": renderAcrobot,
  "GridWorld-v0": renderGridWorld,
};

/**
 * Frames per second at which each env plays in real time: Gymnasium 0.29's `render_fps`
 * (cartpole.py 50, mountain_car.py and continuous_mountain_car.py 30, pendulum.py 30,
 * acrobot.py 15). GridWorld is turn-based and has none.
 */
export const renderFps: Readonly<Record<string, number>> = {
  "CartPole-v1": 50,
  "MountainCar-v0": 30,
  "MountainCarContinuous-v0": 30,
  "Pendulum-v1": 30,
  "Acrobot-v1": 15,
};

/** The renderer for `envId` (GridWorld with `options` as its layout); an unknown id suggests the nearest. */
export function rendererFor(envId: string, options?: Record<string, unknown>): Renderer {
  if (envId === "GridWorld-v0" && options !== undefined)
    return gridWorldRenderer(options as GridWorldOptions);
  const renderer = renderers[envId];
  if (!renderer) {
    const hint = closest(envId, Object.keys(renderers));
    throw new UnknownEnvError(
      envId,
      hint,
      `no renderer for ${JSON.stringify(envId)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : "."} Renderers exist for ${Object.keys(renderers).join(", ")}.`,
    );
  }
  return renderer;
}
