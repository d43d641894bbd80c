/** Minari's HDF5 layout: exact round trips, every bad input, and atomic writes. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import h5wasm from "h5wasm/node";
import { type EnvSpec, pythonKwargs, storableKwargs } from "../src/core/env.js";
import { DatasetFormatError, MimicError } from "../src/core/errors.js";
import { Box, Discrete, MultiBinary, MultiDiscrete, type Space } from "../src/core/spaces/index.js";
import { Dataset } from "../src/data/dataset.js";
import { Episode } from "../src/data/episode.js";
import { MINARI_VERSION, readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { fromJsonl, toJsonl } from "../src/data/jsonl.js";
import { collect, make, makeVec, VectorEnv } from "../src/index.js";

const scratch = await mkdtemp(join(tmpdir(), "mimic-minari-"));
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
  assert.deepEqual(actual.envSpec, expected.envSpec);
  assert.equal(actual.episodes.length, expected.episodes.length);
  expected.episodes.forEach((e, i) => {
    const a = actual.episodes[i]!;
    const at = `episode ${i}`;
    assert.equal(a.id, i, `${at}: id`);
    assertSameArray(a.observations, e.observations, `${at} observations`);
    assertSameArray(a.actions, e.actions, `${at} actions`);
    assertSameArray(a.rewards, e.rewards, `${at} rewards`);
    assert.equal(a.terminated, e.terminated, `${at}: terminated`);
    assert.equal(a.truncated, e.truncated, `${at}: truncated`);
    assert.equal(a.seed, e.seed, `${at}: seed`);
    assert.deepEqual(Object.keys(a.infos).sort(), Object.keys(e.infos).sort(), `${at}: info keys`);
    for (const key of Object.keys(e.infos))
      assertSameArray(a.infos[key]!, e.infos[key]!, `${at} infos.${key}`);
  });
}

const cartPoleSpace = new Box(
  [-4.8, -Infinity, -0.41887903, -Infinity],
  [4.8, Infinity, 0.41887903, Infinity],
);
const cartPoleSpec: EnvSpec = {
  id: "CartPole-v1",
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  nondeterministic: false,
};

/** A small valid CartPole-like dataset. */
function goodDataset(id = "cartpole/test-v0", steps = [3, 2]): Dataset {
  const episodes = steps.map((T, i) => {
    const observations = new Float32Array((T + 1) * 4);
    for (let k = 0; k < observations.length; k++) observations[k] = Math.fround(Math.sin(k + i) * 0.1);
    return new Episode({
      id: i,
      observations,
      actions: Int32Array.from({ length: T }, (_, t) => (t + i) % 2),
      rewards: Array.from({ length: T }, () => 1),
      terminated: i === 0,
      truncated: i !== 0,
      seed: 40 + i,
    });
  });
  return new Dataset({
    id,
    episodes,
    observationSpace: cartPoleSpace,
    actionSpace: new Discrete(2),
    envSpec: cartPoleSpec,
  });
}

describe("round trip", () => {
  // Arbitrary episodes: float32 Box observations of random dim (NaN included), Discrete or Box
  // actions, any float64 rewards, random flags, seeds and info columns.
  const arbitraryDataset = fc
    .record({
      obsDim: fc.integer({ min: 1, max: 5 }),
      infiniteDims: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      discrete: fc.option(
        fc.record({ n: fc.integer({ min: 1, max: 6 }), start: fc.integer({ min: -3, max: 3 }) }),
      ),
      actDim: fc.integer({ min: 1, max: 3 }),
      lengths: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
    })
    .chain(({ obsDim, infiniteDims, discrete, actDim, lengths }) => {
      const low = Array.from({ length: obsDim }, (_, i) => (infiniteDims[i] ? -Infinity : -10));
      const high = Array.from({ length: obsDim }, (_, i) => (infiniteDims[i] ? Infinity : 10));
      const observationSpace = new Box(low, high);
      const actionSpace: Space = discrete
        ? new Discrete(discrete.n, discrete.start)
        : new Box(-1, 1, [actDim]);
      const obsValue = fc.oneof(
        { weight: 20, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) },
        { weight: 1, arbitrary: fc.constant(Number.NaN) },
      );
      const episode = (T: number, id: number) =>
        fc
          .record({
            obs: fc.array(obsValue, { minLength: (T + 1) * obsDim, maxLength: (T + 1) * obsDim }),
            acts: discrete
              ? fc.array(fc.integer({ min: discrete.start, max: discrete.start + discrete.n - 1 }), {
                  minLength: T,
                  maxLength: T,
                })
              : fc.array(fc.float({ min: -1, max: 1, noNaN: true }), {
                  minLength: T * actDim,
                  maxLength: T * actDim,
                }),
            rewards: fc.array(fc.double(), { minLength: T, maxLength: T }),
            terminated: fc.boolean(),
            truncated: fc.boolean(),
            seed: fc.option(fc.maxSafeNat(), { nil: undefined }),
            info: fc.option(
              fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: T + 1, maxLength: T + 1 }),
              {
                nil: undefined,
              },
            ),
          })
          .map(
            (r) =>
              new Episode({
                id,
                observations: Float32Array.from(r.obs),
                actions: discrete ? Int32Array.from(r.acts) : Float32Array.from(r.acts),
                rewards: r.rewards,
                terminated: r.terminated,
                truncated: r.truncated,
                ...(r.seed !== undefined && { seed: r.seed }),
                ...(r.info && {
                  infos: {
                    step: Int32Array.from(r.info),
                    "nested/x": Float64Array.from(r.info, (v) => v / 7),
                  },
                }),
              }),
          );
      return fc.tuple(...lengths.map((T, i) => episode(T, i))).map(
        (episodes) =>
          new Dataset({
            id: "prop/round-trip-v0",
            episodes,
            observationSpace,
            actionSpace,
            envSpec: cartPoleSpec,
            metadata: { author: ["mimic tests"], description: "property test" },
          }),
      );
    });

  test("arbitrary episodes come back exactly", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryDataset, async (dataset) => {
        const dir = freshDir();
        await writeMinari(dir, dataset);
        const { dataset: back, warnings } = await readMinari(dir);
        assert.deepEqual(warnings, []);
        assertSameDataset(back, dataset);
        assert.deepEqual(back.metadata, {
          author: ["mimic tests"],
          description: "property test",
          minari_version: MINARI_VERSION,
        });
        await rm(dir, { recursive: true });
      }),
      { numRuns: 40 },
    );
  });

  test("MultiDiscrete, MultiBinary and integer Box spaces round-trip too", async () => {
    const episodes = [
      new Episode({
        id: 0,
        observations: Uint8Array.from([0, 255, 7, 8, 9, 10]),
        actions: Int32Array.from([0, 2, 1, 0]),
        rewards: [0.5, -0.25],
        terminated: false,
        truncated: false,
      }),
    ];
    const dataset = new Dataset({
      id: "misc-v1",
      episodes,
      observationSpace: new Box(0, 255, [2], "uint8"),
      actionSpace: new MultiDiscrete([2, 3]),
    });
    const dir = freshDir();
    await writeMinari(dir, dataset);
    const back = await readMinari(dir);
    assertSameDataset(back.dataset, dataset);

    const binary = new Dataset({
      id: "binary-v0",
      episodes: [
        new Episode({
          id: 0,
          observations: Float64Array.from([1.5, -2.5]),
          actions: Int8Array.from([1, 0, 1]),
          rewards: [1],
          terminated: true,
          truncated: false,
        }),
      ],
      observationSpace: new Box(-5, 5, [1], "float64"),
      actionSpace: new MultiBinary(3),
    });
    await writeMinari(dir, binary);
    assertSameDataset((await readMinari(dir)).dataset, binary);
  });

  test("metadata.json carries Minari's keys, and options override the dataset's metadata", async () => {
    const dir = freshDir();
    const dataset = new Dataset({
      ...goodDataset(),
      metadata: { author: "old", ref_max_score: 500, combined_datasets: [] },
    });
    await writeMinari(dir, dataset, {
      author: "Ada",
      authorEmail: "ada@example.org",
      description: "CartPole by an LQR expert",
      algorithmName: "lqr",
      codePermalink: "https://example.org/mimic",
      requirements: ["gymnasium>=1.0"],
    });
    const text = await readFile(join(dir, "data", "metadata.json"), "utf8");
    const meta = JSON.parse(text.replace(/-?Infinity/g, "0")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta), [
      "total_episodes",
      "total_steps",
      "data_format",
      "jpeg_encoding",
      "observation_space",
      "action_space",
      "env_spec",
      "dataset_id",
      "code_permalink",
      "author",
      "author_email",
      "algorithm_name",
      "description",
      "ref_max_score",
      "combined_datasets",
      "minari_version",
      "requirements",
      "dataset_size",
    ]);
    assert.equal(meta.total_episodes, 2);
    assert.equal(meta.total_steps, 5);
    assert.equal(meta.data_format, "hdf5");
    assert.deepEqual(meta.author, ["Ada"]);
    assert.deepEqual(meta.author_email, ["ada@example.org"]);
    assert.equal(meta.minari_version, MINARI_VERSION);
    // json.dumps formatting: ", " and ": " separators, floats as Python prints them.
    assert.match(text, /^\{"total_episodes": 2, "total_steps": 5, "data_format": "hdf5", /);
    assert.match(text, /"ref_max_score": 500\.0, /);
    assert.match(text, /"dataset_size": \d+\.\d/);
    assert.equal(
      meta.env_spec,
      '{"id": "CartPole-v1", "entry_point": "gymnasium.envs.classic_control.cartpole:CartPoleEnv", ' +
        '"reward_threshold": 475.0, "nondeterministic": false, "max_episode_steps": 500, "order_enforce": true, ' +
        '"disable_env_checker": false, "kwargs": {}, "additional_wrappers": [], ' +
        '"vector_entry_point": "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv"}',
    );
    assert.match(text, /\\"low\\": \[-4\.800000190734863, -Infinity, -0\.41887903213500977, -Infinity\]/);
    const { dataset: back, warnings } = await readMinari(dir);
    assert.deepEqual(warnings, []);
    assert.equal(back.metadata.description, "CartPole by an LQR expert");
    assert.deepEqual(back.metadata.requirements, ["gymnasium>=1.0"]);
  });

  test("episodes are renumbered 0 … N − 1 on write, as Minari requires", async () => {
    const good = goodDataset();
    const shuffled = good.withEpisodes([good.episodes[1]!.withId(7), good.episodes[0]!.withId(3)]);
    const dir = freshDir();
    await writeMinari(dir, shuffled);
    const { dataset } = await readMinari(dir);
    assert.deepEqual(
      dataset.episodes.map((e) => e.id),
      [0, 1],
    );
    assertSameArray(dataset.episodes[0]!.observations, good.episodes[1]!.observations, "first episode");
  });

  test("an env's own options (EnvSpec.kwargs) survive Minari and JSONL, in Python's spelling on disk", async () => {
    const layout = { width: 3, height: 2, walls: [[1, 0]], stepReward: -0.05 };
    const grid = make("GridWorld-v0", layout);
    assert.deepEqual(grid.spec.kwargs, layout);
    const car = makeVec("MountainCar-v0", { numEnvs: 2, goalVelocity: 0.5 });
    assert.deepEqual(car.spec.kwargs, { goalVelocity: 0.5 });
    assert.equal(make("CartPole-v1").spec.kwargs, undefined);
    for (const env of [grid, car]) {
      const single = env instanceof VectorEnv ? make(env.spec.id, { ...env.spec.kwargs }) : env;
      const episodes = await collect(single, { act: () => 0 }, { episodes: 1, steps: 30, seed: 0 });
      const dataset = new Dataset({
        id: "kwargs-v0",
        episodes,
        observationSpace: single.observationSpace,
        actionSpace: single.actionSpace,
        envSpec: single.spec,
      });
      const dir = freshDir();
      await writeMinari(dir, dataset);
      const meta = JSON.parse(await readFile(join(dir, "data", "metadata.json"), "utf8"));
      const pythonSpec = JSON.parse(meta.env_spec);
      const { dataset: back, warnings } = await readMinari(dir);
      assert.deepEqual(warnings, []);
      assert.deepEqual(back.envSpec?.kwargs, single.spec.kwargs);
      assert.deepEqual(fromJsonl(toJsonl(dataset)).envSpec?.kwargs, single.spec.kwargs);
      if (env === car) {
        // Gymnasium's MountainCarEnv takes goal_velocity: gymnasium.make(spec) builds the same env.
        assert.deepEqual(pythonSpec.kwargs, { goal_velocity: 0.5 });
      } else {
        assert.deepEqual(pythonSpec.kwargs, { width: 3, height: 2, walls: [[1, 0]], step_reward: -0.05 });
      }
    }
    // A spec written by Python with kwargs of its own reads them in mimic's spelling.
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    const metaFile = join(dir, "data", "metadata.json");
    const text = await readFile(metaFile, "utf8");
    await writeFile(
      metaFile,
      text.replace('\\"kwargs\\": {}', '\\"kwargs\\": {\\"sutton_barto_reward\\": true}'),
    );
    const { dataset: python, warnings } = await readMinari(dir);
    assert.deepEqual(warnings, []);
    assert.deepEqual(python.envSpec?.kwargs, { suttonBartoReward: true });
  });

  test("env options JSON cannot hold (a custom env's function) are left out of the files, not an error", async () => {
    const options = { width: 3, shaping: (x: number) => x, nested: { f: () => 0 }, walls: [[1, 0]] };
    assert.deepEqual(storableKwargs(options), { width: 3, walls: [[1, 0]] });
    assert.deepEqual(pythonKwargs({ stepReward: -1, fn: () => 0 }), { step_reward: -1 });
    const dataset = goodDataset();
    const withFunction = new Dataset({
      id: dataset.id,
      episodes: dataset.episodes,
      observationSpace: dataset.observationSpace,
      actionSpace: dataset.actionSpace,
      envSpec: { ...cartPoleSpec, kwargs: { shaping: (x: number) => x } },
    });
    const dir = freshDir();
    await writeMinari(dir, withFunction);
    const { dataset: back } = await readMinari(dir);
    assert.equal(back.envSpec?.kwargs, undefined);
    assert.ok(!toJsonl(withFunction).includes("env_kwargs"));
  });

  test("readMinari also takes the data/ directory itself", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    const { dataset } = await readMinari(join(dir, "data"));
    assertSameDataset(dataset, goodDataset());
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

interface RawField {
  data: ArrayLike<number> | BigInt64Array;
  shape: number[];
  dtype: string;
}

/** Writes an HDF5 file with h5wasm directly, for layouts writeMinari would never produce. */
async function writeRawFile(
  path: string,
  groups: Record<string, Record<string, RawField>>,
  attrs: Record<string, Record<string, number>> = {},
): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, "w");
  try {
    for (const [name, fields] of Object.entries(groups)) {
      const group = file.create_group(name);
      for (const [key, value] of Object.entries(attrs[name] ?? {}))
        group.create_attribute(key, value, [], "<q");
      for (const [field, { data, shape, dtype }] of Object.entries(fields)) {
        group.create_dataset({ name: field, data: data as Float64Array, shape, dtype });
      }
    }
  } finally {
    file.close();
  }
}

/** A Minari-layout episode group with Discrete(2) actions and Box(4) observations. */
function rawEpisode(
  T: number,
  change: Partial<Record<string, RawField | null>> = {},
): Record<string, RawField> {
  const fields: Record<string, RawField | null> = {
    observations: { data: new Float32Array((T + 1) * 4), shape: [T + 1, 4], dtype: "<f" },
    actions: { data: BigInt64Array.from({ length: T }, () => 1n), shape: [T], dtype: "<q" },
    rewards: { data: new Float64Array(T).fill(1), shape: [T], dtype: "<d" },
    terminations: {
      data: Int8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)),
      shape: [T],
      dtype: "<b",
    },
    truncations: { data: new Int8Array(T), shape: [T], dtype: "<b" },
    ...change,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Record<string, RawField>;
}

/** A directory holding a good dataset, whose main_data.hdf5 is then replaced by `groups`. */
async function datasetWithRawFile(groups: Record<string, Record<string, RawField>>): Promise<string> {
  const dir = freshDir();
  await writeMinari(dir, goodDataset());
  await writeRawFile(join(dir, "data", "main_data.hdf5"), groups);
  return dir;
}

async function expectFormatError(
  run: () => Promise<unknown>,
  expected: { file: RegExp; episode?: number; field?: string; message: RegExp },
): Promise<DatasetFormatError> {
  let caught: unknown;
  // HDF5 must not print its error stack to stderr on the way.
  const write = process.stderr.write;
  let printed = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await run();
  } catch (error) {
    caught = error;
  } finally {
    process.stderr.write = write;
  }
  assert.equal(printed, "", "nothing printed to stderr");
  assert.ok(caught instanceof DatasetFormatError, `expected a DatasetFormatError, got ${String(caught)}`);
  assert.ok(caught instanceof MimicError);
  assert.equal(caught.code, "DATASET_FORMAT");
  assert.match(caught.file, expected.file);
  assert.equal(caught.episode, expected.episode);
  assert.equal(caught.field, expected.field);
  assert.match(caught.message, expected.message);
  assert.ok(caught.message.includes(caught.file), "the message names the file");
  assert.doesNotMatch(caught.message, /HDF5-DIAG|#00\d|\.c line \d+/, "no raw HDF5 stack in the message");
  return caught;
}

describe("bad input throws DatasetFormatError naming the file, episode and field", () => {
  test("a missing directory", async () => {
    const dir = join(scratch, "nowhere");
    await expectFormatError(() => readMinari(dir), {
      file: /nowhere$/,
      message: /does not exist.*Pass the dataset directory/,
    });
  });

  test("a missing metadata.json", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    await rm(join(dir, "data", "metadata.json"));
    await expectFormatError(() => readMinari(dir), {
      file: /data\/metadata\.json$/,
      message: /metadata\.json is missing.*Write the dataset again/,
    });
  });

  test("a missing main_data.hdf5", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    await rm(join(dir, "data", "main_data.hdf5"));
    await expectFormatError(() => readMinari(dir), { file: /main_data\.hdf5$/, message: /is missing/ });
  });

  test("a truncated HDF5 file (cut in half)", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset("cartpole/big-v0", [300, 200]));
    const file = join(dir, "data", "main_data.hdf5");
    const size = (await readFile(file)).length;
    await truncate(file, Math.floor(size / 2));
    const error = await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      message: /is cut short \(HDF5: truncated file.*\)\. The file is damaged or incomplete/,
    });
    assert.match(
      String((error.cause as Error).message),
      /HDF5-DIAG/,
      "the HDF5 stack stays available as the cause",
    );
  });

  test("a file that is not HDF5", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    await writeFile(join(dir, "data", "main_data.hdf5"), "episode_0,observations\n1,2\n");
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      message: /is not an HDF5 file/,
    });
  });

  test("an HDF5 file with no episode groups", async () => {
    const dir = await datasetWithRawFile({ images: {}, labels: {} });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      message: /has no episode_<id> groups \(it holds \/images, \/labels\)/,
    });
  });

  test("an episode without observations", async () => {
    const dir = await datasetWithRawFile({
      episode_0: rawEpisode(3),
      episode_1: rawEpisode(2, { observations: null }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 1,
      field: "observations",
      message: /episode 1: observations is missing/,
    });
  });

  test("an observation count that is not action count + 1", async () => {
    const dir = await datasetWithRawFile({
      episode_0: rawEpisode(3, { observations: { data: new Float32Array(12), shape: [3, 4], dtype: "<f" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "observations",
      message:
        /observations has shape \(3, 4\), expected \(4, 4\)\. There are 3 observations for 3 actions.*\(T \+ 1\)/,
    });
  });

  test("actions that do not match the rewards", async () => {
    const dir = await datasetWithRawFile({
      episode_0: rawEpisode(3, { actions: { data: BigInt64Array.of(0n, 1n), shape: [2], dtype: "<q" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "actions",
      message: /actions has shape \(2,\), expected \(3,\)\. There are 2 actions for 3 rewards/,
    });
  });

  test("an observation outside the declared space", async () => {
    const observations = new Float32Array(16);
    observations[2 * 4] = 100; // row 2, element 0: cart position 100 > 4.8
    const dir = await datasetWithRawFile({
      episode_4: rawEpisode(3, { observations: { data: observations, shape: [4, 4], dtype: "<f" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 4,
      field: "observations",
      message:
        /episode 4: observation 2 is not in the observation space Box\(.*\) \(element 0 is 100, outside \[-4\.8, 4\.8\]\)/,
    });
  });

  test("an action outside the declared space", async () => {
    const dir = await datasetWithRawFile({
      episode_0: rawEpisode(3, { actions: { data: BigInt64Array.of(0n, 2n, 1n), shape: [3], dtype: "<q" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "actions",
      message: /action 1 is not in the action space Discrete\(2\) \(got 2; expected an integer from 0 to 1\)/,
    });
  });

  test("NaN is allowed in Box observations (to be cleaned later), with the other elements still checked", async () => {
    const observations = new Float32Array(16);
    observations[5] = Number.NaN;
    const dir = await datasetWithRawFile({
      episode_0: rawEpisode(3, { observations: { data: observations, shape: [4, 4], dtype: "<f" } }),
    });
    const { dataset } = await readMinari(dir);
    assert.ok(Number.isNaN(dataset.episodes[0]!.observations[5]!));

    observations[6] = 9; // element 2 of row 1 is out of bounds in the same row as the NaN
    await writeRawFile(join(dir, "data", "main_data.hdf5"), {
      episode_0: rawEpisode(3, { observations: { data: observations, shape: [4, 4], dtype: "<f" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "observations",
      message: /observation 1 .*element 2 is 9, outside/,
    });
  });

  test("a flag set before the last step, and a flag that is not 0/1", async () => {
    const dir = await datasetWithRawFile({
      episode_0: rawEpisode(3, { terminations: { data: Int8Array.of(0, 1, 0), shape: [3], dtype: "<b" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "terminations",
      message: /terminations\[1\] is set before the last step \(2\).*split the episode/,
    });
    await writeRawFile(join(dir, "data", "main_data.hdf5"), {
      episode_0: rawEpisode(3, { truncations: { data: Int8Array.of(0, 0, 3), shape: [3], dtype: "<b" } }),
    });
    await expectFormatError(() => readMinari(dir), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "truncations",
      message: /truncations\[2\] is 3; flags must be/,
    });
  });

  test("metadata.json that is not JSON, lacks a space, or names another format", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    const metaFile = join(dir, "data", "metadata.json");
    const good = await readFile(metaFile, "utf8");

    await writeFile(metaFile, good.slice(0, 40));
    await expectFormatError(() => readMinari(dir), { file: /metadata\.json$/, message: /is not valid JSON/ });

    const meta = JSON.parse(good.replace(/-?Infinity/g, "0")) as Record<string, unknown>;
    await writeFile(metaFile, JSON.stringify({ ...meta, observation_space: undefined }));
    await expectFormatError(() => readMinari(dir), {
      file: /metadata\.json$/,
      field: "observation_space",
      message: /"observation_space": .*needs dataset_id, observation_space and action_space/,
    });

    await writeFile(metaFile, JSON.stringify({ ...meta, action_space: '{"type": "Discrete", "n": 0}' }));
    await expectFormatError(() => readMinari(dir), {
      file: /metadata\.json$/,
      field: "action_space",
      message: /action_space: Discrete: n must be a positive integer/,
    });

    await writeFile(metaFile, JSON.stringify({ ...meta, data_format: "arrow" }));
    await expectFormatError(() => readMinari(dir), {
      file: /metadata\.json$/,
      field: "data_format",
      message: /stored as "arrow"; readMinari reads only "hdf5"/,
    });
  });

  test("unknown metadata keys give warnings, not errors", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset());
    const metaFile = join(dir, "data", "metadata.json");
    const text = await readFile(metaFile, "utf8");
    await writeFile(metaFile, text.replace(/\}$/, ', "collector": "someone else", "rating": 5}'));
    const { dataset, warnings } = await readMinari(dir);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /unknown metadata key "collector"/);
    assert.equal(dataset.metadata.rating, 5);
    assertSameDataset(dataset, goodDataset());
  });
});

// ---------------------------------------------------------------------------------------------
// Atomic writes
// ---------------------------------------------------------------------------------------------

async function siblingsOf(dir: string): Promise<string[]> {
  const name = dir.split("/").at(-1)!;
  return (await readdir(join(dir, ".."))).filter((entry) => entry.startsWith(`${name}.`));
}

describe("atomic writes", () => {
  test("a write that fails midway leaves the existing dataset as it was, and no temp dirs", async () => {
    const dir = freshDir();
    const good = goodDataset();
    await writeMinari(dir, good);
    const before = await readFile(join(dir, "data", "main_data.hdf5"));

    // Episode 0 is fine and gets written; episode 1 has an action outside Discrete(2).
    const bad = goodDataset("cartpole/bad-v0", [4, 3, 2]);
    const broken = new Episode({ ...bad.episodes[1]!, actions: Int32Array.of(0, 5, 1), infos: {} });
    const badDataset = bad.withEpisodes([bad.episodes[0]!, broken, bad.episodes[2]!]);
    await expectFormatError(() => writeMinari(dir, badDataset), {
      file: /data\/main_data\.hdf5$/,
      episode: 1,
      field: "actions",
      message: /episode 1: action 1 is not in the action space Discrete\(2\) \(got 5.*Nothing was written to/,
    });

    assert.deepEqual(await readFile(join(dir, "data", "main_data.hdf5")), before);
    assertSameDataset((await readMinari(dir)).dataset, good);
    assert.deepEqual(await siblingsOf(dir), []);
  });

  test("NaN in an action is refused on write", async () => {
    const dataset = new Dataset({
      id: "nan-v0",
      episodes: [
        new Episode({
          id: 0,
          observations: Float32Array.of(0, 0),
          actions: Float32Array.of(Number.NaN),
          rewards: [0],
          terminated: false,
          truncated: true,
        }),
      ],
      observationSpace: new Box(-1, 1, [1]),
      actionSpace: new Box(-1, 1, [1]),
    });
    const dir = freshDir();
    await expectFormatError(() => writeMinari(dir, dataset), {
      file: /main_data\.hdf5$/,
      episode: 0,
      field: "actions",
      message: /action 0 is not in the action space .*element 0 is NaN/,
    });
    assert.deepEqual(await siblingsOf(dir), []);
    await assert.rejects(readdir(dir), { code: "ENOENT" });
  });

  test("a successful write replaces the old dataset and cleans up", async () => {
    const dir = freshDir();
    await writeMinari(dir, goodDataset("cartpole/one-v0", [5]));
    const second = goodDataset("cartpole/two-v0", [2, 2, 2]);
    await writeMinari(dir, second);
    assertSameDataset((await readMinari(dir)).dataset, second);
    assert.deepEqual(await siblingsOf(dir), []);
    assert.deepEqual((await readdir(dir)).sort(), ["data"]);
    assert.deepEqual((await readdir(join(dir, "data"))).sort(), ["main_data.hdf5", "metadata.json"]);
  });

  test("metadata JSON cannot hold fails before anything is written", async () => {
    const dir = freshDir();
    const dataset = new Dataset({ ...goodDataset(), metadata: { callback: () => 1 } });
    await expectFormatError(() => writeMinari(dir, dataset), {
      file: /metadata\.json$/,
      field: "metadata.callback",
      message: /metadata\.callback is .* which JSON cannot hold/,
    });
    assert.deepEqual(await siblingsOf(dir), []);
  });

  test("an empty dataset is refused (it could not be read back)", async () => {
    const dir = freshDir();
    await expectFormatError(() => writeMinari(dir, goodDataset().withEpisodes([])), {
      file: /main_data\.hdf5$/,
      message: /has no episodes/,
    });
    assert.deepEqual(await siblingsOf(dir), []);
  });

  test("a directory that is not a dataset is never replaced", async () => {
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, "notes.txt"), "precious");
    await expectFormatError(() => writeMinari(dir, goodDataset()), {
      file: new RegExp(`${dir.split("/").at(-1)}$`),
      message: /holds 1 entries but no data\/metadata\.json; writeMinari only replaces a Minari dataset/,
    });
    assert.equal(await readFile(join(dir, "notes.txt"), "utf8"), "precious");
    assert.deepEqual(await siblingsOf(dir), []);
  });
});
