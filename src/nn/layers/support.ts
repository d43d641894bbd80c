/**
 * @module
 * What the encoder layers share: option checks, the activation a layer may fuse into its
 * product (its derivative is the `activationGrad` kernel, gated by the layer's output as the
 * `tanhGrad`/`reluGrad` epilogues are), the shape checks every `forward`/`backward` makes, and
 * Glorot-uniform initialization (tfjs-layers' default kernel initializer).
 */
import { InvalidOptionError, ShapeMismatchError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import { Epilogue } from "../fused/kernels-ts.js";

/** The activation a dense or convolutional layer applies to its output. */
export type LayerActivation = "none" | "tanh" | "relu";

/** The `gemm` epilogue of an activation. */
export function epilogueOf(activation: LayerActivation): number {
  return activation === "tanh" ? Epilogue.tanh : activation === "relu" ? Epilogue.relu : Epilogue.none;
}

/** Checks a layer option is an integer of at least `min`. */
export function checkInteger(path: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(path, `${path} must be an integer of at least ${min}; got ${value}.`);
  }
  return value;
}

/** Checks an activation option. */
export function checkActivation(path: string, value: string | undefined): LayerActivation {
  const activation = value ?? "none";
  if (activation !== "none" && activation !== "tanh" && activation !== "relu") {
    throw new InvalidOptionError(
      path,
      `${path} must be "none", "tanh" or "relu"; got ${JSON.stringify(value)}.`,
    );
  }
  return activation;
}

/** A pair option given as one number (both) or two (`[vertical, horizontal]`). */
export function pairOption(
  path: string,
  value: number | readonly [number, number],
  min = 1,
): [number, number] {
  const pair: [number, number] = typeof value === "number" ? [value, value] : [value[0], value[1]];
  checkInteger(`${path}[0]`, pair[0], min);
  checkInteger(`${path}[1]`, pair[1], min);
  return pair;
}

/** `[a, b, c]` for messages. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * What every layer's `forward`/`backward` checks: `rows` is a positive integer within the
 * reserved capacity, and `slot` holds `rows` examples of `shape` (it may hold more).
 */
export function checkRows(kind: string, call: string, rows: number, capacity: number): void {
  if (!Number.isInteger(rows) || rows < 1 || rows > capacity) {
    throw new ShapeMismatchError(
      `${kind} ${call}: ${rows} rows; expected 1 to the reserved ${capacity} (call reserve for more).`,
    );
  }
}

export function checkSlot(
  kind: string,
  what: string,
  slot: F32Slot,
  rows: number,
  shape: readonly number[],
  arena: Arena,
): void {
  if (slot.arena !== arena) {
    throw new ShapeMismatchError(`${kind}: the ${what} slot belongs to another arena than the layer's.`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (slot.length < rows * size) {
    throw new ShapeMismatchError(
      `${kind}: the ${what} has shape [${slot.length}], which cannot hold ${shapeText([rows, ...shape])} (${rows * size} numbers); give ${rows} rows of ${shapeText(shape)}.`,
    );
  }
}

/** Checks a byte offset names `count` floats inside the arena. */
export function checkOffset(kind: string, what: string, ptr: number, count: number, arena: Arena): void {
  if (!Number.isInteger(ptr) || ptr <= 0 || ptr % 4 !== 0 || ptr + 4 * count > arena.buffer.byteLength) {
    throw new ShapeMismatchError(
      `${kind}: the ${what} offset ${ptr} does not name ${count} float32 values in the arena (${arena.buffer.byteLength} bytes); pass a 4-byte-aligned byte offset such as an F32Slot's ptr.`,
    );
  }
}

/** Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)), as tfjs-layers' default. */
export function glorotUniform(out: Float32Array, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}

/**
 * How a window slides over an image: tfjs's `"valid"` (no padding) and `"same"` (output
 * `⌈in / stride⌉`, the padding split with the odd one at the bottom/right), one number for every
 * side, or explicit `[[top, bottom], [left, right]]` (tfjs's explicit padding without the batch
 * and channel pairs).
 */
export type Padding =
  | "valid"
  | "same"
  | number
  | readonly [readonly [number, number], readonly [number, number]];

/** Where windows of `[kh, kw]` with `stride` land on an `[h, w]` image (tfjs's getPadAndOutInfo). */
export interface WindowGeometry {
  outHeight: number;
  outWidth: number;
  padTop: number;
  padLeft: number;
}

export function windowGeometry(
  kind: string,
  [h, w]: readonly [number, number],
  [kh, kw]: readonly [number, number],
  [sh, sw]: readonly [number, number],
  padding: Padding,
): WindowGeometry {
  let pads: [number, number, number, number];
  let outHeight: number;
  let outWidth: number;
  if (padding === "same") {
    outHeight = Math.ceil(h / sh);
    outWidth = Math.ceil(w / sw);
    const alongH = Math.max(0, (outHeight - 1) * sh + kh - h);
    const alongW = Math.max(0, (outWidth - 1) * sw + kw - w);
    pads = [Math.floor(alongH / 2), 0, Math.floor(alongW / 2), 0];
  } else {
    if (padding === "valid") pads = [0, 0, 0, 0];
    else if (typeof padding === "number") pads = [padding, padding, padding, padding];
    else if (Array.isArray(padding) && padding.length === 2) {
      pads = [padding[0][0], padding[0][1], padding[1][0], padding[1][1]];
    } else {
      throw new InvalidOptionError(
        `${kind}.padding`,
        `${kind}.padding must be "valid", "same", a number or [[top, bottom], [left, right]]; got ${JSON.stringify(padding)}.`,
      );
    }
    pads.forEach((p, i) => {
      checkInteger(`${kind}.padding[${i}]`, p, 0);
    });
    outHeight = Math.floor((h + pads[0] + pads[1] - kh) / sh) + 1;
    outWidth = Math.floor((w + pads[2] + pads[3] - kw) / sw) + 1;
  }
  if (outHeight < 1 || outWidth < 1) {
    throw new ShapeMismatchError(
      `${kind}: a ${shapeText([kh, kw])} window does not fit a ${shapeText([h, w])} image with padding ${JSON.stringify(padding)}; use a smaller window, or padding "same".`,
    );
  }
  return { outHeight, outWidth, padTop: pads[0], padLeft: pads[2] };
}
