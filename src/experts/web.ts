/**
 * Scripted experts for the built-in web tasks (`WEB_TASKS`).
 *
 * ## What they do
 * Each reads one decoded observation (the utterance's fields and the visible elements, never the
 * page itself) and returns the next action, so it needs no memory and can label any state DAgger
 * visits: it compares what the page shows with what the fields ask for and fixes the first
 * difference, and presses the final button once nothing is left to fix. It never presses a key.
 *
 * | task | the expert |
 * | --- | --- |
 * | click-button, click-dialog | click the BUTTON whose text is `target` |
 * | click-link | click the A whose text is `target` |
 * | click-list-item | click the LI whose text is `target` |
 * | click-tab | click the A `target` when it is visible, else the tab (SPAN) named `tab` |
 * | click-checkboxes | click the first checkbox whose state is wrong (its word is the text beside it in its LABEL), else Submit |
 * | click-option | click the radio beside `target` unless it is checked, else Submit |
 * | enter-text | type `target` into the text field unless it holds it, else Submit |
 * | enter-password | type `password` into the first password field that does not hold it, else Submit |
 * | login-user | type `username`, then `password`, into the fields that do not hold them, else Login |
 *
 * ## Measured
 * Every task, seeds 0–19: the expert solves all 20 episodes (test/web-env.test.ts asks for ≥ 19).
 *
 * @module
 */
import { InvalidActionError, InvalidOptionError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import {
  type EncodedWebObservation,
  type WebAction,
  type WebObservation,
  type WebSpaceOptions,
  webSpaces,
} from "../envs/web/observation.js";
import { isWebTaskName, WEB_TASKS, type WebTaskName } from "../envs/web/tasks.js";
import type { Expert } from "./expert.js";

/** A web expert on decoded observations. */
export type WebActor = (observation: WebObservation) => WebAction;

/** A web expert on the env's encoded observations and actions: a `Policy` and an `Expert` at once. */
export interface WebExpert
  extends Policy<EncodedWebObservation, Int32Array>,
    Expert<EncodedWebObservation, Int32Array> {
  readonly name: string;
  /** The same expert on decoded observations. */
  readonly actor: WebActor;
}

// ------------------------------------------------------------------------------------------------
// Reading an observation.
// ------------------------------------------------------------------------------------------------

/** Where an expert could not find what it needs: the task's page is not what it expects. */
function missing(task: string, what: string, observation: WebObservation): InvalidActionError {
  const seen = observation.elements.map((e) => `${e.tag}${e.text ? ` "${e.text}"` : ""}`).join(", ");
  return new InvalidActionError(
    `web expert ${task}: ${what} is not in the observation (utterance ${JSON.stringify(observation.utterance)}; elements: ${seen}). Was the env made with fewer maxElements than the page has?`,
  );
}

/** The value of the field `key`, and its index (for a type action). */
function field(task: string, observation: WebObservation, key: string): { index: number; value: string } {
  const index = observation.fields.findIndex((f) => f.key === key);
  if (index < 0) throw missing(task, `the field ${JSON.stringify(key)}`, observation);
  return { index, value: observation.fields[index]!.value };
}

/** The index of the first element with `tag` and `text`. */
function find(task: string, observation: WebObservation, tag: string, text: string): number {
  const index = observation.elements.findIndex((e) => e.tag === tag && e.text === text);
  if (index < 0) throw missing(task, `a ${tag} with text ${JSON.stringify(text)}`, observation);
  return index;
}

/** The indices of the elements with `tag`, in document order. */
function all(observation: WebObservation, tag: string): number[] {
  return observation.elements.flatMap((e, i) => (e.tag === tag ? [i] : []));
}

/** The word beside a checkbox or radio: the text line that shares its parent (the LABEL). */
function labelOf(observation: WebObservation, index: number): string {
  const input = observation.elements[index]!;
  return observation.elements.find((e) => e.tag === "t" && e.parent === input.parent)?.text ?? "";
}

const click = (element: number): WebAction => ({ kind: "click", element });

/** Types field `key` into the first of `inputs` that does not hold its value; undefined when all do. */
function fill(
  task: string,
  observation: WebObservation,
  pairs: readonly { input: number; key: string }[],
): WebAction | undefined {
  for (const { input, key } of pairs) {
    const want = field(task, observation, key);
    if (observation.elements[input]!.value !== want.value) {
      return { kind: "type", element: input, field: want.index };
    }
  }
  return undefined;
}

function firstOf(task: string, observation: WebObservation, tag: string, nth = 0): number {
  const index = all(observation, tag)[nth];
  if (index === undefined) throw missing(task, `${tag} number ${nth + 1}`, observation);
  return index;
}

// ------------------------------------------------------------------------------------------------
// The experts.
// ------------------------------------------------------------------------------------------------

const actors: Readonly<Record<WebTaskName, WebActor>> = {
  "click-button": (o) => click(find("click-button", o, "BUTTON", field("click-button", o, "target").value)),
  "click-dialog": (o) => click(find("click-dialog", o, "BUTTON", field("click-dialog", o, "target").value)),
  "click-link": (o) => click(find("click-link", o, "A", field("click-link", o, "target").value)),
  "click-list-item": (o) =>
    click(find("click-list-item", o, "LI", field("click-list-item", o, "target").value)),

  "click-tab": (o) => {
    const target = field("click-tab", o, "target").value;
    const link = o.elements.findIndex((e) => e.tag === "A" && e.text === target);
    if (link >= 0) return click(link);
    return click(find("click-tab", o, "SPAN", field("click-tab", o, "tab").value));
  },

  "click-checkboxes": (o) => {
    const targets = new Set(o.fields.filter((f) => f.key.startsWith("target")).map((f) => f.value));
    const wrong = all(o, "INPUT_checkbox").find((i) => o.elements[i]!.checked !== targets.has(labelOf(o, i)));
    return click(wrong ?? find("click-checkboxes", o, "BUTTON", "Submit"));
  },

  "click-option": (o) => {
    const target = field("click-option", o, "target").value;
    const radio = all(o, "INPUT_radio").find((i) => labelOf(o, i) === target);
    if (radio === undefined) throw missing("click-option", `the radio button ${JSON.stringify(target)}`, o);
    return click(o.elements[radio]!.checked ? find("click-option", o, "BUTTON", "Submit") : radio);
  },

  "enter-text": (o) =>
    fill("enter-text", o, [{ input: firstOf("enter-text", o, "INPUT_text"), key: "target" }]) ??
    click(find("enter-text", o, "BUTTON", "Submit")),

  "enter-password": (o) =>
    fill("enter-password", o, [
      { input: firstOf("enter-password", o, "INPUT_password", 0), key: "password" },
      { input: firstOf("enter-password", o, "INPUT_password", 1), key: "password" },
    ]) ?? click(find("enter-password", o, "BUTTON", "Submit")),

  "login-user": (o) =>
    fill("login-user", o, [
      { input: firstOf("login-user", o, "INPUT_text"), key: "username" },
      { input: firstOf("login-user", o, "INPUT_password"), key: "password" },
    ]) ?? click(find("login-user", o, "BUTTON", "Login")),
};

/** The scripted expert of a built-in web task, on decoded observations. */
export function webActor(task: string): WebActor {
  if (!isWebTaskName(task)) {
    throw new InvalidOptionError(
      "task",
      `No scripted web expert for ${JSON.stringify(task)}: there is one for each built-in task (${WEB_TASKS.join(", ")}).`,
    );
  }
  return actors[task];
}

/**
 * The scripted expert of a built-in web task on the env's encoded observations and actions, for
 * `collect` (as a Policy) and DAgger (as an Expert). `spaces` must be the env's
 * (`createWebEnv({ spaces })`).
 */
export function webExpert(task: string, spaces: WebSpaceOptions = {}): WebExpert {
  const actor = webActor(task);
  const codec = webSpaces(spaces);
  const act = (observation: EncodedWebObservation): Int32Array =>
    codec.encodeAction(actor(codec.decodeObservation(observation)));
  return {
    name: `scripted (web ${task})`,
    actor,
    act,
    label: (observations) => observations.map(act),
  };
}
