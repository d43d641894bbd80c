/**
 * Issue 7's MaxEnt IRL test: an 8×8 GridWorld whose reward (a goal, two traps, a step cost) is
 * known only to the expert. From the expert's expected state visitation, IRL recovers a reward;
 * the optimal policy under that reward must visit states like the expert (L1 ≤ 0.05 between the
 * normalized visitation distributions) and earn, under the true reward, within 5% of optimal.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { maxEntIrl, stateVisitation } from "../src/algorithms/maxent-irl.js";
import { GridWorldEnv } from "../src/envs/toy/grid-world.js";
import { valueIteration } from "../src/envs/toy/value-iteration.js";

const HORIZON = 40;
const GAMMA = 0.99;

/** A deterministic policy as the [H, S, A] one-hot array `stateVisitation` takes. */
function tiled(policy: Int32Array, S: number, A: number): Float64Array {
  const out = new Float64Array(HORIZON * S * A);
  for (let t = 0; t < HORIZON; t++) for (let s = 0; s < S; s++) out[(t * S + s) * A + policy[s]!] = 1;
  return out;
}

/** Expected discounted return from the start distribution, under the true reward R(s,a,s') = r(s'). */
function expectedReturn(env: GridWorldEnv, policy: Int32Array): number {
  const { nStates: S, nActions: A, transitions: P, rewards: r, terminalStates } = env;
  let v = new Float64Array(S);
  for (let k = 0; k < 2000; k++) {
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      if (terminalStates[s]) continue;
      const a = policy[s]!;
      let sum = 0;
      for (let s2 = 0; s2 < S; s2++) {
        const p = P[(s * A + a) * S + s2]!;
        if (p > 0) sum += p * (r[s2]! + GAMMA * (terminalStates[s2] ? 0 : v[s2]!));
      }
      next[s] = sum;
    }
    v = next;
  }
  return env.initialStateDistribution.reduce((acc, p, s) => acc + p * v[s]!, 0);
}

function normalized(d: Float64Array): Float64Array {
  const total = d.reduce((a, b) => a + b, 0);
  return d.map((x) => x / total);
}

test("8×8 GridWorld: the recovered reward's optimal policy matches the expert's visitation and return", () => {
  const env = new GridWorldEnv({
    width: 8,
    height: 8,
    walls: [
      [2, 2],
      [2, 3],
      [5, 1],
      [5, 6],
    ],
    goals: [{ cell: [7, 7], reward: 1 }],
    traps: [
      { cell: [3, 5], reward: -1 },
      { cell: [6, 3], reward: -1 },
    ],
    stepReward: -0.01,
    start: "uniform",
  });
  const S = env.nStates;
  const A = env.nActions;
  const expert = valueIteration(env, GAMMA);
  const mdp = {
    nStates: S,
    nActions: A,
    transitions: env.transitions,
    initialStateDistribution: env.initialStateDistribution,
    terminalStates: env.terminalStates,
  };
  const expertVisitation = stateVisitation(mdp, tiled(expert.policy, S, A), HORIZON, GAMMA);
  const irl = maxEntIrl(mdp, expertVisitation, {
    horizon: HORIZON,
    gamma: GAMMA,
    iterations: 300,
    learningRate: 0.1,
  });
  assert.ok(irl.occupancyDistance.at(-1)! < 0.1, `occupancy distance ${irl.occupancyDistance.at(-1)}`);

  // The optimal policy under the recovered reward, read as IRL reads it: r̂(s) for being in s,
  // absorbing states included (that is where IRL's padded visitation puts the expert's mass).
  const learned = valueIteration(
    {
      nStates: S,
      nActions: A,
      transitions: env.transitions,
      rewardMatrix: () => Float64Array.from({ length: S * A }, (_, sa) => irl.reward[Math.floor(sa / A)]!),
    },
    GAMMA,
  );
  const learnedVisitation = stateVisitation(mdp, tiled(learned.policy, S, A), HORIZON, GAMMA);
  const e = normalized(expertVisitation);
  const l = normalized(learnedVisitation);
  const l1 = e.reduce((acc, x, s) => acc + Math.abs(x - l[s]!), 0);
  const optimal = expectedReturn(env, expert.policy);
  const achieved = expectedReturn(env, learned.policy);
  assert.ok(l1 <= 0.05, `L1 between visitation distributions: ${l1}`);
  assert.ok(
    Math.abs(achieved - optimal) <= 0.05 * Math.abs(optimal),
    `return ${achieved} vs optimal ${optimal}`,
  );
});
