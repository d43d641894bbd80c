/**
 * @module
 * Episodes as JSON for a job's result: each typed array as its element type and the base64 of
 * its bytes, so an episode crosses Redis bit for bit (float32 observations, float64 rewards) and
 * comes back with the same element types.
 */

import type { DaggerTrajectory } from "../algorithms/dagger.js";
import { ShapeMismatchError } from "../core/errors.js";
import type { SpaceValue, TypedArray } from "../core/spaces/index.js";
import { Episode } from "../data/episode.js";

const ARRAYS = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
} as const;
type ArrayName = keyof typeof ARRAYS;

/** A typed array as JSON. */
export interface WireArray {
  type: ArrayName;
  base64: string;
}

/** An episode as JSON. */
export interface WireEpisode {
  seed: number | null;
  observations: WireArray;
  actions: WireArray;
  rewards: WireArray;
  terminated: boolean;
  truncated: boolean;
  obsDim: number;
  actDim: number;
  infos: Record<string, WireArray>;
}

function encodeArray(array: TypedArray): WireArray {
  const type = array.constructor.name as ArrayName;
  if (!(type in ARRAYS)) throw new ShapeMismatchError(`wire: cannot send a ${type}.`);
  return { type, base64: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64") };
}

function decodeArray(wire: WireArray, field: string): TypedArray {
  const View = ARRAYS[wire.type];
  if (View === undefined) throw new ShapeMismatchError(`wire: ${field} has unknown type ${wire.type}.`);
  const bytes = Buffer.from(wire.base64, "base64");
  if (bytes.byteLength % View.BYTES_PER_ELEMENT !== 0)
    throw new ShapeMismatchError(
      `wire: ${field} has ${bytes.byteLength} bytes, not whole ${wire.type} elements.`,
    );
  // Copy into a fresh, aligned buffer: Buffer's pool offset need not be aligned for the type.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new View(copy.buffer);
}

export function encodeEpisode(episode: Episode): WireEpisode {
  return {
    seed: episode.seed ?? null,
    observations: encodeArray(episode.observations),
    actions: encodeArray(episode.actions),
    rewards: encodeArray(episode.rewards),
    terminated: episode.terminated,
    truncated: episode.truncated,
    obsDim: episode.obsDim,
    actDim: episode.actDim,
    infos: Object.fromEntries(Object.entries(episode.infos).map(([k, v]) => [k, encodeArray(v)])),
  };
}

/** Rebuilds an episode (through its constructor, so the invariants are checked again) with id `id`. */
export function decodeEpisode(wire: WireEpisode, id: number): Episode {
  return new Episode({
    id,
    seed: wire.seed ?? undefined,
    observations: decodeArray(wire.observations, "observations"),
    actions: decodeArray(wire.actions, "actions"),
    rewards: decodeArray(wire.rewards, "rewards") as Float64Array,
    terminated: wire.terminated,
    truncated: wire.truncated,
    obsDim: wire.obsDim,
    actDim: wire.actDim,
    infos: Object.fromEntries(Object.entries(wire.infos).map(([k, v]) => [k, decodeArray(v, `infos.${k}`)])),
  });
}

/** A space value as JSON: a number, or a typed array by type and bytes. */
export type WireValue = number | WireArray;

function encodeValue(value: SpaceValue): WireValue {
  if (typeof value === "number") return value;
  if (ArrayBuffer.isView(value)) return encodeArray(value as TypedArray);
  throw new ShapeMismatchError("wire: only numbers and typed arrays cross as DAgger states and labels.");
}

function decodeValue(wire: WireValue, field: string): SpaceValue {
  return typeof wire === "number" ? wire : decodeArray(wire, field);
}

/** A DAgger rollout episode as JSON (`null` for a state whose label the expert has not given). */
export interface WireTrajectory {
  observations: WireValue[];
  known: (WireValue | null)[];
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
}

export function encodeTrajectory(t: DaggerTrajectory): WireTrajectory {
  return {
    observations: t.observations.map(encodeValue),
    known: t.known.map((k) => (k === undefined ? null : encodeValue(k))),
    rewards: t.rewards, // JSON numbers are float64's shortest round trip: exact
    terminated: t.terminated,
    truncated: t.truncated,
  };
}

export function decodeTrajectory(w: WireTrajectory): DaggerTrajectory {
  return {
    observations: w.observations.map((o) => decodeValue(o, "observations")),
    known: w.known.map((k) => (k === null ? undefined : decodeValue(k, "known"))),
    rewards: w.rewards,
    terminated: w.terminated,
    truncated: w.truncated,
  };
}
