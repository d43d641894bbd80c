/**
 * @module
 * A `Dataset` is a list of episodes with the spaces they live in and Minari-style metadata. Its
 * operations return new datasets and never change the one they are called on.
 */
import type { EnvSpec } from "../core/env.js";
import { ShapeMismatchError } from "../core/errors.js";
import type { Space } from "../core/spaces.js";
import { columnFor } from "./columns.js";
import type { Episode } from "./episode.js";

export interface DatasetInit {
  /** Minari's dataset id, `[namespace/]name-vN`, e.g. `cartpole/expert-v0`. */
  id: string;
  episodes: readonly Episode[];
  observationSpace: Space;
  actionSpace: Space;
  /** The env the episodes came from, when known. */
  envSpec?: EnvSpec | null;
  /** Other metadata (Minari's keys, snake_case, as read from or written to metadata.json). */
  metadata?: Readonly<Record<string, unknown>>;
}

export class Dataset {
  readonly id: string;
  readonly episodes: readonly Episode[];
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly envSpec: EnvSpec | null;
  readonly metadata: Readonly<Record<string, unknown>>;

  constructor(init: DatasetInit) {
    this.id = init.id;
    this.episodes = init.episodes;
    this.observationSpace = init.observationSpace;
    this.actionSpace = init.actionSpace;
    this.envSpec = init.envSpec ?? null;
    this.metadata = init.metadata ?? {};
    const obsDim = columnFor(init.observationSpace, "observation").dim;
    const actDim = columnFor(init.actionSpace, "action").dim;
    for (const e of init.episodes) {
      if (e.obsDim !== obsDim) {
        throw new ShapeMismatchError(
          `dataset ${init.id}: episode ${e.id} has ${e.obsDim} values per observation, but ${init.observationSpace} needs ${obsDim}.`,
        );
      }
      if (e.actDim !== actDim) {
        throw new ShapeMismatchError(
          `dataset ${init.id}: episode ${e.id} has ${e.actDim} values per action, but ${init.actionSpace} needs ${actDim}.`,
        );
      }
    }
  }

  /** Total steps (actions) over all episodes. */
  get totalSteps(): number {
    return this.episodes.reduce((sum, e) => sum + e.length, 0);
  }

  /** A dataset like this one with other episodes (and optionally another id). */
  withEpisodes(episodes: readonly Episode[], id = this.id): Dataset {
    return new Dataset({ ...this, id, episodes });
  }
}
