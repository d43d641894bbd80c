/**
 * Dict and Tuple observation spaces in the data layer: leaf columns in episodes, Minari's HDF5
 * layout (observations/ as a group, one dataset per key, `_index_<i>` for Tuple positions, uint8
 * leaves gzip-compressed), JSONL, and the errors bad observations give.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import h5wasm from "h5wasm/node";
import type { Env, StepResult } from "../src/core/env.js";
import { DatasetFormatError, ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import {
  Box,
  DictSpace,
  Discrete,
  MultiBinary,
  type Space,
  type SpaceValue,
  TupleSpace,
  type TypedArray,
} from "../src/core/spaces/index.js";
import { collect } from "../src/data/collect.js";
import { type LeafColumns, layoutFor } from "../src/data/columns.js";
import { Dataset } from "../src/data/dataset.js";
import { Episode, toTransitions } from "../src/data/episode.js";
import { contentHash } from "../src/data/hash.js";
import { readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { fromJsonl, toJsonl } from "../src/data/jsonl.js";
import { runCli } from "./helpers/cli.js";

const scratch = await mkdtemp(join(tmpdir(), "mimic-minari-dict-"));
after(() => rm(scratch, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => join(scratch, `ds-${counter++}`);

function assertSameArray(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.constructor.name, expected.constructor.name, `${what}: array type`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} !== ${expected[i]}`);
  }
}

function assertSameDataset(actual: Dataset, expected: Dataset): void {
  assert.equal(actual.id, expected.id);
  assert.deepEqual(actual.observationSpace.toJSON(), expected.observationSpace.toJSON());
  assert.deepEqual(actual.actionSpace.toJSON(), expected.actionSpace.toJSON());
  assert.equal(actual.episodes.length, expected.episodes.length);
  expected.episodes.forEach((e, i) => {
    const a = actual.episodes[i]!;
    const at = `episode ${i}`;
    assert.notEqual(a.observationLeaves, null, `${at}: leaves`);
    assert.deepEqual(
      Object.keys(a.observationLeaves!),
      Object.keys(e.observationLeaves!),
      `${at}: leaf paths`,
    );
    for (const [path, column] of Object.entries(e.observationLeaves!)) {
      assertSameArray(a.observationLeaves![path]!, column, `${at} observations/${path}`);
    }
    assertSameArray(a.observations, e.observations, `${at} packed observations`);
    assertSameArray(a.actions, e.actions, `${at} actions`);
    assertSameArray(a.rewards, e.rewards, `${at} rewards`);
    assert.equal(a.terminated, e.terminated, `${at}: terminated`);
    assert.equal(a.truncated, e.truncated, `${at}: truncated`);
    assert.equal(a.seed, e.seed, `${at}: seed`);
  });
}

/** Episodes of random members of `space` (leaf columns built with the layout's `write`). */
function sampledDataset(space: Space, lengths: readonly number[], seed: number, id = "toy/dict-v0"): Dataset {
  const rng = rngFromSeed(seed);
  const layout = layoutFor(space, "observation");
  const actionSpace = new Discrete(3);
  const episodes = lengths.map((T, i) => {
    const observations = layout.create(T + 1);
    for (let t = 0; t <= T; t++) layout.write(space.sample(rng), observations, t);
    return new Episode({
      id: i,
      observations,
      actions: Int32Array.from({ length: T }, () => rng.integers(3)),
      rewards: Array.from({ length: T }, (_, t) => t * 0.5 - i),
      terminated: i % 2 === 0,
      truncated: i % 2 === 1,
      seed: 100 + i,
    });
  });
  return new Dataset({ id, episodes, observationSpace: space, actionSpace });
}

const imageState = (h = 6, w = 5, c = 3) =>
  new DictSpace({
    state: new Box(-1, 1, [3]),
    image: new Box(0, 255, [h, w, c], "uint8"),
  });

const tupleSpace = new TupleSpace([new Box(-2, 2, [2], "float64"), new Discrete(4, 1), new MultiBinary(3)]);

/** Nested: a Dict holding a Dict and a Tuple. */
const nestedSpace = new DictSpace({
  camera: new DictSpace({ rgb: new Box(0, 255, [2, 2, 3], "uint8"), depth: new Box(0, 10, [2, 2]) }),
  joints: new TupleSpace([new Box(-3, 3, [2]), new Discrete(2)]),
});

/** The datasets at every path of an HDF5 file, with dtype, shape and filters as h5wasm reports them. */
async function hdf5Tree(file: string): Promise<Record<string, { shape: number[]; filters: string[] }>> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "r");
  try {
    const out: Record<string, { shape: number[]; filters: string[] }> = {};
    const walk = (group: InstanceType<typeof h5wasm.Group>, at: string) => {
      for (const name of group.keys()) {
        const entity = group.get(name);
        const path = at === "" ? name : `${at}/${name}`;
        if (entity instanceof h5wasm.Group) walk(entity, path);
        else if (entity instanceof h5wasm.Dataset) {
          out[path] = {
            shape: entity.shape ?? [],
            filters: entity.filters.map((flt) => `${flt.name}(${flt.cd_values.join(",")})`),
          };
        }
      }
    };
    walk(f, "");
    return out;
  } finally {
    f.close();
  }
}

describe("leaf layout", () => {
  test("leaves are depth first, Dict keys sorted, Tuple positions as _index_<i>, with packed offsets", () => {
    const layout = layoutFor(nestedSpace, "observation");
    assert.equal(layout.composite, true);
    assert.deepEqual(
      layout.leaves.map((l) => [l.path, l.column.dtype, l.column.dim, l.offset]),
      [
        ["camera/depth", "float32", 4, 0],
        ["camera/rgb", "uint8", 12, 4],
        ["joints/_index_0", "float32", 2, 16],
        ["joints/_index_1", "int64", 1, 18],
      ],
    );
    assert.equal(layout.dim, 19);
    const plain = layoutFor(new Box(-1, 1, [4]), "observation");
    assert.equal(plain.composite, false);
    assert.deepEqual(
      plain.leaves.map((l) => l.path),
      [""],
    );
  });

  test("split and join are inverses, and write then read gives the value back", () => {
    const rng = rngFromSeed(3);
    for (const space of [imageState(), tupleSpace, nestedSpace]) {
      const layout = layoutFor(space, "observation");
      const columns = layout.create(2);
      const value = space.sample(rng);
      assert.deepEqual(layout.join(layout.split(value)), value);
      layout.write(value, columns, 1);
      const back = layout.read(columns, 1);
      assert.ok(space.contains(back), `${space}: ${space.explain(back)}`);
      assert.deepEqual(space.flatten(back as never), space.flatten(value as never));
    }
  });

  test("packValue and unpackRow go between one observation and its packed row", () => {
    const rng = rngFromSeed(6);
    for (const space of [imageState(2, 2, 1), tupleSpace, nestedSpace]) {
      const layout = layoutFor(space, "observation");
      const value = space.sample(rng);
      const row = layout.packValue(value);
      assert.equal(row.length, layout.dim);
      const columns = layout.create(1);
      layout.write(value, columns, 0);
      assert.deepEqual(Array.from(row), Array.from(layout.pack(columns)));
      assert.deepEqual(layout.unpackRow(row), layout.read(columns, 0));
    }
    assert.throws(() => layoutFor(tupleSpace, "observation").unpackRow([1, 2]), /has 6 values, got 2/);
  });

  test("integer-like Dict keys: the leaves follow the order JavaScript objects give them", async () => {
    const space = new DictSpace({ "10": new Box(0, 1, [1]), "9": new Box(0, 1, [2]), b: new Discrete(2) });
    const layout = layoutFor(space, "observation");
    assert.deepEqual(
      layout.leaves.map((l) => [l.path, l.offset]),
      [
        ["9", 0],
        ["10", 2],
        ["b", 3],
      ],
    );
    const ds = sampledDataset(space, [2], 1);
    assert.deepEqual(Object.keys(ds.episodes[0]!.observationLeaves!), ["9", "10", "b"]);
    const dir = freshDir();
    await writeMinari(dir, ds);
    assertSameDataset((await readMinari(dir)).dataset, ds);
  });

  test("a Dict key with a slash is refused, naming the key", () => {
    assert.throws(
      () => layoutFor(new DictSpace({ "a/b": new Box(0, 1, [1]) }), "observation"),
      /key "a\/b".*Rename the key/,
    );
  });
});

describe("episodes and datasets with leaf columns", () => {
  test("the packed view puts each leaf's row side by side, exactly (float64 when a leaf needs it)", () => {
    const ds = sampledDataset(imageState(2, 2, 1), [3], 1);
    const e = ds.episodes[0]!;
    const layout = layoutFor(ds.observationSpace, "observation");
    assert.ok(e.observations instanceof Float32Array);
    assert.equal(e.obsDim, 4 + 3);
    for (let t = 0; t <= 3; t++) {
      const row = Array.from(e.observation(t));
      assert.deepEqual(row.slice(0, 4), Array.from(e.observationLeaves!.image!.subarray(t * 4, t * 4 + 4)));
      assert.deepEqual(row.slice(4), Array.from(e.observationLeaves!.state!.subarray(t * 3, t * 3 + 3)));
      assert.deepEqual(Array.from(layout.pack(e.observationLeaves!).subarray(t * 7, t * 7 + 7)), row);
    }
    const wide = sampledDataset(tupleSpace, [2], 1).episodes[0]!;
    assert.ok(wide.observations instanceof Float64Array);
  });

  test("collect records a Dict env's observations as leaf columns", async () => {
    const space = imageState(3, 3, 1);
    const frame = (t: number) => ({
      image: Uint8Array.from({ length: 9 }, (_, k) => (t * 10 + k) % 256),
      state: Float32Array.of(t / 10, -t / 10, 0.5),
    });
    let t = 0;
    const env: Env<SpaceValue, number> = {
      spec: { id: "DictToy-v0" },
      observationSpace: space,
      actionSpace: new Discrete(2),
      get unwrapped() {
        return env as Env;
      },
      reset: () => {
        t = 0;
        return { observation: frame(0), info: {} };
      },
      step: (): StepResult<SpaceValue> => {
        t += 1;
        return { observation: frame(t), reward: 1, terminated: t === 4, truncated: false, info: {} };
      },
      close: () => {},
    };
    const episodes = await collect(env, { act: () => 1 }, { episodes: 2, seed: 0 });
    assert.equal(episodes.length, 2);
    const e = episodes[0]!;
    assert.equal(e.length, 4);
    assert.deepEqual(Object.keys(e.observationLeaves!), ["image", "state"]);
    assert.ok(e.observationLeaves!.image instanceof Uint8Array);
    assert.deepEqual(Array.from(e.observationLeaves!.image!.subarray(27, 36)), Array.from(frame(3).image));
    assert.deepEqual(Array.from(e.observationLeaves!.state!.subarray(12, 15)), Array.from(frame(4).state));

    // A bad observation names the key and the sizes.
    const bad: Env<SpaceValue, number> = {
      ...env,
      reset: () => ({ observation: { image: new Uint8Array(8), state: Float32Array.of(0, 0, 0) }, info: {} }),
    };
    await assert.rejects(
      collect(bad, { act: () => 1 }, { episodes: 1 }),
      (error: unknown) =>
        error instanceof ShapeMismatchError &&
        /observation image: expected 9 values for Box\(0, 255, \(3, 3, 1\), uint8\) \(shape \(3, 3, 1\)\), got 8 values/.test(
          error.message,
        ),
    );
    const missing: Env<SpaceValue, number> = {
      ...env,
      reset: () => ({ observation: { image: new Uint8Array(9) }, info: {} }),
    };
    await assert.rejects(collect(missing, { act: () => 1 }, { episodes: 1 }), /missing key "state"/);
  });

  test("Dataset checks the leaves against the space, naming the path and the sizes", () => {
    const space = imageState(2, 2, 1);
    const base = sampledDataset(space, [2], 0).episodes[0]!;
    const leaves = base.observationLeaves!;
    const make = (observations: LeafColumns | TypedArray) =>
      new Dataset({
        id: "bad",
        episodes: [new Episode({ ...base, observations, obsDim: undefined, infos: {} })],
        observationSpace: space,
        actionSpace: new Discrete(3),
      });
    assert.throws(
      () => make({ image: new Uint8Array(3 * 5), state: leaves.state! }),
      /episode 0: observations\.image has 5 values per row, but Box\(0, 255, \(2, 2, 1\), uint8\) needs 4/,
    );
    assert.throws(() => make({ image: leaves.image! }), /leaves image; .* needs image, state/);
    assert.throws(
      () => make(base.observations),
      /holds flat observations, but .* leaf columns \(image, state\)/,
    );
    assert.throws(
      () =>
        new Episode({ ...base, observations: { image: new Uint8Array(7) }, obsDim: undefined, infos: {} }),
      /observations\.image has 7 values, which is not 3 \(T \+ 1\) rows/,
    );
  });

  test("stats, dropNonFinite, merge, toTransitions and the content hash work leaf by leaf", () => {
    const ds = sampledDataset(imageState(2, 1, 1), [3, 2], 4);
    const stats = ds.stats();
    assert.equal(stats.observations.mean.length, 5);
    const images = ds.episodes.flatMap((e) => Array.from(e.observationLeaves!.image!));
    const firstPixel = images.filter((_, k) => k % 2 === 0);
    assert.equal(stats.observations.max[0], Math.max(...firstPixel));
    const transitions = toTransitions(ds.episodes);
    assert.equal(transitions.obsDim, 5);
    assert.equal(transitions.length, 5);
    assert.deepEqual(Array.from(transitions.obs.subarray(0, 5)), Array.from(ds.episodes[0]!.observation(0)));
    assert.deepEqual(
      Array.from(transitions.nextObs.subarray(0, 5)),
      Array.from(ds.episodes[0]!.observation(1)),
    );

    const merged = ds.merge([ds]);
    assert.equal(merged.episodes.length, 4);
    assertSameArray(
      merged.episodes[2]!.observationLeaves!.image!,
      ds.episodes[0]!.observationLeaves!.image!,
      "merged",
    );
    assert.equal(contentHash(ds), contentHash(sampledDataset(imageState(2, 1, 1), [3, 2], 4)));
    assert.notEqual(contentHash(ds), contentHash(sampledDataset(imageState(2, 1, 1), [3, 2], 5)));

    const e = ds.episodes[0]!;
    const state = e.observationLeaves!.state!.slice();
    state[2 * 3 + 1] = Number.NaN; // observation 2
    const dirty = ds.withEpisodes([
      new Episode({ ...e, observations: { image: e.observationLeaves!.image!, state }, infos: {} }),
    ]);
    const { dataset: clean, cutEpisodes } = dirty.dropNonFinite();
    assert.equal(cutEpisodes, 1);
    assert.equal(clean.episodes[0]!.length, 1);
    assert.equal(clean.episodes[0]!.observationLeaves!.image!.length, 2 * 2);
    assert.ok(clean.episodes[0]!.observationLeaves!.image instanceof Uint8Array);
  });
});

describe("Minari HDF5 with Dict and Tuple spaces", () => {
  test("a Dict space (uint8 image + float32 state) round-trips exactly, in Minari's layout", async () => {
    const dir = freshDir();
    const ds = sampledDataset(imageState(), [4, 1, 6], 11);
    await writeMinari(dir, ds);
    const tree = await hdf5Tree(join(dir, "data", "main_data.hdf5"));
    assert.deepEqual(tree["episode_0/observations/image"]?.shape, [5, 6, 5, 3]);
    assert.deepEqual(tree["episode_0/observations/state"]?.shape, [5, 3]);
    assert.deepEqual(tree["episode_0/observations/image"]?.filters, ["deflate(4)"]);
    assert.deepEqual(tree["episode_0/observations/state"]?.filters, []);
    assert.deepEqual(tree["episode_0/actions"]?.filters, []);
    const { dataset, warnings } = await readMinari(dir);
    assert.deepEqual(warnings, []);
    assertSameDataset(dataset, ds);
    assert.ok(dataset.episodes[0]!.observationLeaves!.image instanceof Uint8Array);
    assert.ok(dataset.episodes[0]!.observationLeaves!.state instanceof Float32Array);
  });

  test("Tuple and nested spaces round-trip, with _index_<i> datasets and nested groups", async () => {
    for (const space of [tupleSpace, nestedSpace]) {
      const dir = freshDir();
      const ds = sampledDataset(space, [3, 2], 5);
      await writeMinari(dir, ds);
      const tree = await hdf5Tree(join(dir, "data", "main_data.hdf5"));
      const leaves = layoutFor(space, "observation").leaves.map((l) => `episode_1/observations/${l.path}`);
      for (const path of leaves) assert.ok(path in tree, `${path} in ${Object.keys(tree).join(", ")}`);
      const { dataset, warnings } = await readMinari(dir);
      assert.deepEqual(warnings, []);
      assertSameDataset(dataset, ds);
    }
    const tree = await hdf5Tree(join(scratch, `ds-${counter - 1}`, "data", "main_data.hdf5"));
    assert.deepEqual(tree["episode_0/observations/camera/rgb"]?.filters, ["deflate(4)"]);
    assert.deepEqual(tree["episode_0/observations/joints/_index_1"]?.shape, [4]);
  });

  test("fast-check: Dict and Tuple spaces of small random shapes round-trip exactly", async () => {
    const arbitrary = fc.record({
      image: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      stateDim: fc.integer({ min: 1, max: 4 }),
      tuple: fc.boolean(),
      lengths: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
      seed: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ image, stateDim, tuple, lengths, seed }) => {
        const parts = [new Box(0, 255, image, "uint8"), new Box(-5, 5, [stateDim])];
        const space = tuple ? new TupleSpace(parts) : new DictSpace({ image: parts[0]!, state: parts[1]! });
        const ds = sampledDataset(space, lengths, seed);
        const dir = freshDir();
        await writeMinari(dir, ds);
        const { dataset, warnings } = await readMinari(dir);
        assert.deepEqual(warnings, []);
        assertSameDataset(dataset, ds);
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 25, seed: 18 },
    );
  });

  test("a compressible image leaf takes far less room than its raw bytes", async () => {
    const space = new DictSpace({ image: new Box(0, 255, [64, 64, 3], "uint8"), state: new Box(-1, 1, [2]) });
    const layout = layoutFor(space, "observation");
    const T = 49;
    const observations = layout.create(T + 1);
    for (let t = 0; t <= T; t++) {
      // A smooth gradient that moves with t: compressible, as rendered frames are.
      const image = Uint8Array.from({ length: 64 * 64 * 3 }, (_, k) => (Math.floor(k / 192) + t) % 256);
      layout.write({ image, state: Float32Array.of(t / 100, -t / 100) }, observations, t);
    }
    const ds = new Dataset({
      id: "toy/images-v0",
      episodes: [
        new Episode({
          id: 0,
          observations,
          actions: new Int32Array(T),
          rewards: new Float64Array(T),
          terminated: true,
          truncated: false,
        }),
      ],
      observationSpace: space,
      actionSpace: new Discrete(2),
    });
    const dir = freshDir();
    await writeMinari(dir, ds);
    const raw = (T + 1) * 64 * 64 * 3;
    const size = (await stat(join(dir, "data", "main_data.hdf5"))).size;
    assert.ok(size < raw / 10, `main_data.hdf5 is ${size} bytes; the raw image bytes are ${raw}`);
    const { dataset } = await readMinari(dir);
    assertSameDataset(dataset, ds);
  });

  test("an observation outside its leaf's bounds names the key and the space", async () => {
    const ds = sampledDataset(imageState(2, 2, 1), [2], 0);
    const e = ds.episodes[0]!;
    const state = e.observationLeaves!.state!.slice();
    state[1 * 3 + 2] = 7;
    const bad = ds.withEpisodes([
      new Episode({ ...e, observations: { ...e.observationLeaves!, state }, infos: {} }),
    ]);
    const dir = freshDir();
    await assert.rejects(writeMinari(dir, bad), (error: unknown) => {
      assert.ok(error instanceof DatasetFormatError);
      assert.match(
        error.message,
        /episode 0: observation 1 is not in the observation space Dict\(.*\) \(state: Box\(-1, 1, \(3,\), float32\): element 2 is 7, outside \[-1, 1\]\)/,
      );
      assert.equal(error.field, "observations/state");
      return true;
    });
    await assert.rejects(stat(dir));
  });

  test("an image leaf whose bounds are narrower than uint8's range is still checked row by row", async () => {
    const space = new DictSpace({ image: new Box(0, 200, [2, 2, 1], "uint8"), state: new Box(-1, 1, [3]) });
    const ds = sampledDataset(space, [2], 0);
    const e = ds.episodes[0]!;
    const image = e.observationLeaves!.image!.slice();
    image[2 * 4 + 3] = 250;
    const bad = ds.withEpisodes([
      new Episode({ ...e, observations: { ...e.observationLeaves!, image }, infos: {} }),
    ]);
    await assert.rejects(
      writeMinari(freshDir(), bad),
      /observation 2 is not in the observation space .* \(image: Box\(0, 200, \(2, 2, 1\), uint8\): element 3 is 250, outside \[0, 200\]\)/,
    );
  });

  test("reading names the missing key, a wrong shape, and a flat array where a group belongs", async () => {
    const space = imageState(2, 2, 1);
    /** A file written for `written`, with metadata.json claiming `space`. */
    const mismatched = async (written: Space) => {
      const dir = freshDir();
      await writeMinari(dir, sampledDataset(written, [2], 0));
      const metaFile = join(dir, "data", "metadata.json");
      const meta = JSON.parse(await readFile(metaFile, "utf8")) as Record<string, unknown>;
      meta.observation_space = JSON.stringify(space.toJSON());
      await writeFile(metaFile, JSON.stringify(meta));
      return dir;
    };
    await assert.rejects(
      readMinari(await mismatched(new DictSpace({ image: space.spaces.image! }))),
      /episode 0: observations\/state is missing; metadata\.json's observation_space Dict/,
    );
    await assert.rejects(
      readMinari(await mismatched(imageState(2, 3, 1))),
      /episode 0: observations\/image has shape \(3, 2, 3, 1\), expected \(3, 2, 2, 1\)\. Each row should hold 4 values of Box\(0, 255, \(2, 2, 1\), uint8\)/,
    );
    await assert.rejects(
      readMinari(await mismatched(new Box(-1, 1, [7]))),
      /observations is an array, but metadata\.json's observation_space is Dict\(/,
    );
    const { warnings } = await readMinari(
      await mismatched(new DictSpace({ ...space.spaces, depth: new Box(0, 1, [1]) })),
    );
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /episode 0: observations\/depth is not in the observation space Dict\(.*\); ignored/,
    );
  });

  test("a plain space whose observations are a group, and a Dict action space, are refused clearly", async () => {
    await assert.rejects(
      writeMinari(freshDir(), sampledDataset(new Box(0, 1, [2]), [1], 0).withEpisodes([])),
      /has no episodes/,
    );
    assert.throws(
      () =>
        new Dataset({
          id: "x",
          episodes: [],
          observationSpace: new Box(0, 1, [1]),
          actionSpace: new DictSpace({ a: new Discrete(2) }),
        }),
      /Datasets store Box, Discrete, MultiDiscrete and MultiBinary actions; this action space is Dict/,
    );
  });
});

describe("JSONL with Dict and Tuple observations", () => {
  test("round trip: each observation is a JSON object (Dict) or array (Tuple) of flat leaves", () => {
    for (const space of [imageState(2, 1, 2), tupleSpace, nestedSpace]) {
      const ds = sampledDataset(space, [2, 3], 9);
      const text = toJsonl(ds);
      const line = JSON.parse(text.split("\n")[1]!) as { observations: unknown[] };
      if (space === tupleSpace) assert.ok(Array.isArray(line.observations[0]));
      else assert.equal(typeof line.observations[0], "object");
      assertSameDataset(fromJsonl(text), ds);
    }
    const line = JSON.parse(toJsonl(sampledDataset(imageState(1, 1, 1), [1], 2)).split("\n")[1]!) as {
      observations: { image: number[]; state: number[] }[];
    };
    assert.deepEqual(Object.keys(line.observations[0]!), ["image", "state"]);
    assert.equal(line.observations[0]!.image.length, 1);
  });

  test("a bad observation names the line, the key and what it should be", () => {
    const ds = sampledDataset(imageState(1, 1, 1), [1], 2);
    const [header, episode] = toJsonl(ds).split("\n");
    const record = JSON.parse(episode!) as { observations: Record<string, unknown>[] };
    record.observations[1] = { image: [1, 2], state: [0, 0, 0] };
    assert.throws(
      () => fromJsonl(`${header}\n${JSON.stringify(record)}\n`),
      /line 2, episode 0: observations\[1\]: observation image: expected 1 value for Box\(0, 255, \(1, 1, 1\), uint8\) \(shape \(1, 1, 1\)\), got 2 values/,
    );
    record.observations[1] = { image: [300], state: [0, 0, 0] };
    assert.throws(
      () => fromJsonl(`${header}\n${JSON.stringify(record)}\n`),
      /observations\[1\]\.image does not fit Box\(0, 255, \(1, 1, 1\), uint8\): element 0 is 300, outside \[0, 255\]/,
    );
    record.observations[1] = { image: [3] } as never;
    assert.throws(() => fromJsonl(`${header}\n${JSON.stringify(record)}\n`), /missing key "state"/);
  });
});

describe("the CLI with a Dict dataset", () => {
  test("data info pools an image leaf into one row; convert to JSONL and back keeps the content hash", async () => {
    const dir = freshDir();
    await writeMinari(dir, sampledDataset(imageState(4, 4, 3), [3, 2], 8));
    const info = await runCli("data", "info", dir);
    assert.equal(info.code, 0, info.err);
    assert.match(info.out, /^obs\.image \(4×4×3\) /m);
    assert.match(info.out, /^obs\.state\[2\] /m);
    assert.doesNotMatch(info.out, /obs\[/);
    const jsonl = join(scratch, `dict-${counter++}.jsonl`);
    const back = freshDir();
    for (const [from, to] of [
      [dir, jsonl],
      [jsonl, back],
    ] as const) {
      const r = await runCli("data", "convert", from, to);
      assert.equal(r.code, 0, r.err);
    }
    const hash = async (path: string) => {
      const r = await runCli("data", "info", path, "--json");
      return (JSON.parse(r.out) as { hash: string }).hash;
    };
    assert.equal(await hash(back), await hash(dir));
    assert.equal(await hash(jsonl), await hash(dir));
  });
});
