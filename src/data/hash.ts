/**
 * @module
 * A content hash of a dataset: SHA-256 over its spaces and every episode's id, flags and raw
 * column bytes. Two datasets with the same episodes hash the same whatever file they came from
 * (HDF5 or JSONL), so a training run can record exactly what it was trained on.
 */
import { createHash } from "node:crypto";
import type { Dataset } from "./dataset.js";

/** `sha256:<hex>` of the dataset's content (not its id or free-form metadata). */
export function contentHash(dataset: Dataset): string {
  const hash = createHash("sha256");
  hash.update(
    JSON.stringify({
      observationSpace: String(dataset.observationSpace),
      actionSpace: String(dataset.actionSpace),
    }),
  );
  const header = new Float64Array(4);
  for (const e of dataset.episodes) {
    header[0] = e.id;
    header[1] = e.length;
    header[2] = e.terminated ? 1 : 0;
    header[3] = e.truncated ? 1 : 0;
    hash.update(new Uint8Array(header.buffer));
    // A Dict or Tuple episode hashes its leaf columns (path, then bytes) instead of the packed view.
    const observations =
      e.observationLeaves === null
        ? [e.observations]
        : Object.entries(e.observationLeaves).flatMap(([path, column]) => [
            new TextEncoder().encode(path),
            column,
          ]);
    for (const column of [...observations, e.actions, e.rewards]) {
      hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    }
  }
  return `sha256:${hash.digest("hex")}`;
}
