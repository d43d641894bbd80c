/**
 * @module
 * Tools the scripted experts share: the gain of a discrete-time linear-quadratic regulator, a
 * one-step rollout planner over an env's own kernel, and a check on the observation's length.
 */
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import type { EnvKernel, KernelStepOut } from "../core/kernel.js";

/** Riccati sweeps before `discreteLqrGain` gives up; the systems here converge in a few hundred. */
const MAX_RICCATI_SWEEPS = 100_000;
/** Stop once no entry of P changes by more than this, relative to P's largest entry. */
const RICCATI_TOL = 1e-12;

/**
 * The gain K of the infinite-horizon discrete-time LQR for one input: the control `u = −K·x`
 * minimizes Σ_t xₜᵀ Q xₜ + R uₜ² subject to xₜ₊₁ = A xₜ + B uₜ (Anderson and Moore 1990,
 * "Optimal Control: Linear Quadratic Methods", §2.4).
 *
 * P solves the discrete algebraic Riccati equation, found by iterating it from P = Q in Joseph's
 * form, which keeps P symmetric and positive semi-definite in floating point:
 *   K = (R + Bᵀ P B)⁻¹ Bᵀ P A,   P ← Q + R Kᵀ K + (A − B K)ᵀ P (A − B K).
 *
 * @param a the n × n state matrix, as rows
 * @param b the input vector, length n
 * @param q the n × n state cost, as rows (symmetric, positive semi-definite)
 * @param r the input cost, a positive number
 */
export function discreteLqrGain(
  a: readonly (readonly number[])[],
  b: readonly number[],
  q: readonly (readonly number[])[],
  r: number,
): Float64Array {
  const n = b.length;
  if (
    a.length !== n ||
    q.length !== n ||
    a.some((row) => row.length !== n) ||
    q.some((row) => row.length !== n)
  ) {
    throw new ShapeMismatchError(
      `discreteLqrGain: A and Q must be ${n} × ${n} to match B's length ${n}; got A ${a.length} × ${a[0]?.length ?? 0} and Q ${q.length} × ${q[0]?.length ?? 0}.`,
    );
  }
  if (!(r > 0) || !Number.isFinite(r)) {
    throw new InvalidOptionError(
      "r",
      `discreteLqrGain: the input cost r must be a positive number, got ${r}.`,
    );
  }
  let p = q.map((row) => Float64Array.from(row));
  let next = q.map((row) => new Float64Array(row.length));
  const k = new Float64Array(n);
  const pb = new Float64Array(n);
  const closed = a.map((row) => new Float64Array(row.length));
  for (let sweep = 0; sweep < MAX_RICCATI_SWEEPS; sweep++) {
    // K = (R + Bᵀ P B)⁻¹ Bᵀ P A, with P symmetric so that (Bᵀ P)ᵢ = (P B)ᵢ.
    let bpb = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += p[i]![j]! * b[j]!;
      pb[i] = sum;
      bpb += b[i]! * sum;
    }
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += pb[i]! * a[i]![j]!;
      k[j] = sum / (r + bpb);
    }
    // P ← Q + R Kᵀ K + (A − B K)ᵀ P (A − B K), symmetrized.
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) closed[i]![j] = a[i]![j]! - b[i]! * k[j]!;
    let change = 0;
    let size = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = q[i]![j]! + r * k[i]! * k[j]!;
        for (let u = 0; u < n; u++) {
          let row = 0;
          for (let v = 0; v < n; v++) row += p[u]![v]! * closed[v]![j]!;
          sum += closed[u]![i]! * row;
        }
        next[i]![j] = sum;
        next[j]![i] = sum;
        change = Math.max(change, Math.abs(sum - p[i]![j]!));
        size = Math.max(size, Math.abs(sum));
      }
    }
    [p, next] = [next, p];
    if (change <= RICCATI_TOL * size) return k;
  }
  throw new InvalidOptionError(
    "a",
    `discreteLqrGain: the Riccati iteration did not converge in ${MAX_RICCATI_SWEEPS} sweeps; check that (A, B) is stabilizable.`,
  );
}

/**
 * One-step lookahead with rollouts (Bertsekas, "Rollout, Policy Iteration, and Distributed
 * Reinforcement Learning", 2020, §2.1): for each candidate first action, simulate it on a copy of
 * the env's kernel and then follow a base policy, and take the action whose simulated return is
 * highest. The base policy's own action is tried first and kept on ties, so, with an exact model,
 * the rollout policy does at least as well as its base policy.
 */
export class RolloutPlanner {
  private readonly kernel: EnvKernel;
  private readonly base: (state: Float64Array) => number;
  private readonly horizon: number;
  private readonly state: Float64Array;
  private readonly action = new Float64Array(1);
  private readonly out: KernelStepOut = { rewards: new Float64Array(1), terminations: new Uint8Array(1) };

  /**
   * @param kernel the env's dynamics; the planner steps its own state buffer through it
   * @param base the base policy, a discrete action for a kernel state
   * @param horizon the most steps one rollout simulates, first action included
   */
  constructor(kernel: EnvKernel, base: (state: Float64Array) => number, horizon: number) {
    this.kernel = kernel;
    this.base = base;
    this.horizon = horizon;
    this.state = new Float64Array(kernel.stateSize);
  }

  /** The return of `first` from `start`, then the base policy, until termination or the horizon. */
  value(start: ArrayLike<number>, first: number): number {
    const { kernel, state, action, out } = this;
    state.set(start);
    let total = 0;
    for (let t = 0; t < this.horizon; t++) {
      action[0] = t === 0 ? first : this.base(state);
      kernel.step(state, 0, action, 0, out, 0);
      total += out.rewards[0]!;
      if (out.terminations[0] === 1) break;
    }
    return total;
  }

  /** The action of `candidates` whose rollout from `start` returns the most (the base's on ties). */
  act(start: Float64Array, candidates: readonly number[]): number {
    let best = this.base(start);
    let bestValue = this.value(start, best);
    for (const candidate of candidates) {
      if (candidate === best) continue;
      const value = this.value(start, candidate);
      if (value > bestValue) {
        best = candidate;
        bestValue = value;
      }
    }
    return best;
  }
}

/** Throws unless `observation` holds at least `size` numbers. */
export function checkObservation(observation: ArrayLike<number>, size: number, expert: string): void {
  if (observation === null || typeof observation !== "object" || !(observation.length >= size)) {
    const got =
      observation !== null && typeof observation === "object"
        ? `length ${observation.length}`
        : typeof observation;
    throw new ShapeMismatchError(
      `${expert}: expected an observation of ${size} numbers, got ${got}. Pass the env's observation as it comes from reset() or step().`,
    );
  }
}
