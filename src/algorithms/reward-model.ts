/**
 * @module
 * Learned reward models, the product of adversarial IRL: the networks a discriminator trained,
 * saved as one JSON file next to the policy, loaded again, and applied to any env through
 * `RewardWrapper` so a new policy can be trained from scratch on the learned reward.
 *
 * Inputs. A transition (s, a, s') is encoded as `[normalize(s), absorbing, onehot(a)]`:
 * observations are standardized with the expert data's mean and std (fixed at training start, as
 * `imitation`'s `RunningNorm` would settle on the demonstrations), `absorbing` is 1 only for the
 * absorbing state, and the action is one-hot over a Discrete space, or its values as they are over a
 * Box space (the executed action, clipped to the bounds; GAIL only).
 *
 * Episode ends. An episode that *terminates* moves to an absorbing state s_abs that loops forever
 * (Kostrikov et al. 2019, "Discriminator-Actor-Critic", §4.2). The discriminator sees it like any
 * other state, so it learns whether ending the episode is expert-like (reaching the goal) or not
 * (the pole falling), and a learned reward cannot leak "stay alive" or "die fast" through its
 * sign. The reward of the absorbing loop, r_abs, is collected forever after termination, which is
 * worth γ·r_abs / (1 − γ) at the terminal step. A truncated episode (time limit) is not an end of
 * the MDP and gets no such term.
 *
 * The learned reward r̂ given to a new learner:
 * - GAIL: r̂(s, a) = −log(1 − D(s, a)) = softplus(logit(s, a)), where D = σ(logit) is the
 *   discriminator's probability that (s, a) is the expert's (Ho & Ermon 2016; `imitation`'s GAIL).
 * - AIRL: r̂(s, a, s') = f(s, a, s') = g(s, a) + γ h(s') − h(s), the discriminator's reward with its
 *   shaping (Fu et al. 2018, "Learning Robust Rewards with Adversarial Inverse RL"; `imitation`'s
 *   `reward_train` without the −log π term). The shaping is potential-based, so over a whole
 *   episode it sums to Σ γ^t g − h(s_0) (the absorbing loop included) and any learner's optimal
 *   policy is the one g alone would give (Ng, Harada & Russell 1999); keeping h makes the reward
 *   the one the discriminator actually checked along the expert's and the generator's paths,
 *   where g alone, off those paths, was measured to reward states that lead to a fall (a PPO
 *   trained from scratch on g stalled at a return of about 55 on CartPole; on f it learns).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Env, StepResult } from "../core/env.js";
import { InvalidOptionError, PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import type { Rng } from "../core/rng.js";
import { Discrete, type Space } from "../core/spaces/index.js";
import { Wrapper } from "../core/wrappers.js";
import type { Activation } from "../nn/activation.js";
import { decodeFloat32, encodeFloat32 } from "../nn/base64.js";
import { FusedMlp } from "../nn/fused/mlp.js";
import { initMlpWeights } from "../nn/mlp.js";

/** The file a reward model is saved as, inside a run's or a policy's directory. */
export const REWARD_MODEL_FILE = "reward-model.json";

export type RewardModelKind = "gail" | "airl";

export interface RewardModelShape {
  kind: RewardModelKind;
  /** Flat observation size. */
  obsSize: number;
  /** Discrete: the number of actions; Box (`continuousActions`): the action's size. */
  nActions: number;
  /** Box actions, encoded as their values (GAIL only: AIRL's logit needs a Discrete log π). */
  continuousActions?: boolean;
  /** Hidden layers of g (and of h for AIRL). */
  hidden: readonly number[];
  activation: Activation;
  /** The discount the reward was learned under (AIRL's shaping, and the absorbing-state value). */
  gamma: number;
  /** AIRL: g(s) on the state alone (Fu et al.'s disentangled reward), not g(s, a). */
  stateOnly?: boolean;
  /** Per observation dimension, for standardizing (std is floored at 1e-8). */
  obsMean: ArrayLike<number>;
  obsStd: ArrayLike<number>;
}

/** One network of the model: its layer sizes and flat parameters (`FusedMlp` layout). */
interface Net {
  mlp: FusedMlp;
  params: Float32Array;
}

/**
 * The reward networks: g over `[obs, absorbing, onehot(a)]` with one output (GAIL's
 * discriminator logit, AIRL's g), and for AIRL the potential h over `[obs, absorbing]`.
 */
export class RewardModel {
  readonly kind: RewardModelKind;
  readonly obsSize: number;
  readonly nActions: number;
  /** Box actions: `actions` hold `nActions` values per row, not an index. */
  readonly continuousActions: boolean;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly gamma: number;
  readonly obsMean: Float64Array;
  readonly obsInvStd: Float64Array;
  /** g sees the state only (AIRL's state-only reward). */
  readonly stateOnly: boolean;
  /** Width of g's input: obs, the absorbing flag, the one-hot action (unless state-only). */
  readonly gInputSize: number;
  /** Width of h's input: obs and the absorbing flag. */
  readonly hInputSize: number;
  readonly g: Net;
  readonly h: Net | null;

  constructor(shape: RewardModelShape, weights: { g: Float32Array; h?: Float32Array | null }) {
    if (shape.kind !== "gail" && shape.kind !== "airl") {
      throw new InvalidOptionError("kind", `A reward model is "gail" or "airl", got ${String(shape.kind)}.`);
    }
    if (shape.obsMean.length !== shape.obsSize || shape.obsStd.length !== shape.obsSize) {
      throw new ShapeMismatchError(
        `Reward model: obsMean and obsStd need ${shape.obsSize} values, got ${shape.obsMean.length} and ${shape.obsStd.length}.`,
      );
    }
    this.kind = shape.kind;
    this.obsSize = shape.obsSize;
    this.nActions = shape.nActions;
    this.continuousActions = shape.continuousActions === true;
    if (this.continuousActions && shape.kind !== "gail") {
      throw new InvalidOptionError(
        "continuousActions",
        "Box actions are supported by GAIL's reward model only; AIRL's logit needs a Discrete policy's log π.",
      );
    }
    this.hidden = [...shape.hidden];
    this.activation = shape.activation;
    this.gamma = shape.gamma;
    this.obsMean = Float64Array.from(shape.obsMean);
    this.obsInvStd = Float64Array.from(shape.obsStd, (s) => 1 / Math.max(s, 1e-8));
    this.stateOnly = shape.stateOnly === true;
    this.gInputSize = shape.obsSize + 1 + (this.stateOnly ? 0 : shape.nActions);
    this.hInputSize = shape.obsSize + 1;
    this.g = makeNet("g", [this.gInputSize, ...this.hidden, 1], this.activation, weights.g);
    if (shape.kind === "airl") {
      if (!weights.h) throw new ShapeMismatchError("An AIRL reward model needs the potential h's weights.");
      this.h = makeNet("h", [this.hInputSize, ...this.hidden, 1], this.activation, weights.h);
    } else {
      this.h = null;
    }
  }

  /** A freshly initialized model (Glorot-uniform kernels from `rng`, small output layers). */
  static init(shape: RewardModelShape, rng: Rng): RewardModel {
    const init = (inputSize: number) =>
      flatten(
        initMlpWeights(
          { inputSize, hiddenSizes: shape.hidden, outputSize: 1, activation: shape.activation },
          rng,
          1,
        ),
      );
    const g = init(shape.obsSize + 1 + (shape.stateOnly ? 0 : shape.nActions));
    const h = shape.kind === "airl" ? init(shape.obsSize + 1) : null;
    return new RewardModel(shape, { g, h });
  }

  /**
   * Writes `rows` encoded g-inputs into `out` (`[rows, gInputSize]`): standardized observations,
   * the absorbing flag, the one-hot action (Box: the `nActions` action values of the row). An
   * absorbing row has zero observation and action.
   */
  encode(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    absorbing: ArrayLike<number> | null,
    rows: number,
    out: Float32Array | Float64Array,
    withAction = true,
  ): void {
    const { obsSize, nActions, obsMean, obsInvStd } = this;
    const width = withAction ? this.gInputSize : this.hInputSize;
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      const abs = absorbing !== null && absorbing[r] === 1;
      if (abs) {
        out.fill(0, o, o + width);
        out[o + obsSize] = 1;
        continue;
      }
      for (let k = 0; k < obsSize; k++) out[o + k] = (obs[r * obsSize + k]! - obsMean[k]!) * obsInvStd[k]!;
      out[o + obsSize] = 0;
      if (withAction) {
        if (this.continuousActions) {
          for (let j = 0; j < nActions; j++) out[o + obsSize + 1 + j] = actions[r * nActions + j]!;
          continue;
        }
        out.fill(0, o + obsSize + 1, o + width);
        const a = actions[r]!;
        if (!(Number.isInteger(a) && a >= 0 && a < nActions)) {
          throw new InvalidOptionError(
            "action",
            `Reward model: action index ${a} at row ${r} is outside 0…${nActions - 1}.`,
          );
        }
        out[o + obsSize + 1 + a] = 1;
      }
    }
  }

  /**
   * The learned reward r̂(s, a, s') of `rows` transitions (see the module comment), without the
   * absorbing loop's term; `actions` are indices from 0 (Box: `[rows, nActions]` values), and
   * `nextTerminal[r] = 1` marks a transition into the absorbing state (its `nextObs` row is then
   * ignored).
   */
  rewards(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    nextObs: ArrayLike<number>,
    nextTerminal: ArrayLike<number>,
    rows: number,
    out: Float64Array,
  ): void {
    const { mlp, params } = this.g;
    mlp.reserve(rows);
    this.encode(obs, actions, null, rows, mlp.input, !this.stateOnly);
    const y = mlp.forward(params, rows);
    if (this.h === null) {
      for (let r = 0; r < rows; r++) out[r] = softplus(y[r]!);
      return;
    }
    for (let r = 0; r < rows; r++) out[r] = y[r]!;
    // AIRL: + γ·h(s') − h(s), with h run once over [s; s'].
    const h = this.h.mlp;
    h.reserve(2 * rows);
    this.encode(obs, actions, null, rows, h.input, false);
    this.encode(nextObs, actions, nextTerminal, rows, h.input.subarray(rows * this.hInputSize), false);
    const v = h.forward(this.h.params, 2 * rows);
    for (let r = 0; r < rows; r++) out[r] = out[r]! + this.gamma * v[rows + r]! - v[r]!;
  }

  /** r_abs: the learned reward of one step of the absorbing loop (AIRL: g + γh − h there). */
  absorbingReward(): number {
    const { mlp, params } = this.g;
    this.encode([], [], [1], 1, mlp.input, !this.stateOnly);
    const y = mlp.forward(params, 1)[0]!;
    if (this.h === null) return softplus(y);
    const h = this.h.mlp;
    this.encode([], [], [1], 1, h.input, false);
    return y + (this.gamma - 1) * h.forward(this.h.params, 1)[0]!;
  }

  /** What the learner collects after a terminal step: γ·r_abs/(1 − γ), the absorbing loop's worth. */
  terminalBonus(): number {
    return (this.gamma * this.absorbingReward()) / (1 - this.gamma);
  }

  toJSON(): Record<string, unknown> {
    return {
      format: "mimic-reward-model",
      version: 1,
      kind: this.kind,
      obsSize: this.obsSize,
      nActions: this.nActions,
      ...(this.continuousActions ? { continuousActions: true } : {}),
      hidden: this.hidden,
      activation: this.activation,
      gamma: this.gamma,
      stateOnly: this.stateOnly,
      obsMean: Array.from(this.obsMean),
      obsStd: Array.from(this.obsInvStd, (v) => 1 / v),
      g: encodeFloat32(this.g.params),
      h: this.h === null ? null : encodeFloat32(this.h.params),
    };
  }

  /** Saves as `reward-model.json` in `dir` (atomically). */
  async save(dir: string): Promise<string> {
    const path = join(dir, REWARD_MODEL_FILE);
    await writeFileAtomic(path, `${JSON.stringify(this.toJSON(), null, 1)}\n`);
    return path;
  }

  /** Loads `reward-model.json` from a directory (a run, a policy) or the file itself. */
  static async load(path: string): Promise<RewardModel> {
    const file = path.endsWith(".json") ? path : join(path, REWARD_MODEL_FILE);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (cause) {
      throw new PolicyLoadError(
        file,
        `No reward model at ${file}: train one with \`mimic train gail\` or \`mimic train airl\`, and pass that run's directory.`,
        { cause },
      );
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new PolicyLoadError(file, `${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
    }
    return RewardModel.fromJSON(json, file);
  }

  static fromJSON(json: Record<string, unknown>, where = "reward model"): RewardModel {
    const fail = (what: string): never => {
      throw new PolicyLoadError(where, `${where}: ${what}.`);
    };
    if (json.format !== "mimic-reward-model")
      fail(`"format" is ${String(json.format)}, not "mimic-reward-model"`);
    const g = decodeFloat32(json.g);
    if (g === null) fail(`"g" is not base64 float32 weights`);
    const h = json.h === null || json.h === undefined ? null : decodeFloat32(json.h);
    const numbers = (key: string): number[] => {
      const v = json[key];
      if (!Array.isArray(v) || !v.every((x) => typeof x === "number"))
        fail(`"${key}" is not an array of numbers`);
      return v as number[];
    };
    try {
      return new RewardModel(
        {
          kind: json.kind as RewardModelKind,
          obsSize: json.obsSize as number,
          nActions: json.nActions as number,
          continuousActions: json.continuousActions === true,
          hidden: numbers("hidden"),
          activation: json.activation as Activation,
          gamma: json.gamma as number,
          stateOnly: json.stateOnly === true,
          obsMean: numbers("obsMean"),
          obsStd: numbers("obsStd"),
        },
        { g: g!, h },
      );
    } catch (cause) {
      throw new PolicyLoadError(where, `${where}: ${(cause as Error).message}`, { cause });
    }
  }

  /**
   * A model over an env's spaces must match them: observation size and Discrete action count. A
   * model over Box actions is refused: applying it to a new learner is not wired yet (the
   * learners pass Discrete action indices).
   */
  checkSpaces(observationSize: number, actionSpace: Space, where: string): void {
    if (this.continuousActions) {
      throw new ShapeMismatchError(
        `${where}: the reward model was learned over Box actions (${this.nActions} values); reusing such a reward for a new learner is not supported yet, only GAIL's own generator uses it.`,
      );
    }
    if (
      !(actionSpace instanceof Discrete) ||
      actionSpace.n !== this.nActions ||
      observationSize !== this.obsSize
    ) {
      throw new ShapeMismatchError(
        `${where}: the reward model was learned for ${this.obsSize} observation values and Discrete(${this.nActions}) actions, but the env has ${observationSize} and ${actionSpace}.`,
      );
    }
  }
}

/**
 * Replaces an env's reward with a learned one: r̂(s, a, s') on every step, plus the absorbing state's
 * worth γ·r_abs/(1 − γ) on a terminal step (see the module comment). The env's own reward stays in
 * `info.envReward`, so a run can still report the true return.
 */
export class RewardWrapper<O extends ArrayLike<number> = Float32Array> extends Wrapper<O, number> {
  readonly model: RewardModel;
  private last: Float64Array;
  private readonly terminal: number;
  private readonly one = new Float64Array(1);
  private readonly start: number;

  constructor(env: Env, model: RewardModel) {
    super(env);
    const obsSize = env.observationSpace.flatDim;
    model.checkSpaces(obsSize, env.actionSpace, "RewardWrapper");
    this.model = model;
    this.last = new Float64Array(obsSize);
    this.terminal = model.terminalBonus();
    this.start = (env.actionSpace as Discrete).start;
  }

  override reset(options?: Parameters<Env["reset"]>[0]) {
    const result = super.reset(options);
    this.last.set(result.observation as ArrayLike<number>);
    return result;
  }

  override step(action: number): StepResult<O> {
    const result = super.step(action);
    const next = result.observation as ArrayLike<number>;
    this.model.rewards(this.last, [action - this.start], next, [result.terminated ? 1 : 0], 1, this.one);
    this.last.set(result.observation as ArrayLike<number>);
    const reward = this.one[0]! + (result.terminated ? this.terminal : 0);
    return { ...result, reward, info: { ...result.info, envReward: result.reward } };
  }
}

export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function makeNet(name: string, sizes: number[], activation: Activation, params: Float32Array): Net {
  const mlp = new FusedMlp({ sizes, activation }, 1);
  if (params.length !== mlp.parameterCount) {
    throw new ShapeMismatchError(
      `Reward network ${name}: layers [${sizes.join(", ")}] need ${mlp.parameterCount} parameters, got ${params.length}.`,
    );
  }
  return { mlp, params };
}

function flatten(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
