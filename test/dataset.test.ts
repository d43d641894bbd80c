import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Box, Discrete } from "../src/core/spaces/index.js";
import { Dataset } from "../src/data/dataset.js";
import { Episode } from "../src/data/episode.js";
import { fromJsonl, toJsonl } from "../src/data/jsonl.js";

const obsSpace = new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, [2]);
const actSpace = new Discrete(3);

function episode(id: number, rewards: number[], terminated = true): Episode {
  const T = rewards.length;
  return new Episode({
    id,
    observations: Float32Array.from({ length: (T + 1) * 2 }, (_, k) => id * 100 + k),
    actions: Int32Array.from({ length: T }, (_, t) => t % 3),
    rewards,
    terminated,
    truncated: !terminated,
  });
}

function dataset(n = 10): Dataset {
  const episodes = Array.from({ length: n }, (_, i) =>
    episode(
      i,
      Array.from({ length: i + 1 }, () => i),
      i % 2 === 0,
    ),
  );
  return new Dataset({ id: "test/toy-v0", episodes, observationSpace: obsSpace, actionSpace: actSpace });
}

describe("Dataset operations", () => {
  test("filter by return, length and termination", () => {
    const d = dataset();
    assert.deepEqual(
      d.filter({ minReturn: 16 }).episodes.map((e) => e.id),
      [4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      d.filter({ maxLength: 3, terminated: true }).episodes.map((e) => e.id),
      [0, 2],
    );
    assert.deepEqual(
      d.filter((e) => e.id === 3).episodes.map((e) => e.id),
      [3],
    );
    assert.equal(d.episodes.length, 10, "the original is unchanged");
  });

  test("topK and seeded sample", () => {
    const d = dataset();
    assert.deepEqual(
      d.topK(3).episodes.map((e) => e.id),
      [7, 8, 9],
    );
    const a = d.sample(4, 1).episodes.map((e) => e.id);
    assert.deepEqual(
      d.sample(4, 1).episodes.map((e) => e.id),
      a,
    );
    assert.equal(new Set(a).size, 4);
    assert.throws(() => d.topK(-1), /non-negative integer/);
  });

  test("dropNonFinite cuts at the first bad step and reports it", () => {
    const bad = episode(0, [1, 2, 3, 4]);
    (bad.observations as Float32Array)[2 * 2] = Number.NaN; // observation row 2 → step 1 is bad
    const worse = episode(1, [1, Number.POSITIVE_INFINITY]);
    (worse.observations as Float32Array)[0] = Number.NaN; // row 0 → no clean step
    const d = new Dataset({
      id: "x-v0",
      episodes: [bad, worse, episode(2, [1])],
      observationSpace: obsSpace,
      actionSpace: actSpace,
    });
    const { dataset: clean, droppedSteps, droppedEpisodes, cutEpisodes } = d.dropNonFinite();
    assert.equal(droppedSteps, 3 + 2);
    assert.equal(droppedEpisodes, 1);
    assert.equal(cutEpisodes, 1);
    assert.deepEqual(
      clean.episodes.map((e) => [e.id, e.length, e.truncated]),
      [
        [0, 1, true],
        [2, 1, false],
      ],
    );
  });

  test("merge renumbers and refuses other spaces", () => {
    const merged = dataset(3).merge([dataset(2)]);
    assert.deepEqual(
      merged.episodes.map((e) => e.id),
      [0, 1, 2, 3, 4],
    );
    const other = new Dataset({
      id: "y-v0",
      episodes: [],
      observationSpace: obsSpace,
      actionSpace: new Discrete(2),
    });
    assert.throws(() => dataset(2).merge([other]), /merge: dataset y-v0 has spaces/);
  });

  test("split and kFold partition episodes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 30 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        const d = dataset(n);
        const { train, validation, test } = d.split({ train: 0.6, validation: 0.2, test: 0.2 }, seed);
        const ids = [...train.episodes, ...validation.episodes, ...test.episodes]
          .map((e) => e.id)
          .sort((a, b) => a - b);
        assert.deepEqual(
          ids,
          d.episodes.map((e) => e.id),
        );
        const folds = d.kFold(3, seed);
        const validated = folds.flatMap((f) => f.validation.episodes.map((e) => e.id)).sort((a, b) => a - b);
        assert.deepEqual(
          validated,
          d.episodes.map((e) => e.id),
        );
        for (const f of folds) assert.equal(f.train.episodes.length + f.validation.episodes.length, n);
      }),
    );
    assert.throws(() => dataset().split({ train: 0.9, validation: 0.2 }, 0), /sum to 1/);
  });

  test("stats", () => {
    const s = dataset(3).stats();
    assert.equal(s.episodes, 3);
    assert.equal(s.steps, 6);
    assert.equal(s.returnMean, (0 + 2 + 6) / 3);
    assert.equal(s.returnMin, 0);
    assert.equal(s.returnMax, 6);
    assert.equal(s.terminatedEpisodes, 2);
    assert.equal(s.observations.mean.length, 2);
    assert.equal(s.actions.min[0], 0);
    assert.equal(s.actions.max[0], 2);
  });
});

describe("JSONL", () => {
  const arbEpisodes = fc.array(
    fc.tuple(
      fc.integer({ min: 1, max: 8 }),
      fc.boolean(),
      fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 18, maxLength: 18 }),
      fc.array(fc.double(), { minLength: 8, maxLength: 8 }),
    ),
    { minLength: 0, maxLength: 5 },
  );

  test("episodes round-trip exactly (property)", () => {
    fc.assert(
      fc.property(arbEpisodes, (specs) => {
        const episodes = specs.map(
          ([T, terminated, obs, rewards], id) =>
            new Episode({
              id,
              seed: id * 7,
              observations: Float32Array.from(obs.slice(0, (T + 1) * 2)),
              actions: Int32Array.from({ length: T }, (_, t) => t % 3),
              rewards: rewards.slice(0, T),
              terminated,
              truncated: !terminated,
            }),
        );
        const d = new Dataset({
          id: "prop/data-v1",
          episodes,
          observationSpace: obsSpace,
          actionSpace: actSpace,
        });
        const back = fromJsonl(toJsonl(d));
        assert.equal(back.id, "prop/data-v1");
        assert.equal(String(back.observationSpace), String(obsSpace));
        assert.deepEqual(back.episodes, d.episodes);
      }),
    );
  });

  test("bad lines name the line, the episode and the field", () => {
    const d = dataset(2);
    const lines = toJsonl(d).split("\n");
    assert.throws(() => fromJsonl(`${lines[0]}\n{oops`), /line 2: not a JSON object/);
    const wrongAction = lines[2]!.replace('"actions":[0,1]', '"actions":[0,5]');
    assert.throws(
      () => fromJsonl([lines[0], lines[1], wrongAction].join("\n"), { file: "x.jsonl" }),
      /x\.jsonl, line 3, episode 1: actions\[1\] does not fit Discrete\(3\)/,
    );
    const short = lines[1]!.replace('"rewards":[0]', '"rewards":[0,0]');
    assert.throws(
      () => fromJsonl([lines[0], short].join("\n")),
      /line 2, episode 0: episode 0: actions has 1 values/,
    );
    assert.throws(() => fromJsonl(lines[1]!), /no header line/);
  });
});

describe("contentHash", () => {
  test("same content, same hash; any change, another hash", async () => {
    const { contentHash } = await import("../src/data/hash.js");
    const a = contentHash(dataset(4));
    assert.match(a, /^sha256:[0-9a-f]{64}$/);
    assert.equal(contentHash(dataset(4)), a);
    assert.equal(contentHash(fromJsonl(toJsonl(dataset(4)))), a);
    assert.notEqual(contentHash(dataset(5)), a);
    const changed = dataset(4);
    (changed.episodes[1]!.rewards as Float64Array)[0] = 0.5;
    assert.notEqual(contentHash(changed), a);
  });
});
