/**
 * @module
 * Value iteration for a tabular MDP whose dynamics are known exactly (Bellman 1957; Sutton and
 * Barto 2018, "Reinforcement Learning: An Introduction", §4.4). Experts for tabular envs take the
 * greedy policy it returns; maximum-entropy IRL reuses the `TabularMdp` shape.
 */
import { InvalidOptionError, ShapeMismatchError } from "../../core/errors.js";

/** A finite MDP given as arrays. `GridWorldEnv` is one. */
export interface TabularMdp {
  readonly nStates: number;
  readonly nActions: number;
  /** P[s, a, s'], row-major with shape [nStates, nActions, nStates]; each row sums to 1. */
  readonly transitions: Float64Array;
  /** The expected reward E[R | s, a], row-major with shape [nStates, nActions]. */
  rewardMatrix(): Float64Array;
}

export interface ValueIterationOptions {
  /** Stop once no value changes by more than this in one sweep (default 1e-10). */
  tol?: number;
}

export interface ValueIterationResult {
  /** V(s) = max_a Q(s, a), length nStates. */
  values: Float64Array;
  /** The greedy action argmax_a Q(s, a) per state; ties go to the lowest action index. */
  policy: Int32Array;
  /** Q(s, a), row-major with shape [nStates, nActions]. */
  q: Float64Array;
  /** Sweeps until the change fell to `tol`. */
  iterations: number;
}

/** Two Q-values closer than this (relative to their size) count as a tie, so rounding cannot pick. */
const TIE_TOLERANCE = 1e-12;

/** The nonzero entries of P, one run per (s, a) row (compressed sparse rows). */
interface SparseTransitions {
  rowStart: Int32Array;
  next: Int32Array;
  prob: Float64Array;
}

function sparsify(p: Float64Array, nRows: number, nStates: number): SparseTransitions {
  let nnz = 0;
  for (let i = 0; i < p.length; i++) if (p[i] !== 0) nnz++;
  const rowStart = new Int32Array(nRows + 1);
  const next = new Int32Array(nnz);
  const prob = new Float64Array(nnz);
  let k = 0;
  for (let row = 0; row < nRows; row++) {
    rowStart[row] = k;
    const base = row * nStates;
    for (let sNext = 0; sNext < nStates; sNext++) {
      const v = p[base + sNext]!;
      if (v !== 0) {
        next[k] = sNext;
        prob[k] = v;
        k++;
      }
    }
  }
  rowStart[nRows] = k;
  return { rowStart, next, prob };
}

/** Q(s, a) = R(s, a) + γ Σ_s' P[s, a, s'] V(s') for every (s, a), written into `q`. */
function backup(
  sparse: SparseTransitions,
  r: Float64Array,
  gamma: number,
  values: Float64Array,
  q: Float64Array,
): void {
  const { rowStart, next, prob } = sparse;
  for (let row = 0; row < q.length; row++) {
    let expected = 0;
    for (let k = rowStart[row]!; k < rowStart[row + 1]!; k++) expected += prob[k]! * values[next[k]!]!;
    q[row] = r[row]! + gamma * expected;
  }
}

/**
 * Finds the optimal values and a greedy policy of `mdp` under discount `gamma` by repeating the
 * Bellman optimality backup V(s) ← max_a [R(s, a) + γ Σ_s' P[s, a, s'] V(s')] from V = 0.
 *
 * `gamma` must lie in [0, 1): the backup is then a γ-contraction, so the loop always ends, and
 * when a sweep changes no value by more than `tol` the values are within tol·γ/(1 − γ) of V*.
 * Terminal states that absorb with reward 0 get value 0, as episodic returns require.
 * The work per sweep is proportional to the nonzeros of P, not to nStates² · nActions.
 */
export function valueIteration(
  mdp: TabularMdp,
  gamma: number,
  options: ValueIterationOptions = {},
): ValueIterationResult {
  const tol = options.tol ?? 1e-10;
  if (typeof gamma !== "number" || !(gamma >= 0 && gamma < 1)) {
    throw new InvalidOptionError(
      "gamma",
      `valueIteration: gamma must be in [0, 1), got ${String(gamma)}. Use a discount such as 0.99; with gamma = 1 the backup need not converge.`,
    );
  }
  if (typeof tol !== "number" || !(tol > 0) || !Number.isFinite(tol)) {
    throw new InvalidOptionError(
      "tol",
      `valueIteration: tol must be a positive number, got ${String(tol)}. Use e.g. 1e-10.`,
    );
  }
  const { nStates, nActions } = mdp;
  const p = mdp.transitions;
  const r = mdp.rewardMatrix();
  if (p.length !== nStates * nActions * nStates) {
    throw new ShapeMismatchError(
      `valueIteration: transitions has ${p.length} entries but [nStates, nActions, nStates] = [${nStates}, ${nActions}, ${nStates}] needs ${nStates * nActions * nStates}.`,
    );
  }
  if (r.length !== nStates * nActions) {
    throw new ShapeMismatchError(
      `valueIteration: rewardMatrix() has ${r.length} entries but [nStates, nActions] = [${nStates}, ${nActions}] needs ${nStates * nActions}.`,
    );
  }

  const sparse = sparsify(p, nStates * nActions, nStates);
  const q = new Float64Array(nStates * nActions);
  let values = new Float64Array(nStates);
  let nextValues = new Float64Array(nStates);
  let iterations = 0;
  for (;;) {
    backup(sparse, r, gamma, values, q);
    let delta = 0;
    for (let s = 0; s < nStates; s++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let a = 0; a < nActions; a++) best = Math.max(best, q[s * nActions + a]!);
      nextValues[s] = best;
      delta = Math.max(delta, Math.abs(best - values[s]!));
    }
    [values, nextValues] = [nextValues, values];
    iterations++;
    if (delta <= tol) break;
  }

  // Q from the converged values, so that values, q and policy agree exactly.
  backup(sparse, r, gamma, values, q);
  const policy = new Int32Array(nStates);
  for (let s = 0; s < nStates; s++) {
    let best = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < nActions; a++) best = Math.max(best, q[s * nActions + a]!);
    const cutoff = best - TIE_TOLERANCE * Math.max(1, Math.abs(best));
    let action = 0;
    while (q[s * nActions + action]! < cutoff) action++;
    policy[s] = action;
    values[s] = best;
  }
  return { values, policy, q, iterations };
}
