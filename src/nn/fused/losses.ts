/**
 * @module
 * Losses fused with the network's last layer: each reads a batch of network outputs and writes
 * the loss's gradient with respect to those outputs (and to the Gaussian's log-std), ready for
 * `FusedMlp.backward`. All are means over the batch, as in `src/nn/trainer.ts`. Results go into a
 * caller-owned stats object, so a training step allocates nothing.
 *
 * Sign conventions follow the names: every function returns the quantity to *minimize*.
 *
 * Inputs and gradients are `FloatArray`s: the engine's float32 views, or float64 arrays (the
 * finite-difference tests). The arithmetic is float64 either way.
 */

/** A float32 (the engine's buffers) or float64 array. */
export type FloatArray = Float32Array | Float64Array;

/** What a loss measured; fields a loss does not compute are left as they were. */
export interface LossStats {
  /** The minimized objective (without L2). */
  loss: number;
  /** −mean log π(a | s). */
  nll: number;
  /** Mean entropy of the action distribution. */
  entropy: number;
  /** mean π(a | s) (`imitation`'s `prob_true_act`). */
  probTrueAct: number;
  /** Mean squared error (Gaussian mean vs action, or MSE loss). */
  mse: number;
  /** PPO: the clipped surrogate part of the loss, −mean min(r·A, clip(r)·A). */
  policyLoss: number;
  /** PPO: mean (r − 1) − log r, the low-variance estimate of KL(old ‖ new). */
  approxKl: number;
  /** PPO: fraction of rows with |r − 1| > ε. */
  clipFraction: number;
}

export function createLossStats(): LossStats {
  return { loss: 0, nll: 0, entropy: 0, probTrueAct: 0, mse: 0, policyLoss: 0, approxKl: 0, clipFraction: 0 };
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

// ---------------------------------------------------------------------------------------------
// Categorical heads (one block of logits per action dimension)
// ---------------------------------------------------------------------------------------------

/**
 * Softmax statistics of one block of logits, in place: `probs[k] = p_k`, `logProbs[k] = log p_k`;
 * returns the block's entropy H = −Σ p log p.
 */
function softmaxBlock(
  logits: FloatArray,
  base: number,
  n: number,
  probs: Float64Array,
  logProbs: Float64Array,
): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) if (logits[base + k]! > max) max = logits[base + k]!;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const z = logits[base + k]!;
    const e = z === max ? 1 : Math.exp(z - max); // e^0 = 1 exactly
    probs[k] = e;
    total += e;
  }
  const lse = max + Math.log(total);
  let h = 0;
  for (let k = 0; k < n; k++) {
    // p = e^(z − max) / Σ: one exp per logit, not two (exp(z − lse) differs by an ulp or so).
    const lp = logits[base + k]! - lse;
    const p = probs[k]! / total;
    logProbs[k] = lp;
    probs[k] = p;
    h -= p * lp;
  }
  return h;
}

/** Scratch for the categorical losses: two rows of the widest block. */
export class CategoricalScratch {
  readonly probs: Float64Array;
  readonly logProbs: Float64Array;
  constructor(readonly nvec: readonly number[]) {
    const widest = Math.max(...nvec);
    this.probs = new Float64Array(widest);
    this.logProbs = new Float64Array(widest);
  }
}

/**
 * Categorical NLL with an entropy bonus, `loss = −mean log π(a|s) − entropyWeight · mean H`, for
 * logits `[rows, Σ nvec]` and integer actions `[rows, nvec.length]` (category indices from 0).
 * Per block, ∂(−log p_a)/∂z_k = p_k − [k = a] and ∂H/∂z_k = −p_k (log p_k + H).
 */
export function categoricalNll(
  logits: FloatArray,
  rows: number,
  actions: Int32Array,
  entropyWeight: number,
  scratch: CategoricalScratch,
  grad: FloatArray,
  stats: LossStats,
): number {
  const { nvec, probs, logProbs } = scratch;
  const width = sumOf(nvec);
  const dims = nvec.length;
  const scale = 1 / rows;
  let nll = 0;
  let entropy = 0;
  let probTrue = 0;
  for (let r = 0; r < rows; r++) {
    let base = r * width;
    let logProb = 0;
    for (let d = 0; d < dims; d++) {
      const n = nvec[d]!;
      const h = softmaxBlock(logits, base, n, probs, logProbs);
      const a = actions[r * dims + d]!;
      logProb += logProbs[a]!;
      entropy += h;
      for (let k = 0; k < n; k++) {
        const p = probs[k]!;
        grad[base + k] = scale * (p - (k === a ? 1 : 0) + entropyWeight * p * (logProbs[k]! + h));
      }
      base += n;
    }
    nll -= logProb;
    probTrue += Math.exp(logProb);
  }
  stats.nll = nll * scale;
  stats.entropy = entropy * scale;
  stats.probTrueAct = probTrue * scale;
  stats.loss = stats.nll - entropyWeight * stats.entropy;
  return stats.loss;
}

/**
 * PPO's clipped surrogate for a categorical head (Schulman et al. 2017, eq. 7) with an entropy
 * bonus: `loss = −mean min(r·A, clip(r, 1 − ε, 1 + ε)·A) − entropyWeight · mean H`, where
 * `r = exp(log π(a|s) − oldLogProb)`. Where the clipped term is the minimum the gradient through
 * r is zero; elsewhere ∂/∂log π = −r·A.
 */
export function ppoCategorical(
  logits: FloatArray,
  rows: number,
  actions: Int32Array,
  oldLogProbs: ArrayLike<number>,
  advantages: ArrayLike<number>,
  clipEpsilon: number,
  entropyWeight: number,
  scratch: CategoricalScratch,
  grad: FloatArray,
  stats: LossStats,
): number {
  const { nvec, probs, logProbs } = scratch;
  const width = sumOf(nvec);
  const dims = nvec.length;
  const scale = 1 / rows;
  let policyLoss = 0;
  let entropy = 0;
  let kl = 0;
  let clipped = 0;
  for (let r = 0; r < rows; r++) {
    // First pass: log π(a|s) of the whole action, to know the ratio. With one block (a Discrete
    // action) the scratch still holds its softmax for the second pass.
    let base = r * width;
    let logProb = 0;
    let firstEntropy = 0;
    for (let d = 0; d < dims; d++) {
      const n = nvec[d]!;
      firstEntropy = softmaxBlock(logits, base, n, probs, logProbs);
      logProb += logProbs[actions[r * dims + d]!]!;
      base += n;
    }
    const logRatio = logProb - oldLogProbs[r]!;
    const ratio = Math.exp(logRatio);
    const adv = advantages[r]!;
    const surr1 = ratio * adv;
    const surr2 = Math.min(Math.max(ratio, 1 - clipEpsilon), 1 + clipEpsilon) * adv;
    policyLoss -= Math.min(surr1, surr2);
    kl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > clipEpsilon) clipped++;
    // ∂loss_row/∂log π: −r·A when the unclipped term is the minimum, else 0.
    const dLogProb = surr1 <= surr2 ? -surr1 : 0;
    // Second pass: gradients, block by block (∂log p_a/∂z_k = [k = a] − p_k).
    base = r * width;
    for (let d = 0; d < dims; d++) {
      const n = nvec[d]!;
      const h = dims === 1 ? firstEntropy : softmaxBlock(logits, base, n, probs, logProbs);
      const a = actions[r * dims + d]!;
      entropy += h;
      for (let k = 0; k < n; k++) {
        const p = probs[k]!;
        grad[base + k] =
          scale * (dLogProb * ((k === a ? 1 : 0) - p) + entropyWeight * p * (logProbs[k]! + h));
      }
      base += n;
    }
  }
  stats.policyLoss = policyLoss * scale;
  stats.entropy = entropy * scale;
  stats.approxKl = kl * scale;
  stats.clipFraction = clipped * scale;
  stats.loss = stats.policyLoss - entropyWeight * stats.entropy;
  return stats.loss;
}

// ---------------------------------------------------------------------------------------------
// Diagonal Gaussian with a state-independent log-std
// ---------------------------------------------------------------------------------------------

/**
 * Diagonal-Gaussian NLL with an entropy bonus. With z = (a − μ)/σ,
 * `−log N(a; μ, σ²) = ½ Σ z² + Σ log σ + (d/2) log 2π` and `H = Σ (log σ + ½ log 2πe)`, so
 * ∂/∂μ_i = −z_i/σ_i, ∂/∂log σ_i = 1 − z_i² (NLL) and ∂H/∂log σ_i = 1. `gradLogStd` is overwritten.
 * Also reports the MSE of the mean and `probTrueAct` (the mean density at the action).
 */
export function gaussianNll(
  means: FloatArray,
  rows: number,
  actions: ArrayLike<number>,
  logStd: ArrayLike<number>,
  entropyWeight: number,
  invStd: Float64Array,
  grad: FloatArray,
  gradLogStd: FloatArray,
  stats: LossStats,
): number {
  const d = logStd.length;
  const scale = 1 / rows;
  let sumLogStd = 0;
  for (let i = 0; i < d; i++) {
    sumLogStd += logStd[i]!;
    invStd[i] = Math.exp(-logStd[i]!);
    gradLogStd[i] = 0;
  }
  const normalizer = sumLogStd + d * HALF_LOG_2PI;
  let nll = 0;
  let sq = 0;
  let probTrue = 0;
  for (let r = 0; r < rows; r++) {
    let half = 0;
    for (let i = 0; i < d; i++) {
      const diff = actions[r * d + i]! - means[r * d + i]!;
      const z = diff * invStd[i]!;
      half += z * z;
      sq += diff * diff;
      grad[r * d + i] = -scale * z * invStd[i]!;
      gradLogStd[i] -= z * z;
    }
    const logProb = -0.5 * half - normalizer;
    nll -= logProb;
    probTrue += Math.exp(logProb);
  }
  for (let i = 0; i < d; i++) gradLogStd[i] = gradLogStd[i]! * scale + 1 - entropyWeight;
  stats.nll = nll * scale;
  stats.entropy = sumLogStd + d * (HALF_LOG_2PI + 0.5);
  stats.mse = sq / (rows * d);
  stats.probTrueAct = probTrue * scale;
  stats.loss = stats.nll - entropyWeight * stats.entropy;
  return stats.loss;
}

// ---------------------------------------------------------------------------------------------
// Regression and classification
// ---------------------------------------------------------------------------------------------

/** Mean squared error over all `rows × width` values: `mean (y − t)²`, ∂/∂y = 2(y − t)/(rows·width). */
export function mse(
  predictions: FloatArray,
  rows: number,
  width: number,
  targets: ArrayLike<number>,
  grad: FloatArray,
  stats: LossStats,
): number {
  const n = rows * width;
  const scale = 2 / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const diff = predictions[i]! - targets[i]!;
    sq += diff * diff;
    grad[i] = scale * diff;
  }
  stats.mse = sq / n;
  stats.loss = stats.mse;
  return stats.loss;
}

/**
 * The binary logistic loss of a discriminator with one logit per row and labels in [0, 1]:
 * `mean [softplus(D) − y·D]` (binary cross-entropy of σ(D), written stably as
 * `max(D, 0) − y·D + log(1 + e^−|D|)`); ∂/∂D = (σ(D) − y)/rows.
 */
export function logisticLoss(
  logits: FloatArray,
  rows: number,
  labels: ArrayLike<number>,
  grad: FloatArray,
  stats: LossStats,
): number {
  const scale = 1 / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const x = logits[r]!;
    const y = labels[r]!;
    // e^(−|x|) is e^(−x) for x ≥ 0 and e^x below: one exp serves the loss and σ.
    const e = Math.exp(-Math.abs(x));
    total += Math.max(x, 0) - y * x + Math.log1p(e);
    const sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e);
    grad[r] = scale * (sigmoid - y);
  }
  stats.loss = total * scale;
  return stats.loss;
}

/**
 * PPO's value loss (CleanRL's `ppo.py`): `½ mean (V − R)²`, or with `clipEpsilon` and the values
 * at collection time, `½ mean max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)`.
 */
export function valueLoss(
  values: FloatArray,
  rows: number,
  returns: ArrayLike<number>,
  grad: FloatArray,
  stats: LossStats,
  clip?: { oldValues: ArrayLike<number>; clipEpsilon: number },
): number {
  const scale = 1 / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const v = values[r]!;
    const diff = v - returns[r]!;
    if (clip === undefined) {
      total += diff * diff;
      grad[r] = scale * diff;
      continue;
    }
    const old = clip.oldValues[r]!;
    const eps = clip.clipEpsilon;
    const delta = v - old;
    const inside = delta > -eps && delta < eps;
    const clippedDiff = old + Math.min(Math.max(delta, -eps), eps) - returns[r]!;
    if (diff * diff >= clippedDiff * clippedDiff) {
      total += diff * diff;
      grad[r] = scale * diff;
    } else {
      total += clippedDiff * clippedDiff;
      grad[r] = inside ? scale * clippedDiff : 0;
    }
  }
  stats.loss = 0.5 * total * scale;
  return stats.loss;
}

// ---------------------------------------------------------------------------------------------
// Regularization and clipping on the flat parameter / gradient vectors
// ---------------------------------------------------------------------------------------------

/** Returns ½ Σ w² over `params[0, count)` and adds `weight · w` to `grad` when `weight > 0`. */
export function l2Penalty(params: Float32Array, count: number, weight: number, grad: FloatArray): number {
  let sum = 0;
  if (weight > 0) {
    for (let i = 0; i < count; i++) {
      const w = params[i]!;
      sum += w * w;
      grad[i] += weight * w;
    }
  } else {
    for (let i = 0; i < count; i++) sum += params[i]! * params[i]!;
  }
  return 0.5 * sum;
}

/**
 * PyTorch's `clip_grad_norm_`: when the global L2 norm exceeds `maxNorm`, scales the gradient by
 * `maxNorm / (norm + 1e-6)`. Returns the norm before clipping.
 */
export function clipGradNorm(grad: FloatArray, count: number, maxNorm: number): number {
  // Four running sums: one chain of dependent additions was bound by the adder's latency. Each
  // g² of a float32 g is exact in float64, so only the sums' rounding differs from one chain.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const g0 = grad[i]!;
    const g1 = grad[i + 1]!;
    const g2 = grad[i + 2]!;
    const g3 = grad[i + 3]!;
    s0 += g0 * g0;
    s1 += g1 * g1;
    s2 += g2 * g2;
    s3 += g3 * g3;
  }
  for (; i < count; i++) s0 += grad[i]! * grad[i]!;
  const norm = Math.sqrt(s0 + s1 + (s2 + s3));
  const factor = Math.min(maxNorm / (norm + 1e-6), 1);
  if (factor < 1) for (let i = 0; i < count; i++) grad[i] = grad[i]! * factor;
  return norm;
}

function sumOf(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
