/**
 * @module
 * `NeuralPolicy`'s options (creating, loading, training), its action and observation types, and
 * the checked configuration a policy is built from.
 */
import { storableKwargs } from "../core/env.js";
import { InvalidOptionError } from "../core/errors.js";
import type { Space } from "../core/spaces/index.js";
import type { Activation } from "./activation.js";
import type { TrainerEngine, TrainerOptions } from "./trainer.js";

/** Observation statistics a policy normalizes its inputs with: `(obs − mean) / max(std, 1e-8)`. */
export interface ObservationNormalization {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

export interface NeuralPolicyOptions {
  observationSpace: Space;
  actionSpace: Space;
  /** The environment the policy is for (`CartPole-v1`); `load` can check it. */
  envId: string;
  /** That env's own options (`EnvSpec.kwargs`, such as a GridWorld layout), when it has any. */
  envOptions?: Readonly<Record<string, unknown>> | null;
  /** Units per hidden layer (default [64, 64]). */
  hidden?: readonly number[];
  /** Hidden-layer activation (default "tanh"). */
  activation?: Activation;
  /** Per-dimension observation statistics (Box observation spaces only). */
  normalization?: ObservationNormalization;
  /** Seeds the initial weights and the policy's fallback sampling stream. */
  seed?: number | bigint;
  /** Initial log standard deviation of a Gaussian head (default 0). */
  logStdInit?: number;
}

export interface PolicyTrainerOptions extends TrainerOptions {
  /**
   * `fused` (default): the engine of `src/nn/fused/` (WebAssembly SIMD kernels, plain-TS
   * fallback), for every head. `tfjs`: the tensor-engine trainer, the reference implementation.
   * Both save the same state and weights.
   */
  engine?: TrainerEngine;
}

export interface LoadPolicyOptions {
  /** Refuse (with `EnvMismatchError`) a policy saved for another environment. */
  expectEnvId?: string;
  /** Seeds the fallback sampling stream used when `act` gets no `rng`. */
  seed?: number | bigint;
}

/** An action: a number for Discrete, a Float32Array for Box, an Int32Array for MultiDiscrete. */
export type NeuralAction = number | Float32Array | Int32Array;

/** What `act` accepts: a number for a Discrete observation space, numbers otherwise. */
export type NeuralObservation = number | ArrayLike<number>;

export interface PolicyConfig {
  observationSpace: Space;
  actionSpace: Space;
  envId: string;
  envOptions: Record<string, unknown> | null;
  hidden: number[];
  activation: Activation;
  normalization: { mean: number[]; std: number[] } | null;
  logStdInit: number;
}

export function checkConfig(options: NeuralPolicyOptions): PolicyConfig {
  const hidden = [...(options.hidden ?? [64, 64])];
  if (!hidden.every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new InvalidOptionError("hidden", `hidden must be positive integers, got [${hidden.join(", ")}].`);
  }
  const activation = options.activation ?? "tanh";
  if (activation !== "tanh" && activation !== "relu") {
    throw new InvalidOptionError(
      "activation",
      `activation must be "tanh" or "relu", got ${String(activation)}.`,
    );
  }
  if (typeof options.envId !== "string" || options.envId.length === 0) {
    throw new InvalidOptionError(
      "envId",
      "envId must name the environment the policy is for, e.g. CartPole-v1.",
    );
  }
  const logStdInit = options.logStdInit ?? 0;
  if (!Number.isFinite(logStdInit)) {
    throw new InvalidOptionError("logStdInit", `logStdInit must be a finite number, got ${logStdInit}.`);
  }
  const envOptions = options.envOptions ?? null;
  if (envOptions !== null && (typeof envOptions !== "object" || Array.isArray(envOptions))) {
    throw new InvalidOptionError("envOptions", "envOptions must be an object of the env's options, or null.");
  }
  return {
    observationSpace: options.observationSpace,
    actionSpace: options.actionSpace,
    envId: options.envId,
    envOptions:
      envOptions === null || Object.keys(storableKwargs(envOptions)).length === 0
        ? null
        : storableKwargs(envOptions),
    hidden,
    activation,
    normalization: options.normalization
      ? { mean: Array.from(options.normalization.mean), std: Array.from(options.normalization.std) }
      : null,
    logStdInit,
  };
}
