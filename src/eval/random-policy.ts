/**
 * @module
 * The uniform random policy: the zero of the normalized score, and the usual baseline of a
 * permutation test.
 */
import type { Policy } from "../core/policy.js";
import { rngFromSeed } from "../core/rng.js";
import type { Space, SpaceValue } from "../core/spaces/index.js";

/**
 * A policy that ignores the observation and samples its action uniformly from `actionSpace`
 * (`actionSpace.sample(rng)`). It draws from the `rng` it is handed in `act`'s options (`collect`
 * and `evaluate` always hand one); without one it uses its own generator, seeded with `seed`
 * (default 0). `deterministic` is ignored: a uniform distribution has no most likely action, and
 * the baseline is the random policy itself.
 */
export function randomPolicy<A extends SpaceValue = SpaceValue>(
  actionSpace: Space<A>,
  options: { seed?: number } = {},
): Policy<unknown, A> {
  const own = rngFromSeed(options.seed ?? 0);
  return {
    name: "uniform-random",
    act: (_observation, actOptions) => actionSpace.sample(actOptions?.rng ?? own),
  };
}
