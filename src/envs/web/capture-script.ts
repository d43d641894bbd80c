/**
 * @module
 * The recorder's in-page half: a script that watches a person (or a Playwright script standing in
 * for one) operate a MiniWoB++-protocol task page and turns their input into env actions, each
 * with the observation from *before* it. It runs in the page, so the observation is taken
 * synchronously in the input event's capture phase, before any of the task's own handlers run.
 *
 * - A mouse button pressed on an element is a `click` of that element (the element's MiniWoB++
 *   ref, found on it or its nearest ancestor that has one, through `core.previousDOMInfo`). It is reported once the click has
 *   landed and the task's handlers (and a label's activation of its input) have run.
 * - Keys typed into a text field are one `type` of the field's final text into it, reported when
 *   the person leaves the field (a click elsewhere, Tab, Enter, focus lost). A click that only put
 *   the caret into that field just before is folded into the `type` (its observation is kept, so
 *   the type's observation is what the person saw before touching the field).
 * - Enter, Tab, Escape, Backspace (outside a text field), the arrow keys and Space (outside a
 *   text field) are `key` actions.
 *
 * Each report carries the task's status read after the action (`WOB_DONE_GLOBAL`, the reward),
 * and goes into `window.__mimicRecorder.queue`, which the Node side drains (`takeCaptured`), and
 * is also posted to the parent window when the page is in a frame (the dashboard's teach mode).
 */

/** One action as the page reports it; `dom` and `utterance` are what the observation is built from. */
export interface CapturedStep {
  kind: "click" | "type" | "key";
  /** The element's MiniWoB++ ref (click, type). */
  ref?: number;
  /** The field's final text (type). */
  text?: string;
  /** The key's name in `WEB_KEYS` (key). */
  key?: string;
  /** `core.getDOMInfo()` and `core.getUtterance()` before the action. */
  dom: unknown;
  utterance: unknown;
  /** The task's status after the action. */
  done: boolean;
  reward: number;
  rawReward: number;
  reason: string | null;
  /** The episode (`WOB_EPISODE_ID`) the action belongs to. */
  episode: number;
}

/** Evaluated in the page (idempotent): installs the listeners once. */
export const CAPTURE_SCRIPT = `(() => {
  if (window.__mimicRecorder) return true;
  const rec = { queue: [], typing: null, click: null, keyDown: null, lastClick: null, pending: 0 };
  window.__mimicRecorder = rec;
  const TEXT_TYPES = ["text", "password", "email", "search", "number", "tel", "url"];
  const KEYS = { Enter: "Enter", Tab: "Tab", Escape: "Escape", Backspace: "Backspace", ArrowUp: "ArrowUp",
    ArrowDown: "ArrowDown", ArrowLeft: "ArrowLeft", ArrowRight: "ArrowRight", " ": "Space" };
  const isTextField = (el) => el instanceof HTMLTextAreaElement ||
    (el instanceof HTMLInputElement && TEXT_TYPES.includes(el.type));
  const active = () => typeof WOB_DONE_GLOBAL !== "undefined" && !WOB_DONE_GLOBAL && typeof core !== "undefined";
  const snapshot = () => ({ dom: core.getDOMInfo(), utterance: core.getUtterance(), episode: WOB_EPISODE_ID });
  // The ref of an element, or of its nearest ancestor that has one, from the ref → element map
  // the last core.getDOMInfo() call left (core.previousDOMInfo, MiniWoB++'s and mimic's runtime).
  const refOf = (el) => {
    const byElement = new Map();
    for (const [ref, element] of Object.entries(core.previousDOMInfo || {})) {
      if (+ref > 0) byElement.set(element, +ref);
    }
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      if (byElement.has(e)) return byElement.get(e);
    }
    return null;
  };
  const emit = (step) => {
    step.done = !!WOB_DONE_GLOBAL;
    step.reward = +WOB_REWARD_GLOBAL;
    step.rawReward = +WOB_RAW_REWARD_GLOBAL;
    step.reason = WOB_REWARD_REASON == null ? null : String(WOB_REWARD_REASON);
    rec.queue.push(step);
    if (window.parent && window.parent !== window) window.parent.postMessage({ mimicCapturedStep: step }, "*");
  };
  const finishTyping = () => {
    const t = rec.typing;
    if (!t) return;
    rec.typing = null;
    emit({ kind: "type", ref: t.ref, text: t.el.value, dom: t.snap.dom, utterance: t.snap.utterance, episode: t.snap.episode });
  };
  document.addEventListener("mousedown", (e) => {
    if (!active()) return;
    if (rec.typing && rec.typing.el !== e.target) finishTyping();
    const snap = snapshot();
    const ref = refOf(e.target);
    rec.click = ref === null ? null : { ref, snap, target: e.target };
  }, true);
  window.addEventListener("click", () => {
    const c = rec.click;
    if (!c) return;
    rec.click = null;
    const step = { kind: "click", ref: c.ref, dom: c.snap.dom, utterance: c.snap.utterance, episode: c.snap.episode };
    // A click into a text field waits: typing into it next folds the click into the type.
    if (isTextField(c.target)) { flushClick(); rec.lastClick = { step, el: c.target }; return; }
    // Reported after the task's handlers; until then \`pending\` tells readers a report is due.
    rec.pending++;
    setTimeout(() => { rec.pending--; flushClick(); emit(step); }, 0);
  });
  const flushClick = () => {
    const c = rec.lastClick;
    rec.lastClick = null;
    if (c) emit(c.step);
  };
  document.addEventListener("keydown", (e) => {
    if (!active()) return;
    const target = e.target;
    const special = KEYS[e.key];
    const typingKey = isTextField(target) && (e.key.length === 1 || e.key === "Backspace" || e.key === "Delete");
    if (typingKey) {
      if (!rec.typing || rec.typing.el !== target) {
        finishTyping();
        const folded = rec.lastClick && rec.lastClick.el === target ? rec.lastClick.step : null;
        if (folded) rec.lastClick = null; else flushClick();
        const snap = folded ? { dom: folded.dom, utterance: folded.utterance, episode: folded.episode } : snapshot();
        rec.typing = { el: target, ref: refOf(target), snap };
      }
      return;
    }
    if (!special) return;
    finishTyping();
    flushClick();
    rec.keyDown = { key: special, snap: snapshot() };
  }, true);
  window.addEventListener("keyup", (e) => {
    const k = rec.keyDown;
    if (!k || KEYS[e.key] !== k.key) return;
    rec.keyDown = null;
    rec.pending++;
    setTimeout(() => { rec.pending--; emit({ kind: "key", key: k.key, dom: k.snap.dom, utterance: k.snap.utterance, episode: k.snap.episode }); }, 0);
  });
  document.addEventListener("focusout", (e) => {
    if (rec.typing && rec.typing.el === e.target) finishTyping();
  }, true);
  return true;
})()`;

/** Evaluated in the page: the captured steps so far, removed from the queue. */
export const TAKE_CAPTURED = `(() => {
  const rec = window.__mimicRecorder;
  if (!rec) return null;
  return rec.queue.splice(0, rec.queue.length);
})()`;

/** Evaluated in the page: ends a pending click or typing (a person who stopped mid-field). */
export const FLUSH_CAPTURED = `(() => {
  const rec = window.__mimicRecorder;
  if (!rec) return false;
  if (rec.typing && document.activeElement === rec.typing.el) rec.typing.el.blur();
  if (rec.lastClick) { const c = rec.lastClick; rec.lastClick = null; rec.queue.push(Object.assign(c.step, { done: !!WOB_DONE_GLOBAL, reward: +WOB_REWARD_GLOBAL, rawReward: +WOB_RAW_REWARD_GLOBAL, reason: null })); }
  return true;
})()`;
