/**
 * @module
 * Shared plumbing for CLI commands: parsing flags strictly and turning mistakes into a `UsageError`
 * (exit code 2) whose message says how to fix the call.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { closest } from "../core/registry.js";

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
): { values: FlagValues; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
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
    throw new UsageError(command, message.replace(/\. To specify.*$/s, "."));
  }
}
