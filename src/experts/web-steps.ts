/**
 * @module
 * From what the recorder's page script captured (`CapturedStep`: the DOM and utterance before an
 * action, and the action by ref and text) to env steps: a `WebObservation` and a `WebAction` that
 * indexes that observation's elements and fields, as `WebEnv.step` takes it. A step that cannot be
 * one of the env's actions (typed text that is no field of the task, an element past the
 * observation's size) is dropped with a warning that says why, rather than recorded wrongly.
 */
import type { CapturedStep } from "../envs/web/capture-script.js";
import { type DomInfo, flattenDomInfo, readUtterance, type UtteranceInfo } from "../envs/web/dom-info.js";
import type { WebAction, WebKey, WebObservation, WebSpaces } from "../envs/web/observation.js";
import { WEB_KEYS } from "../envs/web/observation.js";

/** An env step rebuilt from a captured one. */
export interface RecordedStep {
  observation: WebObservation;
  action: WebAction;
  done: boolean;
  reward: number;
  rawReward: number;
  reason: string | null;
}

/** The observation a captured DOM and utterance stand for, at the spaces' sizes. */
export function observationFrom(dom: unknown, utterance: unknown, spaces: WebSpaces): WebObservation {
  const { elements } = flattenDomInfo(dom as DomInfo, spaces.sizes.maxElements);
  const { utterance: text, fields } = readUtterance(utterance as UtteranceInfo);
  return { utterance: text, fields, elements };
}

/** The index of the field whose value is `text`: exact, else trimmed and case-folded; -1 when none. */
export function fieldIndex(observation: WebObservation, text: string): number {
  const exact = observation.fields.findIndex((f) => f.value === text);
  if (exact >= 0) return exact;
  const fold = (s: string) => s.trim().toLowerCase();
  return observation.fields.findIndex((f) => fold(f.value) === fold(text));
}

/**
 * The env step of one captured step, or a reason it cannot be one. `spaces` bounds the element
 * and field indices as the dataset will store them.
 */
export function stepFromCapture(
  captured: CapturedStep,
  spaces: WebSpaces,
): { step: RecordedStep } | { skipped: string } {
  const observation = observationFrom(captured.dom, captured.utterance, spaces);
  const status = {
    done: captured.done,
    reward: captured.reward,
    rawReward: captured.rawReward,
    reason: captured.reason,
  };
  if (captured.kind === "key") {
    const key = captured.key as WebKey;
    if (!WEB_KEYS.includes(key))
      return { skipped: `key ${JSON.stringify(captured.key)} is not one of ${WEB_KEYS.join(", ")}` };
    return { step: { observation, action: { kind: "key", key }, ...status } };
  }
  const element = observation.elements.findIndex((e) => e.ref === captured.ref);
  if (element < 0) {
    return {
      skipped: `the ${captured.kind} was on an element (ref ${captured.ref}) that is not among the observation's first ${spaces.sizes.maxElements} visible elements`,
    };
  }
  if (captured.kind === "click")
    return { step: { observation, action: { kind: "click", element }, ...status } };
  const text = captured.text ?? "";
  const field = fieldIndex(observation, text);
  if (field < 0 || field >= spaces.sizes.maxFields) {
    const known = observation.fields.map((f) => JSON.stringify(f.value)).join(", ");
    return {
      skipped: `typed ${JSON.stringify(text)}, which is not the text of any of the task's fields (${known || "it has none"}); a type action can only enter a field's text`,
    };
  }
  return { step: { observation, action: { kind: "type", element, field }, ...status } };
}
