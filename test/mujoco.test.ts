/**
 * The MuJoCo envs (issue 20) against the native MuJoCo C library and numpy. (Python Gymnasium's
 * own env code is the reference of test/gymnasium-mujoco.test.ts; this file keeps the longer,
 * termination-free physics horizons, cfrc_ext, and the unnormalized reset quaternion.)
 *
 * - Physics: test/fixtures/mujoco/<id>.json are trajectories of the native MuJoCo 2.2.2 C library
 *   (Debian's libmujoco, scripts/mujoco-reference/rollout.c) from the same XML, start state and
 *   actions. mimic runs mujoco-js (MuJoCo 3.3.8). Measured on 2026-12-07 (docs/mujoco.md):
 *   - one env step from the reference's own state (qpos, qvel and the solver's warm start) agrees
 *     to at worst 8.5e-13 relative (HalfCheetah; the others 4e-14 or better): asserted ≤ 1e-11;
 *   - open loop (no re-synchronisation) the trajectories stay within 1e-8 absolute for all 200
 *     recorded steps of InvertedPendulum, Hopper and Walker2d, while HalfCheetah (first above 1e-8
 *     at step 20) and Ant (step 61) diverge chaotically, as any two builds of a contact-rich
 *     simulation do: asserted ≤ 1e-8 over the first 15 and 50 steps.
 * - Reset noise: test/fixtures/mujoco/numpy-resets.json holds Gymnasium's start states drawn with
 *   numpy itself (scripts/mujoco-reference/numpy-resets.py); they must match bit for bit, the
 *   normal (ziggurat) noise of HalfCheetah and Ant included.
 * - Rewards, observations and terminations: recomputed here from the reference states with
 *   Gymnasium's formulas, written out independently of src/.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { MUJOCO_ASSETS } from "../src/envs/mujoco/assets.js";
import { controlCost, fma, numpyNorm2, numpySum } from "../src/envs/mujoco/mujoco-env.js";
import {
  AntEnv,
  type Box,
  collect,
  Dataset,
  HalfCheetahEnv,
  HopperEnv,
  InvalidActionError,
  InvalidOptionError,
  InvertedPendulumEnv,
  loadMujoco,
  type MujocoEnv,
  MujocoModel,
  make,
  type Policy,
  ResetNeededError,
  randomPolicy,
  readMinari,
  rngFromSeed,
  ShapeMismatchError,
  SimulatorError,
  Walker2dEnv,
  writeMinari,
} from "../src/index.js";
import { readFixture, repoRoot } from "./helpers/fixtures.js";
import { absError, relError } from "./helpers/mujoco-parity.js";

// node --test runs each file in its own process, so nothing has loaded MuJoCo yet.
const makeBeforeLoad = (() => {
  try {
    make("Hopper-v5");
    return undefined;
  } catch (error) {
    return error;
  }
})();
const mujoco = await loadMujoco();

interface ReferenceEpisode {
  seed: number;
  qpos0: number[];
  qvel0: number[];
  actions: number[][];
  qpos: number[][];
  qvel: number[][];
  qacc_warmstart: number[][];
  cfrc_ext?: number[][];
  xpos?: number[][];
}
interface Reference {
  env: string;
  xml: string;
  frame_skip: number;
  mujoco_version: string;
  episodes: ReferenceEpisode[];
}
interface NumpyResets {
  numpy_version: string;
  envs: Record<
    string,
    { qvel_noise: "uniform" | "normal"; resets: { seed: number; qpos: number[]; qvel: number[] }[] }
  >;
}

/** One env step from the reference's state: relative error bound (measured worst 1.4e-12). */
const ONE_STEP_REL_TOL = 1e-11;
/** Open loop: absolute bound on qpos and qvel over the first `horizon` steps. */
const OPEN_LOOP_ABS_TOL = 1e-8;

/** Per env: the open-loop horizon, and Gymnasium's reward/observation/termination re-computed from a state. */
interface Case {
  id: string;
  make: () => MujocoEnv;
  horizon: number;
  obs: (qpos: number[], qvel: number[], cfrc: number[] | undefined) => number[];
  reward: (before: Step, after: Step, action: number[]) => number;
  terminated: (after: Step) => boolean;
}
interface Step {
  qpos: number[];
  qvel: number[];
  cfrc?: number[];
  xpos?: number[];
}

const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
/** `w · Σ a²` in float32, as numpy 2 computes it for a float32 action (written out for n < 8 and n = 8). */
function ctrlCostF32(w: number, a: number[]): number {
  const sq = Float32Array.from(a, (x) => Math.fround(x) * Math.fround(x));
  let s: number;
  if (sq.length < 8) {
    s = 0;
    for (const v of sq) s = Math.fround(s + v);
  } else {
    const f = Math.fround;
    s = f(f(f(sq[0]! + sq[1]!) + f(sq[2]! + sq[3]!)) + f(f(sq[4]! + sq[5]!) + f(sq[6]! + sq[7]!)));
  }
  return Math.fround(Math.fround(w) * s);
}
const planarObs = (clipVelocity: boolean) => (qpos: number[], qvel: number[]) => [
  ...qpos.slice(1),
  ...qvel.map((v) => (clipVelocity ? clip(v, -10, 10) : v)),
];

const CASES: Case[] = [
  {
    id: "InvertedPendulum-v5",
    make: () => new InvertedPendulumEnv(),
    horizon: 200,
    obs: (qpos, qvel) => [...qpos, ...qvel],
    reward: (_b, after) => (Math.abs(after.qpos[1]!) > 0.2 ? 0 : 1),
    terminated: (after) => Math.abs(after.qpos[1]!) > 0.2,
  },
  {
    id: "Hopper-v5",
    make: () => new HopperEnv(),
    horizon: 200,
    obs: planarObs(true),
    reward: (b, a, action) => {
      const healthy = hopperHealthy(a);
      return (a.qpos[0]! - b.qpos[0]!) / (0.002 * 4) + (healthy ? 1 : 0) - ctrlCostF32(1e-3, action);
    },
    terminated: (a) => !hopperHealthy(a),
  },
  {
    id: "HalfCheetah-v5",
    make: () => new HalfCheetahEnv(),
    horizon: 15,
    obs: planarObs(false),
    reward: (b, a, action) => (a.qpos[0]! - b.qpos[0]!) / (0.01 * 5) - ctrlCostF32(0.1, action),
    terminated: () => false,
  },
  {
    id: "Walker2d-v5",
    make: () => new Walker2dEnv(),
    horizon: 200,
    obs: planarObs(true),
    reward: (b, a, action) => {
      const healthy = walkerHealthy(a);
      return (a.qpos[0]! - b.qpos[0]!) / (0.002 * 4) + (healthy ? 1 : 0) - ctrlCostF32(1e-3, action);
    },
    terminated: (a) => !walkerHealthy(a),
  },
  {
    id: "Ant-v5",
    make: () => new AntEnv(),
    horizon: 50,
    obs: (qpos, qvel, cfrc) => [...qpos.slice(2), ...qvel, ...cfrc!.slice(6).map((f) => clip(f, -1, 1))],
    reward: (b, a, action) => {
      // Gymnasium reads the torso's (body 1's) xpos, which mj_step leaves at the start of its last
      // substep: not qpos[0:3] after the step. Before the first step it is qpos0 (set_state ran mj_forward).
      const healthy = antHealthy(a);
      let contact = 0;
      for (const f of a.cfrc!) contact += clip(f, -1, 1) ** 2;
      return (
        (a.xpos![3]! - (b.xpos ? b.xpos[3]! : b.qpos[0]!)) / (0.01 * 5) +
        (healthy ? 1 : 0) -
        (ctrlCostF32(0.5, action) + 5e-4 * contact)
      );
    },
    terminated: (a) => !antHealthy(a),
  },
];

function hopperHealthy({ qpos, qvel }: Step): boolean {
  const state = [...qpos, ...qvel].slice(2);
  return state.every((v) => -100 < v && v < 100) && 0.7 < qpos[1]! && -0.2 < qpos[2]! && qpos[2]! < 0.2;
}
function walkerHealthy({ qpos }: Step): boolean {
  return 0.8 < qpos[1]! && qpos[1]! < 2.0 && -1 < qpos[2]! && qpos[2]! < 1;
}
function antHealthy({ qpos, qvel }: Step): boolean {
  return [...qpos, ...qvel].every(Number.isFinite) && 0.2 <= qpos[2]! && qpos[2]! <= 1.0;
}

const resets = readFixture<NumpyResets>("mujoco", "numpy-resets.json");

test("make before loadMujoco throws a SimulatorError that names loadMujoco", () => {
  assert.ok(makeBeforeLoad instanceof SimulatorError, String(makeBeforeLoad));
  assert.equal(makeBeforeLoad.code, "SIMULATOR");
  assert.match(makeBeforeLoad.message, /await loadMujoco\(\)/);
});

test("loadMujoco loads MuJoCo 3.x once", async () => {
  assert.match(mujoco.version, /^3\.\d+\.\d+$/);
  assert.equal(await loadMujoco(), mujoco);
});

for (const c of CASES) {
  const reference = readFixture<Reference>("mujoco", `${c.id}.json`);

  describe(`${c.id} against MuJoCo ${reference.mujoco_version} (native C library)`, () => {
    test("reset(seed) lands on Gymnasium's start state, drawn by numpy", () => {
      const env = c.make();
      const { qvel_noise, resets: expected } = resets.envs[c.id]!;
      for (const { seed, qpos, qvel } of expected) {
        env.reset({ seed });
        assert.deepEqual(Array.from(env.model.qpos), qpos, `qpos after reset(seed ${seed})`);
        // Uniform noise, or numpy's ziggurat normal (HalfCheetah, Ant): both bit for bit.
        assert.deepEqual(
          Array.from(env.model.qvel),
          qvel,
          `qvel after reset(seed ${seed}, ${qvel_noise} noise)`,
        );
      }
      env.close();
    });

    test(`one step from the reference's state agrees within ${ONE_STEP_REL_TOL} relative`, (t) => {
      const model = new MujocoModel(mujoco, reference.xml);
      let worst = 0;
      let steps = 0;
      for (const ep of reference.episodes) {
        for (let k = 1; k < ep.actions.length; k++) {
          model.resetData();
          model.setState(ep.qpos[k - 1]!, ep.qvel[k - 1]!);
          model.qaccWarmstart.set(ep.qacc_warmstart[k - 1]!);
          model.doSimulation(ep.actions[k]!, reference.frame_skip);
          const err = Math.max(relError(model.qpos, ep.qpos[k]!), relError(model.qvel, ep.qvel[k]!));
          const cfrcErr = ep.cfrc_ext ? relError(model.cfrcExt, ep.cfrc_ext[k]!) : 0;
          worst = Math.max(worst, err, cfrcErr);
          assert.ok(err <= ONE_STEP_REL_TOL, `seed ${ep.seed}, step ${k + 1}: qpos/qvel error ${err}`);
          assert.ok(cfrcErr <= ONE_STEP_REL_TOL, `seed ${ep.seed}, step ${k + 1}: cfrc_ext error ${cfrcErr}`);
          steps++;
        }
      }
      model.delete();
      t.diagnostic(`${steps} steps, worst relative error ${worst.toExponential(2)}`);
    });

    test(`open loop: within ${OPEN_LOOP_ABS_TOL} for the first ${c.horizon} steps`, (t) => {
      const model = new MujocoModel(mujoco, reference.xml);
      let worst = 0;
      for (const ep of reference.episodes) {
        model.resetData();
        model.setState(ep.qpos0, ep.qvel0);
        for (let k = 0; k < c.horizon; k++) {
          model.doSimulation(ep.actions[k]!, reference.frame_skip);
          const err = Math.max(absError(model.qpos, ep.qpos[k]!), absError(model.qvel, ep.qvel[k]!));
          worst = Math.max(worst, err);
          assert.ok(err <= OPEN_LOOP_ABS_TOL, `seed ${ep.seed}, step ${k + 1}: error ${err}`);
        }
      }
      model.delete();
      t.diagnostic(`worst absolute error over ${c.horizon} steps: ${worst.toExponential(2)}`);
    });

    test("observations, rewards and terminations match Gymnasium's formulas on the reference states", (t) => {
      let worstObs = 0;
      let worstReward = 0;
      for (const ep of reference.episodes) {
        const env = c.make();
        env.reset({ seed: ep.seed });
        assert.deepEqual(Array.from(env.model.qpos), ep.qpos0, "the fixture starts from mimic's reset");
        let before: Step = { qpos: ep.qpos0, qvel: ep.qvel0 };
        for (let k = 0; k < c.horizon; k++) {
          const action = ep.actions[k]!;
          const { observation, reward, terminated, truncated } = env.step(Float32Array.from(action));
          const after: Step = {
            qpos: ep.qpos[k]!,
            qvel: ep.qvel[k]!,
            cfrc: ep.cfrc_ext?.[k],
            xpos: ep.xpos?.[k],
          };
          const where = `seed ${ep.seed}, step ${k + 1}`;
          assert.ok(observation instanceof Float64Array, `${where}: observation is float64`);
          assert.ok(env.observationSpace.contains(observation), `${where}: observation in its space`);
          const obsErr = relError(observation, c.obs(after.qpos, after.qvel, after.cfrc));
          worstObs = Math.max(worstObs, obsErr);
          assert.ok(obsErr <= 1e-8, `${where}: observation error ${obsErr}`);
          const expected = c.reward(before, after, action);
          worstReward = Math.max(worstReward, Math.abs(reward - expected) / Math.max(1, Math.abs(expected)));
          // Measured worst 4.3e-11 (Ant): x velocities divide position errors by dt (≥ 0.008 s).
          assert.ok(
            Math.abs(reward - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
            `${where}: reward ${reward}, recomputed ${expected}`,
          );
          assert.equal(terminated, c.terminated(after), `${where}: terminated`);
          assert.equal(truncated, false);
          before = after;
        }
        env.close();
      }
      t.diagnostic(
        `worst relative error: observation ${worstObs.toExponential(2)}, reward ${worstReward.toExponential(2)}`,
      );
    });
  });
}

describe("reward terms", () => {
  test("Hopper's info holds the terms, and they add up to the reward", () => {
    const env = new HopperEnv({ ctrlCostWeight: 0.25, healthyReward: 2 });
    env.reset({ seed: 3 });
    const { reward, info } = env.step([0.5, -0.25, 1]);
    const forward = info.reward_forward as number;
    const ctrl = info.reward_ctrl as number;
    const survive = info.reward_survive as number;
    assert.equal(survive, 2);
    assert.equal(ctrl, -Math.fround(Math.fround(0.25) * Math.fround(0.25 + 0.0625 + 1)));
    assert.equal(reward, forward + survive + ctrl);
    assert.equal(info.x_velocity, forward);
    env.close();
  });

  test("Ant's contact cost is the clipped cfrc_ext's squares, and the world's forces stay out of the observation", () => {
    const env = new AntEnv();
    const { observation: first } = env.reset({ seed: 0 });
    assert.equal(first.length, 105);
    let contactSeen = false;
    for (let k = 0; k < 30; k++) {
      const { observation, info } = env.step(new Float32Array(8).fill(k % 2 ? 1 : -1));
      const raw = Array.from(env.model.cfrcExt);
      const expected = -5e-4 * raw.reduce((s, f) => s + clip(f, -1, 1) ** 2, 0);
      assert.ok(Math.abs((info.reward_contact as number) - expected) <= 1e-15);
      assert.deepEqual(
        Array.from(observation.subarray(27)),
        raw.slice(6).map((f) => clip(f, -1, 1)),
      );
      if (expected !== 0) contactSeen = true;
    }
    assert.ok(contactSeen, "the ant's feet touched the floor");
    env.close();
  });

  test("numpy's float32 control cost and pairwise float64 sum (values from numpy 2.4.6)", () => {
    const a = [
      0.6100058555603027, 0.6158815622329712, 0.030651122331619263, -0.4283972382545471, -0.8921386003494263,
      -0.23326224088668823, -0.18305358290672302, -0.9094496369361877,
    ];
    // `w * np.sum(np.square(np.float32 array))` printed by numpy 2.4.6 (float32 results).
    assert.equal(controlCost(1e-3, a.slice(0, 3)), 0.0007523567765019834);
    assert.equal(controlCost(1e-3, a), 0.0026468108408153057);
    assert.equal(controlCost(0.1, a.slice(0, 3)), 0.07523567974567413);
    assert.equal(controlCost(0.1, a), 0.2646810710430145);
    assert.equal(controlCost(0.5, a.slice(0, 3)), 0.3761783838272095);
    assert.equal(controlCost(0.5, a), 1.323405385017395);
    // np.sum of these 20 float64 values (numpy 2.4.6) is 11.217999999999998; a running sum gives 11.218.
    const v = [
      0.028, 0.124, 0.671, 0.647, 0.615, 0.384, 0.997, 0.981, 0.686, 0.65, 0.688, 0.389, 0.135, 0.721, 0.525,
      0.31, 0.486, 0.889, 0.934, 0.358,
    ];
    assert.equal(numpySum(v, 0, v.length, false), 11.217999999999998);
    assert.equal(
      v.reduce((s, x) => s + x, 0),
      11.218,
    );
  });
});

describe("numpy's 2-norm and the fused multiply-add under it", () => {
  test("numpyNorm2 gives np.linalg.norm([x, y], ord=2) (numpy 2.4.6, OpenBLAS 0.3.31), where √(x² + y²) is one bit off", () => {
    // [x, y, np.linalg.norm, np.sqrt(x*x + y*y)], printed by numpy 2.4.6.
    const cases = [
      [-0.0005526473205362325, -0.0007847803553442784, 0.0009598433554649265, 0.0009598433554649264],
      [-0.0033129089269991674, -0.8404731684222111, 0.8404796976746249, 0.840479697674625],
      [-0.11360213941896467, 0.42113113746240616, 0.43618445756462476, 0.4361844575646247],
      // Ant-v5's distance_from_origin after reset(seed=1), from Gymnasium.
      [0.0023643249400513433, 0.09009273926518707, 0.09012375769311402, 0.09012375769311401],
      [3, 4, 5, 5],
    ];
    for (const [x, y, norm, naive] of cases) {
      assert.equal(numpyNorm2(x!, y!), norm, `norm of (${x}, ${y})`);
      assert.equal(Math.sqrt(x! * x! + y! * y!), naive);
    }
  });

  test("fma rounds a·b + c once (exact values from Python's fractions)", () => {
    assert.equal(fma(0.1, 10, -1), 5.551115123125783e-17);
    assert.equal(fma(1 + 2 ** -30, 1 - 2 ** -30, -1), -8.673617379884035e-19);
    assert.equal(fma(-2.5, 0.1, 0.25), -1.3877787807814457e-17);
    assert.equal(fma(1.0000000000000002, 1.0000000000000002, -1.0000000000000004), 4.930380657631324e-32);
    assert.equal(fma(1e-200, 1e-200, 1), 1);
    assert.equal(fma(3, 1e300, -1e300), 2e300);
    assert.equal(fma(2 ** -1000, 2 ** -60, 2 ** -1022), 2.225073858515296e-308);
    assert.equal(fma(0, 5, 2), 2);
    assert.ok(Number.isNaN(fma(Number.NaN, 1, 1)));
    assert.equal(fma(1e300, 1e300, 1), Number.POSITIVE_INFINITY);
  });
});

describe("spaces, limits and determinism", () => {
  test("registered with Gymnasium's ids, step limit and float32 action boxes from ctrlrange", () => {
    const expected: Record<string, { obs: number; act: number; low: number; high: number }> = {
      "InvertedPendulum-v5": { obs: 4, act: 1, low: -3, high: 3 },
      "Hopper-v5": { obs: 11, act: 3, low: -1, high: 1 },
      "HalfCheetah-v5": { obs: 17, act: 6, low: -1, high: 1 },
      "Walker2d-v5": { obs: 17, act: 6, low: -1, high: 1 },
      "Ant-v5": { obs: 105, act: 8, low: -1, high: 1 },
    };
    for (const [id, e] of Object.entries(expected)) {
      const env = make(id);
      assert.equal(env.spec.maxEpisodeSteps, 1000);
      assert.equal(String(env.observationSpace), `Box(-inf, inf, (${e.obs},), float64)`);
      assert.equal(String(env.actionSpace), `Box(${e.low}, ${e.high}, (${e.act},), float32)`);
      const { observation } = env.reset({ seed: 0 });
      assert.equal((observation as Float64Array).length, e.obs);
      env.close();
    }
    assert.equal(make("Ant-v5", { includeCfrcExtInObservation: false }).observationSpace.flatDim, 27);
    assert.equal(
      make("Hopper-v5", { excludeCurrentPositionsFromObservation: false }).observationSpace.flatDim,
      12,
    );
  });

  test("Hopper and Walker2d clip observed velocities to ±10; HalfCheetah does not", () => {
    for (const [Env, clipped] of [
      [HopperEnv, true],
      [Walker2dEnv, true],
      [HalfCheetahEnv, false],
    ] as const) {
      const env = new Env();
      env.reset({ seed: 0 });
      const qvel = new Array(env.model.nv).fill(0);
      qvel[0] = 60;
      env.model.setState(env.model.qpos, qvel);
      const { observation } = env.step(new Float32Array(env.actionSpace.size));
      const vx = observation[env.model.nq - 1]!;
      if (clipped) assert.equal(vx, 10);
      else assert.ok(vx > 10, `HalfCheetah's x velocity ${vx}`);
      env.close();
    }
  });

  test("the same seed and actions give the same episode, bit for bit; another seed does not", () => {
    const run = (id: string, seed: number) => {
      const env = make(id, { maxEpisodeSteps: null });
      const rng = rngFromSeed(42);
      const out: number[] = [...(env.reset({ seed }).observation as Float64Array)];
      for (let k = 0; k < 40; k++) {
        const { observation, reward } = env.step(env.actionSpace.sample(rng) as Float32Array);
        out.push(...(observation as Float64Array), reward);
      }
      env.close();
      return out;
    };
    for (const id of ["Hopper-v5", "HalfCheetah-v5", "Ant-v5"]) {
      assert.deepEqual(run(id, 7), run(id, 7), id);
      assert.notDeepEqual(run(id, 7), run(id, 8), id);
    }
  });

  test("the TimeLimit wrapper truncates HalfCheetah at 1000 steps", () => {
    const env = make("HalfCheetah-v5");
    env.reset({ seed: 0 });
    const zero = new Float32Array(6);
    let result = env.step(zero);
    let steps = 1;
    while (!result.truncated && !result.terminated) {
      result = env.step(zero);
      steps++;
    }
    assert.equal(steps, 1000);
    assert.equal(result.terminated, false);
    env.close();
  });
});

describe("errors", () => {
  test("bad actions: NaN, wrong length, out of bounds", () => {
    const env = make("Hopper-v5");
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step([Number.NaN, 0, 0]),
      (e: unknown) => {
        assert.ok(e instanceof InvalidActionError);
        assert.match(e.message, /NaN/);
        return true;
      },
    );
    assert.throws(() => env.step([0, 0]), InvalidActionError);
    assert.throws(() => env.step([0, 0, 2]), InvalidActionError);
    env.close();
  });

  test("step before reset, use after close", () => {
    const env = new InvertedPendulumEnv();
    assert.throws(() => env.step([0]), ResetNeededError);
    env.close();
    assert.throws(() => env.reset(), SimulatorError);
  });

  test("model files: missing, not compiling, wrong shapes", () => {
    assert.throws(
      () => new MujocoModel(mujoco, "humanoid.xml"),
      (e: unknown) => {
        assert.ok(e instanceof SimulatorError);
        assert.match(e.message, /no model file "humanoid\.xml".*hopper\.xml/);
        return true;
      },
    );
    // Not well-formed: MuJoCo's printed reason is in the message.
    assert.throws(
      () => new MujocoModel(mujoco, "bad.xml", "<mujoco><worldbody><geom/></worldbody>"),
      (e: unknown) => {
        assert.ok(e instanceof SimulatorError);
        assert.match(e.message, /could not load bad\.xml: Loading error: XML parse error/);
        return true;
      },
    );
    assert.throws(
      () =>
        new MujocoModel(mujoco, "bad.xml", '<mujoco><actuator><motor joint="nowhere"/></actuator></mujoco>'),
      SimulatorError,
    );
    const model = new MujocoModel(mujoco, "hopper.xml");
    assert.throws(() => model.setState([0, 1], [0]), ShapeMismatchError);
    assert.throws(() => model.doSimulation([0, 0], 4), ShapeMismatchError);
    assert.throws(() => model.bodyId("tail"), SimulatorError);
    model.delete();
    assert.throws(() => new AntEnv({ mainBody: "tail" }), SimulatorError);
  });

  test("make checks the env's options", () => {
    assert.throws(
      () => make("Hopper-v5", { ctrlCostWieght: 1 }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidOptionError);
        assert.match(e.message, /ctrlCostWeight/);
        return true;
      },
    );
    assert.throws(() => make("InvertedPendulum-v5", { frameSkip: 0 }), InvalidOptionError);
  });
});

describe("datasets", () => {
  test("Hopper-v5 episodes go through Minari's HDF5 layout and back, float64 observations intact", async () => {
    const env = make("Hopper-v5");
    const policy = randomPolicy(env.actionSpace as Box) as Policy<unknown, ArrayLike<number>>;
    const episodes = await collect(env, policy, { episodes: 2, seed: 0 });
    const dataset = new Dataset({
      id: "test/hopper-random-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    const dir = join(mkdtempSync(join(tmpdir(), "mimic-mujoco-minari-")), "hopper");
    await writeMinari(dir, dataset);
    const { dataset: back } = await readMinari(dir);
    assert.equal(String(back.observationSpace), "Box(-inf, inf, (11,), float64)");
    assert.equal(back.episodes.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.ok(back.episodes[i]!.observations instanceof Float64Array);
      assert.deepEqual(back.episodes[i]!.observations, episodes[i]!.observations);
      assert.deepEqual(back.episodes[i]!.rewards, episodes[i]!.rewards);
    }
    env.close();
  });
});

describe("the CLI", () => {
  test("a command naming a MuJoCo env loads MuJoCo itself (fresh process)", () => {
    const cli = new URL("../src/cli/main.js", import.meta.url).href;
    const dataset = join(mkdtempSync(join(tmpdir(), "mimic-mujoco-cli-")), "walker-expert");
    const code = `const { main } = await import(${JSON.stringify(cli)});
const err = [];
const code = await main(["collect", "--env", "Walker2d-v5", "--expert", "scripted", "--episodes", "1", "--out", ${JSON.stringify(dataset)}], { out: () => {}, err: (t) => err.push(t) });
console.log(JSON.stringify({ code, err: err.join("") }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", code]).toString();
    const { code: exit, err } = JSON.parse(out.trim().split("\n").pop()!) as { code: number; err: string };
    // The env was made (no SimulatorError) and its shipped expert recorded an episode.
    assert.equal(exit, 0, err);
    assert.doesNotMatch(err, /loadMujoco/);
    assert.ok(existsSync(dataset));
    rmSync(dirname(dataset), { recursive: true, force: true });
  });
});

describe("assets", () => {
  test("src/envs/mujoco/assets.ts holds the XML files byte for byte (node scripts/embed-mujoco-assets.mjs)", () => {
    const dir = join(repoRoot, "src/envs/mujoco/assets");
    const files = readdirSync(dir).filter((f) => f.endsWith(".xml"));
    assert.deepEqual(Object.keys(MUJOCO_ASSETS).sort(), files.sort());
    for (const f of files) assert.equal(MUJOCO_ASSETS[f], readFileSync(join(dir, f), "utf8"), f);
  });

  test("the models' initial qpos is the one numpy-resets.py assumes", () => {
    for (const c of CASES) {
      const env = c.make();
      const { resets: r, qvel_noise } = resets.envs[c.id]!;
      const scale = { "InvertedPendulum-v5": 0.01, "Hopper-v5": 5e-3, "Walker2d-v5": 5e-3 }[c.id] ?? 0.1;
      // qpos0 = init + noise with |noise| < scale, for every seed.
      for (const { qpos } of r) {
        for (let i = 0; i < qpos.length; i++) assert.ok(Math.abs(qpos[i]! - env.model.initQpos[i]!) < scale);
      }
      assert.ok(env.model.initQvel.every((v) => v === 0));
      assert.ok(qvel_noise === "uniform" || qvel_noise === "normal");
      env.close();
    }
  });
});

describe("native reference (scripts/mujoco-reference/rollout.c)", () => {
  const missing = ["/usr/include/mujoco/mujoco.h"].filter((f) => !existsSync(f));
  let gcc = true;
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
  } catch {
    gcc = false;
  }
  const why = !gcc
    ? "gcc is missing"
    : missing.length > 0
      ? "libmujoco-dev is missing (apt-get install libmujoco-dev)"
      : null;

  test("builds against libmujoco and reproduces the InvertedPendulum and Hopper fixtures bit for bit", (t) => {
    if (why !== null) return void (process.env.CI ? assert.fail(why) : t.skip(why));
    const binary = join(mkdtempSync(join(tmpdir(), "mimic-mujoco-")), "rollout");
    const source = join(repoRoot, "scripts/mujoco-reference/rollout.c");
    execFileSync("gcc", ["-O2", "-o", binary, source, "-lmujoco", "-lm"]);
    for (const id of ["InvertedPendulum-v5", "Hopper-v5"]) {
      const reference = readFixture<Reference>("mujoco", `${id}.json`);
      const ep = reference.episodes[0]!;
      const exact = (v: number[]) => v.map((x) => x.toPrecision(17)).join(" ");
      const input = [
        String(ep.actions.length),
        exact(ep.qpos0),
        exact(ep.qvel0),
        ...ep.actions.map(exact),
      ].join("\n");
      const xml = join(repoRoot, "src/envs/mujoco/assets", reference.xml);
      const lines = execFileSync(binary, [xml, String(reference.frame_skip)], { input })
        .toString()
        .trim()
        .split("\n");
      const header = JSON.parse(lines[0]!) as { mujoco: string };
      assert.equal(header.mujoco, reference.mujoco_version);
      lines.slice(1).forEach((line, k) => {
        const step = JSON.parse(line) as { qpos: number[]; qvel: number[] };
        assert.deepEqual(step.qpos, ep.qpos[k], `${id} step ${k + 1} qpos`);
        assert.deepEqual(step.qvel, ep.qvel[k], `${id} step ${k + 1} qvel`);
      });
    }
  });
});
