/**
 * @module
 * GridWorld-v0 drawn from an observation (the state index s = y · width + x): the grid, its
 * walls, goals and traps, and the agent's cell. The observation alone does not say the layout, so
 * the renderer is made for one (default: GridWorld-v0's default 5×5 layout).
 */
import { ShapeMismatchError } from "../../core/errors.js";
import { type GridWorldConfig, type GridWorldOptions, parseGridWorldOptions } from "../toy/grid-world.js";
import { palette, type Renderer } from "./types.js";
import { caption, clear, disc } from "./util.js";

/** Cell change of each action (up, right, down, left), for the action arrow. */
const moves = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
] as const;

/** A renderer for one GridWorld layout, given as options (as `make` takes them) or a parsed config. */
export function gridWorldRenderer(layout: GridWorldOptions | GridWorldConfig = {}): Renderer {
  const config = parseGridWorldOptions(layout);
  const { width: cols, height: rows } = config;
  const walls = new Set(config.walls.map(([x, y]) => y * cols + x));
  return (ctx, observation, frame) => {
    const s =
      typeof observation === "number" ? observation : observation.length === 1 ? observation[0]! : NaN;
    if (!Number.isInteger(s) || s < 0 || s >= cols * rows) {
      throw new ShapeMismatchError(
        `render GridWorld-v0: an observation is a state index from 0 to ${cols * rows - 1} for this ${cols}×${rows} layout; got ${typeof observation === "number" ? observation : `[${Array.from(observation).join(", ")}]`}.`,
      );
    }
    clear(ctx, frame);
    const top = 26; // room for the caption
    const cell = Math.min(frame.width / cols, (frame.height - top) / rows);
    const left = (frame.width - cell * cols) / 2;
    const at = (x: number, y: number) => [left + x * cell, top + y * cell] as const;

    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const [px, py] = at(x, y);
        if (walls.has(y * cols + x)) {
          ctx.fillStyle = palette.body;
          ctx.fillRect(px, py, cell, cell);
        }
        ctx.strokeStyle = palette.muted;
        ctx.strokeRect(px, py, cell, cell);
      }
    }
    const mark = (cells: GridWorldConfig["goals"], colour: string) => {
      for (const {
        cell: [x, y],
        reward,
      } of cells) {
        const [px, py] = at(x, y);
        ctx.fillStyle = colour;
        ctx.fillRect(px + 2, py + 2, cell - 4, cell - 4);
        ctx.fillStyle = palette.background;
        ctx.font = `${Math.max(9, Math.floor(cell / 4))}px system-ui, sans-serif`;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(String(reward), px + cell / 2, py + cell / 2);
      }
    };
    mark(config.goals, palette.accent);
    mark(config.traps, palette.warn);

    const ax = s % cols;
    const ay = Math.floor(s / cols);
    const [px, py] = at(ax, ay);
    ctx.fillStyle = palette.joint;
    disc(ctx, px + cell / 2, py + cell / 2, cell * 0.3);
    const action = typeof frame.action === "number" ? frame.action : frame.action?.[0];
    const move = action === undefined ? undefined : moves[action];
    if (move) {
      ctx.strokeStyle = palette.body;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px + cell / 2, py + cell / 2);
      ctx.lineTo(px + cell / 2 + move[0] * cell * 0.45, py + cell / 2 + move[1] * cell * 0.45);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    caption(ctx, `cell [${ax}, ${ay}]   state ${s}`);
  };
}

/** GridWorld-v0 with its default layout. */
export const renderGridWorld: Renderer = gridWorldRenderer();
