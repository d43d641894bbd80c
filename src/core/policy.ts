/**
 * @module
 * A policy is anything that acts: a scripted controller, a planner, a trained network, a teacher
 * model or a person. A `NeuralPolicy` (later) is one that also trains.
 */
import type { Rng } from "./rng.js";

export interface ActOptions {
  /** Take the most likely action instead of sampling (default false). */
  deterministic?: boolean;
  /** The generator a stochastic policy samples with; the caller owns the stream. */
  rng?: Rng;
}

export interface Policy<O = unknown, A = unknown> {
  /** The action for `observation`. */
  act(observation: O, options?: ActOptions): A;
  /** Called at the start of each episode, for policies that keep state across steps. */
  reset?(): void;
  /** A short name for reports and dataset metadata, such as `"cartpole-pd"`. */
  readonly name?: string;
}

/** A policy whose `act` must await (a remote model, a person). `collect` accepts both. */
export interface AsyncPolicy<O = unknown, A = unknown> {
  act(observation: O, options?: ActOptions): Promise<A>;
  reset?(): void | Promise<void>;
  readonly name?: string;
}
