/**
 * @module
 * `PpoLearner`: one rollout (`collect`) and one update (GAE and the clipped-surrogate epochs,
 * `update`) at a time, so an outer loop (GAIL, AIRL) can replace the rewards between the two.
 * The CleanRL loop it follows, and where it departs from it, is described in `index.ts`.
 */
import { InvalidOptionError, NonFiniteGradientError, ShapeMismatchError } from "../../core/errors.js";
import { type Rng, rngFromSeed } from "../../core/rng.js";
import { Box, Discrete } from "../../core/spaces/index.js";
import type { VectorEnv } from "../../core/vector.js";
import { RunningMeanStd } from "../../core/wrappers.js";
import { decodeFloat32, encodeFloat32 } from "../../nn/base64.js";
import { FusedAdam } from "../../nn/fused/adam.js";
import { Arena, F32Slot, type TypedSlot } from "../../nn/fused/arena.js";
import { ppoCategoricalIoSize } from "../../nn/fused/kernels-ts.js";
import { createLossStats, valueLoss } from "../../nn/fused/losses.js";
import { FusedMlp } from "../../nn/fused/mlp.js";
import { initMlpWeights } from "../../nn/mlp.js";
import { type PpoConfig, type ResolvedPpoConfig, resolvePpoConfig } from "./config.js";
import { argmax, HALF_LOG_2PI, ppoGaussian, sampleCategorical, variance } from "./losses.js";
import type { PpoLearnerState, PpoRecord, PpoResult, PpoRollout, RolloutStats } from "./state.js";

/** Splits a flat parameter vector into `FusedMlp.weightShapes()` order copies. */
function splitWeights(mlp: FusedMlp, params: Float32Array): Float32Array[] {
  const out: Float32Array[] = [];
  for (let l = 0; l < mlp.layers; l++) {
    out.push(params.slice(mlp.kernelOffsets[l], mlp.biasOffsets[l]));
    out.push(params.slice(mlp.biasOffsets[l], mlp.biasOffsets[l]! + mlp.sizes[l + 1]!));
  }
  return out;
}

/** Concatenates `initMlpWeights` arrays into one flat vector at `target`. */
function packWeights(weights: readonly Float32Array[], target: Float32Array): void {
  let offset = 0;
  for (const w of weights) {
    target.set(w, offset);
    offset += w.length;
  }
}

/**
 * PPO as a learner object: `collect()` rolls the current policy out for `numSteps` vector steps,
 * `update()` runs GAE and the clipped-surrogate epochs on that rollout. `trainPpo` alternates them;
 * adversarial imitation rewrites `rollout.rewards` in between.
 */
export class PpoLearner {
  readonly config: ResolvedPpoConfig;
  readonly numUpdates: number;
  readonly rollout: PpoRollout;
  /**
   * The value bootstrapped after a *terminated* transition: 0 for an MDP whose episodes end there
   * (CleanRL), or the value of an absorbing state when the rewards are learned (see adversarial.ts).
   */
  terminalValue = 0;
  private readonly envs: VectorEnv;
  private readonly space: Discrete | Box;
  /** A Box action space: a diagonal Gaussian head. */
  private readonly gaussian: boolean;
  /** Logits (Discrete) or Gaussian dimensions (Box). */
  private readonly actionDim: number;
  /** The Gaussian's log-std, a view into `params` after both networks. */

  /** The network inputs of each row: the observation, standardized when `normalizeObservations`. */
  private readonly inputs: Float32Array;
  private readonly obsRms: RunningMeanStd | null;
  private readonly returnRms: RunningMeanStd | null;
  /** Per env, the discounted return NormalizeReward tracks. */
  private readonly discounted: Float64Array;
  private readonly rng: Rng;
  private readonly actor: FusedMlp;
  private readonly critic: FusedMlp;
  /**
   * One flat parameter vector [actor | critic | log-std] and its gradient, in the arena the two
   * networks and Adam share, so no pass copies them (views are re-derived if the arena grows).
   */
  private readonly paramSlot: F32Slot;
  private readonly gradSlot: F32Slot;
  /** The slots' parts: actor, critic and log-std (each views into the vectors above). */
  private readonly parts: Record<"policy" | "value" | "logStd", { params: F32Slot; grads: F32Slot }>;
  private get params(): Float32Array {
    return this.paramSlot.array;
  }
  private get policyParams(): Float32Array {
    return this.parts.policy.params.array;
  }
  private get valueParams(): Float32Array {
    return this.parts.value.params.array;
  }
  private get logStd(): Float32Array {
    return this.parts.logStd.params.array;
  }
  private get grads(): Float32Array {
    return this.gradSlot.array;
  }
  private get policyGrads(): Float32Array {
    return this.parts.policy.grads.array;
  }
  private get valueGrads(): Float32Array {
    return this.parts.value.grads.array;
  }
  private get logStdGrads(): Float32Array {
    return this.parts.logStd.grads.array;
  }
  private readonly optimizer: FusedAdam;
  private readonly values: Float64Array;
  private readonly advantages: Float64Array;
  private readonly returns: Float64Array;
  private readonly validRows: Int32Array;
  /** The minibatch: what the policy loss reads lives in the arena, for the kernel that computes it. */
  private readonly mb: {
    actions: TypedSlot<Int32Array>;
    logprobs: TypedSlot<Float64Array>;
    advantages: TypedSlot<Float64Array>;
    /** The categorical loss's float64 in/out block (`ppoCategoricalIoSize`). */
    io: TypedSlot<Float64Array>;
    returns: Float64Array;
    values: Float64Array;
  };
  private readonly envActions: Float32Array;
  private readonly mbContinuous: Float32Array;
  /** The arena the networks, Adam and the minibatch share. */
  private readonly arena: Arena;
  private readonly policyStats = createLossStats();
  private readonly valueStats = createLossStats();
  private readonly episodeReturn: Float64Array;
  private readonly currentObs: Float32Array;
  /** Whether the next step of env i is an autoreset step (its episode ended on the last step). */
  private readonly nextIsAutoreset: Uint8Array;
  private globalStep = 0;
  private updates = 0;
  private evalNet: FusedMlp | null = null;

  constructor(envs: VectorEnv, config: PpoConfig = {}) {
    const args = resolvePpoConfig(config);
    const space = envs.singleActionSpace;
    if (!(space instanceof Discrete) && !(space instanceof Box && space.shape.length === 1)) {
      throw new InvalidOptionError(
        "env.actionSpace",
        `PPO supports Discrete and one-dimensional Box action spaces, got ${space}.`,
      );
    }
    if (envs.numEnvs !== args.numEnvs) {
      throw new InvalidOptionError(
        "numEnvs",
        `PPO config: numEnvs is ${args.numEnvs} but the vector env has ${envs.numEnvs}; make them equal.`,
      );
    }
    this.config = args;
    this.envs = envs;
    this.space = space;
    const numEnvs = args.numEnvs;
    const numSteps = args.numSteps;
    const batchSize = numEnvs * numSteps;
    this.numUpdates = Math.floor(args.totalTimesteps / batchSize);
    if (this.numUpdates < 1) {
      throw new InvalidOptionError(
        "totalTimesteps",
        `PPO config: totalTimesteps (${args.totalTimesteps}) is below one rollout (numEnvs × numSteps = ${batchSize}).`,
      );
    }
    const obsSize = envs.obsSize;
    this.gaussian = space instanceof Box;
    const nActions = space instanceof Discrete ? space.n : space.shape[0]!;
    this.actionDim = nActions;

    // PLUMBING: seeding (one Rng; the envs get seed + i, as CleanRL's make_env)
    this.rng = rngFromSeed(args.seed);

    // ALGO LOGIC: the agent — actor (logits) and critic (V), each [obs, 64, 64, out] with tanh
    // (CleanRL's; `activation` may make it ReLU)
    const activation = args.activation;
    const policyShape = { inputSize: obsSize, hiddenSizes: args.hidden, outputSize: nActions, activation };
    const valueShape = { inputSize: obsSize, hiddenSizes: args.hidden, outputSize: 1, activation };
    const capacity = Math.max(numEnvs, batchSize);
    const arena = new Arena();
    this.arena = arena;
    this.actor = new FusedMlp({ sizes: [obsSize, ...args.hidden, nActions], activation }, capacity, {
      arena,
    });
    this.critic = new FusedMlp({ sizes: [obsSize, ...args.hidden, 1], activation }, capacity, { arena });
    // One flat parameter vector [actor | critic] and one gradient, so a single Adam and a single
    // global-norm clip cover both networks, as `optim.Adam(agent.parameters())` does.
    // A Gaussian head adds its log-std (CleanRL: `actor_logstd`, zeros) after both networks.
    const nPolicy = this.actor.parameterCount;
    const nValue = this.critic.parameterCount;
    const nLogStd = this.gaussian ? nActions : 0;
    this.optimizer = new FusedAdam(
      this.gaussian ? [nPolicy, nValue, nLogStd] : [nPolicy, nValue],
      { learningRate: args.learningRate, epsilon: 1e-5 },
      arena,
    );
    this.paramSlot = arena.slot(nPolicy + nValue + nLogStd);
    this.gradSlot = arena.slot(nPolicy + nValue + nLogStd);
    const part = (from: number, length: number) => ({
      params: new F32Slot(arena, this.paramSlot.ptr + 4 * from, length),
      grads: new F32Slot(arena, this.gradSlot.ptr + 4 * from, length),
    });
    this.parts = {
      policy: part(0, nPolicy),
      value: part(nPolicy, nValue),
      logStd: part(nPolicy + nValue, nLogStd),
    };
    packWeights(initMlpWeights(policyShape, this.rng, 0.01), this.policyParams);
    packWeights(initMlpWeights(valueShape, this.rng, 1), this.valueParams);
    if (this.gaussian) this.logStd.fill(args.logStdInit);

    // ALGO LOGIC: storage setup
    this.rollout = {
      numSteps,
      numEnvs,
      obsSize,
      obs: new Float32Array(batchSize * obsSize),
      actions: new Int32Array(this.gaussian ? 0 : batchSize),
      continuousActions: new Float32Array(this.gaussian ? batchSize * nActions : 0),
      logprobs: new Float64Array(batchSize),
      rewards: new Float64Array(batchSize),
      terminated: new Uint8Array(batchSize),
      ended: new Uint8Array(batchSize),
      valid: new Uint8Array(batchSize),
      nextObs: new Float32Array(batchSize * obsSize),
    };
    this.values = new Float64Array(batchSize);
    this.advantages = new Float64Array(batchSize);
    this.returns = new Float64Array(batchSize);
    this.validRows = new Int32Array(batchSize);
    this.mb = {
      actions: arena.typedSlot(Int32Array, batchSize),
      logprobs: arena.typedSlot(Float64Array, batchSize),
      advantages: arena.typedSlot(Float64Array, batchSize),
      io: arena.typedSlot(Float64Array, ppoCategoricalIoSize(nActions)),
      returns: new Float64Array(batchSize),
      values: new Float64Array(batchSize),
    };
    this.envActions = new Float32Array(numEnvs * (this.gaussian ? nActions : 1));
    this.mbContinuous = new Float32Array(this.gaussian ? batchSize * nActions : 0);
    this.inputs = args.normalizeObservations ? new Float32Array(batchSize * obsSize) : this.rollout.obs;
    this.obsRms = args.normalizeObservations ? new RunningMeanStd(obsSize) : null;
    this.returnRms = args.normalizeRewards ? new RunningMeanStd(1) : null;
    this.discounted = new Float64Array(numEnvs);
    this.episodeReturn = new Float64Array(numEnvs); // CleanRL's RecordEpisodeStatistics

    // TRY NOT TO MODIFY: start the game
    this.currentObs = new Float32Array(numEnvs * obsSize);
    this.currentObs.set(envs.reset({ seed: args.seed }).observations);
    this.nextIsAutoreset = new Uint8Array(numEnvs);
  }

  /** The env's action space. */
  get actionSpace(): Discrete | Box {
    return this.space;
  }

  /** Writes the network input for `rows` observations: standardized when `normalizeObservations`. */
  private toInputs(obs: Float32Array, rows: number, out: Float64Array | Float32Array, from = 0): void {
    const n = this.rollout.obsSize;
    const rms = this.obsRms;
    if (rms === null) {
      for (let j = 0; j < rows * n; j++) out[j] = obs[from + j]!;
      return;
    }
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < n; k++) {
        out[r * n + k] = (obs[from + r * n + k]! - rms.mean[k]!) / Math.sqrt(rms.var[k]! + 1e-8);
      }
    }
  }

  /** Updates done so far. */
  get updateCount(): number {
    return this.updates;
  }

  /**
   * Replaces the last rollout's rewards by learned ones: `learned[i]` is the reward of the i-th
   * valid row in row order, and `absorbing` that of one step of the absorbing loop. With `stats`,
   * both are standardized by running mean and std (updated with this rollout's rewards first);
   * shifting every reward by the same amount changes no policy's ranking, since a terminated
   * episode's absorbing loop is shifted too. A terminated row then bootstraps with the absorbing
   * loop's worth r_abs / (1 − γ).
   */
  setLearnedRewards(learned: Float64Array, absorbing: number, stats: RunningMeanStd | null): void {
    const { rewards, valid } = this.rollout;
    const count = valid.reduce((n, v) => n + v, 0);
    let mean = 0;
    let scale = 1;
    if (stats !== null) {
      for (let i = 0; i < count; i++) stats.update(learned.subarray(i, i + 1));
      mean = stats.mean[0]!;
      scale = 1 / Math.sqrt(stats.var[0]! + 1e-8);
    }
    let i = 0;
    for (let row = 0; row < rewards.length; row++) {
      if (valid[row]) rewards[row] = (learned[i++]! - mean) * scale;
    }
    this.terminalValue = ((absorbing - mean) * scale) / (1 - this.config.gamma);
  }

  getState(): PpoLearnerState {
    return {
      format: "mimic-ppo-learner",
      version: 1,
      updates: this.updates,
      globalStep: this.globalStep,
      params: encodeFloat32(this.params),
      adam: this.optimizer.getState(),
      rng: this.rng.bitGenerator.getState(),
      obsRms: this.obsRms?.toJSON() ?? null,
      returnRms: this.returnRms?.toJSON() ?? null,
    };
  }

  /** Continues from `getState()`'s snapshot; the envs restart (see `PpoLearnerState`). */
  setState(state: PpoLearnerState): void {
    if (state?.format !== "mimic-ppo-learner" || state.version !== 1) {
      throw new InvalidOptionError(
        "state",
        'PPO learner state: expected format "mimic-ppo-learner", version 1.',
      );
    }
    const params = decodeFloat32(state.params);
    if (params === null || params.length !== this.params.length) {
      throw new ShapeMismatchError(
        `PPO learner state: ${params?.length ?? "no"} parameters for a network of ${this.params.length}; was it saved with other hidden sizes or another env?`,
      );
    }
    this.params.set(params);
    this.optimizer.setState(state.adam);
    this.rng.bitGenerator.setState(state.rng);
    if (state.obsRms && this.obsRms) this.obsRms.load(state.obsRms);
    if (state.returnRms && this.returnRms) this.returnRms.load(state.returnRms);
    this.updates = state.updates;
    this.globalStep = state.globalStep;
    this.currentObs.set(this.envs.reset({ seed: this.config.seed + 100_003 * state.updates }).observations);
    this.nextIsAutoreset.fill(0);
    this.episodeReturn.fill(0);
    this.discounted.fill(0);
  }

  /** Rolls the current policy out for `numSteps` vector steps into `rollout` (env rewards). */
  collect(): RolloutStats {
    const { numEnvs, numSteps, obsSize, obs, actions, logprobs, rewards, terminated, ended, valid } =
      this.rollout;
    const { actor, critic, space, values, currentObs, nextIsAutoreset, episodeReturn, actionDim } = this;
    const continuous = this.rollout.continuousActions;
    let episodes = 0;
    let episodeReturnSum = 0;
    for (let step = 0; step < numSteps; step++) {
      this.globalStep += numEnvs;
      const row0 = step * numEnvs;
      obs.set(currentObs, row0 * obsSize);
      for (let i = 0; i < numEnvs; i++) valid[row0 + i] = nextIsAutoreset[i] ? 0 : 1;
      if (this.obsRms !== null) {
        // NormalizeObservation: fold in each real observation, then standardize with the new stats.
        for (let i = 0; i < numEnvs; i++) {
          if (valid[row0 + i]) this.obsRms.update(currentObs.subarray(i * obsSize, (i + 1) * obsSize));
        }
        this.toInputs(currentObs, numEnvs, this.inputs.subarray(row0 * obsSize));
      }

      // ALGO LOGIC: action logic — a ~ π(·|s) (Categorical(logits) or N(μ, σ²)), V(s) = critic(s)
      const xa = actor.input;
      const xc = critic.input;
      for (let j = 0; j < numEnvs * obsSize; j++) {
        const x = this.inputs[row0 * obsSize + j]!;
        xa[j] = x;
        xc[j] = x;
      }
      const out = actor.forward(this.policyParams, numEnvs);
      const v = critic.forward(this.valueParams, numEnvs);
      for (let i = 0; i < numEnvs; i++) {
        values[row0 + i] = v[i]!;
        if (space instanceof Discrete) {
          const [a, logp] = sampleCategorical(out, i * actionDim, actionDim, this.rng.random());
          actions[row0 + i] = a;
          logprobs[row0 + i] = logp;
          this.envActions[i] = space.start + a;
          continue;
        }
        // a = μ + σ·ε; log N(a; μ, σ²) = Σ_d −½ε_d² − log σ_d − ½ log 2π; the env gets clip(a).
        let logp = 0;
        for (let d = 0; d < actionDim; d++) {
          const eps = this.rng.normal(0, 1);
          const logStd = this.logStd[d]!;
          const a = out[i * actionDim + d]! + Math.exp(logStd) * eps;
          continuous[(row0 + i) * actionDim + d] = a;
          logp += -0.5 * eps * eps - logStd - HALF_LOG_2PI;
          this.envActions[i * actionDim + d] = Math.min(Math.max(a, space.low[d]!), space.high[d]!);
        }
        logprobs[row0 + i] = logp;
      }

      // TRY NOT TO MODIFY: execute the game and log data.
      const result = this.envs.step(this.envActions);
      currentObs.set(result.observations);
      for (let i = 0; i < numEnvs; i++) {
        const row = row0 + i;
        const reward = result.rewards[i]!;
        rewards[row] = reward;
        terminated[row] = result.terminations[i]!;
        ended[row] = result.terminations[i]! | result.truncations[i]!;
        nextIsAutoreset[i] = ended[row]!;
        if (valid[row]) episodeReturn[i] += reward;
        if (this.returnRms !== null && valid[row]) {
          // NormalizeReward: G ← γ·G·(1 − terminated) + r; r / √(Var G + 1e-8), clipped to ±10.
          this.discounted[i] = this.discounted[i]! * this.config.gamma + reward;
          this.returnRms.update(this.discounted.subarray(i, i + 1));
          rewards[row] = Math.min(Math.max(reward / Math.sqrt(this.returnRms.var[0]! + 1e-8), -10), 10);
          if (terminated[row]) this.discounted[i] = 0;
        }
        if (ended[row]) {
          episodes++;
          episodeReturnSum += episodeReturn[i]!;
          episodeReturn[i] = 0;
        }
      }
    }
    // s_{t+1}: the next row's observation (an autoreset row holds the final one), or the
    // observation after the last step.
    const { nextObs } = this.rollout;
    const stride = numEnvs * obsSize;
    nextObs.set(obs.subarray(stride), 0);
    nextObs.set(currentObs, (numSteps - 1) * stride);
    return { timesteps: this.globalStep, episodes, episodeReturnSum };
  }

  /** log π(a | s) under the current policy for `rows` observations and action indices. */
  logProbs(
    observations: ArrayLike<number>,
    actionIndices: ArrayLike<number>,
    rows: number,
    out: Float64Array,
  ): void {
    if (!(this.space instanceof Discrete) || this.obsRms !== null) {
      throw new InvalidOptionError(
        "env.actionSpace",
        "logProbs needs Discrete actions and raw observations.",
      );
    }
    const nActions = this.space.n;
    const obsSize = this.rollout.obsSize;
    let net = this.evalNet;
    if (net === null) {
      net = new FusedMlp({ sizes: this.actor.sizes, activation: this.actor.activation }, rows);
      this.evalNet = net;
    }
    net.reserve(rows);
    const x = net.input;
    for (let j = 0; j < rows * obsSize; j++) x[j] = observations[j]!;
    const logits = net.forward(this.policyParams, rows);
    for (let r = 0; r < rows; r++) {
      const base = r * nActions;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < nActions; k++) if (logits[base + k]! > max) max = logits[base + k]!;
      let total = 0;
      for (let k = 0; k < nActions; k++) total += Math.exp(logits[base + k]! - max);
      out[r] = logits[base + actionIndices[r]!]! - max - Math.log(total);
    }
  }

  /** GAE and the PPO epochs on the last rollout (with whatever rewards it now holds). */
  update(): Omit<PpoRecord, "timesteps" | "meanEpisodeReturn" | "episodes"> {
    const args = this.config;
    const { numEnvs, numSteps, obsSize, actions, logprobs, rewards, terminated, ended, valid } = this.rollout;
    const { actor, critic, values, advantages, returns, validRows, mb, optimizer } = this;
    const batchSize = numEnvs * numSteps;
    this.updates++;
    // Annealing the rate if instructed to do so.
    const frac = args.annealLr ? 1 - (this.updates - 1) / this.numUpdates : 1;
    optimizer.learningRate = Math.max(frac, 0) * args.learningRate;

    // ALGO LOGIC: bootstrap value and GAE (Schulman et al. 2016, eq. 11-16):
    //   δ_t = r_t + γ·(terminated_t ? V_T : V(s_{t+1})) − V(s_t)
    //   Â_t = δ_t + γλ·(1 − ended_t)·Â_{t+1}
    // s_{t+1} is the next row's observation (the final one when the episode ended, since that row
    // is the autoreset row), or the current observation after the last step. V_T is
    // `terminalValue` (0 unless rewards are learned). Autoreset rows get Â = 0.
    const lastRow = (numSteps - 1) * numEnvs * obsSize;
    this.toInputs(this.rollout.nextObs, numEnvs, critic.input, lastRow);
    const nextValue = critic.forward(this.valueParams, numEnvs);
    for (let i = 0; i < numEnvs; i++) {
      let lastgaelam = 0;
      for (let t = numSteps - 1; t >= 0; t--) {
        const row = t * numEnvs + i;
        if (!valid[row]) {
          advantages[row] = 0;
          lastgaelam = 0;
          continue;
        }
        const nextValues = terminated[row]
          ? this.terminalValue
          : t === numSteps - 1
            ? nextValue[i]!
            : values[row + numEnvs]!;
        const nextNonEnded = 1 - ended[row]!;
        const delta = rewards[row]! + args.gamma * nextValues - values[row]!;
        lastgaelam = delta + args.gamma * args.gaeLambda * nextNonEnded * lastgaelam;
        advantages[row] = lastgaelam;
      }
    }
    let validCount = 0;
    for (let row = 0; row < batchSize; row++) {
      returns[row] = advantages[row]! + values[row]!;
      if (valid[row]) validRows[validCount++] = row;
    }

    // ALGO LOGIC: optimizing the policy and value network on the valid rows
    const minibatchSize = Math.max(1, Math.floor(validCount / args.numMinibatches));
    let clipFractionSum = 0;
    let minibatches = 0;
    let stopEarly = false;
    const { policyStats, valueStats, inputs, gaussian } = this;
    const continuousActions = this.rollout.continuousActions;
    for (let epoch = 0; epoch < args.updateEpochs && !stopEarly; epoch++) {
      // Fisher–Yates shuffle of the valid rows (np.random.shuffle(b_inds))
      for (let i = validCount - 1; i > 0; i--) {
        const j = this.rng.integers(i + 1);
        const tmp = validRows[i]!;
        validRows[i] = validRows[j]!;
        validRows[j] = tmp;
      }
      for (let start = 0; start + minibatchSize <= validCount; start += minibatchSize) {
        const m = minibatchSize;
        // Gather the minibatch
        const xa = actor.input;
        const xv = critic.input;
        const mbActions = mb.actions.array;
        const mbLogprobs = mb.logprobs.array;
        const mbAdvantages = mb.advantages.array;
        for (let r = 0; r < m; r++) {
          const row = validRows[start + r]!;
          for (let k = 0; k < obsSize; k++) {
            const o = inputs[row * obsSize + k]!;
            xa[r * obsSize + k] = o;
            xv[r * obsSize + k] = o;
          }
          if (gaussian) {
            const d = this.actionDim;
            for (let j = 0; j < d; j++) this.mbContinuous[r * d + j] = continuousActions[row * d + j]!;
          } else {
            mbActions[r] = actions[row]!;
          }
          mbLogprobs[r] = logprobs[row]!;
          mbAdvantages[r] = advantages[row]!;
          mb.returns[r] = returns[row]!;
          mb.values[r] = values[row]!;
        }
        // Advantage normalization: (A − mean) / (std + 1e-8), torch's unbiased std.
        if (args.normAdv) {
          let mean = 0;
          for (let r = 0; r < m; r++) mean += mbAdvantages[r]!;
          mean /= m;
          let sq = 0;
          for (let r = 0; r < m; r++) {
            const centered = mbAdvantages[r]! - mean;
            sq += centered * centered;
          }
          const std = m > 1 ? Math.sqrt(sq / (m - 1)) : 0;
          for (let r = 0; r < m; r++) mbAdvantages[r] = (mbAdvantages[r]! - mean) / (std + 1e-8);
        }

        // The critic's passes run on a helper thread (when one is free) beside the actor's: the
        // two networks share nothing until the gradient clipping, so the numbers are the same.
        // The value loss comes before the policy loss, so the critic's backward pass starts as
        // early as it can.
        const valuesReady = critic.forwardAsync(this.valueParams, m);
        let criticBackward: (() => void) | null = null;
        try {
          const newOut = actor.forward(this.policyParams, m);

          // Value loss: c_vf · ½ mean max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)
          const newValues = valuesReady();
          valueLoss(
            newValues,
            m,
            mb.returns,
            critic.outputGrad,
            valueStats,
            args.clipVloss ? { oldValues: mb.values, clipEpsilon: args.clipCoef } : undefined,
          );
          const dv = critic.outputGrad;
          for (let r = 0; r < m; r++) dv[r] = dv[r]! * args.vfCoef;
          criticBackward = critic.backwardAsync(this.valueParams, m, this.valueGrads);

          // Policy loss: −mean min(r·Â, clip(r, 1 − ε, 1 + ε)·Â) − c_ent · mean H (eq. 7 and 9)
          if (this.gaussian) {
            ppoGaussian(
              newOut,
              this.logStd,
              m,
              this.mbContinuous,
              mbLogprobs,
              mbAdvantages,
              args.clipCoef,
              args.entCoef,
              actor.outputGrad,
              this.logStdGrads,
              policyStats,
            );
          } else {
            // The clipped surrogate in the engine (`losses.ts`'s ppoCategorical, compiled).
            const io = mb.io.array;
            io[0] = args.clipCoef;
            io[1] = args.entCoef;
            this.arena.kernels.ppoCategorical(
              newOut.byteOffset,
              m,
              this.actionDim,
              mb.actions.ptr,
              mb.logprobs.ptr,
              mb.advantages.ptr,
              actor.outputGrad.byteOffset,
              mb.io.ptr,
            );
            policyStats.policyLoss = io[2]!;
            policyStats.entropy = io[3]!;
            policyStats.approxKl = io[4]!;
            policyStats.clipFraction = io[5]!;
            policyStats.loss = policyStats.policyLoss - args.entCoef * policyStats.entropy;
          }
          actor.backward(this.policyParams, m, this.policyGrads);
        } finally {
          // Whatever happened above, the helper's pass ends before anything reads its buffers.
          if (criticBackward === null) valuesReady();
          else criticBackward();
        }

        // Global-norm clipping over both networks (PyTorch's clip_grad_norm_, whose factor is a
        // float32 tensor), then one Adam step.
        const kernels = this.arena.kernels;
        const gradCount = this.gradSlot.length;
        const norm = Math.sqrt(kernels.sumSquares(this.gradSlot.ptr, gradCount));
        const clipFactor = Math.min(args.maxGradNorm / (norm + 1e-6), 1);
        if (clipFactor < 1) kernels.scale(this.gradSlot.ptr, gradCount, clipFactor);
        if (!Number.isFinite(norm)) {
          const policyBad = !Number.isFinite(policyStats.loss);
          throw new NonFiniteGradientError(
            policyBad ? "policy" : "value",
            optimizer.step + 1,
            policyBad ? "policy (clipped surrogate + entropy)" : "value",
          );
        }
        optimizer.update(this.params, this.grads);
        clipFractionSum += policyStats.clipFraction;
        minibatches++;
      }
      if (args.targetKl !== undefined && policyStats.approxKl > args.targetKl) stopEarly = true;
    }

    // PLUMBING: the update's statistics (CleanRL's writer.add_scalar calls)
    const validReturns = new Float64Array(validCount);
    const residuals = new Float64Array(validCount);
    for (let r = 0; r < validCount; r++) {
      const row = validRows[r]!;
      validReturns[r] = returns[row]!;
      residuals[r] = returns[row]! - values[row]!;
    }
    const varY = variance(validReturns, validCount);
    return {
      learningRate: optimizer.learningRate,
      policyLoss: policyStats.policyLoss,
      valueLoss: valueStats.loss,
      entropy: policyStats.entropy,
      approxKl: policyStats.approxKl,
      clipFraction: minibatches > 0 ? clipFractionSum / minibatches : 0,
      explainedVariance: varY === 0 ? Number.NaN : 1 - variance(residuals, validCount) / varY,
    };
  }

  /**
   * The weights and the deterministic policy on a copy of them: the largest logit, or the
   * Gaussian's mean clipped to the Box; observations standardized with the final statistics.
   */
  /** The policy's weights now, copied: the MLP's (kernel, bias, …), then a Gaussian's log-std. */
  policyWeights(): Float32Array[] {
    const weights = splitWeights(this.actor, this.policyParams);
    if (this.gaussian) weights.push(new Float32Array(this.logStd));
    return weights;
  }

  result(history: PpoRecord[]): PpoResult {
    const finalPolicy = new Float32Array(this.policyParams);
    const actNet = new FusedMlp({ sizes: this.actor.sizes, activation: this.actor.activation }, 1);
    const obsSize = this.rollout.obsSize;
    const space = this.space;
    const dim = this.actionDim;
    const rms = this.obsRms;
    const normalization =
      rms === null
        ? null
        : { mean: Float64Array.from(rms.mean), std: Float64Array.from(rms.var, (v) => Math.sqrt(v + 1e-8)) };
    const act = (observation: ArrayLike<number>): number | Float32Array => {
      const x = actNet.input;
      for (let k = 0; k < obsSize; k++) {
        x[k] =
          normalization === null
            ? observation[k]!
            : (observation[k]! - normalization.mean[k]!) / normalization.std[k]!;
      }
      const out = actNet.forward(finalPolicy, 1);
      if (space instanceof Discrete) return space.start + argmax(out, 0, dim);
      return Float32Array.from({ length: dim }, (_, d) =>
        Math.min(Math.max(out[d]!, space.low[d]!), space.high[d]!),
      );
    };
    return {
      policyWeights: this.policyWeights(),
      valueWeights: splitWeights(this.critic, this.valueParams),
      history,
      normalization,
      act,
    };
  }
}
