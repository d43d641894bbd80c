/**
 * `npm run bench -- <suite>`: runs a benchmark suite. Suites: envs, mujoco, data, bc, dagger, serve, irl, layers, nn, scale. Without a name, all suites run.
 */
import { configureFusedEngineFromEnv } from "../src/cli/engine-env.js";
import { benchBc } from "./bc.js";
import { benchDagger } from "./dagger.js";
import { benchData } from "./data.js";
import { benchEnvs } from "./envs.js";
import { benchIrl } from "./irl.js";
import { benchLayers } from "./layers.js";
import { benchMujoco } from "./mujoco.js";
import { benchNn } from "./nn.js";
import { benchScale } from "./scale.js";
import { benchServe } from "./serve.js";

// The fused engine takes MIMIC_THREADS and MIMIC_FMA from here, as the mimic command does.
configureFusedEngineFromEnv(process.env);

const suites: Record<string, () => void | Promise<void>> = {
  envs: benchEnvs,
  mujoco: benchMujoco,
  data: benchData,
  bc: benchBc,
  dagger: benchDagger,
  serve: benchServe,
  irl: benchIrl,
  layers: benchLayers,
  nn: async () => {
    await benchNn({ json: process.argv.includes("--json") });
  },
  scale: benchScale,
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = requested.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(
    `bench: unknown suite ${unknown.map((u) => JSON.stringify(u)).join(", ")}; suites: ${Object.keys(suites).join(", ")}.`,
  );
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(suites)) await suites[name]!();
