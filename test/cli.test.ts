import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { VERSION } from "../src/index.js";
import { runCli as run } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

describe("mimic CLI", () => {
  test("envs prints a table of ids, spaces and limits", async () => {
    const { code, out } = await run("envs");
    assert.equal(code, 0);
    assert.match(out, /^id\s+observation space\s+action space\s+max steps\s+solved at/);
    assert.match(out, /CartPole-v1\s+Box\(\[-4\.8.*\s+Discrete\(2\)\s+500\s+475/);
    assert.match(out, /Pendulum-v1\s+Box\(.*\(3,\), float32\)\s+Box\(-2, 2, \(1,\), float32\)\s+200/);
    assert.match(out, /GridWorld-v0/);
  });

  test("envs --json gives Minari space JSON", async () => {
    const { code, out } = await run("envs", "--json");
    assert.equal(code, 0);
    const rows = JSON.parse(out) as {
      id: string;
      actionSpace: { type: string; n?: number };
      maxEpisodeSteps: number;
    }[];
    const cartpole = rows.find((r) => r.id === "CartPole-v1")!;
    assert.deepEqual(cartpole.actionSpace, { type: "Discrete", dtype: "int64", start: 0, n: 2 });
    assert.equal(cartpole.maxEpisodeSteps, 500);
  });

  test("--help and --version, everywhere", async () => {
    assert.match((await run("--help")).out, /Usage: mimic <command>/);
    assert.match((await run("envs", "--help")).out, /Usage: mimic envs/);
    assert.match((await run("help", "envs")).out, /Usage: mimic envs/);
    assert.equal((await run("--version")).out.trim(), VERSION);
  });

  test("a wrong command or flag exits 2 with a fix", async () => {
    const badCommand = await run("evns");
    assert.equal(badCommand.code, 2);
    assert.match(badCommand.err, /unknown command "evns"; did you mean "envs"\?/);
    assert.match(badCommand.err, /Run 'mimic --help'/);
    const badFlag = await run("envs", "--jsn");
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /mimic envs: unknown flag --jsn; did you mean --json\?/);
    assert.match(badFlag.err, /Run 'mimic envs --help'/);
    const extra = await run("envs", "CartPole");
    assert.equal(extra.code, 2);
    assert.equal((await run()).code, 2);
  });

  test("the installed bin runs from dist/", () => {
    const result = spawnSync(process.execPath, [join(repoRoot, "bin", "mimic.js"), "envs", "--json"], {
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.ok((JSON.parse(result.stdout) as unknown[]).length >= 6);
    const bad = spawnSync(process.execPath, [join(repoRoot, "bin", "mimic.js"), "--frobnicate"], {
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown flag "--frobnicate"/);
  });
});
