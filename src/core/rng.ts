/**
 * @module
 * mimic's one source of randomness, bit-for-bit compatible with the chain Gymnasium uses to seed
 * an environment: `np.random.SeedSequence(seed) → np.random.PCG64 → np.random.Generator`.
 *
 * Ported from numpy (numpy/random/bit_generator.pyx: SeedSequence; numpy/random/src/pcg64/pcg64.h
 * and pcg64.c: PCG64 "XSL RR 128/64"; numpy/random/src/distributions/distributions.c:
 * next_double, random_uniform, buffered_bounded_lemire_uint32) and Gymnasium
 * (gymnasium/utils/seeding.py: np_random). A Python user and a mimic user who pass the same seed
 * get the same stream of doubles and bounded integers.
 *
 * The PCG64 step itself runs in WebAssembly, or in TypeScript where that is missing (`pcg64.ts`).
 */

import { InvalidSeedError } from "./errors.js";
import { createPcg64Core, type Pcg64Core, type Pcg64Engine } from "./pcg64.js";
import { FI_DOUBLE, KI_DOUBLE, WI_DOUBLE, ZIGGURAT_NOR_INV_R, ZIGGURAT_NOR_R } from "./ziggurat-tables.js";

// SeedSequence constants (numpy/random/bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16; // 4 * 8 / 2 bits, for uint32 words
const DEFAULT_POOL_SIZE = 4;

const TWO_POW_32 = 4294967296;

/** Splits a non-negative integer into 32-bit words, least significant first (numpy's `_int_to_uint32_array`). */
function intToUint32Words(value: bigint): number[] {
  if (value === 0n) return [0];
  const words: number[] = [];
  let rest = value;
  while (rest > 0n) {
    words.push(Number(rest & 0xffffffffn));
    rest >>= 32n;
  }
  return words;
}

function checkSeed(seed: number | bigint, what: string): bigint {
  if (typeof seed === "bigint") {
    if (seed < 0n) throw new InvalidSeedError(`${what} must be a non-negative integer, got ${seed}.`);
    return seed;
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidSeedError(
      `${what} must be a non-negative safe integer (0 to ${Number.MAX_SAFE_INTEGER}), got ${seed}. ` +
        "Pass a whole number such as 0 or 42, or a bigint for larger seeds.",
    );
  }
  return BigInt(seed);
}

/**
 * numpy's `SeedSequence`: turns a seed of any size into well-mixed 32-bit words.
 * Only the parts Gymnasium uses are here: entropy from an integer (or words) and `generateState`.
 */
export class SeedSequence {
  /** The mixed entropy pool (`SeedSequence.pool` in numpy), four uint32 words. */
  readonly pool: Uint32Array;
  readonly entropy: bigint;

  constructor(entropy: number | bigint) {
    this.entropy = checkSeed(entropy, "seed");
    this.pool = new Uint32Array(DEFAULT_POOL_SIZE);
    this.mixEntropy(intToUint32Words(this.entropy));
  }

  private mixEntropy(entropyWords: number[]): void {
    const mixer = this.pool;
    let hashConst = INIT_A;
    const hashmix = (input: number): number => {
      let value = (input ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_A) >>> 0;
      value = Math.imul(value, hashConst) >>> 0;
      value = (value ^ (value >>> XSHIFT)) >>> 0;
      return value;
    };
    const mix = (x: number, y: number): number => {
      let result = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
      result = (result ^ (result >>> XSHIFT)) >>> 0;
      return result;
    };
    // Add in all the entropy we have, then mix every word with every other word.
    for (let i = 0; i < mixer.length; i++) {
      mixer[i] = hashmix(i < entropyWords.length ? entropyWords[i]! : 0);
    }
    for (let src = 0; src < mixer.length; src++) {
      for (let dst = 0; dst < mixer.length; dst++) {
        if (src !== dst) mixer[dst] = mix(mixer[dst]!, hashmix(mixer[src]!));
      }
    }
    // Entropy beyond the pool size is folded in too.
    for (let src = mixer.length; src < entropyWords.length; src++) {
      for (let dst = 0; dst < mixer.length; dst++) {
        mixer[dst] = mix(mixer[dst]!, hashmix(entropyWords[src]!));
      }
    }
  }

  /** `generate_state(nWords, np.uint32)`: nWords uint32 words drawn from the pool. */
  generateState(nWords: number): Uint32Array {
    const state = new Uint32Array(nWords);
    let hashConst = INIT_B;
    for (let i = 0; i < nWords; i++) {
      let value = (this.pool[i % this.pool.length]! ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      value = Math.imul(value, hashConst) >>> 0;
      value = (value ^ (value >>> XSHIFT)) >>> 0;
      state[i] = value;
    }
    return state;
  }
}

/** A snapshot of a PCG64 stream, enough to resume it exactly (for checkpoints). */
export interface Pcg64State {
  /** The 128-bit state and increment as decimal strings (JSON-safe). */
  state: string;
  inc: string;
  /** numpy's buffered upper half for 32-bit draws, or null when empty. */
  bufferedUint32: number | null;
}

const MASK_128 = (1n << 128n) - 1n;
/** PCG_DEFAULT_MULTIPLIER_128. */
const MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;

/**
 * numpy's `PCG64` bit generator: a 128-bit LCG with the XSL-RR output function.
 * `state ← state · M + inc (mod 2^128)`, then `output = rotr64(high64 ⊕ low64, state >> 122)`.
 */
export class PCG64 {
  private readonly core: Pcg64Core;

  /**
   * Seeds the generator the way `np.random.PCG64(SeedSequence(...))` does. `engine` picks the
   * step's implementation (`pcg64.ts`); both give the same stream.
   */
  constructor(seed: SeedSequence, engine: Pcg64Engine = "auto") {
    this.core = createPcg64Core(engine);
    // generate_state(4, np.uint64) is 8 uint32 words viewed as 4 little-endian uint64.
    const w = seed.generateState(8);
    const u64 = (k: number): bigint => (BigInt(w[2 * k + 1]!) << 32n) | BigInt(w[2 * k]!);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    // pcg_setseq_128_srandom_r: state = 0, inc = (seq << 1) | 1, step, state += initstate, step.
    const inc = ((initSeq << 1n) | 1n) & MASK_128;
    const step = (state: bigint): bigint => (state * MULTIPLIER + inc) & MASK_128;
    this.load(step((step(0n) + initState) & MASK_128), inc, null);
  }

  private load(state: bigint, inc: bigint, buffered: number | null): void {
    const word = (value: bigint, k: number): number => Number((value >> BigInt(32 * k)) & 0xffffffffn);
    this.core.setWords(
      word(state, 0),
      word(state, 1),
      word(state, 2),
      word(state, 3),
      word(inc, 0),
      word(inc, 1),
      word(inc, 2),
      word(inc, 3),
      buffered === null ? 0 : 1,
      buffered ?? 0,
    );
  }

  private words(from: number): bigint {
    let value = 0n;
    for (let k = from + 3; k >= from; k--) value = (value << 32n) | BigInt(this.core.word(k) >>> 0);
    return value;
  }

  /** The next 64-bit output as a bigint (slow path, for tests and interop). */
  nextUint64(): bigint {
    const high = this.core.next64High() >>> 0;
    return (BigInt(high) << 32n) | BigInt(this.core.lowWord() >>> 0);
  }

  /** numpy's `next_double`: the top 53 bits of a 64-bit draw, scaled to [0, 1). */
  nextDouble(): number {
    return this.core.nextDouble();
  }

  /** numpy's `pcg64_next32`: each 64-bit draw serves two 32-bit draws, low half first. */
  nextUint32(): number {
    return this.core.nextUint32() >>> 0;
  }

  /** numpy's `buffered_bounded_lemire_uint32`: an integer in [0, range] for range < 2^32 − 1. */
  boundedUint32(range: number): number {
    return this.core.bounded(range) >>> 0;
  }

  getState(): Pcg64State {
    return {
      state: this.words(0).toString(),
      inc: this.words(4).toString(),
      bufferedUint32: this.core.word(8) !== 0 ? this.core.word(9) >>> 0 : null,
    };
  }

  setState(snapshot: Pcg64State): void {
    this.load(BigInt(snapshot.state) & MASK_128, BigInt(snapshot.inc) & MASK_128, snapshot.bufferedUint32);
  }
}

/**
 * A random generator with numpy `Generator`'s sampling rules for the draws mimic needs.
 * `random`, `uniform` and `integers` match numpy exactly; `normal` uses Box–Muller on the same
 * stream (numpy uses a ziggurat, so normal draws do not match numpy's).
 */
export class Rng {
  readonly bitGenerator: PCG64;
  /** The seed this generator was made from, when it was made from one. */
  readonly seed: bigint | undefined;
  private spareNormal: number | null = null;

  constructor(bitGenerator: PCG64, seed?: bigint) {
    this.bitGenerator = bitGenerator;
    this.seed = seed;
  }

  /** A float in [0, 1): `Generator.random()`. */
  random(): number {
    return this.bitGenerator.nextDouble();
  }

  /** A float in [low, high): `Generator.uniform(low, high)` computes `low + (high - low) · u`. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.bitGenerator.nextDouble();
  }

  /**
   * An integer in [low, high) (or [0, low) with one argument): `Generator.integers(low, high)` for
   * ranges below 2^32, using numpy's Lemire rejection on buffered 32-bit draws.
   */
  integers(low: number, high?: number): number {
    const lo = high === undefined ? 0 : low;
    const hi = high === undefined ? low : high;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
      throw new RangeError(`integers(${low}, ${high}) needs integers with low < high.`);
    }
    const rng = hi - lo - 1; // numpy's inclusive range
    if (rng === 0) return lo;
    if (rng > 0xffffffff) throw new RangeError("integers() supports ranges up to 2^32.");
    if (rng === 0xffffffff) return lo + this.bitGenerator.nextUint32();
    return lo + this.bitGenerator.boundedUint32(rng);
  }

  /**
   * A normal draw (Box–Muller, polar-free form, caching the second value). Not numpy's stream:
   * `standardNormal` is.
   */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }

  /**
   * numpy's `Generator.standard_normal()`: its ziggurat (`random_standard_normal` in
   * distributions.c) on this stream, so a seed gives numpy's values. The rare tail and wedge tests
   * use `Math.log1p` and `Math.exp`, which may differ from the C library's in the last bit: a draw
   * on the very edge of a test (odds far below 1e-12 a draw) could then go the other way. Unlike
   * `normal`, it keeps no spare value.
   */
  standardNormal(): number {
    for (;;) {
      const r = this.bitGenerator.nextUint64();
      const idx = Number(r & 0xffn);
      const rest = r >> 8n;
      const sign = Number(rest & 1n);
      const rabs = Number((rest >> 1n) & 0xfffffffffffffn);
      let x = rabs * WI_DOUBLE[idx]!;
      if (sign === 1) x = -x;
      if (rabs < KI_DOUBLE[idx]!) return x; // 99.3% of the time
      if (idx === 0) {
        for (;;) {
          // 1 − U avoids log(0), as numpy does (GH 13361).
          const xx = -ZIGGURAT_NOR_INV_R * Math.log1p(-this.bitGenerator.nextDouble());
          const yy = -Math.log1p(-this.bitGenerator.nextDouble());
          if (yy + yy > xx * xx) {
            return Math.floor(rabs / 256) % 2 === 1 ? -(ZIGGURAT_NOR_R + xx) : ZIGGURAT_NOR_R + xx;
          }
        }
      }
      const f = (FI_DOUBLE[idx - 1]! - FI_DOUBLE[idx]!) * this.bitGenerator.nextDouble() + FI_DOUBLE[idx]!;
      if (f < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /** An exponential draw with the given scale (inverse transform; numpy uses a ziggurat). */
  exponential(scale = 1): number {
    return -scale * Math.log(1 - this.random());
  }

  /** A fresh generator seeded from this one's stream, for handing to a child component. */
  spawn(): Rng {
    const seed =
      BigInt(this.bitGenerator.nextUint32()) * BigInt(TWO_POW_32) + BigInt(this.bitGenerator.nextUint32());
    return rngFromSeed(seed);
  }
}

/**
 * Gymnasium's `np_random(seed)`: `Generator(PCG64(SeedSequence(seed)))`.
 * Without a seed, the entropy comes from the platform's cryptographic generator, as numpy does.
 */
export function rngFromSeed(seed?: number | bigint): Rng {
  const entropy = seed === undefined ? freshEntropy() : checkSeed(seed, "seed");
  return new Rng(new PCG64(new SeedSequence(entropy)), entropy);
}

/** 128 bits from `crypto.getRandomValues` (Node 20+ and browsers), like numpy's unseeded SeedSequence. */
function freshEntropy(): bigint {
  const words = new Uint32Array(4);
  globalThis.crypto.getRandomValues(words);
  let value = 0n;
  for (const word of words) value = (value << 32n) | BigInt(word);
  return value;
}
