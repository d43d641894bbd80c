/**
 * @module
 * Pendulum-v1 drawn from an observation [cos θ, sin θ, θ̇], after Gymnasium's
 * `PendulumEnv.render` (gymnasium/envs/classic_control/pendulum.py): θ = 0 is upright, the rod
 * turns counter-clockwise for positive θ, and the applied torque is drawn as an arc whose length
 * grows with |u| (u in [−maxTorque, maxTorque]).
 */
import { palette, type Renderer } from "./types.js";
import { caption, clear, disc, line, scalarAction, vector } from "./util.js";

const maxTorque = 2.0; // N·m

export const renderPendulum: Renderer = (ctx, observation, frame) => {
  const [cos, sin, thetaDot] = Array.from(vector("Pendulum-v1", observation, 3));
  const theta = Math.atan2(sin!, cos!);
  const { width, height } = frame;
  clear(ctx, frame);
  const cx = width / 2;
  const cy = height / 2;
  const rod = Math.min(width, height) * 0.38;
  // Screen y grows downward: upright is (0, −rod); positive θ turns counter-clockwise on screen.
  const tipX = cx - Math.sin(theta) * rod;
  const tipY = cy - Math.cos(theta) * rod;
  ctx.strokeStyle = "#cc4c4c";
  ctx.lineWidth = Math.max(6, rod * 0.2);
  ctx.lineCap = "round";
  line(ctx, cx, cy, tipX, tipY);
  ctx.lineWidth = 1;
  ctx.fillStyle = palette.body;
  disc(ctx, cx, cy, Math.max(3, rod * 0.05));

  const u = scalarAction(frame.action);
  if (u !== undefined && u !== 0 && Number.isFinite(u)) {
    // An arc around the pivot: counter-clockwise on screen for positive torque.
    const span = (Math.min(Math.abs(u), maxTorque) / maxTorque) * Math.PI * 0.9;
    ctx.strokeStyle = palette.accent;
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(cx, cy, rod * 0.3, -Math.PI / 2, -Math.PI / 2 - Math.sign(u) * span, u > 0);
    ctx.stroke();
    ctx.lineWidth = 1;
  }
  caption(ctx, `θ ${((theta * 180) / Math.PI).toFixed(1)}°   θ̇ ${thetaDot!.toFixed(2)} rad/s`);
};
