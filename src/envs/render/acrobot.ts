/**
 * @module
 * Acrobot-v1 drawn from an observation [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2], after
 * Gymnasium's `AcrobotEnv.render` (gymnasium/envs/classic_control/acrobot.py): θ1 = 0 hangs
 * straight down, θ2 is relative to link 1, both links are 1 m, and the line one link-length
 * above the pivot is the height the free end must pass.
 */
import { palette, type Renderer } from "./types.js";
import { arrow, caption, clear, disc, line, scalarAction, vector } from "./util.js";

const linkLength1 = 1.0; // m
const linkLength2 = 1.0; // m

export const renderAcrobot: Renderer = (ctx, observation, frame) => {
  const [c1, s1, c2, s2] = Array.from(vector("Acrobot-v1", observation, 6));
  const theta1 = Math.atan2(s1!, c1!);
  const theta2 = Math.atan2(s2!, c2!);
  const { width, height } = frame;
  clear(ctx, frame);
  const bound = linkLength1 + linkLength2 + 0.2; // m, half the visible span
  const scale = Math.min(width, height) / (2 * bound);
  const cx = width / 2;
  const cy = height / 2;
  // Gymnasium: p1 = (l1·sin θ1, −l1·cos θ1) in world coordinates, y up; the screen's y grows down.
  const x1 = cx + linkLength1 * Math.sin(theta1) * scale;
  const y1 = cy + linkLength1 * Math.cos(theta1) * scale;
  const x2 = x1 + linkLength2 * Math.sin(theta1 + theta2) * scale;
  const y2 = y1 + linkLength2 * Math.cos(theta1 + theta2) * scale;

  // The goal height: the free end must rise above one link-length over the pivot.
  ctx.strokeStyle = palette.body;
  line(ctx, cx - 2.2 * scale, cy - 1 * scale, cx + 2.2 * scale, cy - 1 * scale);
  ctx.strokeStyle = "#00cccc";
  ctx.lineWidth = Math.max(4, 0.2 * scale);
  ctx.lineCap = "round";
  line(ctx, cx, cy, x1, y1);
  line(ctx, x1, y1, x2, y2);
  ctx.lineWidth = 1;
  ctx.fillStyle = "#cccc00";
  disc(ctx, cx, cy, Math.max(3, 0.1 * scale));
  disc(ctx, x1, y1, Math.max(3, 0.1 * scale));

  const action = scalarAction(frame.action);
  if (action !== undefined) {
    // Torque −1, 0 or +1 on the joint between the links.
    ctx.strokeStyle = palette.accent;
    ctx.fillStyle = palette.accent;
    arrow(ctx, x1, y1 - 0.25 * scale, (action - 1) * 0.4 * scale);
  }
  caption(ctx, `θ1 ${((theta1 * 180) / Math.PI).toFixed(0)}°   θ2 ${((theta2 * 180) / Math.PI).toFixed(0)}°`);
};
