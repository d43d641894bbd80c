/**
 * One MuJoCo measurement in its own process, printed as env steps/s:
 * `node mujoco-worker.js model|env <id>`.
 */
import { MUJOCO_BENCH_ENVS, measureEnv, measureModel } from "./mujoco.js";

const [mode, id] = process.argv.slice(2);
const spec = MUJOCO_BENCH_ENVS.find((e) => e.id === id);
if (!spec) throw new Error(`mujoco-worker: unknown env ${id}`);
const rate = mode === "model" ? await measureModel(spec.xml, spec.frameSkip) : await measureEnv(spec.id);
process.stdout.write(`${rate}\n`);
