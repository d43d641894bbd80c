/**
 * @module
 * Shared plumbing for CLI commands: parsing flags strictly and turning mistakes into a `UsageError`
 * (exit code 2) whose message says how to fix the call.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { z } from "zod";
import { PPO_PRESETS, type PpoConfig } from "../algorithms/ppo/config.js";
import { formatPath } from "../core/errors.js";
import { closest, make } from "../core/registry.js";
import type { Activation } from "../nn/activation.js";

/** A wrong command, flag or flag value. The CLI prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  readonly command: string;

  constructor(command: string, message: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

/** Flag values by name, as `util.parseArgs` returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Parses `argv` strictly; an unknown flag suggests the nearest known one. */
export function parseFlags(
  command: string,
  argv: string[],
  options: Options,
  allowPositionals = false,
): { values: FlagValues; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown) {
      const known = Object.keys(options).map((name) => `--${name}`);
      const hint = closest(unknown[1]!, known);
      throw new UsageError(command, `unknown flag ${unknown[1]}${hint ? `; did you mean ${hint}?` : "."}`);
    }
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (positional) throw new UsageError(command, `unexpected argument ${JSON.stringify(positional[1])}.`);
    const ambiguous = /Option '(-{1,2}[^']+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const flag = ambiguous[1]!;
      const value = argv[argv.indexOf(flag) + 1];
      throw new UsageError(
        command,
        value === undefined
          ? `${flag}'s value starts with "-", so it reads as a flag; write it with "=": ${flag}=<value>.`
          : `${flag}'s value ${JSON.stringify(value)} starts with "-", so it reads as a flag; write it with "=": ${flag}=${value}.`,
      );
    }
    throw new UsageError(command, message.replace(/\. To specify.*$/s, "."));
  }
}

/** A flag's value as a number, or a UsageError that says what was expected. */
export function numberFlag(
  command: string,
  values: FlagValues,
  name: string,
  kind: NumberKind,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const ok =
    typeof raw === "string" &&
    raw.trim() !== "" &&
    Number.isFinite(value) &&
    (kind === "number" ||
      (kind === "integer" && Number.isInteger(value)) ||
      (kind === "positive-integer" && Number.isInteger(value) && value > 0) ||
      (kind === "non-negative" && value >= 0) ||
      (kind === "fraction" && value >= 0 && value <= 1));
  if (!ok) {
    const expected = {
      integer: "an integer",
      "positive-integer": "a positive integer",
      number: "a number",
      "non-negative": "a number ≥ 0",
      fraction: "a number from 0 to 1",
    }[kind];
    throw new UsageError(command, `--${name} must be ${expected}, got ${JSON.stringify(raw)}.`);
  }
  return value;
}

/** A required string flag, or a UsageError naming it. */
export function requiredFlag(command: string, values: FlagValues, name: string, example: string): string {
  const raw = values[name];
  if (typeof raw !== "string" || raw === "")
    throw new UsageError(command, `--${name} is required, e.g. --${name} ${example}.`);
  return raw;
}

type NumberKind = "integer" | "positive-integer" | "number" | "non-negative" | "fraction";

/**
 * `--env-options <json>`: the env's own options as a JSON object (`{}` when the flag is absent),
 * checked by making the env once, so a bad option gets the registry's message and nearest name.
 */
export function envOptionsFlag(command: string, values: FlagValues, envId: string): Record<string, unknown> {
  const text = values["env-options"];
  if (typeof text !== "string") return {};
  let options: unknown;
  try {
    options = JSON.parse(text);
  } catch (error) {
    throw new UsageError(command, `--env-options is not JSON: ${(error as Error).message}.`);
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new UsageError(
      command,
      `--env-options should be a JSON object of the env's options, such as '{"width": 7}'; got ${text}.`,
    );
  }
  make(envId, options as Record<string, unknown>).close();
  return options as Record<string, unknown>;
}

/** Copies each given numeric flag into `target[key]` (checked by `numberFlag`); absent flags are skipped. */
export function setNumberFlags(
  command: string,
  values: FlagValues,
  target: Record<string, unknown>,
  specs: readonly (readonly [flag: string, key: string, kind: NumberKind])[],
): Record<string, unknown> {
  for (const [flag, key, kind] of specs) {
    const v = numberFlag(command, values, flag, kind);
    if (v !== undefined) target[key] = v;
  }
  return target;
}

/** Flags parsed with a zod schema; the first issue becomes a UsageError naming the flag and its value. */
export function parseFlagsWith<S extends z.ZodType>(
  command: string,
  schema: S,
  values: Record<string, unknown>,
): z.infer<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = `--${formatPath(issue.path)}`;
  const given = issue.path.length > 0 ? values[String(issue.path[0])] : undefined;
  throw new UsageError(
    command,
    `${flag} ${issue.message}${typeof given === "string" ? `, got ${JSON.stringify(given)}` : ""}.`,
  );
}

/** A host name or address that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Parses `64,64` or `64x64` into layer sizes. */
export function parseHidden(command: string, text: string): number[] {
  const parts = text.split(/[,x]/).map((p) => p.trim());
  const sizes = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)) || sizes.some((n) => n < 1)) {
    throw new UsageError(
      command,
      `--hidden must be layer sizes like 64,64 or 64x64, got ${JSON.stringify(text)}.`,
    );
  }
  return sizes;
}

/** An activation name given as `label` (`--activation`, `grid activation`), checked. */
export function parseActivation(command: string, label: string, value: unknown): Activation {
  if (value !== "tanh" && value !== "relu") {
    throw new UsageError(command, `${label} must be tanh or relu, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * PPO flags shared by `train ppo` and the adversarial generators, over the env's preset and then
 * `overPreset` (an algorithm's own per-env settings for its generator, e.g. `GAIL_PRESETS`).
 */
export function ppoFlagsConfig(
  command: string,
  values: FlagValues,
  envId: string,
  overPreset: PpoConfig = {},
): Record<string, unknown> {
  const config = setNumberFlags(
    command,
    values,
    { ...(PPO_PRESETS[envId] ?? {}), ...overPreset },
    PPO_NUMBER_FLAGS,
  );
  if (values.activation !== undefined)
    config.activation = parseActivation(command, "--activation", values.activation);
  return config;
}

/** The PPO flags that `ppoFlagsConfig` reads: flag, `PpoConfig` key, kind. */
export const PPO_NUMBER_FLAGS = [
  ["num-envs", "numEnvs", "positive-integer"],
  ["num-steps", "numSteps", "positive-integer"],
  ["lr", "learningRate", "number"],
  ["epochs", "updateEpochs", "positive-integer"],
  ["minibatches", "numMinibatches", "positive-integer"],
  ["gamma", "gamma", "fraction"],
  ["gae-lambda", "gaeLambda", "fraction"],
  ["ent-coef", "entCoef", "number"],
  ["log-std-init", "logStdInit", "number"],
] as const satisfies readonly (readonly [string, string, NumberKind])[];
