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
 * The 128-bit PCG state is kept as eight 16-bit limbs in plain numbers, so every partial product
 * stays exact in float64 arithmetic and no BigInt is needed on the hot path.
 */
import { InvalidSeedError } from "./errors.js";

// SeedSequence constants (numpy/random/bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16; // 4 * 8 / 2 bits, for uint32 words
const DEFAULT_POOL_SIZE = 4;

/** The 128-bit LCG multiplier of PCG64 (0x2360ed051fc65da44385df649fccf645), in 16-bit limbs, low first. */
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

function limbsToBigInt(limbs: Uint32Array): bigint {
  let value = 0n;
  for (let i = limbs.length - 1; i >= 0; i--) value = (value << 16n) | BigInt(limbs[i]!);
  return value;
}

function bigIntToLimbs(value: bigint, limbs: Uint32Array): void {
  let rest = BigInt.asUintN(128, value);
  for (let i = 0; i < limbs.length; i++) {
    limbs[i] = Number(rest & 0xffffn);
    rest >>= 16n;
  }
}

/**
 * numpy's `PCG64` bit generator: a 128-bit LCG with the XSL-RR output function.
 * `state ← state · M + inc (mod 2^128)`, then `output = rotr64(high64 ⊕ low64, state >> 122)`.
 */
export class PCG64 {
  /** 128-bit state, eight 16-bit limbs, least significant first. */
  private readonly s = new Uint32Array(8);
  /** 128-bit increment (always odd), same layout. */
  private readonly inc = new Uint32Array(8);
  private hasUint32 = false;
  private uinteger = 0;
  /** The last 64-bit output, split in halves (set by `next64`). */
  private outHi = 0;
  private outLo = 0;

  /** Seeds the generator the way `np.random.PCG64(SeedSequence(...))` does. */
  constructor(seed: SeedSequence) {
    // generate_state(4, np.uint64) is 8 uint32 words viewed as 4 little-endian uint64.
    const w = seed.generateState(8);
    const u64 = (k: number): bigint => (BigInt(w[2 * k + 1]!) << 32n) | BigInt(w[2 * k]!);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    this.seedWith(initState, initSeq);
  }

  /** pcg_setseq_128_srandom_r: state = 0, inc = (seq << 1) | 1, step, state += initstate, step. */
  private seedWith(initState: bigint, initSeq: bigint): void {
    bigIntToLimbs(0n, this.s);
    bigIntToLimbs((initSeq << 1n) | 1n, this.inc);
    this.step();
    bigIntToLimbs(limbsToBigInt(this.s) + initState, this.s);
    this.step();
    this.hasUint32 = false;
    this.uinteger = 0;
  }

  /**
   * One LCG step: s = s·M + inc mod 2^128, on 16-bit limbs. Each column sum stays below 2^36, so
   * float64 arithmetic is exact; `(x >>> 0) & 0xffff` takes the low 16 bits of such a sum.
   * Unrolled: this runs for every draw.
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

  /** Advances and leaves the 64-bit output in `outHi`/`outLo`. */
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

  /** The next 64-bit output as a bigint (slow path, for tests and interop). */
  nextUint64(): bigint {
    this.next64();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** numpy's `next_double`: the top 53 bits of a 64-bit draw, scaled to [0, 1). */
  nextDouble(): number {
    this.next64();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * TWO_POW_NEG_53;
  }

  /** numpy's `pcg64_next32`: each 64-bit draw serves two 32-bit draws, low half first. */
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

  getState(): Pcg64State {
    return {
      state: limbsToBigInt(this.s).toString(),
      inc: limbsToBigInt(this.inc).toString(),
      bufferedUint32: this.hasUint32 ? this.uinteger : null,
    };
  }

  setState(snapshot: Pcg64State): void {
    bigIntToLimbs(BigInt(snapshot.state), this.s);
    bigIntToLimbs(BigInt(snapshot.inc), this.inc);
    this.hasUint32 = snapshot.bufferedUint32 !== null;
    this.uinteger = snapshot.bufferedUint32 ?? 0;
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
    // buffered_bounded_lemire_uint32: m = draw · (rng + 1); accept unless the low word is biased.
    const rngExcl = rng + 1;
    if (rngExcl <= SMALL_RANGE) {
      // draw · rngExcl < 2^53 is exact in float64: no 64-bit product needed (same result).
      let m = this.bitGenerator.nextUint32() * rngExcl;
      let mLo = m % TWO_POW_32;
      if (mLo < rngExcl) {
        const threshold = (0xffffffff - rng) % rngExcl;
        while (mLo < threshold) {
          m = this.bitGenerator.nextUint32() * rngExcl;
          mLo = m % TWO_POW_32;
        }
      }
      return lo + (m - mLo) / TWO_POW_32;
    }
    let [mHi, mLo] = mul32(this.bitGenerator.nextUint32(), rngExcl);
    if (mLo < rngExcl) {
      const threshold = (0xffffffff - rng) % rngExcl;
      while (mLo < threshold) [mHi, mLo] = mul32(this.bitGenerator.nextUint32(), rngExcl);
    }
    return lo + mHi;
  }

  /** A standard normal draw (Box–Muller, polar-free form, caching the second value). */
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

/** Multiplies two uint32 values exactly; returns [high word, low word] of the 64-bit product. */
/** Ranges up to 2^21: a 32-bit draw times the range stays below 2^53. */
const SMALL_RANGE = 2 ** 21;

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
