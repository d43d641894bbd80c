/**
 * @module
 * MountainCar-v0 drawn from an observation [position, velocity] (continuous-mountain-car.ts draws
 * MountainCarContinuous-v0 with the same picture),
 * after Gymnasium's `MountainCarEnv.render` (gymnasium/envs/classic_control/mountain_car.py): the
 * hill is height(x) = 0.45·sin(3x) + 0.55 over [minPosition, maxPosition], the car sits on it
 * tilted by the slope angle cos(3x), and a flag marks the goal.
 */
import { palette, type Renderer } from "./types.js";
import { arrow, caption, clear, disc, line, scalarAction, vector } from "./util.js";

const minPosition = -1.2; // m
const maxPosition = 0.6; // m

function height(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/** The hill, the flag at `goalPosition` and the car; the action is a push (−1, 0, +1 or a force). */
export function mountainCarRenderer(envId: string, goalPosition: number, continuous: boolean): Renderer {
  return (ctx, observation, frame) => {
    const [position, velocity] = Array.from(vector(envId, observation, 2));
    const { width, height: canvasHeight } = frame;
    clear(ctx, frame);
    const scale = width / (maxPosition - minPosition);
    const base = canvasHeight * 0.92;
    const yScale = Math.min(scale, canvasHeight * 0.7); // the hill is at most 1 high; room for the flag
    const toX = (x: number) => (x - minPosition) * scale;
    const toY = (x: number) => base - height(x) * yScale;

    ctx.strokeStyle = palette.ground;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i <= 100; i++) {
      const x = minPosition + ((maxPosition - minPosition) * i) / 100;
      if (i === 0) ctx.moveTo(toX(x), toY(x));
      else ctx.lineTo(toX(x), toY(x));
    }
    ctx.stroke();
    ctx.lineWidth = 1;

    // The flag at the goal.
    const flagX = toX(goalPosition);
    const flagY = toY(goalPosition);
    ctx.strokeStyle = palette.body;
    line(ctx, flagX, flagY, flagX, flagY - 40);
    ctx.fillStyle = "#cccc00";
    ctx.beginPath();
    ctx.moveTo(flagX, flagY - 40);
    ctx.lineTo(flagX + 22, flagY - 35);
    ctx.lineTo(flagX, flagY - 30);
    ctx.closePath();
    ctx.fill();

    // The car, tilted with the slope (Gymnasium rotates it by cos(3·position)).
    const pos = Math.min(maxPosition, Math.max(minPosition, position!));
    const carWidth = Math.max(16, width / 15);
    const carHeight = carWidth / 2;
    ctx.save();
    ctx.translate(toX(pos), toY(pos));
    ctx.rotate(-Math.cos(3 * pos) * (yScale / scale));
    ctx.fillStyle = palette.body;
    ctx.fillRect(-carWidth / 2, -carHeight - 6, carWidth, carHeight);
    ctx.fillStyle = palette.ground;
    disc(ctx, -carWidth / 4, -4, carHeight / 2.5);
    disc(ctx, carWidth / 4, -4, carHeight / 2.5);
    ctx.restore();

    const action = scalarAction(frame.action);
    if (action !== undefined) {
      // Discrete: 0 push left, 1 no push, 2 push right. Continuous: the force in [−1, 1].
      const push = continuous ? Math.max(-1, Math.min(1, action)) : action - 1;
      ctx.strokeStyle = palette.accent;
      ctx.fillStyle = palette.accent;
      arrow(ctx, toX(pos), toY(pos) - carHeight - 18, push * 30);
    }
    caption(ctx, `position ${position!.toFixed(3)}   velocity ${velocity!.toFixed(4)}`);
  };
}

export const renderMountainCar: Renderer = mountainCarRenderer("MountainCar-v0", 0.5, false);
