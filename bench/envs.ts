/**
 * `npm run bench -- envs`: environment throughput.
 *
 * For each classic env it measures, in one run on one machine:
 * - single env: `make(id)` with its default wrappers (OrderEnforcing, TimeLimit), stepping with
 *   random actions and resetting at episode ends: the loop a user writes;
 * - vector env, Env path: 64 `make(id)` copies driven by `VectorEnv.fromEnvs` (the baseline a
 *   generic vectorizer gives);
 * - vector env, kernel path: `makeVec(id, { numEnvs: 64 })`, 64 states in one typed array.
 * Random actions are drawn once, before timing, from the action space with a seeded generator,
 * and cycled, so the numbers measure the envs rather than the random generator.
 * Each measurement runs in a fresh Node process, so one env's code cannot slow another's through
 * shared (megamorphic) call sites. Ratios are against the single env measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { make, makeVec, PCG64, Rng, rngFromSeed, SeedSequence, VectorEnv } from "../src/index.js";
import { formatRate, machineReport, measure, printTable } from "./harness.js";

const IDS = ["CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "Acrobot-v1"];
const NUM_ENVS = 64;
/** Python Gymnasium's CartPole-v1 on this kind of machine, as quoted in the issue (not measured here). */
const PYTHON_CARTPOLE_STEPS_PER_SECOND = 2e5;

function actionPool(id: string, count: number, actionSize: number): Float32Array {
  const env = make(id);
  const rng = rngFromSeed(123);
  const pool = new Float32Array(count * actionSize);
  for (let i = 0; i < count; i++) {
    const a = env.actionSpace.sample(rng);
    if (typeof a === "number") pool[i] = a;
    else pool.set(a as Float32Array, i * actionSize);
  }
  return pool;
}

function singleEnv(id: string, steps: number): number {
  const env = make(id);
  const size = env.actionSpace.kind === "discrete" ? 1 : env.actionSpace.flatDim;
  const pool = actionPool(id, 4096, size);
  const actions: (number | Float32Array)[] = [];
  for (let i = 0; i < 4096; i++)
    actions.push(
      size === 1 && env.actionSpace.kind === "discrete" ? pool[i]! : pool.subarray(i * size, (i + 1) * size),
    );
  env.reset({ seed: 0 });
  return measure(() => {
    for (let t = 0; t < steps; t++) {
      const r = env.step(actions[t & 4095]!);
      if (r.terminated || r.truncated) env.reset();
    }
  }, steps).perSecond;
}

function vectorEnv(vec: VectorEnv, id: string, iterations: number): number {
  const pool = actionPool(id, NUM_ENVS * 64, vec.actionSize);
  const batch = NUM_ENVS * vec.actionSize;
  vec.reset({ seed: 0 });
  return measure(() => {
    for (let t = 0; t < iterations; t++) vec.step(pool.subarray((t & 63) * batch, ((t & 63) + 1) * batch));
  }, iterations * NUM_ENVS).perSecond;
}

type Mode = "single" | "generic" | "kernel";

/** The random generator's draws, per engine: `Rng.random`, `Rng.integers(256)` and a shuffle's draws. */
const DRAWS = ["random()", "integers(256)", "shuffle of 256"] as const;

/** Draws per second of one kind on one PCG64 engine (in this process, which uses only that engine). */
export function measureDraws(engine: "wasm" | "ts", kind: (typeof DRAWS)[number]): number {
  const rng = new Rng(new PCG64(new SeedSequence(7), engine));
  const count = engine === "wasm" ? 2_000_000 : 400_000;
  let sink = 0;
  const body =
    kind === "random()"
      ? () => {
          for (let i = 0; i < count; i++) sink += rng.random();
        }
      : kind === "integers(256)"
        ? () => {
            for (let i = 0; i < count; i++) sink += rng.integers(256);
          }
        : () => {
            // Fisher–Yates over 256 items, as PPO shuffles its rollout each epoch: 255 draws.
            for (let r = 0; r < count / 255; r++) for (let i = 255; i > 0; i--) sink += rng.integers(i + 1);
          };
  const perSecond = measure(body, count).perSecond;
  if (sink === -1) console.log(sink);
  return perSecond;
}

/** Runs one measurement in this process and returns steps per second. */
export function measureOne(id: string, mode: Mode): number {
  if (mode === "single") return singleEnv(id, 200_000);
  if (mode === "generic")
    return vectorEnv(VectorEnv.fromEnvs(Array.from({ length: NUM_ENVS }, () => make(id))), id, 3_000);
  return vectorEnv(makeVec(id, { numEnvs: NUM_ENVS }), id, 20_000);
}

/** Runs one measurement in a fresh Node process. */
function inFreshProcess(id: string, mode: string): number {
  const worker = fileURLToPath(new URL("./envs-worker.js", import.meta.url));
  const result = spawnSync(process.execPath, [worker, id, mode], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`bench worker ${id} ${mode} failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

export function benchEnvs(): void {
  console.log("mimic bench: envs (steps per second, median of 5 runs after a warm-up, one process per cell)");
  console.log(machineReport());
  const rows: string[][] = [];
  for (const id of IDS) {
    const single = inFreshProcess(id, "single");
    const generic = inFreshProcess(id, "generic");
    const kernel = inFreshProcess(id, "kernel");
    rows.push([
      id,
      formatRate(single),
      formatRate(generic),
      formatRate(kernel),
      `${(kernel / single).toFixed(1)}×`,
      id === "CartPole-v1" ? `${(kernel / PYTHON_CARTPOLE_STEPS_PER_SECOND).toFixed(0)}×` : "",
    ]);
  }
  printTable(
    [
      "env",
      "single env",
      `${NUM_ENVS}-env vector (Env path)`,
      `${NUM_ENVS}-env vector (kernel)`,
      "kernel / single",
      "kernel / Python 2e5*",
    ],
    rows,
  );
  console.log(
    "* Python Gymnasium CartPole-v1 ≈ 2×10^5 steps/s on this kind of machine, as quoted in the issue; not measured in this run.",
  );

  // The random generator every env reset and PPO shuffle draws from: numpy's PCG64 on its
  // WebAssembly engine against the TypeScript one (the baseline), each in its own process.
  console.log("\nrandom generator (numpy's PCG64 stream; draws per second, one process per cell)");
  printTable(
    ["draw", "TypeScript engine", "WebAssembly engine (default)", "wasm / ts"],
    DRAWS.map((kind) => {
      const ts = inFreshProcess(kind, "rng-ts");
      const wasm = inFreshProcess(kind, "rng-wasm");
      return [kind, formatRate(ts), formatRate(wasm), `${(wasm / ts).toFixed(1)}×`];
    }),
  );
}
