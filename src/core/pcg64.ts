/**
 * @module
 * The two engines behind `PCG64` (`rng.ts`): numpy's PCG64 "XSL RR 128/64" step compiled to
 * WebAssembly (`assembly/pcg64.ts`, 10–18 ns a draw), and the same step in TypeScript on 16-bit
 * limbs (67–109 ns; `npm run bench -- envs`), used where WebAssembly is missing and as the reference the tests hold the
 * WebAssembly one to.
 *
 * Ported from numpy/random/src/pcg64/pcg64.h (pcg_setseq_128_xsl_rr_64_random_r, pcg64_next32)
 * and numpy/random/src/distributions/distributions.c (next_double, buffered_bounded_lemire_uint32).
 */
import { pcg64WasmBase64 } from "./pcg64-wasm.js";

/**
 * One generator's state and draws. Words are uint32, least significant first: the state (0–3),
 * the increment (4–7), whether a 32-bit half is buffered (8) and that half (9).
 */
export interface Pcg64Core {
  /** next_double: a float in [0, 1) from the top 53 bits of a 64-bit draw. */
  nextDouble(): number;
  /** pcg64_next32, possibly as a signed int32 (read it with `>>> 0`). */
  nextUint32(): number;
  /** buffered_bounded_lemire_uint32 for an inclusive range below 2^32 − 1 (signed as above). */
  bounded(range: number): number;
  /** A 64-bit draw: returns its high word and leaves its low word for `lowWord` (signed as above). */
  next64High(): number;
  lowWord(): number;
  setWords(
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    i0: number,
    i1: number,
    i2: number,
    i3: number,
    buffered: number,
    value: number,
  ): void;
  word(k: number): number;
}

/** Which engine a `PCG64` runs: WebAssembly when available (`auto`), or one of the two. */
export type Pcg64Engine = "auto" | "wasm" | "ts";

let wasmModule: WebAssembly.Module | null | undefined;

/** The compiled module (under a kilobyte, so synchronous compilation is allowed everywhere), or null. */
function loadWasm(): WebAssembly.Module | null {
  if (wasmModule !== undefined) return wasmModule;
  try {
    const binary = atob(pcg64WasmBase64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    wasmModule = new WebAssembly.Module(bytes);
  } catch {
    wasmModule = null;
  }
  return wasmModule;
}

/** A fresh core (all words zero) on the chosen engine. */
export function createPcg64Core(engine: Pcg64Engine = "auto"): Pcg64Core {
  if (engine === "ts") return new LimbCore();
  const module = loadWasm();
  if (module === null) {
    if (engine === "wasm") throw new Error("PCG64: WebAssembly is not available in this runtime.");
    return new LimbCore();
  }
  return new WebAssembly.Instance(module, {}).exports as unknown as Pcg64Core;
}

/** The 128-bit LCG multiplier 0x2360ed051fc65da44385df649fccf645 in 16-bit limbs, low first. */
const M0 = 0xf645;
const M1 = 0x9fcc;
const M2 = 0xdf64;
const M3 = 0x4385;
const M4 = 0x5da4;
const M5 = 0x1fc6;
const M6 = 0xed05;
const M7 = 0x2360;
const INV_2_16 = 1 / 65536;
const TWO_POW_32 = 4294967296;
const TWO_POW_NEG_53 = 1 / 9007199254740992;
/** Ranges up to 2^21: a 32-bit draw times the range stays below 2^53. */
const SMALL_RANGE = 2 ** 21;

/**
 * The TypeScript engine: the 128-bit state as eight 16-bit limbs in plain numbers, so every partial
 * product stays exact in float64 arithmetic and no BigInt is needed.
 */
class LimbCore implements Pcg64Core {
  private readonly s = new Uint32Array(8);
  private readonly inc = new Uint32Array(8);
  private hasUint32 = false;
  private uinteger = 0;
  private outHi = 0;
  private outLo = 0;

  /**
   * One LCG step: s = s·M + inc mod 2^128. Each column sum stays below 2^36, so float64
   * arithmetic is exact; `(x >>> 0) & 0xffff` takes the low 16 bits of such a sum.
   */
  private step(): void {
    const s = this.s;
    const c = this.inc;
    const s0 = s[0]!,
      s1 = s[1]!,
      s2 = s[2]!,
      s3 = s[3]!,
      s4 = s[4]!,
      s5 = s[5]!,
      s6 = s[6]!,
      s7 = s[7]!;
    let acc = c[0]! + s0 * M0;
    let low = (acc >>> 0) & 0xffff;
    s[0] = low;
    acc = (acc - low) * INV_2_16 + c[1]! + s0 * M1 + s1 * M0;
    low = (acc >>> 0) & 0xffff;
    s[1] = low;
    acc = (acc - low) * INV_2_16 + c[2]! + s0 * M2 + s1 * M1 + s2 * M0;
    low = (acc >>> 0) & 0xffff;
    s[2] = low;
    acc = (acc - low) * INV_2_16 + c[3]! + s0 * M3 + s1 * M2 + s2 * M1 + s3 * M0;
    low = (acc >>> 0) & 0xffff;
    s[3] = low;
    acc = (acc - low) * INV_2_16 + c[4]! + s0 * M4 + s1 * M3 + s2 * M2 + s3 * M1 + s4 * M0;
    low = (acc >>> 0) & 0xffff;
    s[4] = low;
    acc = (acc - low) * INV_2_16 + c[5]! + s0 * M5 + s1 * M4 + s2 * M3 + s3 * M2 + s4 * M1 + s5 * M0;
    low = (acc >>> 0) & 0xffff;
    s[5] = low;
    acc =
      (acc - low) * INV_2_16 + c[6]! + s0 * M6 + s1 * M5 + s2 * M4 + s3 * M3 + s4 * M2 + s5 * M1 + s6 * M0;
    low = (acc >>> 0) & 0xffff;
    s[6] = low;
    acc =
      (acc - low) * INV_2_16 +
      c[7]! +
      s0 * M7 +
      s1 * M6 +
      s2 * M5 +
      s3 * M4 +
      s4 * M3 +
      s5 * M2 +
      s6 * M1 +
      s7 * M0;
    s[7] = (acc >>> 0) & 0xffff;
  }

  /** Steps and leaves rotr64(high ⊕ low, state >> 122) in `outHi`/`outLo`. */
  private next64(): void {
    this.step();
    const s = this.s;
    const hi = ((s[7]! << 16) | s[6]!) ^ ((s[3]! << 16) | s[2]!);
    const lo = ((s[5]! << 16) | s[4]!) ^ ((s[1]! << 16) | s[0]!);
    let rot = s[7]! >>> 10; // state >> 122: the top six bits
    let h = hi >>> 0;
    let l = lo >>> 0;
    if (rot >= 32) {
      const t = h;
      h = l;
      l = t;
      rot -= 32;
    }
    if (rot === 0) {
      this.outHi = h;
      this.outLo = l;
    } else {
      this.outHi = ((h >>> rot) | (l << (32 - rot))) >>> 0;
      this.outLo = ((l >>> rot) | (h << (32 - rot))) >>> 0;
    }
  }

  nextDouble(): number {
    this.next64();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * TWO_POW_NEG_53;
  }

  nextUint32(): number {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    this.next64();
    this.hasUint32 = true;
    this.uinteger = this.outHi;
    return this.outLo;
  }

  bounded(range: number): number {
    const excl = range + 1;
    if (excl <= SMALL_RANGE) {
      // draw · excl < 2^53 is exact in float64: no 64-bit product needed (same result).
      let m = this.nextUint32() * excl;
      let mLo = m % TWO_POW_32;
      if (mLo < excl) {
        const threshold = (0xffffffff - range) % excl;
        while (mLo < threshold) {
          m = this.nextUint32() * excl;
          mLo = m % TWO_POW_32;
        }
      }
      return (m - mLo) / TWO_POW_32;
    }
    let [mHi, mLo] = mul32(this.nextUint32(), excl);
    if (mLo < excl) {
      const threshold = (0xffffffff - range) % excl;
      while (mLo < threshold) [mHi, mLo] = mul32(this.nextUint32(), excl);
    }
    return mHi;
  }

  next64High(): number {
    this.next64();
    return this.outHi;
  }

  lowWord(): number {
    return this.outLo;
  }

  setWords(
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    i0: number,
    i1: number,
    i2: number,
    i3: number,
    buffered: number,
    value: number,
  ): void {
    [s0, s1, s2, s3].forEach((w, k) => {
      this.s[2 * k] = w & 0xffff;
      this.s[2 * k + 1] = w >>> 16;
    });
    [i0, i1, i2, i3].forEach((w, k) => {
      this.inc[2 * k] = w & 0xffff;
      this.inc[2 * k + 1] = w >>> 16;
    });
    this.hasUint32 = buffered !== 0;
    this.uinteger = value >>> 0;
  }

  word(k: number): number {
    if (k === 8) return this.hasUint32 ? 1 : 0;
    if (k === 9) return this.uinteger;
    const limbs = k < 4 ? this.s : this.inc;
    const j = 2 * (k % 4);
    return ((limbs[j + 1]! << 16) | limbs[j]!) >>> 0;
  }
}

/** Multiplies two uint32 values exactly; returns [high word, low word] of the 64-bit product. */
function mul32(a: number, b: number): [number, number] {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const lowPart = aLo * b; // < 2^48
  const highPart = aHi * b; // < 2^48, weight 2^16
  const lowWord = lowPart % TWO_POW_32;
  const sumLow = lowWord + (highPart % 65536) * 65536; // < 2^33
  const low = sumLow % TWO_POW_32;
  const high =
    Math.floor(lowPart / TWO_POW_32) + Math.floor(highPart / 65536) + Math.floor(sumLow / TWO_POW_32);
  return [high >>> 0, low >>> 0];
}
