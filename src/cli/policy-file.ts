/**
 * @module
 * A `policy.json` of the single-file formats (`mimic-recurrent-policy`, `mimic-encoder-policy`),
 * found by `mimic eval` and `mimic export`: the file itself or a directory holding one, recognized
 * by its `format` field; a run directory of `mimic train bc-rnn|bc-cnn|bc-dom` means its
 * `policy/policy.json`. NeuralPolicy directories are not these.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Policy } from "../core/policy.js";

export const SINGLE_FILE_FORMATS = ["mimic-recurrent-policy", "mimic-encoder-policy"] as const;

export interface SingleFilePolicy {
  policy: Policy<never, number> & { envId: string; exportOnnx(path: string): Promise<void> };
  format: (typeof SINGLE_FILE_FORMATS)[number];
  /** The env's options from `env.json` next to the file (written by `mimic train bc-rnn|bc-cnn`). */
  envOptions: Record<string, unknown>;
}

/**
 * The `policy.json` that `path` names: the file itself, `path/policy/policy.json` for a run
 * directory, or `path/policy.json`; null when there is nothing at `path`.
 */
export async function policyFileOf(path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (info === null) return null;
  if (!info.isDirectory()) return path;
  const inRun = join(path, "policy", "policy.json");
  return (await stat(inRun).catch(() => null))?.isFile() ? inRun : join(path, "policy.json");
}

/** Loads the policy at `path` if it is one of the single-file formats, otherwise null. */
export async function loadSingleFilePolicy(path: string): Promise<SingleFilePolicy | null> {
  const file = await policyFileOf(path);
  if (file === null) return null;
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null) return null;
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    return null;
  }
  const env = await readFile(join(dirname(file), "env.json"), "utf8")
    .then((t) => JSON.parse(t) as { envOptions?: Record<string, unknown> })
    .catch(() => null);
  const envOptions = env?.envOptions ?? {};
  if (format === "mimic-recurrent-policy") {
    const { RecurrentPolicy } = await import("../nn/recurrent-policy.js");
    return { policy: (await RecurrentPolicy.load(file)) as never, format, envOptions };
  }
  if (format === "mimic-encoder-policy") {
    const { EncoderPolicy } = await import("../nn/encoder-policy.js");
    return { policy: (await EncoderPolicy.load(file)) as never, format, envOptions };
  }
  return null;
}
