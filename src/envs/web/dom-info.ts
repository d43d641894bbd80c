/**
 * @module
 * From what a MiniWoB++-protocol page returns to a `WebObservation`: `core.getDOMInfo()`'s nested
 * elements flattened in document order, and `core.getUtterance()`'s utterance and fields.
 */
import type { DomElement, WebField } from "./observation.js";

/** One element of `core.getDOMInfo()`, in MiniWoB++'s schema (the fields mimic reads). */
export interface DomInfo {
  tag: string;
  ref: number;
  left: number;
  top: number;
  width: number;
  height: number;
  children: DomInfo[];
  id?: string;
  classes?: string;
  focused?: boolean;
  tampered?: boolean;
  /** An input's value; a boolean for a checkbox or radio. */
  value?: string | boolean;
  text?: string;
}

/** What `core.getUtterance()` returns: the text, or (mimic's tasks, some MiniWoB++ ones) text and fields. */
export type UtteranceInfo = string | { utterance: string; fields?: Record<string, unknown> };

/**
 * The elements of `root` depth first, in document order (each element before its children), with
 * each one's parent ref (0 for the root). Only the first `max` are kept; `dropped` counts the rest.
 */
export function flattenDomInfo(
  root: DomInfo | null | undefined,
  max: number,
): { elements: DomElement[]; dropped: number } {
  const elements: DomElement[] = [];
  let dropped = 0;
  const visit = (node: DomInfo, parent: number): void => {
    if (elements.length < max) {
      const checkable = typeof node.value === "boolean";
      elements.push({
        ref: node.ref,
        parent,
        tag: node.tag,
        text: node.text ?? "",
        value: node.value === undefined ? "" : String(node.value),
        left: node.left,
        top: node.top,
        width: node.width,
        height: node.height,
        focused: node.focused === true,
        checked: checkable && node.value === true,
        tampered: node.tampered === true,
      });
    } else {
      dropped++;
    }
    for (const child of node.children ?? []) visit(child, node.ref);
  };
  if (root) visit(root, 0);
  return { elements, dropped };
}

/**
 * The utterance and its fields. When the page gives fields (`{ utterance, fields }`), they are
 * used as given, in the order given. Otherwise the fields are the utterance's double-quoted
 * substrings, keyed by position: `Enter "kasey" and "x7k"` gives `0 → kasey`, `1 → x7k`.
 * (MiniWoB++'s Python package has a regular expression per task to name its fields; those are not
 * ported, so its tasks' fields here are positional.)
 */
export function readUtterance(info: UtteranceInfo): { utterance: string; fields: WebField[] } {
  if (typeof info === "string") return { utterance: info, fields: quotedFields(info) };
  const utterance = String(info.utterance ?? "");
  if (info.fields === undefined || info.fields === null)
    return { utterance, fields: quotedFields(utterance) };
  return {
    utterance,
    fields: Object.entries(info.fields).map(([key, value]) => ({ key, value: String(value) })),
  };
}

/** The double-quoted substrings of `text`, keyed `"0"`, `"1"`, … */
export function quotedFields(text: string): WebField[] {
  return [...text.matchAll(/"([^"]*)"/g)].map((match, i) => ({ key: String(i), value: match[1]! }));
}
