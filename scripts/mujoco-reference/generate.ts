/**
 * Writes test/fixtures/mujoco/*.json: reference trajectories of mimic's MuJoCo envs from the
 * native MuJoCo C library (Debian's libmujoco-dev), through rollout.c beside this file.
 *
 *   apt-get install libmujoco-dev gcc
 *   npx tsx scripts/mujoco-reference/generate.ts
 *
 * For each env and seed: the start qpos and qvel come from mimic's `reset({ seed })` (Gymnasium's
 * reset noise, drawn with numpy's generator), the actions are uniform samples of the action space
 * with a generator seeded `seed + 1000`, and rollout.c applies them from that start, writing qpos,
 * qvel, qacc_warmstart (and for Ant cfrc_ext and xpos) after every env step. The episode runs its full
 * length whatever the env's termination says: this checks the physics, not the task.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMujoco, type MujocoEnv, make, rngFromSeed } from "../../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

/** Envs, their model file and frame skip, and how many steps each episode records. */
export const REFERENCE_ENVS = [
  { id: "InvertedPendulum-v5", xml: "inverted_pendulum.xml", frameSkip: 2, steps: 200, cfrcExt: false },
  { id: "Hopper-v5", xml: "hopper.xml", frameSkip: 4, steps: 200, cfrcExt: false },
  { id: "HalfCheetah-v5", xml: "half_cheetah.xml", frameSkip: 5, steps: 200, cfrcExt: false },
  { id: "Walker2d-v5", xml: "walker2d_v5.xml", frameSkip: 4, steps: 200, cfrcExt: false },
  { id: "Ant-v5", xml: "ant.xml", frameSkip: 5, steps: 100, cfrcExt: true },
] as const;
const SEEDS = [0, 1, 2];

/** Compiles rollout.c into a temporary folder and returns the binary's path. */
export function buildRollout(): string {
  const out = join(mkdtempSync(join(tmpdir(), "mimic-mujoco-")), "rollout");
  execFileSync("gcc", ["-O2", "-o", out, join(here, "rollout.c"), "-lmujoco", "-lm"], { stdio: "inherit" });
  return out;
}

/** Numbers with 17 significant digits, so the C side reads back the same doubles. */
function exact(values: ArrayLike<number>): string {
  return Array.from(values, (v) => v.toPrecision(17)).join(" ");
}

export interface RolloutStep {
  qpos: number[];
  qvel: number[];
  qacc_warmstart: number[];
  cfrc_ext: number[];
  xpos: number[];
}

/** Runs the native rollout and returns its header and one record per env step. */
export function runRollout(
  binary: string,
  xmlPath: string,
  frameSkip: number,
  qpos0: ArrayLike<number>,
  qvel0: ArrayLike<number>,
  actions: ArrayLike<number>[],
): { mujoco: string; steps: RolloutStep[] } {
  const input = [String(actions.length), exact(qpos0), exact(qvel0), ...actions.map(exact)].join("\n");
  const text = execFileSync(binary, [xmlPath, String(frameSkip)], { input, maxBuffer: 1 << 28 }).toString();
  const [header, ...lines] = text.trim().split("\n");
  return {
    mujoco: (JSON.parse(header!) as { mujoco: string }).mujoco,
    steps: lines.map((l) => JSON.parse(l) as RolloutStep),
  };
}

async function main(): Promise<void> {
  await loadMujoco();
  const binary = buildRollout();
  const outDir = join(root, "test/fixtures/mujoco");
  mkdirSync(outDir, { recursive: true });
  for (const spec of REFERENCE_ENVS) {
    const episodes = [];
    let version = "";
    for (const seed of SEEDS) {
      const env = make(spec.id);
      env.reset({ seed });
      const inner = env.unwrapped as MujocoEnv;
      const qpos0 = Array.from(inner.model.qpos);
      const qvel0 = Array.from(inner.model.qvel);
      const rng = rngFromSeed(seed + 1000);
      const actions = Array.from({ length: spec.steps }, () =>
        Array.from(env.actionSpace.sample(rng) as Float32Array),
      );
      env.close();
      const xmlPath = join(root, "src/envs/mujoco/assets", spec.xml);
      const { mujoco, steps } = runRollout(binary, xmlPath, spec.frameSkip, qpos0, qvel0, actions);
      version = mujoco;
      episodes.push({
        seed,
        qpos0,
        qvel0,
        actions,
        qpos: steps.map((s) => s.qpos),
        qvel: steps.map((s) => s.qvel),
        qacc_warmstart: steps.map((s) => s.qacc_warmstart),
        ...(spec.cfrcExt ? { cfrc_ext: steps.map((s) => s.cfrc_ext), xpos: steps.map((s) => s.xpos) } : {}),
      });
    }
    const fixture = {
      env: spec.id,
      xml: spec.xml,
      frame_skip: spec.frameSkip,
      reference: `MuJoCo ${version} C library (Debian libmujoco-dev), scripts/mujoco-reference/rollout.c`,
      mujoco_version: version,
      episodes,
    };
    const file = join(outDir, `${spec.id}.json`);
    writeFileSync(file, `${JSON.stringify(fixture)}\n`);
    console.log(`${file}: ${episodes.length} episodes of ${spec.steps} steps (MuJoCo ${version})`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
