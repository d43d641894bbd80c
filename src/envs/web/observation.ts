/**
 * @module
 * What a web agent sees and does, as MiniWoB++ defines it (Liu et al. 2018; the Farama
 * `miniwob-plusplus` package's `core.getDOMInfo`, `core.getUtterance` and its fields):
 *
 * - the observation is the task's utterance, the fields taken from it (key–value pairs such as
 *   `username → "kasey"`), the visible DOM elements (tag, text, value, bounding box, ref, focus
 *   and check state) and, optionally, a screenshot;
 * - an action clicks an element, types one of the fields' text into an element, or presses a key.
 *
 * Both have a fixed-shape encoding as Gymnasium spaces (`webSpaces`), so that datasets store them
 * in Minari's HDF5 layout (a Dict of uint8 text bytes and float32 numbers, which Python reads with
 * `bytes(row).rstrip(b"\0").decode()`) and policies read them as arrays:
 *
 * | key | space | what |
 * | --- | --- | --- |
 * | `utterance` | Box(0, 255, [utteranceBytes], uint8) | UTF-8 bytes, NUL-padded |
 * | `fields` | Box(0, 255, [maxFields, 2, textBytes], uint8) | key and value bytes per field |
 * | `elements/tag` | Box(0, 255, [maxElements, tagBytes], uint8) | `BUTTON`, `INPUT_text`, `t` (a text line) |
 * | `elements/text` | Box(0, 255, [maxElements, textBytes], uint8) | the element's own text |
 * | `elements/value` | Box(0, 255, [maxElements, textBytes], uint8) | an input's value (`true`/`false` for checkboxes) |
 * | `elements/numbers` | Box(-inf, inf, [maxElements, 10], float32) | present, ref, parent, left, top, width, height, focused, checked, tampered |
 * | `screenshot` (optional) | Box(0, 255, [height, width, 3], uint8) | the task area's pixels |
 *
 * An action is `MultiDiscrete([3, maxElements, max(maxFields, keys)])`: `[kind, element, arg]`,
 * where `kind` is 0 click, 1 type, 2 key; `element` is an index into the observation's element
 * list (not a ref: the env maps it to the element's ref); `arg` is the field index for a type and
 * the key index (`WEB_KEYS`) for a key, and 0 otherwise. A click or type must name a present
 * element, a type a present field; a key ignores `element` (0 by convention).
 */
import { InvalidActionError, InvalidOptionError } from "../../core/errors.js";
import { Box, DictSpace, MultiDiscrete, type Space } from "../../core/spaces/index.js";

/** The keys a `key` action can press, by index (Playwright's key names). */
export const WEB_KEYS = [
  "Enter",
  "Tab",
  "Backspace",
  "Escape",
  "ArrowUp",
  "ArrowDown",
  "ArrowLeft",
  "ArrowRight",
  "Space",
] as const;
export type WebKey = (typeof WEB_KEYS)[number];

/** One visible DOM element, as MiniWoB++'s `getDOMInfo` describes it, flattened in document order. */
export interface DomElement {
  /** MiniWoB++'s ref: positive for elements, negative for text pseudo-elements (tag `t`). */
  ref: number;
  /** The parent's ref; 0 for the root (`<body>`). */
  parent: number;
  /** Upper-case tag name, with the input type appended for inputs (`INPUT_text`), or `t`. */
  tag: string;
  /** The element's own text (empty for an element whose text is in its children). */
  text: string;
  /** An input's or textarea's value; `"true"`/`"false"` for a checkbox or radio. */
  value: string;
  /** Bounding box in CSS pixels of the page. */
  left: number;
  top: number;
  width: number;
  height: number;
  focused: boolean;
  /** A checkbox or radio is checked. */
  checked: boolean;
  /** The element was clicked, focused or typed into in this episode (MiniWoB++'s `tampered`). */
  tampered: boolean;
}

/** A field of the task: a key and the value the utterance gives it. */
export interface WebField {
  key: string;
  value: string;
}

/** What a web agent sees, decoded. */
export interface WebObservation {
  utterance: string;
  fields: WebField[];
  elements: DomElement[];
  /** The task area's pixels, `[height, width, 3]`, when the env was made with a screenshot size. */
  screenshot?: Uint8Array;
}

/** What a web agent does, decoded. `element` indexes `WebObservation.elements`. */
export type WebAction =
  | { kind: "click"; element: number }
  | { kind: "type"; element: number; field: number }
  | { kind: "key"; key: WebKey };

/** The sizes of the fixed-shape encoding. */
export interface WebSpaceOptions {
  /** Elements kept per observation, in document order (default 64); the rest are dropped. */
  maxElements?: number;
  /** Fields kept (default 4). */
  maxFields?: number;
  /** UTF-8 bytes of the utterance (default 256). */
  utteranceBytes?: number;
  /** UTF-8 bytes of an element's text or value and of a field's key or value (default 64). */
  textBytes?: number;
  /** UTF-8 bytes of a tag (default 16). */
  tagBytes?: number;
  /** Record a screenshot of this size (default: none). */
  screenshot?: { width: number; height: number };
}

/** The numbers per element in `elements/numbers`, in order. */
export const ELEMENT_NUMBERS = [
  "present",
  "ref",
  "parent",
  "left",
  "top",
  "width",
  "height",
  "focused",
  "checked",
  "tampered",
] as const;

/** The encoded form of an observation (a value of `WebSpaces.observation`). */
export interface EncodedWebObservation {
  utterance: Uint8Array;
  fields: Uint8Array;
  elements: { tag: Uint8Array; text: Uint8Array; value: Uint8Array; numbers: Float32Array };
  screenshot?: Uint8Array;
}

/** The spaces and codecs of one encoding size. */
export interface WebSpaces {
  readonly sizes: Required<Omit<WebSpaceOptions, "screenshot">> & Pick<WebSpaceOptions, "screenshot">;
  readonly observation: DictSpace;
  readonly action: MultiDiscrete;
  /** Encodes an observation; elements past `maxElements` and fields past `maxFields` are dropped, long strings cut at a character boundary. */
  encodeObservation(observation: WebObservation): EncodedWebObservation;
  /** Decodes an encoded observation (as stored in a dataset, or a row of one). */
  decodeObservation(encoded: EncodedWebObservation): WebObservation;
  /** `[kind, element, arg]`; throws `InvalidActionError` for a key not in `WEB_KEYS`. */
  encodeAction(action: WebAction): Int32Array;
  /** The action an encoded one stands for; throws `InvalidActionError` when it is malformed. */
  decodeAction(encoded: ArrayLike<number>): WebAction;
  /** Throws `InvalidActionError` unless `action` names a present element (and field) of `observation`. */
  checkAction(action: WebAction, observation: WebObservation, where: string): void;
}

const DEFAULT_SIZES = { maxElements: 64, maxFields: 4, utteranceBytes: 256, textBytes: 64, tagBytes: 16 };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `text` as UTF-8 into `out[offset … offset + bytes)`, cut at a character boundary, NUL-padded. */
export function writeText(text: string, out: Uint8Array, offset: number, bytes: number): void {
  const encoded = encoder.encode(text);
  let n = Math.min(encoded.length, bytes);
  // Back off to the start of a UTF-8 sequence so a cut never leaves half a character.
  if (n < encoded.length) while (n > 0 && (encoded[n]! & 0xc0) === 0x80) n--;
  out.set(encoded.subarray(0, n), offset);
  out.fill(0, offset + n, offset + bytes);
}

/** Reads NUL-padded UTF-8 text from `data[offset … offset + bytes)`. */
export function readText(data: ArrayLike<number>, offset: number, bytes: number): string {
  let end = offset;
  while (end < offset + bytes && data[end] !== 0) end++;
  const view =
    data instanceof Uint8Array
      ? data.subarray(offset, end)
      : Uint8Array.from(Array.prototype.slice.call(data, offset, end));
  return decoder.decode(view);
}

function checkSize(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(
      name,
      `web spaces: ${name} must be an integer ≥ ${min}, got ${String(value)}.`,
    );
  }
  return value;
}

/** The observation and action spaces of web tasks at the given sizes, with their codecs. */
export function webSpaces(options: WebSpaceOptions = {}): WebSpaces {
  const sizes = {
    maxElements: checkSize("maxElements", options.maxElements ?? DEFAULT_SIZES.maxElements, 1),
    maxFields: checkSize("maxFields", options.maxFields ?? DEFAULT_SIZES.maxFields, 1),
    utteranceBytes: checkSize("utteranceBytes", options.utteranceBytes ?? DEFAULT_SIZES.utteranceBytes, 8),
    textBytes: checkSize("textBytes", options.textBytes ?? DEFAULT_SIZES.textBytes, 8),
    tagBytes: checkSize("tagBytes", options.tagBytes ?? DEFAULT_SIZES.tagBytes, 4),
    screenshot: options.screenshot,
  };
  if (sizes.screenshot) {
    checkSize("screenshot.width", sizes.screenshot.width, 1);
    checkSize("screenshot.height", sizes.screenshot.height, 1);
  }
  const { maxElements: n, maxFields: f, utteranceBytes: u, textBytes: l, tagBytes: g } = sizes;
  const numbers = ELEMENT_NUMBERS.length;
  const bytes = (shape: number[]) => new Box(0, 255, shape, "uint8");
  const parts: Record<string, Space> = {
    utterance: bytes([u]),
    fields: bytes([f, 2, l]),
    elements: new DictSpace({
      tag: bytes([n, g]),
      text: bytes([n, l]),
      value: bytes([n, l]),
      numbers: new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, [n, numbers], "float32"),
    }),
  };
  if (sizes.screenshot) parts.screenshot = bytes([sizes.screenshot.height, sizes.screenshot.width, 3]);
  const observation = new DictSpace(parts);
  const action = new MultiDiscrete([3, n, Math.max(f, WEB_KEYS.length)]);

  const encodeObservation = (obs: WebObservation): EncodedWebObservation => {
    const utterance = new Uint8Array(u);
    writeText(obs.utterance, utterance, 0, u);
    const fields = new Uint8Array(f * 2 * l);
    obs.fields.slice(0, f).forEach((field, i) => {
      writeText(field.key, fields, 2 * i * l, l);
      writeText(field.value, fields, (2 * i + 1) * l, l);
    });
    const tag = new Uint8Array(n * g);
    const text = new Uint8Array(n * l);
    const value = new Uint8Array(n * l);
    const nums = new Float32Array(n * numbers);
    obs.elements.slice(0, n).forEach((e, i) => {
      writeText(e.tag, tag, i * g, g);
      writeText(e.text, text, i * l, l);
      writeText(e.value, value, i * l, l);
      nums.set(
        [1, e.ref, e.parent, e.left, e.top, e.width, e.height, +e.focused, +e.checked, +e.tampered],
        i * numbers,
      );
    });
    const encoded: EncodedWebObservation = {
      utterance,
      fields,
      elements: { tag, text, value, numbers: nums },
    };
    if (sizes.screenshot) {
      const size = sizes.screenshot.width * sizes.screenshot.height * 3;
      const shot = new Uint8Array(size);
      if (obs.screenshot) {
        if (obs.screenshot.length !== size) {
          throw new InvalidOptionError(
            "screenshot",
            `web observation: the screenshot has ${obs.screenshot.length} bytes, the space ${size} (${sizes.screenshot.height}×${sizes.screenshot.width}×3).`,
          );
        }
        shot.set(obs.screenshot);
      }
      encoded.screenshot = shot;
    }
    return encoded;
  };

  const decodeObservation = (enc: EncodedWebObservation): WebObservation => {
    const fields: WebField[] = [];
    for (let i = 0; i < f; i++) {
      const key = readText(enc.fields, 2 * i * l, l);
      const value = readText(enc.fields, (2 * i + 1) * l, l);
      if (key === "" && value === "") break;
      fields.push({ key, value });
    }
    const elements: DomElement[] = [];
    const nums = enc.elements.numbers;
    for (let i = 0; i < n; i++) {
      const row = i * numbers;
      if (nums[row] !== 1) break;
      elements.push({
        ref: nums[row + 1]!,
        parent: nums[row + 2]!,
        tag: readText(enc.elements.tag, i * g, g),
        text: readText(enc.elements.text, i * l, l),
        value: readText(enc.elements.value, i * l, l),
        left: nums[row + 3]!,
        top: nums[row + 4]!,
        width: nums[row + 5]!,
        height: nums[row + 6]!,
        focused: nums[row + 7] === 1,
        checked: nums[row + 8] === 1,
        tampered: nums[row + 9] === 1,
      });
    }
    const decoded: WebObservation = { utterance: readText(enc.utterance, 0, u), fields, elements };
    if (enc.screenshot) decoded.screenshot = enc.screenshot;
    return decoded;
  };

  const encodeAction = (a: WebAction): Int32Array => {
    switch (a.kind) {
      case "click":
        return Int32Array.of(0, a.element, 0);
      case "type":
        return Int32Array.of(1, a.element, a.field);
      case "key": {
        const k = WEB_KEYS.indexOf(a.key);
        if (k < 0) {
          throw new InvalidActionError(
            `web action: key ${JSON.stringify(a.key)} is not one of ${WEB_KEYS.join(", ")}.`,
          );
        }
        return Int32Array.of(2, 0, k);
      }
    }
  };

  const decodeAction = (v: ArrayLike<number>): WebAction => {
    if (!action.contains(v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>))) {
      throw new InvalidActionError(
        `web action ${JSON.stringify(Array.from(v as ArrayLike<number>))} is not in ${action}: it is [kind (0 click, 1 type, 2 key), element index < ${n}, field or key index].`,
      );
    }
    const [kind, element, arg] = [v[0]!, v[1]!, v[2]!];
    if (kind === 0) return { kind: "click", element };
    if (kind === 1) return { kind: "type", element, field: arg };
    const key = WEB_KEYS[arg];
    if (key === undefined) {
      throw new InvalidActionError(
        `web action: key index ${arg} is past the ${WEB_KEYS.length} keys (${WEB_KEYS.join(", ")}).`,
      );
    }
    return { kind: "key", key };
  };

  const checkAction = (a: WebAction, obs: WebObservation, where: string): void => {
    if (a.kind === "key") return;
    const present = Math.min(obs.elements.length, n);
    if (!Number.isInteger(a.element) || a.element < 0 || a.element >= present) {
      throw new InvalidActionError(
        `${where}: ${a.kind} names element ${a.element}, but the observation has ${present} element${present === 1 ? "" : "s"} (indices 0–${present - 1}).`,
      );
    }
    if (a.kind === "type") {
      const fields = Math.min(obs.fields.length, f);
      if (!Number.isInteger(a.field) || a.field < 0 || a.field >= fields) {
        throw new InvalidActionError(
          `${where}: type names field ${a.field}, but the task has ${fields} field${fields === 1 ? "" : "s"}${fields > 0 ? ` (${obs.fields.map((x) => x.key).join(", ")})` : ""}.`,
        );
      }
    }
  };

  return {
    sizes,
    observation,
    action,
    encodeObservation,
    decodeObservation,
    encodeAction,
    decodeAction,
    checkAction,
  };
}
