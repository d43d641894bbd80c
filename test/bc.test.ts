import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type BcRecord, resolveBcConfig, trainBc } from "../src/algorithms/bc.js";
import { collect, Dataset, InvalidOptionError, make, scriptedExpert } from "../src/index.js";

let cartpole: Dataset;
let pendulum: Dataset;

async function expertData(id: string, episodes: number): Promise<Dataset> {
  const env = make(id);
  const recorded = await collect(env, scriptedExpert(id), { episodes, seed: 0, deterministic: true });
  return new Dataset({
    id: "test/expert-v0",
    episodes: recorded,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
}

before(async () => {
  cartpole = await expertData("CartPole-v1", 3);
  pendulum = await expertData("Pendulum-v1", 2);
});

describe("trainBc", () => {
  test("callbacks see every minibatch and epoch; the same seed gives the same history", async () => {
    const batches: number[] = [];
    const epochs: BcRecord[] = [];
    const a = await trainBc(
      cartpole,
      { epochs: 2, hidden: [16], seed: 3 },
      { callbacks: { onBatchEnd: (b) => batches.push(b), onEpochEnd: (r) => epochs.push(r) } },
    );
    assert.equal(epochs.length, 2);
    assert.deepEqual(
      batches,
      Array.from({ length: batches.length }, (_, i) => i + 1),
    );
    assert.equal(epochs.at(-1)!.batch, batches.length);
    assert.ok(epochs.every((r) => r.validationLoss !== null));
    const b = await trainBc(cartpole, { epochs: 2, hidden: [16], seed: 3 });
    assert.deepEqual(b.history, a.history);
    a.policy.dispose();
    b.policy.dispose();
  });

  test("batches trains exactly that many minibatches", async () => {
    let last = 0;
    const r = await trainBc(
      cartpole,
      { batches: 7, hidden: [8] },
      { callbacks: { onBatchEnd: (b) => (last = b) } },
    );
    assert.equal(last, 7);
    r.policy.dispose();
  });

  test("an AbortSignal stops training and reports it", async () => {
    const controller = new AbortController();
    const r = await trainBc(
      cartpole,
      { epochs: 50, hidden: [8] },
      { signal: controller.signal, callbacks: { onBatchEnd: (b) => b === 10 && controller.abort() } },
    );
    assert.equal(r.aborted, true);
    r.policy.dispose();
  });

  test("the MSE loss regresses Box actions; it refuses Discrete ones", async () => {
    const r = await trainBc(pendulum, { loss: "mse", epochs: 2, hidden: [16] });
    assert.ok(r.history.at(-1)!.trainLoss < r.history[0]!.trainLoss * 1.5);
    r.policy.dispose();
    await assert.rejects(trainBc(cartpole, { loss: "mse" }), /loss "mse" needs Box actions/);
  });

  test("bad configs name the field", () => {
    assert.throws(
      () => resolveBcConfig({ learningRate: 0 }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "learningRate",
    );
    assert.throws(
      () => resolveBcConfig({ hidden: [] }),
      (e: unknown) => e instanceof InvalidOptionError && e.path === "hidden",
    );
    assert.throws(() => resolveBcConfig({ batchSise: 3 } as never), /unrecognized|batchSise/);
  });

  test("an empty dataset is refused", async () => {
    await assert.rejects(trainBc(cartpole.withEpisodes([])), /has no episodes/);
  });
});
