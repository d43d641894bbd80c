/**
 * Proximal Policy Optimization (PPO) for Discrete action spaces on a vector env.
 *
 * Paper: Schulman, Wolski, Dhariwal, Radford & Klimov (2017), "Proximal Policy Optimization
 * Algorithms" (arXiv:1707.06347). Reference implementation: CleanRL's `cleanrl/ppo.py`
 * (vwxyzjn/cleanrl), whose defaults and loop this file follows step by step:
 *
 *   rollout numSteps × numEnvs with a ~ π(·|s) → GAE(γ, λ) → updateEpochs passes of numMinibatches
 *   minibatches minimizing  L = L_clip − c_ent · H + c_vf · L_V,  with one Adam over both networks,
 *   global gradient-norm clipping and a linearly annealed learning rate.
 *
 * The policy and the value function are separate 64×64 tanh MLPs on the fused engine
 * (`src/nn/fused/`), as CleanRL's `Agent.actor` / `Agent.critic`. CleanRL initializes them
 * orthogonally (gain √2, 0.01 for the policy head, 1 for the value head); here `initMlpWeights`
 * draws Glorot-uniform kernels with the same head gains.
 *
 * Differences from CleanRL, both about episode ends:
 * - **Next-step autoreset.** mimic's `VectorEnv` follows Gymnasium 1.x: after sub-env i ends at
 *   step t, the step at t + 1 only resets it (action ignored, reward 0) and its row in the rollout
 *   starts at the episode's *final* observation. That row is not a transition of the MDP, so it is
 *   masked out: its advantage is 0, it is left out of every minibatch, and GAE's recursion is cut
 *   at the episode end before it.
 * - **Truncation bootstraps.** Because that masked row holds the final observation and its value
 *   was computed anyway, a truncated transition (time limit) bootstraps with γ·V(s_final), and
 *   only a terminated one uses 0. CleanRL's gym-0.2x `done` treats both as terminal.
 */
import { z } from "zod";
import { InvalidOptionError, NonFiniteGradientError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import { rngFromSeed } from "../core/rng.js";
import { Discrete } from "../core/spaces.js";
import type { VectorEnv } from "../core/vector.js";
import { FusedAdam } from "../nn/fused/adam.js";
import {
  CategoricalScratch,
  clipGradNorm,
  createLossStats,
  ppoCategorical,
  valueLoss,
} from "../nn/fused/losses.js";
import { FusedMlp } from "../nn/fused/mlp.js";
import { initMlpWeights } from "../nn/mlp.js";

// ---------------------------------------------------------------------------------------------
// Config (CleanRL's ppo.py defaults, which are its CartPole-v1 settings)
// ---------------------------------------------------------------------------------------------

export const ppoConfigSchema = z
  .object({
    /** Total env steps (vector steps × numEnvs, autoreset steps included, as CleanRL's global_step). */
    totalTimesteps: z.number().int().positive().default(500_000),
    /** Adam's step size at the start (annealed linearly to 0 when `annealLr`). */
    learningRate: z.number().positive().default(2.5e-4),
    /** Parallel envs; must equal the vector env's `numEnvs`. */
    numEnvs: z.number().int().positive().default(4),
    /** Steps per env per rollout. */
    numSteps: z.number().int().positive().default(128),
    /** Anneal the learning rate linearly from `learningRate` to 0 over the run. */
    annealLr: z.boolean().default(true),
    /** Discount factor γ. */
    gamma: z.number().min(0).max(1).default(0.99),
    /** GAE's λ. */
    gaeLambda: z.number().min(0).max(1).default(0.95),
    /** Minibatches per epoch (minibatch size = valid rows / numMinibatches). */
    numMinibatches: z.number().int().positive().default(4),
    /** Passes over each rollout (PPO's K epochs). */
    updateEpochs: z.number().int().positive().default(4),
    /** Normalize advantages per minibatch to mean 0, std 1. */
    normAdv: z.boolean().default(true),
    /** Surrogate clipping coefficient ε (also the value-clipping range). */
    clipCoef: z.number().positive().default(0.2),
    /** Clip the value loss around the values at collection time, as CleanRL does. */
    clipVloss: z.boolean().default(true),
    /** Coefficient of the entropy bonus. */
    entCoef: z.number().min(0).default(0.01),
    /** Coefficient of the value loss. */
    vfCoef: z.number().min(0).default(0.5),
    /** Maximum global L2 norm of the gradient (over both networks). */
    maxGradNorm: z.number().positive().default(0.5),
    /** Stop an update's epochs early when the approximate KL exceeds this (off by default). */
    targetKl: z.number().positive().optional(),
    /** Hidden layer sizes of both MLPs. */
    hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
    /** Seed of the weights, the action sampling, the shuffles and the env resets. */
    seed: z.number().int().min(0).default(1),
  })
  .strict();

/** PPO's options; every field has a default. */
export type PpoConfig = z.input<typeof ppoConfigSchema>;
export type ResolvedPpoConfig = z.output<typeof ppoConfigSchema>;

/** Validates a config, naming the bad field. */
export function resolvePpoConfig(config: PpoConfig = {}): ResolvedPpoConfig {
  const result = ppoConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new InvalidOptionError(path, `PPO config: ${path} is invalid: ${issue.message}.`, {
    cause: result.error,
  });
}

/** One line of PPO's history, per update (CleanRL's TensorBoard scalars). */
export interface PpoRecord {
  /** Env steps so far. */
  timesteps: number;
  /** Mean return of the episodes that finished during this rollout; null when none did. */
  meanEpisodeReturn: number | null;
  /** Episodes that finished during this rollout. */
  episodes: number;
  learningRate: number;
  /** Of the last minibatch, as CleanRL logs. */
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  /** Mean over the update's minibatches. */
  clipFraction: number;
  /** 1 − Var(returns − values) / Var(returns) over the rollout's valid rows. */
  explainedVariance: number;
}

export interface TrainPpoOptions {
  /** Called after each update with its record. */
  onUpdateEnd?: (record: PpoRecord) => void;
  /** Stops training after the current update. */
  signal?: AbortSignal;
}

export interface PpoResult {
  /** The policy MLP's weights (kernel, bias, … per layer, `initMlpWeights` order): logits. */
  policyWeights: Float32Array[];
  /** The value MLP's weights, same order: one output. */
  valueWeights: Float32Array[];
  history: PpoRecord[];
  /** The deterministic policy: the action of the largest logit (the env's action, `start` included). */
  act: (observation: ArrayLike<number>) => number;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

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

/** Samples from softmax(logits[base…base+n)) with one uniform draw; returns [index, log p]. */
function sampleCategorical(logits: Float32Array, base: number, n: number, u: number): [number, number] {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) if (logits[base + k]! > max) max = logits[base + k]!;
  let total = 0;
  for (let k = 0; k < n; k++) total += Math.exp(logits[base + k]! - max);
  const lse = max + Math.log(total);
  let cumulative = 0;
  let chosen = n - 1;
  for (let k = 0; k < n; k++) {
    cumulative += Math.exp(logits[base + k]! - lse);
    if (u < cumulative) {
      chosen = k;
      break;
    }
  }
  return [chosen, logits[base + chosen]! - lse];
}

function argmax(values: Float32Array, base: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (values[base + k]! > values[base + best]!) best = k;
  return best;
}

function variance(values: Float64Array, count: number): number {
  let mean = 0;
  for (let i = 0; i < count; i++) mean += values[i]!;
  mean /= count;
  let sq = 0;
  for (let i = 0; i < count; i++) sq += (values[i]! - mean) ** 2;
  return sq / count;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export async function trainPpo(
  envs: VectorEnv,
  config: PpoConfig = {},
  options: TrainPpoOptions = {},
): Promise<PpoResult> {
  const args = resolvePpoConfig(config);
  const space = envs.singleActionSpace;
  if (!(space instanceof Discrete)) {
    throw new InvalidOptionError(
      "env.actionSpace",
      `PPO (ppo.ts) supports Discrete action spaces only, got ${space}.`,
    );
  }
  if (envs.numEnvs !== args.numEnvs) {
    throw new InvalidOptionError(
      "numEnvs",
      `PPO config: numEnvs is ${args.numEnvs} but the vector env has ${envs.numEnvs}; make them equal.`,
    );
  }
  const numEnvs = args.numEnvs;
  const numSteps = args.numSteps;
  const batchSize = numEnvs * numSteps;
  const numUpdates = Math.floor(args.totalTimesteps / batchSize);
  if (numUpdates < 1) {
    throw new InvalidOptionError(
      "totalTimesteps",
      `PPO config: totalTimesteps (${args.totalTimesteps}) is below one rollout (numEnvs × numSteps = ${batchSize}).`,
    );
  }
  const obsSize = envs.obsSize;
  const nActions = space.n;

  // PLUMBING: seeding (one Rng; the envs get seed + i, as CleanRL's make_env)
  const rng = rngFromSeed(args.seed);

  // ALGO LOGIC: the agent — actor (logits) and critic (V), each [obs, 64, 64, out] with tanh
  const activation = "tanh" as const;
  const policyShape = { inputSize: obsSize, hiddenSizes: args.hidden, outputSize: nActions, activation };
  const valueShape = { inputSize: obsSize, hiddenSizes: args.hidden, outputSize: 1, activation };
  const capacity = Math.max(numEnvs, batchSize);
  const actor = new FusedMlp({ sizes: [obsSize, ...args.hidden, nActions], activation }, capacity);
  const critic = new FusedMlp({ sizes: [obsSize, ...args.hidden, 1], activation }, capacity);
  // One flat parameter vector [actor | critic] and one gradient, so a single Adam and a single
  // global-norm clip cover both networks, as `optim.Adam(agent.parameters())` does.
  const nPolicy = actor.parameterCount;
  const nValue = critic.parameterCount;
  const params = new Float32Array(nPolicy + nValue);
  const policyParams = params.subarray(0, nPolicy);
  const valueParams = params.subarray(nPolicy);
  packWeights(initMlpWeights(policyShape, rng, 0.01), policyParams);
  packWeights(initMlpWeights(valueShape, rng, 1), valueParams);
  const grads = new Float32Array(nPolicy + nValue);
  const policyGrads = grads.subarray(0, nPolicy);
  const valueGrads = grads.subarray(nPolicy);
  const optimizer = new FusedAdam([nPolicy, nValue], { learningRate: args.learningRate, epsilon: 1e-5 });

  // ALGO LOGIC: storage setup, [numSteps, numEnvs] row-major (row = step · numEnvs + env)
  const obs = new Float32Array(batchSize * obsSize);
  const actions = new Int32Array(batchSize);
  const logprobs = new Float64Array(batchSize);
  const rewards = new Float64Array(batchSize);
  const terminated = new Uint8Array(batchSize); // the transition at this row reached a terminal state
  const ended = new Uint8Array(batchSize); // … or was truncated: the episode ends after this row
  const valid = new Uint8Array(batchSize); // 0 on autoreset rows (not a transition)
  const values = new Float64Array(batchSize);
  const advantages = new Float64Array(batchSize);
  const returns = new Float64Array(batchSize);
  // Minibatch scratch
  const validRows = new Int32Array(batchSize);
  const mbActions = new Int32Array(batchSize);
  const mbLogprobs = new Float64Array(batchSize);
  const mbAdvantages = new Float64Array(batchSize);
  const mbReturns = new Float64Array(batchSize);
  const mbValues = new Float64Array(batchSize);
  const envActions = new Int32Array(numEnvs);
  const scratch = new CategoricalScratch([nActions]);
  const policyStats = createLossStats();
  const valueStats = createLossStats();

  // Episode bookkeeping (CleanRL's RecordEpisodeStatistics)
  const episodeReturn = new Float64Array(numEnvs);
  const history: PpoRecord[] = [];

  // TRY NOT TO MODIFY: start the game
  let globalStep = 0;
  const nextObs = new Float32Array(numEnvs * obsSize);
  nextObs.set(envs.reset({ seed: args.seed }).observations);
  // Whether the next step of env i is an autoreset step (its episode ended on the last step).
  const nextIsAutoreset = new Uint8Array(numEnvs);

  for (let update = 1; update <= numUpdates; update++) {
    // Annealing the rate if instructed to do so.
    const frac = args.annealLr ? 1 - (update - 1) / numUpdates : 1;
    optimizer.learningRate = frac * args.learningRate;

    let episodes = 0;
    let episodeReturnSum = 0;
    for (let step = 0; step < numSteps; step++) {
      globalStep += numEnvs;
      const row0 = step * numEnvs;
      obs.set(nextObs, row0 * obsSize);
      for (let i = 0; i < numEnvs; i++) valid[row0 + i] = nextIsAutoreset[i] ? 0 : 1;

      // ALGO LOGIC: action logic — a ~ Categorical(logits = actor(s)), V(s) = critic(s)
      const xa = actor.input;
      const xc = critic.input;
      for (let j = 0; j < numEnvs * obsSize; j++) {
        xa[j] = nextObs[j]!;
        xc[j] = nextObs[j]!;
      }
      const logits = actor.forward(policyParams, numEnvs);
      const v = critic.forward(valueParams, numEnvs);
      for (let i = 0; i < numEnvs; i++) {
        const [a, logp] = sampleCategorical(logits, i * nActions, nActions, rng.random());
        actions[row0 + i] = a;
        logprobs[row0 + i] = logp;
        values[row0 + i] = v[i]!;
        envActions[i] = space.start + a;
      }

      // TRY NOT TO MODIFY: execute the game and log data.
      const result = envs.step(envActions);
      nextObs.set(result.observations);
      for (let i = 0; i < numEnvs; i++) {
        const row = row0 + i;
        rewards[row] = result.rewards[i]!;
        terminated[row] = result.terminations[i]!;
        ended[row] = result.terminations[i]! | result.truncations[i]!;
        nextIsAutoreset[i] = ended[row]!;
        if (valid[row]) episodeReturn[i] += rewards[row]!;
        if (ended[row]) {
          episodes++;
          episodeReturnSum += episodeReturn[i]!;
          episodeReturn[i] = 0;
        }
      }
    }

    // ALGO LOGIC: bootstrap value and GAE (Schulman et al. 2016, eq. 11-16):
    //   δ_t = r_t + γ·V(s_{t+1})·(1 − terminated_t) − V(s_t)
    //   Â_t = δ_t + γλ·(1 − ended_t)·Â_{t+1}
    // s_{t+1} is the next row's observation (the final one when the episode ended, since that row
    // is the autoreset row), or `nextObs` after the last step. Autoreset rows get Â = 0.
    const xc = critic.input;
    for (let j = 0; j < numEnvs * obsSize; j++) xc[j] = nextObs[j]!;
    const nextValue = critic.forward(valueParams, numEnvs);
    for (let i = 0; i < numEnvs; i++) {
      let lastgaelam = 0;
      for (let t = numSteps - 1; t >= 0; t--) {
        const row = t * numEnvs + i;
        if (!valid[row]) {
          advantages[row] = 0;
          lastgaelam = 0;
          continue;
        }
        const nextValues = t === numSteps - 1 ? nextValue[i]! : values[row + numEnvs]!;
        const nextNonTerminal = 1 - terminated[row]!;
        const nextNonEnded = 1 - ended[row]!;
        const delta = rewards[row]! + args.gamma * nextValues * nextNonTerminal - values[row]!;
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
    for (let epoch = 0; epoch < args.updateEpochs && !stopEarly; epoch++) {
      // Fisher–Yates shuffle of the valid rows (np.random.shuffle(b_inds))
      for (let i = validCount - 1; i > 0; i--) {
        const j = rng.integers(i + 1);
        const tmp = validRows[i]!;
        validRows[i] = validRows[j]!;
        validRows[j] = tmp;
      }
      for (let start = 0; start + minibatchSize <= validCount; start += minibatchSize) {
        const m = minibatchSize;
        // Gather the minibatch
        const xa = actor.input;
        const xv = critic.input;
        for (let r = 0; r < m; r++) {
          const row = validRows[start + r]!;
          for (let k = 0; k < obsSize; k++) {
            const o = obs[row * obsSize + k]!;
            xa[r * obsSize + k] = o;
            xv[r * obsSize + k] = o;
          }
          mbActions[r] = actions[row]!;
          mbLogprobs[r] = logprobs[row]!;
          mbAdvantages[r] = advantages[row]!;
          mbReturns[r] = returns[row]!;
          mbValues[r] = values[row]!;
        }
        // Advantage normalization: (A − mean) / (std + 1e-8), torch's unbiased std.
        if (args.normAdv) {
          let mean = 0;
          for (let r = 0; r < m; r++) mean += mbAdvantages[r]!;
          mean /= m;
          let sq = 0;
          for (let r = 0; r < m; r++) sq += (mbAdvantages[r]! - mean) ** 2;
          const std = m > 1 ? Math.sqrt(sq / (m - 1)) : 0;
          for (let r = 0; r < m; r++) mbAdvantages[r] = (mbAdvantages[r]! - mean) / (std + 1e-8);
        }

        // Policy loss: −mean min(r·Â, clip(r, 1 − ε, 1 + ε)·Â) − c_ent · mean H (eq. 7 and 9)
        const newLogits = actor.forward(policyParams, m);
        ppoCategorical(
          newLogits,
          m,
          mbActions,
          mbLogprobs,
          mbAdvantages,
          args.clipCoef,
          args.entCoef,
          scratch,
          actor.outputGrad,
          policyStats,
        );
        actor.backward(policyParams, m, policyGrads);

        // Value loss: c_vf · ½ mean max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)
        const newValues = critic.forward(valueParams, m);
        valueLoss(
          newValues,
          m,
          mbReturns,
          critic.outputGrad,
          valueStats,
          args.clipVloss ? { oldValues: mbValues, clipEpsilon: args.clipCoef } : undefined,
        );
        const dv = critic.outputGrad;
        for (let r = 0; r < m; r++) dv[r] = dv[r]! * args.vfCoef;
        critic.backward(valueParams, m, valueGrads);

        // Global-norm clipping over both networks, then one Adam step.
        const norm = clipGradNorm(grads, grads.length, args.maxGradNorm);
        if (!Number.isFinite(norm)) {
          const policyBad = !Number.isFinite(policyStats.loss);
          throw new NonFiniteGradientError(
            policyBad ? "policy" : "value",
            optimizer.step + 1,
            policyBad ? "policy (clipped surrogate + entropy)" : "value",
          );
        }
        optimizer.update(params, grads);
        clipFractionSum += policyStats.clipFraction;
        minibatches++;
      }
      if (args.targetKl !== undefined && policyStats.approxKl > args.targetKl) stopEarly = true;
    }

    // PLUMBING: record the update (CleanRL's writer.add_scalar calls)
    const validReturns = new Float64Array(validCount);
    const residuals = new Float64Array(validCount);
    for (let r = 0; r < validCount; r++) {
      const row = validRows[r]!;
      validReturns[r] = returns[row]!;
      residuals[r] = returns[row]! - values[row]!;
    }
    const varY = variance(validReturns, validCount);
    const record: PpoRecord = {
      timesteps: globalStep,
      meanEpisodeReturn: episodes > 0 ? episodeReturnSum / episodes : null,
      episodes,
      learningRate: optimizer.learningRate,
      policyLoss: policyStats.policyLoss,
      valueLoss: valueStats.loss,
      entropy: policyStats.entropy,
      approxKl: policyStats.approxKl,
      clipFraction: minibatches > 0 ? clipFractionSum / minibatches : 0,
      explainedVariance: varY === 0 ? Number.NaN : 1 - variance(residuals, validCount) / varY,
    };
    history.push(record);
    options.onUpdateEnd?.(record);
    if (options.signal?.aborted) break;
    await yieldToEventLoop();
  }

  // The deterministic policy: argmax of the logits, on its own network and weight copy.
  const finalPolicy = new Float32Array(policyParams);
  const actNet = new FusedMlp({ sizes: actor.sizes, activation }, 1);
  const act = (observation: ArrayLike<number>): number => {
    const x = actNet.input;
    for (let k = 0; k < obsSize; k++) x[k] = observation[k]!;
    return space.start + argmax(actNet.forward(finalPolicy, 1), 0, nActions);
  };
  return {
    policyWeights: splitWeights(actor, policyParams),
    valueWeights: splitWeights(critic, valueParams),
    history,
    act,
  };
}
