/**
 * @module
 * `MujocoEnv`: what Gymnasium's `MujocoEnv` (gymnasium/envs/mujoco/mujoco_env.py, Gymnasium 1.x)
 * gives its v5 locomotion envs: the model, `frame_skip` and `dt`, the action space from the
 * actuators' control ranges, `reset` (seed, `mj_resetData`, then the env's `resetModel`), the
 * reset noise, and the numpy arithmetic their rewards use.
 */
import {
  assertAction,
  type Env,
  type EnvSpec,
  type ResetOptions,
  type ResetResult,
  reseed,
  type StepResult,
} from "../../core/env.js";
import { ResetNeededError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces/index.js";
import { mujocoOrThrow } from "./module.js";
import { MujocoModel } from "./mujoco-model.js";

export abstract class MujocoEnv implements Env<Float64Array, ArrayLike<number>> {
  readonly spec: EnvSpec;
  readonly observationSpace: Box;
  /** float32 Box over `actuator_ctrlrange`, as Gymnasium's `_set_action_space`. */
  readonly actionSpace: Box;
  /** Number of MuJoCo steps per env step. */
  readonly frameSkip: number;
  readonly model: MujocoModel;
  /** The env's generator (Gymnasium's `np_random`), set by the first reset. */
  npRandom: Rng | undefined;
  /** The last action as float32 values (Gymnasium's float32 action array), as MuJoCo's ctrl. */
  protected readonly action: Float64Array;
  private hasReset = false;

  constructor(
    spec: EnvSpec,
    xmlFile: string,
    frameSkip: number,
    observationSize: (model: MujocoModel) => number,
  ) {
    this.spec = spec;
    this.model = new MujocoModel(mujocoOrThrow(`make(${JSON.stringify(spec.id)})`), xmlFile);
    this.frameSkip = frameSkip;
    const { nu, ctrlRange } = this.model;
    const low = new Float64Array(nu);
    const high = new Float64Array(nu);
    for (let i = 0; i < nu; i++) {
      low[i] = ctrlRange[2 * i]!;
      high[i] = ctrlRange[2 * i + 1]!;
    }
    this.actionSpace = new Box(low, high, [nu], "float32");
    this.observationSpace = new Box(-Infinity, Infinity, [observationSize(this.model)], "float64");
    this.action = new Float64Array(nu);
  }

  get unwrapped(): Env {
    return this;
  }

  /** Seconds of simulated time per env step: `timestep · frame_skip`. */
  get dt(): number {
    return this.model.timestep * this.frameSkip;
  }

  reset(options: ResetOptions = {}): ResetResult<Float64Array> {
    this.npRandom = reseed(this.npRandom, options.seed);
    this.model.resetData();
    const observation = this.resetModel(this.npRandom);
    this.hasReset = true;
    return { observation, info: this.resetInfo() };
  }

  step(action: ArrayLike<number>): StepResult<Float64Array> {
    if (!this.hasReset) {
      throw new ResetNeededError(
        `${this.spec.id}: step() was called before reset(). Call env.reset() first.`,
      );
    }
    assertAction(this.actionSpace, action, `${this.spec.id}.step`);
    for (let i = 0; i < this.action.length; i++) this.action[i] = Math.fround(action[i]!);
    return this.stepModel(this.action);
  }

  close(): void {
    this.model.delete();
  }

  /** `concatenate([qpos, qvel])` (Gymnasium's `state_vector`). */
  stateVector(): Float64Array {
    const { nq, nv } = this.model;
    const out = new Float64Array(nq + nv);
    out.set(this.model.qpos);
    out.set(this.model.qvel, nq);
    return out;
  }

  /** Draws the start state with `rng`, sets it, and returns the first observation. */
  protected abstract resetModel(rng: Rng): Float64Array;
  /** One env step with the float32-cast action. */
  protected abstract stepModel(action: Float64Array): StepResult<Float64Array>;
  /** Gymnasium's `_get_reset_info`. */
  protected resetInfo(): Record<string, unknown> {
    return {};
  }
}

/** `init + rng.uniform(low=-scale, high=scale, size=init.length)`, drawn in order. */
export function uniformNoise(rng: Rng, init: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(init.length);
  for (let i = 0; i < init.length; i++) out[i] = init[i]! + rng.uniform(-scale, scale);
  return out;
}

/**
 * `init + scale · rng.standard_normal(init.length)`, with numpy's ziggurat (`Rng.standardNormal`),
 * so a seed gives Gymnasium's values.
 */
export function normalNoise(rng: Rng, init: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(init.length);
  for (let i = 0; i < init.length; i++) out[i] = init[i]! + scale * rng.standardNormal();
  return out;
}

/**
 * numpy's `np.sum` of `n` values from `start` (its pairwise summation: sequential below 8
 * values, eight interleaved partial sums up to 128, halves above), in float32 when `float32`.
 */
export function numpySum(values: ArrayLike<number>, start: number, n: number, float32: boolean): number {
  const r = float32 ? Math.fround : (x: number) => x;
  if (n < 8) {
    let res = -0;
    for (let i = 0; i < n; i++) res = r(res + values[start + i]!);
    return res;
  }
  if (n <= 128) {
    const p = new Float64Array(8);
    for (let j = 0; j < 8; j++) p[j] = values[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) p[j] = r(p[j]! + values[start + i + j]!);
    let res = r(r(r(p[0]! + p[1]!) + r(p[2]! + p[3]!)) + r(r(p[4]! + p[5]!) + r(p[6]! + p[7]!)));
    for (; i < n; i++) res = r(res + values[start + i]!);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return r(numpySum(values, start, n2, float32) + numpySum(values, start + n2, n - n2, float32));
}

/**
 * Gymnasium's `control_cost`: `weight * np.sum(np.square(action))` with a float32 action. Under
 * numpy 2's promotion rules (NEP 50) every operation stays float32, the Python float weight
 * included; the result then joins float64 rewards.
 */
export function controlCost(weight: number, action: ArrayLike<number>): number {
  const squares = new Float64Array(action.length);
  for (let i = 0; i < action.length; i++) squares[i] = Math.fround(action[i]! * action[i]!);
  return Math.fround(Math.fround(weight) * numpySum(squares, 0, squares.length, true));
}

/**
 * `np.linalg.norm([x, y], ord=2)` as numpy 2 computes it: `sqrt(x.dot(x))`, where the dot is
 * OpenBLAS's `ddot`, whose scalar loop the compiler contracts to fused multiply-adds on CPUs that
 * have them (every x86-64 OpenBLAS kernel from Haswell on): `sqrt(fma(y, y, x·x))`. It differs from
 * `Math.sqrt(x * x + y * y)` in the last bit for about one pair in fifteen (measured with numpy
 * 2.4.6 and its OpenBLAS 0.3.31 against exact arithmetic on 20 000 random pairs: no mismatch).
 */
export function numpyNorm2(x: number, y: number): number {
  return Math.sqrt(fma(y, y, x * x));
}

/**
 * `a · b + c` rounded once (IEEE 754 fusedMultiplyAdd), which JavaScript lacks: the exact value
 * in BigInt arithmetic, then one rounding to nearest (ties to even). Exact for finite inputs and a
 * result in the normal range; otherwise, and for zero operands, `a * b + c`.
 */
export function fma(a: number, b: number, c: number): number {
  if (a === 0 || b === 0 || c === 0 || !Number.isFinite(a * b) || !Number.isFinite(c)) return a * b + c;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const ep = ea + eb;
  const e = Math.min(ep, ec);
  const exact = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  return roundScaled(exact, e);
}

/** `decompose`'s scratch: one view for every call (Ant's info takes a norm each step). */
const bitsView = new DataView(new ArrayBuffer(8));

/** A finite nonzero double as `m · 2^e` with integer `m` (53 bits at most). */
function decompose(v: number): [bigint, number] {
  const view = bitsView;
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return [v < 0 ? -mantissa : mantissa, exponent];
}

/** `m · 2^e` rounded to the nearest double: one rounding, in `Number(bigint)`. */
function roundScaled(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const negative = m < 0n;
  let magnitude = negative ? -m : m;
  // Keep 64 bits and fold the rest into a sticky bit: 11 bits beyond double's 53 keep one
  // rounding correct, and Number() of a 64-bit integer rounds to nearest, ties to even.
  const extra = magnitude.toString(2).length - 64;
  if (extra > 0) {
    const shift = BigInt(extra);
    const sticky = (magnitude & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    magnitude = (magnitude >> shift) | sticky;
    e += extra;
  }
  const rounded = Number(magnitude);
  // Scaling by a power of two is exact in the normal range; split it so 2^e itself cannot overflow.
  const half = Math.trunc(e / 2);
  const value = rounded * 2 ** half * 2 ** (e - half);
  return negative ? -value : value;
}
