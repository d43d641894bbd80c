/**
 * PixelCartPole-v1: CartPole-v1 seen as pictures, for image encoders (issue 18).
 *
 * The dynamics, reward, termination and time limit are Gymnasium's CartPole-v1 step for step
 * (the inner env is `CartPoleEnv`). The observation is a Dict, as Gymnasium's
 * `AddRenderObservation` (formerly `PixelObservationWrapper`) gives with `render_only=False`:
 *
 * - `pixels`: Box(0, 255, [height, width, frames], uint8): the last `frames` grayscale frames,
 *   oldest first along the channel axis; after a reset the first frame fills every slot
 *   (`FrameStackObservation`'s "reset" padding). Motion, so the velocities, shows only across
 *   frames.
 * - `state`: CartPole-v1's own observation [x, ẋ, θ, θ̇], so a scripted expert can act; an image
 *   policy is built to read `pixels` alone.
 *
 * Each frame is drawn by a small analytic rasterizer, anti-aliased by exact-distance coverage, after
 * Gymnasium's `CartPoleEnv.render` (gymnasium/envs/classic_control/cartpole.py): the picture is
 * `x_threshold · 2` = 4.8 m wide as there (scale = width / 4.8 px per metre), the cart 50 × 30 of
 * its 600 px, the track a line under the cart. The pole is not to scale: drawn to scale it is 13 px
 * long and 1 px wide in a 64-px frame, and its tilt (θ of 0.01 moves the tip 0.13 px) was too faint
 * for a CNN to learn from; here it spans 70% of the frame's height and is 2 px wide. Unlike Gymnasium's picture, the background is black (0) and the
 * shapes bright (cart 255, pole 180, track 80): a CNN trained from scratch finds a few bright
 * pixels on black far sooner than a few dark ones on white (measured: on white, BC's loss stayed
 * at ln 2 for 30 epochs). Sub-pixel motion changes the edge pixels' shades, which is how a 64-pixel frame shows
 * a pole tip that moves a tenth of a pixel per step.
 *
 * ## Options
 * `width` (default 64), `height` (default 32), `frames` (default 3).
 */
import { z } from "zod";
import type { Env, EnvSpec, ResetOptions, ResetResult, StepResult } from "../../core/env.js";
import { InvalidOptionError } from "../../core/errors.js";
import { Box, DictSpace } from "../../core/spaces/index.js";
import { CartPoleEnv } from "../classic/cartpole.js";

export const pixelCartPoleOptionsSchema = z
  .object({
    width: z.number().int().min(16).max(512).optional(),
    height: z.number().int().min(8).max(512).optional(),
    frames: z.number().int().min(1).max(16).optional(),
  })
  .strict();

export type PixelCartPoleOptions = z.infer<typeof pixelCartPoleOptionsSchema>;

export interface PixelCartPoleObservation {
  pixels: Uint8Array;
  state: Float32Array;
}

export const pixelCartPoleSpec = {
  id: "PixelCartPole-v1",
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  description: "CartPole-v1 observed as a stack of grayscale frames (plus the state, for experts).",
} as const;

// Gymnasium's drawing constants (cartpole.py's render), in metres where they are lengths.
const worldWidth = 2.4 * 2; // x_threshold · 2
const screenWidth = 600;
const cartWidth = (50 / screenWidth) * worldWidth;
const cartHeight = (30 / screenWidth) * worldWidth;
const poleWidth = (10 / screenWidth) * worldWidth;
/** The pole's drawn length, as a fraction of the picture's height (to scale it would be 0.21 of 64 px width). */
const poleDrawnFraction = 0.7;

export class PixelCartPoleEnv implements Env<PixelCartPoleObservation, number> {
  readonly spec: EnvSpec = pixelCartPoleSpec;
  readonly observationSpace: DictSpace;
  readonly actionSpace;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  private readonly inner = new CartPoleEnv();
  private stack: Uint8Array;

  constructor(options: PixelCartPoleOptions = {}) {
    const parsed = pixelCartPoleOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidOptionError(
        issue.path.join(".") || "options",
        `PixelCartPole-v1: ${issue.path.join(".") || "options"}: ${issue.message}.`,
      );
    }
    this.width = parsed.data.width ?? 64;
    this.height = parsed.data.height ?? 32;
    this.frames = parsed.data.frames ?? 3;
    this.actionSpace = this.inner.actionSpace;
    this.observationSpace = new DictSpace({
      pixels: new Box(0, 255, [this.height, this.width, this.frames], "uint8"),
      state: this.inner.observationSpace,
    });
    this.stack = new Uint8Array(this.height * this.width * this.frames);
  }

  get unwrapped(): Env {
    return this;
  }

  reset(options?: ResetOptions): ResetResult<PixelCartPoleObservation> {
    const { observation, info } = this.inner.reset(options);
    const frame = renderCartPoleFrame(observation, this.width, this.height);
    const k = this.frames;
    for (let p = 0; p < frame.length; p++) for (let f = 0; f < k; f++) this.stack[p * k + f] = frame[p]!;
    return { observation: { pixels: this.stack.slice(), state: observation }, info };
  }

  step(action: number): StepResult<PixelCartPoleObservation> {
    const result = this.inner.step(action);
    const frame = renderCartPoleFrame(result.observation, this.width, this.height);
    const k = this.frames;
    const s = this.stack;
    for (let p = 0; p < frame.length; p++) {
      const base = p * k;
      for (let f = 0; f + 1 < k; f++) s[base + f] = s[base + f + 1]!;
      s[base + k - 1] = frame[p]!;
    }
    return { ...result, observation: { pixels: s.slice(), state: result.observation } };
  }

  close(): void {
    this.inner.close();
  }
}

/**
 * One grayscale frame (`height · width` bytes, row-major, row 0 at the top) of the CartPole state
 * `[x, ẋ, θ, θ̇]`: 255 background, the track line, the cart and the pole in dark shades.
 */
export function renderCartPoleFrame(state: ArrayLike<number>, width: number, height: number): Uint8Array {
  const scale = width / worldWidth; // px per metre
  const x = state[0]!;
  const theta = state[2]!;
  // The axle sits a quarter of the picture above its bottom, as the pole needs the room above.
  const axleY = height - 0.2 * height;
  const cx = width / 2 + x * scale;
  const halfW = (cartWidth * scale) / 2;
  const halfH = (cartHeight * scale) / 2;
  // The pole is drawn longer and wider than to scale (see the module header).
  const polePixels = poleDrawnFraction * height;
  const tipX = cx + Math.sin(theta) * polePixels;
  const tipY = axleY - Math.cos(theta) * polePixels;
  const poleHalf = Math.max(poleWidth * scale, 2) / 2;
  const out = new Uint8Array(width * height);
  for (let row = 0; row < height; row++) {
    const py = row + 0.5;
    for (let col = 0; col < width; col++) {
      const px = col + 0.5;
      // Coverage of each shape: 1 inside, 0 beyond half a pixel outside, linear between.
      const track = clamp01(0.5 - Math.abs(py - axleY - halfH) + 0.25);
      const cart = clamp01(0.5 - boxDistance(px - cx, py - axleY, halfW, halfH));
      const pole = clamp01(0.5 + poleHalf - segmentDistance(px, py, cx, axleY, tipX, tipY));
      // Shades: background 0, track 80, cart 255, pole 180 (drawn over the cart).
      let v = 0;
      v = mix(v, 80, track);
      v = mix(v, 255, cart);
      v = mix(v, 180, pole);
      out[row * width + col] = Math.round(v);
    }
  }
  return out;
}

function mix(under: number, over: number, alpha: number): number {
  return under + (over - under) * alpha;
}

function clamp01(v: number): number {
  return Math.min(Math.max(v, 0), 1);
}

/** Signed distance from (dx, dy) to an axis-aligned box of half-sizes (hw, hh) at the origin. */
function boxDistance(dx: number, dy: number, hw: number, hh: number): number {
  const qx = Math.abs(dx) - hw;
  const qy = Math.abs(dy) - hh;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0);
}

/** Distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len2));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}
