/**
 * @module
 * The units of work a worker runs: a range of collection episodes, a range of evaluation
 * episodes, one grid point of `mimic tune`. A unit names everything it needs (env id and
 * options, a policy or dataset by path), so any worker can run it, and running it twice gives the
 * same answer. This module is their schema and types only (no tensor engine), so a coordinator
 * loads quickly; `run-unit.ts` runs them.
 */
import { z } from "zod";
import type { EvalEpisode } from "../eval/evaluate.js";
import type { WireEpisode, WireTrajectory } from "./wire.js";

const envOptionsSchema = z.record(z.string(), z.unknown()).default({});

export const unitSchema = z.discriminatedUnion("kind", [
  z
    .object({
      /** Scripted-expert episodes `seed … seed + episodes − 1`, each reset with its own seed. */
      kind: z.literal("collect"),
      envId: z.string(),
      envOptions: envOptionsSchema,
      seed: z.number().int().min(0),
      episodes: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      /** Evaluation episodes `seed … seed + episodes − 1` of a saved policy (a path every worker can read). */
      kind: z.literal("evaluate"),
      policy: z.string(),
      seed: z.number().int().min(0),
      episodes: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      /**
       * DAgger mixture-rollout episodes (`betaStream: "episode"`) with the scripted expert and
       * the learner in its compiled JSON form (null before the first learner).
       */
      kind: z.literal("dagger-episodes"),
      envId: z.string(),
      envOptions: envOptionsSchema,
      learner: z.unknown().nullable(),
      requests: z
        .array(
          z
            .object({
              round: z.number().int().min(0),
              episode: z.number().int().min(0),
              seed: z.number().int().min(0),
              beta: z.number().min(0).max(1),
              streamSeed: z.string().regex(/^\d+$/),
              maxSteps: z.number().int().positive(),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
  z
    .object({
      /** One grid point: k-fold cross-validation of a BC config on a dataset (a path). */
      kind: z.literal("tune-cell"),
      dataset: z.string(),
      index: z.number().int().min(0),
      config: z.record(z.string(), z.unknown()),
      folds: z.number().int().min(2),
      seed: z.number().int().min(0),
    })
    .strict(),
]);

export type Unit = z.input<typeof unitSchema>;
export type CollectUnit = Extract<Unit, { kind: "collect" }>;
export type EvaluateUnit = Extract<Unit, { kind: "evaluate" }>;
export type TuneCellUnit = Extract<Unit, { kind: "tune-cell" }>;
export type DaggerEpisodesUnit = Extract<Unit, { kind: "dagger-episodes" }>;

/** What each kind of unit returns. */
export interface UnitResults {
  collect: { episodes: WireEpisode[] };
  evaluate: { episodes: EvalEpisode[] };
  "tune-cell": { index: number; foldLosses: number[] };
  "dagger-episodes": { trajectories: WireTrajectory[] };
}
export type UnitResult = UnitResults[keyof UnitResults];

/** The episodes (or, for a grid point, folds) a unit stands for: its share of the progress. */
export function unitSize(unit: Unit): number {
  if (unit.kind === "tune-cell") return 1;
  if (unit.kind === "dagger-episodes") return unit.requests.length;
  return unit.episodes;
}
