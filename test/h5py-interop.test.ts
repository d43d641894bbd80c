/**
 * Interop with Python's h5py (Debian's python3-h5py, run as /usr/bin/python3): files mimic writes
 * open in h5py with Minari's layout, and files written the way Minari writes them read back exactly.
 * Without /usr/bin/python3 and h5py this test fails when CI is set and skips otherwise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { rngFromSeed } from "../src/core/rng.js";
import { Box, DictSpace, Discrete, parsePythonJson, TupleSpace } from "../src/core/spaces/index.js";
import { layoutFor } from "../src/data/columns.js";
import { Dataset } from "../src/data/dataset.js";
import { Episode } from "../src/data/episode.js";
import { readMinari, writeMinari } from "../src/data/io/minari-hdf5/index.js";
import { repoRoot } from "./helpers/fixtures.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(repoRoot, "test", "python", "check_minari_layout.py");

const probe = spawnSync(PYTHON, ["-c", "import h5py, numpy; print(h5py.version.version)"], {
  encoding: "utf8",
});
const missing =
  probe.status === 0
    ? null
    : `${PYTHON} with h5py is not available (${(probe.error?.message ?? probe.stderr.trim().split("\n").at(-1)) || "unknown error"}). ` +
      "Install it with `apt-get install -y python3-h5py` (.ci/run does this).";

const scratch = await mkdtemp(join(tmpdir(), "mimic-h5py-"));
after(() => rm(scratch, { recursive: true, force: true }));

interface PyEpisode {
  id: number;
  seed: number | null;
  /** Rows, or for a Dict or Tuple space the rows of each leaf by path. */
  observations: number[][] | number[] | Record<string, unknown[]>;
  /** [compression, compression_opts] per dataset (check only). */
  filters?: Record<string, [string | null, number | null]>;
  actions: number[][] | number[];
  rewards: number[];
  terminations: boolean[];
  truncations: boolean[];
  infos: Record<string, number[] | boolean[]>;
}

function python(...args: string[]): {
  problems?: string[];
  metadata: Record<string, unknown>;
  episodes: PyEpisode[];
} {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `${SCRIPT} ${args.join(" ")} failed:\n${run.stderr}`);
  return parsePythonJson(run.stdout) as ReturnType<typeof python>;
}

/** Compares numbers exactly (NaN equals NaN, −0 is not 0). */
function assertExactly(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} !== ${expected[i]}`);
  }
}

const flat = (rows: unknown): number[] => (rows as unknown[]).flat(4) as number[];

/** An image-and-state Dict with a Tuple inside: what issue 18's pixel envs observe. */
function mimicDictDataset(): Dataset {
  const space = new DictSpace({
    image: new Box(0, 255, [8, 6, 3], "uint8"),
    state: new Box(-Infinity, Infinity, [3]),
    pair: new TupleSpace([new Box(-1, 1, [2]), new Discrete(5)]),
  });
  const layout = layoutFor(space, "observation");
  const rng = rngFromSeed(21);
  const episodes = [4, 9].map((T, id) => {
    const observations = layout.create(T + 1);
    for (let t = 0; t <= T; t++) layout.write(space.sample(rng), observations, t);
    return new Episode({
      id,
      observations,
      actions: Int32Array.from({ length: T }, (_, t) => t % 2),
      rewards: Array.from({ length: T }, (_, t) => t / 4),
      terminated: id === 0,
      truncated: id !== 0,
      seed: 3 + id,
    });
  });
  return new Dataset({
    id: "toy/dict-interop-v0",
    episodes,
    observationSpace: space,
    actionSpace: new Discrete(2),
  });
}

function mimicDataset(): Dataset {
  const episode = (id: number, T: number, terminated: boolean) => {
    const observations = new Float32Array((T + 1) * 4);
    for (let k = 0; k < observations.length; k++) observations[k] = Math.fround(Math.cos(k * 0.7 + id) * 0.3);
    if (id === 1) observations[6] = Number.NaN;
    return new Episode({
      id,
      observations,
      actions: Int32Array.from({ length: T }, (_, t) => (t * 7 + id) % 2),
      rewards: Array.from({ length: T }, (_, t) => (t % 3) - 1.25),
      terminated,
      truncated: !terminated,
      seed: id === 0 ? 12345 : 2 ** 40 + id,
      infos: { "x/position": Float64Array.from({ length: T + 1 }, (_, t) => t / 3) },
    });
  };
  return new Dataset({
    id: "cartpole/interop-v0",
    episodes: [episode(0, 4, true), episode(1, 700, false), episode(2, 1, true)],
    observationSpace: new Box(
      [-4.8, -Infinity, -0.41887903, -Infinity],
      [4.8, Infinity, 0.41887903, Infinity],
    ),
    actionSpace: new Discrete(2),
    envSpec: { id: "CartPole-v1", maxEpisodeSteps: 500, rewardThreshold: 475, nondeterministic: false },
  });
}

describe("h5py interop", () => {
  test("h5py is available (required when CI is set)", (t) => {
    if (missing === null) return;
    if (process.env.CI) assert.fail(missing);
    t.skip(missing);
  });

  test("h5py opens what mimic writes, in Minari's layout, with the same values", async (t) => {
    if (missing !== null) return void (process.env.CI ? assert.fail(missing) : t.skip(missing));
    const dir = join(scratch, "from-mimic");
    const dataset = mimicDataset();
    await writeMinari(dir, dataset, { author: "mimic", description: "interop" });
    const seen = python("check", dir);
    assert.deepEqual(seen.problems, []);
    assert.equal(seen.metadata.dataset_id, "cartpole/interop-v0");
    assert.deepEqual(seen.metadata.author, ["mimic"]);
    assert.equal(seen.episodes.length, dataset.episodes.length);
    dataset.episodes.forEach((e, i) => {
      const py = seen.episodes[i]!;
      assert.equal(py.id, i);
      assert.equal(py.seed, e.seed);
      assertExactly(e.observations, flat(py.observations), `episode ${i} observations`);
      assertExactly(e.actions, flat(py.actions), `episode ${i} actions`);
      assertExactly(e.rewards, py.rewards, `episode ${i} rewards`);
      const last = e.length - 1;
      assert.deepEqual(
        py.terminations,
        Array.from({ length: e.length }, (_, t) => t === last && e.terminated),
      );
      assert.deepEqual(
        py.truncations,
        Array.from({ length: e.length }, (_, t) => t === last && e.truncated),
      );
      assertExactly(e.infos["x/position"]!, py.infos["x/position"] as number[], `episode ${i} infos`);
    });
  });

  test("readMinari reads a dataset written the way Minari writes it, exactly", async (t) => {
    if (missing !== null) return void (process.env.CI ? assert.fail(missing) : t.skip(missing));
    const dir = join(scratch, "from-h5py");
    const written = python("write", dir, "cartpole");
    const { dataset, warnings } = await readMinari(dir);
    assert.deepEqual(warnings, []);
    assert.equal(dataset.id, "cartpole/h5py-v0");
    assert.equal(
      String(dataset.observationSpace),
      "Box([-4.8, -inf, -0.41887903, -inf], [4.8, inf, 0.41887903, inf], (4,), float32)",
    );
    assert.equal(String(dataset.actionSpace), "Discrete(2)");
    assert.deepEqual(dataset.envSpec, {
      id: "CartPole-v1",
      maxEpisodeSteps: 500,
      rewardThreshold: 475,
      nondeterministic: false,
    });
    assert.deepEqual(dataset.metadata, {
      author: ["h5py"],
      algorithm_name: "random",
      description: "Written the way Minari writes.",
      minari_version: "0.5.3",
    });
    assert.equal(dataset.episodes.length, 3);
    written.episodes.forEach((py, i) => {
      const e = dataset.episodes[i]!;
      assert.equal(e.id, py.id);
      assert.equal(e.seed, py.seed);
      assert.ok(e.observations instanceof Float32Array);
      assert.ok(e.actions instanceof Int32Array);
      assertExactly(e.observations, flat(py.observations), `episode ${i} observations`);
      assertExactly(e.actions, flat(py.actions), `episode ${i} actions`);
      assertExactly(e.rewards, py.rewards, `episode ${i} rewards`);
      assert.equal(e.terminated, py.terminations.at(-1));
      assert.equal(e.truncated, py.truncations.at(-1));
      assert.deepEqual(e.infos, {});
    });

    // And back: what mimic rewrites still passes the layout check, with the same values.
    const again = join(scratch, "from-h5py-again");
    await writeMinari(again, dataset);
    const seen = python("check", again);
    assert.deepEqual(seen.problems, []);
    written.episodes.forEach((py, i) => {
      assertExactly(flat(seen.episodes[i]!.observations), flat(py.observations), `rewritten episode ${i}`);
      assert.deepEqual(seen.episodes[i]!.terminations, py.terminations);
    });
  });

  test("non-contiguous episode ids, a uint64 seed, bool and string infos, unknown keys", async (t) => {
    if (missing !== null) return void (process.env.CI ? assert.fail(missing) : t.skip(missing));
    const dir = join(scratch, "gaps");
    const written = python("write", dir, "gaps");
    const { dataset, warnings } = await readMinari(dir);
    assert.deepEqual(
      dataset.episodes.map((e) => e.id),
      [0, 3, 7],
    );
    assert.equal(warnings.length, 4, warnings.join("\n"));
    assert.match(warnings[0]!, /unknown metadata key "collector"/);
    assert.ok(warnings.some((w) => /episode 3: seed 18446744073709551615 .* it is dropped/.test(w)));
    assert.ok(
      warnings.some((w) => /episodes 0, 3, 7: infos\/note skipped: holds strings, not numbers/.test(w)),
    );
    assert.ok(warnings.some((w) => /episode ids are not 0 … 2 \(\[0, 3, 7\]\)/.test(w)));
    assert.equal(dataset.metadata.collector, "not a Minari key");
    written.episodes.forEach((py, i) => {
      const e = dataset.episodes[i]!;
      assert.equal(e.seed, py.id === 3 ? undefined : py.seed);
      assertExactly(e.observations, flat(py.observations), `episode ${py.id} observations`);
      assert.ok(e.actions instanceof Float32Array);
      assertExactly(e.actions, flat(py.actions), `episode ${py.id} actions`);
      assertExactly(e.rewards, py.rewards, `episode ${py.id} rewards`);
      assert.equal(e.truncated, true);
      assert.equal(e.terminated, false);
      assertExactly(e.infos.torque_cost!, py.infos.torque_cost as number[], `episode ${py.id} torque_cost`);
      assertExactly(
        e.infos.is_upright!,
        (py.infos.is_upright as boolean[]).map(Number),
        `episode ${py.id} is_upright`,
      );
      assert.ok(e.infos.is_upright instanceof Int8Array, "a bool enum reads as int8 0/1");
      assert.equal(e.infos.note, undefined);
    });
  });

  test("h5py opens a Dict dataset mimic writes: groups, keys, dtypes, shapes and the gzip filter", async (t) => {
    if (missing !== null) return void (process.env.CI ? assert.fail(missing) : t.skip(missing));
    const dir = join(scratch, "dict-from-mimic");
    const dataset = mimicDictDataset();
    await writeMinari(dir, dataset);
    const seen = python("check", dir);
    assert.deepEqual(seen.problems, []);
    const paths = ["image", "pair/_index_0", "pair/_index_1", "state"];
    dataset.episodes.forEach((e, i) => {
      const py = seen.episodes[i]!;
      const leaves = py.observations as Record<string, unknown[]>;
      assert.deepEqual(Object.keys(leaves), paths);
      for (const path of paths) {
        assertExactly(e.observationLeaves![path]!, flat(leaves[path]), `episode ${i} observations/${path}`);
      }
      assert.deepEqual(py.filters!["observations/image"], ["gzip", 4]);
      for (const key of [
        "observations/state",
        "observations/pair/_index_0",
        "observations/pair/_index_1",
        "actions",
      ]) {
        assert.deepEqual(py.filters![key], [null, null], key);
      }
      assertExactly(e.actions, flat(py.actions), `episode ${i} actions`);
    });
  });

  test("readMinari reads a Dict dataset (with a Tuple inside) written in Minari's layout by h5py", async (t) => {
    if (missing !== null) return void (process.env.CI ? assert.fail(missing) : t.skip(missing));
    const dir = join(scratch, "dict-from-h5py");
    const written = python("write", dir, "dict");
    const { dataset, warnings } = await readMinari(dir);
    assert.deepEqual(warnings, []);
    assert.equal(
      String(dataset.observationSpace),
      "Dict('image': Box(0, 255, (4, 3, 3), uint8), 'pair': Tuple(Box(-1, 1, (2,), float32), Discrete(5)), " +
        "'state': Box(-inf, inf, (3,), float32))",
    );
    assert.equal(dataset.episodes.length, 2);
    written.episodes.forEach((py, i) => {
      const e = dataset.episodes[i]!;
      const leaves = py.observations as Record<string, unknown[]>;
      assert.deepEqual(Object.keys(e.observationLeaves!), [
        "image",
        "pair/_index_0",
        "pair/_index_1",
        "state",
      ]);
      assert.ok(e.observationLeaves!.image instanceof Uint8Array);
      assert.ok(e.observationLeaves!.state instanceof Float32Array);
      assert.ok(e.observationLeaves!["pair/_index_1"] instanceof Int32Array);
      for (const [path, rows] of Object.entries(leaves)) {
        assertExactly(e.observationLeaves![path]!, flat(rows), `episode ${i} observations/${path}`);
      }
      assertExactly(e.actions, flat(py.actions), `episode ${i} actions`);
      assert.equal(e.seed, py.seed);
    });

    // And back: mimic's rewrite passes the layout check, with the same values and a compressed image.
    const again = join(scratch, "dict-from-h5py-again");
    await writeMinari(again, dataset);
    const seen = python("check", again);
    assert.deepEqual(seen.problems, []);
    written.episodes.forEach((py, i) => {
      const before = py.observations as Record<string, unknown[]>;
      const after = seen.episodes[i]!.observations as Record<string, unknown[]>;
      for (const path of Object.keys(before)) assert.deepEqual(flat(after[path]), flat(before[path]), path);
      assert.deepEqual(seen.episodes[i]!.filters!["observations/image"], ["gzip", 4]);
    });
  });
});
