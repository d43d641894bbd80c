/**
 * @module
 * A trainer's checkpoint inside a run's `checkpoints/` (see `checkpoints.ts`): one layout for
 * every supervised trainer (`mimic train bc`, `bc-rnn`, `bc-cnn`, `bc-dom`).
 *
 * ```text
 * checkpoint.json → json: { "<algorithm>": <the trainer's state>, "weightLengths": [...], "hasBest": bool }
 * files/weights.bin   the weight arrays, float32 little-endian, one after another
 * files/best.bin      the best epoch's weights, the same way (when hasBest)
 * files/<name>.bin    any other array the trainer keeps (the shuffle order: order.bin, int32)
 * ```
 *
 * Plain BC's checkpoints (`{"bc": BcCheckpoint, …}`, several weight arrays) are this layout with
 * no other files; a composed policy's flat parameters are one weight array.
 */
import { RunDirectoryError } from "../core/errors.js";
import type { Checkpoint } from "./checkpoints.js";
import type { RunDirectory } from "./run-directory.js";

/** The JSON part of a trainer's checkpoint, keyed by the algorithm's name. */
export type SavedTraining<S> = { weightLengths: number[]; hasBest: boolean } & Record<string, S | unknown>;

/** What a trainer saves: its state, its weights (and the best so far), and other arrays. */
export interface TrainingSnapshot<S> {
  state: S;
  weights: readonly Float32Array[];
  bestWeights: readonly Float32Array[] | null;
  /** More arrays by file name (letters, digits, ".", "_", "-"), such as `{ "order.bin": order }`. */
  arrays?: Readonly<Record<string, Float32Array | Int32Array>>;
}

/** The arrays one after another, as little-endian bytes. */
export function weightsToBytes(weights: readonly Float32Array[]): Uint8Array {
  const total = weights.reduce((n, w) => n + w.length, 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    flat.set(w, offset);
    offset += w.length;
  }
  return new Uint8Array(flat.buffer);
}

/** `weightsToBytes` read back into arrays of `lengths`. */
export function bytesToWeights(bytes: Uint8Array, lengths: readonly number[]): Float32Array[] {
  const copy = bytes.slice(); // aligned copy
  const flat = new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  const out: Float32Array[] = [];
  let offset = 0;
  for (const n of lengths) {
    out.push(flat.slice(offset, offset + n));
    offset += n;
  }
  return out;
}

/** Saves `snapshot` as the checkpoint `name` of `run`, its state under `algorithm`. */
export async function saveTrainingCheckpoint<S>(
  run: RunDirectory,
  algorithm: string,
  name: string,
  snapshot: TrainingSnapshot<S>,
): Promise<void> {
  const files: Record<string, Uint8Array> = { "weights.bin": weightsToBytes(snapshot.weights) };
  if (snapshot.bestWeights) files["best.bin"] = weightsToBytes(snapshot.bestWeights);
  for (const [file, array] of Object.entries(snapshot.arrays ?? {})) {
    files[file] = new Uint8Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));
  }
  const json = {
    [algorithm]: snapshot.state,
    weightLengths: snapshot.weights.map((w) => w.length),
    hasBest: snapshot.bestWeights !== null,
  };
  await run.saveCheckpoint(name, { json, files });
}

/** The name of the checkpoint after `batch` minibatches: `batch-00000200`. */
export function checkpointName(batch: number): string {
  return `batch-${String(batch).padStart(8, "0")}`;
}

/**
 * Reads a checkpoint written by `saveTrainingCheckpoint` for `algorithm`: its state, weights,
 * best weights and the raw bytes of its other files. Throws a RunDirectoryError naming what is
 * missing when the checkpoint is not one of `algorithm`.
 */
export function readTrainingCheckpoint<S>(
  checkpoint: Checkpoint<SavedTraining<S>>,
  algorithm: string,
  dir: string,
): {
  state: S;
  weights: Float32Array[];
  bestWeights: Float32Array[] | null;
  files: Record<string, Uint8Array>;
} {
  const json = checkpoint.json;
  const weights = checkpoint.files["weights.bin"];
  const best = checkpoint.files["best.bin"];
  if (
    json?.[algorithm] === undefined ||
    !Array.isArray(json.weightLengths) ||
    weights === undefined ||
    (json.hasBest && best === undefined)
  ) {
    throw new RunDirectoryError(
      dir,
      `${dir}: checkpoint ${checkpoint.name} is not a ${algorithm} checkpoint (no "${algorithm}" state, or its weights are missing). Start the run again without --resume (add --overwrite).`,
    );
  }
  return {
    state: json[algorithm] as S,
    weights: bytesToWeights(weights, json.weightLengths),
    bestWeights: json.hasBest ? bytesToWeights(best!, json.weightLengths) : null,
    files: checkpoint.files,
  };
}

/** A checkpoint's `name` file (such as `order.bin`) as int32 values. */
export function int32File(
  files: Readonly<Record<string, Uint8Array>>,
  name: string,
  dir: string,
): Int32Array {
  const bytes = files[name];
  if (bytes === undefined || bytes.byteLength % 4 !== 0) {
    throw new RunDirectoryError(
      dir,
      `${dir}: the checkpoint's ${name} is missing or damaged; resume from an older checkpoint or start again.`,
    );
  }
  const copy = bytes.slice();
  return new Int32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
}
