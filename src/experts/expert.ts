/**
 * @module
 * An `Expert` labels states with the action it would take: the relabeling oracle of DAgger. A
 * scripted controller, a saved mimic policy (a *teacher*) or a person can be one. `label` may be
 * async (a person answers when they answer). Every action an expert returns is checked against
 * the action space; a wrong one names the expert and the state.
 */
import { assertAction } from "../core/env.js";
import { InvalidActionError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import { formatValue, type Space, type SpaceValue } from "../core/spaces/index.js";

export interface Expert<O = SpaceValue, A = SpaceValue> {
  /** Who labels, for messages and reports: `"scripted (cartpole-lqr)"`, `"teacher runs/x"`, `"human"`. */
  readonly name: string;
  /** The expert's action for each observation, in order. */
  label(observations: readonly O[]): A[] | Promise<A[]>;
}

/** Checks an expert's labels against the action space, naming the expert and the state on error. */
export function checkLabels<O, A>(
  expert: Expert<O, A>,
  observations: readonly O[],
  actions: readonly A[],
  actionSpace: Space,
): void {
  if (actions.length !== observations.length) {
    throw new InvalidActionError(
      `expert ${expert.name} returned ${actions.length} labels for ${observations.length} states; it must label every state.`,
    );
  }
  actions.forEach((action, i) => {
    try {
      assertAction(actionSpace, action, `expert ${expert.name}`);
    } catch (error) {
      throw new InvalidActionError(
        `${(error as Error).message} The state it labelled was ${formatValue(observations[i])}.`,
      );
    }
  });
}

/** Any policy as an expert: its deterministic action labels each state. */
export function policyExpert<O, A>(policy: Policy<O, A>, name = policy.name ?? "policy"): Expert<O, A> {
  return {
    name,
    label: (observations) => observations.map((o) => policy.act(o, { deterministic: true })),
  };
}
