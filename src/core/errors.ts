/**
 * @module
 * Errors are data at the boundaries: one `MimicError` class with a machine-readable `code`,
 * and subclasses whose messages say what went wrong and what to do next.
 */

/** Every code a `MimicError` can carry. */
export type MimicErrorCode =
  | "UNKNOWN_ENV"
  | "INVALID_OPTION"
  | "INVALID_ACTION"
  | "RESET_NEEDED"
  | "INVALID_SPACE"
  | "SHAPE_MISMATCH"
  | "INVALID_SEED"
  | "ENV_CHECK_FAILED"
  | "REGISTRY_CONFLICT"
  | "ENV_CLOSED"
  | "DATASET_FORMAT"
  | "RUN_DIRECTORY"
  | "POLICY_LOAD"
  | "ENV_MISMATCH"
  | "LABEL_TIMEOUT"
  | "NON_FINITE_GRADIENT"
  | "REDIS_UNREACHABLE"
  | "JOB_FAILED"
  | "SCALE_RESUME"
  | "WEB_PAGE"
  | "BROWSER"
  | "SIMULATOR";

/** Base class of every error mimic throws on purpose. */
export class MimicError extends Error {
  readonly code: MimicErrorCode;

  constructor(code: MimicErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `make()` was given an id that no registered environment has. */
export class UnknownEnvError extends MimicError {
  readonly id: string;
  readonly suggestion: string | undefined;

  constructor(id: string, suggestion: string | undefined, message: string) {
    super("UNKNOWN_ENV", message);
    this.id = id;
    this.suggestion = suggestion;
  }
}

/** An option (to `make`, a wrapper, an env constructor) has a bad value or is not known. */
export class InvalidOptionError extends MimicError {
  /** Dotted path to the bad value, e.g. `options.slip`. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_OPTION", message, options);
    this.path = path;
  }
}

/** `step()` got an action that is not in the env's action space (or has NaN). */
export class InvalidActionError extends MimicError {
  constructor(message: string) {
    super("INVALID_ACTION", message);
  }
}

/** `step()` was called before `reset()` (or after the episode ended, where that is refused). */
export class ResetNeededError extends MimicError {
  constructor(message: string) {
    super("RESET_NEEDED", message);
  }
}

/** A space description (constructor arguments or JSON) is malformed. */
export class InvalidSpaceError extends MimicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_SPACE", message, options);
  }
}

/** A value has the wrong shape or length for where it is used. */
export class ShapeMismatchError extends MimicError {
  constructor(message: string) {
    super("SHAPE_MISMATCH", message);
  }
}

/** A seed is not a non-negative safe integer. */
export class InvalidSeedError extends MimicError {
  constructor(message: string) {
    super("INVALID_SEED", message);
  }
}

/** `checkEnv` found a broken promise of the Env contract. */
export class EnvCheckError extends MimicError {
  constructor(message: string) {
    super("ENV_CHECK_FAILED", message);
  }
}

/** `register()` was asked to register an id that already exists. */
export class RegistryConflictError extends MimicError {
  constructor(message: string) {
    super("REGISTRY_CONFLICT", message);
  }
}

/** A closed env was used. */
export class EnvClosedError extends MimicError {
  constructor(message: string) {
    super("ENV_CLOSED", message);
  }
}

/** Where in a dataset on disk a `DatasetFormatError` was found. */
export interface DatasetLocation {
  /** The file (or directory) at fault. */
  file: string;
  /** The episode at fault (its `episode_<id>` number), when one is. */
  episode?: number;
  /** The field at fault (`observations`, `terminations`, `observation_space`, …), when one is. */
  field?: string;
}

/** A dataset on disk is missing, damaged or not in the layout it should have, or would not be. */
export class DatasetFormatError extends MimicError {
  readonly file: string;
  readonly episode: number | undefined;
  readonly field: string | undefined;

  constructor(where: DatasetLocation, message: string, options?: { cause?: unknown }) {
    super("DATASET_FORMAT", message, options);
    this.file = where.file;
    this.episode = where.episode;
    this.field = where.field;
  }
}

/** A run directory (`runs/<name>/`) is missing, damaged, closed, or not one that may be written. */
export class RunDirectoryError extends MimicError {
  /** The run directory, or the file in it, at fault. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("RUN_DIRECTORY", message, options);
    this.path = path;
  }
}

/** A saved policy directory is missing, damaged, or was written by an incompatible version. */
export class PolicyLoadError extends MimicError {
  /** The directory (or file inside it) at fault. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super("POLICY_LOAD", message, options);
    this.file = file;
  }
}

/** A policy trained for one environment was loaded for another. */
export class EnvMismatchError extends MimicError {
  /** The environment the caller asked for. */
  readonly expected: string;
  /** The environment the policy was saved for. */
  readonly actual: string;

  constructor(expected: string, actual: string, message: string) {
    super("ENV_MISMATCH", message);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A labeler (a person, a remote expert) gave no answer in time. It carries the labels collected
 * before the timeout, in order, so DAgger can end the round cleanly with the partial labels.
 */
export class LabelTimeoutError<A = unknown> extends MimicError {
  /** The actions collected before the timeout, in the order of the states asked about. */
  readonly labels: readonly A[];
  /** How many states were labelled (`labels.length`). */
  readonly labelled: number;
  /** How many states the labeler was asked to label. */
  readonly total: number;

  constructor(labels: readonly A[], total: number, message: string, options?: { cause?: unknown }) {
    super("LABEL_TIMEOUT", message, options);
    this.labels = labels;
    this.labelled = labels.length;
    this.total = total;
  }
}

/** A training step produced a NaN or infinite gradient; the weights stay at the last good step. */
export class NonFiniteGradientError extends MimicError {
  /** The parameter tensor, e.g. `dense_1/kernel` or `log_std`. */
  readonly layer: string;
  /** The update that failed (1-based, as `stepCount` would have become). */
  readonly step: number;
  /** The loss term the non-finite value came from: `nll`, `entropy`, `mse` or `l2`. */
  readonly term: string;

  /** `message` replaces the default one, for a caller that knows more (BC names its checkpoint). */
  constructor(layer: string, step: number, term: string, options?: { message?: string; cause?: unknown }) {
    super(
      "NON_FINITE_GRADIENT",
      options?.message ??
        `Non-finite gradient in ${layer} at step ${step}, from the ${term} term; the weights were left at step ${step - 1}. ` +
          "Lower the learning rate, set maxGradNorm, or check the data for NaN/Inf.",
      { cause: options?.cause },
    );
    this.layer = layer;
    this.step = step;
    this.term = term;
  }
}

/** The Redis server behind a job queue (`--redis URL`) cannot be reached or refused the connection. */
export class RedisUnreachableError extends MimicError {
  /** The URL as given, with any password masked. */
  readonly url: string;

  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super("REDIS_UNREACHABLE", message, options);
    this.url = url;
  }
}

/** A job run by a worker failed (the worker threw); the message carries the worker's error. */
export class JobFailedError extends MimicError {
  /** The job's id in the queue. */
  readonly jobId: string;

  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super("JOB_FAILED", message, options);
    this.jobId = jobId;
  }
}

/**
 * A scaled-out run cannot be resumed (`--scale-resume`): none of its jobs is left in Redis, or they
 * were made for other units, by another mimic version, or from other inputs.
 */
export class ScaleResumeError extends MimicError {
  /** The run's id. */
  readonly run: string;

  constructor(run: string, message: string, options?: { cause?: unknown }) {
    super("SCALE_RESUME", message, options);
    this.run = run;
  }
}

/**
 * A web task page cannot be used: the file is missing, it does not speak MiniWoB++'s protocol
 * (`core`, `genProblem`, `WOB_DONE_GLOBAL`), or it did not become ready in time.
 */
export class WebPageError extends MimicError {
  /** The task's path or URL. */
  readonly task: string;

  constructor(task: string, message: string, options?: { cause?: unknown }) {
    super("WEB_PAGE", message, options);
    this.task = task;
  }
}

/** The browser could not be started, crashed, or stopped answering. */
export class BrowserError extends MimicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("BROWSER", message, options);
  }
}

/**
 * A physics simulator could not do what was asked: MuJoCo's module was not loaded before `make`,
 * a model file is missing or does not compile, or the simulation produced non-finite numbers.
 */
export class SimulatorError extends MimicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIMULATOR", message, options);
  }
}

/**
 * A zod issue path as error messages write it: `["walls", 2, 0]` → `walls[2][0]`,
 * `["goals", 0, "cell"]` → `goals[0].cell`. An empty path (the value itself) gives `root`.
 */
export function formatPath(path: readonly PropertyKey[], root = ""): string {
  let out = "";
  for (const part of path)
    out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out || root;
}
