/**
 * Checkpoints and resume of the epoch-based BC trainers (`trainBcRnn`, `trainBcEncoder`,
 * `trainBcDom`): a run killed after any checkpoint (simulated by resuming a new run from the
 * snapshot `onCheckpoint` got) ends with the same weights, bit for bit, and the same history as
 * the uninterrupted run; mid-epoch checkpoints (`checkpointEvery`), random-shift augmentation,
 * validation and early stopping included. A snapshot from another dataset is refused.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EpochBcOptions, EpochBcSnapshot } from "../src/algorithms/bc-common.js";
import { type BcDomRecord, trainBcDom } from "../src/algorithms/bc-dom.js";
import { trainBcEncoder } from "../src/algorithms/bc-encoder.js";
import { trainBcRnn } from "../src/algorithms/bc-rnn.js";
import { InvalidOptionError, ShapeMismatchError } from "../src/core/errors.js";
import { webSpaces } from "../src/envs/web/observation.js";
import { maskedCartPoleExpert, pixelCartPoleExpert } from "../src/experts/index.js";
import { collect, Dataset, make } from "../src/index.js";
import { expertDataset, WEB_FAMILIES } from "./helpers/synthetic-web.js";

interface Trained<R> {
  policy: { getWeights(): Float32Array };
  history: R[];
  bestEpoch: number;
}

type Train<R> = (dataset: Dataset, config: never, options: EpochBcOptions<R>) => Promise<Trained<R>>;

/** The history without wall-clock seconds (which differ between any two runs). */
function timeless<R>(history: readonly R[]): unknown[] {
  return history.map((r) => {
    const { seconds: _, ...rest } = r as R & { seconds?: number };
    return rest;
  });
}

function bits(weights: Float32Array): Buffer {
  return Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength);
}

/**
 * Trains once without interruption, recording every checkpoint, then resumes a new run from each
 * checkpoint in `pick` and checks it ends where the uninterrupted one ended.
 */
async function checkResume<R extends { epoch: number }>(
  train: Train<R>,
  dataset: Dataset,
  config: Record<string, unknown>,
  pick: (snapshots: EpochBcSnapshot<R>[]) => EpochBcSnapshot<R>[],
): Promise<{ straight: Trained<R>; snapshots: EpochBcSnapshot<R>[] }> {
  const snapshots: EpochBcSnapshot<R>[] = [];
  const straight = await train(dataset, config as never, {
    onCheckpoint: (s) => {
      snapshots.push(structuredClone(s));
    },
  });
  const picked = pick(snapshots);
  assert.ok(picked.length > 0, "there are checkpoints to resume from");
  for (const snapshot of picked) {
    const where = `resumed at epoch ${snapshot.checkpoint.epoch}, minibatch ${snapshot.checkpoint.batch}`;
    const later: EpochBcSnapshot<R>[] = [];
    const resumed = await train(dataset, config as never, {
      resume: structuredClone(snapshot),
      onCheckpoint: (s) => {
        later.push(structuredClone(s));
      },
    });
    assert.ok(
      bits(resumed.policy.getWeights()).equals(bits(straight.policy.getWeights())),
      `${where}: weights`,
    );
    assert.deepEqual(timeless(resumed.history), timeless(straight.history), `${where}: history`);
    assert.equal(resumed.bestEpoch, straight.bestEpoch, `${where}: best epoch`);
    // The checkpoints after the resume are the uninterrupted run's.
    const after = snapshots.filter((s) => s.checkpoint.batch > snapshot.checkpoint.batch);
    assert.deepEqual(
      later.map((s) => [s.checkpoint.batch, bits(s.weights).toString("base64")]),
      after.map((s) => [s.checkpoint.batch, bits(s.weights).toString("base64")]),
      `${where}: later checkpoints`,
    );
  }
  return { straight, snapshots };
}

/** A mid-epoch checkpoint, an epoch-end one before the last, and the last. */
function spread<R>(snapshots: EpochBcSnapshot<R>[]): EpochBcSnapshot<R>[] {
  const mid = snapshots.find((s) => s.checkpoint.batchInEpoch > 0 && s.checkpoint.epoch > 0);
  const epochEnd = snapshots.find((s) => s.checkpoint.batchInEpoch === 0 && s.checkpoint.epoch === 1);
  return [mid, epochEnd, snapshots.at(-1)].filter((s): s is EpochBcSnapshot<R> => s !== undefined);
}

async function masked(episodes: number): Promise<Dataset> {
  const env = make("MaskedCartPole-v1");
  const recorded = await collect(env, maskedCartPoleExpert({ epsilon: 0.5, seed: 1 }), {
    episodes,
    seed: 0,
    deterministic: true,
  });
  return new Dataset({
    id: "test/masked-v0",
    episodes: recorded,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envSpec: env.spec,
  });
}

describe("resuming the epoch-based BC trainers", () => {
  test("BC-RNN: from a mid-epoch checkpoint, an epoch's end and the last, bit for bit", async () => {
    const dataset = await masked(4);
    const { snapshots } = await checkResume(
      trainBcRnn as Train<unknown> as never,
      dataset,
      { epochs: 3, window: 3, gruHidden: 8, hidden: [8], batchSize: 16, checkpointEvery: 5, seed: 2 },
      spread,
    );
    assert.ok(
      snapshots.some((s) => s.checkpoint.batchInEpoch > 0),
      "checkpointEvery adds mid-epoch checkpoints",
    );
    assert.equal(snapshots.filter((s) => s.checkpoint.batchInEpoch === 0).length, 3, "one per epoch's end");
  });

  test("BC with an encoder policy: random shifts and image standardization resume bit for bit", async () => {
    const env = make("PixelCartPole-v1", { width: 16, height: 8, frames: 2 });
    const episodes = await collect(env, pixelCartPoleExpert({ epsilon: 0.9, seed: 1 }), {
      episodes: 4,
      seed: 0,
      deterministic: true,
    });
    const dataset = new Dataset({
      id: "test/pixel-v0",
      episodes,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      envSpec: env.spec,
    });
    await checkResume(
      trainBcEncoder as never,
      dataset,
      {
        epochs: 3,
        batchSize: 8,
        convs: [{ channels: 2, kernel: 3, stride: 2 }],
        features: 8,
        hidden: [8],
        shift: 1,
        validationFraction: 0.25,
        checkpointEvery: 3,
        seed: 1,
      },
      spread,
    );
  });

  test("BC (DOM): early stopping and the best epoch's weights resume bit for bit", async () => {
    const spaces = webSpaces({ maxElements: 12, maxFields: 3, utteranceBytes: 128, textBytes: 32 });
    const dataset = expertDataset(spaces, WEB_FAMILIES, 2, 3);
    const config = {
      epochs: 6,
      width: 8,
      heads: 2,
      batchSize: 4,
      learningRate: 0.2,
      validationFraction: 0.34,
      patience: 1,
      checkpointEvery: 3,
      seed: 0,
    };
    // Every checkpoint: the run with a best epoch behind it, and the one after it stopped early.
    const { straight, snapshots } = await checkResume<BcDomRecord>(
      trainBcDom as Train<BcDomRecord>,
      dataset,
      config,
      (all) => all,
    );
    assert.ok(straight.history.length < config.epochs, "early stopping ended the run");
    assert.ok(
      snapshots.some((s) => s.bestWeights !== null && s.checkpoint.best.best !== null),
      "checkpoints carry the best epoch's weights",
    );
    const last = snapshots.at(-1)!;
    assert.equal(last.checkpoint.epoch, straight.history.length);

    const other = expertDataset(spaces, WEB_FAMILIES, 3, 7);
    await assert.rejects(
      trainBcDom(other, config, { resume: structuredClone(snapshots[0]!) }),
      (e: unknown) => e instanceof ShapeMismatchError && /Resume with the dataset and config/.test(e.message),
    );
    await assert.rejects(
      trainBcDom(dataset, config, {
        resume: { ...structuredClone(last), checkpoint: { ...last.checkpoint, version: 2 as 1 } },
      }),
      InvalidOptionError,
    );
  });
});
