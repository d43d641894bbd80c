/**
 * @module
 * The env registry: `register(spec)` and `make(id, options)`. Ids are versioned (`Name-vN`).
 * `make` builds the env and composes the wrappers in Gymnasium's order:
 * OrderEnforcing → TimeLimit → RecordEpisodeStatistics → RescaleAction → ClipAction →
 * NormalizeObservation (innermost first).
 */
import { z } from "zod";
import type { Env, EnvSpec } from "./env.js";
import {
  formatPath as formatIssuePath,
  InvalidOptionError,
  RegistryConflictError,
  UnknownEnvError,
} from "./errors.js";
import type { EnvKernel } from "./kernel.js";
import {
  ClipAction,
  NormalizeObservation,
  OrderEnforcing,
  RecordEpisodeStatistics,
  RescaleAction,
  TimeLimit,
  Wrapper,
} from "./wrappers.js";

/** How to build an env, and what the registry knows about it. */
export interface EnvRegistration<Options = Record<string, unknown>> extends EnvSpec {
  /** Builds the unwrapped env from validated options. */
  entryPoint: (options: Options) => Env;
  /** Validates the env's own options (a strict zod object); absent means the env takes none. */
  options?: z.ZodType<Options>;
  /** The env's dynamics as a kernel, which lets `makeVec` step many copies over typed arrays. */
  kernel?: (options: Options) => EnvKernel;
}

/** The wrapper options `make` understands; every other key goes to the env's own options. */
export interface MakeOptions {
  /** Overrides the registered step limit; `null` removes the TimeLimit wrapper. */
  maxEpisodeSteps?: number | null;
  /** Refuse `step` before `reset` (default true). */
  orderEnforce?: boolean;
  /** Add `info.episode = { r, l, t }` at the end of each episode. */
  recordEpisodeStatistics?: boolean;
  /** Rescale a Box action space to `[min, max]`, for example `[-1, 1]`. */
  rescaleAction?: readonly [number, number];
  /** Clip Box actions into the action space. */
  clipAction?: boolean;
  /** Normalize Box observations with running statistics. */
  normalizeObservation?: boolean;
}

const makeOptionsSchema = z
  .object({
    maxEpisodeSteps: z.number().int().positive().nullable().optional(),
    orderEnforce: z.boolean().optional(),
    recordEpisodeStatistics: z.boolean().optional(),
    rescaleAction: z
      .tuple([z.number(), z.number()])
      .refine(([lo, hi]) => lo < hi, "min must be below max")
      .optional(),
    clipAction: z.boolean().optional(),
    normalizeObservation: z.boolean().optional(),
  })
  .strict();

const MAKE_KEYS = Object.keys(makeOptionsSchema.shape);

/** Options are validated by each registration's own schema before its entry point sees them. */
const registry = new Map<string, EnvRegistration<unknown>>();

const ID_PATTERN = /^(?:([\w:.-]+)\/)?([\w:.-]+?)(?:-v(\d+))?$/;

/** Splits `ns/Name-vN` into its parts; throws when the id is malformed. */
export function parseEnvId(id: string): {
  namespace: string | undefined;
  name: string;
  version: number | undefined;
} {
  const match = typeof id === "string" ? ID_PATTERN.exec(id) : null;
  if (!match) {
    throw new UnknownEnvError(
      String(id),
      undefined,
      `Malformed env id ${JSON.stringify(id)}: ids look like "CartPole-v1" ([namespace/]Name-vN).`,
    );
  }
  return {
    namespace: match[1],
    name: match[2]!,
    version: match[3] === undefined ? undefined : Number(match[3]),
  };
}

/** Adds an env to the registry. The id must carry a version and must not be registered yet. */
export function register<Options>(registration: EnvRegistration<Options>): void {
  const { version } = parseEnvId(registration.id);
  if (version === undefined) {
    throw new RegistryConflictError(
      `register: id ${JSON.stringify(registration.id)} has no version; use an id like "${registration.id}-v0".`,
    );
  }
  if (registry.has(registration.id)) {
    throw new RegistryConflictError(
      `register: ${registration.id} is already registered. Give the changed env a new version (e.g. ${bumpVersion(registration.id)}) or call unregister() first.`,
    );
  }
  registry.set(registration.id, registration as unknown as EnvRegistration<unknown>);
}

/** Removes an id from the registry (mainly for tests and hot reloading). */
export function unregister(id: string): boolean {
  return registry.delete(id);
}

/** Every registered id with its spec, in registration order. */
export function registeredEnvs(): EnvRegistration<unknown>[] {
  return [...registry.values()];
}

/** The registration of `id`, or an `UnknownEnvError` that names the closest known id. */
export function registration(id: string): EnvRegistration<unknown> {
  const found = registry.get(id);
  if (found) return found;
  throw unknownEnvError(id);
}

/**
 * Observation and action types of registered ids, for typed `make` results. Env modules add their
 * ids by declaration merging: `declare module "…/registry.js" { interface EnvTypes { "X-v0": { observation: …; action: … } } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in env modules.
export interface EnvTypes {}

/** The Env type `make(id)` returns: typed for ids in `EnvTypes`, `Env<unknown, unknown>` otherwise. */
export type EnvFor<Id extends string> = Id extends keyof EnvTypes
  ? EnvTypes[Id] extends { observation: infer O; action: infer A }
    ? Env<O, A>
    : Env
  : Env;

/**
 * Builds a registered env with its wrappers.
 * `options` holds the wrapper options of `MakeOptions` and, beside them, the env's own options.
 */
export function make<Id extends string>(
  id: Id,
  options: MakeOptions & Record<string, unknown> = {},
): EnvFor<Id> {
  const reg = registration(id);
  const { wrappers, envOptions, given } = splitOptions(reg, options);
  const maxEpisodeSteps =
    wrappers.maxEpisodeSteps === undefined ? reg.maxEpisodeSteps : (wrappers.maxEpisodeSteps ?? undefined);
  let env: Env = reg.entryPoint(envOptions);
  if (Object.keys(given).length > 0) env = new SpecKwargs(env, given);
  if (wrappers.orderEnforce !== false) env = new OrderEnforcing(env);
  if (maxEpisodeSteps !== undefined) env = new TimeLimit(env, maxEpisodeSteps);
  if (wrappers.recordEpisodeStatistics) env = new RecordEpisodeStatistics(env);
  if (wrappers.rescaleAction)
    env = new RescaleAction(env, wrappers.rescaleAction[0], wrappers.rescaleAction[1]);
  if (wrappers.clipAction) env = new ClipAction(env);
  if (wrappers.normalizeObservation) env = new NormalizeObservation(env);
  return env as EnvFor<Id>;
}

/** The names of a registered env's own options (what `make(id, options)` takes besides wrappers). */
export function envOptionNames(id: string): string[] {
  const reg = registration(id);
  return reg.options instanceof z.ZodObject ? Object.keys(reg.options.shape) : [];
}

/**
 * The part of a recorded spec's options (`EnvSpec.kwargs`) that `make(id, …)` takes. Names the
 * registration does not know, such as a Python dataset's Gymnasium-only kwargs, are left out,
 * each with a warning; the values are checked by `make` itself.
 */
export function knownEnvOptions(
  id: string,
  kwargs: Readonly<Record<string, unknown>> | undefined,
  onWarning?: (message: string) => void,
): Record<string, unknown> {
  const names = envOptionNames(id);
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs ?? {})) {
    if (names.includes(key)) kept[key] = value;
    else {
      onWarning?.(
        `env option ${JSON.stringify(key)} is not one of mimic's ${id} options (${names.length > 0 ? names.join(", ") : "it takes none"}); the env is made without it.`,
      );
    }
  }
  return kept;
}

/**
 * Puts the env's own options into its spec (`EnvSpec.kwargs`), as Gymnasium's `make` does: over
 * the registered kwargs, when the env's spec has some (as the seals MuJoCo variants' do).
 */
class SpecKwargs extends Wrapper {
  private readonly kwargs: Readonly<Record<string, unknown>>;

  constructor(env: Env, kwargs: Record<string, unknown>) {
    super(env);
    this.kwargs = { ...kwargs };
  }

  override get spec(): EnvSpec {
    const spec = this.env.spec;
    return { ...spec, kwargs: { ...spec.kwargs, ...this.kwargs } };
  }
}

/**
 * Validates `make`'s options and splits them into wrapper options and the env's own options
 * (parsed, and `given`: as the caller wrote them).
 */
export function splitOptions(
  reg: EnvRegistration<unknown>,
  options: Record<string, unknown>,
): { wrappers: MakeOptions; envOptions: unknown; given: Record<string, unknown> } {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      "options",
      `make(${JSON.stringify(reg.id)}): options must be an object, got ${String(options)}.`,
    );
  }
  const wrapperPart: Record<string, unknown> = {};
  const envPart: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    (MAKE_KEYS.includes(key) ? wrapperPart : envPart)[key] = value;
  }
  const wrappers = parseWith(makeOptionsSchema, wrapperPart, reg.id, []) as MakeOptions;
  if (!reg.options) {
    const keys = Object.keys(envPart);
    if (keys.length > 0) {
      const hint = closest(keys[0]!, MAKE_KEYS);
      throw new InvalidOptionError(
        keys[0]!,
        `make(${JSON.stringify(reg.id)}): unknown option ${JSON.stringify(keys[0])}. ${reg.id} takes no env options; ` +
          `the wrapper options are ${MAKE_KEYS.join(", ")}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ""}.`,
      );
    }
    return { wrappers, envOptions: {}, given: {} };
  }
  const envKeys = reg.options instanceof z.ZodObject ? Object.keys(reg.options.shape) : [];
  const envOptions = parseWith(reg.options, envPart, reg.id, [...MAKE_KEYS, ...envKeys]);
  return { wrappers, envOptions, given: envPart };
}

function parseWith(schema: z.ZodType, value: unknown, id: string, knownKeys: string[]): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const hint = closest(key, knownKeys);
    throw new InvalidOptionError(
      key,
      `make(${JSON.stringify(id)}): unknown option ${JSON.stringify(key)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : "."} ` +
        `Known options: ${knownKeys.join(", ")}.`,
      { cause: result.error },
    );
  }
  const path = formatPath(issue.path);
  throw new InvalidOptionError(
    path,
    `make(${JSON.stringify(id)}): option ${path} is invalid: ${issue.message}.`,
    { cause: result.error },
  );
}

/** An option's zod issue path as messages write it (`goal.reward`); the options themselves are `(options)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return formatIssuePath(path, "(options)");
}

function bumpVersion(id: string): string {
  const { namespace, name, version } = parseEnvId(id);
  return `${namespace ? `${namespace}/` : ""}${name}-v${(version ?? 0) + 1}`;
}

function unknownEnvError(id: string): UnknownEnvError {
  const ids = [...registry.keys()];
  let parsed: ReturnType<typeof parseEnvId> | undefined;
  try {
    parsed = parseEnvId(id);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    // Same name under another version: the id is outdated (or missing its version).
    const sameName = ids.filter((known) => {
      const k = parseEnvId(known);
      return k.name === parsed!.name && k.namespace === parsed!.namespace;
    });
    if (sameName.length > 0) {
      const latest = sameName.sort((a, b) => (parseEnvId(b).version ?? 0) - (parseEnvId(a).version ?? 0))[0]!;
      const why =
        parsed.version === undefined
          ? `${JSON.stringify(id)} has no version`
          : `version v${parsed.version} of ${parsed.name} is not registered (outdated or not yet available)`;
      return new UnknownEnvError(
        id,
        latest,
        `Unknown env id ${JSON.stringify(id)}: ${why}. Use ${JSON.stringify(latest)} instead.`,
      );
    }
  }
  const suggestion = closest(id, ids);
  const hint = suggestion ? ` Did you mean ${JSON.stringify(suggestion)}?` : "";
  return new UnknownEnvError(
    id,
    suggestion,
    `Unknown env id ${JSON.stringify(id)}.${hint} Run \`mimic envs\` to list the registered ids.`,
  );
}

/** The candidate nearest to `word` by case-insensitive edit distance, if it is near enough. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(best.length / 2)) ? best : undefined;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
