/**
 * seals/Hopper-v5, seals/HalfCheetah-v5, seals/Walker2d-v5 and seals/Ant-v5: Gymnasium's v5 envs
 * with seals' two changes (the root position observed, no termination). Against the v5 env under
 * the same seed and actions: the same rewards and the same observation after the prepended
 * position; only termination differs. Their Minari `env_spec` names Gymnasium's v5 class with the
 * two kwargs, so Python's `recover_environment()` can rebuild them.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { trainGail } from "../src/algorithms/gail.js";
import {
  collect,
  Dataset,
  InvalidOptionError,
  loadMujoco,
  make,
  makeVec,
  normalizedScore,
  randomPolicy,
  readMinari,
  scriptedExpert,
  toTransitions,
  writeMinari,
} from "../src/index.js";

/** Each variant, its v5 env, how many root-position values it puts back, and whether v5 terminates. */
const variants = [
  { id: "seals/Hopper-v5", base: "Hopper-v5", extra: 1, dim: 12, terminates: true },
  { id: "seals/HalfCheetah-v5", base: "HalfCheetah-v5", extra: 1, dim: 18, terminates: false },
  { id: "seals/Walker2d-v5", base: "Walker2d-v5", extra: 1, dim: 18, terminates: true },
  { id: "seals/Ant-v5", base: "Ant-v5", extra: 2, dim: 107, terminates: true },
] as const;

/**
 * A fixed open-loop pattern that makes each v5 env fall (measured: Hopper after 22 steps, Walker2d
 * after 19, Ant after 217 when it flips).
 */
const fallingAction = (t: number, n: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(t / 5 + i));

let dir = "";
before(async () => {
  await loadMujoco();
  dir = await mkdtemp(join(tmpdir(), "mimic-seals-mujoco-"));
});
after(() => rm(dir, { recursive: true, force: true }));

describe("the seals MuJoCo variants", () => {
  for (const { id, base, extra, dim, terminates } of variants) {
    test(`${id}: v5's observation after ${extra} root position value(s), v5's rewards, no termination, 1000 steps`, () => {
      const seals = make(id);
      const v5 = make(base);
      assert.equal(seals.spec.id, id);
      assert.equal(seals.spec.maxEpisodeSteps, 1000);
      const sealsShape = (seals.observationSpace as unknown as { shape: number[] }).shape;
      const v5Shape = (v5.observationSpace as unknown as { shape: number[] }).shape;
      assert.deepEqual(sealsShape, [dim]);
      assert.equal(sealsShape[0], v5Shape[0]! + extra);

      const n = (seals.actionSpace as unknown as { shape: number[] }).shape[0]!;
      const first = seals.reset({ seed: 5 }).observation as Float32Array;
      assert.deepEqual(first.subarray(extra), v5.reset({ seed: 5 }).observation);
      // The torso starts at x = 0 (and y = 0) plus reset noise of at most 0.1.
      for (let i = 0; i < extra; i++) assert.ok(Math.abs(first[i]!) <= 0.1, `x/y ${first[i]}`);

      let v5EndedAt = -1;
      let t = 0;
      for (; ; t++) {
        const action = fallingAction(t, n);
        const s = seals.step(action);
        assert.equal(s.terminated, false, `${id} terminated at step ${t + 1}`);
        if (v5EndedAt < 0) {
          const r = v5.step(action);
          assert.equal(s.reward, r.reward, `${id} reward at step ${t + 1}`);
          assert.deepEqual((s.observation as Float32Array).subarray(extra), r.observation);
          if (r.terminated || r.truncated) v5EndedAt = t + 1;
        }
        if (s.truncated) break;
        assert.ok(t < 1000, `${id} ran past 1000 steps`);
      }
      assert.equal(t + 1, 1000, `${id} truncated after ${t + 1} steps`);
      if (terminates) assert.ok(v5EndedAt > 0 && v5EndedAt < 1000, `${base} did not fall (${v5EndedAt})`);
      else assert.equal(v5EndedAt, 1000);
      seals.close();
      v5.close();
    });
  }

  test("they take only seals' preset values, and say which env to make for the other", () => {
    const spec = make("seals/Walker2d-v5", {
      terminateWhenUnhealthy: false,
      excludeCurrentPositionsFromObservation: false,
    }).spec;
    assert.deepEqual(spec.kwargs, {
      excludeCurrentPositionsFromObservation: false,
      terminateWhenUnhealthy: false,
    });
    assert.throws(
      () => make("seals/Walker2d-v5", { terminateWhenUnhealthy: true }),
      (error: unknown) =>
        error instanceof InvalidOptionError && /make Walker2d-v5 instead/.test(error.message),
    );
    assert.throws(
      () => make("seals/Ant-v5", { excludeCurrentPositionsFromObservation: true }),
      InvalidOptionError,
    );
    // HalfCheetah never terminates, so seals sets (and mimic takes) only the observation option.
    assert.throws(() => make("seals/HalfCheetah-v5", { terminateWhenUnhealthy: false }), InvalidOptionError);
    assert.throws(() => make("seals/Hopper-v5", { ctrlCostWeight: 0 }), InvalidOptionError);
  });

  test("a Minari dataset names Gymnasium's v5 class with seals' kwargs, and reads back to the variant", async () => {
    const env = make("seals/Hopper-v5");
    const episodes = await collect(env, randomPolicy(env.actionSpace), { episodes: 1, seed: 0 });
    assert.equal(episodes[0]!.length, 1000);
    const dataset = new Dataset({
      id: "seals-hopper-random-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    const out = join(dir, "hopper");
    await writeMinari(out, dataset);
    const meta = JSON.parse(await readFile(join(out, "data", "metadata.json"), "utf8"));
    const spec = JSON.parse(meta.env_spec);
    assert.equal(spec.id, "seals/Hopper-v5");
    assert.equal(spec.entry_point, "gymnasium.envs.mujoco.hopper_v5:HopperEnv");
    assert.equal(spec.max_episode_steps, 1000);
    assert.deepEqual(spec.kwargs, {
      exclude_current_positions_from_observation: false,
      terminate_when_unhealthy: false,
    });
    const { dataset: back, warnings } = await readMinari(out);
    assert.deepEqual(warnings, []);
    assert.equal(back.envSpec?.id, "seals/Hopper-v5");
    const again = make(back.envSpec!.id, { ...back.envSpec!.kwargs });
    assert.deepEqual(again.reset({ seed: 0 }).observation, env.reset({ seed: 0 }).observation);
    env.close();
  });
});

describe("the seals MuJoCo experts", () => {
  const derived = [
    // Reference returns (seeds 0–99) of each derived expert: random, then expert.
    { id: "seals/Hopper-v5", base: "Hopper-v5", extra: 1, random: -50.468, expert: 3552.671 },
    { id: "seals/HalfCheetah-v5", base: "HalfCheetah-v5", extra: 1, random: -272.956, expert: 1846.883 },
    { id: "seals/Walker2d-v5", base: "Walker2d-v5", extra: 1, random: -1.437, expert: 6438.789 },
    { id: "seals/Ant-v5", base: "Ant-v5", extra: 2, random: -351.58, expert: 1344.739 },
  ];
  for (const { id, base, extra, random, expert } of derived) {
    test(`${id}'s expert is ${base}'s on the v5 part of the observation`, () => {
      const seals = scriptedExpert(id);
      const v5 = scriptedExpert(base);
      const env = make(id);
      let observation = env.reset({ seed: 3 }).observation as Float32Array;
      for (let t = 0; t < 200; t++) {
        const action = seals.act(observation as never) as Float32Array;
        const expected = v5.act(observation.subarray(extra) as never) as Float32Array;
        // The fused kernel may sum the extra zero-weight inputs in another lane: equal to float32 rounding.
        for (let i = 0; i < action.length; i++) assert.ok(Math.abs(action[i]! - expected[i]!) < 1e-5);
        observation = env.step(action).observation as Float32Array;
      }
      assert.equal(normalizedScore(id, expert), 1);
      assert.equal(normalizedScore(id, random), 0);
      env.close();
    });
  }

  test("GAIL runs on a seals variant without allowVariableHorizon: every episode is 1000 steps", async () => {
    const env = make("seals/Walker2d-v5");
    // Two demonstrations: both end by truncation, which only the transitions' episodeLengths show
    // (they were once read as one 2000-step episode and refused).
    const episodes = await collect(env, scriptedExpert("seals/Walker2d-v5"), { episodes: 2, seed: 0 });
    env.close();
    assert.deepEqual(
      episodes.map((e) => e.length),
      [1000, 1000],
    );
    assert.deepEqual(toTransitions(episodes).episodeLengths, [1000, 1000]);
    const gail = await trainGail(makeVec("seals/Walker2d-v5", { numEnvs: 1 }), toTransitions(episodes), {
      totalTimesteps: 2048,
      ppo: { numEnvs: 1, numSteps: 1024, numMinibatches: 4, updateEpochs: 1 },
      seed: 1,
    });
    assert.equal(gail.history.length, 2);
    // The same on Walker2d-v5, whose falls end episodes early, is refused without the flag.
    const v5 = make("Walker2d-v5");
    const fallen = await collect(v5, scriptedExpert("Walker2d-v5"), { episodes: 1, seed: 80 });
    v5.close();
    assert.ok(fallen[0]!.length < 1000); // seed 80: the expert falls after 333 steps
    await assert.rejects(
      trainGail(makeVec("Walker2d-v5", { numEnvs: 1 }), toTransitions(fallen), {
        totalTimesteps: 2048,
        ppo: { numEnvs: 1, numSteps: 1024, numMinibatches: 4, updateEpochs: 1 },
        seed: 1,
      }),
      /different lengths/,
    );
  });
});
