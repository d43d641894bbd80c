// Runs the compiled tests (build/test) on Node's built-in runner.
//   node scripts/run-tests.mjs          the normal suite (everything but test/slow/)
//   node scripts/run-tests.mjs --slow   the slow tier (test/slow/)
// Extra arguments that are not flags filter test files by substring.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
const slow = args.includes("--slow");
const filters = args.filter((a) => !a.startsWith("--"));
const root = join("build", "test");
if (!existsSync(root)) {
  console.error(
    "run-tests: build/test is missing; compile first with `npx tsc -p tsconfig.json` (npm test does this).",
  );
  process.exit(1);
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.name.endsWith(".test.js") ? [path] : [];
  });
}

const files = walk(root)
  .filter((file) => relative(root, file).startsWith("slow") === slow)
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0 && slow) {
  console.log("run-tests: the slow tier has no tests yet.");
  process.exit(0);
}
if (files.length === 0) {
  console.error(`run-tests: no ${slow ? "slow " : ""}test files found under ${root}.`);
  process.exit(1);
}
// Every test process configures the fused engine from MIMIC_THREADS and MIMIC_FMA first, as the
// mimic command does (the library reads no environment variables).
const engineEnv = join(root, "helpers", "engine-env.js");
const result = spawnSync(process.execPath, ["--import", `./${engineEnv}`, "--test", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
