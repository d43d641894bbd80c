/** The public API works from TypeScript through tsx in the checkout, and from dist/ after a build. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "./helpers/fixtures.js";

const script = `
const { observation } = make("CartPole-v1").reset({ seed: 0 });
const names = ["make", "register", "makeVec", "VectorEnv", "checkEnv", "Box", "Discrete", "MultiDiscrete", "MultiBinary", "DictSpace", "TextSpace",
  "TimeLimit", "OrderEnforcing", "RecordEpisodeStatistics", "ClipAction", "RescaleAction", "NormalizeObservation", "MimicError", "UnknownEnvError"];
const missing = names.filter((n) => !(n in api));
console.log(JSON.stringify({ first: observation[0], missing }));
`;

function check(stdout: string): void {
  const { first, missing } = JSON.parse(stdout.trim().split("\n").pop()!) as {
    first: number;
    missing: string[];
  };
  assert.deepEqual(missing, []);
  assert.equal(first, Math.fround(0.013696168732145436)); // Gymnasium: CartPole-v1 reset(seed=0)
}

test("import { make } from './src/index.ts' through tsx", () => {
  const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
  const code = `import * as api from "./src/index.ts"; import { make } from "./src/index.ts"; ${script}`;
  const result = spawnSync(tsx, ["--eval", code], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  assert.equal(result.status, 0, result.stderr);
  check(result.stdout);
});

test("import from the package's dist/ build (as a dependent would)", () => {
  const code = `import * as api from "mimic"; import { make } from "mimic"; ${script}`;
  const result = spawnSync(process.execPath, ["--input-type=module", "--eval", code], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  check(result.stdout);
});
