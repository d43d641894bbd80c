/**
 * @module
 * Batch-1 inference on the fused engine, for a compiled policy's `act`: load an MLP's weights
 * once, then map one observation to the network's output (logits, or a Gaussian's mean) with one
 * kernel call per layer and no allocation. `bench/nn.ts` measures it.
 *
 * ```ts
 * const net = new FusedForward({ sizes: [4, 64, 64, 2], activation: "tanh" }, policy.getWeights());
 * const action = net.argmax(observation); // or net.run(observation) for the raw outputs
 * ```
 */
import { ShapeMismatchError } from "../../core/errors.js";
import type { F32Slot, FusedEngine } from "./arena.js";
import { FusedMlp, type FusedMlpShape } from "./mlp.js";

export class FusedForward {
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly mlp: FusedMlp;
  /** The parameters, in the network's arena (allocated last, so the views never move). */
  private readonly params: F32Slot;
  private readonly shapes: number[][];

  /**
   * `weights` in `initMlpWeights` / `NeuralPolicy.getWeights` order (kernel, bias per layer);
   * anything after the MLP's tensors (a Gaussian's log-std) is ignored.
   */
  constructor(
    shape: FusedMlpShape,
    weights: readonly ArrayLike<number>[],
    options: { engine?: FusedEngine } = {},
  ) {
    this.mlp = new FusedMlp(shape, 1, { engine: options.engine ?? "auto" });
    this.inputSize = this.mlp.sizes[0]!;
    this.outputSize = this.mlp.sizes[this.mlp.layers]!;
    this.shapes = this.mlp.weightShapes();
    this.params = this.mlp.arena.slot(this.mlp.parameterCount);
    this.setWeights(weights);
  }

  /** Which kernels run the network. */
  get backend(): "wasm" | "ts" {
    return this.mlp.backend;
  }

  setWeights(weights: readonly ArrayLike<number>[]): void {
    if (weights.length < this.shapes.length) {
      throw new ShapeMismatchError(
        `FusedForward: expected ${this.shapes.length} weight arrays (kernel and bias per layer), got ${weights.length}.`,
      );
    }
    const params = this.params.array;
    let offset = 0;
    this.shapes.forEach((shape, t) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const w = weights[t]!;
      if (w?.length !== size) {
        throw new ShapeMismatchError(
          `FusedForward: weight ${t} (layer ${Math.floor(t / 2)} ${t % 2 === 0 ? "kernel" : "bias"}) has shape [${shape.join(", ")}] (${size} values); got ${w?.length}.`,
        );
      }
      params.set(w, offset);
      offset += size;
    });
  }

  /** The network's outputs for one observation; the array is reused by the next call. */
  run(observation: ArrayLike<number>): Float32Array {
    const n = this.inputSize;
    if (observation.length !== n) {
      throw new ShapeMismatchError(
        `FusedForward: expected ${n} observation values, got ${observation.length}.`,
      );
    }
    const x = this.mlp.input;
    for (let i = 0; i < n; i++) x[i] = observation[i]!;
    return this.mlp.forward(this.params.array, 1);
  }

  /** The index of the largest output (a categorical policy's deterministic action). */
  argmax(observation: ArrayLike<number>): number {
    const out = this.run(observation);
    let best = 0;
    for (let k = 1; k < this.outputSize; k++) if (out[k]! > out[best]!) best = k;
    return best;
  }
}
