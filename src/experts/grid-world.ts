/**
 * The GridWorld-v0 expert: the greedy policy of value iteration on the env's exact dynamics.
 *
 * ## What it does
 * GridWorld publishes its transition tensor P[s, a, s'] and expected rewards R(s, a), so the
 * expert needs no search: `valueIteration` solves the Bellman optimality equation
 * V(s) = max_a [R(s, a) + γ Σ_s' P[s, a, s'] V(s')] to a tolerance of 1e-10, and the expert takes
 * argmax_a Q(s, a) in every state (the lowest action on ties). The policy is optimal for the
 * discounted return with discount γ (default 0.99) from every state; `values` holds V.
 *
 * The expert must see the same dynamics as the env, so build it with the env's options
 * (`gridWorldExpert({ slip: 0.1 })` for `make("GridWorld-v0", { slip: 0.1 })`). `tabularExpert`
 * does the same for any `TabularMdp`.
 *
 * ## Measured
 * Default 5×5 config, seeds 10000–10099: every episode reaches the goal in 8 steps, the shortest
 * path, so every return is 1, the optimal undiscounted return, and the discounted return
 * 0.99⁷ equals V(start). On a slippery config the mean discounted return matches V(start) within
 * its standard error (test/experts.test.ts).
 */
import { InvalidOptionError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import { GridWorldEnv, type GridWorldOptions } from "../envs/toy/grid-world.js";
import { type TabularMdp, valueIteration } from "../envs/toy/value-iteration.js";

/** Options of the tabular experts. */
export interface TabularExpertOptions {
  /** The discount γ in [0, 1) the policy is optimal for (default 0.99). */
  gamma?: number;
  /** Value iteration's stopping tolerance (default 1e-10). */
  tol?: number;
}

/** A tabular expert: a deterministic greedy policy, with the values it is greedy for. */
export interface TabularExpert extends Policy<number, number> {
  readonly name: string;
  /** The optimal values V(s), length nStates. */
  readonly values: Float64Array;
  /** The action taken in each state, length nStates. */
  readonly actions: Int32Array;
  /** The discount the policy is optimal for. */
  readonly gamma: number;
}

/** The greedy policy of value iteration on `mdp`: optimal for the discounted return. */
export function tabularExpert(
  mdp: TabularMdp,
  options: TabularExpertOptions = {},
  name = "tabular-value-iteration",
): TabularExpert {
  const gamma = options.gamma ?? 0.99;
  const { values, policy } = valueIteration(
    mdp,
    gamma,
    options.tol === undefined ? {} : { tol: options.tol },
  );
  const nStates = mdp.nStates;
  return {
    name,
    values,
    actions: policy,
    gamma,
    act(observation: number): number {
      if (!Number.isInteger(observation) || observation < 0 || observation >= nStates) {
        throw new InvalidOptionError(
          "observation",
          `${name}: observation ${String(observation)} is not a state of this MDP (an integer from 0 to ${nStates - 1}). Build the expert with the same options as the env.`,
        );
      }
      return policy[observation]!;
    },
  };
}

/** The GridWorld-v0 expert for the env built with `gridOptions` (see the module header). */
export function gridWorldExpert(
  gridOptions: GridWorldOptions = {},
  options: TabularExpertOptions = {},
): TabularExpert {
  return tabularExpert(new GridWorldEnv(gridOptions), options, "gridworld-value-iteration");
}
