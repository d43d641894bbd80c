/**
 * @module
 * The gradient penalty of a ReLU discriminator: λ·(‖∇ₓ logit(x̂)‖ − 1)² at points x̂ between an
 * expert input and a generator input (Gulrajani et al. 2017, "Improved Training of Wasserstein
 * GANs", arXiv:1704.00028, eq. 3; Kostrikov et al. 2019, "Discriminator-Actor-Critic", §4.3, puts
 * it on GAIL's discriminator with λ = 10; Orsini et al. 2021, "What Matters for Adversarial
 * Imitation Learning?", find it the most useful of the discriminator regularizers they tried).
 * Without it a discriminator can separate the two sides completely, and the generator's reward
 * −log(1 − D) flattens to about 0 everywhere it goes.
 *
 * The penalty's parameter gradient needs the derivative of an input gradient (double
 * back-propagation). For a ReLU network it has a closed form: the activation masks are piecewise
 * constant, so with them fixed the input gradient
 *
 *   g = W₀·M₁·W₁·M₂ ⋯ W_{L−1}·1      (M_l = diag(z_{l−1} > 0), W_l the kernel [fanIn, fanOut])
 *
 * is linear in each kernel, and the biases reach the penalty only through the masks (gradient 0
 * almost everywhere). A tanh network would add second-derivative terms; it is refused.
 *
 * Computed here in float64 on the CPU, row by row, in the fused MLP's parameter layout (per
 * layer the kernel, row-major `[fanIn, fanOut]`, then the bias): the discriminator's batches are
 * a few hundred rows of a small network, so this costs about as much as its forward and backward
 * passes together.
 */

import type { Rng } from "../core/rng.js";

/** What a penalty batch needs, allocated once per network shape. */
export class GradientPenalty {
  readonly sizes: readonly number[];
  private readonly kernelOffsets: number[] = [];
  /** Per layer l: the layer's input h_l (h_0 = x). */
  private readonly h: Float64Array[];
  /** masks[l]: 1 where hidden layer l's pre-activation is positive (l = 1 … L−1; masks[0] unused). */
  private readonly masks: Uint8Array[];
  /** d[l]: ∂logit/∂z_{l−1}, l = 1 … L (d[L] = [1]). */
  private readonly d: Float64Array[];
  /** a[l]: ∂logit/∂h_l; a[0] is the input gradient g. */
  private readonly a: Float64Array[];
  /** psi[l]: ∂penalty/∂a_l. */
  private readonly psi: Float64Array[];
  /** The points x̂ of `applyBetween`, grown to the largest batch seen. */
  private interpolates = new Float32Array(0);

  constructor(sizes: readonly number[]) {
    if (sizes.length < 2 || sizes.at(-1) !== 1) {
      throw new RangeError(
        `The gradient penalty needs a network with one output; got [${sizes.join(", ")}].`,
      );
    }
    this.sizes = [...sizes];
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      this.kernelOffsets.push(offset);
      offset += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
    }
    this.h = sizes.map((s) => new Float64Array(s));
    this.masks = sizes.map((s) => new Uint8Array(s));
    this.d = sizes.map((s) => new Float64Array(s));
    this.a = sizes.map((s) => new Float64Array(s));
    this.psi = sizes.map((s) => new Float64Array(s));
  }

  /**
   * `apply` at x̂ = ε·x_expert + (1 − ε)·x_generator, one ε ~ U(0, 1) from `rng` per pair, where
   * `pairs` holds `rows` expert rows and then `rows` generator rows (a discriminator batch's
   * encoded inputs).
   */
  applyBetween(
    params: ArrayLike<number>,
    pairs: ArrayLike<number>,
    rows: number,
    rng: Rng,
    grads: Float32Array,
    scale: number,
  ): number {
    const width = this.sizes[0]!;
    if (this.interpolates.length < rows * width) this.interpolates = new Float32Array(rows * width);
    const x = this.interpolates;
    for (let i = 0; i < rows; i++) {
      const eps = rng.random();
      for (let k = 0; k < width; k++) {
        x[i * width + k] = eps * pairs[i * width + k]! + (1 - eps) * pairs[(rows + i) * width + k]!;
      }
    }
    return this.apply(params, x, rows, grads, scale);
  }

  /**
   * The mean over `rows` of (‖∇ₓ logit(x_i)‖ − 1)² for the inputs `x` (`[rows, sizes[0]]`), and
   * `scale` times its gradient added into `grads` (the parameters' layout; biases get nothing).
   */
  apply(
    params: ArrayLike<number>,
    x: ArrayLike<number>,
    rows: number,
    grads: Float32Array,
    scale: number,
  ): number {
    const { sizes, h, masks, d, a, psi } = this;
    const layers = sizes.length - 1;
    const inputSize = sizes[0]!;
    const rowScale = scale / rows;
    let total = 0;
    for (let row = 0; row < rows; row++) {
      // Forward through the hidden layers: their masks.
      const h0 = h[0]!;
      for (let i = 0; i < inputSize; i++) h0[i] = x[row * inputSize + i]!;
      for (let l = 0; l + 1 < layers; l++) {
        const fanIn = sizes[l]!;
        const fanOut = sizes[l + 1]!;
        const k = this.kernelOffsets[l]!;
        const b = k + fanIn * fanOut;
        const input = h[l]!;
        const out = h[l + 1]!;
        const mask = masks[l + 1]!;
        for (let j = 0; j < fanOut; j++) {
          let z = params[b + j]!;
          for (let i = 0; i < fanIn; i++) z += input[i]! * params[k + i * fanOut + j]!;
          mask[j] = z > 0 ? 1 : 0;
          out[j] = Math.max(z, 0);
        }
      }
      // Backward: the input gradient g = a[0].
      d[layers]![0] = 1;
      for (let l = layers - 1; l >= 0; l--) {
        const fanIn = sizes[l]!;
        const fanOut = sizes[l + 1]!;
        const k = this.kernelOffsets[l]!;
        const dl = d[l + 1]!;
        const al = a[l]!;
        for (let i = 0; i < fanIn; i++) {
          let s = 0;
          for (let j = 0; j < fanOut; j++) s += params[k + i * fanOut + j]! * dl[j]!;
          al[i] = s;
        }
        if (l > 0) {
          const mask = masks[l]!;
          const dPrev = d[l]!;
          for (let i = 0; i < fanIn; i++) dPrev[i] = mask[i] ? al[i]! : 0;
        }
      }
      const g = a[0]!;
      let sq = 0;
      for (let i = 0; i < inputSize; i++) sq += g[i]! * g[i]!;
      const norm = Math.sqrt(sq);
      total += (norm - 1) ** 2;
      // ∂P/∂g = 2(‖g‖ − 1)·g/‖g‖, then down the chain a_l = W_l·d_{l+1}, d_l = M_l ⊙ a_l.
      const coef = norm > 0 ? (2 * (norm - 1)) / norm : 0;
      const p0 = psi[0]!;
      for (let i = 0; i < inputSize; i++) p0[i] = coef * g[i]!;
      for (let l = 0; l < layers; l++) {
        const fanIn = sizes[l]!;
        const fanOut = sizes[l + 1]!;
        const k = this.kernelOffsets[l]!;
        const pl = psi[l]!;
        const dl = d[l + 1]!;
        for (let i = 0; i < fanIn; i++) {
          const pi = pl[i]! * rowScale;
          if (pi === 0) continue;
          for (let j = 0; j < fanOut; j++) grads[k + i * fanOut + j]! += pi * dl[j]!;
        }
        if (l + 1 < layers) {
          const next = psi[l + 1]!;
          const mask = masks[l + 1]!;
          for (let j = 0; j < fanOut; j++) {
            if (!mask[j]) {
              next[j] = 0;
              continue;
            }
            let s = 0;
            for (let i = 0; i < fanIn; i++) s += params[k + i * fanOut + j]! * pl[i]!;
            next[j] = s;
          }
        }
      }
    }
    return total / rows;
  }
}
