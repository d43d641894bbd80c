/**
 * The dashboard without a browser: the env renderers against a recording fake 2D context, the
 * lenient metrics reader, the app's id checks (a spy store proves no read happens for a bad id),
 * its body checks, the file store's teach-mode appends (replayed, atomic, serialized), and the
 * `mimic ui` command's flags. test/ui-browser.test.ts covers the same pages in Chromium.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ShapeMismatchError, UnknownEnvError } from "../src/core/errors.js";
import { make } from "../src/core/registry.js";
import { rngFromSeed } from "../src/core/rng.js";
import { loadDataset } from "../src/data/store.js";
import {
  type Draw2D,
  gridWorldRenderer,
  rendererFor,
  renderers,
  renderFps,
} from "../src/envs/render/index.js";
import "../src/envs/index.js";
import { RunDirectory } from "../src/runs/run-directory.js";
import { createUiApp } from "../src/ui/app.js";
import type { KeptEpisode } from "../src/ui/episode-replay.js";
import { createFileStore, resolveInside } from "../src/ui/file-store.js";
import { createHumanDagger } from "../src/ui/human-dagger.js";
import { parseMetricsLenient } from "../src/ui/metrics.js";
import { isSafeId, type UiStore } from "../src/ui/store.js";
import { runCli } from "./helpers/cli.js";

const root = mkdtempSync(join(tmpdir(), "mimic-ui-unit-"));
after(() => rmSync(root, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Renderers
// ---------------------------------------------------------------------------------------------

/** A 2D context that records every call and checks that every number it gets is finite. */
function recordingContext(): Draw2D & { calls: string[]; bad: string[] } {
  const calls: string[] = [];
  const bad: string[] = [];
  const state: Record<string, unknown> = {
    fillStyle: "#000",
    strokeStyle: "#000",
    lineWidth: 1,
    lineCap: "butt",
    font: "10px sans-serif",
    textAlign: "start",
    textBaseline: "alphabetic",
  };
  const ctx = new Proxy(state, {
    get(target, name) {
      if (name === "calls") return calls;
      if (name === "bad") return bad;
      if (typeof name === "string" && name in target) return target[name];
      return (...args: unknown[]) => {
        const call = `${String(name)}(${args.map((a) => (typeof a === "number" ? a.toFixed(2) : String(a))).join(",")})`;
        calls.push(call);
        if (args.some((a) => typeof a === "number" && !Number.isFinite(a))) bad.push(call);
      };
    },
    set(target, name, value) {
      if (typeof name === "string") target[name] = value;
      if (name === "lineWidth" && !(Number.isFinite(value) && value > 0)) bad.push(`lineWidth=${value}`);
      return true;
    },
  });
  return ctx as unknown as Draw2D & { calls: string[]; bad: string[] };
}

describe("env renderers", () => {
  for (const envId of Object.keys(renderers)) {
    test(`${envId} draws start states, random-walk states and actions without throwing`, () => {
      const env = make(envId);
      const rng = rngFromSeed(3);
      const renderer = rendererFor(envId);
      const drawn = new Set<string>();
      for (let episode = 0; episode < 3; episode++) {
        let { observation } = env.reset({ seed: episode });
        for (let t = 0; t < 40; t++) {
          const action = env.actionSpace.sample(rng);
          const ctx = recordingContext();
          renderer(ctx, observation as ArrayLike<number> | number, {
            width: 600,
            height: 360,
            action: action as number | ArrayLike<number>,
          });
          assert.deepEqual(ctx.bad, [], `${envId}: non-finite drawing arguments`);
          assert.ok(
            ctx.calls.some((c) => /^(fill|stroke|fillRect)\(/.test(c)),
            `${envId} drew nothing`,
          );
          drawn.add(ctx.calls.join(";"));
          const step = env.step(action);
          observation = step.observation;
          if (step.terminated || step.truncated) break;
        }
      }
      assert.ok(drawn.size > 3, `${envId}: different states should draw differently`);
    });
  }

  test("a wrong-sized observation is refused with the sizes, and an unknown env suggests the nearest", () => {
    const ctx = recordingContext();
    assert.throws(
      () => rendererFor("CartPole-v1")(ctx, [0, 0, 0], { width: 100, height: 100 }),
      (e: unknown) => e instanceof ShapeMismatchError && /4 values; got 3 values/.test(e.message),
    );
    assert.throws(
      () => rendererFor("Pendulum-v1")(ctx, 3, { width: 100, height: 100 }),
      (e: unknown) => e instanceof ShapeMismatchError && /single number/.test(e.message),
    );
    assert.throws(
      () => rendererFor("CartPole-v2"),
      (e: unknown) => e instanceof UnknownEnvError && /did you mean "CartPole-v1"/.test(e.message),
    );
  });

  test("GridWorld draws a custom layout and refuses a state outside it", () => {
    const layout = {
      width: 4,
      height: 3,
      walls: [[1, 1]] as [number, number][],
      traps: [{ cell: [2, 2] as [number, number] }],
    };
    const renderer = gridWorldRenderer(layout);
    const env = make("GridWorld-v0", layout);
    const ctx = recordingContext();
    renderer(ctx, env.reset({ seed: 0 }).observation as number, { width: 400, height: 300, action: 1 });
    assert.deepEqual(ctx.bad, []);
    // 12 cells outlined, one wall filled, one goal and one trap labelled.
    assert.equal(ctx.calls.filter((c) => c.startsWith("strokeRect(")).length, 12);
    assert.ok(ctx.calls.some((c) => c.startsWith("fillText(-1,")));
    assert.throws(
      () => renderer(ctx, 12, { width: 400, height: 300 }),
      /from 0 to 11 for this 4×3 layout; got 12/,
    );
  });

  test("real-time rates follow Gymnasium's render_fps", () => {
    assert.deepEqual(renderFps, {
      "CartPole-v1": 50,
      "MountainCar-v0": 30,
      "MountainCarContinuous-v0": 30,
      "Pendulum-v1": 30,
      "Acrobot-v1": 15,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Metrics, ids
// ---------------------------------------------------------------------------------------------

test("a damaged metrics line is skipped with a warning naming it; a line being written is skipped quietly", () => {
  const text =
    '{"step":1,"time":1,"loss":0.5}\n' +
    "not json\n" +
    '{"step":2,"time":2,"loss":"high"}\n' +
    '{"step":3,"time":3,"loss":null}\n' +
    '{"step":4,"ti';
  const { records, warnings } = parseMetricsLenient(text, "runs/a/metrics.jsonl");
  assert.deepEqual(
    records.map((r) => r.step),
    [1, 3],
  );
  assert.ok(Number.isNaN(records[1]!.loss));
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /^runs\/a\/metrics\.jsonl: line 2 is not a metrics record/);
  assert.match(warnings[1]!, /line 3/);
});

test("isSafeId accepts plain names and refuses anything that could leave the root", () => {
  for (const id of ["cartpole-bc", "quickstart/bc", "a.b_c-1", "x.jsonl"]) assert.ok(isSafeId(id, 2), id);
  for (const id of [
    "",
    ".",
    "..",
    "../x",
    "a/../b",
    "a/b/c",
    "/etc",
    ".hidden",
    "a//b",
    "a\\b",
    "%2e%2e",
    "a b",
  ]) {
    assert.equal(isSafeId(id, 2), false, id);
  }
  assert.equal(isSafeId("quickstart/bc", 1), false);
});

test("resolveInside follows symlinks and refuses one that leaves the root", async () => {
  const base = join(root, "resolve");
  mkdirSync(join(base, "runs", "inside"), { recursive: true });
  mkdirSync(join(base, "outside"), { recursive: true });
  symlinkSync(join(base, "outside"), join(base, "runs", "link"));
  assert.equal(await resolveInside(join(base, "runs"), "inside", 1), join(base, "runs", "inside"));
  assert.equal(await resolveInside(join(base, "runs"), "link", 1), null);
  assert.equal(await resolveInside(join(base, "runs"), "missing", 1), null);
  assert.equal(await resolveInside(join(base, "runs"), "..", 1), null);
});

// ---------------------------------------------------------------------------------------------
// The app, over a spy store
// ---------------------------------------------------------------------------------------------

function spyStore(): UiStore & { calls: string[] } {
  const calls: string[] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(",")})`);
      return null;
    };
  return {
    calls,
    listRuns: async () => ({ items: [], warnings: [] }),
    listDatasets: async () => ({ items: [], warnings: [] }),
    getRun: record("getRun"),
    getReport: record("getReport"),
    getDataset: record("getDataset"),
    getEpisode: record("getEpisode"),
    appendEpisode: record("appendEpisode") as unknown as UiStore["appendEpisode"],
    appendWebEpisode: record("appendWebEpisode") as unknown as UiStore["appendWebEpisode"],
  } as UiStore & { calls: string[] };
}

const assets = {
  "index.html": { body: "<!doctype html><title>mimic</title>", type: "text/html; charset=utf-8" },
  "app.js": { body: "console.log(1)", type: "text/javascript; charset=utf-8" },
};

describe("the ui app", () => {
  test("unsafe ids get a 404 before the store is asked", async () => {
    const store = spyStore();
    const app = createUiApp({ store, assets });
    const paths = [
      "/api/run?id=..",
      "/api/run?id=..%2Fsecret",
      "/api/run?id=%2e%2e%2fsecret",
      "/api/run?id=a%2F..%2F..%2Fsecret",
      "/api/run?id=%2Fetc%2Fpasswd",
      "/api/run?id=a%5C..%5Cb",
      "/api/run/report?id=..%2F..",
      "/api/dataset?id=a%2Fb",
      "/api/dataset?id=.hidden",
      "/api/dataset/episode?id=..&index=0",
      "/api/run",
    ];
    for (const path of paths) {
      const response = await app.request(path);
      assert.equal(response.status, 404, path);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, /^no /);
    }
    assert.deepEqual(store.calls, []);
    assert.equal((await app.request("/api/run?id=group%2Frun")).status, 404);
    assert.deepEqual(store.calls, ['getRun("group/run")']);
  });

  test("only the bundle's own files are served", async () => {
    const app = createUiApp({ store: spyStore(), assets });
    assert.equal((await app.request("/")).status, 200);
    assert.equal(
      (await app.request("/assets/app.js")).headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    for (const path of [
      "/assets/index.html",
      "/assets/nope.js",
      "/assets/..%2Fpackage.json",
      "/index.html",
      "/assets/",
    ]) {
      assert.equal((await app.request(path)).status, 404, path);
    }
  });

  test("with allowedHostnames, another Host (a rebound DNS name) gets a 403", async () => {
    const app = createUiApp({ store: spyStore(), assets, allowedHostnames: ["127.0.0.1", "localhost"] });
    assert.equal((await app.request("http://127.0.0.1:8787/api/runs")).status, 200);
    assert.equal((await app.request("http://localhost:8787/")).status, 200);
    const r = await app.request("http://attacker.example:8787/api/runs");
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /attacker\.example/);
  });

  test("a kept episode's body is checked: JSON, same origin, and every field with its path", async () => {
    const store = spyStore();
    const app = createUiApp({ store, assets });
    const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
      app.request("/api/teach/keep", { method: "POST", body, headers });
    const good = {
      dataset: "d",
      envId: "CartPole-v1",
      seed: 1,
      actions: [0, 1],
      terminated: true,
      truncated: false,
    };
    const error = async (r: Response) =>
      ((await r.json()) as { error: { message: string; path?: string } }).error;

    let r = await post(JSON.stringify(good), { "content-type": "text/plain" });
    assert.equal(r.status, 415);
    r = await post(JSON.stringify(good), {
      "content-type": "application/json",
      origin: "http://evil.example",
      host: "127.0.0.1:8787",
    });
    assert.equal(r.status, 403);
    r = await post("{oops");
    assert.equal(r.status, 400);
    assert.match((await error(r)).message, /not valid JSON/);
    r = await post(JSON.stringify({ ...good, actions: [0, "left"] }));
    assert.equal(r.status, 400);
    assert.equal((await error(r)).path, "actions[1]");
    r = await post(JSON.stringify({ ...good, dataset: "../x" }));
    assert.equal((await error(r)).path, "dataset");
    r = await post(JSON.stringify({ ...good, envId: "CartPole-v9" }));
    assert.equal((await error(r)).path, "envId");
    r = await post(JSON.stringify({ ...good, extra: 1 }));
    assert.equal(r.status, 400);
    assert.deepEqual(store.calls, []);
  });
});

// ---------------------------------------------------------------------------------------------
// Teach-mode appends through the file store
// ---------------------------------------------------------------------------------------------

/** Plays `envId` from `seed` with `policy` until the episode ends; returns what the page would send. */
function play(
  envId: KeptEpisode["envId"],
  seed: number,
  policy: (t: number) => number | number[],
  dataset = "demos",
): KeptEpisode {
  const env = make(envId as string);
  env.reset({ seed });
  const actions: (number | number[])[] = [];
  for (;;) {
    const action = policy(actions.length);
    const step = env.step(action);
    actions.push(action);
    if (step.terminated || step.truncated) {
      return { dataset, envId, seed, actions, terminated: step.terminated, truncated: step.truncated };
    }
  }
}

function digest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, name.name);
      if (name.isDirectory()) walk(path);
      else hash.update(name.name).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

describe("teach-mode appends", () => {
  const datasets = join(root, "datasets");
  const store = createFileStore({ runs: join(root, "runs"), datasets });
  const app = createUiApp({ store, assets });
  const keep = (episode: KeptEpisode) =>
    app.request("/api/teach/keep", {
      method: "POST",
      body: JSON.stringify(episode),
      headers: { "content-type": "application/json" },
    });

  test("episodes are replayed from the seed and appended, creating the dataset on the first", async () => {
    const first = play("CartPole-v1", 5, (t) => t % 2);
    let r = await keep(first);
    assert.equal(r.status, 201);
    assert.deepEqual(await r.json(), {
      dataset: "demos",
      index: 0,
      episodes: 1,
      length: first.actions.length,
      return: first.actions.length,
      created: true,
    });
    const second = play("CartPole-v1", 6, () => 1);
    r = await keep(second);
    assert.equal(((await r.json()) as { index: number }).index, 1);
    const { dataset } = await loadDataset(join(datasets, "demos"));
    assert.equal(dataset.episodes.length, 2);
    assert.equal(dataset.id, "demos-v0");
    assert.equal(dataset.metadata.algorithm_name, "human demonstrations (mimic ui teach mode)");
    assert.deepEqual(Array.from(dataset.episodes[1]!.actions), second.actions);
    assert.equal(dataset.episodes[1]!.seed, 6);
    const env = make("CartPole-v1");
    assert.deepEqual(
      Array.from(dataset.episodes[1]!.observation(0)),
      Array.from(env.reset({ seed: 6 }).observation),
    );
    const listing = await store.listDatasets();
    assert.deepEqual(
      listing.items.map((d) => [d.id, d.episodes]),
      [["demos", 2]],
    );
  });

  test("a replay that disagrees with the page stores nothing", async () => {
    const before = digest(join(datasets, "demos"));
    const good = play("CartPole-v1", 9, () => 0);
    const cases: [KeptEpisode, number, RegExp][] = [
      [
        { ...good, terminated: false, truncated: true },
        422,
        /ended its \d+ actions with terminated=true.*page reported terminated=false/,
      ],
      [
        { ...good, actions: [...good.actions, 0] },
        422,
        /ended after \d+ steps, but the page sent \d+ actions/,
      ],
      [
        { ...good, actions: good.actions.slice(0, 3), terminated: false },
        422,
        /had not ended after 3 actions/,
      ],
      [{ ...good, actions: [0, 7, ...good.actions.slice(2)] }, 400, /actions\[1\]/],
      [play("Acrobot-v1", 0, () => 2), 409, /holds CartPole-v1, not Acrobot-v1/],
    ];
    for (const [episode, status, message] of cases) {
      const r = await keep(episode);
      const body = (await r.json()) as { error: { message: string } };
      assert.equal(r.status, status, body.error?.message);
      assert.match(body.error.message, message);
    }
    assert.equal(digest(join(datasets, "demos")), before);
    assert.deepEqual(
      readdirSync(datasets).filter((n) => n.includes(".tmp-") || n.includes(".old-")),
      [],
    );
  });

  test("concurrent keeps are serialized: each lands once", async () => {
    const episodes = [11, 12, 13, 14].map((seed) =>
      play("Pendulum-v1", seed, (t) => [t % 20 < 10 ? 2 : -2], "pendulum"),
    );
    const results = await Promise.all(episodes.map((e) => keep(e)));
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 201, 201, 201],
    );
    const { dataset } = await loadDataset(join(datasets, "pendulum"));
    assert.deepEqual(dataset.episodes.map((e) => e.seed).sort(), [11, 12, 13, 14]);
    assert.ok(dataset.episodes.every((e) => e.truncated && e.length === 200));
  });

  test("GridWorld episodes keep their integer observations", async () => {
    const r = await keep(play("GridWorld-v0", 0, (t) => (t % 2 === 0 ? 1 : 2), "grid"));
    assert.equal(r.status, 201);
    const { dataset } = await loadDataset(join(datasets, "grid"));
    assert.deepEqual(Array.from(dataset.episodes[0]!.observations), [0, 1, 6, 7, 12, 13, 18, 19, 24]);
  });

  test("env options: an episode joins a dataset only with the same options; unknown or wrapper options are refused", async () => {
    const recorded = await runCli(
      "collect",
      "--env",
      "MountainCar-v0",
      "--env-options",
      '{"goalVelocity": 0.01}',
      "--expert",
      "scripted",
      "--episodes",
      "1",
      "--out",
      join(datasets, "car-options"),
    );
    assert.equal(recorded.code, 0, recorded.err);
    const before = digest(join(datasets, "car-options"));
    const plain = play("MountainCar-v0", 1, () => 2, "car-options");
    const refused: [KeptEpisode, number, RegExp][] = [
      [plain, 409, /with env options \{"goalVelocity":0\.01\}, and this episode was played with \{\}/],
      [
        { ...plain, envOptions: { goal: 1 } },
        400,
        /envOptions\.goal is not an option of MountainCar-v0 \(its options: goalVelocity\)/,
      ],
      [
        { ...plain, envOptions: { maxEpisodeSteps: 10_000 } },
        400,
        /envOptions\.maxEpisodeSteps is not an option/,
      ],
    ];
    for (const [episode, status, message] of refused) {
      const r = await keep(episode);
      const body = (await r.json()) as { error: { message: string } };
      assert.equal(r.status, status, body.error?.message);
      assert.match(body.error.message, message);
    }
    assert.equal(digest(join(datasets, "car-options")), before);
    // Played with the dataset's options, it is replayed in that env and kept.
    const env = make("MountainCar-v0", { goalVelocity: 0.01 });
    env.reset({ seed: 1 });
    let steps = 0;
    let end = { terminated: false, truncated: false };
    while (!end.terminated && !end.truncated) {
      const r = env.step(2);
      steps++;
      end = { terminated: r.terminated, truncated: r.truncated };
    }
    const r = await keep({
      dataset: "car-options",
      envId: "MountainCar-v0",
      envOptions: { goalVelocity: 0.01 },
      seed: 1,
      actions: Array.from({ length: steps }, () => 2),
      ...end,
    });
    assert.equal(r.status, 201, JSON.stringify(await r.clone().json()));
    const { dataset } = await loadDataset(join(datasets, "car-options"));
    assert.equal(dataset.episodes.length, 2);
    assert.deepEqual(dataset.envSpec?.kwargs, { goalVelocity: 0.01 });
  });
});

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

describe("mimic ui", () => {
  test("--help describes the dashboard", async () => {
    const { code, out } = await runCli("ui", "--help");
    assert.equal(code, 0);
    assert.match(out, /Usage: mimic ui \[--port 8787\]/);
    assert.match(out, /Teach/);
  });

  test("bad flags say what was wrong", async () => {
    let r = await runCli("ui", "--port", "99999");
    assert.equal(r.code, 2);
    assert.match(r.err, /--port must be a port number from 0 to 65535, got "99999"/);
    r = await runCli("ui", "--prot", "1");
    assert.equal(r.code, 2);
    assert.match(r.err, /did you mean --port/);
    const file = join(root, "not-a-dir");
    writeFileSync(file, "x");
    r = await runCli("ui", "--runs", file, "--port", "0");
    assert.equal(r.code, 2);
    assert.match(r.err, /--runs .* is a file, not a directory/);
  });
});

// ---------------------------------------------------------------------------------------------
// Live DAgger sessions
// ---------------------------------------------------------------------------------------------

describe("live DAgger sessions", () => {
  const datasets = join(root, "dagger-datasets");
  const app = createUiApp({
    store: createFileStore({ runs: join(root, "runs"), datasets }),
    dagger: createHumanDagger({ datasets }),
    assets,
  });
  const post = async (route: string, body: unknown) => {
    const r = await app.request(`/api/dagger/${route}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    return {
      status: r.status,
      body: (await r.json()) as Record<string, unknown> & { error?: { message: string; path?: string } },
    };
  };

  test("a round: start on demonstrations, add labelled episodes, train, and the round's labels are on disk", async () => {
    // Demonstrations kept through teach mode (their quality does not matter here).
    for (const seed of [0, 1]) {
      const r = await app.request("/api/teach/keep", {
        method: "POST",
        body: JSON.stringify(play("CartPole-v1", seed, (t) => t % 2, "cartpole-demos")),
        headers: { "content-type": "application/json" },
      });
      assert.equal(r.status, 201);
    }
    const started = await post("start", { demos: "cartpole-demos", name: "s", epochs: 2 });
    assert.equal(started.status, 200, started.body.error?.message);
    const session = started.body.session as string;
    assert.equal((started.body.rounds as unknown[]).length, 1);

    const executed = play("CartPole-v1", 4, (t) => t % 2).actions as number[];
    const labelsFrom = 2;
    const labels = executed.slice(labelsFrom).map(() => 1);
    const base = { session, seed: 4, executed, labelsFrom, terminated: true, truncated: false };
    let r = await post("episode", { ...base, labels: labels.slice(1) });
    assert.equal(r.status, 400);
    assert.match(r.body.error!.message, /must end together/);
    r = await post("episode", { ...base, labels: [...labels.slice(1), 2] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error!.path, `labels[${labels.length - 1}]`);
    r = await post("episode", { ...base, labelsFrom: executed.length, labels: [] });
    assert.match(r.body.error!.message, /labels is empty/);
    r = await post("episode", { ...base, session: "00000000-0000-0000-0000-000000000000", labels });
    assert.equal(r.status, 404);
    r = await post("episode", { ...base, terminated: false, truncated: true, labels });
    assert.equal(r.status, 422);
    r = await post("episode", { ...base, labels });
    assert.equal(r.status, 200, r.body.error?.message);
    assert.equal(r.body.pendingSteps, labels.length);

    r = await post("train", { session });
    assert.equal(r.status, 200, r.body.error?.message);
    const rounds = r.body.rounds as { round: number; labelledSteps: number; dataset: string }[];
    assert.deepEqual(
      rounds.map((x) => [x.round, x.labelledSteps, x.dataset]),
      [
        [0, 0, null],
        [1, labels.length, "s-round-1"],
      ],
    );
    const { dataset } = await loadDataset(join(datasets, "s-round-1"));
    assert.deepEqual(Array.from(dataset.episodes[0]!.actions), labels);
    const env = make("CartPole-v1");
    let observation = env.reset({ seed: 4 }).observation;
    for (let t = 0; t < labelsFrom; t++) observation = env.step(executed[t]!).observation;
    assert.deepEqual(Array.from(dataset.episodes[0]!.observation(0)), Array.from(observation));
    assert.equal(dataset.episodes[0]!.seed, undefined, "a cut episode does not claim the reset seed");

    // A second session may not reuse the name: its round 1 would replace this one's, whether
    // this session is still open or the server has restarted since.
    const again = await post("start", { demos: "cartpole-demos", name: "s", epochs: 1 });
    assert.equal(again.status, 409);
    assert.match(again.body.error!.message, /a session named s is open already/);
    await assert.rejects(
      createHumanDagger({ datasets }).start({ demos: "cartpole-demos", name: "s", epochs: 1 }),
      /s-round-1 exists already/,
    );
    r = await post("train", { session });
    assert.match(r.body.error!.message, /no labelled episodes yet this round/);
  });
});

test("the run list: grouped runs, best return from any return metric, a broken manifest as a warning", async () => {
  const runs = join(root, "listing-runs");
  // lastUpdate is the newest file time of the run: after this moment (less the file system's
  // timestamp granularity), however long the writes below take.
  const before = Date.now() - 2000;
  const make1 = async (dir: string, config: Record<string, unknown>, logs: Record<string, number>[]) => {
    const run = await RunDirectory.create(join(runs, dir), {
      command: ["mimic", "train", "x"],
      config,
      seeds: 0,
    });
    for (const [i, l] of logs.entries()) run.log(i, l);
    await run.finish("finished", { meanReturn: 12 });
  };
  await make1("ppo-run", { algorithm: "ppo", env: "CartPole-v1" }, [
    { episode_return: 20 },
    { episode_return: 80 },
  ]);
  await make1("quickstart/bc", { algorithm: "bc", env: "CartPole-v1" }, [{ train_loss: 1 }]);
  mkdirSync(join(runs, "broken"), { recursive: true });
  writeFileSync(join(runs, "broken", "manifest.json"), "{not json");
  mkdirSync(join(runs, ".hidden", "x"), { recursive: true });
  const store = createFileStore({ runs, datasets: join(root, "none") });
  const { items, warnings } = await store.listRuns();
  assert.deepEqual(items.map((r) => [r.id, r.algorithm, r.env, r.status, r.bestReturn]).sort(), [
    ["ppo-run", "ppo", "CartPole-v1", "finished", 80],
    ["quickstart/bc", "bc", "CartPole-v1", "finished", 12],
  ]);
  assert.ok(items.every((r) => Date.parse(r.lastUpdate) >= before && Date.parse(r.lastUpdate) <= Date.now()));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^run broken: .*not valid JSON/);
  assert.equal((await store.getRun("quickstart/bc"))?.metrics.length, 1);
  assert.equal(await store.getRun("quickstart"), null);
});
