/**
 * @module
 * 2-D max and average pooling over HWC images on the fused engine: the semantics of tf.maxPool /
 * tf.avgPool (and tf.layers.maxPooling2d / averagePooling2d): a `[ph, pw]` window moved by a
 * stride (default: the pool size), `"valid"` or `"same"` padding, per channel. Padding never
 * takes part: a max is over the window's pixels inside the image, and an average divides by how
 * many of those there are, as TensorFlow does (torch.nn.AvgPool2d's default
 * `count_include_pad=True` would count the padding; mimic follows tfjs).
 *
 * No parameters and no products, so plain TypeScript loops:
 * - max      forward remembers each output's argmax (the first maximum in the window, in row
 *            then column order; a NaN in the window wins, so NaN propagates as in PyTorch, where
 *            tfjs's CPU backend skips it); backward adds the output gradient to that input pixel;
 * - average  backward spreads each output gradient evenly over the window's inside pixels.
 */
import type { Arena, F32Slot, TypedSlot } from "../fused/arena.js";
import type { Layer, LayerContext } from "./layer.js";
import { checkInteger, checkRows, checkSlot, pairOption, windowGeometry } from "./support.js";

export interface Pool2dOptions extends LayerContext {
  /** One example's image, `[height, width, channels]` (HWC). */
  inputShape: readonly [number, number, number];
  /** `[ph, pw]`, or one number for both. */
  poolSize: number | readonly [number, number];
  /** `[sh, sw]`, or one number for both; default the pool size (as tfjs-layers). */
  stride?: number | readonly [number, number];
  /** Default `valid`. */
  padding?: "valid" | "same";
}

/** Where the windows of a pooling layer lie; max and average pooling share it. */
export interface PoolGeometry {
  inputShape: readonly [number, number, number];
  outputShape: readonly [number, number, number];
  ph: number;
  pw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
}

function poolGeometry(kind: string, options: Pool2dOptions): PoolGeometry {
  const [h, w, c] = options.inputShape;
  checkInteger(`${kind}.inputShape[0]`, h);
  checkInteger(`${kind}.inputShape[1]`, w);
  checkInteger(`${kind}.inputShape[2]`, c);
  const [ph, pw] = pairOption(`${kind}.poolSize`, options.poolSize);
  const [sh, sw] = pairOption(`${kind}.stride`, options.stride ?? [ph, pw]);
  const g = windowGeometry(kind, [h, w], [ph, pw], [sh, sw], options.padding ?? "valid");
  return {
    inputShape: [h, w, c],
    outputShape: [g.outHeight, g.outWidth, c],
    ph,
    pw,
    sh,
    sw,
    padTop: g.padTop,
    padLeft: g.padLeft,
  };
}

/** Output row (or column) `o`'s window: `[first, end)` of the input rows inside the image. */
function span(o: number, stride: number, pad: number, size: number, extent: number): [number, number] {
  const start = o * stride - pad;
  return [Math.max(start, 0), Math.min(start + size, extent)];
}

export class MaxPool2d implements Layer {
  readonly kind = "maxPool2d";
  readonly inputShape: readonly [number, number, number];
  /** `[Ho, Wo, C]`. */
  readonly outputShape: readonly [number, number, number];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly arena: Arena;
  readonly g: PoolGeometry;
  private capacity = 0;
  private output: F32Slot | null = null;
  private dx: F32Slot | null = null;
  /** For each output value of the last forward, the index (within its row) of the input it took. */
  private argmax: TypedSlot<Int32Array> | null = null;
  private ran = false;

  constructor(options: Pool2dOptions) {
    this.g = poolGeometry(this.kind, options);
    this.inputShape = this.g.inputShape;
    this.outputShape = this.g.outputShape;
    this.inputSize = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    this.outputSize = this.outputShape[0] * this.outputShape[1] * this.outputShape[2];
    this.arena = options.arena;
  }

  parameterShapes(): number[][] {
    return [];
  }

  init(): void {}

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.output = this.arena.slot(rows * this.outputSize);
    this.dx = this.arena.slot(rows * this.inputSize);
    this.argmax = this.arena.typedSlot(Int32Array, rows * this.outputSize);
  }

  forward(_params: number, input: F32Slot, rows: number): F32Slot {
    checkRows(this.kind, "forward", rows, this.capacity);
    checkSlot(this.kind, "input", input, rows, this.inputShape, this.arena);
    const { ph, pw, sh, sw, padTop, padLeft } = this.g;
    const [h, w, c] = this.inputShape;
    const [ho, wo] = this.outputShape;
    const x = input.array;
    const y = this.output!.array;
    const at = this.argmax!.array;
    let o = 0;
    for (let r = 0; r < rows; r++) {
      const image = r * this.inputSize;
      for (let oy = 0; oy < ho; oy++) {
        const [y0, y1] = span(oy, sh, padTop, ph, h);
        for (let ox = 0; ox < wo; ox++) {
          const [x0, x1] = span(ox, sw, padLeft, pw, w);
          for (let ch = 0; ch < c; ch++) {
            let best = Number.NEGATIVE_INFINITY;
            let where = -1;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const i = (iy * w + ix) * c + ch;
                const v = x[image + i]!;
                // `where < 0`: a window of −∞ still names a pixel; a NaN propagates.
                if (v > best || where < 0 || Number.isNaN(v)) {
                  best = v;
                  where = i;
                }
              }
            }
            y[o] = best;
            at[o++] = where;
          }
        }
      }
    }
    this.ran = true;
    return this.output!;
  }

  /** Each output's gradient goes to the input pixel its forward took. No parameters. */
  backward(
    _params: number,
    _grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    checkRows(this.kind, "backward", rows, this.capacity);
    if (!this.ran) throw new Error("maxPool2d backward: call forward first.");
    checkSlot(this.kind, "output gradient", outputGrad, rows, this.outputShape, this.arena);
    if (!inputGrad) return null;
    const dy = outputGrad.array;
    const dx = this.dx!.array;
    const at = this.argmax!.array;
    dx.fill(0, 0, rows * this.inputSize);
    for (let r = 0; r < rows; r++) {
      const image = r * this.inputSize;
      const out = r * this.outputSize;
      for (let o = 0; o < this.outputSize; o++) dx[image + at[out + o]!] += dy[out + o]!;
    }
    return this.dx!;
  }
}

export class AvgPool2d implements Layer {
  readonly kind = "avgPool2d";
  readonly inputShape: readonly [number, number, number];
  /** `[Ho, Wo, C]`. */
  readonly outputShape: readonly [number, number, number];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly arena: Arena;
  readonly g: PoolGeometry;
  private capacity = 0;
  private output: F32Slot | null = null;
  private dx: F32Slot | null = null;
  private ran = false;

  constructor(options: Pool2dOptions) {
    this.g = poolGeometry(this.kind, options);
    this.inputShape = this.g.inputShape;
    this.outputShape = this.g.outputShape;
    this.inputSize = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    this.outputSize = this.outputShape[0] * this.outputShape[1] * this.outputShape[2];
    this.arena = options.arena;
  }

  parameterShapes(): number[][] {
    return [];
  }

  init(): void {}

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.output = this.arena.slot(rows * this.outputSize);
    this.dx = this.arena.slot(rows * this.inputSize);
  }

  forward(_params: number, input: F32Slot, rows: number): F32Slot {
    checkRows(this.kind, "forward", rows, this.capacity);
    checkSlot(this.kind, "input", input, rows, this.inputShape, this.arena);
    const x = input.array;
    const y = this.output!.array;
    this.windows(rows, (o, image, y0, y1, x0, x1, count) => {
      const [, w, c] = this.inputShape;
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let iy = y0; iy < y1; iy++)
          for (let ix = x0; ix < x1; ix++) sum += x[image + (iy * w + ix) * c + ch]!;
        y[o + ch] = sum / count;
      }
    });
    this.ran = true;
    return this.output!;
  }

  /** Each output's gradient, divided by its window's count, to every pixel of the window. No parameters. */
  backward(
    _params: number,
    _grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    checkRows(this.kind, "backward", rows, this.capacity);
    if (!this.ran) throw new Error("avgPool2d backward: call forward first.");
    checkSlot(this.kind, "output gradient", outputGrad, rows, this.outputShape, this.arena);
    if (!inputGrad) return null;
    const dy = outputGrad.array;
    const dx = this.dx!.array;
    dx.fill(0, 0, rows * this.inputSize);
    this.windows(rows, (o, image, y0, y1, x0, x1, count) => {
      const [, w, c] = this.inputShape;
      for (let ch = 0; ch < c; ch++) {
        const g = dy[o + ch]! / count;
        for (let iy = y0; iy < y1; iy++)
          for (let ix = x0; ix < x1; ix++) dx[image + (iy * w + ix) * c + ch] += g;
      }
    });
    return this.dx!;
  }

  /**
   * Calls `visit` for each output pixel: its first output index `o` (channels follow), its
   * image's first input index, and its window's inside rows `[y0, y1)`, columns `[x0, x1)` and count.
   */
  private windows(
    rows: number,
    visit: (o: number, image: number, y0: number, y1: number, x0: number, x1: number, count: number) => void,
  ): void {
    const { ph, pw, sh, sw, padTop, padLeft } = this.g;
    const [h, w, c] = this.inputShape;
    const [ho, wo] = this.outputShape;
    let o = 0;
    for (let r = 0; r < rows; r++) {
      const image = r * this.inputSize;
      for (let oy = 0; oy < ho; oy++) {
        const [y0, y1] = span(oy, sh, padTop, ph, h);
        for (let ox = 0; ox < wo; ox++) {
          const [x0, x1] = span(ox, sw, padLeft, pw, w);
          visit(o, image, y0, y1, x0, x1, (y1 - y0) * (x1 - x0));
          o += c;
        }
      }
    }
  }
}
