/**
 * mimic's runtime for web tasks, speaking MiniWoB++'s page protocol.
 *
 * Written for mimic after the protocol that MiniWoB++ (Farama-Foundation/miniwob-plusplus,
 * `miniwob/html/core/core.js` and `docs/content/javascript_api.md`) documents and its Python
 * driver (`miniwob/selenium_instance.py`) uses, so that mimic's `WebEnv` drives these pages and
 * MiniWoB++'s own task files the same way. None of MiniWoB++'s code is copied; where this file
 * departs from its behaviour, the comment says so.
 *
 * A task page loads this file (`<script src="../core/core.js">`), defines `genProblem()` to build
 * one episode's problem inside `#area` and its instruction inside `#query`, and ends the episode
 * with `core.endEpisode(reward, timeProportional, reason)`. The driver:
 *
 *   Math.seedrandom(seed); core.startEpisodeReal();   // wait for WOB_TASK_READY
 *   core.getUtterance(); core.getDOMInfo();           // observe
 *   core.elementClick(ref) / keyboard input           // act
 *   WOB_DONE_GLOBAL, WOB_REWARD_GLOBAL, WOB_RAW_REWARD_GLOBAL, WOB_REWARD_REASON   // read
 */
var core = {};

// ---------------------------------------------------------------------------------------------
// Seeded randomness: `Math.seedrandom(seed)` replaces `Math.random` with a deterministic stream.
//
// The seed (any value; it is turned into a string, so 0 and "0" are the same seed) is hashed
// with 32-bit FNV-1a, the hash expanded into four state words by SplitMix32, and the stream is
// Chris Doty-Humphrey's small fast counting generator sfc32 (period at least 2^32, 32 bits per
// draw). MiniWoB++ uses David Bau's seedrandom (ARC4) instead, so the same seed gives different
// problems there and here; within mimic a seed always gives the same problem.
// ---------------------------------------------------------------------------------------------

core.hashSeed = (text) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

core.makeRandom = (seedText) => {
  let x = core.hashSeed(seedText);
  function splitmix32() {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  function sfc32() {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  // Warm up: the first draws of a freshly seeded sfc32 are poorly mixed.
  for (let i = 0; i < 12; i++) sfc32();
  return sfc32;
};

core.nativeRandom = Math.random;

/** Seeds `Math.random`; without an argument, from the platform's entropy. */
Math.seedrandom = (seed) => {
  let text;
  if (seed === undefined || seed === null) {
    const words = new Uint32Array(2);
    window.crypto.getRandomValues(words);
    text = `${words[0]}:${words[1]}`;
  } else {
    text = String(seed);
  }
  Math.random = core.makeRandom(text);
  return text;
};

/** An integer in [min, max). */
core.randi = (min, max) => Math.floor(Math.random() * (max - min) + min);

/** A float in [min, max). */
core.randf = (min, max) => Math.random() * (max - min) + min;

/** One element of `list`, uniformly. */
core.sample = (list) => list[core.randi(0, list.length)];

/** Shuffles `array` in place (Fisher–Yates, from the end) and returns it. */
core.shuffle = (array) => {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const kept = array[i];
    array[i] = array[j];
    array[j] = kept;
  }
  return array;
};

/** `k` distinct elements of `list`, in random order. */
core.sampleDistinct = (list, k) => core.shuffle(list.slice()).slice(0, k);

/** Short lower-case words and first names for task text. */
core.WORDS = (
  "apple amber anchor arrow aspen badge basil beach berry bison blaze bloom brick cabin candy " +
  "cedar chalk charm cider cliff cloud coral crane crisp daisy delta dune eagle ember fable " +
  "fern flint frost gable glade globe grape gravel harbor hazel heron honey ivory jade jelly " +
  "kayak kiwi lemon lilac linen lotus maple marsh melon mint moss nectar noble oasis olive " +
  "onyx orbit otter pearl pebble pepper pine plum prism quail quartz raven reef ridge river " +
  "robin saffron sage salt sand shell slate spruce storm sunny thyme tiger topaz tulip velvet " +
  "violet walnut willow wren yarrow zephyr"
).split(" ");
core.NAMES = (
  "ada ali amir anna arlo bea cara dario elena emil farah finn gita hana ivan jana kai kasey " +
  "lena leo mara milo nadia nico omar pia quinn rosa sami tara theo uma vera wade yara zane"
).split(" ");

/** Appends a new `tag` element to `parent`, with `text` as its text when given, and returns it. */
core.append = (parent, tag, text) => {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  parent.appendChild(element);
  return element;
};

/** Empties `#area` and returns it, for `genProblem` to fill. */
core.clearArea = () => {
  const area = document.getElementById("area");
  area.textContent = "";
  return area;
};

/** Sets the instruction shown in `#query`. */
core.setQuery = (text) => {
  document.getElementById("query").textContent = text;
};

// ---------------------------------------------------------------------------------------------
// The episode protocol: the globals the driver reads, the start and the end of an episode.
// ---------------------------------------------------------------------------------------------

/** The reward of the last episode, scaled by time when the task asked for it. */
var WOB_REWARD_GLOBAL = 0;
/** The reward of the last episode before any time scaling. */
var WOB_RAW_REWARD_GLOBAL = 0;
/** Why the last episode ended (a task's own note, or "timed out"); null while it runs. */
var WOB_REWARD_REASON = null;
/** Whether the current episode has ended. */
var WOB_DONE_GLOBAL = false;
/** How many episodes have ended on this page. */
var WOB_EPISODE_ID = 0;
/** A task that builds its problem asynchronously sets this false in genProblem, then true. */
var WOB_TASK_READY = true;

/** Milliseconds an episode may run before it ends with reward −1. */
core.EPISODE_MAX_TIME = 10000;

core.episodeTimer = null;
core.episodeStart = 0;
/**
 * Counts `startEpisodeReal` calls. Refs and `tampered` marks are tagged with it, so an episode
 * started over an unfinished one (MiniWoB++ tags them with WOB_EPISODE_ID, which then does not
 * change) still numbers its elements from 1.
 */
core.episodeStamp = 0;
/** The fields `genProblem` gave with `core.setFields`, or null for a string utterance. */
core.fields = null;

/** Shows the cover that a person clicks to start an episode (the driver starts it directly). */
core.startEpisode = () => {
  core.createDisplay();
  let cover = document.getElementById("sync-task-cover");
  if (cover === null) {
    cover = document.createElement("div");
    cover.id = "sync-task-cover";
    cover.textContent = "START";
    cover.onclick = () => {
      core.startEpisodeReal();
    };
    document.body.appendChild(cover);
  }
  cover.style.display = "block";
};

/** Starts an episode: a new problem from the page's `genProblem()`, and the episode timer. */
core.startEpisodeReal = () => {
  core.episodeStamp++;
  core.resetRefCode();
  core.fields = null;
  genProblem();
  WOB_DONE_GLOBAL = false;
  WOB_REWARD_GLOBAL = 0;
  WOB_RAW_REWARD_GLOBAL = 0;
  WOB_REWARD_REASON = null;
  const selection = window.getSelection();
  if (selection) selection.removeAllRanges();
  document.body.scrollTop = document.documentElement.scrollTop = 0;
  const cover = document.getElementById("sync-task-cover");
  if (cover !== null) cover.style.display = "none";
  core.episodeStart = Date.now();
  if (core.episodeTimer !== null) clearTimeout(core.episodeTimer);
  core.episodeTimer = setTimeout(() => {
    core.endEpisode(-1, false, "timed out");
  }, core.EPISODE_MAX_TIME);
};

/**
 * Ends the episode with `reward`. With `timeProportional`, the reward is scaled by the share of
 * `EPISODE_MAX_TIME` left (MiniWoB++'s incentive to act early); the raw reward is kept beside it.
 * Only the first call of an episode counts.
 */
core.endEpisode = (reward, timeProportional, reason) => {
  if (core.episodeTimer === null) return;
  clearTimeout(core.episodeTimer);
  core.episodeTimer = null;
  WOB_RAW_REWARD_GLOBAL = reward;
  WOB_REWARD_REASON = reason === undefined ? null : reason;
  if (timeProportional) {
    const elapsed = Date.now() - core.episodeStart;
    reward = reward * Math.max(0, 1 - elapsed / core.EPISODE_MAX_TIME);
  }
  WOB_REWARD_GLOBAL = reward;
  WOB_DONE_GLOBAL = true;
  WOB_EPISODE_ID++;
  core.updateDisplay(reward);
  core.startEpisode();
};

/** A small panel beside the task area with the last reward and the episode count, for people. */
core.createDisplay = () => {
  if (document.getElementById("reward-display") !== null) return;
  const display = document.createElement("div");
  display.id = "reward-display";
  display.innerHTML =
    '<div>Last reward: <b id="reward-last">-</b></div><div>Episodes: <b id="episode-id">0</b></div>';
  document.body.appendChild(display);
};

core.updateDisplay = (reward) => {
  const last = document.getElementById("reward-last");
  if (last === null) return;
  last.textContent = reward.toFixed(2);
  document.getElementById("episode-id").textContent = String(WOB_EPISODE_ID);
};

// ---------------------------------------------------------------------------------------------
// Observations: the utterance (with its fields) and the visible DOM.
// ---------------------------------------------------------------------------------------------

/** Sets the fields `getUtterance` returns for this episode, e.g. `{ target: "okay" }`. */
core.setFields = (fields) => {
  core.fields = {};
  for (const key in fields) core.fields[key] = String(fields[key]);
};

/** The instruction in `#query`, whitespace collapsed; `{ utterance, fields }` when the task set fields. */
core.getUtterance = () => {
  const query = document.getElementById("query");
  const utterance = query === null ? "" : query.textContent.replace(/\s+/g, " ").trim();
  if (core.fields === null) return utterance;
  return { utterance: utterance, fields: core.fields };
};

/** ref → DOM element of the last `getDOMInfo` (for a text pseudo-element, the element holding it). */
core.previousDOMInfo = {};
core.nextRefCode = 1;
core.nextTextRefCode = -1;

core.resetRefCode = () => {
  core.nextRefCode = 1;
  core.nextTextRefCode = -1;
};

/** Elements of the runtime itself, left out of observations. */
core.HIDDEN_IDS = { "reward-display": true, "sync-task-cover": true, query: true };

/**
 * The visible DOM under `baseElement` (default `<body>`) as nested objects, in MiniWoB++'s schema:
 * `tag` (upper case; `INPUT_<type>` for inputs; `t` for a line of text), `ref`, `left`, `top`,
 * `width`, `height`, `children`, `id`, `classes`, `bgColor`, `fgColor`, `focused`, `tampered`,
 * `value` (a boolean for checkboxes and radios) and `text`.
 *
 * An element with a zero-size box is left out with everything under it. An element whose
 * non-blank children are all text gets their text as its own; otherwise each text child becomes
 * one `t` pseudo-element per rendered line. Elements keep their ref for the whole episode, numbered
 * from 1 in the order first seen; text pseudo-elements are numbered from −1 down in each call
 * (MiniWoB++ keeps counting down across calls, so the same line gets a new ref every time).
 */
core.getDOMInfo = (baseElement) => {
  core.previousDOMInfo = {};
  core.nextTextRefCode = -1;
  const stamp = `e${core.episodeStamp}`;

  function describeElement(element) {
    if (core.HIDDEN_IDS[element.id]) return undefined;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return undefined;
    if (element.dataset === undefined) return undefined; // an SVG or MathML child without a dataset
    let ref;
    if (element.dataset.wobRef !== undefined && element.dataset.wobEps === stamp) {
      ref = Number(element.dataset.wobRef);
    } else {
      ref = core.nextRefCode++;
      element.dataset.wobRef = String(ref);
      element.dataset.wobEps = stamp;
    }
    const style = window.getComputedStyle(element);
    const info = {
      tag: element.tagName,
      ref: ref,
      left: box.left,
      top: box.top,
      width: box.width,
      height: box.height,
      children: [],
      id: element.id,
      classes: typeof element.className === "string" ? element.className : "",
      bgColor: style.backgroundColor,
      fgColor: style.color,
    };
    if (document.activeElement === element) info.focused = true;
    if (element.dataset.tampered === stamp) info.tampered = true;
    if (element instanceof HTMLInputElement) {
      info.tag += `_${element.type}`;
      info.value = element.type === "checkbox" || element.type === "radio" ? element.checked : element.value;
    } else if (element instanceof HTMLTextAreaElement) {
      info.value = element.value;
    }
    core.previousDOMInfo[ref] = element;

    const kept = [];
    let textOnly = true;
    for (let i = 0; i < element.childNodes.length; i++) {
      const child = element.childNodes[i];
      if (child.nodeType === Node.TEXT_NODE) {
        if (/\S/.test(child.data)) kept.push(child);
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        kept.push(child);
        textOnly = false;
      }
    }
    if (textOnly) {
      info.text = kept.map((node) => node.data.trim()).join(" ");
      return info;
    }
    for (let k = 0; k < kept.length; k++) {
      if (kept[k].nodeType === Node.TEXT_NODE) {
        describeTextLines(kept[k], element, info.children);
      } else {
        const described = describeElement(kept[k]);
        if (described !== undefined) info.children.push(described);
      }
    }
    return info;
  }

  // One pseudo-element per rendered line: the words of the text node are measured one by one
  // and a new line starts where a word's top moves down.
  function describeTextLines(node, parent, into) {
    const range = document.createRange();
    let line = null;
    function flush() {
      if (line === null) return;
      const ref = core.nextTextRefCode--;
      core.previousDOMInfo[ref] = parent;
      into.push({
        tag: "t",
        ref: ref,
        left: line.left,
        top: line.top,
        width: line.right - line.left,
        height: line.bottom - line.top,
        children: [],
        text: node.data.substring(line.start, line.end),
      });
      line = null;
    }
    for (const match of node.data.matchAll(/\S+/g)) {
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const box = range.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (line !== null && box.top >= line.bottom - 1) flush();
      if (line === null) {
        line = {
          start: match.index,
          end: 0,
          left: box.left,
          top: box.top,
          right: box.right,
          bottom: box.bottom,
        };
      }
      line.end = match.index + match[0].length;
      line.left = Math.min(line.left, box.left);
      line.top = Math.min(line.top, box.top);
      line.right = Math.max(line.right, box.right);
      line.bottom = Math.max(line.bottom, box.bottom);
    }
    flush();
  }

  return describeElement(baseElement || document.body);
};

/** ref → info of a nested `getDOMInfo` result (for debugging in the console). */
core.flattenDOMInfo = (root, into) => {
  const out = into || {};
  out[root.ref] = root;
  root.children.forEach((child) => {
    core.flattenDOMInfo(child, out);
  });
  return out;
};

/**
 * Clicks the element with `ref` from the last `getDOMInfo`, wherever it is on the page, then
 * focuses it. A text pseudo-element's ref clicks the element holding the text (MiniWoB++ has no
 * element for it). Returns true, or a message saying why it could not.
 */
core.elementClick = (ref) => {
  const element = core.previousDOMInfo[ref];
  if (element === undefined) return `no element has ref ${ref} in the last getDOMInfo()`;
  try {
    if (typeof element.click === "function") {
      element.click();
    } else {
      ["mousedown", "mouseup", "click"].forEach((type) => {
        element.dispatchEvent(new MouseEvent(type, { bubbles: true }));
      });
    }
    if (typeof element.focus === "function") element.focus();
    return true;
  } catch (error) {
    return String(error?.message ? error.message : error);
  }
};

// An element the agent clicks, focuses or types into is marked `tampered` for the episode.
core.markTampered = (event) => {
  const target = event.target;
  if (target?.dataset && target.id !== "sync-task-cover") {
    target.dataset.tampered = `e${core.episodeStamp}`;
  }
};
["click", "focusin", "input", "keydown"].forEach((type) => {
  document.addEventListener(type, core.markTampered, true);
});
