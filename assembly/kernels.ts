/**
 * The fused MLP engine's WebAssembly kernels, in AssemblyScript with 128-bit SIMD (f32x4).
 *
 * Compiled by `scripts/build-wasm.mjs` (`asc -O3 --enable simd`) into
 * `src/nn/fused/kernels-wasm.ts` (the bytes as base64). `src/nn/fused/kernels-ts.ts` is the
 * plain-TypeScript reference with the same functions and arguments; keep the two in step.
 *
 * Memory is raw: JavaScript owns the layout (`src/nn/fused/arena.ts` bump-allocates above
 * `heapBase()`), every pointer is a byte offset, every matrix float32 row-major. Nothing here
 * allocates.
 *
 * The matrix product is register-blocked: 4 rows × 8 columns of C live in eight f32x4
 * accumulators while the shared dimension streams by, so each loaded vector of B feeds four
 * multiply-adds and each broadcast element of A feeds two.
 */

/**
 * `gemm`'s cache blocks: B is taken GEMM_KC rows × GEMM_NC columns at a time (128 KiB, which stays
 * in a core's L2 cache while every row of A passes over it); each block's partial sums go to C and
 * the next block of the shared dimension continues from them, so every element is still summed in
 * the same order (the same bits as one pass).
 */
const GEMM_KC = 256;
const GEMM_NC = 128;
/** GEMM_NC zeros: the initial sums without a bias. Read only (helper threads share it). */
const GEMM_ZEROS = memory.data(GEMM_NC << 2, 16);
/**
 * Where `gemm` packs a band of a transposed A: its 4 rows' values for each p side by side
 * (GEMM_KC × 4 floats), so the band's inner loop reads A contiguously instead of one cache line
 * per p (1.25× on 256³ ∂W products). One slot per thread on a shared memory: helper threads set
 * their index with `setThreadIndex`; a thread past the last slot reads A where it lies.
 */
const PACK_SLOTS = 8;
const PACK_BYTES = GEMM_KC << 4;
/** The slots lie between the static data and `heapBase()` (not a data segment: it would ship its zeros). */
const PACK: usize = (__heap_base + 15) & ~(<usize>15);
/** This instance's thread: 0 for the thread that owns the memory, 1… for helpers (per instance). */
let threadIndex = 0;

/** Tells this instance which packing slot is its own (`src/nn/fused/threads.ts`'s helpers). */
export function setThreadIndex(index: i32): void {
  threadIndex = index;
}

/** Epilogues applied to C as it is stored (`gemm`'s `act`). */
const NONE = 0;
const TANH = 1;
const RELU = 2;
/** C ⊙ tanh'(y) = C ⊙ (1 − y²), with y read from `gate` (same layout as C). */
const TANH_GRAD = 3;
/** C ⊙ [y > 0], with y read from `gate`. */
const RELU_GRAD = 4;

/** The first byte free for JavaScript's allocations (after `gemm`'s packing slots). */
export function heapBase(): i32 {
  return <i32>(PACK + PACK_SLOTS * PACK_BYTES);
}

/**
 * tanh's constants as 4-lane vectors in static memory: loaded with one instruction each (a
 * `v128.const` or a splat inside a loop costs V8 several), in `tanh4`'s order: the clamp ±9, the
 * numerator's 7 coefficients, the denominator's 4, and the small-|x| threshold.
 */
const TANH_CONSTANTS = memory.data<f32>(
  [
    9.0, 9.0, 9.0, 9.0, -9.0, -9.0, -9.0, -9.0,
    -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16,
    2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13,
    -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11,
    5.12229709037114e-8, 5.12229709037114e-8, 5.12229709037114e-8, 5.12229709037114e-8,
    1.48572235717979e-5, 1.48572235717979e-5, 1.48572235717979e-5, 1.48572235717979e-5,
    6.37261928875436e-4, 6.37261928875436e-4, 6.37261928875436e-4, 6.37261928875436e-4,
    4.89352455891786e-3, 4.89352455891786e-3, 4.89352455891786e-3, 4.89352455891786e-3,
    1.19825839466702e-6, 1.19825839466702e-6, 1.19825839466702e-6, 1.19825839466702e-6,
    1.18534705686654e-4, 1.18534705686654e-4, 1.18534705686654e-4, 1.18534705686654e-4,
    2.268434632439e-3, 2.268434632439e-3, 2.268434632439e-3, 2.268434632439e-3,
    4.89352518554385e-3, 4.89352518554385e-3, 4.89352518554385e-3, 4.89352518554385e-3,
    0.0004, 0.0004, 0.0004, 0.0004,
  ],
  16,
);

/**
 * tanh of four lanes: Eigen's `generic_fast_tanh_float` (a 13/6 rational fit on [−9, 9], a few
 * float32 ulps from tanh; |x| < 0.0004 returns x), its Horner steps fused multiply-adds in the
 * relaxed-SIMD build (as Eigen's `pmadd`; 1.3× faster). NaN stays NaN: the clamp uses `pmax`/`pmin`
 * (x86's maxps/minps, which return their first operand when it is NaN; wasm's `min`/`max` cost
 * V8 about eight instructions each to order NaN and ±0).
 */
// @ts-expect-error: decorator
@inline
function tanh4(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, v128.load(TANH_CONSTANTS, 16)), v128.load(TANH_CONSTANTS, 0));
  const x2 = f32x4.mul(xc, xc);
  let p = v128.load(TANH_CONSTANTS, 32);
  p = madd(p, x2, v128.load(TANH_CONSTANTS, 48));
  p = madd(p, x2, v128.load(TANH_CONSTANTS, 64));
  p = madd(p, x2, v128.load(TANH_CONSTANTS, 80));
  p = madd(p, x2, v128.load(TANH_CONSTANTS, 96));
  p = madd(p, x2, v128.load(TANH_CONSTANTS, 112));
  p = madd(p, x2, v128.load(TANH_CONSTANTS, 128));
  p = f32x4.mul(p, xc);
  let q = v128.load(TANH_CONSTANTS, 144);
  q = madd(q, x2, v128.load(TANH_CONSTANTS, 160));
  q = madd(q, x2, v128.load(TANH_CONSTANTS, 176));
  q = madd(q, x2, v128.load(TANH_CONSTANTS, 192));
  const tiny = f32x4.lt(f32x4.abs(x), v128.load(TANH_CONSTANTS, 208));
  return v128.bitselect(x, f32x4.div(p, q), tiny);
}

/** The epilogue on four lanes of C; `g` points at the matching lanes of `gate`. */
// @ts-expect-error: decorator
@inline
function epilogue4(acc: v128, act: i32, g: usize): v128 {
  if (act === TANH) return tanh4(acc);
  if (act === RELU) return f32x4.max(acc, f32x4.splat(0));
  if (act === TANH_GRAD) {
    const y = v128.load(g);
    return f32x4.mul(acc, f32x4.sub(f32x4.splat(1), f32x4.mul(y, y)));
  }
  if (act === RELU_GRAD) return v128.and(acc, f32x4.gt(v128.load(g), f32x4.splat(0)));
  return acc;
}

/** The epilogue on four lanes with the gate's lanes `y` already loaded. */
// @ts-expect-error: decorator
@inline
function epilogue4WithGate(acc: v128, act: i32, y: v128): v128 {
  if (act === TANH) return tanh4(acc);
  if (act === RELU) return f32x4.max(acc, f32x4.splat(0));
  if (act === TANH_GRAD) return f32x4.mul(acc, f32x4.sub(f32x4.splat(1), f32x4.mul(y, y)));
  if (act === RELU_GRAD) return v128.and(acc, f32x4.gt(y, f32x4.splat(0)));
  return acc;
}

/**
 * `c + a·b` on four lanes: one fused multiply-add (`f32x4.relaxed_madd`, a single rounding) in the
 * build with relaxed SIMD, a multiply and an add (two roundings) in the plain build. Only `gemm`
 * and `tanh4` (so `gemm`'s tanh epilogue and `gruGates`) use it: every other kernel gives the same
 * bits in both builds.
 */
// @ts-expect-error: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * The first `lanes` (1 to 4) floats at `p` in a vector's first lanes, zeros after: it reads no
 * byte past them, so a matrix's last row can end at the end of memory.
 */
// @ts-expect-error: decorator
@inline
function loadLanes(p: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(p);
  if (lanes === 2) return v128.load64_zero(p);
  if (lanes === 1) return v128.load32_zero(p);
  return v128.load32_lane(p + 8, v128.load64_zero(p), 2);
}

/** Stores a vector's first `lanes` (1 to 4) floats at `p`. */
// @ts-expect-error: decorator
@inline
function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(p, v);
  } else if (lanes === 1) {
    v128.store32_lane(p, v, 0);
  } else {
    v128.store64_lane(p, v, 0);
    if (lanes === 3) v128.store32_lane(p + 8, v, 2);
  }
}

/** `epilogue4` on the first `lanes` lanes (the gate read with `loadLanes`). */
// @ts-expect-error: decorator
@inline
function epilogueLanes(acc: v128, act: i32, g: usize, lanes: i32): v128 {
  if (act === NONE) return acc;
  return epilogue4WithGate(acc, act, act >= TANH_GRAD ? loadLanes(g, lanes) : f32x4.splat(0));
}

/**
 * `C = epilogue(bias + A·B)` for A `[m, k]`, B `[k, n]`, C `[m, n]`.
 *
 * A is read element by element at `a + 4·(i·aRow + p·aCol)`, so a transposed A costs nothing
 * (`aRow = 1, aCol = ld`): the backward pass gets dW = Xᵀ·dZ without a transpose. B and C are
 * row-major with leading dimensions `ldb` and `ldc`; `gate` (same layout as C) feeds the
 * derivative epilogues. `bias` (n values) and `gate` are ignored when 0.
 */
export function gemm(
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  ldb: i32,
  bias: usize,
  c: usize,
  ldc: i32,
  gate: usize,
  m: i32,
  k: i32,
  n: i32,
  act: i32,
): void {
  if (k <= GEMM_KC && n <= GEMM_NC) {
    gemmBlock(a, aRow, aCol, b, ldb, bias !== 0 ? bias : GEMM_ZEROS, 0, c, ldc, gate, m, k, n, act);
    return;
  }
  const aCol4 = <usize>(aCol << 2);
  const ldb4 = <usize>(ldb << 2);
  for (let j0 = 0; j0 < n; j0 += GEMM_NC) {
    const nc = min(GEMM_NC, n - j0);
    const jo = <usize>(j0 << 2);
    for (let p0 = 0; p0 < k; p0 += GEMM_KC) {
      const kc = min(GEMM_KC, k - p0);
      const first = p0 === 0;
      const last = p0 + kc >= k;
      gemmBlock(
        a + <usize>p0 * aCol4,
        aRow,
        aCol,
        b + <usize>p0 * ldb4 + jo,
        ldb,
        first ? (bias !== 0 ? bias + jo : GEMM_ZEROS) : c + jo,
        first ? 0 : ldc,
        c + jo,
        ldc,
        gate !== 0 ? gate + jo : 0,
        m,
        kc,
        nc,
        last ? act : NONE,
      );
    }
  }
}

/**
 * `gemm` on one block of B (`k` ≤ GEMM_KC rows, `n` ≤ GEMM_NC columns): every 4-row band of A
 * passes over it. Row i's sums start from the n values at `init + 4·i·initRow`: the bias (or
 * GEMM_ZEROS) with `initRow` 0, or C itself (`initRow` = ldc) to continue the partial sums of the
 * blocks before.
 */
function gemmBlock(
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  ldb: i32,
  init: usize,
  initRow: i32,
  c: usize,
  ldc: i32,
  gate: usize,
  m: i32,
  k: i32,
  n: i32,
  act: i32,
): void {
  const init4 = <usize>(initRow << 2);
  const aRow4 = <usize>(aRow << 2);
  const aCol4 = <usize>(aCol << 2);
  const ldb4 = <usize>(ldb << 2);
  const ldc4 = <usize>(ldc << 2);
  // A transposed (its 4 rows' values for one p side by side): packed per band (same values, same
  // order of operations, so the same bits), where a band passes over at least 8 column blocks and
  // 64 rows of B, and A's rows are long (≥ 32 floats: shorter ones share cache lines across
  // bands anyway). Elsewhere packing measured slower (75×26880×16: 0.7×; 17×256×256: 0.95×) or
  // the same (k = 32).
  const packed = aRow === 1 && aCol >= 32 && n >= 64 && k >= 64 && threadIndex < PACK_SLOTS;
  const pack = PACK + <usize>threadIndex * PACK_BYTES;
  const bandRow4: usize = packed ? 4 : aRow4;
  const bandCol4: usize = packed ? 16 : aCol4;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const i0 = init + <usize>i * init4;
    let a0 = a + <usize>i * aRow4;
    if (packed) {
      let from = a0;
      for (let p = 0; p < k; p++) {
        v128.store(pack + <usize>(p << 4), v128.load(from));
        from += aCol4;
      }
      a0 = pack;
    }
    const a1 = a0 + bandRow4;
    const a2 = a1 + bandRow4;
    const a3 = a2 + bandRow4;
    const c0 = c + <usize>i * ldc4;
    const g0 = gate + <usize>i * ldc4;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jo = <usize>(j << 2);
      const o = i0 + jo;
      let s00 = v128.load(o);
      let s01 = v128.load(o, 16);
      let s10 = v128.load(o + init4);
      let s11 = v128.load(o + init4, 16);
      let s20 = v128.load(o + 2 * init4);
      let s21 = v128.load(o + 2 * init4, 16);
      let s30 = v128.load(o + 3 * init4);
      let s31 = v128.load(o + 3 * init4, 16);
      let pa: usize = 0;
      let pb = b + jo;
      for (let p = 0; p < k; p++) {
        const w0 = v128.load(pb);
        const w1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(a0 + pa);
        const x1 = v128.load32_splat(a1 + pa);
        s00 = madd(x0, w0, s00);
        s01 = madd(x0, w1, s01);
        s10 = madd(x1, w0, s10);
        s11 = madd(x1, w1, s11);
        const x2 = v128.load32_splat(a2 + pa);
        const x3 = v128.load32_splat(a3 + pa);
        s20 = madd(x2, w0, s20);
        s21 = madd(x2, w1, s21);
        s30 = madd(x3, w0, s30);
        s31 = madd(x3, w1, s31);
        pa += bandCol4;
        pb += ldb4;
      }
      const o0 = c0 + jo;
      const q0 = g0 + jo;
      v128.store(o0, epilogue4(s00, act, q0));
      v128.store(o0, epilogue4(s01, act, q0 + 16), 16);
      v128.store(o0 + ldc4, epilogue4(s10, act, q0 + ldc4));
      v128.store(o0 + ldc4, epilogue4(s11, act, q0 + ldc4 + 16), 16);
      v128.store(o0 + 2 * ldc4, epilogue4(s20, act, q0 + 2 * ldc4));
      v128.store(o0 + 2 * ldc4, epilogue4(s21, act, q0 + 2 * ldc4 + 16), 16);
      v128.store(o0 + 3 * ldc4, epilogue4(s30, act, q0 + 3 * ldc4));
      v128.store(o0 + 3 * ldc4, epilogue4(s31, act, q0 + 3 * ldc4 + 16), 16);
    }
    // The last n mod 8 columns: one block of 8 whose second half is partial, or one of 4 (full
    // or partial). Lanes past n load zeros and are never stored; every stored lane runs the
    // same float32 operations as a scalar loop would (the same bits).
    const rest = n - j;
    if (rest > 4) {
      const jo = <usize>(j << 2);
      const o = i0 + jo;
      const r1 = rest - 4;
      let s00 = v128.load(o);
      let s01 = loadLanes(o + 16, r1);
      let s10 = v128.load(o + init4);
      let s11 = loadLanes(o + init4 + 16, r1);
      let s20 = v128.load(o + 2 * init4);
      let s21 = loadLanes(o + 2 * init4 + 16, r1);
      let s30 = v128.load(o + 3 * init4);
      let s31 = loadLanes(o + 3 * init4 + 16, r1);
      let pa: usize = 0;
      let pb = b + jo;
      for (let p = 0; p < k; p++) {
        const w0 = v128.load(pb);
        const w1 = loadLanes(pb + 16, r1);
        const x0 = v128.load32_splat(a0 + pa);
        const x1 = v128.load32_splat(a1 + pa);
        s00 = madd(x0, w0, s00);
        s01 = madd(x0, w1, s01);
        s10 = madd(x1, w0, s10);
        s11 = madd(x1, w1, s11);
        const x2 = v128.load32_splat(a2 + pa);
        const x3 = v128.load32_splat(a3 + pa);
        s20 = madd(x2, w0, s20);
        s21 = madd(x2, w1, s21);
        s30 = madd(x3, w0, s30);
        s31 = madd(x3, w1, s31);
        pa += bandCol4;
        pb += ldb4;
      }
      const o0 = c0 + jo;
      const q0 = g0 + jo;
      v128.store(o0, epilogue4(s00, act, q0));
      storeLanes(o0 + 16, epilogueLanes(s01, act, q0 + 16, r1), r1);
      v128.store(o0 + ldc4, epilogue4(s10, act, q0 + ldc4));
      storeLanes(o0 + ldc4 + 16, epilogueLanes(s11, act, q0 + ldc4 + 16, r1), r1);
      v128.store(o0 + 2 * ldc4, epilogue4(s20, act, q0 + 2 * ldc4));
      storeLanes(o0 + 2 * ldc4 + 16, epilogueLanes(s21, act, q0 + 2 * ldc4 + 16, r1), r1);
      v128.store(o0 + 3 * ldc4, epilogue4(s30, act, q0 + 3 * ldc4));
      storeLanes(o0 + 3 * ldc4 + 16, epilogueLanes(s31, act, q0 + 3 * ldc4 + 16, r1), r1);
    } else if (rest > 0) {
      const jo = <usize>(j << 2);
      const o = i0 + jo;
      let s0 = loadLanes(o, rest);
      let s1 = loadLanes(o + init4, rest);
      let s2 = loadLanes(o + 2 * init4, rest);
      let s3 = loadLanes(o + 3 * init4, rest);
      let pa: usize = 0;
      let pb = b + jo;
      for (let p = 0; p < k; p++) {
        const w = loadLanes(pb, rest);
        s0 = madd(v128.load32_splat(a0 + pa), w, s0);
        s1 = madd(v128.load32_splat(a1 + pa), w, s1);
        s2 = madd(v128.load32_splat(a2 + pa), w, s2);
        s3 = madd(v128.load32_splat(a3 + pa), w, s3);
        pa += bandCol4;
        pb += ldb4;
      }
      const o0 = c0 + jo;
      const q0 = g0 + jo;
      storeLanes(o0, epilogueLanes(s0, act, q0, rest), rest);
      storeLanes(o0 + ldc4, epilogueLanes(s1, act, q0 + ldc4, rest), rest);
      storeLanes(o0 + 2 * ldc4, epilogueLanes(s2, act, q0 + 2 * ldc4, rest), rest);
      storeLanes(o0 + 3 * ldc4, epilogueLanes(s3, act, q0 + 3 * ldc4, rest), rest);
    }
  }
  // The last m mod 4 rows, one at a time, 16 columns per pass (a matrix-vector product at m = 1).
  for (; i < m; i++) {
    const a0 = a + <usize>i * aRow4;
    const i0 = init + <usize>i * init4;
    const c0 = c + <usize>i * ldc4;
    const g0 = gate + <usize>i * ldc4;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      const jo = <usize>(j << 2);
      let s0 = v128.load(i0 + jo);
      let s1 = v128.load(i0 + jo, 16);
      let s2 = v128.load(i0 + jo, 32);
      let s3 = v128.load(i0 + jo, 48);
      let pa: usize = 0;
      let pb = b + jo;
      for (let p = 0; p < k; p++) {
        const x = v128.load32_splat(a0 + pa);
        s0 = madd(x, v128.load(pb), s0);
        s1 = madd(x, v128.load(pb, 16), s1);
        s2 = madd(x, v128.load(pb, 32), s2);
        s3 = madd(x, v128.load(pb, 48), s3);
        pa += aCol4;
        pb += ldb4;
      }
      const o0 = c0 + jo;
      const q0 = g0 + jo;
      v128.store(o0, epilogue4(s0, act, q0));
      v128.store(o0, epilogue4(s1, act, q0 + 16), 16);
      v128.store(o0, epilogue4(s2, act, q0 + 32), 32);
      v128.store(o0, epilogue4(s3, act, q0 + 48), 48);
    }
    for (; j < n; j += 4) {
      const jo = <usize>(j << 2);
      const lanes = min(4, n - j);
      let s = loadLanes(i0 + jo, lanes);
      let pa: usize = 0;
      let pb = b + jo;
      for (let p = 0; p < k; p++) {
        s = madd(v128.load32_splat(a0 + pa), loadLanes(pb, lanes), s);
        pa += aCol4;
        pb += ldb4;
      }
      storeLanes(c0 + jo, epilogueLanes(s, act, g0 + jo, lanes), lanes);
    }
  }
}

/**
 * `dst[c, r] = src[r, c]` for src `[rows, cols]`: 4 × 4 blocks transposed in registers (two
 * rounds of shuffles), the edges element by element.
 */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  const rows4 = <usize>(rows << 2);
  const cols4 = <usize>(cols << 2);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s0 = src + <usize>r * cols4;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>(c << 2);
      const x0 = v128.load(s0 + o);
      const x1 = v128.load(s0 + cols4 + o);
      const x2 = v128.load(s0 + 2 * cols4 + o);
      const x3 = v128.load(s0 + 3 * cols4 + o);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      const d = dst + <usize>c * rows4 + <usize>(r << 2);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d + rows4, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(d + 2 * rows4, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(d + 3 * rows4, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (; c < cols; c++) {
      const d = dst + <usize>c * rows4 + <usize>(r << 2);
      const o = s0 + <usize>(c << 2);
      store<f32>(d, load<f32>(o));
      store<f32>(d, load<f32>(o + cols4), 4);
      store<f32>(d, load<f32>(o + 2 * cols4), 8);
      store<f32>(d, load<f32>(o + 3 * cols4), 12);
    }
  }
  for (; r < rows; r++) {
    const s = src + <usize>r * cols4;
    let d = dst + <usize>(r << 2);
    for (let c = 0; c < cols; c++) {
      store<f32>(d, load<f32>(s + <usize>(c << 2)));
      d += rows4;
    }
  }
}

/** Rows per pass of `colSum`: a block of 32 rows stays in L1 while every column stripe reads it. */
const COLSUM_ROWS = 32;

/**
 * `dst[j] = Σ_r src[r, j]` for src `[rows, cols]` (the bias gradient), summed in row order. Rows
 * go in blocks of COLSUM_ROWS, each column stripe of a block continuing from the sums so far, so
 * the matrix streams through the cache once (a stripe at a time over all rows read it once per
 * stripe: 2× slower on GRU 128's 2048 × 384).
 */
export function colSum(src: usize, rows: i32, cols: i32, dst: usize): void {
  const ld = <usize>(cols << 2);
  if (rows <= 0) zeroRun(dst, cols);
  for (let r0 = 0; r0 < rows; r0 += COLSUM_ROWS) {
    const r1 = min(rows, r0 + COLSUM_ROWS);
    const first = r0 === 0;
    const block = src + <usize>r0 * ld;
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      const d = dst + <usize>(j << 2);
      let s0 = first ? f32x4.splat(0) : v128.load(d);
      let s1 = first ? f32x4.splat(0) : v128.load(d, 16);
      let s2 = first ? f32x4.splat(0) : v128.load(d, 32);
      let s3 = first ? f32x4.splat(0) : v128.load(d, 48);
      let p = block + <usize>(j << 2);
      for (let r = r0; r < r1; r++) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        p += ld;
      }
      v128.store(d, s0);
      v128.store(d, s1, 16);
      v128.store(d, s2, 32);
      v128.store(d, s3, 48);
    }
    for (; j + 4 <= cols; j += 4) {
      const d = dst + <usize>(j << 2);
      let s = first ? f32x4.splat(0) : v128.load(d);
      let p = block + <usize>(j << 2);
      for (let r = r0; r < r1; r++) {
        s = f32x4.add(s, v128.load(p));
        p += ld;
      }
      v128.store(d, s);
    }
    for (; j < cols; j++) {
      const d = dst + <usize>(j << 2);
      let s: f32 = first ? 0 : load<f32>(d);
      let p = block + <usize>(j << 2);
      for (let r = r0; r < r1; r++) {
        s += load<f32>(p);
        p += ld;
      }
      store<f32>(d, s);
    }
  }
}

/**
 * One Adam update of n parameters, operation by operation in float32 as `src/nn/fused/adam.ts`
 * documents (the same bits as the TypeScript reference):
 * m ← b1·m + c1·g, v ← b2·v + (g·g)·c2, w ← w + (m / (√v / corr2 + eps)) · stepSize.
 */
export function adam(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  b1: f32,
  c1: f32,
  b2: f32,
  c2: f32,
  eps: f32,
  stepSize: f32,
  corr2: f32,
): void {
  const vb1 = f32x4.splat(b1);
  const vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps);
  const vstep = f32x4.splat(stepSize);
  const vcorr = f32x4.splat(corr2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gi, vc1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), vc2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(vi), vcorr), veps);
    v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.mul(f32x4.div(mi, denominator), vstep)));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o) * b1 + gi * c1;
    const vi = load<f32>(v + o) * b2 + gi * gi * c2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const denominator = Mathf.sqrt(vi) / corr2 + eps;
    store<f32>(w + o, load<f32>(w + o) + (mi / denominator) * stepSize);
  }
}

/** Σ x² over n floats, in float64 (NaN or ±Infinity when any element is not finite). */
export function sumSquares(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>(i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + <usize>(i << 2));
    total += v * v;
  }
  return total;
}

/** `x ← x · factor` over n floats. */
export function scale(x: usize, n: i32, factor: f32): void {
  const f = f32x4.splat(factor);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = x + <usize>(i << 2);
    v128.store(o, f32x4.mul(v128.load(o), f));
  }
  for (; i < n; i++) {
    const o = x + <usize>(i << 2);
    store<f32>(o, load<f32>(o) * factor);
  }
}

/** `y ← y + alpha · x` over n floats. */
export function axpy(y: usize, x: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(a, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/**
 * PPO's clipped surrogate for one categorical head of `n` logits per row, with an entropy bonus:
 * `src/nn/fused/losses.ts`'s `ppoCategorical` operation by operation in float64, with this
 * module's exp and log (musl's, within an ulp of JavaScript's). Writes ∂loss/∂logits into `grad`
 * (float32, like `logits`). `actions` are int32 indices, `oldLogProbs` and `advantages` float64.
 * `io` holds float64s: in, [0] the clip ε and [1] the entropy weight; out, [2] the policy loss,
 * [3] the mean entropy, [4] the approximate KL and [5] the clipped fraction; [6, 6 + n) is scratch.
 */
export function ppoCategorical(
  logits: usize,
  rows: i32,
  n: i32,
  actions: usize,
  oldLogProbs: usize,
  advantages: usize,
  grad: usize,
  io: usize,
): void {
  const clipEpsilon = load<f64>(io);
  const entropyWeight = load<f64>(io, 8);
  const probs = io + 48;
  const scale = 1 / <f64>rows;
  let policyLoss: f64 = 0;
  let entropy: f64 = 0;
  let kl: f64 = 0;
  let clipped: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const z = logits + <usize>(r * n * 4);
    let max = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = <f64>load<f32>(z + <usize>(k << 2));
      if (v > max) max = v;
    }
    let total: f64 = 0;
    for (let k = 0; k < n; k++) {
      const v = <f64>load<f32>(z + <usize>(k << 2));
      const e = v == max ? 1 : Math.exp(v - max);
      store<f64>(probs + <usize>(k << 3), e);
      total += e;
    }
    const lse = max + Math.log(total);
    let h: f64 = 0;
    for (let k = 0; k < n; k++) {
      const lp = <f64>load<f32>(z + <usize>(k << 2)) - lse;
      const p = load<f64>(probs + <usize>(k << 3)) / total;
      store<f64>(probs + <usize>(k << 3), p);
      h -= p * lp;
    }
    const a = load<i32>(actions + <usize>(r << 2));
    const logRatio = <f64>load<f32>(z + <usize>(a << 2)) - lse - load<f64>(oldLogProbs + <usize>(r << 3));
    const ratio = Math.exp(logRatio);
    const adv = load<f64>(advantages + <usize>(r << 3));
    const surr1 = ratio * adv;
    const surr2 = Math.min(Math.max(ratio, 1 - clipEpsilon), 1 + clipEpsilon) * adv;
    policyLoss -= Math.min(surr1, surr2);
    kl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > clipEpsilon) clipped += 1;
    // ∂loss_row/∂log π: −r·A when the unclipped term is the minimum, else 0.
    const dLogProb = surr1 <= surr2 ? -surr1 : 0;
    entropy += h;
    const g = grad + <usize>(r * n * 4);
    for (let k = 0; k < n; k++) {
      const p = load<f64>(probs + <usize>(k << 3));
      const lp = <f64>load<f32>(z + <usize>(k << 2)) - lse;
      const hit: f64 = k == a ? 1 : 0;
      store<f32>(g + <usize>(k << 2), <f32>(scale * (dLogProb * (hit - p) + entropyWeight * p * (lp + h))));
    }
  }
  store<f64>(io, policyLoss * scale, 16);
  store<f64>(io, entropy * scale, 24);
  store<f64>(io, kl * scale, 32);
  store<f64>(io, clipped * scale, 40);
}

/**
 * One step of a GRU's gates (`src/nn/layers/gru.ts`, PyTorch's cell) for `rows` rows of `h`
 * units: with gi = x·W_i + b_i and gh = h·W_h + b_h, each `[3h]` per row (columns r, z, n),
 *
 *     r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ⊙ gh_n),  h' = (1 − z) ⊙ n + z ⊙ h
 *
 * in float32 lanes, σ(x) as ½·tanh(x/2) + ½ on `tanh4`. Writes r, z, n, gh_n into `cache`
 * (`[4h]` per row) and h' into `hOut`. Row strides are in floats; `gh` rows are 3h apart.
 */
export function gruGates(
  gi: usize,
  giRow: i32,
  gh: usize,
  hPrev: usize,
  prevRow: i32,
  cache: usize,
  cacheRow: i32,
  hOut: usize,
  outRow: i32,
  rows: i32,
  h: i32,
): void {
  const half = f32x4.splat(0.5);
  const one = f32x4.splat(1);
  const hb = <usize>(h << 2);
  for (let r = 0; r < rows; r++) {
    const giR = gi + <usize>((r * giRow) << 2);
    const ghR = gh + <usize>((r * 3 * h) << 2);
    const pR = hPrev + <usize>((r * prevRow) << 2);
    const cR = cache + <usize>((r * cacheRow) << 2);
    const oR = hOut + <usize>((r * outRow) << 2);
    let j = 0;
    // Two groups of four lanes per pass: their tanh chains overlap in the core.
    for (; j + 8 <= h; j += 8) {
      const o = <usize>(j << 2);
      const a = giR + o;
      const b = ghR + o;
      const r0 = f32x4.mul(half, f32x4.add(v128.load(a), v128.load(b)));
      const r1 = f32x4.mul(half, f32x4.add(v128.load(a, 16), v128.load(b, 16)));
      const z0 = f32x4.mul(half, f32x4.add(v128.load(a + hb), v128.load(b + hb)));
      const z1 = f32x4.mul(half, f32x4.add(v128.load(a + hb, 16), v128.load(b + hb, 16)));
      const rg0 = f32x4.add(half, f32x4.mul(half, tanh4(r0)));
      const rg1 = f32x4.add(half, f32x4.mul(half, tanh4(r1)));
      const zg0 = f32x4.add(half, f32x4.mul(half, tanh4(z0)));
      const zg1 = f32x4.add(half, f32x4.mul(half, tanh4(z1)));
      const hn0 = v128.load(b + 2 * hb);
      const hn1 = v128.load(b + 2 * hb, 16);
      const n0 = tanh4(f32x4.add(v128.load(a + 2 * hb), f32x4.mul(rg0, hn0)));
      const n1 = tanh4(f32x4.add(v128.load(a + 2 * hb, 16), f32x4.mul(rg1, hn1)));
      const p = pR + o;
      const next0 = f32x4.add(f32x4.mul(f32x4.sub(one, zg0), n0), f32x4.mul(zg0, v128.load(p)));
      const next1 = f32x4.add(f32x4.mul(f32x4.sub(one, zg1), n1), f32x4.mul(zg1, v128.load(p, 16)));
      const c = cR + o;
      v128.store(c, rg0);
      v128.store(c, rg1, 16);
      v128.store(c + hb, zg0);
      v128.store(c + hb, zg1, 16);
      v128.store(c + 2 * hb, n0);
      v128.store(c + 2 * hb, n1, 16);
      v128.store(c + 3 * hb, hn0);
      v128.store(c + 3 * hb, hn1, 16);
      v128.store(oR + o, next0);
      v128.store(oR + o, next1, 16);
    }
    for (; j < h; j += 4) {
      // The last lanes past h (when h % 4 ≠ 0) are computed into scratch (`gruTail`).
      const o = <usize>(j << 2);
      const full = j + 4 <= h;
      const a = full ? giR : GRU_TAIL;
      const b = full ? ghR : GRU_TAIL + 48;
      const p = full ? pR : GRU_TAIL + 96;
      const ao = full ? o : 0;
      if (!full) {
        for (let l = 0; l < h - j; l++) {
          const lo = <usize>((j + l) << 2);
          const ll = <usize>(l << 2);
          store<f32>(GRU_TAIL + ll, load<f32>(giR + lo));
          store<f32>(GRU_TAIL + 16 + ll, load<f32>(giR + hb + lo));
          store<f32>(GRU_TAIL + 32 + ll, load<f32>(giR + 2 * hb + lo));
          store<f32>(GRU_TAIL + 48 + ll, load<f32>(ghR + lo));
          store<f32>(GRU_TAIL + 64 + ll, load<f32>(ghR + hb + lo));
          store<f32>(GRU_TAIL + 80 + ll, load<f32>(ghR + 2 * hb + lo));
          store<f32>(GRU_TAIL + 96 + ll, load<f32>(pR + lo));
        }
      }
      const sa = full ? hb : 16;
      const rg = f32x4.add(
        half,
        f32x4.mul(half, tanh4(f32x4.mul(half, f32x4.add(v128.load(a + ao), v128.load(b + ao))))),
      );
      const zg = f32x4.add(
        half,
        f32x4.mul(half, tanh4(f32x4.mul(half, f32x4.add(v128.load(a + ao + sa), v128.load(b + ao + sa))))),
      );
      const hn = v128.load(b + ao + 2 * sa);
      const n = tanh4(f32x4.add(v128.load(a + ao + 2 * sa), f32x4.mul(rg, hn)));
      const hp = v128.load(p + ao);
      const next = f32x4.add(f32x4.mul(f32x4.sub(one, zg), n), f32x4.mul(zg, hp));
      if (full) {
        v128.store(cR + o, rg);
        v128.store(cR + hb + o, zg);
        v128.store(cR + 2 * hb + o, n);
        v128.store(cR + 3 * hb + o, hn);
        v128.store(oR + o, next);
      } else {
        for (let l = 0; l < h - j; l++) {
          const lo = <usize>((j + l) << 2);
          store<f32>(cR + lo, extractLane(rg, l));
          store<f32>(cR + hb + lo, extractLane(zg, l));
          store<f32>(cR + 2 * hb + lo, extractLane(n, l));
          store<f32>(cR + 3 * hb + lo, extractLane(hn, l));
          store<f32>(oR + lo, extractLane(next, l));
        }
      }
    }
  }
}

/** Scratch for `gruGates`' last partial group of lanes: seven vectors. */
const GRU_TAIL = memory.data(112, 16);

// @ts-expect-error: decorator
@inline
function extractLane(v: v128, l: i32): f32 {
  if (l === 0) return f32x4.extract_lane(v, 0);
  if (l === 1) return f32x4.extract_lane(v, 1);
  return f32x4.extract_lane(v, 2);
}

/**
 * `gruGates`' adjoint for one step: from ∂h_t (`dh`, `[h]` per row, plus `dy`'s row when `dy` ≠ 0)
 * and the step's `cache` (r, z, n, gh_n) and h_{t−1}, writes ∂ of the input pre-activations
 * (`dgi`: r, z, n) and of the recurrent ones (`dgh`: r, z, r ⊙ ∂n), and leaves z ⊙ ∂h_t in `dh`
 * (the direct path to h_{t−1}). Float32 operations in the TypeScript twin's order.
 */
export function gruGatesBackward(
  cache: usize,
  cacheRow: i32,
  hPrev: usize,
  prevRow: i32,
  dh: usize,
  dy: usize,
  dyRow: i32,
  dgi: usize,
  dgh: usize,
  gRow: i32,
  rows: i32,
  h: i32,
): void {
  const one = f32x4.splat(1);
  const hb = <usize>(h << 2);
  for (let r = 0; r < rows; r++) {
    const cR = cache + <usize>((r * cacheRow) << 2);
    const pR = hPrev + <usize>((r * prevRow) << 2);
    const dR = dh + <usize>((r * h) << 2);
    const yR = dy + <usize>((r * dyRow) << 2);
    const iR = dgi + <usize>((r * gRow) << 2);
    const gR = dgh + <usize>((r * gRow) << 2);
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const o = <usize>(j << 2);
      let d = v128.load(dR + o);
      if (dy !== 0) d = f32x4.add(d, v128.load(yR + o));
      const rg = v128.load(cR + o);
      const zg = v128.load(cR + hb + o);
      const n = v128.load(cR + 2 * hb + o);
      const hn = v128.load(cR + 3 * hb + o);
      const hp = v128.load(pR + o);
      const dan = f32x4.mul(f32x4.mul(d, f32x4.sub(one, zg)), f32x4.sub(one, f32x4.mul(n, n)));
      const daz = f32x4.mul(f32x4.mul(f32x4.mul(d, f32x4.sub(hp, n)), zg), f32x4.sub(one, zg));
      const dar = f32x4.mul(f32x4.mul(f32x4.mul(dan, hn), rg), f32x4.sub(one, rg));
      v128.store(iR + o, dar);
      v128.store(iR + hb + o, daz);
      v128.store(iR + 2 * hb + o, dan);
      v128.store(gR + o, dar);
      v128.store(gR + hb + o, daz);
      v128.store(gR + 2 * hb + o, f32x4.mul(dan, rg));
      v128.store(dR + o, f32x4.mul(d, zg));
    }
    for (; j < h; j++) {
      const o = <usize>(j << 2);
      let d = load<f32>(dR + o);
      if (dy !== 0) d += load<f32>(yR + o);
      const rg = load<f32>(cR + o);
      const zg = load<f32>(cR + hb + o);
      const n = load<f32>(cR + 2 * hb + o);
      const hn = load<f32>(cR + 3 * hb + o);
      const hp = load<f32>(pR + o);
      const dan = d * (1 - zg) * (1 - n * n);
      const daz = d * (hp - n) * zg * (1 - zg);
      const dar = dan * hn * rg * (1 - rg);
      store<f32>(iR + o, dar);
      store<f32>(iR + hb + o, daz);
      store<f32>(iR + 2 * hb + o, dan);
      store<f32>(gR + o, dar);
      store<f32>(gR + hb + o, daz);
      store<f32>(gR + 2 * hb + o, dan * rg);
      store<f32>(dR + o, d * zg);
    }
  }
}

/** Copies `len` floats from `s` to `o` (4 lanes at a time, then one by one). */
// @ts-expect-error: decorator
@inline
function copyRun(o: usize, s: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(o + <usize>(i << 2), v128.load(s + <usize>(i << 2)));
  for (; i < len; i++) store<f32>(o + <usize>(i << 2), load<f32>(s + <usize>(i << 2)));
}

/** Zeros `len` floats at `o`. */
// @ts-expect-error: decorator
@inline
function zeroRun(o: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(o + <usize>(i << 2), f32x4.splat(0));
  for (; i < len; i++) store<f32>(o + <usize>(i << 2), 0);
}

/** Adds `len` floats from `s` into `o`. */
// @ts-expect-error: decorator
@inline
function addRun(o: usize, s: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const q = o + <usize>(i << 2);
    v128.store(q, f32x4.add(v128.load(q), v128.load(s + <usize>(i << 2))));
  }
  for (; i < len; i++) {
    const q = o + <usize>(i << 2);
    store<f32>(q, load<f32>(q) + load<f32>(s + <usize>(i << 2)));
  }
}

/**
 * A convolution's im2col (`src/nn/layers/conv2d.ts`): for `rows` HWC images `[h, w, cin]` at `x`,
 * `cols[(r, oy, ox), (ky, kx, ci)] = x[r, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci]`, 0 outside
 * the image; the output is `[ho, wo]` pixels per image. Each kernel row's window is one contiguous
 * run of the input.
 */
export function im2col(
  x: usize,
  rows: i32,
  h: i32,
  w: i32,
  cin: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
  ho: i32,
  wo: i32,
  cols: usize,
): void {
  let o = cols;
  const rowFloats = kw * cin;
  for (let r = 0; r < rows; r++) {
    const image = x + <usize>(r * h * w * cin) * 4;
    for (let oy = 0; oy < ho; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < wo; ox++) {
        const x0 = ox * sw - padLeft;
        const kx0 = max(0, -x0);
        const kx1 = min(kw, w - x0);
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= h || kx1 <= kx0) {
            zeroRun(o, rowFloats);
            o += <usize>(rowFloats << 2);
            continue;
          }
          const before = kx0 * cin;
          const run = (kx1 - kx0) * cin;
          const after = (kw - kx1) * cin;
          if (before > 0) zeroRun(o, before);
          o += <usize>(before << 2);
          copyRun(o, image + <usize>((iy * w + x0 + kx0) * cin) * 4, run);
          o += <usize>(run << 2);
          if (after > 0) zeroRun(o, after);
          o += <usize>(after << 2);
        }
      }
    }
  }
}

/**
 * im2col's adjoint: `dx[r, iy, ix, ci] = Σ` of the `dCols` entries im2col copied from it (the
 * same geometry as `im2col`), summed in the order of `dCols`' rows. Overwrites `dx`.
 */
export function col2im(
  dCols: usize,
  rows: i32,
  h: i32,
  w: i32,
  cin: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
  ho: i32,
  wo: i32,
  dx: usize,
): void {
  zeroRun(dx, rows * h * w * cin);
  let o = dCols;
  for (let r = 0; r < rows; r++) {
    const image = dx + <usize>(r * h * w * cin) * 4;
    for (let oy = 0; oy < ho; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < wo; ox++) {
        const x0 = ox * sw - padLeft;
        const kx0 = max(0, -x0);
        const kx1 = min(kw, w - x0);
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= h || kx1 <= kx0) {
            o += <usize>((kw * cin) << 2);
            continue;
          }
          o += <usize>((kx0 * cin) << 2);
          const run = (kx1 - kx0) * cin;
          addRun(image + <usize>((iy * w + x0 + kx0) * cin) * 4, o, run);
          o += <usize>(run << 2);
          o += <usize>(((kw - kx1) * cin) << 2);
        }
      }
    }
  }
}

/**
 * `dz = dy ⊙ f'(·)` written through a layer's output `y = f(z)` (`act` as gemm's: TANH gives
 * 1 − y², RELU [y > 0], as a product, so a non-finite dy where y ≤ 0 gives NaN).
 */
export function activationGrad(y: usize, dy: usize, dz: usize, n: i32, act: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let i = 0;
  if (act === TANH) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>(i << 2);
      const v = v128.load(y + o);
      v128.store(dz + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(v, v))));
    }
    for (; i < n; i++) {
      const o = <usize>(i << 2);
      const v = load<f32>(y + o);
      store<f32>(dz + o, load<f32>(dy + o) * (1 - v * v));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>(i << 2);
      v128.store(dz + o, f32x4.mul(v128.load(dy + o), v128.and(f32x4.gt(v128.load(y + o), zero), one)));
    }
    for (; i < n; i++) {
      const o = <usize>(i << 2);
      store<f32>(dz + o, load<f32>(dy + o) * (load<f32>(y + o) > 0 ? <f32>1 : <f32>0));
    }
  }
}

/**
 * A convolution's forward pass without the im2col buffer (implicit GEMM, `src/nn/layers/conv2d.ts`),
 * for windows that lie inside the image (no padding): `y[(r, oy, ox), j] = act(bias[j] + Σ_p
 * x[r, oy·sh + ky, ox·sw + kx, ci] · wts[p, j])` over p = (ky, kx, ci) in that order, wts
 * `[kh·kw·cin, cout]`. It is `gemm` on im2col's matrix with A's rows read from the image where
 * they lie (each window is kh runs of kw·cin floats): the same 4-pixel × 8-column register blocks,
 * the same float32 operations in the same order, so the same bits as im2col then gemm. `bias` 0 is
 * none. One pass per block over all of k (gemm blocks k by 256 and continues from C: same order).
 */
export function conv2dForward(
  x: usize,
  rows: i32,
  h: i32,
  w: i32,
  cin: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ho: i32,
  wo: i32,
  wts: usize,
  bias: usize,
  y: usize,
  cout: i32,
  act: i32,
): void {
  const init = bias !== 0 ? bias : GEMM_ZEROS;
  const run = kw * cin;
  const line4 = <usize>((w * cin) << 2);
  const cout4 = <usize>(cout << 2);
  const image4 = <usize>(h * w * cin) << 2;
  const stepX = <usize>((sw * cin) << 2);
  const stepY = <usize>((sh * w * cin) << 2);
  const pixels = rows * ho * wo;
  // A cursor over output pixels in (r, oy, ox) order: the byte address of each window's first float.
  let cr = 0;
  let cy = 0;
  let cx = 0;
  let base = x;
  let q = 0;
  for (; q + 4 <= pixels; q += 4) {
    const b0 = base;
    cx++;
    base += stepX;
    if (cx === wo) {
      cx = 0;
      cy++;
      base = x + <usize>cr * image4 + <usize>cy * stepY;
      if (cy === ho) {
        cy = 0;
        cr++;
        base = x + <usize>cr * image4;
      }
    }
    const b1 = base;
    cx++;
    base += stepX;
    if (cx === wo) {
      cx = 0;
      cy++;
      base = x + <usize>cr * image4 + <usize>cy * stepY;
      if (cy === ho) {
        cy = 0;
        cr++;
        base = x + <usize>cr * image4;
      }
    }
    const b2 = base;
    cx++;
    base += stepX;
    if (cx === wo) {
      cx = 0;
      cy++;
      base = x + <usize>cr * image4 + <usize>cy * stepY;
      if (cy === ho) {
        cy = 0;
        cr++;
        base = x + <usize>cr * image4;
      }
    }
    const b3 = base;
    cx++;
    base += stepX;
    if (cx === wo) {
      cx = 0;
      cy++;
      base = x + <usize>cr * image4 + <usize>cy * stepY;
      if (cy === ho) {
        cy = 0;
        cr++;
        base = x + <usize>cr * image4;
      }
    }
    const c0 = y + <usize>q * cout4;
    let j = 0;
    for (; j + 8 <= cout; j += 8) {
      const jo = <usize>(j << 2);
      const s0 = v128.load(init + jo);
      const s1 = v128.load(init + jo, 16);
      let s00 = s0;
      let s01 = s1;
      let s10 = s0;
      let s11 = s1;
      let s20 = s0;
      let s21 = s1;
      let s30 = s0;
      let s31 = s1;
      let pb = wts + jo;
      let line: usize = 0;
      for (let ky = 0; ky < kh; ky++) {
        let pa = line;
        for (let t = 0; t < run; t++) {
          const w0 = v128.load(pb);
          const w1 = v128.load(pb, 16);
          const x0 = v128.load32_splat(b0 + pa);
          const x1 = v128.load32_splat(b1 + pa);
          s00 = madd(x0, w0, s00);
          s01 = madd(x0, w1, s01);
          s10 = madd(x1, w0, s10);
          s11 = madd(x1, w1, s11);
          const x2 = v128.load32_splat(b2 + pa);
          const x3 = v128.load32_splat(b3 + pa);
          s20 = madd(x2, w0, s20);
          s21 = madd(x2, w1, s21);
          s30 = madd(x3, w0, s30);
          s31 = madd(x3, w1, s31);
          pa += 4;
          pb += cout4;
        }
        line += line4;
      }
      const o0 = c0 + jo;
      v128.store(o0, epilogue4(s00, act, 0));
      v128.store(o0, epilogue4(s01, act, 0), 16);
      v128.store(o0 + cout4, epilogue4(s10, act, 0));
      v128.store(o0 + cout4, epilogue4(s11, act, 0), 16);
      v128.store(o0 + 2 * cout4, epilogue4(s20, act, 0));
      v128.store(o0 + 2 * cout4, epilogue4(s21, act, 0), 16);
      v128.store(o0 + 3 * cout4, epilogue4(s30, act, 0));
      v128.store(o0 + 3 * cout4, epilogue4(s31, act, 0), 16);
    }
    // The last cout mod 8 columns, up to 4 at a time (lanes past cout load zeros, never stored).
    for (; j < cout; j += 4) {
      const jo = <usize>(j << 2);
      const lanes = min(4, cout - j);
      const s = loadLanes(init + jo, lanes);
      let s0 = s;
      let s1 = s;
      let s2 = s;
      let s3 = s;
      let pb = wts + jo;
      let line: usize = 0;
      for (let ky = 0; ky < kh; ky++) {
        let pa = line;
        for (let t = 0; t < run; t++) {
          const wv = loadLanes(pb, lanes);
          s0 = madd(v128.load32_splat(b0 + pa), wv, s0);
          s1 = madd(v128.load32_splat(b1 + pa), wv, s1);
          s2 = madd(v128.load32_splat(b2 + pa), wv, s2);
          s3 = madd(v128.load32_splat(b3 + pa), wv, s3);
          pa += 4;
          pb += cout4;
        }
        line += line4;
      }
      const o0 = c0 + jo;
      storeLanes(o0, epilogueLanes(s0, act, 0, lanes), lanes);
      storeLanes(o0 + cout4, epilogueLanes(s1, act, 0, lanes), lanes);
      storeLanes(o0 + 2 * cout4, epilogueLanes(s2, act, 0, lanes), lanes);
      storeLanes(o0 + 3 * cout4, epilogueLanes(s3, act, 0, lanes), lanes);
    }
  }
  // The last pixels mod 4, one at a time (they may span images when an image has fewer than 4).
  for (; q < pixels; q++) {
    const b0 = base;
    cx++;
    base += stepX;
    if (cx === wo) {
      cx = 0;
      cy++;
      base = x + <usize>cr * image4 + <usize>cy * stepY;
      if (cy === ho) {
        cy = 0;
        cr++;
        base = x + <usize>cr * image4;
      }
    }
    const c0 = y + <usize>q * cout4;
    for (let j = 0; j < cout; j += 4) {
      const jo = <usize>(j << 2);
      const lanes = min(4, cout - j);
      let s = loadLanes(init + jo, lanes);
      let pb = wts + jo;
      let line: usize = 0;
      for (let ky = 0; ky < kh; ky++) {
        let pa = line;
        for (let t = 0; t < run; t++) {
          s = madd(v128.load32_splat(b0 + pa), loadLanes(pb, lanes), s);
          pa += 4;
          pb += cout4;
        }
        line += line4;
      }
      storeLanes(c0 + jo, epilogueLanes(s, act, 0, lanes), lanes);
    }
  }
}

/** `conv2dFilterGrad` sums over at least this many output pixels between loading and storing a block's sums. */
const CONV_GRAD_PIXELS = 256;

/**
 * A convolution's kernel gradient without the im2col buffer, for windows inside the image (as
 * `conv2dForward`): rows `from … from + count − 1` of `dw[p, j] = Σ_(r, oy, ox) x[r, oy·sh + ky,
 * ox·sw + kx, ci] · dz[(r, oy, ox), j]`, p = (ky, kx, ci), summed over pixels in order. That is
 * `gemm` on im2col's matrix read transposed: every element the same float32 operations in the same
 * order, so the same bits. Image by image, each block of 4 rows × 8 columns continues from the
 * sums so far (so an image's floats and its ∂Z stay in cache while every block passes over them).
 * The rows split across threads (`from`, `count`); `dw` is the whole `[kh·kw·cin, cout]`.
 */
export function conv2dFilterGrad(
  x: usize,
  rows: i32,
  h: i32,
  w: i32,
  cin: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ho: i32,
  wo: i32,
  dz: usize,
  cout: i32,
  dw: usize,
  from: i32,
  count: i32,
): void {
  const run = kw * cin;
  const line = w * cin;
  const cout4 = <usize>(cout << 2);
  const image4 = <usize>(h * w * cin) << 2;
  const stepX = <usize>((sw * cin) << 2);
  const stepY = <usize>((sh * w * cin) << 2);
  const end = from + count;
  if (rows <= 0) {
    for (let p = from; p < end; p++) zeroRun(dw + <usize>p * cout4, cout);
    return;
  }
  // Images in groups of at least CONV_GRAD_PIXELS output pixels, so each block's partial sums are
  // loaded and stored once per group.
  const group = max(1, (CONV_GRAD_PIXELS + ho * wo - 1) / (ho * wo));
  for (let r0 = 0; r0 < rows; r0 += group) {
    const images = min(group, rows - r0);
    const image = x + <usize>r0 * image4;
    const dzImage = dz + <usize>(r0 * ho * wo) * cout4;
    const first = r0 === 0;
    let p = from;
    for (; p + 4 <= end; p += 4) {
      // The four rows' offsets in a window (p = ky·run + t lies at ky·line + t).
      const o0 = <usize>(((p / run) * line + (p % run)) << 2);
      const o1 = <usize>((((p + 1) / run) * line + ((p + 1) % run)) << 2);
      const o2 = <usize>((((p + 2) / run) * line + ((p + 2) % run)) << 2);
      const o3 = <usize>((((p + 3) / run) * line + ((p + 3) % run)) << 2);
      const d0 = dw + <usize>p * cout4;
      let j = 0;
      for (; j + 8 <= cout; j += 8) {
        const jo = <usize>(j << 2);
        const o = d0 + jo;
        let s00 = first ? f32x4.splat(0) : v128.load(o);
        let s01 = first ? f32x4.splat(0) : v128.load(o, 16);
        let s10 = first ? f32x4.splat(0) : v128.load(o + cout4);
        let s11 = first ? f32x4.splat(0) : v128.load(o + cout4, 16);
        let s20 = first ? f32x4.splat(0) : v128.load(o + 2 * cout4);
        let s21 = first ? f32x4.splat(0) : v128.load(o + 2 * cout4, 16);
        let s30 = first ? f32x4.splat(0) : v128.load(o + 3 * cout4);
        let s31 = first ? f32x4.splat(0) : v128.load(o + 3 * cout4, 16);
        let pb = dzImage + jo;
        for (let r = 0; r < images; r++) {
          for (let oy = 0; oy < ho; oy++) {
            let pa = image + <usize>r * image4 + <usize>oy * stepY;
            for (let ox = 0; ox < wo; ox++) {
              const w0 = v128.load(pb);
              const w1 = v128.load(pb, 16);
              const x0 = v128.load32_splat(pa + o0);
              const x1 = v128.load32_splat(pa + o1);
              s00 = madd(x0, w0, s00);
              s01 = madd(x0, w1, s01);
              s10 = madd(x1, w0, s10);
              s11 = madd(x1, w1, s11);
              const x2 = v128.load32_splat(pa + o2);
              const x3 = v128.load32_splat(pa + o3);
              s20 = madd(x2, w0, s20);
              s21 = madd(x2, w1, s21);
              s30 = madd(x3, w0, s30);
              s31 = madd(x3, w1, s31);
              pa += stepX;
              pb += cout4;
            }
          }
        }
        v128.store(o, s00);
        v128.store(o, s01, 16);
        v128.store(o + cout4, s10);
        v128.store(o + cout4, s11, 16);
        v128.store(o + 2 * cout4, s20);
        v128.store(o + 2 * cout4, s21, 16);
        v128.store(o + 3 * cout4, s30);
        v128.store(o + 3 * cout4, s31, 16);
      }
      for (; j < cout; j += 4) {
        const jo = <usize>(j << 2);
        const lanes = min(4, cout - j);
        const o = d0 + jo;
        let s0 = first ? f32x4.splat(0) : loadLanes(o, lanes);
        let s1 = first ? f32x4.splat(0) : loadLanes(o + cout4, lanes);
        let s2 = first ? f32x4.splat(0) : loadLanes(o + 2 * cout4, lanes);
        let s3 = first ? f32x4.splat(0) : loadLanes(o + 3 * cout4, lanes);
        let pb = dzImage + jo;
        for (let r = 0; r < images; r++) {
          for (let oy = 0; oy < ho; oy++) {
            let pa = image + <usize>r * image4 + <usize>oy * stepY;
            for (let ox = 0; ox < wo; ox++) {
              const wv = loadLanes(pb, lanes);
              s0 = madd(v128.load32_splat(pa + o0), wv, s0);
              s1 = madd(v128.load32_splat(pa + o1), wv, s1);
              s2 = madd(v128.load32_splat(pa + o2), wv, s2);
              s3 = madd(v128.load32_splat(pa + o3), wv, s3);
              pa += stepX;
              pb += cout4;
            }
          }
        }
        storeLanes(o, s0, lanes);
        storeLanes(o + cout4, s1, lanes);
        storeLanes(o + 2 * cout4, s2, lanes);
        storeLanes(o + 3 * cout4, s3, lanes);
      }
    }
    // The last rows mod 4, one at a time.
    for (; p < end; p++) {
      const o0 = <usize>(((p / run) * line + (p % run)) << 2);
      const d0 = dw + <usize>p * cout4;
      for (let j = 0; j < cout; j += 4) {
        const jo = <usize>(j << 2);
        const lanes = min(4, cout - j);
        let s = first ? f32x4.splat(0) : loadLanes(d0 + jo, lanes);
        let pb = dzImage + jo;
        for (let r = 0; r < images; r++) {
          for (let oy = 0; oy < ho; oy++) {
            let pa = image + <usize>r * image4 + <usize>oy * stepY;
            for (let ox = 0; ox < wo; ox++) {
              s = madd(v128.load32_splat(pa + o0), loadLanes(pb, lanes), s);
              pa += stepX;
              pb += cout4;
            }
          }
        }
        storeLanes(d0 + jo, s, lanes);
      }
    }
  }
}

/**
 * Bytes to floats through a table (an image's uint8 pixels to the network's input,
 * `src/nn/encoder-policy.ts`): for `n` pixels of `channels` bytes at `src`, `out[p, c] =
 * table[256·c + src[p, c]]` (the table holds each channel's 256 possible results, computed once).
 */
export function lookupBytes(src: usize, n: i32, channels: i32, table: usize, out: usize): void {
  let s = src;
  let o = out;
  if (channels === 3) {
    for (let p = 0; p < n; p++) {
      store<f32>(o, load<f32>(table + (<usize>load<u8>(s) << 2)));
      store<f32>(o, load<f32>(table + 1024 + (<usize>load<u8>(s, 1) << 2)), 4);
      store<f32>(o, load<f32>(table + 2048 + (<usize>load<u8>(s, 2) << 2)), 8);
      s += 3;
      o += 12;
    }
    return;
  }
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < channels; c++) {
      store<f32>(o, load<f32>(table + (<usize>((c << 8) + load<u8>(s)) << 2)));
      s++;
      o += 4;
    }
  }
}

/**
 * Sets the int32 at `flag` to 1 when any of the n floats at `x` is NaN or ±Inf, and leaves it as
 * it was otherwise (never writes 0, so threads checking parts of one array share one flag): a
 * training step's check of its gradients before the update.
 */
export function flagNonFinite(x: usize, n: i32, flag: usize): void {
  const inf = f32x4.splat(Infinity);
  let ok = f32x4.splat(0);
  ok = f32x4.eq(ok, ok);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>(i << 2);
    ok = v128.and(ok, f32x4.lt(f32x4.abs(v128.load(x + o)), inf));
    ok = v128.and(ok, f32x4.lt(f32x4.abs(v128.load(x + o, 16)), inf));
  }
  let finite = v128.all_true<i32>(ok);
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>(i << 2));
    if (!(Mathf.abs(v) < Infinity)) finite = false;
  }
  if (!finite) store<i32>(flag, 1);
}
