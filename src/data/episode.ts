/**
 * @module
 * Trajectory types. An `Episode` has T + 1 observations, T actions and T rewards (as in Minari and
 * `imitation`), stored as flat row-major typed arrays: row t of `observations` is
 * `observations[t·obsDim … (t+1)·obsDim)`. A Discrete observation or action is one integer per
 * row. Episodes are only built through the `Episode` constructor, which checks the invariants and
 * names the episode and the field on a violation. `Transitions` is the flat
 * (obs, action, nextObs, done, reward) view used for training.
 *
 * Observations of a Dict or Tuple space are leaf columns (`observationLeaves`, keyed by leaf path,
 * each (T + 1) × leafDim values in the leaf's own dtype; see `layoutFor`). For such an episode
 * `observations` is the packed view (every leaf's row side by side, in leaf order), built from the
 * leaves on first use and kept.
 */
import { ShapeMismatchError } from "../core/errors.js";
import type { TypedArray } from "../core/spaces/index.js";
import { type LeafColumns, packLeaves, packRowsInto } from "./columns.js";

/** What an `Episode` is built from. */
export interface EpisodeInit {
  /** The episode's index in its dataset (Minari's `episode_<id>`). */
  id: number;
  /**
   * (T + 1) × obsDim values, row-major; or, for a Dict or Tuple observation space, the leaf
   * columns keyed by leaf path (each (T + 1) × leafDim values), in the layout's leaf order. A
   * single column at path `""` (what `layoutFor(plainSpace).create` makes) is plain observations.
   */
  observations: TypedArray | LeafColumns;
  /** T × actDim values, row-major. */
  actions: TypedArray;
  /** T rewards. */
  rewards: Float64Array | readonly number[];
  /** The episode ended in a terminal state of the MDP. */
  terminated: boolean;
  /** The episode was cut short by a time limit. */
  truncated: boolean;
  /** Values per observation row (default: inferred from the lengths; for leaf columns, their sum). */
  obsDim?: number;
  /** Values per action row (default: inferred from the lengths). */
  actDim?: number;
  /** The seed the episode's reset used, when known. */
  seed?: number;
  /** Per-step info columns (each with T + 1 rows: one per observation), as Minari stores infos. */
  infos?: Readonly<Record<string, TypedArray>>;
}

export class Episode {
  readonly id: number;
  /** (T + 1) × obsDim values, row-major; for leaf columns, the packed rows (built on first use). */
  declare readonly observations: TypedArray;
  /** The leaf columns of a Dict or Tuple observation, or null for a plain one. */
  readonly observationLeaves: LeafColumns | null;
  readonly actions: TypedArray;
  readonly rewards: Float64Array;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly obsDim: number;
  readonly actDim: number;
  readonly seed: number | undefined;
  readonly infos: Readonly<Record<string, TypedArray>>;

  constructor(init: EpisodeInit) {
    const where = `episode ${init.id}`;
    if (!Number.isInteger(init.id) || init.id < 0)
      throw new ShapeMismatchError(`${where}: id must be a non-negative integer.`);
    const rewards = init.rewards instanceof Float64Array ? init.rewards : Float64Array.from(init.rewards);
    const steps = rewards.length;
    if (steps < 1)
      throw new ShapeMismatchError(`${where}: rewards is empty; an episode needs at least one action.`);
    const actDim = init.actDim ?? init.actions.length / steps;
    if (!Number.isInteger(actDim) || actDim < 1 || init.actions.length !== steps * actDim) {
      throw new ShapeMismatchError(
        `${where}: actions has ${init.actions.length} values, which is not ${steps} rows (one per reward)${init.actDim ? ` of ${init.actDim}` : ""}.`,
      );
    }
    // A plain space's layout gives one leaf column at path "": that is plain observations.
    const given = init.observations;
    const single = ArrayBuffer.isView(given) ? null : Object.keys(given);
    const plain = ArrayBuffer.isView(given)
      ? given
      : single!.length === 1 && single![0] === ""
        ? (given as LeafColumns)[""]!
        : null;
    const leaves = plain === null ? (given as LeafColumns) : null;
    let obsDim: number;
    if (leaves === null) {
      const observations = plain!;
      obsDim = init.obsDim ?? observations.length / (steps + 1);
      if (!Number.isInteger(obsDim) || obsDim < 1 || observations.length !== (steps + 1) * obsDim) {
        const rows = init.obsDim ? observations.length / init.obsDim : undefined;
        throw new ShapeMismatchError(
          `${where}: observations has ${rows !== undefined && Number.isInteger(rows) ? `${rows} rows` : `${observations.length} values`} ` +
            `but ${steps} actions need ${steps + 1} (T + 1) rows${init.obsDim ? ` of ${init.obsDim}` : ""}.`,
        );
      }
    } else {
      const paths = Object.keys(leaves);
      if (paths.length === 0) throw new ShapeMismatchError(`${where}: observations has no leaf columns.`);
      obsDim = 0;
      for (const path of paths) {
        const column = leaves[path]!;
        if (!ArrayBuffer.isView(column)) {
          throw new ShapeMismatchError(`${where}: observations.${path} is not a typed array.`);
        }
        const dim = column.length / (steps + 1);
        if (!Number.isInteger(dim) || dim < 1) {
          throw new ShapeMismatchError(
            `${where}: observations.${path} has ${column.length} values, which is not ${steps + 1} (T + 1) rows for ${steps} actions.`,
          );
        }
        obsDim += dim;
      }
      if (init.obsDim !== undefined && init.obsDim !== obsDim) {
        throw new ShapeMismatchError(
          `${where}: the observation leaves hold ${obsDim} values per row, not ${init.obsDim}.`,
        );
      }
    }
    if (typeof init.terminated !== "boolean" || typeof init.truncated !== "boolean") {
      throw new ShapeMismatchError(`${where}: terminated and truncated must be booleans.`);
    }
    for (const [key, column] of Object.entries(init.infos ?? {})) {
      if (column.length % (steps + 1) !== 0) {
        throw new ShapeMismatchError(
          `${where}: infos.${key} has ${column.length} values, not a multiple of ${steps + 1} rows (T + 1).`,
        );
      }
    }
    this.id = init.id;
    this.observationLeaves = leaves;
    if (leaves === null) this.observations = plain!;
    else {
      let packed: TypedArray | undefined;
      Object.defineProperty(this, "observations", {
        enumerable: true,
        get: () => {
          packed ??= packLeaves(leaves, steps + 1);
          return packed;
        },
      });
    }
    this.actions = init.actions;
    this.rewards = rewards;
    this.terminated = init.terminated;
    this.truncated = init.truncated;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.seed = init.seed;
    this.infos = init.infos ?? {};
  }

  /** T, the number of actions. */
  get length(): number {
    return this.rewards.length;
  }

  /** The undiscounted return. */
  get return(): number {
    let sum = 0;
    for (let t = 0; t < this.rewards.length; t++) sum += this.rewards[t]!;
    return sum;
  }

  /** Observation row t (0 ≤ t ≤ T), a view into the episode's array. */
  observation(t: number): TypedArray {
    return this.observations.subarray(t * this.obsDim, (t + 1) * this.obsDim);
  }

  /** Action row t (0 ≤ t < T), a view into the episode's array. */
  action(t: number): TypedArray {
    return this.actions.subarray(t * this.actDim, (t + 1) * this.actDim);
  }

  /** A copy with another id (for merging datasets). */
  withId(id: number): Episode {
    return new Episode({
      id,
      observations: this.observationLeaves ?? this.observations,
      actions: this.actions,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      obsDim: this.obsDim,
      actDim: this.actDim,
      seed: this.seed,
      infos: this.infos,
    });
  }

  /** The observations as leaf columns: `observationLeaves`, or `{ "": observations }` for a plain space (what `Layout.read` takes). */
  observationColumns(): LeafColumns {
    return this.observationLeaves ?? { "": this.observations };
  }

  /** A copy of observation rows [from, to) in the episode's own form (leaf columns stay leaf columns). */
  sliceObservations(from: number, to: number): TypedArray | LeafColumns {
    if (this.observationLeaves === null) return this.observations.slice(from * this.obsDim, to * this.obsDim);
    const rows = this.length + 1;
    return Object.fromEntries(
      Object.entries(this.observationLeaves).map(([path, column]) => {
        const dim = column.length / rows;
        return [path, column.slice(from * dim, to * dim)];
      }),
    );
  }
}

/**
 * The flat view of many episodes, one row per transition, as `imitation`'s `Transitions`. For a
 * Dict or Tuple observation space, `obs` and `nextObs` hold packed rows: leaf `l` of
 * `layoutFor(space).leaves` is at `[l.offset, l.offset + l.column.dim)` of each row, row-major in
 * its Box shape (an `(H, W, C)` image is H·W·C values, channels last, as Gymnasium stores it).
 */
export interface Transitions {
  /** N × obsDim. */
  obs: Float32Array;
  /** N × actDim. */
  acts: Float32Array;
  /** N × obsDim: the observation after each action. */
  nextObs: Float32Array;
  /** 1 where the transition ended its episode in a terminal state (truncation is not done). */
  dones: Uint8Array;
  rewards: Float64Array;
  obsDim: number;
  actDim: number;
  /** Number of transitions. */
  length: number;
  /**
   * Each source episode's length, in order, where known (`toTransitions` sets it): `dones` marks
   * only terminal steps, so a truncated episode's end shows here and nowhere else.
   */
  episodeLengths?: readonly number[];
}

/** Flattens episodes into transitions (all episodes must share obsDim and actDim). */
export function toTransitions(episodes: readonly Episode[]): Transitions {
  if (episodes.length === 0) throw new ShapeMismatchError("toTransitions: no episodes.");
  const { obsDim, actDim } = episodes[0]!;
  let n = 0;
  for (const e of episodes) {
    if (e.obsDim !== obsDim || e.actDim !== actDim) {
      throw new ShapeMismatchError(
        `toTransitions: episode ${e.id} has obsDim ${e.obsDim} and actDim ${e.actDim}; expected ${obsDim} and ${actDim}.`,
      );
    }
    n += e.length;
  }
  const out: Transitions = {
    obs: new Float32Array(n * obsDim),
    acts: new Float32Array(n * actDim),
    nextObs: new Float32Array(n * obsDim),
    dones: new Uint8Array(n),
    rewards: new Float64Array(n),
    obsDim,
    actDim,
    length: n,
    episodeLengths: episodes.map((e) => e.length),
  };
  let row = 0;
  for (const e of episodes) {
    const T = e.length;
    if (e.observationLeaves === null) {
      out.obs.set(e.observations.subarray(0, T * obsDim), row * obsDim);
      out.nextObs.set(e.observations.subarray(obsDim), row * obsDim);
    } else {
      // Packed straight from the leaves, so an image episode does not keep a float copy of itself.
      packRowsInto(e.observationLeaves, T + 1, 0, T, out.obs, row);
      packRowsInto(e.observationLeaves, T + 1, 1, T + 1, out.nextObs, row);
    }
    out.acts.set(e.actions, row * actDim);
    out.rewards.set(e.rewards, row);
    if (e.terminated) out.dones[row + T - 1] = 1;
    row += T;
  }
  return out;
}
