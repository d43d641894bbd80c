/**
 * @module
 * Offline action agreement: how often a policy takes the action a held-out dataset records, without
 * running the env. Discrete actions get accuracy, per-class precision/recall/F1 and a confusion
 * matrix; Box actions get mean squared and mean absolute errors, overall and per dimension. The
 * pure functions (`confusionMatrix`, `classificationReport`, `regressionErrors`) work on plain
 * label and value arrays.
 */
import { assertAction } from "../core/env.js";
import { InvalidOptionError, InvalidSpaceError, ShapeMismatchError } from "../core/errors.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import type { Discrete } from "../core/spaces/index.js";
import { layoutFor } from "../data/columns.js";
import type { Dataset } from "../data/dataset.js";

/** Precision, recall and F1 of one class (one-vs-rest). */
export interface ClassMetrics {
  /** The action value (the class's index plus the Discrete space's `start`). */
  label: number;
  /** TP / (TP + FP): of the times the class was predicted, how often it was right. */
  precision: number;
  /** TP / (TP + FN): of the times the class was true, how often it was predicted. */
  recall: number;
  /** 2 · precision · recall / (precision + recall). */
  f1: number;
  /** How many samples truly belong to the class. */
  support: number;
}

export interface ClassificationReport {
  /** Fraction of samples predicted correctly. */
  accuracy: number;
  /** One entry per class, in label order, including classes that never occur. */
  perClass: ClassMetrics[];
  /** The unweighted mean F1 over the classes that occur (see `classificationReport`). */
  macroF1: number;
}

/** Mean squared and mean absolute error. */
export interface ErrorPair {
  mse: number;
  mae: number;
}

export interface RegressionErrors extends ErrorPair {
  /** The errors of each action dimension; the overall errors are their mean. */
  perDimension: ErrorPair[];
}

export interface DiscreteAgreement extends ClassificationReport {
  kind: "discrete";
  /** Number of (observation, action) pairs compared. */
  samples: number;
  /** confusion[i][j]: samples whose true class is i and predicted class is j (indices, from 0). */
  confusion: number[][];
}

export interface ContinuousAgreement extends RegressionErrors {
  kind: "continuous";
  /** Number of (observation, action) pairs compared. */
  samples: number;
}

export type ActionAgreement = DiscreteAgreement | ContinuousAgreement;

/**
 * A policy that can also act on many observations at once (a neural policy does one forward pass).
 * `observations` holds N rows of obsDim values as the dataset stores them, row-major (the layout
 * of `Transitions.obs`: Box values, or one index per row for Discrete observations). It returns
 * either N · actDim values, row-major, or one action per row.
 */
export interface BatchActor {
  actBatch(
    observations: Float32Array,
    options?: ActOptions,
  ): ArrayLike<number> | readonly (number | ArrayLike<number>)[];
}

export interface ActionAgreementOptions {
  /** Ask the policy for its most likely action (default true). */
  deterministic?: boolean;
  /** The generator handed to a stochastic policy (default: a fresh one seeded with 0). */
  rng?: Rng;
}

function checkLabels(labels: ArrayLike<number>, numClasses: number, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new InvalidOptionError(
        name,
        `confusionMatrix: ${name}[${i}] = ${label} is not a class index; expected an integer from 0 to ${numClasses - 1}.`,
      );
    }
  }
}

/**
 * The numClasses × numClasses confusion matrix of class indices 0…numClasses − 1: rows are the true
 * classes, columns the predicted ones, as scikit-learn's `confusion_matrix`.
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidOptionError(
      "numClasses",
      `confusionMatrix: numClasses must be a positive integer, got ${numClasses}.`,
    );
  }
  if (yTrue.length !== yPred.length) {
    throw new ShapeMismatchError(
      `confusionMatrix: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}; pass one prediction per label.`,
    );
  }
  checkLabels(yTrue, numClasses, "yTrue");
  checkLabels(yPred, numClasses, "yPred");
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) confusion[yTrue[i]!]![yPred[i]!]! += 1;
  return confusion;
}

/**
 * Accuracy, per-class precision/recall/F1/support and macro F1 from a confusion matrix (rows true,
 * columns predicted). `labels` names the classes (default 0…n − 1).
 *
 * Conventions for undefined ratios (scikit-learn's `zero_division=0`): a class that is never
 * predicted has precision 0, a class that never occurs has recall 0, and F1 is 0 when precision
 * and recall are both 0, never NaN. The macro F1 averages F1 over the classes that occur in the
 * true or the predicted labels, as scikit-learn's `f1_score(average="macro")` does without a
 * `labels` argument, so a class absent from both does not pull the average down.
 */
export function classificationReport(
  confusion: readonly (readonly number[])[],
  labels?: readonly number[],
): ClassificationReport {
  const n = confusion.length;
  if (n === 0 || confusion.some((row) => row.length !== n)) {
    throw new ShapeMismatchError("classificationReport: the confusion matrix must be square and non-empty.");
  }
  if (labels !== undefined && labels.length !== n) {
    throw new ShapeMismatchError(`classificationReport: ${labels.length} labels for ${n} classes.`);
  }
  let total = 0;
  let correct = 0;
  const predicted = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      total += confusion[i]![j]!;
      predicted[j]! += confusion[i]![j]!;
    }
    correct += confusion[i]![i]!;
  }
  if (total === 0) {
    throw new InvalidOptionError(
      "confusion",
      "classificationReport: the confusion matrix counts no samples.",
    );
  }
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let present = 0;
  for (let k = 0; k < n; k++) {
    const truePositives = confusion[k]![k]!;
    const support = confusion[k]!.reduce((sum, count) => sum + count, 0);
    const precision = predicted[k]! > 0 ? truePositives / predicted[k]! : 0;
    const recall = support > 0 ? truePositives / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: labels?.[k] ?? k, precision, recall, f1, support });
    if (support > 0 || predicted[k]! > 0) {
      f1Sum += f1;
      present += 1;
    }
  }
  return { accuracy: correct / total, perClass, macroF1: f1Sum / present };
}

/**
 * Mean squared and mean absolute errors of `yPred` against `yTrue`, both N rows of `dim` values
 * (row-major). The overall errors average over every value, which equals the mean of the
 * per-dimension errors.
 */
export function regressionErrors(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  dim = 1,
): RegressionErrors {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new InvalidOptionError("dim", `regressionErrors: dim must be a positive integer, got ${dim}.`);
  }
  if (yTrue.length !== yPred.length || yTrue.length % dim !== 0 || yTrue.length === 0) {
    throw new ShapeMismatchError(
      `regressionErrors: yTrue has ${yTrue.length} values and yPred ${yPred.length}; both must hold the same positive number of rows of ${dim}.`,
    );
  }
  const rows = yTrue.length / dim;
  const squared = new Float64Array(dim);
  const absolute = new Float64Array(dim);
  for (let i = 0; i < yTrue.length; i++) {
    const error = yPred[i]! - yTrue[i]!;
    squared[i % dim]! += error * error;
    absolute[i % dim]! += Math.abs(error);
  }
  const perDimension = Array.from(squared, (s, d) => ({ mse: s / rows, mae: absolute[d]! / rows }));
  return {
    mse: perDimension.reduce((sum, e) => sum + e.mse, 0) / dim,
    mae: perDimension.reduce((sum, e) => sum + e.mae, 0) / dim,
    perDimension,
  };
}

function isThenable(x: unknown): boolean {
  return typeof (x as { then?: unknown })?.then === "function";
}

function hasActBatch(policy: Policy | (Policy & BatchActor)): policy is Policy & BatchActor {
  return typeof (policy as Partial<BatchActor>).actBatch === "function";
}

/** Writes the policy's action for every recorded observation into a flat array of N · actDim values. */
function predictAll(
  policy: Policy | (Policy & BatchActor),
  dataset: Dataset,
  actDim: number,
  actOptions: ActOptions,
  samples: number,
): Float64Array {
  const out = new Float64Array(samples * actDim);
  const write = (action: unknown, row: number): void => {
    if (typeof action === "number") {
      if (actDim !== 1) {
        throw new ShapeMismatchError(
          `actionAgreement: the policy returned the number ${action} for row ${row}, but actions have ${actDim} values.`,
        );
      }
      out[row] = action;
      return;
    }
    const values = action as ArrayLike<number>;
    if (values === null || typeof values !== "object" || values.length !== actDim) {
      throw new ShapeMismatchError(
        `actionAgreement: the policy's action for row ${row} is not ${actDim} number${actDim === 1 ? "" : "s"}.`,
      );
    }
    for (let d = 0; d < actDim; d++) out[row * actDim + d] = values[d]!;
  };
  if (hasActBatch(policy)) {
    const obsDim = dataset.episodes[0]!.obsDim;
    const observations = new Float32Array(samples * obsDim);
    let offset = 0;
    for (const episode of dataset.episodes) {
      observations.set(episode.observations.subarray(0, episode.length * obsDim), offset);
      offset += episode.length * obsDim;
    }
    const result = policy.actBatch(observations, actOptions);
    if (result.length === samples * actDim && (samples === 0 || typeof result[0] === "number")) {
      for (let i = 0; i < out.length; i++) out[i] = result[i] as number;
    } else if (result.length === samples) {
      for (let row = 0; row < samples; row++) write(result[row], row);
    } else {
      throw new ShapeMismatchError(
        `actionAgreement: actBatch returned ${result.length} values for ${samples} observations; expected ${samples} actions or ${samples * actDim} values.`,
      );
    }
    return out;
  }
  const obsLayout = layoutFor(dataset.observationSpace, "observation");
  let row = 0;
  for (const episode of dataset.episodes) {
    policy.reset?.();
    for (let t = 0; t < episode.length; t++) {
      const action = policy.act(obsLayout.read(episode.observationColumns(), t), actOptions);
      if (isThenable(action)) {
        throw new InvalidOptionError(
          "policy",
          "actionAgreement: the policy's act returned a promise; actionAgreement needs a synchronous policy (or one with actBatch).",
        );
      }
      write(action, row);
      row += 1;
    }
  }
  return out;
}

/**
 * Compares the policy's actions with the actions recorded in `dataset`, at every recorded
 * observation (held-out data: pass a split the policy did not train on). Uses `policy.actBatch`
 * when the policy has one, else `act` row by row (calling `reset` at each episode's start).
 * Discrete action spaces give a `DiscreteAgreement` (predictions outside the space throw an
 * `InvalidActionError`); Box action spaces give a `ContinuousAgreement`.
 */
export function actionAgreement(
  policy: Policy | (Policy & BatchActor),
  dataset: Dataset,
  options: ActionAgreementOptions = {},
): ActionAgreement {
  const space = dataset.actionSpace;
  if (space.kind !== "discrete" && space.kind !== "box") {
    throw new InvalidSpaceError(
      `actionAgreement: compares Discrete and Box actions; this dataset's action space is ${space}.`,
    );
  }
  const samples = dataset.totalSteps;
  if (samples === 0) {
    throw new InvalidOptionError(
      "dataset",
      `actionAgreement: dataset ${dataset.id} has no steps to compare.`,
    );
  }
  const actOptions: ActOptions = {
    deterministic: options.deterministic ?? true,
    rng: options.rng ?? rngFromSeed(0),
  };
  const actDim = space.kind === "discrete" ? 1 : space.flatDim;
  const predicted = predictAll(policy, dataset, actDim, actOptions, samples);
  const recorded = new Float64Array(samples * actDim);
  let offset = 0;
  for (const episode of dataset.episodes) {
    recorded.set(episode.actions, offset);
    offset += episode.actions.length;
  }
  if (space.kind === "box")
    return { kind: "continuous", samples, ...regressionErrors(recorded, predicted, actDim) };
  const discrete = space as unknown as Discrete;
  for (let i = 0; i < samples; i++) assertAction(space, predicted[i], "actionAgreement");
  const toIndex = (labels: Float64Array) => labels.map((label) => label - discrete.start);
  const confusion = confusionMatrix(toIndex(recorded), toIndex(predicted), discrete.n);
  const labels = Array.from({ length: discrete.n }, (_, k) => discrete.start + k);
  return { kind: "discrete", samples, confusion, ...classificationReport(confusion, labels) };
}
