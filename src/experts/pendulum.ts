/**
 * The Pendulum-v1 expert: energy-pumping swing-up, then a linear-quadratic regulator upright.
 *
 * ## What it does
 * Pendulum's dynamics are θ̈ = a · sin θ + b · u, with a = 3g / (2l) = 15 and b = 3 / (m l²) = 3
 * for the default g = 10, and θ = 0 upright. The quantity E = θ̇² / 2 + a · (cos θ − 1) is an
 * energy: it is 0 at the upright rest position, −2a hanging at rest, and changes only through the
 * torque, dE/dt = b · u · θ̇.
 *
 * - Swing-up (the pole more than ~26° from upright, cos θ ≤ 0.9): full torque in the direction that
 *   moves E toward 0, u = 2 · sign((0 − E) · θ̇), pushing along θ̇ when the pendulum has too little
 *   energy and against it when it has too much (sign(0) counts as +).
 * - Balance (cos θ > 0.9): u = −K · (θ, θ̇), clipped to ±2. K is the discrete-time LQR gain
 *   (`discreteLqrGain`) of the dynamics linearized about upright and discretized as the env steps
 *   (semi-implicit Euler, dt = 0.05 s), with the env's own cost as the LQR cost: Q = diag(1, 0.1),
 *   R = 0.001 from the reward −(θ² + 0.1 θ̇² + 0.001 u²). For g = 10, K ≈ [19.69, 5.26].
 *
 * θ is recovered from the observation as atan2(sin θ, cos θ). The gains follow `g`, so the expert
 * works for the env's `g` option too (pass the same value).
 *
 * ## Measured
 * Mean return −137.13 (min −367.30) over seeds 10000–10099.
 */
import { InvalidOptionError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import { checkObservation, discreteLqrGain } from "./control.js";

// Gymnasium's constants, as in src/envs/classic/pendulum.ts.
const maxTorque = 2.0; // N·m
const dt = 0.05; // seconds between state updates
const m = 1.0; // kg
const l = 1.0; // m

/** Balance with the regulator once cos θ exceeds this (θ within about 25.8° of upright). */
const balanceCos = 0.9;

const name = "pendulum-energy-lqr";

/** Options of the Pendulum-v1 expert. */
export interface PendulumExpertOptions {
  /** The env's acceleration of gravity in m/s² (default 10.0, as the env's `g` option). */
  g?: number;
}

/** The LQR gain K of u = −K · (θ, θ̇) for Pendulum linearized about upright, with the env's cost. */
export function pendulumLqrGain(g = 10.0): Float64Array {
  const a = (3 * g) / (2 * l);
  const b = 3.0 / (m * l * l);
  // θ̇' = θ̇ + (a θ + b u) dt, then θ' = θ + θ̇' dt.
  const stateMatrix = [
    [1 + a * dt * dt, dt],
    [a * dt, 1],
  ];
  const inputVector = [b * dt * dt, b * dt];
  const stateCost = [
    [1, 0],
    [0, 0.1],
  ];
  return discreteLqrGain(stateMatrix, inputVector, stateCost, 0.001);
}

/** The Pendulum-v1 expert (see the module header); actions are fresh `Float32Array`s. */
export function pendulumExpert(options: PendulumExpertOptions = {}): Policy<ArrayLike<number>, Float32Array> {
  const g = options.g ?? 10.0;
  if (typeof g !== "number" || !Number.isFinite(g) || g <= 0) {
    throw new InvalidOptionError("g", `${name}: g must be a positive number in m/s², got ${String(g)}.`);
  }
  const a = (3 * g) / (2 * l);
  const k = pendulumLqrGain(g);
  return {
    name,
    act(observation: ArrayLike<number>): Float32Array {
      checkObservation(observation, 3, name);
      const cosTheta = observation[0]!;
      const theta = Math.atan2(observation[1]!, cosTheta);
      const thetaDot = observation[2]!;
      let u: number;
      if (cosTheta > balanceCos) {
        u = -(k[0]! * theta + k[1]! * thetaDot);
        u = Math.min(Math.max(u, -maxTorque), maxTorque);
      } else {
        const energy = 0.5 * thetaDot * thetaDot + a * (cosTheta - 1);
        u = -energy * thetaDot >= 0 ? maxTorque : -maxTorque;
      }
      return Float32Array.of(u);
    },
  };
}
