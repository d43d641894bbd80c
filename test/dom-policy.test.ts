/**
 * DomPolicy and trainBcDom (issue 19): the item features' invariants (permuting the elements
 * permutes the item rows; padding is masked), the whole network's parameter gradient against
 * central differences on both kernel sets, the file round trip, bad input named, and learning:
 * BC from at most 10 demonstrations per family of synthetic MiniWoB-like tasks reaches ≥ 0.9
 * success on 50 new seeds with new words, one policy for all three families and one per family.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { bcDomConfigSchema, trainBcDom } from "../src/algorithms/bc-dom.js";
import {
  DatasetFormatError,
  InvalidOptionError,
  PolicyLoadError,
  ShapeMismatchError,
} from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, DictSpace, Discrete } from "../src/core/spaces/index.js";
import { Dataset } from "../src/data/dataset.js";
import { Episode } from "../src/data/episode.js";
import { readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { type DomElement, type WebObservation, webSpaces } from "../src/envs/web/observation.js";
import {
  actionOf,
  candidateOf,
  createDomItems,
  domFeatureLayout,
  domItems,
  explainCandidate,
  webSizesOf,
  writeDomItems,
} from "../src/nn/dom-features.js";
import { type DomBatch, DomPolicy } from "../src/nn/dom-policy.js";
import { initFusedEngine } from "../src/nn/fused/arena.js";
import {
  expertDataset,
  expertEpisode,
  SyntheticWebTask,
  successRate,
  WEB_FAMILIES,
  type WebFamily,
} from "./helpers/synthetic-web.js";

/** The encoding the learning tests use: room for every synthetic page (at most 10 elements). */
const SIZES = { maxElements: 12, maxFields: 3, utteranceBytes: 128, textBytes: 32 };
const spaces = webSpaces(SIZES);
const NEW_SEEDS = Array.from({ length: 50 }, (_, i) => 900_000 + i);

let engines: ("ts" | "wasm")[] = ["ts"];
let tmp = "";
before(async () => {
  if ((await initFusedEngine()) === "wasm") engines = ["ts", "wasm"];
  tmp = await mkdtemp(join(tmpdir(), "mimic-dom-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// -------------------------------------------------------------------------------------------
// Features
// -------------------------------------------------------------------------------------------

const TAGS = [
  "BUTTON",
  "INPUT_text",
  "INPUT_password",
  "LABEL",
  "SPAN",
  "DIV",
  "t",
  "TEXTAREA",
  "INPUT_checkbox",
  "H2",
];
const WORDS = ["alpha", "beta", "gamma", "submit", "login", "username", "password"];
const phrase = fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }).map((w) => w.join(" "));
const element = fc.record({
  tag: fc.constantFrom(...TAGS),
  text: phrase,
  value: phrase,
  left: fc.integer({ min: 0, max: 150 }),
  top: fc.integer({ min: 50, max: 200 }),
  width: fc.integer({ min: 1, max: 100 }),
  height: fc.integer({ min: 1, max: 30 }),
  focused: fc.boolean(),
  checked: fc.boolean(),
  tampered: fc.boolean(),
});
const FEATURE_SIZES = { maxElements: 8, maxFields: 3 };
/** A page of up to 8 elements with distinct refs, up to 3 fields, and an utterance quoting some words. */
const page = fc
  .record({
    elements: fc.array(element, { maxLength: FEATURE_SIZES.maxElements }),
    fields: fc.array(fc.record({ key: fc.constantFrom("username", "password", "target"), value: phrase }), {
      maxLength: FEATURE_SIZES.maxFields,
    }),
    said: phrase,
    quote: phrase,
  })
  .map(
    ({ elements, fields, said, quote }): WebObservation => ({
      utterance: `${said} "${quote}" then press Enter`,
      fields,
      elements: elements.map((e, i): DomElement => ({ ...e, ref: i + 1, parent: 0 })),
    }),
  );

describe("DOM features", () => {
  const layout = domFeatureLayout(FEATURE_SIZES);

  test("permuting the elements permutes the item rows; key rows and padding do not move", () => {
    fc.assert(
      fc.property(
        page,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (obs, keys) => {
          const n = obs.elements.length;
          const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
          const permuted = { ...obs, elements: order.map((i) => obs.elements[i]!) };
          const a = domItems(obs, layout);
          const b = domItems(permuted, layout);
          const { width, columns } = layout;
          const row = (x: ArrayLike<number>, i: number, size: number) =>
            Array.from(x).slice(i * size, (i + 1) * size);
          order.forEach((from, to) => {
            assert.deepEqual(
              row(b.features, to, width),
              row(a.features, from, width),
              `element ${from} → ${to}`,
            );
            assert.deepEqual(row(b.candidates, to, columns), row(a.candidates, from, columns));
          });
          for (let i = n; i < layout.items; i++) {
            assert.deepEqual(row(b.features, i, width), row(a.features, i, width));
            assert.deepEqual(row(b.candidates, i, columns), row(a.candidates, i, columns));
          }
          assert.deepEqual(Array.from(b.itemMask), Array.from(a.itemMask));
        },
      ),
      { numRuns: 150, seed: 19 },
    );
  });

  test("padding items are masked, all zeros and no candidate; keys are always candidates", () => {
    fc.assert(
      fc.property(page, (obs) => {
        const items = domItems(obs, layout);
        const { width, columns, maxElements } = layout;
        for (let i = 0; i < layout.items; i++) {
          const real = i < obs.elements.length || i >= maxElements;
          assert.equal(items.itemMask[i], real ? 1 : 0);
          if (!real) {
            assert.ok(items.features.subarray(i * width, (i + 1) * width).every((v) => v === 0));
            assert.ok(items.candidates.subarray(i * columns, (i + 1) * columns).every((v) => v === 0));
          }
          if (i >= maxElements) assert.equal(items.candidates[i * columns], 1);
        }
        // Type candidates: typeable elements × present fields, nothing past the fields.
        obs.elements.forEach((e, i) => {
          for (let j = 0; j < FEATURE_SIZES.maxFields; j++) {
            const typeable = e.tag === "INPUT_text" || e.tag === "INPUT_password" || e.tag === "TEXTAREA";
            assert.equal(items.candidates[i * columns + 1 + j], typeable && j < obs.fields.length ? 1 : 0);
          }
        });
      }),
      { numRuns: 150, seed: 20 },
    );
  });

  test("every valid candidate is an action and back; encoded and decoded pages give the same items", () => {
    const policy = new DomPolicy({
      sizes: { ...FEATURE_SIZES, utteranceBytes: 128, textBytes: 32 },
      width: 8,
      heads: 2,
    });
    fc.assert(
      fc.property(page, (obs) => {
        const items = policy.items(obs);
        const n = layout.items * layout.columns;
        for (let k = 0; k < n; k++) {
          if (items.candidates[k] === 1) assert.equal(candidateOf(actionOf(k, layout), layout), k);
        }
        const encoded = policy.items(policy.spaces.encodeObservation(obs));
        assert.deepEqual(Array.from(encoded.features), Array.from(items.features));
      }),
      { numRuns: 60, seed: 21 },
    );
  });

  test("webSizesOf reads the sizes back off a web observation space, and refuses others", () => {
    for (const sizes of [SIZES, { ...SIZES, screenshot: { width: 16, height: 21 } }, {}]) {
      const back = webSizesOf(webSpaces(sizes).observation);
      assert.deepEqual(webSpaces(back).observation.toJSON(), webSpaces(sizes).observation.toJSON());
    }
    assert.throws(() => webSizesOf(new Box(0, 1, [3])), /is not a web observation space .*not a Dict/);
    const other = new DictSpace({ utterance: new Box(0, 255, [8], "uint8") });
    assert.throws(() => webSizesOf(other), ShapeMismatchError);
  });

  test("the relational features: field value, label, quote", () => {
    const task = new SyntheticWebTask("login", 3);
    const obs = task.observe();
    const L = domFeatureLayout({ maxElements: 12, maxFields: 3 });
    const items = domItems(obs, L);
    const field = (i: number, j: number, k: number) =>
      items.features[i * L.width + L.groups.field.offset + 7 * j + k];
    const expert = task.expert();
    assert.equal(expert.kind, "type");
    const user = (expert as { element: number }).element;
    assert.equal(field(user, 0, 6), 1, "the Username input's label names field 0's key");
    assert.equal(field(user, 1, 6), 0);
    task.step(expert);
    const after = domItems(task.observe(), L);
    assert.equal(
      after.features[user * L.width + L.groups.field.offset + 4],
      1,
      "its value now equals field 0's",
    );
    const quoted = domItems({ ...obs, utterance: 'Click "Login" now' }, L);
    const login = obs.elements.findIndex((e) => e.text === "Login");
    assert.equal(quoted.features[login * L.width + L.groups.utterance.offset + 2], 1);
  });
});

// -------------------------------------------------------------------------------------------
// Gradients
// -------------------------------------------------------------------------------------------

/** A batch of three pages of a tiny policy, each with a random valid target. */
function tinyBatch(policy: DomPolicy): { batch: DomBatch; rows: number } {
  const layout = policy.layout;
  const rows = 3;
  const batch: DomBatch = { ...createDomItems(layout, rows), targets: new Int32Array(rows) };
  const rng = rngFromSeed(5);
  const families: WebFamily[] = ["enter-text", "login", "login"];
  const n = layout.items * layout.columns;
  for (let r = 0; r < rows; r++) {
    const task = new SyntheticWebTask(families[r]!, 10 + r);
    if (r === 2) task.step(task.expert());
    writeDomItems(task.observe(), layout, batch, r);
    const valid: number[] = [];
    for (let k = 0; k < n; k++) if (batch.candidates[r * n + k] === 1) valid.push(k);
    batch.targets[r] = valid[rng.integers(valid.length)]!;
  }
  return { batch, rows };
}

describe("DomPolicy gradient", () => {
  // The network runs in float32 and the loss is summed in float64 from float32 scores, so a
  // central difference (L(w + h) − L(w − h)) / 2h carries a round-off of about 2⁻²⁴·|L|·(a few)
  // / 2h: ~1e-5 at h = 1e-2 and ~1e-4 at h = 1e-3 for |L| ≈ 3, plus O(h²) truncation. Measured
  // worst relative errors over all 455 parameters: tanh at h = 1e-2, 1.5e-6 (ts) and 2.2e-6
  // (wasm); ReLU at h = 1e-3, 7.6e-6 and 1.4e-5. ReLU takes the smaller step so no unit's input
  // crosses 0 between w − h and w + h (at h = 1e-2 one parameter does, error 1e-3).
  for (const [activation, h, tolerance] of [
    ["tanh", 1e-2, 5e-5],
    ["relu", 1e-3, 2e-4],
  ] as const) {
    test(`${activation}: every parameter's gradient matches central differences (h = ${h})`, () => {
      for (const engine of engines) {
        const policy = new DomPolicy({
          sizes: { maxElements: 8, maxFields: 2, utteranceBytes: 128, textBytes: 32 },
          width: 4,
          heads: 2,
          textBuckets: 4,
          utteranceBuckets: 4,
          activation,
          l2: 0.01,
          engine,
          seed: 3,
        });
        const { batch, rows } = tinyBatch(policy);
        // Move the weights off the initialization (zero biases, tiny head) so every path carries gradient.
        const rng = rngFromSeed(7);
        const w = policy.getWeights().map((v) => v + rng.uniform(-0.3, 0.3));
        policy.setWeights(w);
        const { gradient } = policy.gradient(batch, rows);
        let worst = 0;
        for (let i = 0; i < w.length; i++) {
          const probe = w.slice();
          probe[i] = w[i]! + h;
          policy.setWeights(probe);
          const up = policy.evaluate(batch, rows).loss;
          probe[i] = w[i]! - h;
          policy.setWeights(probe);
          const down = policy.evaluate(batch, rows).loss;
          const numeric = (up - down) / (Math.fround(w[i]! + h) - Math.fround(w[i]! - h));
          const error = Math.abs(numeric - gradient[i]!) / Math.max(1, Math.abs(numeric));
          assert.ok(
            error <= tolerance,
            `${engine}: parameter ${i}: analytic ${gradient[i]} vs numeric ${numeric}`,
          );
          worst = Math.max(worst, error);
        }
        policy.setWeights(w);
        assert.ok(worst > 0, "the check compared something");
      }
    });
  }
});

// -------------------------------------------------------------------------------------------
// Files and bad input
// -------------------------------------------------------------------------------------------

describe("DomPolicy files and errors", () => {
  test("save and load give the same weights and the same actions, greedy and sampled", async () => {
    const { policy } = await trainBcDom(expertDataset(spaces, WEB_FAMILIES, 2, 5), {
      epochs: 3,
      width: 16,
      validationFraction: 0,
    });
    const file = join(tmp, "dom.json");
    await policy.save(file);
    const loaded = await DomPolicy.load(file);
    assert.deepEqual(loaded.getWeights(), policy.getWeights());
    const a = rngFromSeed(1);
    const b = rngFromSeed(1);
    for (const family of WEB_FAMILIES) {
      for (let s = 0; s < 5; s++) {
        const obs = spaces.encodeObservation(new SyntheticWebTask(family, 500 + s).observe());
        assert.deepEqual(loaded.act(obs, { deterministic: true }), policy.act(obs, { deterministic: true }));
        assert.deepEqual(loaded.act(obs, { rng: a }), policy.act(obs, { rng: b }));
      }
    }
  });

  test("a damaged or foreign file is a PolicyLoadError that says what is wrong", async () => {
    const policy = new DomPolicy({ sizes: SIZES, width: 8, heads: 2 });
    const good = policy.toJSON();
    const cases: [string, string, RegExp][] = [
      ["not-json.json", "{", /not valid JSON/],
      [
        "foreign.json",
        JSON.stringify({ format: "mimic-encoder-policy", formatVersion: 1 }),
        /not a DOM policy file/,
      ],
      [
        "future.json",
        JSON.stringify({ ...good, formatVersion: 2 }),
        /format version 2; this mimic .* reads version 1/,
      ],
      [
        "weights.json",
        JSON.stringify({ ...good, weights: "AAAAAA==" }),
        /holds 1 weights; its layout needs \d+/,
      ],
      ["heads.json", JSON.stringify({ ...good, heads: 3 }), /damaged: .*divide into 3 heads/],
      ["sizes.json", JSON.stringify({ ...good, sizes: { maxElements: 0 } }), /damaged: .*maxElements/],
    ];
    for (const [name, text, pattern] of cases) {
      const file = join(tmp, name);
      await writeFile(file, text);
      await assert.rejects(
        DomPolicy.load(file),
        (e: unknown) => e instanceof PolicyLoadError && pattern.test(e.message),
        name,
      );
    }
    await assert.rejects(DomPolicy.load(join(tmp, "missing.json")), /Cannot read the DOM policy/);
  });

  test("sampled actions are always valid candidates of the page", () => {
    const policy = new DomPolicy({ sizes: SIZES, width: 8, heads: 2, seed: 4 });
    const rng = rngFromSeed(9);
    for (const family of WEB_FAMILIES) {
      const obs = new SyntheticWebTask(family, 77).observe();
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const action = policy.act(spaces.encodeObservation(obs), { rng });
        assert.equal(explainCandidate(action, obs, policy.layout), null, `${family}: ${Array.from(action)}`);
        seen.add(Array.from(action).join());
      }
      assert.ok(seen.size > 5, `${family}: an untrained policy spreads its samples (${seen.size} distinct)`);
    }
  });

  test("act names a leaf of the wrong size; options are checked", () => {
    const policy = new DomPolicy({ sizes: SIZES, width: 8, heads: 2 });
    const obs = spaces.encodeObservation(new SyntheticWebTask("login", 1).observe());
    assert.throws(
      () => policy.act({ ...obs, utterance: new Uint8Array(5) }),
      (e: unknown) =>
        e instanceof ShapeMismatchError &&
        /"utterance" should be a typed array of 128 values/.test(e.message),
    );
    assert.throws(
      () =>
        policy.act({ ...obs, elements: { ...obs.elements, numbers: undefined as unknown as Float32Array } }),
      /"elements\/numbers" should be a typed array of 120 values .* got nothing/,
    );
    assert.throws(() => new DomPolicy({ sizes: SIZES, width: 10, heads: 4 }), /divide into 4 heads/);
    assert.throws(() => new DomPolicy({ l2: -1 }), InvalidOptionError);
  });

  test("trainBcDom names the episode and step of an action the page cannot take, and bad configs", async () => {
    const good = expertEpisode(spaces, "login", 1, 0);
    const withAction = (t: number, action: number[]) => {
      const actions = good.actions.slice() as Int32Array;
      actions.set(action, 3 * t);
      return new Episode({
        id: 1,
        observations: good.observationLeaves!,
        actions,
        rewards: good.rewards,
        terminated: true,
        truncated: false,
      });
    };
    const dataset = (bad: Episode) =>
      new Dataset({
        id: "web/bad-v0",
        episodes: [good, bad],
        observationSpace: spaces.observation,
        actionSpace: spaces.action,
      });
    const login = new SyntheticWebTask("login", 1).observe().elements.findIndex((e) => e.text === "Login");
    const cases: [number[], number, RegExp][] = [
      [
        [0, 9, 0],
        1,
        /episode 1 of web\/bad-v0, step 1: .*\[0, 9, 0\] \(click\(element 9\)\).*has 6 elements \(indices 0–5\)/,
      ],
      [[1, login, 0], 2, /step 2: .*type names element \d+, a BUTTON, which takes no text/],
      [[1, 1, 2], 0, /type names (element 1, a \w+, which takes no text|field 2, but the task has 2 fields)/],
    ];
    for (const [action, t, pattern] of cases) {
      await assert.rejects(
        trainBcDom(dataset(withAction(t, action)), { epochs: 1, validationFraction: 0 }),
        (e: unknown) => e instanceof DatasetFormatError && e.episode === 1 && pattern.test(e.message),
        pattern.source,
      );
    }
    await assert.rejects(trainBcDom(dataset(good.withId(1)), { epochs: 0 }), /BC \(DOM\) config: epochs/);
    await assert.rejects(trainBcDom(dataset(good.withId(1)), { depth: 2 } as never), InvalidOptionError);
    const plain = new Dataset({
      id: "cartpole/x-v0",
      episodes: [
        new Episode({
          id: 0,
          observations: new Float32Array(8),
          actions: new Int32Array(1),
          rewards: [1],
          terminated: true,
          truncated: false,
        }),
      ],
      observationSpace: new Box(-1, 1, [4]),
      actionSpace: new Discrete(2),
    });
    await assert.rejects(trainBcDom(plain), /is not a web observation space/);
    const wrongActions = new Dataset({
      id: "web/wrong-actions-v0",
      episodes: [
        new Episode({
          id: 0,
          observations: good.observationLeaves!,
          actions: new Int32Array(good.length),
          rewards: good.rewards,
          terminated: true,
          truncated: false,
        }),
      ],
      observationSpace: spaces.observation,
      actionSpace: new Discrete(4),
    });
    await assert.rejects(
      trainBcDom(wrongActions),
      (e: unknown) =>
        e instanceof ShapeMismatchError &&
        /has actions in Discrete\(4\).*whose actions are MultiDiscrete/.test(e.message),
    );
    assert.equal(bcDomConfigSchema.parse({}).epochs, 80);
  });

  test("trainBcDom validates on held-out episodes, reports each epoch, keeps the best, and stops when aborted", async () => {
    const data = expertDataset(spaces, WEB_FAMILIES, 2, 3);
    const records: number[] = [];
    const { history, bestEpoch } = await trainBcDom(
      data,
      { epochs: 4, width: 8, heads: 2, validationFraction: 0.34 },
      { onEpoch: (r) => records.push(r.epoch) },
    );
    assert.deepEqual(records, [1, 2, 3, 4]);
    assert.ok(history.every((r) => r.validationLoss !== null && Number.isFinite(r.validationLoss)));
    const lowest = Math.min(...history.map((r) => r.validationLoss!));
    assert.equal(history[bestEpoch - 1]!.validationLoss, lowest);
    await assert.rejects(trainBcDom(data, { epochs: 2 }, { signal: AbortSignal.abort() }), {
      name: "AbortError",
    });
  });
});

// -------------------------------------------------------------------------------------------
// Learning
// -------------------------------------------------------------------------------------------

describe("BC with DomPolicy learns web tasks from a few demonstrations", () => {
  // Few demonstrations: every episode trains (validationFraction 0) for a fixed 60 epochs.
  const config = { epochs: 60, width: 32, heads: 4, validationFraction: 0, seed: 0 };
  const rate = (policy: DomPolicy, family: WebFamily) =>
    successRate((_, encoded) => policy.act(encoded, { deterministic: true }), spaces, family, NEW_SEEDS);

  test("one policy for all three families, 10 demonstrations each: ≥ 0.9 success on 50 new seeds", async (t) => {
    const started = Date.now();
    const { policy, history } = await trainBcDom(expertDataset(spaces, WEB_FAMILIES, 10, 1), config);
    const seconds = (Date.now() - started) / 1000;
    const rates = WEB_FAMILIES.map((family) => rate(policy, family));
    t.diagnostic(
      `all families: success ${WEB_FAMILIES.map((f, i) => `${f} ${rates[i]}`).join(", ")}; trained in ${seconds.toFixed(1)} s, final loss ${history.at(-1)!.trainLoss.toFixed(3)}`,
    );
    for (const [i, family] of WEB_FAMILIES.entries()) assert.ok(rates[i]! >= 0.9, `${family}: ${rates[i]}`);
  });

  for (const family of WEB_FAMILIES) {
    test(`${family} alone, 5 demonstrations: ≥ 0.9 success on 50 new seeds`, async (t) => {
      const started = Date.now();
      const { policy } = await trainBcDom(expertDataset(spaces, [family], 5, 1), config);
      const seconds = (Date.now() - started) / 1000;
      const r = rate(policy, family);
      t.diagnostic(`${family}: success ${r}; trained in ${seconds.toFixed(1)} s`);
      assert.ok(r >= 0.9, `${family}: ${r}`);
    });
  }

  test("a dataset written to Minari HDF5 and read back trains the same policy", async () => {
    const data = expertDataset(spaces, WEB_FAMILIES, 1, 40);
    const dir = join(tmp, "web-minari");
    await writeMinari(dir, data);
    const { dataset: read } = await readMinari(dir);
    const small = { ...config, epochs: 2, width: 8, heads: 2 };
    const a = await trainBcDom(data, small);
    const b = await trainBcDom(read, small);
    assert.deepEqual(b.policy.getWeights(), a.policy.getWeights());
  });

  test("the same seed trains the same weights", async () => {
    const data = expertDataset(spaces, ["click-button"], 3, 1);
    const a = await trainBcDom(data, { ...config, epochs: 5 });
    const b = await trainBcDom(data, { ...config, epochs: 5 });
    assert.deepEqual(a.policy.getWeights(), b.policy.getWeights());
    assert.deepEqual(
      a.history.map((r) => r.trainLoss),
      b.history.map((r) => r.trainLoss),
    );
  });
});
