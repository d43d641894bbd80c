/**
 * @module
 * What a pointer-network policy (`DomPolicy`) reads of a web observation: one feature row per
 * *item*, where the items are the N element slots of the encoding (`maxElements`, padding past the
 * page's elements) followed by K key items, one per `WEB_KEYS` entry; and which *candidates*
 * (actions) are valid. Pure TypeScript, no engine.
 *
 * The features are meant to let a policy trained on 3–10 demonstrations act on new pages with new
 * words, so beside word identity they spell out the relations a task statement is made of (this
 * element's text is field 1's value; this input is labelled with field 0's key; this text is
 * quoted in the utterance). Groups, in row order (offsets in `DomFeatureLayout.groups`):
 *
 * | group | width | what |
 * | --- | --- | --- |
 * | `kind` | 2 | is an element, is a key (padding items are all zeros) |
 * | `tag` | `TAG_VOCABULARY.length` | the tag, one-hot (`H1`…`H6` are `H`, other inputs `INPUT_other`, anything else `other`) |
 * | `flags` | 6 | focused, checked, tampered, value empty, text empty, typeable (a text-like input or a textarea) |
 * | `box` | 6 | left, top, width, height, centre x, centre y, over the 160 × 210 task area (a non-finite coordinate is 0) |
 * | `rank` | F + 1 | a typeable element's rank among the typeable elements in reading order (top, then left), one-hot; the last entry is "F or later" |
 * | `field` | 8 · F | per field j: field j exists, text = value_j, text ⊃ value_j, text ⊂ value_j, element value = value_j, key_j's words in the text, key_j's words in the label (below), the element is the (j + 1)-th typeable one in reading order (field j ↔ j-th input, for forms whose fields are positional, as MiniWoB++'s own pages are here); key items have only "field j exists" |
 * | `utterance` | 5 | fraction of the text's words that occur in the utterance, the text occurs in it as a phrase, the text is quoted in it, fraction of the label's words in it, the label occurs in it as a phrase |
 * | `words` | `textBuckets` | hashed bag of the text's words (presence) |
 * | `task` | `utteranceBuckets` | hashed bag of the utterance's words, the same on every item: which task this is |
 * | `key` | K | the key, one-hot (key items only) |
 *
 * Comparisons of text are case-insensitive on trimmed text with runs of white space collapsed; ⊃
 * and ⊂ need both sides non-empty and compare whole words. A key item's "text" is its key's name
 * in words (`ArrowUp` → "arrow up"), so "press Enter" points at Enter. An element's *label* is the
 * element with text, not itself an input, to its left on the same line or above it whose box is
 * nearest (MiniWoB++'s forms put `<label>Username</label>` beside or over the input), except that an
 * input inside a `<label>` takes that label's own text line (`<label><input>word</label>`, the
 * checkboxes and radios); only inputs, textareas and selects have one. Ranks and labels use reading order with ties broken by `ref`,
 * never the element's index in the list, so permuting the elements permutes the item rows.
 *
 * Candidates, `[items, 1 + F]`: column 0 of an element item is click(element), of a key item
 * press(key); column 1 + j of an element item is type(element, field j). Valid are: click on every
 * present element, type on present typeable elements × present fields, and every key.
 */
import { InvalidOptionError, ShapeMismatchError } from "../core/errors.js";
import { Box, DictSpace, type Space } from "../core/spaces/index.js";
import {
  type DomElement,
  type EncodedWebObservation,
  WEB_KEYS,
  type WebObservation,
  type WebSpaceOptions,
  type WebSpaces,
  webSpaces,
} from "../envs/web/observation.js";

/** The task area MiniWoB++ draws in (CSS pixels); boxes are divided by it. */
export const TASK_WIDTH = 160;
export const TASK_HEIGHT = 210;

/** The tags the `tag` group tells apart; the last is everything else. */
export const TAG_VOCABULARY = [
  "BUTTON",
  "A",
  "INPUT_text",
  "INPUT_password",
  "INPUT_checkbox",
  "INPUT_radio",
  "INPUT_submit",
  "INPUT_email",
  "INPUT_number",
  "INPUT_other",
  "TEXTAREA",
  "SELECT",
  "OPTION",
  "LABEL",
  "SPAN",
  "DIV",
  "LI",
  "UL",
  "OL",
  "P",
  "H",
  "TD",
  "FORM",
  "IMG",
  "t",
  "other",
] as const;

const TYPEABLE_INPUTS = new Set(["text", "password", "email", "number", "search", "tel", "url"]);

/** Whether `type(element, field)` applies: text-like inputs (`INPUT_text`, `INPUT_password`, …) and textareas. */
export function isTypeable(tag: string): boolean {
  if (tag === "TEXTAREA" || tag === "INPUT") return true;
  return tag.startsWith("INPUT_") && TYPEABLE_INPUTS.has(tag.slice(6).toLowerCase());
}

/** The `tag` group's index of a tag. */
export function tagIndex(tag: string): number {
  const known = (TAG_VOCABULARY as readonly string[]).indexOf(tag);
  if (known >= 0) return known;
  if (/^H[1-6]$/.test(tag)) return TAG_VOCABULARY.indexOf("H");
  if (tag.startsWith("INPUT")) return TAG_VOCABULARY.indexOf("INPUT_other");
  return TAG_VOCABULARY.length - 1;
}

export interface DomFeatureOptions {
  /** Element items (the encoding's `maxElements`). */
  maxElements: number;
  /** Fields (the encoding's `maxFields`). */
  maxFields: number;
  /** Buckets of the hashed bag of an element's words (default 32). */
  textBuckets?: number;
  /** Buckets of the hashed bag of the utterance's words (default 32). */
  utteranceBuckets?: number;
}

/** Where each feature group starts in an item row, and the sizes. */
export interface DomFeatureLayout {
  readonly maxElements: number;
  readonly maxFields: number;
  readonly keys: number;
  /** N + K. */
  readonly items: number;
  /** Features per item. */
  readonly width: number;
  /** Candidates per item, 1 + F. */
  readonly columns: number;
  readonly textBuckets: number;
  readonly utteranceBuckets: number;
  readonly groups: Readonly<Record<FeatureGroup, { offset: number; size: number }>>;
}

export type FeatureGroup =
  | "kind"
  | "tag"
  | "flags"
  | "box"
  | "rank"
  | "field"
  | "utterance"
  | "words"
  | "task"
  | "key";

/** Features per field in the `field` group. */
export const FIELD_FEATURES = 8;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(
      name,
      `DOM features: ${name} must be a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}

export function domFeatureLayout(options: DomFeatureOptions): DomFeatureLayout {
  const maxElements = positiveInteger("maxElements", options.maxElements);
  const maxFields = positiveInteger("maxFields", options.maxFields);
  const textBuckets = positiveInteger("textBuckets", options.textBuckets ?? 32);
  const utteranceBuckets = positiveInteger("utteranceBuckets", options.utteranceBuckets ?? 32);
  const keys = WEB_KEYS.length;
  const sizes: [FeatureGroup, number][] = [
    ["kind", 2],
    ["tag", TAG_VOCABULARY.length],
    ["flags", 6],
    ["box", 6],
    ["rank", maxFields + 1],
    ["field", FIELD_FEATURES * maxFields],
    ["utterance", 5],
    ["words", textBuckets],
    ["task", utteranceBuckets],
    ["key", keys],
  ];
  const groups = {} as Record<FeatureGroup, { offset: number; size: number }>;
  let offset = 0;
  for (const [name, size] of sizes) {
    groups[name] = { offset, size };
    offset += size;
  }
  return {
    maxElements,
    maxFields,
    keys,
    items: maxElements + keys,
    width: offset,
    columns: 1 + maxFields,
    textBuckets,
    utteranceBuckets,
    groups,
  };
}

/** One observation's items: features `[items, width]`, item mask `[items]`, candidates `[items, columns]`. */
export interface DomItems {
  features: Float32Array;
  itemMask: Float32Array;
  candidates: Uint8Array;
}

/** Zeroed item arrays for `rows` observations. */
export function createDomItems(layout: DomFeatureLayout, rows = 1): DomItems {
  return {
    features: new Float32Array(rows * layout.items * layout.width),
    itemMask: new Float32Array(rows * layout.items),
    candidates: new Uint8Array(rows * layout.items * layout.columns),
  };
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** Lower-case words (runs of letters and digits). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

/** Trimmed, lower-case, white space collapsed. */
function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}

/** 32-bit FNV-1a of a word, into `buckets`. */
export function hashBucket(word: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}

/** Whether the words of `inner` occur in `outer`'s words as one run (both non-empty). */
function phraseIn(inner: readonly string[], outer: readonly string[]): boolean {
  if (inner.length === 0 || outer.length < inner.length) return false;
  for (let s = 0; s + inner.length <= outer.length; s++) {
    let k = 0;
    while (k < inner.length && outer[s + k] === inner[k]) k++;
    if (k === inner.length) return true;
  }
  return false;
}

/** What is compared of one text: its normal form and its words. */
interface Text {
  norm: string;
  words: string[];
}

function text(s: string): Text {
  return { norm: normalize(s), words: words(s) };
}

/** Fraction of `t`'s words that are in `set` (0 for no words). */
function overlap(t: Text, set: ReadonlySet<string>): number {
  if (t.words.length === 0) return 0;
  let n = 0;
  for (const w of t.words) if (set.has(w)) n++;
  return n / t.words.length;
}

/** The texts the utterance puts in double quotes (straight or curly), normalized. */
function quoted(utterance: string): Set<string> {
  const out = new Set<string>();
  for (const m of utterance.matchAll(/["“”]([^"“”]+)["“”]/g)) out.add(normalize(m[1]!));
  return out;
}

/** A key's name as words: `ArrowUp` → "arrow up". */
function keyText(key: string): Text {
  return text(key.replace(/([a-z])([A-Z])/g, "$1 $2"));
}

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

/** A box coordinate, or 0 for a missing (NaN, infinite) one. */
const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

/** Reading order: top, then left, then ref. */
function readingOrder(a: DomElement, b: DomElement): number {
  return a.top - b.top || a.left - b.left || a.ref - b.ref;
}

const labelled = (tag: string) => isTypeable(tag) || tag.startsWith("INPUT") || tag === "SELECT";

/**
 * The index of `elements[i]`'s label: of the elements with text (not inputs) whose centre is left
 * of the element's on the same line, or whose box ends above the element's top and overlaps it
 * horizontally, the one whose box is nearest the element's box (the gap between the boxes);
 * −1 for none, or for an element that takes no label.
 */
function labelOf(elements: readonly DomElement[], i: number): number {
  const e = elements[i]!;
  if (!labelled(e.tag)) return -1;
  // Inside a <label> (MiniWoB++'s checkboxes and radios: <label><input>word</label>), the label
  // is the label's own text line beside the input.
  const parent = e.parent === 0 ? -1 : elements.findIndex((c) => c.ref === e.parent);
  if (parent >= 0 && elements[parent]!.tag === "LABEL") {
    let line = -1;
    elements.forEach((c, j) => {
      if (j === i || c.parent !== e.parent || c.text.trim() === "") return;
      if (line < 0 || readingOrder(c, elements[line]!) < 0) line = j;
    });
    if (line >= 0) return line;
  }
  const cx = e.left + e.width / 2;
  const cy = e.top + e.height / 2;
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  elements.forEach((c, j) => {
    if (j === i || c.text.trim() === "" || labelled(c.tag)) return;
    const ccx = c.left + c.width / 2;
    const ccy = c.top + c.height / 2;
    const sameLine = Math.abs(ccy - cy) <= Math.max(e.height, c.height) / 2 && ccx < cx;
    const above = c.top + c.height <= e.top + 2 && c.left < e.left + e.width && c.left + c.width > e.left;
    if (!sameLine && !above) return;
    const dx = Math.max(0, c.left - (e.left + e.width), e.left - (c.left + c.width));
    const dy = Math.max(0, c.top - (e.top + e.height), e.top - (c.top + c.height));
    const distance = Math.hypot(dx, dy);
    if (distance < bestDistance || (distance === bestDistance && readingOrder(c, elements[best]!) < 0)) {
      best = j;
      bestDistance = distance;
    }
  });
  return best;
}

// ---------------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------------

/**
 * Writes observation `observation`'s items into row `row` of `out` (which `createDomItems` made
 * for `layout`), overwriting what was there. Elements past `maxElements` and fields past
 * `maxFields` are left out, as the encoding leaves them out.
 */
export function writeDomItems(
  observation: WebObservation,
  layout: DomFeatureLayout,
  out: DomItems,
  row = 0,
): void {
  const { items, width, columns, maxElements, maxFields, groups } = layout;
  const base = row * items * width;
  if (out.features.length < base + items * width) {
    throw new ShapeMismatchError(
      `DOM features: row ${row} does not fit in arrays made for ${out.features.length / (items * width)} rows.`,
    );
  }
  const f = out.features;
  f.fill(0, base, base + items * width);
  out.itemMask.fill(0, row * items, (row + 1) * items);
  out.candidates.fill(0, row * items * columns, (row + 1) * items * columns);
  const elements = observation.elements.slice(0, maxElements);
  const fields = observation.fields.slice(0, maxFields);
  const utterance = text(observation.utterance);
  const utteranceWords = new Set(utterance.words);
  const quotes = quoted(observation.utterance);
  const values = fields.map((x) => text(x.value));
  const keys = fields.map((x) => words(x.key));
  // Shared by every item: the task's words.
  const task = new Float32Array(layout.utteranceBuckets);
  for (const w of utterance.words) task[hashBucket(w, layout.utteranceBuckets)] = 1;

  const relate = (at: number, t: Text, label: Text | null) => {
    const u = at + groups.utterance.offset;
    f[u] = overlap(t, utteranceWords);
    f[u + 1] = phraseIn(t.words, utterance.words) ? 1 : 0;
    f[u + 2] = t.norm !== "" && quotes.has(t.norm) ? 1 : 0;
    if (label !== null) {
      f[u + 3] = overlap(label, utteranceWords);
      f[u + 4] = phraseIn(label.words, utterance.words) ? 1 : 0;
    }
    for (const w of t.words) f[at + groups.words.offset + hashBucket(w, layout.textBuckets)] = 1;
    f.set(task, at + groups.task.offset);
  };

  // Typeable elements' ranks in reading order.
  const typeable = elements.map((e) => isTypeable(e.tag));
  const rank = new Int32Array(elements.length).fill(-1);
  elements
    .map((e, i) => ({ e, i }))
    .filter(({ i }) => typeable[i])
    .sort((a, b) => readingOrder(a.e, b.e))
    .forEach(({ i }, r) => {
      rank[i] = r;
    });

  elements.forEach((e, i) => {
    const at = base + i * width;
    out.itemMask[row * items + i] = 1;
    f[at + groups.kind.offset] = 1;
    f[at + groups.tag.offset + tagIndex(e.tag)] = 1;
    const fl = at + groups.flags.offset;
    f[fl] = e.focused ? 1 : 0;
    f[fl + 1] = e.checked ? 1 : 0;
    f[fl + 2] = e.tampered ? 1 : 0;
    f[fl + 3] = e.value.trim() === "" ? 1 : 0;
    f[fl + 4] = e.text.trim() === "" ? 1 : 0;
    f[fl + 5] = typeable[i] ? 1 : 0;
    const b = at + groups.box.offset;
    f[b] = finite(e.left / TASK_WIDTH);
    f[b + 1] = finite(e.top / TASK_HEIGHT);
    f[b + 2] = finite(e.width / TASK_WIDTH);
    f[b + 3] = finite(e.height / TASK_HEIGHT);
    f[b + 4] = finite((e.left + e.width / 2) / TASK_WIDTH);
    f[b + 5] = finite((e.top + e.height / 2) / TASK_HEIGHT);
    if (rank[i]! >= 0) f[at + groups.rank.offset + Math.min(rank[i]!, maxFields)] = 1;
    const t = text(e.text);
    const v = text(e.value);
    const l = labelOf(elements, i);
    const label = l >= 0 ? text(elements[l]!.text) : null;
    const labelWords = new Set(label?.words ?? []);
    const textWords = new Set(t.words);
    fields.forEach((_, j) => {
      const x = at + groups.field.offset + FIELD_FEATURES * j;
      const value = values[j]!;
      const key = keys[j]!;
      f[x] = 1;
      f[x + 1] = t.norm !== "" && t.norm === value.norm ? 1 : 0;
      f[x + 2] = value.words.length > 0 && phraseIn(value.words, t.words) ? 1 : 0;
      f[x + 3] = t.words.length > 0 && phraseIn(t.words, value.words) ? 1 : 0;
      f[x + 4] = v.norm !== "" && v.norm === value.norm ? 1 : 0;
      f[x + 5] = key.length > 0 && key.every((w) => textWords.has(w)) ? 1 : 0;
      f[x + 6] = key.length > 0 && key.every((w) => labelWords.has(w)) ? 1 : 0;
      f[x + 7] = rank[i] === j ? 1 : 0;
    });
    relate(at, t, label);
    const c = (row * items + i) * columns;
    out.candidates[c] = 1;
    if (typeable[i]) for (let j = 0; j < fields.length; j++) out.candidates[c + 1 + j] = 1;
  });

  WEB_KEYS.forEach((key, k) => {
    const i = maxElements + k;
    const at = base + i * width;
    out.itemMask[row * items + i] = 1;
    f[at + groups.kind.offset + 1] = 1;
    f[at + groups.key.offset + k] = 1;
    for (let j = 0; j < fields.length; j++) f[at + groups.field.offset + FIELD_FEATURES * j] = 1;
    relate(at, keyText(key), null);
    out.candidates[(row * items + i) * columns] = 1;
  });
}

/** One observation's items (`writeDomItems` into new arrays). */
export function domItems(observation: WebObservation, layout: DomFeatureLayout): DomItems {
  const out = createDomItems(layout, 1);
  writeDomItems(observation, layout, out, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Candidates ↔ actions
// ---------------------------------------------------------------------------------------------

/** The candidate index (item · columns + column) of an encoded action `[kind, element, arg]`. */
export function candidateOf(action: ArrayLike<number>, layout: DomFeatureLayout): number {
  const [kind, element, arg] = [action[0]!, action[1]!, action[2]!];
  if (kind === 0) return element * layout.columns;
  if (kind === 1) return element * layout.columns + 1 + arg;
  return (layout.maxElements + arg) * layout.columns;
}

/** The encoded action `[kind, element, arg]` of a candidate index. */
export function actionOf(candidate: number, layout: DomFeatureLayout, out = new Int32Array(3)): Int32Array {
  const item = Math.floor(candidate / layout.columns);
  const column = candidate % layout.columns;
  if (item >= layout.maxElements) out.set([2, 0, item - layout.maxElements]);
  else if (column === 0) out.set([0, item, 0]);
  else out.set([1, item, column - 1]);
  return out;
}

/** An encoded action `[kind, element, arg]` in words, for messages: `click(element 3)`. */
export function describeAction(action: ArrayLike<number>): string {
  const [kind, element, arg] = [action[0]!, action[1]!, action[2]!];
  if (kind === 0) return `click(element ${element})`;
  if (kind === 1) return `type(element ${element}, field ${arg})`;
  return `key(${WEB_KEYS[arg] ?? `#${arg}`})`;
}

/**
 * Why `action` is not a valid candidate of `observation`, or null when it is: a click or type of a
 * missing element, a type into an element that takes no text or of a missing field, a key
 * outside `WEB_KEYS`, a kind outside 0–2.
 */
export function explainCandidate(
  action: ArrayLike<number>,
  observation: WebObservation,
  layout: DomFeatureLayout,
): string | null {
  const [kind, element, arg] = [action[0]!, action[1]!, action[2]!];
  const present = Math.min(observation.elements.length, layout.maxElements);
  const fields = Math.min(observation.fields.length, layout.maxFields);
  if (kind === 2) {
    return Number.isInteger(arg) && arg >= 0 && arg < WEB_KEYS.length
      ? null
      : `key index ${arg} is not one of the ${WEB_KEYS.length} keys (${WEB_KEYS.join(", ")})`;
  }
  if (kind !== 0 && kind !== 1) return `kind ${kind} is not 0 (click), 1 (type) or 2 (key)`;
  const what = kind === 0 ? "click" : "type";
  if (!Number.isInteger(element) || element < 0 || element >= present) {
    return `${what} names element ${element}, but the observation has ${present} element${present === 1 ? "" : "s"}${present > 0 ? ` (indices 0–${present - 1})` : ""}`;
  }
  if (kind === 1) {
    const tag = observation.elements[element]!.tag;
    if (!isTypeable(tag))
      return `type names element ${element}, a ${tag}, which takes no text (only text-like inputs and textareas do)`;
    if (!Number.isInteger(arg) || arg < 0 || arg >= fields) {
      return `type names field ${arg}, but the task has ${fields} field${fields === 1 ? "" : "s"}`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Spaces
// ---------------------------------------------------------------------------------------------

/** The leaf paths of `webSpaces().observation`, as `layoutFor` names them. */
export const WEB_LEAVES = [
  "elements/numbers",
  "elements/tag",
  "elements/text",
  "elements/value",
  "fields",
  "utterance",
] as const;

/**
 * The sizes `webSpaces(sizes)` was called with to make `space`, read off its leaves' shapes; a
 * `ShapeMismatchError` naming the leaf when `space` is not a web observation space.
 */
export function webSizesOf(space: Space): WebSpaceOptions {
  const bad = (why: string): never => {
    throw new ShapeMismatchError(
      `${space} is not a web observation space (webSpaces().observation): ${why}.`,
    );
  };
  if (!(space instanceof DictSpace)) return bad("it is not a Dict");
  const box = (s: Space | undefined, path: string, rank: number): Box => {
    if (!(s instanceof Box) || s.shape.length !== rank) return bad(`"${path}" is not a Box of rank ${rank}`);
    return s;
  };
  const elements = space.spaces.elements;
  if (!(elements instanceof DictSpace)) return bad(`"elements" is not a Dict`);
  const tag = box(elements.spaces.tag, "elements/tag", 2);
  const textBox = box(elements.spaces.text, "elements/text", 2);
  const utterance = box(space.spaces.utterance, "utterance", 1);
  const fields = box(space.spaces.fields, "fields", 3);
  const sizes: WebSpaceOptions = {
    maxElements: tag.shape[0]!,
    tagBytes: tag.shape[1]!,
    textBytes: textBox.shape[1]!,
    utteranceBytes: utterance.shape[0]!,
    maxFields: fields.shape[0]!,
  };
  const shot = space.spaces.screenshot;
  if (shot !== undefined) {
    const s = box(shot, "screenshot", 3);
    sizes.screenshot = { height: s.shape[0]!, width: s.shape[1]! };
  }
  const expected = webSpaces(sizes).observation;
  if (JSON.stringify(expected.toJSON()) !== JSON.stringify(space.toJSON())) {
    return bad(`its leaves do not match webSpaces(${JSON.stringify(sizes)}), which is ${expected}`);
  }
  return sizes;
}

/** An encoded observation from row `row` of leaf columns (`observationLeaves` of an episode). */
export function encodedWebRow(
  leaves: Readonly<Record<string, ArrayLike<number>>>,
  spaces: WebSpaces,
  row: number,
  where: string,
): EncodedWebObservation {
  const { maxElements: n, maxFields: fl, textBytes: l, tagBytes: g, utteranceBytes: u } = spaces.sizes;
  const sizes: Record<(typeof WEB_LEAVES)[number], number> = {
    "elements/numbers": n * 10,
    "elements/tag": n * g,
    "elements/text": n * l,
    "elements/value": n * l,
    fields: fl * 2 * l,
    utterance: u,
  };
  const slice = <T extends ArrayLike<number>>(path: (typeof WEB_LEAVES)[number]): T => {
    const column = leaves[path] as unknown as Uint8Array | Float32Array | undefined;
    const size = sizes[path];
    if (column === undefined || !ArrayBuffer.isView(column)) {
      throw new ShapeMismatchError(
        `${where}: the observations have no leaf "${path}" (a web observation has ${WEB_LEAVES.join(", ")}).`,
      );
    }
    if (column.length < (row + 1) * size) {
      throw new ShapeMismatchError(`${where}: the leaf "${path}" has no row ${row} of ${size} values.`);
    }
    return column.subarray(row * size, (row + 1) * size) as unknown as T;
  };
  const numbers = slice<Float32Array>("elements/numbers");
  return {
    utterance: slice<Uint8Array>("utterance"),
    fields: slice<Uint8Array>("fields"),
    elements: {
      tag: slice<Uint8Array>("elements/tag"),
      text: slice<Uint8Array>("elements/text"),
      value: slice<Uint8Array>("elements/value"),
      numbers: numbers instanceof Float32Array ? numbers : Float32Array.from(numbers),
    },
  };
}
