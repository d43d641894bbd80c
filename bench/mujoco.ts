/**
 * `npm run bench -- mujoco`: MuJoCo env throughput (issue 20).
 *
 * For each of the five v5 envs, in one run on one machine, each cell in a fresh process, the
 * median of 5 timed runs after a warm-up:
 * - native: scripts/mujoco-reference/rollout.c `--bench` on Debian's MuJoCo 2.2.2 C library
 *   (gcc -O2), env steps (frame_skip × mj_step, then mj_rnePostConstraint) with zero controls: the
 *   baseline, measured in this run when gcc and libmujoco-dev are installed;
 * - mujoco-js: the same loop on mimic's `MujocoModel` (MuJoCo 3.3.8 in WebAssembly), zero controls;
 * - env: `make(id)` (OrderEnforcing, TimeLimit) stepped with seeded random actions and reset at
 *   episode ends: what a user's loop gets.
 * The two physics versions differ, so the ratio compares builds of MuJoCo, not identical code.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMujoco, MujocoModel, make, rngFromSeed } from "../src/index.js";
import { formatRate, machineReport, measure, printTable } from "./harness.js";

const ENVS = [
  { id: "InvertedPendulum-v5", xml: "inverted_pendulum.xml", frameSkip: 2 },
  { id: "Hopper-v5", xml: "hopper.xml", frameSkip: 4 },
  { id: "HalfCheetah-v5", xml: "half_cheetah.xml", frameSkip: 5 },
  { id: "Walker2d-v5", xml: "walker2d_v5.xml", frameSkip: 4 },
  { id: "Ant-v5", xml: "ant.xml", frameSkip: 5 },
] as const;
const STEPS = 2000;
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Env steps per second of `MujocoModel.doSimulation` with zero controls, in this process. */
export async function measureModel(xml: string, frameSkip: number): Promise<number> {
  const model = new MujocoModel(await loadMujoco(), xml);
  const zero = new Float64Array(model.nu);
  model.resetData();
  model.setState(model.initQpos, model.initQvel);
  return measure(() => {
    for (let t = 0; t < STEPS; t++) model.doSimulation(zero, frameSkip);
  }, STEPS).perSecond;
}

/** Env steps per second of `make(id)` with random actions, in this process. */
export async function measureEnv(id: string): Promise<number> {
  await loadMujoco();
  const env = make(id);
  const rng = rngFromSeed(123);
  const actions = Array.from({ length: 1024 }, () => env.actionSpace.sample(rng) as Float32Array);
  env.reset({ seed: 0 });
  return measure(() => {
    for (let t = 0; t < STEPS; t++) {
      const r = env.step(actions[t & 1023]!);
      if (r.terminated || r.truncated) env.reset();
    }
  }, STEPS).perSecond;
}

function inFreshProcess(mode: string, id: string): number {
  const worker = fileURLToPath(new URL("./mujoco-worker.js", import.meta.url));
  const result = spawnSync(process.execPath, [worker, mode, id], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`bench worker ${mode} ${id} failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

/** Builds rollout.c, or says why it cannot. */
function nativeBinary(): string | { missing: string } {
  if (!existsSync("/usr/include/mujoco/mujoco.h")) return { missing: "libmujoco-dev is not installed" };
  const out = join(mkdtempSync(join(tmpdir(), "mimic-bench-mujoco-")), "rollout");
  try {
    execFileSync("gcc", [
      "-O2",
      "-o",
      out,
      join(root, "scripts/mujoco-reference/rollout.c"),
      "-lmujoco",
      "-lm",
    ]);
  } catch {
    return { missing: "gcc could not build rollout.c" };
  }
  return out;
}

/** The native loop's env steps per second: median of 5 runs after a warm-up. */
function measureNative(binary: string, xml: string, frameSkip: number): number {
  const run = () => {
    const text = execFileSync(binary, [
      "--bench",
      join(root, "src/envs/mujoco/assets", xml),
      String(frameSkip),
      String(STEPS),
    ]).toString();
    return (JSON.parse(text) as { stepsPerSecond: number }).stepsPerSecond;
  };
  run();
  const samples = Array.from({ length: 5 }, run).sort((a, b) => a - b);
  return samples[2]!;
}

export async function benchMujoco(): Promise<void> {
  const mujoco = await loadMujoco();
  console.log(
    `mimic bench: mujoco (env steps per second, median of 5 runs after a warm-up, one process per cell; mujoco-js MuJoCo ${mujoco.version})`,
  );
  console.log(machineReport());
  const binary = nativeBinary();
  const rows: string[][] = [];
  for (const { id, xml, frameSkip } of ENVS) {
    const native = typeof binary === "string" ? measureNative(binary, xml, frameSkip) : Number.NaN;
    const model = inFreshProcess("model", id);
    const env = inFreshProcess("env", id);
    rows.push([
      id,
      String(frameSkip),
      Number.isNaN(native) ? "n/a" : formatRate(native),
      formatRate(model),
      formatRate(env),
      Number.isNaN(native) ? "n/a" : `${(model / native).toFixed(2)}×`,
    ]);
  }
  printTable(
    [
      "env",
      "frame skip",
      "native C (MuJoCo 2.2.2)",
      "mujoco-js MujocoModel",
      "mimic env.step",
      "mujoco-js / native",
    ],
    rows,
  );
  console.log(
    "native and mujoco-js run the same loop (zero controls from the model's initial state); mimic env.step uses random actions and resets, so its physics differs (contacts, falls) and it is not a ratio of the others.",
  );
  if (typeof binary !== "string") console.log(`native baseline not measured: ${binary.missing}.`);
}

export { ENVS as MUJOCO_BENCH_ENVS };
