/**
 * @module
 * Synthetic MiniWoB++-like web tasks for the DOM policy's tests: pages of `WebObservation`s with
 * made-up words (every seed draws new ones), three task families, a scripted expert, and the
 * state change each action makes (typing fills and focuses an input; clicking focuses and marks
 * an element tampered). No browser.
 *
 * - `click-button`: 'Click on the "w" button.' among 2–6 buttons of random words; distractor text
 *   (a paragraph of random words, sometimes containing w, and sometimes a SPAN saying exactly w).
 *   One step.
 * - `enter-text`: 'Type "w" into the text field and click Submit.' with one text input and a
 *   Submit button among distractor text: type field 0 into the input, then click Submit.
 * - `login`: 'Enter the username "u" and the password "p" into the text fields and press login.'
 *   with a LABEL "Username" and "Password" beside or above their inputs (rows in random order and
 *   places; the password input is an `INPUT_text` half the time, so only the label tells): type
 *   field 0 into the Username input, field 1 into the Password input, click Login.
 */
import { type Rng, rngFromSeed } from "../../src/core/rng.js";
import type { SpaceValue } from "../../src/core/spaces/index.js";
import { DictSpace } from "../../src/core/spaces/index.js";
import { layoutFor } from "../../src/data/columns.js";
import { Dataset } from "../../src/data/dataset.js";
import { Episode } from "../../src/data/episode.js";
import type {
  DomElement,
  WebAction,
  WebField,
  WebObservation,
  WebSpaces,
} from "../../src/envs/web/observation.js";

export type WebFamily = "click-button" | "enter-text" | "login";
export const WEB_FAMILIES: readonly WebFamily[] = ["click-button", "enter-text", "login"];

const CONSONANTS = "bcdfghjklmnprstvwz";
const VOWELS = "aeiou";

/** A pronounceable made-up word of 2–3 syllables. */
function randomWord(rng: Rng): string {
  let w = "";
  const syllables = 2 + rng.integers(2);
  for (let s = 0; s < syllables; s++)
    w += CONSONANTS[rng.integers(CONSONANTS.length)]! + VOWELS[rng.integers(5)]!;
  return w;
}

/** `n` distinct made-up words. */
function distinctWords(rng: Rng, n: number, avoid: ReadonlySet<string> = new Set()): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    const w = randomWord(rng);
    if (!avoid.has(w)) out.add(w);
  }
  return [...out];
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.integers(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A task in progress: what the page shows, what the expert does next, and the page after an action. */
export class SyntheticWebTask {
  readonly family: WebFamily;
  readonly seed: number;
  private readonly utterance: string;
  private readonly fields: WebField[];
  private readonly elements: DomElement[];
  /** The expert's actions, in order (indices into `elements`). */
  private readonly plan: WebAction[];
  private t = 0;

  constructor(family: WebFamily, seed: number) {
    this.family = family;
    this.seed = seed;
    const rng = rngFromSeed(seed);
    const els: DomElement[] = [];
    let ref = 1;
    const add = (tag: string, text: string, left: number, top: number, width: number, height: number) => {
      els.push({
        ref: ref++,
        parent: 1,
        tag,
        text,
        value: "",
        left,
        top,
        width,
        height,
        focused: false,
        checked: false,
        tampered: false,
      });
      return els.length - 1;
    };
    // The task area's wrapper (MiniWoB++'s #area), then the page.
    add("DIV", "", 0, 50, 160, 160);
    const used = new Set<string>();
    if (family === "click-button") {
      const count = 2 + rng.integers(5);
      const labels = distinctWords(rng, count);
      for (const w of labels) used.add(w);
      const target = labels[rng.integers(count)]!;
      this.utterance = `Click on the "${target}" button.`;
      this.fields = [{ key: "target", value: target }];
      const parts: (() => void)[] = [];
      const distractor = distinctWords(rng, 2 + rng.integers(3), used);
      if (rng.uniform(0, 1) < 0.5) distractor.splice(rng.integers(distractor.length + 1), 0, target);
      parts.push(() => add("P", distractor.join(" "), 2, 55 + rng.integers(20), 150, 12));
      if (rng.uniform(0, 1) < 0.5)
        parts.push(() => add("SPAN", target, rng.integers(110), 80 + rng.integers(20), 40, 12));
      let targetIndex = -1;
      for (const w of shuffled(labels, rng)) {
        parts.push(() => {
          const i = add("BUTTON", w, 5 + rng.integers(100), 105 + rng.integers(95), 40, 18);
          if (w === target) targetIndex = i;
        });
      }
      for (const part of shuffled(parts, rng)) part();
      this.plan = [{ kind: "click", element: targetIndex }];
    } else if (family === "enter-text") {
      const n = 1 + rng.integers(2);
      const value = distinctWords(rng, n).join(" ");
      for (const w of value.split(" ")) used.add(w);
      this.utterance = `Type "${value}" into the text field and click Submit.`;
      this.fields = [{ key: "target", value }];
      let input = -1;
      let submit = -1;
      const parts = shuffled(
        [
          () =>
            add(
              "P",
              distinctWords(rng, 2 + rng.integers(4), used).join(" "),
              2,
              55 + rng.integers(20),
              150,
              12,
            ),
          () => {
            input = add("INPUT_text", "", 5 + rng.integers(60), 85 + rng.integers(50), 90, 16);
          },
          () => {
            submit = add("BUTTON", "Submit", 5 + rng.integers(100), 150 + rng.integers(50), 50, 18);
          },
        ],
        rng,
      );
      for (const part of parts) part();
      this.plan = [
        { kind: "type", element: input, field: 0 },
        { kind: "click", element: submit },
      ];
    } else {
      const [user, pass] = distinctWords(rng, 2);
      this.utterance = `Enter the username "${user}" and the password "${pass}" into the text fields and press login.`;
      this.fields = [
        { key: "username", value: user! },
        { key: "password", value: pass! },
      ];
      const inputs: Record<string, number> = {};
      const beside = rng.uniform(0, 1) < 0.5;
      const rows = shuffled(["Username", "Password"], rng);
      const tops = [60 + rng.integers(20), 105 + rng.integers(20)];
      const order = shuffled([0, 1, 2, 3], rng); // document order of the four elements
      const builders = rows.flatMap((name, r) => {
        const top = tops[r]!;
        const left = 5 + rng.integers(20);
        const tag = name === "Password" && rng.uniform(0, 1) < 0.5 ? "INPUT_password" : "INPUT_text";
        return [
          () => add("LABEL", name, left, top, 60, 12),
          () => {
            inputs[name] = beside
              ? add(tag, "", left + 65, top - 2, 80, 16)
              : add(tag, "", left, top + 15, 120, 16);
          },
        ];
      });
      for (const i of order) builders[i]!();
      const login = add("BUTTON", "Login", 5 + rng.integers(80), 165 + rng.integers(30), 50, 18);
      this.plan = [
        { kind: "type", element: inputs.Username!, field: 0 },
        { kind: "type", element: inputs.Password!, field: 1 },
        { kind: "click", element: login },
      ];
    }
    this.elements = els;
  }

  get done(): boolean {
    return this.t >= this.plan.length;
  }

  get steps(): number {
    return this.plan.length;
  }

  observe(): WebObservation {
    return {
      utterance: this.utterance,
      fields: this.fields.map((f) => ({ ...f })),
      elements: this.elements.map((e) => ({ ...e })),
    };
  }

  /** The scripted expert's action now. */
  expert(): WebAction {
    const a = this.plan[this.t];
    if (a === undefined) throw new Error(`task ${this.family}/${this.seed} is done`);
    return a;
  }

  /** Applies an action (any, not only the expert's) and moves to the next step. */
  step(action: WebAction): void {
    for (const e of this.elements) e.focused = false;
    if (action.kind !== "key") {
      const e = this.elements[action.element]!;
      e.focused = true;
      e.tampered = true;
      if (action.kind === "type") e.value = this.fields[action.field]?.value ?? "";
    }
    this.t++;
  }
}

/** One expert episode of a task, as leaf columns of `spaces.observation` (the dataset path). */
export function expertEpisode(spaces: WebSpaces, family: WebFamily, seed: number, id: number): Episode {
  const task = new SyntheticWebTask(family, seed);
  const layout = layoutFor(spaces.observation, "observation");
  const steps = task.steps;
  const leaves = layout.create(steps + 1);
  const actions = new Int32Array(steps * 3);
  for (let t = 0; t < steps; t++) {
    layout.write(spaces.encodeObservation(task.observe()) as unknown as SpaceValue, leaves, t);
    const action = task.expert();
    actions.set(spaces.encodeAction(action), 3 * t);
    task.step(action);
  }
  layout.write(spaces.encodeObservation(task.observe()) as unknown as SpaceValue, leaves, steps);
  return new Episode({
    id,
    observations: leaves,
    actions,
    rewards: new Float64Array(steps).fill(0).map((_, t) => (t === steps - 1 ? 1 : 0)),
    terminated: true,
    truncated: false,
    seed,
  });
}

/** A dataset of expert demonstrations: `perFamily` episodes of each family, seeds from `firstSeed`. */
export function expertDataset(
  spaces: WebSpaces,
  families: readonly WebFamily[],
  perFamily: number,
  firstSeed: number,
): Dataset {
  const episodes: Episode[] = [];
  families.forEach((family, f) => {
    for (let i = 0; i < perFamily; i++) {
      episodes.push(expertEpisode(spaces, family, firstSeed + f * 100_000 + i, episodes.length));
    }
  });
  if (!(spaces.observation instanceof DictSpace)) throw new Error("web observations are a Dict");
  return new Dataset({
    id: "synthetic/web-expert-v0",
    episodes,
    observationSpace: spaces.observation,
    actionSpace: spaces.action,
  });
}

/**
 * Success rate of `act` on `count` new tasks of a family: a task succeeds when every step's action
 * equals the expert's (the task follows the expert's action, so one mistake fails it).
 */
export function successRate(
  act: (
    observation: WebObservation,
    encoded: ReturnType<WebSpaces["encodeObservation"]>,
  ) => ArrayLike<number>,
  spaces: WebSpaces,
  family: WebFamily,
  seeds: readonly number[],
): number {
  let ok = 0;
  for (const seed of seeds) {
    const task = new SyntheticWebTask(family, seed);
    let good = true;
    while (!task.done) {
      const observation = task.observe();
      const action = act(observation, spaces.encodeObservation(observation));
      const expert = spaces.encodeAction(task.expert());
      if (action[0] !== expert[0] || action[1] !== expert[1] || action[2] !== expert[2]) {
        good = false;
        break;
      }
      task.step(task.expert());
    }
    if (good) ok++;
  }
  return ok / seeds.length;
}
