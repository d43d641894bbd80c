/**
 * @module
 * metadata.json: the file names, the Minari version written, which keys Minari writes and which a
 * Dataset keeps, and the schema metadata is read with.
 */
import { z } from "zod";

/** The Minari release whose layout these files follow. Minari refuses datasets from versions it does not list. */
export const MINARI_VERSION = "0.5.3";

export const MAIN_FILE = "main_data.hdf5";
export const METADATA_FILE = "metadata.json";

/** Every key Minari itself writes to metadata.json. Other keys get a warning on read. */
export const MINARI_KEYS = new Set([
  "dataset_id",
  "total_episodes",
  "total_steps",
  "data_format",
  "jpeg_encoding",
  "observation_space",
  "action_space",
  "env_spec",
  "eval_env_spec",
  "code_permalink",
  "author",
  "author_email",
  "algorithm_name",
  "description",
  "minari_version",
  "ref_min_score",
  "ref_max_score",
  "num_episodes_average_score",
  "requirements",
  "combined_datasets",
  "dataset_size",
]);

/** Keys a Dataset holds elsewhere, or that are recomputed on write: not kept in `dataset.metadata`. */
export const DERIVED_KEYS = new Set([
  "dataset_id",
  "total_episodes",
  "total_steps",
  "data_format",
  "jpeg_encoding",
  "observation_space",
  "action_space",
  "env_spec",
  "dataset_size",
]);

/** Keys writeMinari places itself, in Minari's order; other metadata goes between them. */
export const PLACED_KEYS = new Set([
  "code_permalink",
  "author",
  "author_email",
  "algorithm_name",
  "description",
  "minari_version",
  "requirements",
]);

/** Metadata keys Minari writes as Python floats. */
export const FLOAT_KEYS = new Set(["ref_min_score", "ref_max_score", "dataset_size"]);

const stringOrList = z.union([z.string(), z.array(z.string())]);
export const metadataSchema = z.looseObject({
  dataset_id: z.string(),
  observation_space: z.string(),
  action_space: z.string(),
  data_format: z.string().optional(),
  total_episodes: z.number().int().nonnegative().optional(),
  total_steps: z.number().int().nonnegative().optional(),
  env_spec: z.string().nullable().optional(),
  eval_env_spec: z.string().nullable().optional(),
  jpeg_encoding: z.boolean().optional(),
  minari_version: z.string().optional(),
  author: stringOrList.nullable().optional(),
  author_email: stringOrList.nullable().optional(),
  algorithm_name: z.string().nullable().optional(),
  code_permalink: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  requirements: z.array(z.string()).optional(),
});

export function asList(value: unknown): unknown {
  return typeof value === "string" ? [value] : value;
}
