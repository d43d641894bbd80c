/**
 * Tabular maximum causal entropy inverse RL: find a state reward r = Φθ whose soft-optimal policy
 * visits states as often as the expert did.
 *
 * Paper: Ziebart (2010), "Modeling Purposeful Adaptive Behavior with the Principle of Maximum
 * Causal Entropy" (PhD thesis, ch. 9–10), after Ziebart et al. (2008), "Maximum Entropy Inverse
 * Reinforcement Learning". Reference implementation: HumanCompatibleAI/imitation,
 * src/imitation/algorithms/mce_irl.py (`mce_partition_fh`, `mce_occupancy_measures`, `MCEIRL`).
 * Like imitation, the MDP has a finite horizon H, the discount γ weighs the occupancy, and the
 * reward depends on the current state only.
 *
 * Soft value iteration, backward from t = H − 1 (thesis eqs. 9.1–9.3, `mce_partition_fh`):
 *
 *   Q_{H−1}(s, a) = r(s)
 *   Q_t(s, a)     = r(s) + γ Σ_{s'} P(s' | s, a) V_{t+1}(s')          for t < H − 1
 *   V_t(s)        = log Σ_a exp Q_t(s, a)                               (stable log-sum-exp)
 *   π_t(a | s)    = exp(Q_t(s, a) − V_t(s))
 *
 * State-visitation frequencies, forward from the initial distribution ρ₀ (`mce_occupancy_measures`):
 *
 *   D_0(s)     = ρ₀(s)
 *   D_{t+1}(s') = Σ_{s, a} D_t(s) π_t(a | s) P(s' | s, a)             for t = 0 … H − 1
 *   D(s)       = Σ_{t=0}^{H} γ^t D_t(s)                                (H + 1 terms)
 *
 * The expert's D_E(s) is the same sum over the demonstrations, averaged over episodes:
 * D_E(s) = (1/N) Σ_episodes Σ_{t=0}^{H} γ^t [s_t = s], counting the T + 1 observations of each
 * episode (imitation's `_set_demo_from_trajectories`). Steps past H are dropped. An episode that
 * terminated after T < H steps is padded with its terminal state for t = T + 1 … H, since the
 * terminal state absorbs in P and the learner's D keeps its mass there too; so both measures total
 * Σ_{t=0}^{H} γ^t. An episode that stopped before H for another reason (truncation) cannot be
 * padded, so it is refused: lower `horizon` to its length or collect with a longer time limit.
 *
 * Gradient of the demonstrations' log-likelihood with respect to θ (thesis eq. 9.8, and the
 * "loss" of `MCEIRL._train_step`), ascended with Adam (imitation's default optimizer) and an L2
 * penalty:
 *
 *   ∇_θ log L = Φᵀ (D_E − D_π)  −  λ θ
 *
 * With a linear reward the log-likelihood is concave in θ, so the start point does not matter.
 */
import { z } from "zod";
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import { rngFromSeed } from "../core/rng.js";
import type { Episode } from "../data/episode.js";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

export const maxEntIrlConfigSchema = z
  .object({
    /** H: the soft policy has H steps and the visitation sums H + 1 (GridWorld-v0's time limit is 50). */
    horizon: z.number().int().positive().default(50),
    /** γ in (0, 1]: discounts both Q and the visitation sums (1 for a plain finite horizon). */
    gamma: z.number().gt(0).max(1).default(0.99),
    /** Adam's step size on θ. */
    learningRate: z.number().positive().default(0.1),
    /** The most gradient steps to take. */
    iterations: z.number().int().min(0).default(300),
    /** `tabular`: one weight per state (Φ = I); `linear`: one weight per column of the features. */
    reward: z.enum(["tabular", "linear"]).default("tabular"),
    /** λ, the weight of the L2 penalty (λ/2)‖θ‖² subtracted from the log-likelihood. */
    l2: z.number().min(0).default(0),
    /** Seed of θ's initial values, drawn from N(0, 0.01²). */
    seed: z.number().int().min(0).default(0),
    /** Stop once ‖Φᵀ(D_E − D_π)‖₂, the occupancy gradient, falls to this. */
    tolerance: z.number().min(0).default(1e-4),
  })
  .strict();

/** MaxEnt IRL's options; every field has a default. */
export type MaxEntIrlConfig = z.input<typeof maxEntIrlConfigSchema>;
export type ResolvedMaxEntIrlConfig = z.output<typeof maxEntIrlConfigSchema>;

/** Validates a config, naming the bad field. */
export function resolveMaxEntIrlConfig(config: MaxEntIrlConfig = {}): ResolvedMaxEntIrlConfig {
  const result = maxEntIrlConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new InvalidOptionError(path, `MaxEnt IRL config: ${path} is invalid: ${issue.message}.`, {
    cause: result.error,
  });
}

/** The known dynamics MaxEnt IRL plans in. `GridWorldEnv` is one. */
export interface MaxEntIrlMdp {
  readonly nStates: number;
  readonly nActions: number;
  /** P[s, a, s'], row-major [S, A, S]. */
  readonly transitions: Float64Array;
  /** ρ₀(s), length S. */
  readonly initialStateDistribution: Float64Array;
  /** 1 for terminal states, length S; when given, terminated episodes must end in one. */
  readonly terminalStates?: Uint8Array;
  /** Φ, row-major [S, K]: the features of `reward: "linear"` when none are passed. */
  features?(): Float64Array;
}

/** What `onIteration` sees, before the step from θ. */
export interface MaxEntIrlIteration {
  iteration: number;
  /** ‖D_E − D_π‖₁ for the current θ. */
  occupancyDistance: number;
  /** ‖Φᵀ(D_E − D_π)‖₂. */
  gradientNorm: number;
}

export interface MaxEntIrlOptions {
  /** Φ, row-major [S, K], for `reward: "linear"` (default: `mdp.features()`). */
  features?: Float64Array;
  onIteration?: (record: MaxEntIrlIteration) => void;
}

export interface MaxEntIrlResult {
  /** θ, length K. */
  rewardWeights: Float64Array;
  /** r = Φθ, length S. */
  reward: Float64Array;
  /** π_0(a | s), row-major [S, A]: the soft-optimal policy at the first step (the most far-sighted). */
  policy: Float64Array;
  /** π_t(a | s), row-major [H, S, A]: the full time-dependent soft-optimal policy. */
  policyByStep: Float64Array;
  /** ‖D_E − D_π‖₁ per iteration; the last entry belongs to the returned θ. */
  occupancyDistance: number[];
  /** D_E(s), length S. */
  expertVisitation: Float64Array;
  /** D_π(s) of the returned policy, length S. */
  visitation: Float64Array;
  /** Gradient steps taken. */
  iterations: number;
  config: ResolvedMaxEntIrlConfig;
}

// ---------------------------------------------------------------------------------------------
// ALGO LOGIC: soft value iteration and visitation frequencies
// ---------------------------------------------------------------------------------------------

/** The nonzero entries of P, one run per (s, a) row (compressed sparse rows). */
interface SparseTransitions {
  rowStart: Int32Array;
  next: Int32Array;
  prob: Float64Array;
}

function sparsify(p: Float64Array, nRows: number, nStates: number): SparseTransitions {
  const rowStart = new Int32Array(nRows + 1);
  const next: number[] = [];
  const prob: number[] = [];
  for (let row = 0; row < nRows; row++) {
    rowStart[row] = next.length;
    for (let sNext = 0; sNext < nStates; sNext++) {
      const v = p[row * nStates + sNext]!;
      if (v !== 0) {
        next.push(sNext);
        prob.push(v);
      }
    }
  }
  rowStart[nRows] = next.length;
  return { rowStart, next: Int32Array.from(next), prob: Float64Array.from(prob) };
}

/** log Σ_i exp x_i over x[from … from + n), shifted by the max so nothing overflows. */
function logSumExp(x: Float64Array, from: number, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) max = Math.max(max, x[from + i]!);
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(x[from + i]! - max);
  return max + Math.log(sum);
}

/** The result of soft value iteration: V_t, Q_t and π_t, each with H rows indexed by t. */
export interface SoftValues {
  /** V_t(s), row-major [H, S]. */
  values: Float64Array;
  /** Q_t(s, a), row-major [H, S, A]. */
  q: Float64Array;
  /** π_t(a | s), row-major [H, S, A]. */
  policy: Float64Array;
}

/**
 * Finite-horizon soft value iteration for the state reward r (eqs. 9.1–9.3; see the header):
 * Q_{H−1} = r, Q_t = r + γ P V_{t+1}, V_t = logsumexp_a Q_t, π_t = exp(Q_t − V_t).
 */
export function softValueIteration(
  mdp: Pick<MaxEntIrlMdp, "nStates" | "nActions" | "transitions">,
  reward: Float64Array,
  horizon: number,
  gamma: number,
): SoftValues {
  checkDynamics(mdp);
  if (reward.length !== mdp.nStates) {
    throw new ShapeMismatchError(
      `softValueIteration: reward has ${reward.length} entries; it needs one per state (${mdp.nStates}).`,
    );
  }
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new InvalidOptionError(
      "horizon",
      `softValueIteration: horizon must be a positive integer, got ${horizon}.`,
    );
  }
  return softValues(
    sparsify(mdp.transitions, mdp.nStates * mdp.nActions, mdp.nStates),
    mdp,
    reward,
    horizon,
    gamma,
  );
}

function softValues(
  sparse: SparseTransitions,
  { nStates: S, nActions: A }: Pick<MaxEntIrlMdp, "nStates" | "nActions">,
  reward: Float64Array,
  horizon: number,
  gamma: number,
): SoftValues {
  const { rowStart, next, prob } = sparse;
  const values = new Float64Array(horizon * S);
  const q = new Float64Array(horizon * S * A);
  for (let t = horizon - 1; t >= 0; t--) {
    const last = t === horizon - 1;
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        const row = s * A + a;
        let expected = 0; // Σ_s' P(s' | s, a) V_{t+1}(s')
        if (!last) {
          for (let k = rowStart[row]!; k < rowStart[row + 1]!; k++)
            expected += prob[k]! * values[(t + 1) * S + next[k]!]!;
        }
        q[(t * S + s) * A + a] = reward[s]! + gamma * expected;
      }
      values[t * S + s] = logSumExp(q, (t * S + s) * A, A);
    }
  }
  const policy = new Float64Array(horizon * S * A);
  for (let t = 0; t < horizon; t++) {
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        const i = (t * S + s) * A + a;
        policy[i] = Math.exp(q[i]! - values[t * S + s]!);
      }
    }
  }
  return { values, q, policy };
}

/**
 * State-visitation frequencies of the time-dependent policy π_t (row-major [H, S, A]) from ρ₀:
 * D(s) = Σ_{t=0}^{H} γ^t D_t(s), with D_0 = ρ₀ and D_{t+1}(s') = Σ_{s,a} D_t(s) π_t(a|s) P(s'|s,a).
 */
export function stateVisitation(
  mdp: Pick<MaxEntIrlMdp, "nStates" | "nActions" | "transitions" | "initialStateDistribution">,
  policy: Float64Array,
  horizon: number,
  gamma: number,
): Float64Array {
  checkDynamics(mdp);
  const { nStates: S, nActions: A } = mdp;
  if (policy.length !== horizon * S * A) {
    throw new ShapeMismatchError(
      `stateVisitation: policy has ${policy.length} entries but [horizon, nStates, nActions] = [${horizon}, ${S}, ${A}] needs ${horizon * S * A}.`,
    );
  }
  const sparse = sparsify(mdp.transitions, S * A, S);
  return visitationFrequencies(sparse, mdp, mdp.initialStateDistribution, policy, horizon, gamma);
}

function visitationFrequencies(
  sparse: SparseTransitions,
  { nStates: S, nActions: A }: Pick<MaxEntIrlMdp, "nStates" | "nActions">,
  initial: Float64Array,
  policy: Float64Array,
  horizon: number,
  gamma: number,
): Float64Array {
  const { rowStart, next, prob } = sparse;
  const total = Float64Array.from(initial);
  let current = Float64Array.from(initial);
  let following = new Float64Array(S);
  let discount = 1;
  for (let t = 0; t < horizon; t++) {
    following.fill(0);
    for (let s = 0; s < S; s++) {
      const mass = current[s]!;
      if (mass === 0) continue;
      for (let a = 0; a < A; a++) {
        const flow = mass * policy[(t * S + s) * A + a]!;
        const row = s * A + a;
        for (let k = rowStart[row]!; k < rowStart[row + 1]!; k++) following[next[k]!]! += flow * prob[k]!;
      }
    }
    [current, following] = [following, current];
    discount *= gamma;
    for (let s = 0; s < S; s++) total[s]! += discount * current[s]!;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// PLUMBING: checks, the expert's visitation and the features
// ---------------------------------------------------------------------------------------------

function checkDynamics(mdp: Pick<MaxEntIrlMdp, "nStates" | "nActions" | "transitions">): void {
  const { nStates: S, nActions: A, transitions } = mdp;
  if (!Number.isInteger(S) || S < 1 || !Number.isInteger(A) || A < 1) {
    throw new ShapeMismatchError(
      `maxEntIrl: nStates and nActions must be positive integers, got ${S} and ${A}.`,
    );
  }
  if (transitions.length !== S * A * S) {
    throw new ShapeMismatchError(
      `maxEntIrl: transitions has ${transitions.length} entries but [nStates, nActions, nStates] = [${S}, ${A}, ${S}] needs ${S * A * S}.`,
    );
  }
}

/** Does every action keep s where it is (P(s | s, a) = 1)? Padding past termination needs this. */
function absorbs(mdp: MaxEntIrlMdp, s: number): boolean {
  const { nStates: S, nActions: A, transitions } = mdp;
  for (let a = 0; a < A; a++) if (transitions[(s * A + a) * S + s] !== 1) return false;
  return true;
}

/** D_E from episodes: discounted counts of the H + 1 first states, padded after termination (see the header). */
function expertVisitationFromEpisodes(
  mdp: MaxEntIrlMdp,
  episodes: readonly Episode[],
  horizon: number,
  gamma: number,
): Float64Array {
  const S = mdp.nStates;
  if (episodes.length === 0) {
    throw new InvalidOptionError(
      "demonstrations",
      "maxEntIrl: demonstrations is empty. Pass at least one episode, or the expert's state-visitation frequencies as a Float64Array of length nStates.",
    );
  }
  const counts = new Float64Array(S);
  for (const episode of episodes) {
    const where = `maxEntIrl: demonstrations episode ${episode.id}`;
    if (episode.obsDim !== 1) {
      throw new ShapeMismatchError(
        `${where} has ${episode.obsDim} values per observation; MaxEnt IRL needs one state index per step (a Discrete observation space).`,
      );
    }
    const T = episode.length;
    for (let t = 0; t <= T; t++) {
      const s = episode.observations[t]!;
      if (!Number.isInteger(s) || s < 0 || s >= S) {
        throw new InvalidOptionError(
          "demonstrations",
          `${where}: observation ${t} is ${s}, not a state of this MDP (an integer from 0 to ${S - 1}). Collect the demonstrations in the env whose dynamics you pass.`,
        );
      }
    }
    if (T < horizon) {
      const last = episode.observations[T]!;
      if (!episode.terminated) {
        throw new InvalidOptionError(
          "demonstrations",
          `${where} stopped after ${T} steps without terminating, before the horizon of ${horizon}, so its visitation cannot be padded. Lower horizon to at most ${T}, or collect with a longer time limit.`,
        );
      }
      if (mdp.terminalStates !== undefined && mdp.terminalStates[last] !== 1) {
        throw new InvalidOptionError(
          "demonstrations",
          `${where} terminated in state ${last}, which the MDP's terminalStates does not mark terminal. Collect the demonstrations in the env whose dynamics you pass.`,
        );
      }
      if (!absorbs(mdp, last)) {
        throw new InvalidOptionError(
          "demonstrations",
          `${where} terminated in state ${last}, which does not absorb (P(s | s, a) = 1 for every a), so MaxEnt IRL cannot pad it to the horizon of ${horizon}. Make terminal states absorbing in transitions.`,
        );
      }
    }
    let discount = 1;
    for (let t = 0; t <= horizon; t++) {
      counts[episode.observations[Math.min(t, T)]!]! += discount;
      discount *= gamma;
    }
  }
  for (let s = 0; s < S; s++) counts[s]! /= episodes.length;
  return counts;
}

function checkExpertVisitation(visitation: Float64Array, S: number): Float64Array {
  if (visitation.length !== S) {
    throw new ShapeMismatchError(
      `maxEntIrl: the expert visitation has ${visitation.length} entries; it needs one per state (${S}).`,
    );
  }
  for (let s = 0; s < S; s++) {
    const v = visitation[s]!;
    if (!Number.isFinite(v) || v < 0) {
      throw new InvalidOptionError(
        "demonstrations",
        `maxEntIrl: the expert visitation of state ${s} is ${v}; visitation frequencies are finite and non-negative.`,
      );
    }
  }
  return Float64Array.from(visitation);
}

/** Φ, row-major [S, K], and K. */
function featureMatrix(
  mdp: MaxEntIrlMdp,
  config: ResolvedMaxEntIrlConfig,
  given: Float64Array | undefined,
): { phi: Float64Array; nFeatures: number } {
  const S = mdp.nStates;
  if (config.reward === "tabular") {
    if (given !== undefined) {
      throw new InvalidOptionError(
        "features",
        'maxEntIrl: features were passed but reward is "tabular" (one weight per state). Set reward: "linear" to use them.',
      );
    }
    const phi = new Float64Array(S * S);
    for (let s = 0; s < S; s++) phi[s * S + s] = 1;
    return { phi, nFeatures: S };
  }
  const phi = given ?? mdp.features?.();
  if (phi === undefined) {
    throw new InvalidOptionError(
      "features",
      'maxEntIrl: reward "linear" needs features: pass options.features (row-major [nStates, K]) or an MDP with features(), or use reward: "tabular".',
    );
  }
  const nFeatures = phi.length / S;
  if (!Number.isInteger(nFeatures) || nFeatures < 1) {
    throw new ShapeMismatchError(
      `maxEntIrl: features has ${phi.length} entries, which is not nStates (${S}) rows of K features.`,
    );
  }
  if (!phi.every(Number.isFinite)) {
    throw new InvalidOptionError("features", "maxEntIrl: features holds a NaN or infinite value.");
  }
  return { phi, nFeatures };
}

/** r = Φθ. */
function stateReward(phi: Float64Array, theta: Float64Array, S: number): Float64Array {
  const K = theta.length;
  const r = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += phi[s * K + k]! * theta[k]!;
    r[s] = sum;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

/** Adam's moment decay rates and ε (Kingma and Ba 2015, the usual defaults). */
const beta1 = 0.9;
const beta2 = 0.999;
const adamEpsilon = 1e-8;

/**
 * Learns a state reward from demonstrations (episodes with Discrete state observations, or the
 * expert's visitation frequencies D_E as a Float64Array of length S, in the convention of the
 * header) by matching the soft-optimal policy's visitation to the expert's.
 */
export function maxEntIrl(
  mdp: MaxEntIrlMdp,
  demonstrations: readonly Episode[] | Float64Array,
  config: MaxEntIrlConfig = {},
  options: MaxEntIrlOptions = {},
): MaxEntIrlResult {
  const c = resolveMaxEntIrlConfig(config);
  checkDynamics(mdp);
  const { nStates: S, nActions: A } = mdp;
  if (mdp.initialStateDistribution.length !== S) {
    throw new ShapeMismatchError(
      `maxEntIrl: initialStateDistribution has ${mdp.initialStateDistribution.length} entries; it needs one per state (${S}).`,
    );
  }
  const { phi, nFeatures: K } = featureMatrix(mdp, c, options.features);
  const expertVisitation =
    demonstrations instanceof Float64Array
      ? checkExpertVisitation(demonstrations, S)
      : expertVisitationFromEpisodes(mdp, demonstrations, c.horizon, c.gamma);
  const sparse = sparsify(mdp.transitions, S * A, S);

  // θ₀ ~ N(0, 0.01²): the objective is concave, so this only breaks exact ties.
  const rng = rngFromSeed(c.seed);
  const theta = Float64Array.from({ length: K }, () => rng.normal(0, 0.01));
  const m = new Float64Array(K); // Adam's first moment
  const v = new Float64Array(K); // Adam's second moment
  const gradient = new Float64Array(K);
  const occupancyDistance: number[] = [];

  let soft: SoftValues;
  let visitation: Float64Array;
  let iteration = 0;
  for (;;) {
    // ALGO LOGIC: plan soft-optimally for r = Φθ, then propagate the visitation forward.
    const reward = stateReward(phi, theta, S);
    soft = softValues(sparse, mdp, reward, c.horizon, c.gamma);
    visitation = visitationFrequencies(
      sparse,
      mdp,
      mdp.initialStateDistribution,
      soft.policy,
      c.horizon,
      c.gamma,
    );

    // ∇_θ log L = Φᵀ(D_E − D_π) − λθ
    let distance = 0;
    for (let s = 0; s < S; s++) distance += Math.abs(expertVisitation[s]! - visitation[s]!);
    let squaredNorm = 0;
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let s = 0; s < S; s++) sum += phi[s * K + k]! * (expertVisitation[s]! - visitation[s]!);
      squaredNorm += sum * sum;
      gradient[k] = sum - c.l2 * theta[k]!;
    }
    const gradientNorm = Math.sqrt(squaredNorm);
    occupancyDistance.push(distance);
    options.onIteration?.({ iteration, occupancyDistance: distance, gradientNorm });
    if (iteration >= c.iterations || gradientNorm <= c.tolerance) break;

    // Adam ascent step on θ.
    iteration++;
    for (let k = 0; k < K; k++) {
      m[k] = beta1 * m[k]! + (1 - beta1) * gradient[k]!;
      v[k] = beta2 * v[k]! + (1 - beta2) * gradient[k]! ** 2;
      const mHat = m[k]! / (1 - beta1 ** iteration);
      const vHat = v[k]! / (1 - beta2 ** iteration);
      theta[k]! += (c.learningRate * mHat) / (Math.sqrt(vHat) + adamEpsilon);
    }
  }

  return {
    rewardWeights: theta,
    reward: stateReward(phi, theta, S),
    policy: soft.policy.slice(0, S * A),
    policyByStep: soft.policy,
    occupancyDistance,
    expertVisitation,
    visitation,
    iterations: iteration,
    config: c,
  };
}
