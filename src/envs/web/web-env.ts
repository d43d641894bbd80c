/**
 * WebEnv: a web task in a real browser, driven through MiniWoB++'s page protocol.
 *
 * Follows MiniWoB++'s Python driver (Farama-Foundation/miniwob-plusplus, `miniwob/environment.py`
 * and `miniwob/selenium_instance.py`, 1.0) with Playwright in place of Selenium: the same calls
 * into the page (`Math.seedrandom`, `core.startEpisodeReal`, `WOB_TASK_READY`, `core.getUtterance`,
 * `core.getDOMInfo`, `core.elementClick`, the `WOB_*` globals), so it runs mimic's built-in tasks
 * (`web/tasks/`, see `tasks.ts`) and MiniWoB++'s own task files alike.
 *
 * ## Description
 * Each episode is one problem the page's `genProblem()` draws from its seeded `Math.random`: an
 * instruction (the utterance, "Click on the "okay" button.") and a small page to act on, in a
 * 160 × 210 px task area. The episode ends when the page calls `core.endEpisode`: on the final
 * action (right or wrong) or when its own 10 s timer runs out.
 *
 * ## Action Space
 * `MultiDiscrete([3, maxElements, max(maxFields, 9)])`: `[kind, element, arg]` (`observation.ts`):
 * click element (`core.elementClick(ref)`, MiniWoB++'s CLICK_ELEMENT); type field `arg` into
 * element (click it, select its text, type the field's value with the keyboard: TYPE_FIELD after
 * a click); press key `WEB_KEYS[arg]` (PRESS_KEY). An action naming an element or field the last
 * observation does not have is an `InvalidActionError`.
 *
 * ## Observation Space
 * A Dict of fixed-size arrays (`webSpaces(options.spaces)`): the utterance, the fields, the
 * visible elements in document order (tag, text, value; present, ref, parent, left, top, width,
 * height, focused, checked, tampered) and, when `spaces.screenshot` is set, the task area's RGB
 * pixels scaled to that size. Fields are the page's own when `core.getUtterance()` gives
 * `{ utterance, fields }` (every built-in task does), else the utterance's double-quoted substrings
 * keyed `"0"`, `"1"`, … (MiniWoB++'s per-task Python extractors are not ported). Elements past
 * `maxElements` are dropped (`info.droppedElements` counts them).
 *
 * ## Rewards
 * MiniWoB++'s: 0 until the episode ends, then `WOB_REWARD_GLOBAL`: the task's reward (1 for
 * success, −1 for a wrong final action in the built-in tasks), scaled by the share of the 10 s
 * left when the task asks for it (success, in the built-in tasks). `info.rawReward` has the
 * unscaled reward and `info.reason` the page's note. With `reward: "raw"` the env returns the raw
 * reward instead, so returns do not depend on the machine's speed.
 *
 * ## Starting State
 * `reset({ seed })` ends a running episode (`core.endEpisode(0)`, MiniWoB++'s `force_stop`), calls
 * `Math.seedrandom(seed)` then `core.startEpisodeReal()` and waits for `WOB_TASK_READY`, as
 * MiniWoB++'s `begin_task` does. Without a seed the page seed is drawn from
 * the env's generator (Gymnasium's rule, `reseed`), so a seeded first reset fixes every later one.
 *
 * ## Episode End
 * Terminated when the page sets `WOB_DONE_GLOBAL`; truncated after `maxEpisodeSteps` steps
 * (default 10). The env counts steps itself, since it is made by `createWebEnv`, not `make`.
 *
 * ## Version History
 * - v0 (mimic 0.1): first version.
 *
 * @module
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  type AsyncEnv,
  type EnvSpec,
  type Frame,
  type Info,
  type ResetOptions,
  type ResetResult,
  reseed,
  type StepResult,
} from "../../core/env.js";
import {
  BrowserError,
  EnvClosedError,
  InvalidOptionError,
  MimicError,
  ResetNeededError,
  WebPageError,
} from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import type { DictSpace, MultiDiscrete } from "../../core/spaces/index.js";
import { launchBrowser } from "./browser.js";
import { type DomInfo, flattenDomInfo, readUtterance, type UtteranceInfo } from "./dom-info.js";
import {
  type EncodedWebObservation,
  type WebAction,
  type WebObservation,
  type WebSpaceOptions,
  type WebSpaces,
  webSpaces,
} from "./observation.js";
import { resolveWebTask, type WebTaskFile, webEnvId } from "./tasks.js";

export {
  isWebEnvId,
  parseWebEnvId,
  resolveWebTask,
  WEB_TASKS,
  type WebTaskName,
  webEnvId,
  webTasksDir,
} from "./tasks.js";

/** Milliseconds to wait for each part of talking to the page. */
export interface WebEnvTimeouts {
  /** Loading the task page (default 15 000). */
  load?: number;
  /** `WOB_TASK_READY` after starting an episode (default 5 000). */
  ready?: number;
  /** One action or observation (default 5 000). */
  action?: number;
}

export interface WebEnvOptions {
  /** A built-in task name (`WEB_TASKS`) or the path of a MiniWoB++-protocol HTML file. */
  task: string;
  /** Run the browser without a window (default true). Ignored when `browser` is given. */
  headless?: boolean;
  /** The sizes of the observation and action encoding, and the screenshot (default: none). */
  spaces?: WebSpaceOptions;
  /** Steps after which an episode is truncated (default 10). */
  maxEpisodeSteps?: number;
  timeouts?: WebEnvTimeouts;
  /** A browser to open the task in (shared by several envs); the env then leaves it open on close. */
  browser?: Browser;
  /** The Chromium executable, when the env launches its own browser (default: `findChromium`). */
  executablePath?: string;
  /**
   * `"env"` (default): MiniWoB++'s env reward, time-scaled where the task asks; `"raw"`: the
   * task's reward before scaling, the same on any machine.
   */
  reward?: "env" | "raw";
}

/** The task area of MiniWoB++'s layout, in CSS pixels. */
export const TASK_AREA = { width: 160, height: 210 } as const;

const DEFAULT_TIMEOUTS: Required<WebEnvTimeouts> = { load: 15_000, ready: 5_000, action: 5_000 };

/** What the page reports after an action (MiniWoB++'s `get_metadata`). */
interface EpisodeStatus {
  done: boolean;
  reward: number;
  raw: number;
  reason: unknown;
}

/** The globals of a MiniWoB++-protocol page, as the functions run inside it see them. */
interface WobPage {
  core: {
    startEpisodeReal(): void;
    endEpisode?(reward: number): void;
    getUtterance(): UtteranceInfo;
    getDOMInfo(): DomInfo;
    elementClick(ref: number): true | string;
    previousDOMInfo: Record<number, HTMLElement | undefined>;
  };
  Math: { seedrandom(seed: string): unknown };
  genProblem: unknown;
  WOB_DONE_GLOBAL: boolean;
  WOB_REWARD_GLOBAL: number;
  WOB_RAW_REWARD_GLOBAL: number;
  WOB_REWARD_REASON: unknown;
  WOB_TASK_READY: boolean;
}

function checkPositiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new InvalidOptionError(
      name,
      `createWebEnv: ${name} must be a positive integer, got ${String(value)}.`,
    );
  }
  return v;
}

/** Rejects after `ms` with `onTimeout()`'s error unless `promise` settles first. */
async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What `inPage` is asked: an action to do first (unless the episode has ended), and whether to read the DOM. */
interface PageRequest {
  /** `click`: `core.elementClick(ref)`; `select`: the same, then select the element's text (before typing). */
  act: "click" | "select" | "none";
  ref: number;
  readDom: boolean;
}

/** What `inPage` answers: the episode's status after the action, the DOM, and the click's error message. */
interface PageReply {
  status: EpisodeStatus;
  dom: DomInfo | null;
  error: string | null;
}

/**
 * Runs in the page (Playwright serializes it, so it may use nothing from this module): does the
 * action unless the page's timer has already ended the episode (MiniWoB++ then skips it too), and
 * reads `WOB_*` and, when asked, `core.getDOMInfo()`, all in one round trip.
 */
function inPage(request: PageRequest): PageReply {
  const g = globalThis as unknown as WobPage;
  let error: string | null = null;
  if (request.act !== "none" && g.WOB_DONE_GLOBAL !== true) {
    const clicked = g.core.elementClick(request.ref);
    if (clicked !== true) error = String(clicked);
    const element = g.core.previousDOMInfo[request.ref];
    // Select the element's text, so that typing replaces it.
    if (request.act === "select" && clicked === true && element && "select" in element) {
      (element as HTMLInputElement).select();
    }
  }
  return {
    status: {
      done: g.WOB_DONE_GLOBAL === true,
      reward: Number(g.WOB_REWARD_GLOBAL),
      raw: Number(g.WOB_RAW_REWARD_GLOBAL),
      reason: g.WOB_REWARD_REASON ?? null,
    },
    dom: request.readDom ? g.core.getDOMInfo() : null,
    error,
  };
}

/** One web task page in a browser tab, as an `AsyncEnv` over the encoded observation. */
export class WebEnv implements AsyncEnv<EncodedWebObservation, Int32Array> {
  readonly spec: EnvSpec;
  readonly observationSpace: DictSpace;
  readonly actionSpace: MultiDiscrete;
  /** The encoding's spaces and codecs: `spaces.decodeObservation(obs)` gives the `WebObservation`. */
  readonly spaces: WebSpaces;
  /** The task page. */
  readonly task: WebTaskFile;

  readonly #browser: Browser;
  readonly #ownsBrowser: boolean;
  readonly #context: BrowserContext;
  readonly #page: Page;
  readonly #timeouts: Required<WebEnvTimeouts>;
  readonly #rawReward: boolean;
  readonly #pageErrors: string[];
  #rng: Rng | undefined;
  #last: WebObservation | undefined;
  #done = false;
  #steps = 0;
  #closed = false;
  #crashed: string | undefined;
  readonly #onDisconnect: () => void;

  /** @internal Use `createWebEnv`, which loads and checks the page. */
  constructor(parts: {
    task: WebTaskFile;
    browser: Browser;
    ownsBrowser: boolean;
    context: BrowserContext;
    page: Page;
    pageErrors: string[];
    spaces: WebSpaces;
    /** The encoding's options as given, for `spec.kwargs`. */
    spacesOptions: WebSpaceOptions | undefined;
    maxEpisodeSteps: number;
    timeouts: Required<WebEnvTimeouts>;
    rawReward: boolean;
  }) {
    this.task = parts.task;
    this.#browser = parts.browser;
    this.#ownsBrowser = parts.ownsBrowser;
    this.#context = parts.context;
    this.#page = parts.page;
    this.#pageErrors = parts.pageErrors;
    this.spaces = parts.spaces;
    this.#timeouts = parts.timeouts;
    this.#rawReward = parts.rawReward;
    this.observationSpace = parts.spaces.observation;
    this.actionSpace = parts.spaces.action;
    const task = parts.task.builtIn ? parts.task.name : parts.task.path;
    // What rebuilds the same env (`createWebEnv({ ...kwargs, maxEpisodeSteps })`); datasets store it.
    const kwargs: Record<string, unknown> = { task };
    if (parts.spacesOptions !== undefined) kwargs.spaces = parts.spacesOptions;
    if (parts.rawReward) kwargs.reward = "raw";
    this.spec = {
      id: webEnvId(task),
      maxEpisodeSteps: parts.maxEpisodeSteps,
      nondeterministic: false,
      description: `web task ${parts.task.name} (MiniWoB++ protocol, in Chromium)`,
      isSuccess: (episode) => episode.return > 0,
      kwargs,
    };
    const crashed = (what: string) => () => {
      this.#crashed ??= what;
    };
    this.#onDisconnect = crashed("the browser disconnected");
    this.#browser.on("disconnected", this.#onDisconnect);
    this.#page.on("crash", crashed("the task page crashed"));
    this.#page.on("close", crashed("the task page was closed"));
  }

  /** The page's uncaught JavaScript errors so far, oldest first. */
  get pageErrors(): readonly string[] {
    return this.#pageErrors;
  }

  /** The task page: what a recorder watches, and where a script standing in for a person acts. */
  get page(): Page {
    return this.#page;
  }

  /** Whether rewards are the task's raw rewards (`reward: "raw"`) rather than time-scaled. */
  get rawReward(): boolean {
    return this.#rawReward;
  }

  /**
   * The page's observation now, read afresh: after a person or a script acted in the page outside
   * `step` (the recorder). The utterance and fields are the episode's, as `reset` read them.
   */
  async observe(): Promise<{ observation: EncodedWebObservation; dropped: number }> {
    this.#assertOpen("observe");
    const last = this.#last;
    if (last === undefined) {
      throw new ResetNeededError(`${this.spec.id}: observe() was called before reset(); call reset() first.`);
    }
    const dom = await this.#talk("reading the DOM", this.#timeouts.action, () =>
      this.#page.evaluate(() => (globalThis as unknown as WobPage).core.getDOMInfo()),
    );
    return this.#observe(last.utterance, last.fields, dom);
  }

  /** The last observation, decoded (undefined before the first reset). */
  get lastObservation(): WebObservation | undefined {
    return this.#last;
  }

  async reset(options: ResetOptions = {}): Promise<ResetResult<EncodedWebObservation>> {
    this.#assertOpen("reset");
    this.#rng = reseed(this.#rng, options.seed);
    // A given seed goes to the page as it is (MiniWoB++'s `Math.seedrandom(seed)`); without one
    // the page seed comes from the env's generator.
    const seed = String(options.seed ?? this.#rng.integers(0, 2 ** 31));
    const ready = await this.#talk("starting an episode", this.#timeouts.action, () =>
      this.#page.evaluate((pageSeed) => {
        const g = globalThis as unknown as WobPage;
        // MiniWoB++'s force_stop: end a running episode first, so its refs and marks are not reused.
        if (typeof g.core.endEpisode === "function") g.core.endEpisode(0);
        g.Math.seedrandom(pageSeed);
        g.core.startEpisodeReal();
        return g.WOB_TASK_READY === true;
      }, seed),
    );
    if (!ready) await this.#waitUntilReady();
    this.#done = false;
    this.#steps = 0;
    const first = await this.#talk("reading the utterance and the DOM", this.#timeouts.action, () =>
      this.#page.evaluate(() => {
        const g = globalThis as unknown as WobPage;
        return { utterance: g.core.getUtterance(), dom: g.core.getDOMInfo() };
      }),
    );
    // The fields are read once per episode, as MiniWoB++ caches them.
    const { utterance, fields } = readUtterance(first.utterance);
    const { observation, dropped } = await this.#observe(utterance, fields, first.dom);
    return { observation, info: { seed, droppedElements: dropped } };
  }

  async step(action: Int32Array): Promise<StepResult<EncodedWebObservation>> {
    this.#assertOpen("step");
    const last = this.#last;
    if (last === undefined) {
      throw new ResetNeededError(`${this.spec.id}: step() was called before reset(); call reset() first.`);
    }
    if (this.#done) {
      throw new ResetNeededError(
        `${this.spec.id}: the episode has ended; call reset() before stepping again.`,
      );
    }
    const decoded = this.spaces.decodeAction(action);
    this.spaces.checkAction(decoded, last, `${this.spec.id} step`);
    const { status, dom, error } = await this.#perform(decoded, last);
    this.#steps++;
    const { observation, dropped } = await this.#observe(last.utterance, last.fields, dom);
    const reward = status.done ? (this.#rawReward ? status.raw : status.reward) : 0;
    const truncated = !status.done && this.#steps >= (this.spec.maxEpisodeSteps ?? Number.POSITIVE_INFINITY);
    this.#done = status.done || truncated;
    const info: Info = {
      rawReward: status.done ? status.raw : 0,
      reason: status.reason ?? null,
      droppedElements: dropped,
    };
    if (error !== null) info.actionError = error;
    return { observation, reward, terminated: status.done, truncated, info };
  }

  /** The task area as RGB pixels (160 × 210). */
  async render(): Promise<Frame> {
    this.#assertOpen("render");
    const data = await this.#screenshot(TASK_AREA.width, TASK_AREA.height);
    return { width: TASK_AREA.width, height: TASK_AREA.height, data: new Uint8ClampedArray(data.buffer) };
  }

  /** Closes the page, and the browser when the env launched it. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#browser.off("disconnected", this.#onDisconnect);
    await this.#context.close().catch(() => undefined);
    if (this.#ownsBrowser) await this.#browser.close().catch(() => undefined);
  }

  // ----------------------------------------------------------------------------------------------
  // PLUMBING: talking to the page.
  // ----------------------------------------------------------------------------------------------

  #assertOpen(what: string): void {
    if (this.#closed) throw new EnvClosedError(`${this.spec.id}: ${what}() was called after close().`);
    if (this.#crashed !== undefined) {
      throw new BrowserError(`${this.spec.id}: ${this.#crashed}; make a new env with createWebEnv.`);
    }
  }

  /** A `WebPageError` about this task, with the page's JavaScript errors appended. */
  #pageError(message: string, cause?: unknown): WebPageError {
    const errors = this.#pageErrors.length
      ? ` The page's JavaScript errors: ${this.#pageErrors.slice(-5).join(" | ")}`
      : "";
    return new WebPageError(this.task.path, `Web task ${this.task.name}: ${message}.${errors}`, { cause });
  }

  /** The error to throw for a failed call: a crash is a `BrowserError`, the rest `fallback()`. */
  #failure(error: unknown, fallback: () => Error): Error {
    if (error instanceof MimicError) return error;
    if (this.#crashed !== undefined || !this.#browser.isConnected()) {
      this.#crashed ??= "the browser disconnected";
      return new BrowserError(`${this.spec.id}: ${this.#crashed}; make a new env with createWebEnv.`, {
        cause: error,
      });
    }
    return fallback();
  }

  /** Runs one call into the page within `ms`, turning failures into mimic's errors. */
  async #talk<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(call(), ms, () =>
        this.#pageError(`${what} took longer than ${ms} ms; raise timeouts.action for a slow page`),
      );
    } catch (error) {
      throw this.#failure(error, () =>
        this.#pageError(`${what} failed: ${(error as Error).message.split("\n")[0]}`, error),
      );
    }
  }

  /** Waits for a task that builds its problem asynchronously to set `WOB_TASK_READY`. */
  async #waitUntilReady(): Promise<void> {
    try {
      await this.#page.waitForFunction(
        () => (globalThis as unknown as WobPage).WOB_TASK_READY === true,
        null,
        {
          timeout: this.#timeouts.ready,
          polling: 20,
        },
      );
    } catch (error) {
      throw this.#failure(error, () =>
        this.#pageError(
          `the task did not become ready (WOB_TASK_READY) within ${this.#timeouts.ready} ms of core.startEpisodeReal(); raise timeouts.ready for a slow task`,
          error,
        ),
      );
    }
  }

  /** One call of `inPage` within the action timeout. */
  async #inPage(what: string, request: PageRequest): Promise<PageReply> {
    return this.#talk(what, this.#timeouts.action, () => this.#page.evaluate(inPage, request));
  }

  /**
   * Performs an action and reads the outcome. A click is one call into the page; a type or a key
   * needs the keyboard between two. Returns the page's message as `error` when the click could not
   * be done (a stale ref, say).
   */
  async #perform(action: WebAction, last: WebObservation): Promise<PageReply> {
    if (action.kind === "click") {
      const ref = last.elements[action.element]!.ref;
      return this.#inPage("clicking", { act: "click", ref, readDom: true });
    }
    const before =
      action.kind === "type"
        ? await this.#inPage("clicking before typing", {
            act: "select",
            ref: last.elements[action.element]!.ref,
            readDom: false,
          })
        : await this.#inPage("reading the episode status", { act: "none", ref: 0, readDom: false });
    if (before.status.done || before.error !== null) {
      return before.status.done
        ? this.#inPage("reading the DOM", { act: "none", ref: 0, readDom: true })
        : before;
    }
    const keyboard = this.#page.keyboard;
    if (action.kind === "type") {
      const text = last.fields[action.field]!.value;
      await this.#talk("typing", this.#timeouts.action, () => keyboard.type(text));
    } else {
      await this.#talk(`pressing ${action.key}`, this.#timeouts.action, () => keyboard.press(action.key));
    }
    return this.#inPage("reading the DOM", { act: "none", ref: 0, readDom: true });
  }

  /** Reads the DOM (and the screenshot) and encodes the observation. */
  async #observe(
    utterance: string,
    fields: WebObservation["fields"],
    dom: DomInfo | null,
  ): Promise<{ observation: EncodedWebObservation; dropped: number }> {
    const { elements, dropped } = flattenDomInfo(dom, this.spaces.sizes.maxElements);
    const observation: WebObservation = { utterance, fields, elements };
    const shot = this.spaces.sizes.screenshot;
    if (shot) observation.screenshot = await this.#screenshot(shot.width, shot.height);
    this.#last = observation;
    return { observation: this.spaces.encodeObservation(observation), dropped };
  }

  /**
   * The task area's pixels as RGB bytes, `height × width × 3`, scaled to the size asked for. The
   * PNG Chromium takes is decoded by the page itself (an image drawn on a detached canvas), so no
   * PNG decoder is needed in Node.
   */
  async #screenshot(width: number, height: number): Promise<Uint8Array> {
    const png = await this.#talk("taking a screenshot", this.#timeouts.action, () =>
      this.#page.screenshot({ clip: { x: 0, y: 0, ...TASK_AREA }, type: "png" }),
    );
    const rgba = await this.#talk("decoding the screenshot", this.#timeouts.action, () =>
      this.#page.evaluate(
        async ({ base64, w, h }) => {
          const image = new Image();
          image.src = `data:image/png;base64,${base64}`;
          await image.decode();
          const canvas = document.createElement("canvas");
          canvas.width = w;
          canvas.height = h;
          const context = canvas.getContext("2d");
          if (context === null) throw new Error("no 2D canvas context");
          context.drawImage(image, 0, 0, w, h);
          return Array.from(context.getImageData(0, 0, w, h).data);
        },
        { base64: png.toString("base64"), w: width, h: height },
      ),
    );
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = rgba[j]!;
      rgb[i + 1] = rgba[j + 1]!;
      rgb[i + 2] = rgba[j + 2]!;
    }
    return rgb;
  }
}

/** What a page lacks of MiniWoB++'s protocol (empty when it has it all). */
async function missingProtocol(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as Partial<WobPage>;
    const missing: string[] = [];
    if (typeof g.core !== "object" || g.core === null) missing.push("the core object (../core/core.js)");
    else {
      for (const name of ["startEpisodeReal", "getUtterance", "getDOMInfo", "elementClick"] as const) {
        if (typeof g.core[name] !== "function") missing.push(`core.${name}()`);
      }
    }
    if (typeof (g.Math as Partial<WobPage["Math"]> | undefined)?.seedrandom !== "function") {
      missing.push("Math.seedrandom()");
    }
    // genProblem may be a top-level const or let, which is global but not a property of window.
    if (typeof g.genProblem !== "function" && new Function("return typeof genProblem")() !== "function") {
      missing.push("genProblem()");
    }
    if (typeof g.WOB_DONE_GLOBAL === "undefined") missing.push("WOB_DONE_GLOBAL");
    return missing;
  });
}

/**
 * Opens a web task in Chromium and checks that it speaks MiniWoB++'s protocol.
 *
 * ```ts
 * const env = await createWebEnv({ task: "click-button" });
 * const { observation } = await env.reset({ seed: 0 });
 * const obs = env.spaces.decodeObservation(observation); // utterance, fields, elements
 * ```
 */
export async function createWebEnv(options: WebEnvOptions): Promise<WebEnv> {
  const task = resolveWebTask(options.task);
  const spaces = webSpaces(options.spaces);
  const maxEpisodeSteps = checkPositiveInteger("maxEpisodeSteps", options.maxEpisodeSteps, 10);
  const timeouts = {
    load: checkPositiveInteger("timeouts.load", options.timeouts?.load, DEFAULT_TIMEOUTS.load),
    ready: checkPositiveInteger("timeouts.ready", options.timeouts?.ready, DEFAULT_TIMEOUTS.ready),
    action: checkPositiveInteger("timeouts.action", options.timeouts?.action, DEFAULT_TIMEOUTS.action),
  };
  if (options.reward !== undefined && options.reward !== "env" && options.reward !== "raw") {
    throw new InvalidOptionError(
      "reward",
      `createWebEnv: reward must be "env" or "raw", got ${JSON.stringify(options.reward)}.`,
    );
  }
  const ownsBrowser = options.browser === undefined;
  const browser =
    options.browser ??
    (await launchBrowser({
      headless: options.headless ?? true,
      ...(options.executablePath === undefined ? {} : { executablePath: options.executablePath }),
    }));
  if (!browser.isConnected()) throw new BrowserError("createWebEnv: the browser given is not connected.");
  let context: BrowserContext | undefined;
  try {
    context = await browser.newContext({ viewport: { width: 400, height: 320 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => {
      pageErrors.push(error.message.split("\n")[0] ?? String(error));
    });
    const errors = () =>
      pageErrors.length ? ` The page's JavaScript errors: ${pageErrors.slice(-5).join(" | ")}` : "";
    try {
      await page.goto(task.url, { timeout: timeouts.load, waitUntil: "load" });
    } catch (error) {
      if (!browser.isConnected())
        throw new BrowserError("The browser disconnected while loading a web task.", { cause: error });
      const timedOut = (error as Error).name === "TimeoutError";
      throw new WebPageError(
        task.path,
        timedOut
          ? `Web task ${task.name} did not load within ${timeouts.load} ms (${task.url}); raise timeouts.load.${errors()}`
          : `Web task ${task.name} could not be loaded from ${task.url}: ${(error as Error).message.split("\n")[0]}${errors()}`,
        { cause: error },
      );
    }
    const missing = await missingProtocol(page);
    if (missing.length > 0) {
      throw new WebPageError(
        task.path,
        `${task.path} does not speak MiniWoB++'s task protocol: it lacks ${missing.join(", ")}. ` +
          `A task page loads core.js (<script src="../core/core.js">) and defines genProblem().${errors()}`,
      );
    }
    return new WebEnv({
      task,
      browser,
      ownsBrowser,
      context,
      page,
      pageErrors,
      spaces,
      spacesOptions: options.spaces,
      maxEpisodeSteps,
      timeouts,
      rawReward: options.reward === "raw",
    });
  } catch (error) {
    await context?.close().catch(() => undefined);
    if (ownsBrowser) await browser.close().catch(() => undefined);
    if (error instanceof MimicError) throw error;
    throw new BrowserError(
      `Opening web task ${task.name} failed: ${(error as Error).message.split("\n")[0]}`,
      {
        cause: error,
      },
    );
  }
}
