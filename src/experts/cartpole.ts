/**
 * The CartPole-v1 expert: the sign of a linear-quadratic regulator's force.
 *
 * ## What it does
 * Linearize CartPole's dynamics about the upright pole at rest (sin θ ≈ θ, cos θ ≈ 1, θ̇² ≈ 0) and
 * discretize them with the env's own explicit Euler step of tau = 0.02 s. With the state
 * x = (position, velocity, angle, angular velocity) and the force F in newtons:
 *
 *   θ̈ = (g θ − F / M) / d,   ẍ = F / M − (mp · l / M) θ̈,   d = l (4/3 − mp / M),
 *
 * where g = 9.8, M = mc + mp = 1.1 kg, mp = 0.1 kg and l = 0.5 m are the env's constants. The
 * regulator's gain K comes from `discreteLqrGain` with Q = I and R = 1; the env can only push
 * with ±10 N, so the expert pushes right (action 1) when the regulator's force u = −K·x is
 * positive and left (action 0) otherwise. K ≈ [−0.910, −2.132, −30.595, −7.842]: lean the pole
 * back toward upright first, and bring the cart back to the centre slowly.
 *
 * ## Measured
 * Mean return 500 (every episode reaches the 500-step limit; min 500) over seeds 10000–10099.
 */
import type { Policy } from "../core/policy.js";
import { checkObservation, discreteLqrGain } from "./control.js";

// Gymnasium's constants, as in src/envs/classic/cartpole.ts.
const gravity = 9.8; // m/s²
const masscart = 1.0; // kg
const masspole = 0.1; // kg
const totalMass = masspole + masscart; // kg
const length = 0.5; // m, actually half the pole's length
const polemassLength = masspole * length; // kg·m
const tau = 0.02; // seconds between state updates

const name = "cartpole-lqr";

/** The gain K of u = −K·x for CartPole linearized about upright, with Q = I and R = 1. */
export function cartPoleLqrGain(): Float64Array {
  const d = length * (4.0 / 3.0 - masspole / totalMass);
  // θ̈ = thetaFromTheta · θ + thetaFromForce · F; ẍ = xFromTheta · θ + xFromForce · F.
  const thetaFromTheta = gravity / d;
  const thetaFromForce = -1 / (totalMass * d);
  const xFromTheta = -(polemassLength / totalMass) * thetaFromTheta;
  const xFromForce = 1 / totalMass - (polemassLength / totalMass) * thetaFromForce;
  // Explicit Euler: positions advance by the old velocities, velocities by the accelerations.
  const a = [
    [1, tau, 0, 0],
    [0, 1, tau * xFromTheta, 0],
    [0, 0, 1, tau],
    [0, 0, tau * thetaFromTheta, 1],
  ];
  const b = [0, tau * xFromForce, 0, tau * thetaFromForce];
  const identity = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0)));
  return discreteLqrGain(a, b, identity, 1);
}

/** The CartPole-v1 expert (see the module header): action 1 when −K·x > 0, else 0. */
export function cartPoleExpert(): Policy<ArrayLike<number>, number> {
  const k = cartPoleLqrGain();
  return {
    name,
    act(observation: ArrayLike<number>): number {
      checkObservation(observation, 4, name);
      let u = 0;
      for (let i = 0; i < 4; i++) u -= k[i]! * observation[i]!;
      return u > 0 ? 1 : 0;
    },
  };
}
