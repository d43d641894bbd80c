/**
 * Makes a shipped v5 expert (experts/<id>.json) into an expert for its seals variant
 * (experts/seals-<id>.json): the seals observation is v5's with the root position (x; Ant: x, y)
 * put in front, so the same network with those inputs given zero weight acts exactly as the v5
 * expert does on the rest. The dynamics and rewards are v5's, so the policy is the same; only a fall
 * no longer ends its episode (it plays on, fallen, to step 1000).
 *
 *   npx tsx scripts/seals-expert-from-v5.ts Walker2d-v5
 *
 * Used where `mimic train ppo` on the seals variant gave a weaker expert (docs/mujoco.md).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compiledPolicyFromJSON } from "../src/nn/compile.js";

const base = process.argv[2];
const extraInputs: Record<string, number> = {
  "Hopper-v5": 1,
  "HalfCheetah-v5": 1,
  "Walker2d-v5": 1,
  "Ant-v5": 2,
};
if (base === undefined || !(base in extraInputs)) {
  throw new Error(`Give the v5 id of a shipped expert: one of ${Object.keys(extraInputs).join(", ")}.`);
}
const extra = extraInputs[base]!;
const experts = join(import.meta.dirname, "..", "experts");
const json = JSON.parse(readFileSync(join(experts, `${base}.json`), "utf8"));
if (json.envId !== base || json.observation.kind !== "box" || json.observation.mean === null) {
  throw new Error(`experts/${base}.json is not a normalized Box policy for ${base}.`);
}
const fanOut: number = json.network.layerSizes[1];
json.envId = `seals/${base}`;
json.observation.size += extra;
// The root position passes through normalization unchanged (mean 0, std 1), then meets zero weights.
json.observation.mean = [...new Array(extra).fill(0), ...json.observation.mean];
json.observation.std = [...new Array(extra).fill(1), ...json.observation.std];
json.network.layerSizes[0] += extra;
// The first kernel is [fanIn][fanOut], row-major: the new inputs are its first rows.
json.network.weights[0] = [...new Array(extra * fanOut).fill(0), ...json.network.weights[0]];
compiledPolicyFromJSON(json); // checks the shapes
const out = join(experts, `seals-${base}.json`);
writeFileSync(out, `${JSON.stringify(json)}\n`);
console.log(`wrote ${out}`);
