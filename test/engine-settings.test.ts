/**
 * The fused engine's settings (`configureFusedEngine` in src/nn/fused/arena.ts): they work with no
 * environment variable set, bad values get errors that say what a value must be, a change after
 * the engine has started is refused, and the `mimic` command (and only an entry point) turns
 * `MIMIC_THREADS` and `MIMIC_FMA` into them (src/cli/engine-env.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fusedEngineSettingsFromEnv } from "../src/cli/engine-env.js";
import { InvalidOptionError } from "../src/core/errors.js";
import { configureFusedEngine } from "../src/index.js";
import { repoRoot } from "./helpers/fixtures.js";

/** The environment of this process without the two variables, so a child sees neither. */
const cleanEnv = { ...process.env, MIMIC_THREADS: undefined, MIMIC_FMA: undefined };

/** Runs an ES module script in a fresh Node process at the repository root; returns its output. */
function node(
  script: string,
  env: NodeJS.ProcessEnv = cleanEnv,
): { status: number | null; out: string; err: string } {
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
  });
  return { status: child.status, out: child.stdout, err: child.stderr };
}

function rejects(settings: unknown, message: RegExp): void {
  assert.throws(
    () => configureFusedEngine(settings as Parameters<typeof configureFusedEngine>[0]),
    (e: unknown) => e instanceof InvalidOptionError && message.test(e.message),
  );
}

describe("configureFusedEngine", () => {
  test("threads and fma apply without any environment variable", () => {
    const script = `
      import { Arena, configureFusedEngine, fusedKernelsFma, fusedThreads } from "./build/src/index.js";
      const before = { fma: "MIMIC_FMA" in process.env, threads: "MIMIC_THREADS" in process.env };
      configureFusedEngine({ threads: Number(process.argv[1] ?? 1), fma: false });
      const arena = new Arena("wasm");
      console.log(JSON.stringify({ before, threads: fusedThreads(), fma: fusedKernelsFma(), shared: arena.shared }));`;
    const { status, out, err } = node(script);
    assert.equal(status, 0, err);
    assert.deepEqual(JSON.parse(out), {
      before: { fma: false, threads: false },
      threads: 1,
      fma: false,
      shared: false,
    });
    // The defaults, for contrast: the FMA build on this runtime (Node 20 on x86-64 with FMA) and
    // shared memory for the helper threads on a machine with more than one core.
    const defaults = node(`
      import { Arena, fusedKernelsFma, fusedThreads } from "./build/src/index.js";
      console.log(JSON.stringify({ fma: fusedKernelsFma(), threads: fusedThreads(), shared: new Arena("wasm").shared }));`);
    assert.equal(defaults.status, 0, defaults.err);
    const d = JSON.parse(defaults.out) as { fma: boolean; threads: number; shared: boolean };
    assert.equal(d.fma, true);
    assert.equal(d.shared, d.threads > 1);
  });

  test("a bad setting says what it must be, and changes nothing", () => {
    rejects({ threads: 0 }, /threads must be a whole number ≥ 1 \(1 = no helper threads\), got 0/);
    rejects({ threads: 1.5 }, /threads must be a whole number ≥ 1.*got 1\.5/);
    rejects({ threads: "2" }, /threads must be a whole number ≥ 1.*got "2"/);
    rejects({ fma: "no" }, /fma must be true .* or false .*, got "no"/);
    rejects({ thread: 2 }, /configureFusedEngine has no setting "thread"; the settings are threads and fma/);
    rejects(null, /configureFusedEngine takes an object such as \{ threads: 1, fma: false \}, got null/);
  });

  test("after the engine has started, a different setting is refused and the same one is accepted", () => {
    const script = `
      import { Arena, configureFusedEngine } from "./build/src/index.js";
      configureFusedEngine({ threads: 1, fma: false });
      new Arena("wasm");
      configureFusedEngine({ threads: 1, fma: false });
      const refused = [];
      for (const settings of [{ threads: 2 }, { fma: true }]) {
        try { configureFusedEngine(settings); } catch (e) { refused.push(e.message); }
      }
      console.log(JSON.stringify(refused));`;
    const { status, out, err } = node(script);
    assert.equal(status, 0, err);
    const refused = JSON.parse(out) as string[];
    assert.equal(refused.length, 2);
    assert.match(
      refused[0]!,
      /already runs on 1 thread .* threads: 2 cannot apply; call configureFusedEngine/,
    );
    assert.match(refused[1]!, /already loaded its plain kernels .* fma: true cannot apply/);
  });

  test("a module import does not start the engine, so a setting made after `import` applies", () => {
    // Every module of the package loaded first (as `import … from "mimic"` does), then the setting.
    const script = `
      import * as mimic from "./build/src/index.js";
      mimic.configureFusedEngine({ fma: false, threads: 1 });
      console.log(JSON.stringify({ fma: mimic.fusedKernelsFma(), threads: mimic.fusedThreads() }));`;
    const { status, out, err } = node(script);
    assert.equal(status, 0, err);
    assert.deepEqual(JSON.parse(out), { fma: false, threads: 1 });
  });
});

describe("MIMIC_THREADS and MIMIC_FMA at the entry points", () => {
  test("fusedEngineSettingsFromEnv reads both, and says what a bad value must be", () => {
    assert.deepEqual(fusedEngineSettingsFromEnv({}), {});
    assert.deepEqual(fusedEngineSettingsFromEnv({ MIMIC_THREADS: "", MIMIC_FMA: "" }), {});
    assert.deepEqual(fusedEngineSettingsFromEnv({ MIMIC_THREADS: "3", MIMIC_FMA: "0" }), {
      threads: 3,
      fma: false,
    });
    assert.deepEqual(fusedEngineSettingsFromEnv({ MIMIC_FMA: "1" }), { fma: true });
    for (const bad of ["abc", "0", "-1", "1.5", "2x"]) {
      assert.throws(
        () => fusedEngineSettingsFromEnv({ MIMIC_THREADS: bad }),
        new RegExp(
          `MIMIC_THREADS must be a whole number ≥ 1 \\(1 = no helper threads\\), got "${bad.replace(".", "\\.")}"`,
        ),
      );
    }
    assert.throws(
      () => fusedEngineSettingsFromEnv({ MIMIC_FMA: "yes" }),
      /MIMIC_FMA must be 0 \(plain kernels\) or 1 .*, got "yes"/,
    );
  });

  test("the mimic command honours them, and refuses a bad one with exit code 1", () => {
    const script = `
      import { main } from "./build/src/cli/main.js";
      import { fusedKernelsFma } from "./build/src/nn/fused/arena.js";
      import { fusedThreads } from "./build/src/nn/fused/threads.js";
      let err = "";
      const code = await main(["envs"], { out: () => {}, err: (t) => (err += t) });
      console.log(JSON.stringify({ code, err, threads: fusedThreads(), fma: fusedKernelsFma() }));`;
    const run = (env: Record<string, string>) => {
      const { status, out, err } = node(script, { ...cleanEnv, ...env });
      assert.equal(status, 0, err);
      return JSON.parse(out) as { code: number; err: string; threads: number; fma: boolean };
    };
    assert.deepEqual(run({ MIMIC_THREADS: "1", MIMIC_FMA: "0" }), {
      code: 0,
      err: "",
      threads: 1,
      fma: false,
    });
    const threadsTwo = run({ MIMIC_THREADS: "2" });
    assert.equal(threadsTwo.code, 0);
    assert.equal(threadsTwo.threads, 2);
    assert.equal(threadsTwo.fma, true);
    const bad = run({ MIMIC_THREADS: "abc" });
    assert.equal(bad.code, 1);
    assert.match(
      bad.err,
      /^mimic envs: MIMIC_THREADS must be a whole number ≥ 1 \(1 = no helper threads\), got "abc"/,
    );
    const badFma = run({ MIMIC_FMA: "2" });
    assert.equal(badFma.code, 1);
    assert.match(badFma.err, /MIMIC_FMA must be 0 \(plain kernels\) or 1/);
  });
});
