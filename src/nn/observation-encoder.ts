/**
 * @module
 * A policy's observation encoder: the stored column form of an observation (an index for
 * Discrete) to the network's input (one-hot for the discrete parts, normalized for Box).
 */
import { InvalidOptionError, InvalidSpaceError, ShapeMismatchError } from "../core/errors.js";
import { Box, Discrete, MultiBinary, MultiDiscrete, type Space } from "../core/spaces/index.js";
import type { ObservationNormalization } from "./policy-options.js";

const MIN_STD = 1e-8;

export interface ObservationEncoder {
  /** Numbers per observation in a flat batch (1 for Discrete, as datasets store them). */
  readonly dim: number;
  /** Width of the network input (one-hot for the discrete parts). */
  readonly inputSize: number;
  /** Writes observation `values[offset…]` into `out[outOffset…]`; false if out of range. */
  encode(values: ArrayLike<number>, offset: number, out: Float32Array, outOffset: number): boolean;
}

export function observationEncoder(
  space: Space,
  normalization: ObservationNormalization | undefined,
): ObservationEncoder {
  if (normalization !== undefined && !(space instanceof Box)) {
    throw new InvalidOptionError(
      "normalization",
      `Observation normalization applies to Box observation spaces; this one is ${space}.`,
    );
  }
  if (space instanceof Box) {
    const size = space.size;
    if (normalization === undefined) {
      return {
        dim: size,
        inputSize: size,
        encode(values, offset, out, outOffset) {
          for (let i = 0; i < size; i++) out[outOffset + i] = values[offset + i]!;
          return true;
        },
      };
    }
    const mean = Float64Array.from(normalization.mean);
    const std = Float64Array.from(normalization.std, (s) => Math.max(s, MIN_STD));
    if (mean.length !== size || std.length !== size) {
      throw new ShapeMismatchError(
        `normalization has ${mean.length} means and ${std.length} stds; the observation space ${space} needs ${size} of each.`,
      );
    }
    if (!mean.every(Number.isFinite) || !std.every(Number.isFinite)) {
      throw new InvalidOptionError("normalization", "normalization.mean and .std must be finite numbers.");
    }
    return {
      dim: size,
      inputSize: size,
      encode(values, offset, out, outOffset) {
        for (let i = 0; i < size; i++) out[outOffset + i] = (values[offset + i]! - mean[i]!) / std[i]!;
        return true;
      },
    };
  }
  if (space instanceof Discrete) {
    const { n, start } = space;
    return {
      dim: 1,
      inputSize: n,
      encode(values, offset, out, outOffset) {
        const index = values[offset]! - start;
        if (!Number.isInteger(index) || index < 0 || index >= n) return false;
        out.fill(0, outOffset, outOffset + n);
        out[outOffset + index] = 1;
        return true;
      },
    };
  }
  if (space instanceof MultiDiscrete) {
    const nvec = Array.from(space.nvec);
    const starts = Array.from(space.start);
    return {
      dim: nvec.length,
      inputSize: space.flatDim,
      encode(values, offset, out, outOffset) {
        out.fill(0, outOffset, outOffset + space.flatDim);
        let base = outOffset;
        for (let d = 0; d < nvec.length; d++) {
          const index = values[offset + d]! - starts[d]!;
          if (!Number.isInteger(index) || index < 0 || index >= nvec[d]!) return false;
          out[base + index] = 1;
          base += nvec[d]!;
        }
        return true;
      },
    };
  }
  if (space instanceof MultiBinary) {
    const size = space.size;
    return {
      dim: size,
      inputSize: size,
      encode(values, offset, out, outOffset) {
        for (let i = 0; i < size; i++) out[outOffset + i] = values[offset + i]!;
        return true;
      },
    };
  }
  throw new InvalidSpaceError(
    `A neural policy reads Box, Discrete, MultiDiscrete and MultiBinary observations; this one is ${space}. Flatten it first.`,
  );
}
