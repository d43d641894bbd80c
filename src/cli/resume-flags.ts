/**
 * @module
 * `--resume` continues a run with the settings its manifest recorded (dataset, config, evaluation):
 * that is what makes a resumed run end where an uninterrupted one ends. A training flag given with
 * `--resume` that asks for another value is refused here, with the flag and both values, instead
 * of being silently ignored. Every `train … --resume` shares it: `bc`, `bc-rnn`, `bc-cnn`, `bc-dom`,
 * `dagger`, `dagger-dom`, `ppo`, `gail` and `airl`.
 */
import { resolve } from "node:path";
import { RunDirectory } from "../runs/run-directory.js";
import { PPO_NUMBER_FLAGS, UsageError } from "./args.js";

/** A flag given with `--resume`, and where the run's manifest keeps the value it started with. */
export interface ResumedFlag {
  /** The flag's name without dashes, e.g. `lr`. */
  flag: string;
  /** Where its value sits in the manifest's `config`, e.g. `["bc", "learningRate"]`. */
  path: readonly string[];
  /** The value the flag asks for, as the command parsed it (the manifest holds the same form). */
  value: unknown;
  /** How to compare; default: the same JSON value (numbers by value, arrays and objects deeply). */
  same?: (given: unknown, saved: unknown) => boolean;
}

/** Config keys whose flag is not their kebab-case name. */
const FLAG_OF: Record<string, string> = {
  learningRate: "lr",
  validationFraction: "validation",
  standardizeImages: "no-standardize",
};

/** `train ppo`'s and the adversarial generators' flags, by their `PpoConfig` key. */
export const PPO_FLAG_OF: Readonly<Record<string, string>> = {
  ...Object.fromEntries(PPO_NUMBER_FLAGS.map(([flag, key]) => [key, flag])),
  totalTimesteps: "timesteps",
  normalizeObservations: "normalize-obs",
  normalizeRewards: "normalize-reward",
  activation: "activation",
};

/** GAIL's and AIRL's discriminator flags, by their config key. */
export const DISCRIMINATOR_FLAG_OF: Readonly<Record<string, string>> = {
  learningRate: "disc-lr",
  batchSize: "disc-batch-size",
  updatesPerRound: "disc-updates",
  replaySize: "disc-replay-size",
  activation: "disc-activation",
  hidden: "disc-hidden",
  inputNorm: "disc-input-norm",
  gradientPenalty: "disc-grad-penalty",
  stateOnlyReward: "state-only-reward",
};

/**
 * The flags behind a config built from flags (every key of `config` came from one), with their
 * place under `at` in the manifest's config.
 */
export function flagsOfConfig(
  config: Record<string, unknown>,
  at: readonly string[],
  flagOf: Readonly<Record<string, string>> = FLAG_OF,
): ResumedFlag[] {
  return Object.entries(config).map(([key, value]) => ({
    flag: flagOf[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    path: [...at, key],
    value,
  }));
}

/**
 * The flags among `entries` that were given (their value is not undefined), each as
 * `[flag, path in the manifest's config, value, comparison?]`.
 */
export function givenFlags(
  entries: readonly (readonly [
    flag: string,
    path: readonly string[],
    value: unknown,
    same?: ResumedFlag["same"],
  ])[],
): ResumedFlag[] {
  return entries
    .filter(([, , value]) => value !== undefined)
    .map(([flag, path, value, same]) => ({ flag, path, value, ...(same ? { same } : {}) }));
}

/** Whether two dataset arguments (one path, or several comma-separated) name the same files. */
export function sameDatasets(given: unknown, saved: unknown): boolean {
  const paths = (v: unknown) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => resolve(p))
          .join(",")
      : v;
  return paths(given) === paths(saved);
}

function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const show = (value: unknown) =>
  value === undefined || value === null
    ? "none (not set)"
    : typeof value === "string"
      ? value
      : canonical(value);

/**
 * Refuses `--resume` with a flag whose value differs from the one the run in `out` started with:
 * a UsageError (exit code 2) naming the flag, both values, and what to do instead. A run that is
 * missing, unreadable or of another algorithm is left to the resume itself, which explains that.
 */
export async function refuseChangedFlags(
  command: string,
  out: string,
  algorithm: string,
  flags: readonly ResumedFlag[],
): Promise<void> {
  if (flags.length === 0) return;
  let config: Record<string, unknown>;
  try {
    const manifest = await RunDirectory.readManifest(out);
    config = (manifest.config ?? {}) as Record<string, unknown>;
  } catch {
    return;
  }
  if (config.algorithm !== algorithm) return;
  for (const { flag, path, value, same } of flags) {
    let saved: unknown = config;
    for (const key of path) {
      saved =
        saved !== null && typeof saved === "object" ? (saved as Record<string, unknown>)[key] : undefined;
    }
    const equal = same ? same(value, saved) : canonical(value) === canonical(saved);
    if (!equal) {
      throw new UsageError(
        command,
        `--${flag} asks for ${path.at(-1)} ${show(value)}, but the run in ${out} started with ${show(saved)} (manifest.json, config.${path.join(".")}). --resume continues a run with the settings it started with: drop --${flag} to resume, or start a new run (another --out, or --overwrite to replace this one).`,
      );
    }
  }
}
