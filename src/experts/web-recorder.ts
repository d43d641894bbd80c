/**
 * @module
 * The web recorder: demonstrations of a web task recorded from a person working in a real
 * browser, as env episodes. `recordWebEpisodes` starts each episode in a `WebEnv`'s page (seeded
 * as the env seeds it), installs the capture script (`envs/web/capture-script.ts`), lets the
 * person — or a `drive` function standing in for one, given the Playwright page — act, and turns
 * what they did into the env's actions with the observation before each. Each finished episode is
 * handed to `onEpisode` before the next starts, so a caller that saves there (the CLI writes the
 * dataset atomically after every episode) loses nothing when the browser crashes mid-episode.
 *
 * `expertDriver` is a stand-in person: it reads the page, asks an expert what to do, and does it
 * with the mouse and keyboard (a click at the element's centre; a click then keystrokes to type),
 * so a recording made with it goes through the same event capture as a person's.
 */
import type { Page } from "playwright-core";
import { BrowserError, InvalidOptionError } from "../core/errors.js";
import type { TypedArray } from "../core/spaces/index.js";
import { columnFor, layoutFor } from "../data/columns.js";
import { Episode } from "../data/episode.js";
import { CAPTURE_SCRIPT, type CapturedStep, FLUSH_CAPTURED } from "../envs/web/capture-script.js";
import type { WebAction, WebObservation } from "../envs/web/observation.js";
import type { WebEnv } from "../envs/web/web-env.js";
import { observationFrom, type RecordedStep, stepFromCapture } from "./web-steps.js";

export interface RecordWebOptions {
  /** The task, open in its page (`createWebEnv({ task, headless: false })` for a person). */
  env: WebEnv;
  /** Episodes to keep (default 1). */
  episodes?: number;
  /** Seed of the first episode (default 0); the k-th attempt uses `seed + k`. */
  seed?: number;
  /**
   * Acts in the page in place of a person, and returns when it has done its part (the recorder
   * then waits for the task to end). Without it the recorder waits for a person.
   */
  drive?: (page: Page, episode: { seed: number; observation: WebObservation }) => Promise<void>;
  /** Called with each kept episode, before the next one starts (save it here). */
  onEpisode?: (episode: Episode, index: number) => Promise<void> | void;
  /** Told about every action that could not be recorded and every episode not kept, with the reason. */
  onWarning?: (message: string) => void;
  /** How long one episode may take in wall time (default 60 000 ms; the task's own timer usually ends it first). */
  episodeTimeoutMs?: number;
  /** Attempts at most (default: 3 × episodes): an episode with no recordable action is not kept. */
  maxAttempts?: number;
  /** Stops between episodes; the kept episodes are returned. */
  signal?: AbortSignal;
}

interface PagePoll {
  steps: CapturedStep[];
  done: boolean;
  reward: number;
  rawReward: number;
  episode: number;
}

/** Evaluated in the page: the captured steps so far (removed from the queue) and the task's status. */
export const POLL_CAPTURED = `(() => {
  const rec = window.__mimicRecorder;
  return {
    steps: rec ? rec.queue.splice(0, rec.queue.length) : [],
    // Not done while the action that ended the task still waits to be reported.
    done: !!WOB_DONE_GLOBAL && !(rec && rec.pending > 0),
    reward: +WOB_REWARD_GLOBAL,
    rawReward: +WOB_RAW_REWARD_GLOBAL,
    episode: WOB_EPISODE_ID,
  };
})()`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(
      name,
      `recordWebEpisodes: ${name} must be an integer ≥ ${min}, got ${value}.`,
    );
  }
  return value;
}

/** The episode the recorded steps make, with the observation after the last one. */
function buildEpisode(
  env: WebEnv,
  id: number,
  seed: number,
  steps: readonly RecordedStep[],
  final: WebObservation,
  finalReward: number,
): Episode {
  const layout = layoutFor(env.observationSpace, "observation");
  const actionColumn = columnFor(env.actionSpace, "action");
  const observations = layout.create(steps.length + 1);
  const actions = actionColumn.create(steps.length) as TypedArray;
  const rewards = new Float64Array(steps.length);
  steps.forEach((s, t) => {
    layout.write(env.spaces.encodeObservation(s.observation) as never, observations, t);
    actionColumn.write(env.spaces.encodeAction(s.action), actions, t);
  });
  layout.write(env.spaces.encodeObservation(final) as never, observations, steps.length);
  rewards[steps.length - 1] = finalReward;
  return new Episode({ id, observations, actions, rewards, terminated: true, truncated: false, seed });
}

/**
 * Records `episodes` episodes of a person (or `drive`) doing the env's task, and returns them.
 * Throws `BrowserError` when the browser dies; the episodes kept so far have then already gone to
 * `onEpisode`.
 */
export async function recordWebEpisodes(options: RecordWebOptions): Promise<Episode[]> {
  const { env } = options;
  const wanted = checkCount("episodes", options.episodes ?? 1, 1);
  const seed0 = checkCount("seed", options.seed ?? 0, 0);
  const timeout = checkCount("episodeTimeoutMs", options.episodeTimeoutMs ?? 60_000, 1);
  const maxAttempts = checkCount("maxAttempts", options.maxAttempts ?? 3 * wanted, wanted);
  const warn = options.onWarning ?? (() => {});
  const page = env.page;
  const kept: Episode[] = [];
  const pageCall = async <T>(what: string, script: string): Promise<T> => {
    try {
      return (await page.evaluate(script)) as T;
    } catch (error) {
      throw new BrowserError(
        `recording ${env.spec.id}: ${what} failed (${(error as Error).message.split("\n")[0]}); ` +
          `${kept.length} episode${kept.length === 1 ? " was" : "s were"} recorded before this and kept.`,
        { cause: error },
      );
    }
  };
  for (let attempt = 0; kept.length < wanted && attempt < maxAttempts; attempt++) {
    if (options.signal?.aborted) break;
    const seed = seed0 + attempt;
    const { observation } = await env.reset({ seed });
    await pageCall("installing the capture script", CAPTURE_SCRIPT);
    const start = await pageCall<PagePoll>("reading the page", POLL_CAPTURED);
    const steps: RecordedStep[] = [];
    /** This episode's captured actions as env steps; one that cannot be is dropped, with the reason. */
    const take = (captured: readonly CapturedStep[]) => {
      for (const c of captured) {
        if (c.episode !== start.episode) continue;
        const result = stepFromCapture(c, env.spaces);
        if ("step" in result) steps.push(result.step);
        else warn(`episode with seed ${seed}: an action was not recorded: ${result.skipped}.`);
      }
    };
    let status = start;
    let driverError: unknown;
    const driving = options.drive
      ? options
          .drive(page, { seed, observation: env.spaces.decodeObservation(observation) })
          .catch((error) => {
            driverError = error;
          })
      : Promise.resolve();
    const deadline = Date.now() + timeout;
    for (;;) {
      status = await pageCall<PagePoll>("reading the captured actions", POLL_CAPTURED);
      take(status.steps);
      if (status.done || driverError !== undefined || Date.now() > deadline) break;
      await sleep(25);
    }
    await driving;
    if (driverError !== undefined) throw driverError;
    if (!status.done) {
      warn(`episode with seed ${seed} did not end within ${timeout} ms; it is not kept.`);
      continue;
    }
    // Typing the person had not left yet, and a click into a field with no typing after it.
    await pageCall("flushing the last action", FLUSH_CAPTURED);
    const rest = await pageCall<PagePoll>("reading the captured actions", POLL_CAPTURED);
    take(rest.steps);
    if (steps.length === 0) {
      warn(
        `episode with seed ${seed} ended (reward ${status.reward}) before any action was recorded; it is not kept.`,
      );
      continue;
    }
    const final = env.spaces.decodeObservation((await env.observe()).observation);
    const episode = buildEpisode(
      env,
      kept.length,
      seed,
      steps,
      final,
      env.rawReward ? status.rawReward : status.reward,
    );
    kept.push(episode);
    await options.onEpisode?.(episode, kept.length - 1);
  }
  return kept;
}

/** Where a person would click an element: its centre. */
function centre(observation: WebObservation, element: number): { x: number; y: number } {
  const e = observation.elements[element]!;
  return { x: e.left + e.width / 2, y: e.top + e.height / 2 };
}

/** The page's observation now, read as the capture script reads it. */
async function readPage(page: Page, env: WebEnv): Promise<{ observation: WebObservation; done: boolean }> {
  const raw = (await page.evaluate(
    "({ dom: core.getDOMInfo(), utterance: core.getUtterance(), done: !!WOB_DONE_GLOBAL })",
  )) as { dom: unknown; utterance: unknown; done: boolean };
  return { observation: observationFrom(raw.dom, raw.utterance, env.spaces), done: raw.done };
}

/**
 * A stand-in person for `recordWebEpisodes`: until the task ends (or `maxSteps`), reads the
 * page, asks `expert` for an action, and performs it with the mouse and keyboard.
 */
export function expertDriver(
  env: WebEnv,
  expert: (observation: WebObservation) => WebAction,
  options: { maxSteps?: number; pauseMs?: number } = {},
): NonNullable<RecordWebOptions["drive"]> {
  const maxSteps = options.maxSteps ?? 20;
  const pause = options.pauseMs ?? 30;
  return async (page) => {
    for (let t = 0; t < maxSteps; t++) {
      const { observation, done } = await readPage(page, env);
      if (done) return;
      const action = expert(observation);
      if (action.kind === "key") {
        await page.keyboard.press(action.key === "Space" ? " " : action.key);
      } else {
        const { x, y } = centre(observation, action.element);
        await page.mouse.click(x, y);
        if (action.kind === "type") {
          await page.keyboard.press("Control+A");
          await page.keyboard.type(observation.fields[action.field]!.value, { delay: 5 });
        }
      }
      await sleep(pause);
    }
  };
}
