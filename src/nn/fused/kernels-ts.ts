/**
 * @module
 * The fused engine's kernels in plain TypeScript: the fallback where WebAssembly SIMD is missing,
 * and the reference the WebAssembly kernels (`assembly/kernels.ts`, which this file mirrors
 * function for function) are tested against.
 *
 * They work on the same raw layout: a heap of float32 values addressed by byte offsets, matrices
 * row-major. Sums run in float64 and are rounded to float32 when stored, so these results are
 * the exact float32 rounding of the real-number result up to float64 error; tanh is `Math.tanh`.
 */
import { CategoricalScratch, createLossStats, ppoCategorical as ppoCategoricalLoss } from "./losses.js";

/** `gemm`'s epilogues, as in the WebAssembly kernels. */
export const Epilogue = { none: 0, tanh: 1, relu: 2, tanhGrad: 3, reluGrad: 4 } as const;

/** The kernel set, in both implementations (pointers are byte offsets into the arena). */
export interface Kernels {
  /** `C = epilogue(bias + A·B)`; A is read at `a + 4·(i·aRow + p·aCol)`; `bias`/`gate` 0 = none. */
  gemm(
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    ldb: number,
    bias: number,
    c: number,
    ldc: number,
    gate: number,
    m: number,
    k: number,
    n: number,
    act: number,
  ): void;
  /** `dst[c, r] = src[r, c]`. */
  transpose(src: number, rows: number, cols: number, dst: number): void;
  /** `dst[j] = Σ_r src[r, j]`. */
  colSum(src: number, rows: number, cols: number, dst: number): void;
  /** One Adam update, operation by operation in float32 (see `adam.ts`). */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    eps: number,
    stepSize: number,
    corr2: number,
  ): void;
  /** Σ x² in float64. */
  sumSquares(x: number, n: number): number;
  /** Sets the int32 at `flag` to 1 when any of the n floats at `x` is NaN or ±Inf (never writes 0). */
  flagNonFinite(x: number, n: number, flag: number): void;
  /** `x ← x · factor`. */
  scale(x: number, n: number, factor: number): void;
  /** `y ← y + alpha · x`. */
  axpy(y: number, x: number, n: number, alpha: number): void;
  /**
   * One step of a GRU's gates for `rows` rows of `h` units (`layers/gru.ts`): from gi and gh
   * (`[3h]` per row, columns r, z, n) and h_{t−1}, writes r, z, n and gh_n into `cache` (`[4h]`
   * per row) and h_t into `hOut`. Row strides in floats; gh's rows are 3h apart.
   */
  gruGates(
    gi: number,
    giRow: number,
    gh: number,
    hPrev: number,
    prevRow: number,
    cache: number,
    cacheRow: number,
    hOut: number,
    outRow: number,
    rows: number,
    h: number,
  ): void;
  /**
   * `gruGates`' adjoint for one step: from ∂h_t (`dh`, `[h]` per row, plus `dy`'s row unless `dy`
   * is 0), the step's `cache` and h_{t−1}, writes ∂ of the input pre-activations into `dgi` (r, z,
   * n) and of the recurrent ones into `dgh` (r, z, r ⊙ ∂n); leaves z ⊙ ∂h_t in `dh`.
   */
  gruGatesBackward(
    cache: number,
    cacheRow: number,
    hPrev: number,
    prevRow: number,
    dh: number,
    dy: number,
    dyRow: number,
    dgi: number,
    dgh: number,
    gRow: number,
    rows: number,
    h: number,
  ): void;
  /**
   * A convolution's im2col over `rows` HWC images `[h, w, cin]` at `x`: `cols[(r, oy, ox), (ky, kx,
   * ci)] = x[r, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci]`, 0 outside the image, for the
   * `[ho, wo]` output pixels (`layers/conv2d.ts`).
   */
  im2col(
    x: number,
    rows: number,
    h: number,
    w: number,
    cin: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
    ho: number,
    wo: number,
    cols: number,
  ): void;
  /** im2col's adjoint: overwrites `dx` with the sums of the `dCols` entries copied from each input. */
  col2im(
    dCols: number,
    rows: number,
    h: number,
    w: number,
    cin: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
    ho: number,
    wo: number,
    dx: number,
  ): void;
  /**
   * A convolution's forward pass without im2col's buffer, for windows inside the image (no
   * padding): `y[(r, oy, ox), j] = act(bias[j] + Σ_p x[r, oy·sh + ky, ox·sw + kx, ci]·wts[p, j])`
   * over p = (ky, kx, ci) in order, `wts` `[kh·kw·cin, cout]`, `bias` 0 = none (`act` as gemm's
   * none, tanh, relu). The same numbers as `im2col` then `gemm` on each kernel set.
   */
  conv2dForward(
    x: number,
    rows: number,
    h: number,
    w: number,
    cin: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ho: number,
    wo: number,
    wts: number,
    bias: number,
    y: number,
    cout: number,
    act: number,
  ): void;
  /**
   * Rows `from … from + count − 1` of a convolution's kernel gradient `dw[p, j] = Σ_pixels
   * x[r, oy·sh + ky, ox·sw + kx, ci]·dz[(r, oy, ox), j]` (`dw` the whole `[kh·kw·cin, cout]`),
   * without im2col's buffer, windows inside the image: the same numbers as `gemm` on im2col's
   * matrix read transposed, on each kernel set.
   */
  conv2dFilterGrad(
    x: number,
    rows: number,
    h: number,
    w: number,
    cin: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ho: number,
    wo: number,
    dz: number,
    cout: number,
    dw: number,
    from: number,
    count: number,
  ): void;
  /**
   * Bytes to floats through a table: for `n` pixels of `channels` bytes at byte offset `src`,
   * `out[p, c] = table[256·c + byte]` (an image's input, each channel's 256 results computed once).
   */
  lookupBytes(src: number, n: number, channels: number, table: number, out: number): void;
  /**
   * `dz = dy ⊙ f'(·)` through a layer's output `y = f(z)`: `act` tanh gives 1 − y², relu [y > 0]
   * (a product: a non-finite dy where y ≤ 0 gives NaN).
   */
  activationGrad(y: number, dy: number, dz: number, n: number, act: number): void;
  /**
   * PPO's clipped surrogate for one categorical head (`losses.ts`'s `ppoCategorical`): logits and
   * grad float32 `[rows, n]`, actions int32, old log-probs and advantages float64. `io` is float64:
   * in [0] the clip ε, [1] the entropy weight; out [2] the policy loss, [3] the mean entropy, [4]
   * the approximate KL, [5] the clipped fraction; then n values of scratch.
   */
  ppoCategorical(
    logits: number,
    rows: number,
    n: number,
    actions: number,
    oldLogProbs: number,
    advantages: number,
    grad: number,
    io: number,
  ): void;
}

/** Float64s `ppoCategorical`'s `io` block holds: six values and scratch for `n` probabilities. */
export function ppoCategoricalIoSize(n: number): number {
  return 6 + n;
}

const f = Math.fround;

/** The TypeScript kernels over the heap that `heap()` returns at each call (it may be replaced). */
export function createTsKernels(heap: () => Float32Array): Kernels {
  let row = new Float64Array(64);
  return {
    gemm(a, aRow, aCol, b, ldb, bias, c, ldc, gate, m, k, n, act) {
      const h = heap();
      const A = a >> 2;
      const B = b >> 2;
      const bb = bias >> 2;
      if (row.length < 4 * n) row = new Float64Array(4 * n);
      const acc = row;
      // Four rows at a time, so each row of B is read once per four rows of A.
      let i = 0;
      for (; i + 3 < m; i += 4) {
        for (let j = 0; j < n; j++) {
          const v = bias !== 0 ? h[bb + j]! : 0;
          acc[j] = v;
          acc[n + j] = v;
          acc[2 * n + j] = v;
          acc[3 * n + j] = v;
        }
        const a0 = A + i * aRow;
        for (let p = 0; p < k; p++) {
          const ap = a0 + p * aCol;
          const x0 = h[ap]!;
          const x1 = h[ap + aRow]!;
          const x2 = h[ap + 2 * aRow]!;
          const x3 = h[ap + 3 * aRow]!;
          const bp = B + p * ldb;
          for (let j = 0; j < n; j++) {
            const w = h[bp + j]!;
            acc[j] += x0 * w;
            acc[n + j] += x1 * w;
            acc[2 * n + j] += x2 * w;
            acc[3 * n + j] += x3 * w;
          }
        }
        for (let r = 0; r < 4; r++) store(h, acc, r * n, c, gate, ldc, i + r, n, act);
      }
      for (; i < m; i++) {
        for (let j = 0; j < n; j++) acc[j] = bias !== 0 ? h[bb + j]! : 0;
        const ai = A + i * aRow;
        for (let p = 0; p < k; p++) {
          const x = h[ai + p * aCol]!;
          if (x === 0) continue;
          const bp = B + p * ldb;
          for (let j = 0; j < n; j++) acc[j] += x * h[bp + j]!;
        }
        store(h, acc, 0, c, gate, ldc, i, n, act);
      }
    },
    transpose(src, rows, cols, dst) {
      const h = heap();
      const s = src >> 2;
      const d = dst >> 2;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) h[d + c * rows + r] = h[s + r * cols + c]!;
    },
    colSum(src, rows, cols, dst) {
      const h = heap();
      const s = src >> 2;
      const d = dst >> 2;
      if (row.length < cols) row = new Float64Array(cols);
      const acc = row;
      acc.fill(0, 0, cols);
      for (let r = 0; r < rows; r++) {
        const o = s + r * cols;
        for (let j = 0; j < cols; j++) acc[j] += h[o + j]!;
      }
      for (let j = 0; j < cols; j++) h[d + j] = acc[j]!;
    },
    adam(w, g, m, v, n, b1, c1, b2, c2, eps, stepSize, corr2) {
      const h = heap();
      const W = w >> 2;
      const G = g >> 2;
      const M = m >> 2;
      const V = v >> 2;
      for (let i = 0; i < n; i++) {
        const gi = h[G + i]!;
        const mi = f(f(h[M + i]! * b1) + f(gi * c1));
        const vi = f(f(h[V + i]! * b2) + f(f(gi * gi) * c2));
        h[M + i] = mi;
        h[V + i] = vi;
        const denominator = f(f(f(Math.sqrt(vi)) / corr2) + eps);
        h[W + i] = h[W + i]! + f(f(mi / denominator) * stepSize);
      }
    },
    sumSquares(x, n) {
      const h = heap();
      const X = x >> 2;
      let s = 0;
      for (let i = 0; i < n; i++) s += h[X + i]! * h[X + i]!;
      return s;
    },
    flagNonFinite(x, n, flag) {
      const h = heap();
      const X = x >> 2;
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(h[X + i]!)) {
          new Int32Array(h.buffer, h.byteOffset + flag, 1)[0] = 1;
          return;
        }
      }
    },
    scale(x, n, factor) {
      const h = heap();
      const X = x >> 2;
      const fa = f(factor);
      for (let i = 0; i < n; i++) h[X + i] = h[X + i]! * fa;
    },
    ppoCategorical(logits, rows, n, actions, oldLogProbs, advantages, grad, io) {
      // Views per call: this is the fallback path; `losses.ts` holds the arithmetic.
      const buffer = heap().buffer as ArrayBuffer;
      const inOut = new Float64Array(buffer, io, 6);
      const stats = createLossStats();
      ppoCategoricalLoss(
        new Float32Array(buffer, logits, rows * n),
        rows,
        new Int32Array(buffer, actions, rows),
        new Float64Array(buffer, oldLogProbs, rows),
        new Float64Array(buffer, advantages, rows),
        inOut[0]!,
        inOut[1]!,
        new CategoricalScratch([n]),
        new Float32Array(buffer, grad, rows * n),
        stats,
      );
      inOut[2] = stats.policyLoss;
      inOut[3] = stats.entropy;
      inOut[4] = stats.approxKl;
      inOut[5] = stats.clipFraction;
    },
    axpy(y, x, n, alpha) {
      const h = heap();
      const Y = y >> 2;
      const X = x >> 2;
      const al = f(alpha);
      for (let i = 0; i < n; i++) h[Y + i] = h[Y + i]! + f(al * h[X + i]!);
    },
    activationGrad(y, dy, dz, n, act) {
      const m = heap();
      const Y = y >> 2;
      const D = dy >> 2;
      const Z = dz >> 2;
      if (act === Epilogue.tanh) {
        for (let i = 0; i < n; i++) {
          const v = m[Y + i]!;
          m[Z + i] = m[D + i]! * (1 - v * v);
        }
      } else {
        for (let i = 0; i < n; i++) m[Z + i] = m[D + i]! * Number(m[Y + i]! > 0);
      }
    },
    im2col(x, rows, h, w, cin, kh, kw, sh, sw, padTop, padLeft, ho, wo, cols) {
      const m = heap();
      let o = cols >> 2;
      for (let r = 0; r < rows; r++) {
        const image = (x >> 2) + r * h * w * cin;
        for (let oy = 0; oy < ho; oy++) {
          const y0 = oy * sh - padTop;
          for (let ox = 0; ox < wo; ox++) {
            const x0 = ox * sw - padLeft;
            const kx0 = Math.max(0, -x0);
            const kx1 = Math.min(kw, w - x0);
            for (let ky = 0; ky < kh; ky++) {
              const iy = y0 + ky;
              if (iy < 0 || iy >= h || kx1 <= kx0) {
                m.fill(0, o, o + kw * cin);
                o += kw * cin;
                continue;
              }
              m.fill(0, o, o + kx0 * cin);
              o += kx0 * cin;
              const s = image + (iy * w + x0 + kx0) * cin;
              const run = (kx1 - kx0) * cin;
              for (let i = 0; i < run; i++) m[o++] = m[s + i]!;
              m.fill(0, o, o + (kw - kx1) * cin);
              o += (kw - kx1) * cin;
            }
          }
        }
      }
    },
    col2im(dCols, rows, h, w, cin, kh, kw, sh, sw, padTop, padLeft, ho, wo, dx) {
      const m = heap();
      const d = dx >> 2;
      m.fill(0, d, d + rows * h * w * cin);
      let o = dCols >> 2;
      for (let r = 0; r < rows; r++) {
        const image = d + r * h * w * cin;
        for (let oy = 0; oy < ho; oy++) {
          const y0 = oy * sh - padTop;
          for (let ox = 0; ox < wo; ox++) {
            const x0 = ox * sw - padLeft;
            const kx0 = Math.max(0, -x0);
            const kx1 = Math.min(kw, w - x0);
            for (let ky = 0; ky < kh; ky++) {
              const iy = y0 + ky;
              if (iy < 0 || iy >= h || kx1 <= kx0) {
                o += kw * cin;
                continue;
              }
              o += kx0 * cin;
              const s = image + (iy * w + x0 + kx0) * cin;
              const run = (kx1 - kx0) * cin;
              for (let i = 0; i < run; i++) m[s + i] = m[s + i]! + m[o++]!;
              o += (kw - kx1) * cin;
            }
          }
        }
      }
    },
    lookupBytes(src, n, channels, table, out) {
      const m = heap();
      const bytes = new Uint8Array(m.buffer, m.byteOffset + src, n * channels);
      const T = table >> 2;
      const O = out >> 2;
      for (let i = 0; i < n * channels; i++) m[O + i] = m[T + 256 * (i % channels) + bytes[i]!]!;
    },
    conv2dForward(x, rows, h, w, cin, kh, kw, sh, sw, ho, wo, wts, bias, y, cout, act) {
      // Each output pixel as gemm's row: a float64 sum over the window in (ky, kx, ci) order.
      const m = heap();
      if (row.length < cout) row = new Float64Array(cout);
      const acc = row;
      const run = kw * cin;
      const W = wts >> 2;
      let q = 0;
      for (let r = 0; r < rows; r++) {
        for (let oy = 0; oy < ho; oy++) {
          for (let ox = 0; ox < wo; ox++, q++) {
            for (let j = 0; j < cout; j++) acc[j] = bias !== 0 ? m[(bias >> 2) + j]! : 0;
            let p = 0;
            for (let ky = 0; ky < kh; ky++) {
              const s = (x >> 2) + ((r * h + oy * sh + ky) * w + ox * sw) * cin;
              for (let t = 0; t < run; t++, p++) {
                const v = m[s + t]!;
                const bp = W + p * cout;
                for (let j = 0; j < cout; j++) acc[j] += v * m[bp + j]!;
              }
            }
            store(m, acc, 0, y, 0, cout, q, cout, act);
          }
        }
      }
    },
    conv2dFilterGrad(x, rows, h, w, cin, kh, kw, sh, sw, ho, wo, dz, cout, dw, from, count) {
      // Each kernel row as gemm's row of the transposed im2col matrix: a float64 sum over pixels.
      const m = heap();
      if (row.length < cout) row = new Float64Array(cout);
      const acc = row;
      const run = kw * cin;
      if (from < 0 || from + count > kh * run) {
        throw new RangeError(
          `conv2dFilterGrad: rows ${from}…${from + count - 1} are outside the kernel's ${kh * run} rows (kh·kw·cin); pass from ≥ 0 and from + count ≤ ${kh * run}.`,
        );
      }
      const D = dz >> 2;
      for (let p = from; p < from + count; p++) {
        const offset = Math.floor(p / run) * w * cin + (p % run);
        acc.fill(0, 0, cout);
        let q = 0;
        for (let r = 0; r < rows; r++) {
          for (let oy = 0; oy < ho; oy++) {
            for (let ox = 0; ox < wo; ox++, q++) {
              const v = m[(x >> 2) + ((r * h + oy * sh) * w + ox * sw) * cin + offset]!;
              const dp = D + q * cout;
              for (let j = 0; j < cout; j++) acc[j] += v * m[dp + j]!;
            }
          }
        }
        store(m, acc, 0, dw, 0, cout, p, cout, Epilogue.none);
      }
    },
    gruGates(gi, giRow, gh, hPrev, prevRow, cache, cacheRow, hOut, outRow, rows, units) {
      const m = heap();
      const H = units;
      for (let r = 0; r < rows; r++) {
        const a = (gi >> 2) + r * giRow;
        const b = (gh >> 2) + r * 3 * H;
        const p = (hPrev >> 2) + r * prevRow;
        const c = (cache >> 2) + r * cacheRow;
        const o = (hOut >> 2) + r * outRow;
        for (let j = 0; j < H; j++) {
          const rg = 1 / (1 + Math.exp(-(m[a + j]! + m[b + j]!)));
          const zg = 1 / (1 + Math.exp(-(m[a + H + j]! + m[b + H + j]!)));
          const hn = m[b + 2 * H + j]!;
          const n = Math.tanh(m[a + 2 * H + j]! + rg * hn);
          m[c + j] = rg;
          m[c + H + j] = zg;
          m[c + 2 * H + j] = n;
          m[c + 3 * H + j] = hn;
          m[o + j] = (1 - zg) * n + zg * m[p + j]!;
        }
      }
    },
    gruGatesBackward(cache, cacheRow, hPrev, prevRow, dh, dy, dyRow, dgi, dgh, gRow, rows, units) {
      const m = heap();
      const H = units;
      for (let r = 0; r < rows; r++) {
        const c = (cache >> 2) + r * cacheRow;
        const p = (hPrev >> 2) + r * prevRow;
        const e = (dh >> 2) + r * H;
        const y = (dy >> 2) + r * dyRow;
        const i = (dgi >> 2) + r * gRow;
        const g = (dgh >> 2) + r * gRow;
        for (let j = 0; j < H; j++) {
          let d = m[e + j]!;
          if (dy !== 0) d += m[y + j]!;
          const rg = m[c + j]!;
          const zg = m[c + H + j]!;
          const n = m[c + 2 * H + j]!;
          const hn = m[c + 3 * H + j]!;
          const dan = d * (1 - zg) * (1 - n * n);
          const daz = d * (m[p + j]! - n) * zg * (1 - zg);
          const dar = dan * hn * rg * (1 - rg);
          m[i + j] = dar;
          m[i + H + j] = daz;
          m[i + 2 * H + j] = dan;
          m[g + j] = dar;
          m[g + H + j] = daz;
          m[g + 2 * H + j] = dan * rg;
          m[e + j] = d * zg;
        }
      }
    },
  };
}

/** Row `i` of C from `acc[from, from + n)`, through the epilogue. */
function store(
  h: Float32Array,
  acc: Float64Array,
  from: number,
  c: number,
  gate: number,
  ldc: number,
  i: number,
  n: number,
  act: number,
): void {
  const ci = (c >> 2) + i * ldc;
  const gi = (gate >> 2) + i * ldc;
  switch (act) {
    case Epilogue.tanh:
      for (let j = 0; j < n; j++) h[ci + j] = Math.tanh(f(acc[from + j]!));
      break;
    case Epilogue.relu:
      for (let j = 0; j < n; j++) h[ci + j] = Math.max(acc[from + j]!, 0);
      break;
    case Epilogue.tanhGrad:
      for (let j = 0; j < n; j++) {
        const y = h[gi + j]!;
        h[ci + j] = acc[from + j]! * (1 - y * y);
      }
      break;
    case Epilogue.reluGrad:
      for (let j = 0; j < n; j++) h[ci + j] = h[gi + j]! > 0 ? acc[from + j]! : 0;
      break;
    default:
      for (let j = 0; j < n; j++) h[ci + j] = acc[from + j]!;
  }
}
