/**
 * @module
 * Rebuilding a person's episode on the server. Teach mode runs the env in the browser; when the
 * person keeps an episode, the page sends only the env id, the reset seed and the actions. The
 * server replays those actions in its own env from that seed (the envs are deterministic given the
 * seed), so the stored observations and rewards are the real env's, never the client's, and it
 * checks that the replay ends exactly where the page said it did.
 */
import { z } from "zod";
import { InvalidActionError, InvalidOptionError, MimicError } from "../core/errors.js";
import { envOptionNames, make } from "../core/registry.js";
import type { SpaceValue } from "../core/spaces/index.js";
import { columnFor } from "../data/columns.js";
import { Episode } from "../data/episode.js";
import "../envs/index.js";

/** The envs teach mode offers (GridWorld with its default layout). */
export const TEACH_ENVS = [
  "CartPole-v1",
  "MountainCar-v0",
  "MountainCarContinuous-v0",
  "Acrobot-v1",
  "Pendulum-v1",
  "GridWorld-v0",
] as const;

/** A dataset's name under the datasets root, as a page may send it (never a path). */
export const datasetNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    "must be a dataset name: letters, digits, '.', '_' or '-', starting with a letter or digit",
  )
  .refine(
    (name) => !name.endsWith(".tmp") && !/\.(tmp|old)-/.test(name),
    "must not look like a temporary file",
  );

/** What the page sends to keep an episode. */
export const keptEpisodeSchema = z
  .object({
    dataset: datasetNameSchema,
    envId: z.enum(TEACH_ENVS),
    /** The env's own options (a GridWorld layout), as `make(envId, envOptions)` takes them. */
    envOptions: z.record(z.string(), z.unknown()).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    actions: z
      .array(z.union([z.number(), z.array(z.number())]))
      .min(1, "must hold at least one action")
      .max(100_000),
    terminated: z.boolean(),
    truncated: z.boolean(),
  })
  .strict();

export type KeptEpisode = z.infer<typeof keptEpisodeSchema>;

/**
 * The env options a kept episode names, checked: only the env's own options (not `make`'s wrapper
 * options, such as a longer time limit), with values `make` accepts.
 */
export function teachEnvOptions(kept: Pick<KeptEpisode, "envId" | "envOptions">): Record<string, unknown> {
  const given = kept.envOptions ?? {};
  const names = envOptionNames(kept.envId);
  for (const key of Object.keys(given)) {
    if (!names.includes(key)) {
      throw new InvalidOptionError(
        `envOptions.${key}`,
        `envOptions.${key} is not an option of ${kept.envId}${names.length > 0 ? ` (its options: ${names.join(", ")})` : "; it takes none"}.`,
      );
    }
  }
  return { ...given };
}

/** The replay disagreed with what the page reported: the episode is not stored. */
export class ReplayMismatchError extends MimicError {
  constructor(message: string) {
    super("INVALID_OPTION", message);
    this.name = "ReplayMismatchError";
  }
}

/**
 * Replays `kept.actions` from `reset({ seed })` in a fresh env and returns the episode, with the
 * seed recorded. Throws `ReplayMismatchError` when the env ends before the last action, or when
 * its terminated/truncated flags at the last action differ from the page's.
 */
export function replayEpisode(kept: KeptEpisode, id: number): Episode {
  const env = make(kept.envId as string, teachEnvOptions(kept));
  try {
    const obsColumn = columnFor(env.observationSpace, "observation");
    const actColumn = columnFor(env.actionSpace, "action");
    const steps = kept.actions.length;
    const observations = obsColumn.create(steps + 1);
    const actions = actColumn.create(steps);
    const rewards = new Float64Array(steps);
    const first = env.reset({ seed: kept.seed });
    obsColumn.write(first.observation as SpaceValue, observations, 0);
    let terminated = false;
    let truncated = false;
    for (let t = 0; t < steps; t++) {
      if (terminated || truncated) {
        throw new ReplayMismatchError(
          `the replay of ${kept.envId} from seed ${kept.seed} ended after ${t} steps, but the page sent ${steps} actions; the episode was not stored.`,
        );
      }
      const action = kept.actions[t]!;
      let step: ReturnType<typeof env.step>;
      try {
        step = env.step(action);
      } catch (error) {
        if (error instanceof InvalidActionError) {
          throw new InvalidOptionError(`actions[${t}]`, `actions[${t}]: ${error.message}`, { cause: error });
        }
        throw error;
      }
      actColumn.write(action, actions, t);
      obsColumn.write(step.observation as SpaceValue, observations, t + 1);
      rewards[t] = step.reward;
      terminated = step.terminated;
      truncated = step.truncated;
    }
    if (terminated !== kept.terminated || truncated !== kept.truncated) {
      const flags = (a: boolean, b: boolean) => `terminated=${a}, truncated=${b}`;
      throw new ReplayMismatchError(
        `the replay of ${kept.envId} from seed ${kept.seed} ended its ${steps} actions with ${flags(terminated, truncated)}, ` +
          `but the page reported ${flags(kept.terminated, kept.truncated)}; the episode was not stored.`,
      );
    }
    if (!terminated && !truncated) {
      throw new ReplayMismatchError(
        `the replay of ${kept.envId} from seed ${kept.seed} had not ended after ${steps} actions; only finished episodes are kept.`,
      );
    }
    return new Episode({
      id,
      observations,
      actions,
      rewards,
      terminated,
      truncated,
      obsDim: obsColumn.dim,
      actDim: actColumn.dim,
      seed: kept.seed,
    });
  } finally {
    env.close?.();
  }
}
