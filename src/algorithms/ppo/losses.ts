/**
 * @module
 * PPO's per-row maths on plain arrays: the clipped surrogate of a diagonal Gaussian with its
 * gradient, sampling a categorical action, argmax and the variance behind explained variance.
 * (The categorical surrogate runs in the fused engine's kernels.)
 */
import type { LossStats } from "../../nn/fused/losses.js";

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * PPO's clipped surrogate for a diagonal Gaussian with a state-independent log-std (CleanRL's
 * `ppo_continuous_action.py`): `loss = −mean min(r·A, clip(r, 1 − ε, 1 + ε)·A) − c_ent · mean H`,
 * with log π(a|s) = Σ_d −½ z_d² − log σ_d − ½ log 2π, z = (a − μ)/σ, and H = Σ_d log σ_d + ½ log 2πe.
 * ∂log π/∂μ_d = z_d/σ_d and ∂log π/∂log σ_d = z_d² − 1; the surrogate's gradient through log π is
 * −r·A where the unclipped term is the minimum and 0 elsewhere. Writes ∂loss/∂μ into `gradMean`
 * and ∂loss/∂log σ into `gradLogStd` (overwritten).
 */
export function ppoGaussian(
  means: Float32Array | Float64Array,
  logStd: Float32Array,
  rows: number,
  actions: Float32Array,
  oldLogProbs: Float64Array,
  advantages: Float64Array,
  clipCoef: number,
  entCoef: number,
  gradMean: Float32Array | Float64Array,
  gradLogStd: Float32Array | Float64Array,
  stats: LossStats,
): void {
  const dim = logStd.length;
  const scale = 1 / rows;
  gradLogStd.fill(0);
  let surrogate = 0;
  let approxKl = 0;
  let clipped = 0;
  for (let r = 0; r < rows; r++) {
    let logp = 0;
    for (let d = 0; d < dim; d++) {
      const z = (actions[r * dim + d]! - means[r * dim + d]!) / Math.exp(logStd[d]!);
      logp += -0.5 * z * z - logStd[d]! - HALF_LOG_2PI;
    }
    const logRatio = logp - oldLogProbs[r]!;
    const ratio = Math.exp(logRatio);
    const a = advantages[r]!;
    const unclipped = ratio * a;
    const clippedTerm = Math.min(Math.max(ratio, 1 - clipCoef), 1 + clipCoef) * a;
    surrogate -= Math.min(unclipped, clippedTerm);
    approxKl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > clipCoef) clipped++;
    // ∂(−min)/∂log π: −r·A when the unclipped term is the minimum, else 0.
    const dLogp = unclipped <= clippedTerm ? -ratio * a * scale : 0;
    for (let d = 0; d < dim; d++) {
      const sigma = Math.exp(logStd[d]!);
      const z = (actions[r * dim + d]! - means[r * dim + d]!) / sigma;
      gradMean[r * dim + d] = dLogp * (z / sigma);
      gradLogStd[d] += dLogp * (z * z - 1);
    }
  }
  // Entropy: H = Σ_d (log σ_d + ½ log 2πe) per row, so ∂(−c·mean H)/∂log σ_d = −c.
  let entropy = 0;
  for (let d = 0; d < dim; d++) {
    entropy += logStd[d]! + 0.5 + HALF_LOG_2PI;
    gradLogStd[d] = gradLogStd[d]! - entCoef;
  }
  stats.policyLoss = surrogate * scale;
  stats.entropy = entropy;
  stats.approxKl = approxKl * scale;
  stats.clipFraction = clipped * scale;
  stats.loss = stats.policyLoss - entCoef * entropy;
}

/** Samples from softmax(logits[base…base+n)) with one uniform draw; returns [index, log p]. */
export function sampleCategorical(
  logits: Float32Array,
  base: number,
  n: number,
  u: number,
): [number, number] {
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

export function argmax(values: Float32Array, base: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (values[base + k]! > values[base + best]!) best = k;
  return best;
}

export function variance(values: Float64Array, count: number): number {
  let mean = 0;
  for (let i = 0; i < count; i++) mean += values[i]!;
  mean /= count;
  let sq = 0;
  for (let i = 0; i < count; i++) sq += (values[i]! - mean) ** 2;
  return sq / count;
}
