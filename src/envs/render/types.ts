/**
 * @module
 * What an env renderer draws on: the part of the canvas 2D API the renderers use. A browser's
 * `CanvasRenderingContext2D` is one; so is any object with these members (a recording fake in the
 * tests, or a future SVG writer for reports). Renderers draw from an observation alone, so a
 * recorded episode can be replayed without re-simulating it.
 */

/** The canvas 2D calls and properties the renderers use. */
export interface Draw2D {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  lineCap: CanvasLineCap;
  font: string;
  textAlign: CanvasTextAlign;
  textBaseline: CanvasTextBaseline;
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(
    x: number,
    y: number,
    radius: number,
    startAngle: number,
    endAngle: number,
    counterclockwise?: boolean,
  ): void;
  fill(): void;
  stroke(): void;
  fillText(text: string, x: number, y: number): void;
}

/** What a renderer is given besides the observation. */
export interface RenderFrame {
  /** The drawing area in canvas pixels; the renderer fills all of it. */
  width: number;
  height: number;
  /** The action taken from this observation, when known (drawn as an arrow or a highlight). */
  action?: number | ArrayLike<number> | undefined;
}

/** Draws one observation of an env. Throws `ShapeMismatchError` for an observation of the wrong size. */
export type Renderer = (ctx: Draw2D, observation: ArrayLike<number> | number, frame: RenderFrame) => void;

/** Shared colours, so every env looks like one family. */
export const palette = {
  background: "#ffffff",
  ground: "#8a94a6",
  body: "#1d2330",
  pole: "#ca9865",
  joint: "#8184cb",
  accent: "#2f7d5b",
  warn: "#b3261e",
  muted: "#d4d9e2",
  text: "#4a5263",
} as const;
