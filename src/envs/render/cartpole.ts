/**
 * @module
 * CartPole-v1 drawn from an observation [x, ẋ, θ, θ̇], after Gymnasium's `CartPoleEnv.render`
 * (gymnasium/envs/classic_control/cartpole.py): the track spans ±xThreshold, the pole is twice
 * the half-length `length`, θ = 0 is upright and positive θ leans right.
 */
import { palette, type Renderer } from "./types.js";
import { arrow, caption, clear, disc, line, scalarAction, vector } from "./util.js";

const xThreshold = 2.4; // m, where the episode ends
const length = 0.5; // m, half the pole's length
const thetaThresholdRadians = (12 * 2 * Math.PI) / 360;

export const renderCartPole: Renderer = (ctx, observation, frame) => {
  const [x, , theta] = Array.from(vector("CartPole-v1", observation, 4));
  const { width, height } = frame;
  clear(ctx, frame);
  const scale = width / (2 * xThreshold); // pixels per metre
  const cartWidth = Math.max(20, 0.1 * width);
  const cartHeight = 0.6 * cartWidth;
  const trackY = height * 0.72;
  const cartX = width / 2 + x! * scale;

  ctx.strokeStyle = palette.ground;
  ctx.lineWidth = 1;
  line(ctx, 0, trackY + cartHeight / 2, width, trackY + cartHeight / 2);
  // The edges of the track, where the episode ends.
  ctx.strokeStyle = palette.muted;
  line(ctx, 1, trackY - cartHeight, 1, trackY + cartHeight);
  line(ctx, width - 1, trackY - cartHeight, width - 1, trackY + cartHeight);

  ctx.fillStyle = palette.body;
  ctx.fillRect(cartX - cartWidth / 2, trackY - cartHeight / 2, cartWidth, cartHeight);
  const pivotY = trackY - cartHeight / 4;
  const poleLength = 2 * length * scale;
  const fallen = Math.abs(theta!) > thetaThresholdRadians;
  ctx.strokeStyle = fallen ? palette.warn : palette.pole;
  ctx.lineWidth = Math.max(4, 0.02 * width);
  ctx.lineCap = "round";
  line(ctx, cartX, pivotY, cartX + Math.sin(theta!) * poleLength, pivotY - Math.cos(theta!) * poleLength);
  ctx.lineWidth = 1;
  ctx.fillStyle = palette.joint;
  disc(ctx, cartX, pivotY, Math.max(3, cartHeight / 6));

  const action = scalarAction(frame.action);
  if (action !== undefined) {
    ctx.strokeStyle = palette.accent;
    ctx.fillStyle = palette.accent;
    const dir = action === 1 ? 1 : -1;
    arrow(ctx, cartX + (dir * cartWidth) / 2 + dir * 4, trackY, dir * 28);
  }
  caption(ctx, `x ${x!.toFixed(2)} m   θ ${((theta! * 180) / Math.PI).toFixed(1)}°`);
};
