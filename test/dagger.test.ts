/**
 * DAgger learns: from one expert episode on CartPole-v1 it reaches 475 within 5 rounds of at most
 * 2,000 env steps; on Acrobot-v1, where BC from one episode compounds its errors, one DAgger round
 * beats BC by a margin a permutation test confirms; a 16×16 student keeps ≥ 95% of its 64×64
 * teacher's return. Plus β schedules, human labelers inside DAgger, and bad experts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { trainBc } from "../src/algorithms/bc.js";
import { betaFor, resolveDaggerConfig, trainDagger } from "../src/algorithms/dagger.js";
import { policyExpert } from "../src/experts/expert.js";
import { humanLabeler } from "../src/experts/labelers.js";
import { collect, Dataset, InvalidActionError, make, permutationTest, scriptedExpert } from "../src/index.js";
import { distill } from "../src/runs/dagger-pipeline.js";

const dir = mkdtempSync(join(tmpdir(), "mimic-dagger-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function demos(id: string, episodes: number): Promise<Dataset> {
  const env = make(id);
  const recorded = await collect(env, scriptedExpert(id), { episodes, seed: 0, deterministic: true });
  return new Dataset({
    id: "test/demos-v0",
    episodes: recorded,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
}

describe("DAgger learns", () => {
  test("CartPole-v1 from 1 expert episode: ≥ 475 within 5 rounds of ≤ 2,000 env steps", async () => {
    const result = await trainDagger(
      "CartPole-v1",
      policyExpert(scriptedExpert("CartPole-v1"), "scripted"),
      { rounds: 2, stepsPerRound: 2000, evalEpisodes: 50, bc: { epochs: 10 } },
      { demos: await demos("CartPole-v1", 1) },
    );
    const [bcAlone, ...rounds] = result.rounds;
    assert.equal(bcAlone!.round, 0);
    // Recorded for docs/algorithms/dagger.md: BC alone from this single episode.
    assert.ok(bcAlone!.evaluation.meanReturn > 0);
    assert.ok(rounds.length <= 5);
    for (const r of rounds) assert.ok(r.envSteps <= 2000);
    assert.ok(
      result.rounds.at(-1)!.evaluation.meanReturn >= 475,
      `final mean return ${result.rounds.at(-1)!.evaluation.meanReturn}`,
    );
    result.policy.dispose();
  });

  test("Acrobot-v1 from 1 expert episode: BC's compounding error is real, and one DAgger round fixes it", async () => {
    const result = await trainDagger(
      "Acrobot-v1",
      policyExpert(scriptedExpert("Acrobot-v1"), "scripted"),
      { rounds: 1, stepsPerRound: 1000, evalEpisodes: 50, bc: { epochs: 40, validationFraction: 0 } },
      { demos: await demos("Acrobot-v1", 1) },
    );
    const [bc, dagger] = result.rounds;
    // Measured: BC −256.0, DAgger −88.4 after one round (50 episodes, seeds 1000–1049).
    assert.ok(bc!.evaluation.meanReturn < -150, `BC alone ${bc!.evaluation.meanReturn}`);
    assert.ok(dagger!.evaluation.meanReturn >= -100, `DAgger ${dagger!.evaluation.meanReturn}`);
    assert.ok(dagger!.evaluation.meanReturn - bc!.evaluation.meanReturn > 100);
    const p = permutationTest(dagger!.evaluation.returns, bc!.evaluation.returns, { seed: 0 });
    assert.ok(p < 0.01, `permutation test p = ${p}`);
    result.policy.dispose();
  });

  test("distillation: a 16×16 student keeps ≥ 95% of its 64×64 teacher's return", async () => {
    const { policy: teacher } = await trainBc(await demos("CartPole-v1", 10), {
      epochs: 10,
      hidden: [64, 64],
    });
    const teacherDir = join(dir, "teacher");
    await teacher.save(teacherDir);
    teacher.dispose();
    const result = await distill({
      teacher: teacherDir,
      hidden: [16, 16],
      config: { rounds: 2, stepsPerRound: 1000, evalEpisodes: 20, bc: { epochs: 10 } },
      out: join(dir, "student"),
    });
    assert.ok(result.studentParameters < result.teacherParameters / 5);
    assert.ok(
      result.student.meanReturn >= 0.95 * result.teacher.meanReturn,
      `student ${result.student.meanReturn} vs teacher ${result.teacher.meanReturn}`,
    );
    assert.equal(result.agreement.kind, "discrete");
  });
});

describe("DAgger plumbing", () => {
  test("β schedules follow imitation's linear and exponential forms", () => {
    const linear = resolveDaggerConfig({ rounds: 4 }).beta;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((i) => betaFor(linear, i, 4)),
      [0.75, 0.5, 0.25, 0, 0],
    );
    assert.deepEqual(
      [1, 2, 3].map((i) => betaFor({ kind: "exponential", decay: 0.5 }, i, 3)),
      [0.5, 0.25, 0.125],
    );
    assert.throws(() => resolveDaggerConfig({ beta: { kind: "exponential", decay: 1.5 } }), /beta/);
  });

  test("a human labeler drives and labels a round; when it times out, the round ends with the labels so far", async () => {
    const rule = (o: Float32Array) => (o[2]! + 0.5 * o[3]! > 0 ? 1 : 0);
    const person = humanLabeler<Float32Array, number>({ ask: async (o) => rule(o), timeoutMs: 1000 });
    const ok = await trainDagger("CartPole-v1", person as never, {
      rounds: 1,
      stepsPerRound: 100,
      evalEpisodes: 2,
      bc: { epochs: 2, hidden: [8] },
    });
    assert.equal(ok.rounds.at(-1)!.labelingStopped, null);
    assert.equal(ok.dataset.totalSteps, 100);
    ok.policy.dispose();
    let answered = 0;
    const tired = humanLabeler<Float32Array, number>({
      ask: (o) => (answered++ < 30 ? Promise.resolve(rule(o)) : new Promise<number>(() => {})),
      timeoutMs: 30,
    });
    const partial = await trainDagger("CartPole-v1", tired as never, {
      rounds: 1,
      stepsPerRound: 100,
      evalEpisodes: 2,
      bc: { epochs: 2, hidden: [8] },
    });
    const round = partial.rounds.at(-1)!;
    assert.match(round.labelingStopped ?? "", /timed out after .* labels collected so far are kept/);
    assert.ok(partial.dataset.totalSteps > 0 && partial.dataset.totalSteps < 100);
    partial.policy.dispose();
  });

  test("an expert that returns an action outside the space names the expert and the state", async () => {
    const broken = { name: "broken controller", label: (obs: readonly unknown[]) => obs.map(() => 7) };
    await assert.rejects(
      trainDagger("CartPole-v1", broken, {
        rounds: 1,
        stepsPerRound: 20,
        evalEpisodes: 1,
        bc: { epochs: 1 },
      }),
      (e: unknown) =>
        e instanceof InvalidActionError &&
        /expert broken controller/.test(e.message) &&
        /The state it labelled was/.test(e.message),
    );
  });
});
