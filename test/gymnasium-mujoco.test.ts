/**
 * The MuJoCo envs (issue 20) against Python Gymnasium's own v5 envs.
 *
 * test/fixtures/gymnasium-mujoco/<id>.json were written by scripts/gymnasium-reference/generate.py:
 * Gymnasium's unmodified Python code (`gymnasium.make(id)`, its reset noise, seeding, rewards,
 * observations, terminations and info) over the native MuJoCo 2.2.2 C library, reached through a
 * small stand-in for the `mujoco` Python package. mimic runs mujoco-js (MuJoCo 3.3.8). Per env and
 * seed 0–2: `reset(seed)`, uniform random float32 actions, and after a termination `reset()`
 * without a seed, as any Gymnasium loop does. The measured agreement is in docs/mujoco.md:
 * - reset: the same observations, qpos, qvel and info as Gymnasium, bit for bit (seeded and
 *   unseeded; Ant's quaternion once normalized as MuJoCo 2.2.2's mj_forward does, see below);
 * - one env step from Gymnasium's own state (qpos, qvel, the solver's warm start; for Ant the main
 *   body's xpos, which its forward reward reads before the step): observation, reward, info and
 *   termination within ONE_STEP tolerances;
 * - open loop from `reset(seed)`: every step of InvertedPendulum, Hopper and Walker2d episodes, the
 *   first 15 steps of HalfCheetah and 50 of Ant (chaotic: see docs/mujoco.md), within OPEN_LOOP.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  AntEnv,
  HalfCheetahEnv,
  HopperEnv,
  InvertedPendulumEnv,
  loadMujoco,
  type MujocoEnv,
  make,
  Walker2dEnv,
} from "../src/index.js";
import { readFixture, repoRoot } from "./helpers/fixtures.js";
import { absError, relError } from "./helpers/mujoco-parity.js";

await loadMujoco();

interface GymEpisode {
  /** The run's seed; `reset_seed` is that seed for its first episode and null after. */
  seed: number;
  reset_seed: number | null;
  reset_obs: number[];
  reset_info: Record<string, number>;
  qpos0: number[];
  qvel0: number[];
  qacc_warmstart0: number[];
  main_body_xpos0?: number[];
  actions: number[][];
  obs: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  info: Record<string, number>[];
  qpos: number[][];
  qvel: number[][];
  qacc_warmstart: number[][];
  main_body_xpos?: number[][];
}
interface GymFixture {
  env: string;
  xml: string;
  frame_skip: number;
  obs_dtype: string;
  main_body?: number;
  gymnasium_version: string;
  gymnasium_commit: string;
  numpy_version: string;
  mujoco_version: string;
  episodes: GymEpisode[];
}

/**
 * One step from Gymnasium's state: bounds on the relative error `|a − b| / max(1, |b|)`. Measured
 * worst (2026-12-07): observation 8.5e-13 (HalfCheetah), reward 1.0e-14, info 1.0e-14 (Walker2d).
 */
const ONE_STEP = { obs: 1e-11, reward: 1e-12, info: 1e-12 };
/**
 * Open loop from reset(seed): absolute bound on observations, relative on rewards and info.
 * Measured worst: observation 7.0e-11 (Ant), reward 3.2e-12, info 1.0e-11 (Ant's y velocity).
 */
const OPEN_LOOP = { obs: 1e-8, reward: 1e-9, info: 1e-9 };

interface Case {
  id: string;
  make: () => MujocoEnv;
  /** Open loop: steps after each reset that are compared (the chaotic envs drift after). */
  horizon: number;
  /** Where a free joint's quaternion starts in qpos, and in the observation. */
  quaternion?: { qpos: number; obs: number };
}
const CASES: Case[] = [
  { id: "InvertedPendulum-v5", make: () => new InvertedPendulumEnv(), horizon: Infinity },
  { id: "Hopper-v5", make: () => new HopperEnv(), horizon: Infinity },
  { id: "HalfCheetah-v5", make: () => new HalfCheetahEnv(), horizon: 15 },
  { id: "Walker2d-v5", make: () => new Walker2dEnv(), horizon: Infinity },
  { id: "Ant-v5", make: () => new AntEnv(), horizon: 50, quaternion: { qpos: 3, obs: 1 } },
];

/**
 * MuJoCo 2.2.2's `mj_forward` normalizes free-joint quaternions in qpos in place (mju_normalize4:
 * times 1/‖q‖); MuJoCo 3.x leaves qpos as set and normalizes where it reads it. So after
 * `set_state`, Gymnasium on 2.2.2 reports a unit quaternion where mimic (3.3.8), like Gymnasium on
 * the mujoco 3.x package, reports the reset noise as drawn. This applies 2.2.2's step to `values`.
 */
function normalizeQuaternion(values: number[], at: number): number[] {
  const q = values.slice(at, at + 4);
  const inverse = 1 / Math.sqrt(q[0]! * q[0]! + q[1]! * q[1]! + q[2]! * q[2]! + q[3]! * q[3]!);
  const out = values.slice();
  for (let i = 0; i < 4; i++) out[at + i] = q[i]! * inverse;
  return out;
}

/** The numeric entries of an info record. */
function numericInfo(info: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(info).filter(([, v]) => typeof v === "number")) as Record<
    string,
    number
  >;
}

/** Worst relative error over Gymnasium's info keys; mimic must report the same numeric keys. */
function infoError(actual: Record<string, unknown>, expected: Record<string, number>, where: string): number {
  const mine = numericInfo(actual);
  assert.deepEqual(Object.keys(mine).sort(), Object.keys(expected).sort(), `${where}: info keys`);
  let worst = 0;
  for (const [key, value] of Object.entries(expected)) {
    worst = Math.max(worst, Math.abs(mine[key]! - value) / Math.max(1, Math.abs(value)));
  }
  return worst;
}

const scalarRel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
const fmt = (x: number) => x.toExponential(2);

for (const c of CASES) {
  const fixture = readFixture<GymFixture>("gymnasium-mujoco", `${c.id}.json`);
  const totalSteps = fixture.episodes.reduce((n, e) => n + e.actions.length, 0);

  describe(`${c.id} against Python Gymnasium ${fixture.gymnasium_version} (MuJoCo ${fixture.mujoco_version})`, () => {
    test("the fixture is for this env: model file, frame skip, float64 observations", () => {
      const env = c.make();
      assert.equal(fixture.env, c.id);
      assert.equal(env.frameSkip, fixture.frame_skip);
      assert.equal(fixture.obs_dtype, "float64");
      assert.equal(env.observationSpace.size, fixture.episodes[0]!.reset_obs.length);
      assert.deepEqual(
        fixture.episodes.map((e) => e.seed).filter((s, i, all) => all.indexOf(s) === i),
        [0, 1, 2],
      );
      assert.ok(totalSteps >= 150, `${totalSteps} recorded steps`);
      env.close();
    });

    const resetTitle = c.quaternion
      ? "reset(seed), then reset() after each episode: Gymnasium's observations, bit for bit once the quaternion is normalized as MuJoCo 2.2.2 does"
      : "reset(seed), then reset() after each episode: Gymnasium's observations, bit for bit";
    test(resetTitle, (t) => {
      const env = make(c.id);
      const model = (env.unwrapped as MujocoEnv).model;
      let worstQuaternion = 0;
      for (const ep of fixture.episodes) {
        const where = `seed ${ep.seed}, reset(${ep.reset_seed ?? ""})`;
        const { observation, info } =
          ep.reset_seed === null ? env.reset() : env.reset({ seed: ep.reset_seed });
        let obs = Array.from(observation as Float64Array);
        let qpos = Array.from(model.qpos);
        if (c.quaternion) {
          const drawn = qpos.slice(c.quaternion.qpos, c.quaternion.qpos + 4);
          worstQuaternion = Math.max(worstQuaternion, Math.abs(Math.hypot(...drawn) - 1));
          obs = normalizeQuaternion(obs, c.quaternion.obs);
          qpos = normalizeQuaternion(qpos, c.quaternion.qpos);
        }
        assert.deepEqual(obs, ep.reset_obs, `${where}: observation`);
        assert.deepEqual(qpos, ep.qpos0, `${where}: qpos`);
        assert.deepEqual(Array.from(model.qvel), ep.qvel0, `${where}: qvel`);
        assert.deepEqual(numericInfo(info), ep.reset_info, `${where}: info`);
      }
      env.close();
      if (c.quaternion) {
        // The reset noise moves the quaternion off unit length: the difference is real, not rounding.
        assert.ok(worstQuaternion > 1e-3, `worst |‖q‖ − 1| ${worstQuaternion}`);
        t.diagnostic(`mimic's reset quaternion (as drawn): worst |‖q‖ − 1| = ${fmt(worstQuaternion)}`);
      }
    });

    test("one step from Gymnasium's state: observation, reward, info and termination", (t) => {
      const env = c.make();
      env.reset({ seed: 0 });
      const { model } = env;
      const body = 3 * (fixture.main_body ?? 0);
      const worst = { obs: 0, reward: 0, info: 0 };
      for (const [i, ep] of fixture.episodes.entries()) {
        for (let k = 0; k < ep.actions.length; k++) {
          const where = `episode ${i} (seed ${ep.seed}), step ${k + 1}`;
          model.resetData();
          model.setState(k === 0 ? ep.qpos0 : ep.qpos[k - 1]!, k === 0 ? ep.qvel0 : ep.qvel[k - 1]!);
          model.qaccWarmstart.set(k === 0 ? ep.qacc_warmstart0 : ep.qacc_warmstart[k - 1]!);
          // Ant's forward reward reads the main body's xpos before the step, which Gymnasium has
          // from the previous mj_step (its last substep's start), not from qpos: restore it too.
          const xpos = k === 0 ? ep.main_body_xpos0 : ep.main_body_xpos?.[k - 1];
          if (xpos) model.xpos.set(xpos, body);
          const { observation, reward, terminated, truncated, info } = env.step(
            Float32Array.from(ep.actions[k]!),
          );
          const obsErr = relError(observation, ep.obs[k]!);
          const rewardErr = scalarRel(reward, ep.reward[k]!);
          const infoErr = infoError(info, ep.info[k]!, where);
          worst.obs = Math.max(worst.obs, obsErr);
          worst.reward = Math.max(worst.reward, rewardErr);
          worst.info = Math.max(worst.info, infoErr);
          assert.ok(obsErr <= ONE_STEP.obs, `${where}: observation error ${obsErr}`);
          assert.ok(rewardErr <= ONE_STEP.reward, `${where}: reward ${reward}, Gymnasium ${ep.reward[k]}`);
          assert.ok(infoErr <= ONE_STEP.info, `${where}: info error ${infoErr}`);
          assert.equal(terminated, ep.terminated[k], `${where}: terminated`);
          assert.equal(truncated, ep.truncated[k], `${where}: truncated`);
        }
      }
      env.close();
      t.diagnostic(
        `${totalSteps} steps; worst relative error: observation ${fmt(worst.obs)}, reward ${fmt(worst.reward)}, info ${fmt(worst.info)}`,
      );
    });

    const horizon = Number.isFinite(c.horizon)
      ? `the first ${c.horizon} steps of each episode`
      : "every step";
    test(`open loop from reset(seed): ${horizon}`, (t) => {
      const env = make(c.id);
      const worst = { obs: 0, reward: 0, info: 0 };
      let compared = 0;
      for (const [i, ep] of fixture.episodes.entries()) {
        env.reset(ep.reset_seed === null ? {} : { seed: ep.reset_seed });
        const steps = Math.min(c.horizon, ep.actions.length);
        for (let k = 0; k < steps; k++) {
          const where = `episode ${i} (seed ${ep.seed}), step ${k + 1}`;
          const { observation, reward, terminated, truncated, info } = env.step(
            Float32Array.from(ep.actions[k]!),
          );
          const obsErr = absError(observation as Float64Array, ep.obs[k]!);
          const rewardErr = scalarRel(reward, ep.reward[k]!);
          const infoErr = infoError(info, ep.info[k]!, where);
          worst.obs = Math.max(worst.obs, obsErr);
          worst.reward = Math.max(worst.reward, rewardErr);
          worst.info = Math.max(worst.info, infoErr);
          assert.ok(obsErr <= OPEN_LOOP.obs, `${where}: observation error ${obsErr}`);
          assert.ok(rewardErr <= OPEN_LOOP.reward, `${where}: reward ${reward}, Gymnasium ${ep.reward[k]}`);
          assert.ok(infoErr <= OPEN_LOOP.info, `${where}: info error ${infoErr}`);
          assert.equal(terminated, ep.terminated[k], `${where}: terminated`);
          assert.equal(truncated, ep.truncated[k], `${where}: truncated`);
          compared++;
        }
      }
      env.close();
      t.diagnostic(
        `${compared} steps; worst error: observation ${fmt(worst.obs)} absolute, reward ${fmt(worst.reward)} and info ${fmt(worst.info)} relative`,
      );
    });
  });
}

/**
 * The stand-in for the `mujoco` package must be MuJoCo's C library and nothing more: driven as
 * Gymnasium drives it (set_state, then do_simulation), it reproduces rollout.c's trajectory (the
 * C reference of test/mujoco.test.ts) bit for bit. Needs gcc, libmujoco-dev and python3 with numpy.
 */
describe("the mujoco stand-in (scripts/gymnasium-reference/stand-ins)", () => {
  const has = (command: string, args: string[]) => {
    try {
      execFileSync(command, args, { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  const why = !has("gcc", ["--version"])
    ? "gcc is missing"
    : !existsSync("/usr/include/mujoco/mujoco.h")
      ? "libmujoco-dev is missing (apt-get install libmujoco-dev)"
      : !has("python3", ["-c", "import numpy"])
        ? "python3 with numpy is missing"
        : null;

  test("compiles against libmujoco and replays rollout.c's Hopper and Ant trajectories bit for bit", (t) => {
    if (why !== null) return void (process.env.CI ? assert.fail(why) : t.skip(why));
    const library = join(mkdtempSync(join(tmpdir(), "mimic-gym-shim-")), "libmimic_mujoco_shim.so");
    const here = join(repoRoot, "scripts/gymnasium-reference/stand-ins");
    execFileSync("gcc", ["-O2", "-shared", "-fPIC", "-o", library, join(here, "mujoco/shim.c"), "-lmujoco"]);
    // Gymnasium's set_state and do_simulation, written out over the stand-in.
    const script = `
import json, sys
import numpy as np
import mujoco
reference = json.load(open(sys.argv[1]))
ep = reference["episodes"][0]
model = mujoco.MjModel.from_xml_path(sys.argv[2])
data = mujoco.MjData(model)
mujoco.mj_resetData(model, data)
data.qpos[:] = ep["qpos0"]
data.qvel[:] = ep["qvel0"]
mujoco.mj_forward(model, data)
out = {"version": mujoco.__version__, "nq": model.nq, "nv": model.nv, "nu": model.nu,
       "timestep": model.opt.timestep, "ctrlrange": model.actuator_ctrlrange.tolist(),
       "torso": mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "torso"),
       "camera": mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, "track"),
       "qpos": [], "qvel": [], "cfrc_ext": [], "xpos": []}
for action in ep["actions"]:
    data.ctrl[:] = action
    mujoco.mj_step(model, data, nstep=reference["frame_skip"])
    mujoco.mj_rnePostConstraint(model, data)
    out["qpos"].append(data.qpos.tolist())
    out["qvel"].append(data.qvel.tolist())
    out["cfrc_ext"].append(data.cfrc_ext.ravel().tolist())
    out["xpos"].append(data.body("torso").xpos.tolist() if out["torso"] >= 0 else [])
try:
    data.sensordata
except AttributeError as error:
    out["missing"] = str(error)
try:
    mujoco.MjModel.from_xml_path(sys.argv[2] + ".absent")
except ValueError as error:
    out["load_error"] = str(error)
print(json.dumps(out))
`;
    interface Replay {
      version: string;
      nq: number;
      nv: number;
      nu: number;
      timestep: number;
      ctrlrange: number[][];
      torso: number;
      camera: number;
      qpos: number[][];
      qvel: number[][];
      cfrc_ext: number[][];
      xpos: number[][];
      missing: string;
      load_error: string;
    }
    for (const id of ["Hopper-v5", "Ant-v5"]) {
      const fixture = join(repoRoot, "test/fixtures/mujoco", `${id}.json`);
      const reference = readFixture<{
        xml: string;
        mujoco_version: string;
        episodes: {
          actions: number[][];
          qpos: number[][];
          qvel: number[][];
          cfrc_ext?: number[][];
          xpos?: number[][];
        }[];
      }>("mujoco", `${id}.json`);
      const xml = join(repoRoot, "src/envs/mujoco/assets", reference.xml);
      const text = execFileSync("python3", ["-c", script, fixture, xml], {
        env: { ...process.env, PYTHONPATH: here, MIMIC_MUJOCO_SHIM: library, PYTHONDONTWRITEBYTECODE: "1" },
        maxBuffer: 1 << 26,
      }).toString();
      const replay = JSON.parse(text) as Replay;
      const ep = reference.episodes[0]!;
      assert.equal(replay.version, reference.mujoco_version);
      assert.equal(replay.qpos.length, ep.actions.length);
      assert.deepEqual(replay.qpos, ep.qpos, `${id}: qpos`);
      assert.deepEqual(replay.qvel, ep.qvel, `${id}: qvel`);
      if (ep.cfrc_ext) assert.deepEqual(replay.cfrc_ext, ep.cfrc_ext, `${id}: cfrc_ext`);
      // rollout.c's xpos holds every body; the torso is body 1.
      if (ep.xpos)
        assert.deepEqual(
          replay.xpos,
          ep.xpos.map((x) => x.slice(3, 6)),
          `${id}: torso xpos`,
        );
      assert.equal(replay.torso, 1);
      assert.match(replay.missing, /MjData has no attribute 'sensordata' in mimic's mujoco stand-in/);
      assert.match(replay.load_error, /absent/);
      if (id === "Hopper-v5") {
        assert.deepEqual([replay.nq, replay.nv, replay.nu, replay.timestep], [6, 6, 3, 0.002]);
        assert.deepEqual(replay.ctrlrange, [
          [-1, 1],
          [-1, 1],
          [-1, 1],
        ]);
      }
    }
  });
});
