/**
 * @module
 * Teach mode for web tasks, on the server. The dashboard shows the task page in a frame and runs
 * the recorder's capture script in it (`envs/web/capture-script.ts`); when the person keeps an
 * episode, the page sends the task, the seed and the captured actions by ref (a click's ref, a
 * type's ref and text, a key). As for the simulated envs (episode-replay.ts), the server replays
 * them in its own headless `WebEnv` from the same seed (a task page is deterministic given its
 * seed, refs included), so the stored observations and rewards are the real env's, and it checks
 * that the replay ends where the page said.
 */
import { z } from "zod";
import { InvalidOptionError } from "../core/errors.js";
import { columnFor, layoutFor } from "../data/columns.js";
import { Episode } from "../data/episode.js";
import type { WebAction } from "../envs/web/observation.js";
import { WEB_KEYS } from "../envs/web/observation.js";
import { WEB_TASKS } from "../envs/web/task-names.js";
import type { WebEnv } from "../envs/web/web-env.js";
import { fieldIndex } from "../experts/web-steps.js";
import { datasetNameSchema, ReplayMismatchError } from "./episode-replay.js";

const capturedActionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("click"), ref: z.number().int() }).strict(),
  z.object({ kind: z.literal("type"), ref: z.number().int(), text: z.string().max(10_000) }).strict(),
  z.object({ kind: z.literal("key"), key: z.enum(WEB_KEYS) }).strict(),
]);

/** What the page sends to keep a web episode. */
export const keptWebEpisodeSchema = z
  .object({
    dataset: datasetNameSchema,
    task: z.enum(WEB_TASKS),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    actions: z.array(capturedActionSchema).min(1, "must hold at least one action").max(1_000),
    /** The task's reward as the page saw it at the end. */
    reward: z.number().finite(),
  })
  .strict();

export type KeptWebEpisode = z.infer<typeof keptWebEpisodeSchema>;

/**
 * Replays a kept web episode in `env` (open on `kept.task`) and returns it as episode `id`.
 * Throws `ReplayMismatchError` when the replay ends early, does not end, or ends with another
 * reward than the page's; `InvalidOptionError` naming `actions[t]` when an action names an
 * element or text the replayed page does not have.
 */
export async function replayWebEpisode(env: WebEnv, kept: KeptWebEpisode, id: number): Promise<Episode> {
  const layout = layoutFor(env.observationSpace, "observation");
  const actionColumn = columnFor(env.actionSpace, "action");
  const steps = kept.actions.length;
  const observations = layout.create(steps + 1);
  const actions = actionColumn.create(steps);
  const rewards = new Float64Array(steps);
  let { observation } = await env.reset({ seed: kept.seed });
  layout.write(observation as never, observations, 0);
  let ended = false;
  let terminated = false;
  let truncated = false;
  for (let t = 0; t < steps; t++) {
    if (ended) {
      throw new ReplayMismatchError(
        `the replay of web:${kept.task} from seed ${kept.seed} ended after ${t} actions, but the page sent ${steps}; the episode was not stored.`,
      );
    }
    const captured = kept.actions[t]!;
    const seen = env.spaces.decodeObservation(observation);
    let action: WebAction;
    if (captured.kind === "key") action = { kind: "key", key: captured.key };
    else {
      const element = seen.elements.findIndex((e) => e.ref === captured.ref);
      if (element < 0) {
        throw new InvalidOptionError(
          `actions[${t}].ref`,
          `actions[${t}]: no element with ref ${captured.ref} in the replayed page's observation (${seen.elements.length} elements).`,
        );
      }
      if (captured.kind === "click") action = { kind: "click", element };
      else {
        const field = fieldIndex(seen, captured.text);
        if (field < 0) {
          throw new InvalidOptionError(
            `actions[${t}].text`,
            `actions[${t}]: typed ${JSON.stringify(captured.text)}, which is no field of the task (${seen.fields.map((f) => JSON.stringify(f.value)).join(", ") || "none"}); type only a field's text.`,
          );
        }
        action = { kind: "type", element, field };
      }
    }
    const encoded = env.spaces.encodeAction(action);
    const result = await env.step(encoded);
    actionColumn.write(encoded, actions, t);
    layout.write(result.observation as never, observations, t + 1);
    rewards[t] = result.reward;
    observation = result.observation;
    terminated = result.terminated;
    truncated = result.truncated;
    ended = terminated || truncated;
  }
  if (!ended) {
    throw new ReplayMismatchError(
      `the replay of web:${kept.task} from seed ${kept.seed} had not ended after ${steps} actions; only finished episodes are kept.`,
    );
  }
  const reward = rewards[steps - 1]!;
  if (Math.sign(reward) !== Math.sign(kept.reward)) {
    throw new ReplayMismatchError(
      `the replay of web:${kept.task} from seed ${kept.seed} ended with reward ${reward}, but the page saw ${kept.reward}; the episode was not stored.`,
    );
  }
  return new Episode({ id, observations, actions, rewards, terminated, truncated, seed: kept.seed });
}
