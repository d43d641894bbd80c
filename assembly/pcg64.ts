/**
 * numpy's PCG64 bit generator in AssemblyScript, compiled by `scripts/build-wasm.mjs` into
 * `src/core/pcg64-wasm.ts`. `src/core/pcg64.ts` instantiates one module per generator and falls
 * back to its TypeScript twin (the same steps on 16-bit limbs) where WebAssembly is missing.
 *
 * Ported from numpy/random/src/pcg64/pcg64.h (pcg_setseq_128_xsl_rr_64_random_r: the 128-bit LCG
 * step `state ← state · M + inc`, then `rotr64(high ⊕ low, state >> 122)`; pcg64_next32: each
 * 64-bit draw serves two 32-bit draws, low half first) and
 * numpy/random/src/distributions/distributions.c (next_double; buffered_bounded_lemire_uint32).
 *
 * The state lives in globals, so an instance needs no memory and costs a few microseconds.
 * Nothing crosses the boundary as i64: JavaScript passes and reads 32-bit words.
 */

let stateHi: u64 = 0;
let stateLo: u64 = 0;
let incHi: u64 = 0;
let incLo: u64 = 0;
let hasUint32: bool = false;
let uinteger: u32 = 0;

/** PCG_DEFAULT_MULTIPLIER_128 = 0x2360ed051fc65da44385df649fccf645. */
const M_HI: u64 = 0x2360ed051fc65da4;
const M_LO: u64 = 0x4385df649fccf645;

/** The high 64 bits of the 128-bit product a·b (wasm has no wide multiply). */
// @ts-expect-error: decorator
@inline
function mulhi(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff;
  const a1 = a >> 32;
  const b0 = b & 0xffffffff;
  const b1 = b >> 32;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** One LCG step (mod 2^128), then the XSL-RR output of the new state. */
// @ts-expect-error: decorator
@inline
function next64(): u64 {
  const lo = stateLo;
  const hi = stateHi;
  const productLo = lo * M_LO;
  const productHi = mulhi(lo, M_LO) + hi * M_LO + lo * M_HI;
  const newLo = productLo + incLo;
  const newHi = productHi + incHi + (newLo < productLo ? 1 : 0);
  stateLo = newLo;
  stateHi = newHi;
  return rotr<u64>(newHi ^ newLo, newHi >> 58);
}

/** next_double: the top 53 bits of a 64-bit draw, times 2^−53. */
export function nextDouble(): f64 {
  return <f64>(next64() >> 11) * 1.1102230246251565e-16;
}

/** pcg64_next32 (JavaScript reads the i32 result with `>>> 0`). */
export function nextUint32(): u32 {
  if (hasUint32) {
    hasUint32 = false;
    return uinteger;
  }
  const value = next64();
  hasUint32 = true;
  uinteger = <u32>(value >> 32);
  return <u32>value;
}

/** A 64-bit draw's high word; its low word is left for `lowWord` (tests and interop only). */
let lastLow: u32 = 0;
export function next64High(): u32 {
  const value = next64();
  lastLow = <u32>value;
  return <u32>(value >> 32);
}
export function lowWord(): u32 {
  return lastLow;
}

/**
 * buffered_bounded_lemire_uint32 for an inclusive range `range` < 2^32 − 1: m = draw · (range + 1),
 * redrawn while its low word falls below (2^32 − 1 − range) mod (range + 1); returns m >> 32.
 */
export function bounded(range: u32): u32 {
  const excl: u64 = <u64>range + 1;
  let m: u64 = <u64>nextUint32() * excl;
  let leftover = m & 0xffffffff;
  if (leftover < excl) {
    const threshold = (<u64>0xffffffff - <u64>range) % excl;
    while (leftover < threshold) {
      m = <u64>nextUint32() * excl;
      leftover = m & 0xffffffff;
    }
  }
  return <u32>(m >> 32);
}

/**
 * Sets the whole state from 32-bit words, least significant first: state (4), inc (4), then
 * whether a 32-bit half is buffered and that half.
 */
export function setWords(
  s0: u32,
  s1: u32,
  s2: u32,
  s3: u32,
  i0: u32,
  i1: u32,
  i2: u32,
  i3: u32,
  buffered: u32,
  value: u32,
): void {
  stateLo = (<u64>s1 << 32) | s0;
  stateHi = (<u64>s3 << 32) | s2;
  incLo = (<u64>i1 << 32) | i0;
  incHi = (<u64>i3 << 32) | i2;
  hasUint32 = buffered != 0;
  uinteger = value;
}

/** Word `k` of the layout `setWords` takes (0–3 state, 4–7 inc, 8 buffered flag, 9 buffered half). */
export function word(k: i32): u32 {
  if (k == 8) return hasUint32 ? 1 : 0;
  if (k == 9) return uinteger;
  const value = k < 2 ? stateLo : k < 4 ? stateHi : k < 6 ? incLo : incHi;
  return <u32>((k & 1) != 0 ? value >> 32 : value);
}
