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
import type { WireEpisode } from "./wire.js";

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

/** What each kind of unit returns. */
export interface UnitResults {
  collect: { episodes: WireEpisode[] };
  evaluate: { episodes: EvalEpisode[] };
  "tune-cell": { index: number; foldLosses: number[] };
}
export type UnitResult = UnitResults[keyof UnitResults];

/** The episodes (or, for a grid point, folds) a unit stands for: its share of the progress. */
export function unitSize(unit: Unit): number {
  return unit.kind === "tune-cell" ? 1 : unit.episodes;
}
