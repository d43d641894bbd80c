/**
 * @module
 * Experts that are not scripted controllers: a *teacher* (a saved mimic policy labelling with its
 * deterministic action) and a *human labeler* (a callback a UI answers, one state at a time, with
 * a timeout that keeps the labels collected so far).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EnvMismatchError, InvalidOptionError, LabelTimeoutError } from "../core/errors.js";
import { NeuralPolicy } from "../nn/policy.js";
import type { NeuralAction, NeuralObservation } from "../nn/policy-options.js";
import type { Expert } from "./expert.js";

// ---------------------------------------------------------------------------------------------
// Teacher: a saved mimic policy
// ---------------------------------------------------------------------------------------------

export interface TeacherOptions {
  /** Refuse (with `EnvMismatchError`) a teacher saved for another environment. */
  expectEnvId?: string;
}

/** An expert backed by a saved `NeuralPolicy`; dispose `policy` when done with it. */
export interface TeacherExpert extends Expert<NeuralObservation, NeuralAction> {
  readonly policy: NeuralPolicy;
  /** Synchronous: a teacher labels without awaiting anything. */
  label(observations: readonly NeuralObservation[]): NeuralAction[];
}

/**
 * Loads a saved mimic policy as an expert that labels with its deterministic action. `path` is a
 * policy directory or a run directory (`runs/<name>`, whose `policy/` is used).
 */
export async function teacherExpert(path: string, options: TeacherOptions = {}): Promise<TeacherExpert> {
  // A run directory (runs/<name>, with its manifest.json) keeps its policy in policy/.
  const dir = existsSync(join(path, "manifest.json")) ? join(path, "policy") : path;
  let policy: NeuralPolicy;
  try {
    policy = await NeuralPolicy.load(dir, { expectEnvId: options.expectEnvId });
  } catch (error) {
    if (error instanceof EnvMismatchError) {
      throw new EnvMismatchError(
        error.expected,
        error.actual,
        `The teacher ${path} was trained for ${error.actual}, not ${error.expected}. ` +
          `Use a teacher trained on ${error.expected}, or run on ${error.actual}.`,
      );
    }
    throw error;
  }
  return {
    name: `teacher ${path}`,
    policy,
    label: (observations) => labelWithPolicy(policy, observations),
  };
}

/** One `actBatch` over all observations when each has the policy's width; `act` otherwise. */
function labelWithPolicy(policy: NeuralPolicy, observations: readonly NeuralObservation[]): NeuralAction[] {
  if (observations.length === 0) return [];
  const dim = policy.observationDim;
  const batchable = observations.every((o) =>
    typeof o === "number" ? dim === 1 : o !== null && typeof o === "object" && o.length === dim,
  );
  if (!batchable) return observations.map((o) => policy.act(o, { deterministic: true }));

  const flat = new Float32Array(observations.length * dim);
  observations.forEach((o, row) => {
    if (typeof o === "number") flat[row] = o;
    else for (let i = 0; i < dim; i++) flat[row * dim + i] = o[i]!;
  });
  const out = policy.actBatch(flat, { deterministic: true });
  if (policy.headKind === "categorical") return Array.from(out, Number);
  const width = policy.actionDim;
  return observations.map((_, row) => out.slice(row * width, (row + 1) * width));
}

// ---------------------------------------------------------------------------------------------
// Human labeler: a callback a UI answers
// ---------------------------------------------------------------------------------------------

/** What the UI is told along with each state. */
export interface AskContext {
  /** The state's position in this call to `label` (0-based). */
  index: number;
  /** How many states this call to `label` asks about. */
  total: number;
  /** Aborted when the answer is no longer wanted (it timed out). */
  signal: AbortSignal;
}

export interface HumanLabelerOptions<O, A> {
  /** Shows one state and resolves with the action the person chose. */
  ask: (observation: O, context: AskContext) => Promise<A>;
  /** How long to wait for each answer, in ms (default 60 000; `Infinity` waits forever). */
  timeoutMs?: number;
  /** The expert's name in messages and reports (default `"human"`). */
  name?: string;
}

/** A human labeler: `label` always returns a promise. */
export interface HumanLabeler<O, A> extends Expert<O, A> {
  label(observations: readonly O[]): Promise<A[]>;
}

/** The longest delay `setTimeout` honours; longer ones fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * An expert that asks a person (through `ask`) about each state in order. An answer that does not
 * come within `timeoutMs` aborts that ask and throws a `LabelTimeoutError` carrying the labels
 * collected so far; an `ask` that fails throws an error naming the labeler and the state.
 */
export function humanLabeler<O, A>(options: HumanLabelerOptions<O, A>): HumanLabeler<O, A> {
  const { ask, timeoutMs = 60_000, name = "human" } = options;
  if (typeof ask !== "function") {
    throw new InvalidOptionError("ask", "humanLabeler needs an `ask(observation, context)` function.");
  }
  if (!(timeoutMs > 0) || (timeoutMs > MAX_TIMEOUT_MS && timeoutMs !== Number.POSITIVE_INFINITY)) {
    throw new InvalidOptionError(
      "timeoutMs",
      `timeoutMs must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, or Infinity; got ${timeoutMs}.`,
    );
  }

  async function askOne(observation: O, index: number, total: number, labels: readonly A[]): Promise<A> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (timeoutMs === Number.POSITIVE_INFINITY) return;
      timer = setTimeout(() => {
        const error = new LabelTimeoutError(
          [...labels],
          total,
          `Labeler ${name} timed out after ${labels.length} of ${total} labels (no answer for state ${index} ` +
            `within ${timeoutMs} ms). The ${labels.length} labels collected so far are kept; ` +
            "answer faster or raise timeoutMs.",
        );
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const answer = (async () => ask(observation, { index, total, signal: controller.signal }))();
    // An ask that rejects after its timeout (as one that honours the signal does) is not an error.
    answer.catch(() => undefined);
    try {
      return await Promise.race([answer, timedOut]);
    } catch (cause) {
      if (cause instanceof LabelTimeoutError) throw cause;
      throw new Error(
        `Labeler ${name} failed on state ${index} of ${total} (0-based): ${(cause as Error)?.message ?? String(cause)}`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name,
    async label(observations: readonly O[]): Promise<A[]> {
      const labels: A[] = [];
      for (const [index, observation] of observations.entries()) {
        labels.push(await askOne(observation, index, observations.length, labels));
      }
      return labels;
    },
  };
}
