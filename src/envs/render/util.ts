/** @module Helpers the env renderers share. */
import { ShapeMismatchError } from "../../core/errors.js";
import { type Draw2D, palette, type RenderFrame } from "./types.js";

/** The observation as a vector of exactly `size` finite-or-not numbers, or a ShapeMismatchError. */
export function vector(
  envId: string,
  observation: ArrayLike<number> | number,
  size: number,
): ArrayLike<number> {
  if (typeof observation === "number" || observation.length !== size) {
    const got = typeof observation === "number" ? "a single number" : `${observation.length} values`;
    throw new ShapeMismatchError(`render ${envId}: an observation has ${size} values; got ${got}.`);
  }
  return observation;
}

/** The action as one number (a Discrete action, or the first value of a Box action). */
export function scalarAction(action: RenderFrame["action"]): number | undefined {
  if (action === undefined) return undefined;
  if (typeof action === "number") return action;
  return action.length > 0 ? action[0] : undefined;
}

export function clear(ctx: Draw2D, { width, height }: RenderFrame): void {
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, height);
}

export function line(ctx: Draw2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

export function disc(ctx: Draw2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
}

/** A horizontal arrow of length `dx` (sign = direction) from (x, y), for a push or a torque. */
export function arrow(ctx: Draw2D, x: number, y: number, dx: number): void {
  if (dx === 0 || !Number.isFinite(dx)) return;
  const head = Math.sign(dx) * Math.min(8, Math.abs(dx));
  ctx.lineWidth = 3;
  line(ctx, x, y, x + dx, y);
  ctx.beginPath();
  ctx.moveTo(x + dx, y);
  ctx.lineTo(x + dx - head, y - 5);
  ctx.lineTo(x + dx - head, y + 5);
  ctx.closePath();
  ctx.fill();
  ctx.lineWidth = 1;
}

/** A caption in the top-left corner. */
export function caption(ctx: Draw2D, text: string): void {
  ctx.fillStyle = palette.text;
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillText(text, 8, 8);
}
