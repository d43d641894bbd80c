/**
 * GAIL, AIRL and learned reward models: the checks that run in seconds (learning itself is in
 * test/slow/adversarial.test.ts). Bad input, determinism, the batch that shrinks, a NaN that stops
 * training with the last checkpoint kept, AIRL's discriminator gradient against finite
 * differences, and reward models that save, load and wrap an env.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type AdversarialState, TransitionBatch } from "../src/algorithms/adversarial.js";
import { AirlDiscriminator, trainAirl } from "../src/algorithms/airl.js";
import { trainGail } from "../src/algorithms/gail.js";
import { trainPpo } from "../src/algorithms/ppo/index.js";
import { RewardModel, RewardWrapper, softplus } from "../src/algorithms/reward-model.js";
import { rngFromSeed } from "../src/core/rng.js";
import { collect } from "../src/data/collect.js";
import { Dataset } from "../src/data/dataset.js";
import { type Episode, toTransitions } from "../src/data/episode.js";
import { saveDataset } from "../src/data/store.js";
import { scriptedExpert } from "../src/experts/index.js";
import { make, makeVec, NonFiniteGradientError, ShapeMismatchError } from "../src/index.js";
import { trainAdversarialRun } from "../src/runs/adversarial-pipeline.js";

const tmp = mkdtempSync(join(tmpdir(), "mimic-adversarial-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const small = {
  totalTimesteps: 512,
  ppo: { numEnvs: 2, numSteps: 64, updateEpochs: 2, numMinibatches: 2 },
  discriminator: { batchSize: 64, updatesPerRound: 2 },
  allowVariableHorizon: true,
  seed: 3,
};

async function expertEpisodes(count: number, seed = 0): Promise<Episode[]> {
  return collect(make("CartPole-v1"), scriptedExpert("CartPole-v1"), {
    episodes: count,
    seed,
    deterministic: true,
  });
}

describe("GAIL and AIRL: bad input", () => {
  test("demonstrations from another env are refused, naming both shapes", async () => {
    const pendulum = await collect(make("Acrobot-v1"), scriptedExpert("Acrobot-v1"), {
      episodes: 1,
      seed: 0,
    });
    await assert.rejects(
      trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), toTransitions(pendulum), small),
      (e: Error) => e instanceof ShapeMismatchError && /6 observation values.*env has 4/.test(e.message),
    );
  });

  test("an action outside the env's space is refused with the transition's index", async () => {
    const demos = toTransitions(await expertEpisodes(1));
    demos.acts[7] = 5;
    await assert.rejects(trainAirl(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small), (e: Error) =>
      /transition 7 has action 5/.test(e.message),
    );
  });

  test("variable-horizon episodes are refused unless allowVariableHorizon is set, and the error says why", async () => {
    const demos = toTransitions(await expertEpisodes(1));
    await assert.rejects(
      trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), demos, { ...small, allowVariableHorizon: false }),
      (e: Error) =>
        /episodes of different lengths/.test(e.message) &&
        /generator episode ended after \d+ steps, the demonstrations after 500/.test(e.message) &&
        /allowVariableHorizon: true/.test(e.message),
    );
  });

  test("fewer transitions than one discriminator batch: the batch shrinks and a warning says so", async () => {
    const episodes = await expertEpisodes(1);
    const demos = toTransitions(episodes);
    const warnings: string[] = [];
    const result = await trainGail(
      makeVec("CartPole-v1", { numEnvs: 2 }),
      demos,
      { ...small, discriminator: { batchSize: 1000, updatesPerRound: 1 } },
      { onWarning: (m) => warnings.push(m) },
    );
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /500 transitions, fewer than one discriminator batch \(1000\); the batch shrinks to 500/,
    );
    assert.equal(result.history.length, 4);
  });

  test("a NaN in the discriminator stops training naming the step and the loss term", async () => {
    const demos = toTransitions(await expertEpisodes(1));
    await assert.rejects(
      trainGail(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small, {
        onRoundEnd: (record, snapshot) => {
          if (record.round === 2) snapshot.rewardModel.g.params[0] = Number.NaN;
        },
      }),
      (e: Error) =>
        e instanceof NonFiniteGradientError &&
        e.step === 5 &&
        /discriminator logistic loss/.test(e.message) &&
        /weights were left at step 4/.test(e.message),
    );
  });

  test("in a run directory, the failed run keeps its last good checkpoint and says why it failed", async () => {
    const data = join(tmp, "cartpole-2");
    const env = make("CartPole-v1");
    await saveDataset(
      data,
      new Dataset({
        id: "cartpole-2",
        episodes: await expertEpisodes(2),
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        envSpec: env.spec,
      }),
    );
    const out = join(tmp, "nan-run");
    // The reward network is poisoned after round 2 has been checkpointed.
    await assert.rejects(
      trainAdversarialRun({
        algorithm: "gail",
        dataset: data,
        out,
        config: { ...small, discriminator: { batchSize: 64, updatesPerRound: 1 } },
        checkpointEvery: 1,
        evalEpisodes: 1,
        onRound: (record, _total, snapshot) => {
          if (record.round === 2) snapshot.rewardModel.g.params.fill(Number.NaN, 0, 3);
        },
      }),
      (e: Error) => e instanceof NonFiniteGradientError && e.step === 3,
    );
    const checkpoints = readdirSync(join(out, "checkpoints")).filter((n) => n.startsWith("round-"));
    assert.deepEqual(checkpoints.sort(), ["round-1", "round-2"]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "failed");
    assert.match(JSON.stringify(manifest), /Non-finite gradient in discriminator at step 3/);
    const kept = JSON.parse(readFileSync(join(out, "checkpoints", "round-2", "checkpoint.json"), "utf8"));
    assert.equal(kept.json.round, 2);
    assert.ok(kept.json.rewardModel.g.length > 0 && kept.json.policyWeights.length === 6);
  });
});

describe("GAIL and AIRL: runs", () => {
  test("are deterministic under a seed", async () => {
    const demos = toTransitions(await expertEpisodes(2));
    for (const train of [trainGail, trainAirl]) {
      const a = await train(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small);
      const b = await train(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small);
      assert.deepEqual(a.policyWeights, b.policyWeights);
      assert.deepEqual(a.rewardModel.toJSON(), b.rewardModel.toJSON());
      assert.deepEqual(a.history, b.history);
      const record = a.history.at(-1)!;
      for (const key of ["discLoss", "discAccuracyExpert", "discAccuracyGenerator"] as const) {
        assert.ok(Number.isFinite(record[key]), `${key} = ${record[key]}`);
      }
    }
  });

  test("a running input norm standardizes with the statistics of every discriminator batch, kept in the saved state", async () => {
    // seals/CartPole-v0 never terminates, so no batch row is the absorbing state and every row counts.
    const episodes = await collect(make("seals/CartPole-v0"), scriptedExpert("seals/CartPole-v0"), {
      episodes: 1,
      seed: 0,
      deterministic: true,
    });
    const config = { ...small, allowVariableHorizon: false };
    const states: AdversarialState[] = [];
    const onRoundEnd = (_: unknown, snapshot: { state(): AdversarialState }) => {
      states.push(snapshot.state());
    };
    const running = await trainGail(
      makeVec("seals/CartPole-v0", { numEnvs: 2 }),
      toTransitions(episodes),
      { ...config, discriminator: { ...config.discriminator, inputNorm: "running" } },
      { onRoundEnd },
    );
    const rounds = running.history.length;
    const last = states.at(-1)!.inputStats!;
    // Every round adds updatesPerRound batches of 64 expert and 64 generator rows.
    assert.equal(last.count, rounds * 2 * 2 * 64);
    const model = running.rewardModel;
    for (let k = 0; k < 4; k++) {
      assert.ok(Math.abs(model.obsMean[k]! - last.mean[k]!) < 1e-12, `mean ${k}`);
      assert.ok(Math.abs(1 / model.obsInvStd[k]! - Math.sqrt(last.var[k]! + 1e-5)) < 1e-9, `std ${k}`);
    }
    // The statistics moved between rounds: the generator's rows are in them, not only the demonstrations'.
    assert.notDeepEqual(states[0]!.inputStats!.mean, last.mean);

    states.length = 0;
    const fixed = await trainGail(
      makeVec("seals/CartPole-v0", { numEnvs: 2 }),
      toTransitions(episodes),
      config,
      { onRoundEnd },
    );
    assert.equal(states.at(-1)!.inputStats, undefined);
    assert.notDeepEqual(fixed.rewardModel.obsMean, model.obsMean);
    // A state saved without running statistics cannot continue a run that needs them.
    await assert.rejects(
      trainGail(
        makeVec("seals/CartPole-v0", { numEnvs: 2 }),
        toTransitions(episodes),
        { ...config, discriminator: { ...config.discriminator, inputNorm: "running" } },
        { resume: states[0]! },
      ),
      (e: Error) => /no running input statistics/.test(e.message),
    );
    // Nor the other way round.
    await assert.rejects(
      trainGail(makeVec("seals/CartPole-v0", { numEnvs: 2 }), toTransitions(episodes), config, {
        resume: { ...states[0]!, inputStats: last },
      }),
      (e: Error) => /has running input statistics/.test(e.message),
    );
  });

  test("AIRL's discriminator gradient matches finite differences", () => {
    const rng = rngFromSeed(11);
    const obsSize = 4;
    const model = RewardModel.init(
      {
        kind: "airl",
        obsSize,
        nActions: 2,
        hidden: [5],
        activation: "tanh",
        gamma: 0.9,
        obsMean: [0, 0, 0, 0],
        obsStd: [1, 1, 1, 1],
      },
      rng,
    );
    const disc = new AirlDiscriminator(model);
    const rows = 6;
    disc.reserve(rows);
    const batch = new TransitionBatch(rows, obsSize);
    for (let r = 0; r < rows; r++) {
      const i = batch.add();
      for (let k = 0; k < obsSize; k++) {
        batch.obs[i * obsSize + k] = rng.uniform(-1, 1);
        batch.nextObs[i * obsSize + k] = rng.uniform(-1, 1);
      }
      batch.actions[i] = r % 2;
      batch.logPi[i] = -0.3 * r;
      batch.nextAbsorbing[i] = r === 4 ? 1 : 0;
      batch.absorbing[i] = r === 5 ? 1 : 0;
    }
    const weights = Float64Array.from({ length: rows }, () => rng.uniform(-1, 1));
    const objective = () => {
      const logits = disc.logits(batch);
      let total = 0;
      for (let r = 0; r < rows; r++) total += weights[r]! * logits[r]!;
      return total;
    };
    objective();
    const grads = new Float32Array(disc.params.length);
    disc.backward(weights, grads);
    for (let i = 0; i < disc.params.length; i += 3) {
      const saved = disc.params[i]!;
      const h = 1e-2;
      disc.params[i] = saved + h;
      const up = objective();
      disc.params[i] = saved - h;
      const down = objective();
      disc.params[i] = saved;
      const numeric = (up - down) / (Math.fround(saved + h) - Math.fround(saved - h));
      assert.ok(
        Math.abs(numeric - grads[i]!) <= 2e-3 * Math.max(1, Math.abs(numeric)),
        `parameter ${i}: analytic ${grads[i]} vs numeric ${numeric}`,
      );
    }
  });
});

describe("reward models", () => {
  test("save and load to the same rewards; the wrapper adds the absorbing state's worth on termination", async () => {
    const demos = toTransitions(await expertEpisodes(1));
    const { rewardModel } = await trainAirl(makeVec("CartPole-v1", { numEnvs: 2 }), demos, small);
    const dir = join(tmp, "model");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    await rewardModel.save(dir);
    const loaded = await RewardModel.load(dir);
    const a = new Float64Array(20);
    const b = new Float64Array(20);
    const actions = Int32Array.from({ length: 20 }, (_, i) => i % 2);
    const terminal = Uint8Array.from({ length: 20 }, (_, i) => (i === 5 ? 1 : 0));
    rewardModel.rewards(demos.obs, actions, demos.nextObs, terminal, 20, a);
    loaded.rewards(demos.obs, actions, demos.nextObs, terminal, 20, b);
    assert.deepEqual(b, a);
    assert.equal(loaded.absorbingReward(), rewardModel.absorbingReward());

    const env = new RewardWrapper(make("CartPole-v1"), loaded);
    let observation = Float32Array.from(env.reset({ seed: 4 }).observation as Float32Array);
    const one = new Float64Array(1);
    for (let t = 0; t < 600; t++) {
      const step = env.step(0); // always push left: the pole falls within a few dozen steps
      loaded.rewards(observation, [0], step.observation as Float32Array, [step.terminated ? 1 : 0], 1, one);
      const expected = one[0]! + (step.terminated ? loaded.terminalBonus() : 0);
      assert.equal(step.reward, expected);
      assert.equal(step.info.envReward, 1);
      if (step.terminated || step.truncated) {
        assert.ok(step.terminated);
        break;
      }
      observation = Float32Array.from(step.observation as Float32Array);
    }
    assert.equal(loaded.terminalBonus(), (loaded.gamma * loaded.absorbingReward()) / (1 - loaded.gamma));
  });

  test("a state-only reward (AIRL's g(s), GAIL's D(s)) sees no action, saves and loads as such", async () => {
    const demos = toTransitions(await expertEpisodes(1));
    const config = { ...small, discriminator: { ...small.discriminator, stateOnlyReward: true } };
    for (const train of [trainAirl, trainGail]) {
      const { rewardModel } = await train(makeVec("CartPole-v1", { numEnvs: 2 }), demos, config);
      assert.equal(rewardModel.stateOnly, true);
      assert.equal(rewardModel.gInputSize, 5);
      const loaded = RewardModel.fromJSON(rewardModel.toJSON());
      assert.equal(loaded.stateOnly, true);
      const a = new Float64Array(4);
      const b = new Float64Array(4);
      const c = new Float64Array(4);
      rewardModel.rewards(demos.obs, [0, 1, 0, 1], demos.nextObs, [0, 0, 0, 0], 4, a);
      loaded.rewards(demos.obs, [0, 1, 0, 1], demos.nextObs, [0, 0, 0, 0], 4, b);
      assert.deepEqual(b, a);
      // The action changes nothing where the reward is the state's alone (AIRL's shaping aside,
      // which reads only states too).
      loaded.rewards(demos.obs, [1, 0, 1, 0], demos.nextObs, [0, 0, 0, 0], 4, c);
      assert.deepEqual(c, a, rewardModel.kind);
    }
  });

  test("a GAIL model's reward is softplus of its logit", () => {
    const model = RewardModel.init(
      {
        kind: "gail",
        obsSize: 2,
        nActions: 3,
        hidden: [4],
        activation: "relu",
        gamma: 0.99,
        obsMean: [0, 0],
        obsStd: [1, 1],
      },
      rngFromSeed(2),
    );
    const out = new Float64Array(1);
    model.rewards([0.5, -0.25], [2], [0, 0], [0], 1, out);
    const { mlp, params } = model.g;
    model.encode([0.5, -0.25], [2], null, 1, mlp.input);
    assert.equal(out[0], softplus(mlp.forward(params, 1)[0]!));
    assert.ok(out[0]! > 0);
  });

  test("a model for other spaces, or a damaged file, is refused with what and where", async () => {
    const model = RewardModel.init(
      {
        kind: "gail",
        obsSize: 2,
        nActions: 3,
        hidden: [4],
        activation: "relu",
        gamma: 0.99,
        obsMean: [0, 0],
        obsStd: [1, 1],
      },
      rngFromSeed(2),
    );
    assert.throws(
      () => new RewardWrapper(make("CartPole-v1"), model),
      /learned for 2 observation values and Discrete\(3\).*has 4/,
    );
    await assert.rejects(
      trainPpo(
        makeVec("CartPole-v1", { numEnvs: 2 }),
        { numEnvs: 2, totalTimesteps: 256 },
        { rewardModel: model },
      ),
      ShapeMismatchError,
    );
    const dir = join(tmp, "broken");
    await import("node:fs/promises").then(async (fs) => {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(join(dir, "reward-model.json"), '{"format":"mimic-reward-model","g":"AAAA"');
    });
    await assert.rejects(RewardModel.load(dir), /reward-model.json is not valid JSON/);
    await assert.rejects(RewardModel.load(join(tmp, "nowhere")), /No reward model at .*mimic train gail/);
    assert.ok(!existsSync(join(tmp, "nowhere")));
  });
});
