/**
 * @module
 * Expert policies for the built-in envs: scripted controllers and planners that use the env's own
 * dynamics, good enough to demonstrate each task (each file's header gives its method and its
 * measured mean return), and, for the MuJoCo envs, PPO policies trained here and shipped as files
 * (`shipped-policies.ts`). `scriptedExpert(id)` picks the one for a registered id.
 */
import "../envs/index.js";
import { InvalidOptionError } from "../core/errors.js";
import type { ActOptions, Policy } from "../core/policy.js";
import {
  closest,
  type EnvTypes,
  type MakeOptions,
  make,
  registration,
  splitOptions,
} from "../core/registry.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import type { MountainCarOptions } from "../envs/classic/mountain-car.js";
import type { GridWorldOptions } from "../envs/toy/grid-world.js";
import { acrobotExpert } from "./acrobot.js";
import { cartPoleExpert } from "./cartpole.js";
import { continuousMountainCarExpert } from "./continuous-mountain-car.js";
import { gridWorldExpert } from "./grid-world.js";
import { maskedCartPoleExpert } from "./masked-cartpole.js";
import { mountainCarExpert } from "./mountain-car.js";
import { pendulumExpert } from "./pendulum.js";
import { pixelCartPoleExpert } from "./pixel-cartpole.js";
import { SHIPPED_POLICY_FILES, shippedPolicyExpert } from "./shipped-policies.js";

export { acrobotExpert, acrobotPump } from "./acrobot.js";
export { cartPoleExpert, cartPoleLqrGain } from "./cartpole.js";
export { continuousMountainCarExpert } from "./continuous-mountain-car.js";
export { discreteLqrGain, RolloutPlanner } from "./control.js";
export {
  gridWorldExpert,
  type TabularExpert,
  type TabularExpertOptions,
  tabularExpert,
} from "./grid-world.js";
export { maskedCartPoleExpert } from "./masked-cartpole.js";
export { mountainCarExpert, mountainCarPump } from "./mountain-car.js";
export { type PendulumExpertOptions, pendulumExpert, pendulumLqrGain } from "./pendulum.js";
export { type PixelCartPoleExpertOptions, pixelCartPoleExpert } from "./pixel-cartpole.js";
export {
  SHIPPED_POLICY_FILES,
  shippedCompiledPolicy,
  shippedExpertsDir,
  shippedPolicyExpert,
} from "./shipped-policies.js";
export { type WebActor, type WebExpert, webActor, webExpert } from "./web.js";

/** Options of `scriptedExpert`. */
export interface ScriptedExpertOptions {
  /**
   * The options the env was made with, `make(envId, makeOptions)`, so the expert models the same
   * dynamics: GridWorld-v0's layout and slip, Pendulum-v1's `g`, MountainCar-v0's `goalVelocity`.
   * They are checked as `make` checks them. `rescaleAction` and `normalizeObservation` are refused:
   * the experts act on the env's own spaces.
   */
  makeOptions?: MakeOptions & Record<string, unknown>;
  /** GridWorld-v0's discount, which its value-iteration expert is optimal for (default 0.99). */
  gamma?: number;
  /**
   * Probability of a uniformly random action at each step instead of the expert's (default 0): a
   * noisy demonstrator (DART's noise injection). MaskedCartPole-v1 and PixelCartPole-v1 take it
   * into their experts (the masked one knows the action it took); other envs wrap their expert.
   */
  epsilon?: number;
  /** Seeds the noise (default 0); the stream runs on across episodes. */
  noiseSeed?: number;
}

/** The policy type of the expert for `Id`: typed for the built-in ids, `Policy` otherwise. */
export type ExpertFor<Id extends string> = Id extends keyof EnvTypes
  ? EnvTypes[Id] extends { observation: infer O; action: infer A }
    ? Policy<O, A>
    : Policy
  : Policy;

type ExpertFactory = (envOptions: Record<string, unknown>, options: ScriptedExpertOptions) => Policy;

/** The expert of each id, given the env's parsed options. */
const experts: Readonly<Record<string, ExpertFactory>> = {
  "CartPole-v1": () => cartPoleExpert(),
  // Same dynamics and observations as CartPole-v1, so the same controller.
  "seals/CartPole-v0": () => cartPoleExpert(),
  // It sees only x and θ, so it reconstructs the velocities from the last step (it keeps state).
  "MaskedCartPole-v1": (_, { epsilon, noiseSeed }) =>
    maskedCartPoleExpert({ epsilon: epsilon ?? 0, seed: noiseSeed ?? 0 }),
  // The LQR on the observation's state; the pixels are for the learner.
  "PixelCartPole-v1": (_, { epsilon, noiseSeed }) =>
    pixelCartPoleExpert({ epsilon: epsilon ?? 0, seed: noiseSeed ?? 0 }),
  "MountainCar-v0": (envOptions) => mountainCarExpert(envOptions as MountainCarOptions),
  "MountainCarContinuous-v0": () => continuousMountainCarExpert(),
  "Pendulum-v1": (envOptions) => pendulumExpert(envOptions),
  "Acrobot-v1": () => acrobotExpert(),
  "GridWorld-v0": (envOptions, { gamma }) =>
    gridWorldExpert(envOptions as GridWorldOptions, gamma === undefined ? {} : { gamma }),
  // The MuJoCo envs have no scripted controller: a PPO policy trained here and shipped in experts/.
  ...Object.fromEntries(
    Object.keys(SHIPPED_POLICY_FILES).map((id): [string, ExpertFactory] => [
      id,
      () => shippedPolicyExpert(id),
    ]),
  ),
};

/** The experts that take `epsilon` themselves; the others get `withRandomActions`. */
const NOISE_AWARE = new Set(["MaskedCartPole-v1", "PixelCartPole-v1"]);

/**
 * `policy` with probability `epsilon` of a uniformly random action from `actionSpace` at each
 * step, drawn from a generator seeded with `seed`.
 */
export function withRandomActions<O, A>(
  policy: Policy<O, A>,
  actionSpace: { sample(rng: Rng): unknown },
  epsilon: number,
  seed = 0,
): Policy<O, A> {
  checkEpsilon(epsilon);
  const rng = rngFromSeed(seed);
  return {
    ...(policy.name === undefined ? {} : { name: policy.name }),
    reset: () => policy.reset?.(),
    act(observation: O, options?: ActOptions): A {
      const action = policy.act(observation, options);
      return epsilon > 0 && rng.random() < epsilon ? (actionSpace.sample(rng) as A) : action;
    },
  } as Policy<O, A>;
}

function checkEpsilon(epsilon: number): void {
  if (!(typeof epsilon === "number" && epsilon >= 0 && epsilon <= 1)) {
    throw new InvalidOptionError(
      "epsilon",
      `epsilon is the probability of a random action, a number in [0, 1]; got ${epsilon}.`,
    );
  }
}

/** The ids `scriptedExpert` has an expert for. */
export function expertEnvIds(): string[] {
  return Object.keys(experts);
}

/**
 * The scripted expert for a registered env id, deterministic. None keeps state across steps but
 * MaskedCartPole-v1's, which remembers the last step to reconstruct the velocities (`reset` it per episode).
 * Throws an `InvalidOptionError` (path `envId`) for an id without an expert, listing those that
 * have one.
 */
export function scriptedExpert<Id extends string>(
  envId: Id,
  options: ScriptedExpertOptions = {},
): ExpertFor<Id> {
  const factory = Object.hasOwn(experts, envId) ? experts[envId] : undefined;
  if (factory === undefined) {
    const ids = expertEnvIds();
    const guess = typeof envId === "string" ? closest(envId, ids) : undefined;
    const hint = guess === undefined ? "" : ` Did you mean ${JSON.stringify(guess)}?`;
    throw new InvalidOptionError(
      "envId",
      `scriptedExpert: there is no scripted expert for ${JSON.stringify(envId)}.${hint} Experts exist for ${ids.join(", ")}; for another env, write a Policy or train one.`,
    );
  }
  const { wrappers, envOptions } = splitOptions(registration(envId), options.makeOptions ?? {});
  for (const key of ["rescaleAction", "normalizeObservation"] as const) {
    if (wrappers[key] !== undefined && wrappers[key] !== false) {
      throw new InvalidOptionError(
        `makeOptions.${key}`,
        `scriptedExpert(${JSON.stringify(envId)}): the expert acts on the env's own observation and action spaces, so it cannot drive an env made with ${key}. Make the env without ${key}, or wrap the expert's input and output yourself.`,
      );
    }
  }
  if (options.epsilon !== undefined) checkEpsilon(options.epsilon);
  const expert = factory(envOptions as Record<string, unknown>, options);
  if (!options.epsilon || NOISE_AWARE.has(envId)) return expert as ExpertFor<Id>;
  const env = make(envId, options.makeOptions ?? {});
  const actionSpace = env.actionSpace;
  env.close();
  return withRandomActions(expert, actionSpace, options.epsilon, options.noiseSeed ?? 0) as ExpertFor<Id>;
}
