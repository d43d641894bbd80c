/**
 * @module
 * A 2-D convolution over HWC images on the fused engine: the semantics of tf.conv2d /
 * tf.layers.conv2d (NHWC, `"valid"`/`"same"` or explicit padding, strides, a bias and an
 * activation; no dilation or groups), which are torch.nn.Conv2d's cross-correlation with the
 * channels last and the kernel stored `[kh, kw, Cin, Cout]` instead of `[Cout, Cin, kh, kw]`.
 *
 * It is im2col and one matrix product, so all the multiply-adds run in `gemm` (WebAssembly SIMD
 * where available):
 * - forward   every output pixel's receptive field is copied into a row of `cols`
 *   (`[rows·Ho·Wo, kh·kw·Cin]`, the field in `(ky, kx, ci)` order, padding as zeros), then
 *   `Y = f(cols·W + b)` with W the kernel read as `[kh·kw·Cin, Cout]`, the bias and activation
 *   fused into the product's store;
 * - backward  `dZ = dY ⊙ f'(·)` (through the output), `dW = colsᵀ·dZ` (gemm reads cols
 *   transposed in place, one product over every pixel),
 *   `db = Σ dZ` over pixels and rows (colSum), and for ∂input `dCols = dZ·Wᵀ` (W transposed
 *   into scratch) scattered back by col2im (a sum over every window that saw each input pixel).
 *
 * im2col and col2im are kernels too (`im2col`/`col2im`: SIMD copies and adds on wasm).
 *
 * A 1×1 kernel with stride 1 and no padding skips the copy: `cols` is the input itself. Where every
 * window lies inside the image (no padding, as `"valid"`), forward and ∂W skip it too: the kernels
 * `conv2dForward` and `conv2dFilterGrad` read each window from the image where it lies (implicit
 * GEMM), with the same register blocks and order of operations as gemm on `cols`, so the same
 * bits; only ∂input still goes through `dCols` and col2im. On BC-CNN's first layer (64 images
 * `[32, 64, 3]`, 16×5×5/2) that drops an 8 MB copy a step (im2col was 1 ms of a 17 ms step).
 *
 * Parameters: kernel `[kh, kw, Cin, Cout]` row-major (tfjs's layout), then bias `[Cout]`.
 */
import type { Rng } from "../../core/rng.js";
import type { Arena, F32Slot } from "../fused/arena.js";
import { Epilogue } from "../fused/kernels-ts.js";
import type { Layer, LayerContext } from "./layer.js";
import {
  checkActivation,
  checkInteger,
  checkOffset,
  checkRows,
  checkSlot,
  epilogueOf,
  glorotUniform,
  type LayerActivation,
  type Padding,
  pairOption,
  windowGeometry,
} from "./support.js";

export interface Conv2dOptions extends LayerContext {
  /** One example's image, `[height, width, channels]` (HWC). */
  inputShape: readonly [number, number, number];
  /** Output channels (tfjs's `filters`). */
  outChannels: number;
  /** `[kh, kw]`, or one number for both. */
  kernel: number | readonly [number, number];
  /** `[sh, sw]`, or one number for both; default 1. */
  stride?: number | readonly [number, number];
  /** Default `valid`. */
  padding?: Padding;
  /** Default `none`. */
  activation?: LayerActivation;
}

export class Conv2d implements Layer {
  readonly kind = "conv2d";
  readonly inputShape: readonly [number, number, number];
  /** `[Ho, Wo, Cout]`. */
  readonly outputShape: readonly [number, number, number];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly activation: LayerActivation;
  readonly arena: Arena;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly padTop: number;
  readonly padLeft: number;
  /** kh·kw·Cin: one receptive field, one row of `cols`. */
  private readonly field: number;
  /** 1×1, stride 1, no padding: `cols` is the input. */
  private readonly pointwise: boolean;
  /** Every window inside the image (and not pointwise): forward and ∂W without `cols`. */
  private readonly implicit: boolean;
  private capacity = 0;
  private cols: F32Slot | null = null;
  private dCols: F32Slot | null = null;
  private output: F32Slot | null = null;
  private dz: F32Slot | null = null;
  private dx: F32Slot | null = null;
  private readonly transposed: F32Slot;
  private input: F32Slot | null = null;

  constructor(options: Conv2dOptions) {
    const [h, w, cin] = options.inputShape;
    checkInteger("conv2d.inputShape[0]", h);
    checkInteger("conv2d.inputShape[1]", w);
    checkInteger("conv2d.inputShape[2]", cin);
    const cout = checkInteger("conv2d.outChannels", options.outChannels);
    [this.kh, this.kw] = pairOption("conv2d.kernel", options.kernel);
    [this.sh, this.sw] = pairOption("conv2d.stride", options.stride ?? 1);
    const padding = options.padding ?? "valid";
    const g = windowGeometry("conv2d", [h, w], [this.kh, this.kw], [this.sh, this.sw], padding);
    this.padTop = g.padTop;
    this.padLeft = g.padLeft;
    this.inputShape = [h, w, cin];
    this.outputShape = [g.outHeight, g.outWidth, cout];
    this.inputSize = h * w * cin;
    this.outputSize = g.outHeight * g.outWidth * cout;
    this.field = this.kh * this.kw * cin;
    this.parameterCount = this.field * cout + cout;
    this.activation = checkActivation("conv2d.activation", options.activation);
    this.pointwise =
      this.kh === 1 &&
      this.kw === 1 &&
      this.sh === 1 &&
      this.sw === 1 &&
      g.outHeight === h &&
      g.outWidth === w;
    this.implicit =
      !this.pointwise &&
      g.padTop === 0 &&
      g.padLeft === 0 &&
      (g.outHeight - 1) * this.sh + this.kh <= h &&
      (g.outWidth - 1) * this.sw + this.kw <= w;
    this.arena = options.arena;
    this.transposed = this.arena.slot(this.field * cout);
  }

  parameterShapes(): number[][] {
    const [, , cin] = this.inputShape;
    const cout = this.outputShape[2];
    return [[this.kh, this.kw, cin, cout], [cout]];
  }

  /** Glorot-uniform kernel (fans `kh·kw·Cin` and `kh·kw·Cout`, as tfjs-layers), zero bias. */
  init(params: Float32Array, rng: Rng): void {
    const cout = this.outputShape[2];
    const k = this.field * cout;
    glorotUniform(params.subarray(0, k), this.field, this.kh * this.kw * cout, rng);
    params.fill(0, k, this.parameterCount);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    const pixels = rows * this.outputShape[0] * this.outputShape[1];
    this.output = this.arena.slot(rows * this.outputSize);
    this.dz = this.activation === "none" ? null : this.arena.slot(rows * this.outputSize);
    this.dx = this.arena.slot(rows * this.inputSize);
    this.cols = this.pointwise || this.implicit ? null : this.arena.slot(pixels * this.field);
    this.dCols = this.pointwise ? null : this.arena.slot(pixels * this.field);
  }

  forward(params: number, input: F32Slot, rows: number): F32Slot {
    checkRows(this.kind, "forward", rows, this.capacity);
    checkSlot(this.kind, "input", input, rows, this.inputShape, this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    const cout = this.outputShape[2];
    const pixels = rows * this.outputShape[0] * this.outputShape[1];
    const out = this.output!;
    this.input = input;
    if (this.implicit) {
      const [h, w, cin] = this.inputShape;
      const [ho, wo] = this.outputShape;
      this.arena.kernels.conv2dForward(
        input.ptr,
        rows,
        h,
        w,
        cin,
        this.kh,
        this.kw,
        this.sh,
        this.sw,
        ho,
        wo,
        params,
        params + 4 * this.field * cout,
        out.ptr,
        cout,
        epilogueOf(this.activation),
      );
      return out;
    }
    let cols = input.ptr;
    if (this.cols !== null) {
      this.im2col(input, this.cols, rows);
      cols = this.cols.ptr;
    }
    this.arena.kernels.gemm(
      cols,
      this.field,
      1,
      params,
      cout,
      params + 4 * this.field * cout,
      out.ptr,
      cout,
      0,
      pixels,
      this.field,
      cout,
      epilogueOf(this.activation),
    );
    return out;
  }

  backward(
    params: number,
    grads: number,
    outputGrad: F32Slot,
    rows: number,
    inputGrad: boolean,
  ): F32Slot | null {
    checkRows(this.kind, "backward", rows, this.capacity);
    if (this.input === null) throw new Error("conv2d backward: call forward first.");
    checkSlot(this.kind, "output gradient", outputGrad, rows, this.outputShape, this.arena);
    checkOffset(this.kind, "parameter", params, this.parameterCount, this.arena);
    checkOffset(this.kind, "gradient", grads, this.parameterCount, this.arena);
    const k = this.arena.kernels;
    const cout = this.outputShape[2];
    const field = this.field;
    const pixels = rows * this.outputShape[0] * this.outputShape[1];
    let dz = outputGrad;
    if (this.activation !== "none") {
      dz = this.dz!;
      k.activationGrad(this.output!.ptr, outputGrad.ptr, dz.ptr, pixels * cout, epilogueOf(this.activation));
    }
    if (this.implicit) {
      // dW = colsᵀ·dZ with each window read from the image (the same bits as the product below).
      const [h, w, cin] = this.inputShape;
      const [ho, wo] = this.outputShape;
      k.conv2dFilterGrad(
        this.input.ptr,
        rows,
        h,
        w,
        cin,
        this.kh,
        this.kw,
        this.sh,
        this.sw,
        ho,
        wo,
        dz.ptr,
        cout,
        grads,
        0,
        field,
      );
    } else {
      const cols = this.cols?.ptr ?? this.input.ptr;
      // dW = colsᵀ·dZ: A(i, p) = cols[p, i] (row stride 1, column stride field), one product over
      // every pixel (gemm takes the pixels in cache-sized blocks itself; it used to be summed here
      // over slabs of pixels, a product and an axpy per slab).
      k.gemm(cols, 1, field, dz.ptr, cout, 0, grads, cout, 0, field, pixels, cout, Epilogue.none);
    }
    k.colSum(dz.ptr, pixels, cout, grads + 4 * field * cout);
    if (!inputGrad) return null;
    // dCols = dZ·Wᵀ, then each column back to the input pixel it was copied from.
    const dx = this.dx!;
    const dCols = this.dCols ?? dx;
    k.transpose(params, field, cout, this.transposed.ptr);
    k.gemm(
      dz.ptr,
      cout,
      1,
      this.transposed.ptr,
      field,
      0,
      dCols.ptr,
      field,
      0,
      pixels,
      cout,
      field,
      Epilogue.none,
    );
    if (this.dCols !== null) this.col2im(this.dCols, dx, rows);
    return dx;
  }

  /** `cols[(r, oy, ox), (ky, kx, ci)] = x[r, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci]`, 0 outside (a kernel). */
  private im2col(x: F32Slot, cols: F32Slot, rows: number): void {
    const [h, w, cin] = this.inputShape;
    const [ho, wo] = this.outputShape;
    this.arena.kernels.im2col(
      x.ptr,
      rows,
      h,
      w,
      cin,
      this.kh,
      this.kw,
      this.sh,
      this.sw,
      this.padTop,
      this.padLeft,
      ho,
      wo,
      cols.ptr,
    );
  }

  /** im2col's adjoint: `dx[r, iy, ix, ci] = Σ` of the `dCols` entries copied from it (a kernel). */
  private col2im(dCols: F32Slot, dx: F32Slot, rows: number): void {
    const [h, w, cin] = this.inputShape;
    const [ho, wo] = this.outputShape;
    this.arena.kernels.col2im(
      dCols.ptr,
      rows,
      h,
      w,
      cin,
      this.kh,
      this.kw,
      this.sh,
      this.sw,
      this.padTop,
      this.padLeft,
      ho,
      wo,
      dx.ptr,
    );
  }
}
