/**
 * MaxEnt IRL on GridWorld-v0 (5×5, goal in the far corner): from 20 value-iteration expert
 * episodes with uniform starts, the learner's visitation approaches the expert's, and the greedy
 * policy of the recovered reward reaches the goal from every start. Plus soft value iteration on a
 * 2-state MDP worked out by hand, and the bad-input paths. About half a second in all.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  type MaxEntIrlResult,
  maxEntIrl,
  softValueIteration,
  stateVisitation,
} from "../src/algorithms/maxent-irl.js";
import { InvalidOptionError, MimicError, ShapeMismatchError } from "../src/core/errors.js";
import { collect } from "../src/data/collect.js";
import { Episode } from "../src/data/episode.js";
import { cellToState, GridWorldEnv } from "../src/envs/toy/grid-world.js";
import { valueIteration } from "../src/envs/toy/value-iteration.js";
import { gridWorldExpert } from "../src/experts/grid-world.js";
import { make } from "../src/index.js";

const gridOptions = { start: "uniform" } as const;
const goal = cellToState([4, 4], 5);

/** Rolls the deterministic `actions` out from `start` for at most 50 steps; returns the return and length. */
function rollout(actions: Int32Array, start: number): { return: number; length: number } {
  const env = new GridWorldEnv({ start: [start % 5, Math.floor(start / 5)] });
  let s = env.reset({ seed: 0 }).observation;
  let total = 0;
  for (let t = 1; t <= 50; t++) {
    const step = env.step(actions[s]!);
    total += step.reward;
    s = step.observation;
    if (step.terminated) return { return: total, length: t };
  }
  return { return: total, length: 50 };
}

describe("maxEntIrl on GridWorld-v0", () => {
  const mdp = new GridWorldEnv(gridOptions);
  let episodes: Episode[];
  let result: MaxEntIrlResult;

  before(async () => {
    episodes = await collect(make("GridWorld-v0", gridOptions), gridWorldExpert(gridOptions), {
      episodes: 20,
      seed: 0,
    });
    result = maxEntIrl(mdp, episodes, { seed: 0 });
  });

  it("brings the learner's visitation close to the expert's", () => {
    const d = result.occupancyDistance;
    assert.equal(d.length, result.iterations + 1);
    // Both measures total Σ_{t=0}^{50} 0.99^t ≈ 40.1, so the distance starts large.
    assert.ok(d[0]! > 50, `initial distance ${d[0]}`);
    assert.ok(
      d[0]! > d[10]! && d[10]! > d[50]! && d[50]! > d.at(-1)!,
      `not decreasing: ${d[0]}, ${d[10]}, ${d[50]}, ${d.at(-1)}`,
    );
    // The floor is mostly the t = 0 term: 20 sampled starts against the uniform ρ₀.
    assert.ok(d.at(-1)! < 2, `final distance ${d.at(-1)}`);
    let expertMass = 0;
    let learnerMass = 0;
    for (let s = 0; s < mdp.nStates; s++) {
      expertMass += result.expertVisitation[s]!;
      learnerMass += result.visitation[s]!;
    }
    const total = (1 - 0.99 ** 51) / (1 - 0.99);
    assert.ok(Math.abs(expertMass - total) < 1e-9, `expert mass ${expertMass}`);
    assert.ok(Math.abs(learnerMass - total) < 1e-9, `learner mass ${learnerMass}`);
  });

  it("recovers a reward whose greedy policy reaches the goal from every start, as the expert does", () => {
    // R(s, a) = Σ_s' P(s' | s, a) r(s'): the learned reward paid on entering a state, as GridWorld pays.
    const { nStates: S, nActions: A, transitions: P } = mdp;
    const r = new Float64Array(S * A);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        for (let next = 0; next < S; next++)
          r[s * A + a]! += P[(s * A + a) * S + next]! * result.reward[next]!;
      }
    }
    const greedy = valueIteration({ nStates: S, nActions: A, transitions: P, rewardMatrix: () => r }, 0.99);
    const expert = gridWorldExpert();
    for (let s = 0; s < S; s++) {
      if (s === goal) continue;
      const learned = rollout(greedy.policy, s);
      const optimal = rollout(expert.actions, s);
      assert.equal(optimal.return, 1);
      assert.equal(learned.return, optimal.return, `start ${s}: return ${learned.return}`);
      assert.equal(
        learned.length,
        optimal.length,
        `start ${s}: ${learned.length} steps, expert ${optimal.length}`,
      );
    }
  });

  it("puts the highest reward at the goal or next to it", () => {
    const best = result.reward.indexOf(Math.max(...result.reward));
    assert.ok([goal, goal - 1, goal - 5].includes(best), `highest reward at state ${best}`);
  });

  it("gives the same answer from the expert's visitation and from linear one-hot features", () => {
    const config = { iterations: 20, seed: 3 };
    const fromEpisodes = maxEntIrl(mdp, episodes, config);
    const fromVisitation = maxEntIrl(mdp, result.expertVisitation, config);
    const linear = maxEntIrl(mdp, episodes, { ...config, reward: "linear" }, { features: mdp.features() });
    assert.deepEqual(fromVisitation.reward, fromEpisodes.reward);
    assert.deepEqual(linear.reward, fromEpisodes.reward);
  });

  it("stops early once the occupancy gradient is below the tolerance", () => {
    const calls: number[] = [];
    const out = maxEntIrl(mdp, episodes, { tolerance: 1e9 }, { onIteration: (r) => calls.push(r.iteration) });
    assert.equal(out.iterations, 0);
    assert.deepEqual(calls, [0]);
  });
});

describe("softValueIteration", () => {
  // Two states, two actions: 0 stays, 1 switches. r = [0, 1], H = 2, γ = 1.
  const two = {
    nStates: 2,
    nActions: 2,
    transitions: Float64Array.from([1, 0, 0, 1, 0, 1, 1, 0]),
    initialStateDistribution: Float64Array.from([1, 0]),
  };
  const e = Math.E;
  const close = (actual: number, expected: number, what: string) =>
    assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

  it("matches the hand-computed values, policy and visitation", () => {
    const { values, q, policy } = softValueIteration(two, Float64Array.from([0, 1]), 2, 1);
    // t = 1 (last): Q_1(s, ·) = r(s), V_1(s) = r(s) + log 2.
    close(values[2]!, Math.LN2, "V_1(0)");
    close(values[3]!, 1 + Math.LN2, "V_1(1)");
    // t = 0: Q_0(0, stay) = V_1(0), Q_0(0, switch) = V_1(1); Q_0(1, stay) = 1 + V_1(1), Q_0(1, switch) = 1 + V_1(0).
    close(q[0]!, Math.LN2, "Q_0(0, stay)");
    close(q[1]!, 1 + Math.LN2, "Q_0(0, switch)");
    close(q[2]!, 2 + Math.LN2, "Q_0(1, stay)");
    close(q[3]!, 1 + Math.LN2, "Q_0(1, switch)");
    close(values[0]!, Math.LN2 + Math.log(1 + e), "V_0(0)");
    close(values[1]!, 1 + Math.LN2 + Math.log(1 + e), "V_0(1)");
    close(policy[1]!, e / (1 + e), "π_0(switch | 0)");
    close(policy[2]!, e / (1 + e), "π_0(stay | 1)");
    close(policy[4]!, 0.5, "π_1(stay | 0)");
    // D_0 = [1, 0], D_1 = [1/(1+e), e/(1+e)], D_2 = [1/2, 1/2].
    const d = stateVisitation(two, policy, 2, 1);
    close(d[0]!, 1 + 1 / (1 + e) + 0.5, "D(0)");
    close(d[1]!, e / (1 + e) + 0.5, "D(1)");
  });

  it("stays finite for large rewards (stable log-sum-exp)", () => {
    const { values, policy } = softValueIteration(two, Float64Array.from([1000, -1000]), 3, 0.9);
    assert.ok(values.every(Number.isFinite) && policy.every(Number.isFinite));
    close(policy[0]!, 1, "π_0(stay | 0)");
  });
});

describe("maxEntIrl bad input", () => {
  const mdp = new GridWorldEnv(gridOptions);
  const episode = (observations: number[], terminated: boolean) =>
    new Episode({
      id: 7,
      observations: Int32Array.from(observations),
      actions: new Int32Array(observations.length - 1),
      rewards: new Float64Array(observations.length - 1),
      terminated,
      truncated: !terminated,
    });

  it("refuses empty demonstrations", () => {
    assert.throws(
      () => maxEntIrl(mdp, []),
      (err: unknown) => err instanceof InvalidOptionError && /demonstrations is empty/.test(err.message),
    );
  });

  it("refuses observations outside the state range, naming the episode and step", () => {
    assert.throws(
      () => maxEntIrl(mdp, [episode([23, 25], true)]),
      (err: unknown) =>
        err instanceof MimicError &&
        err.code === "INVALID_OPTION" &&
        /episode 7: observation 1 is 25, not a state of this MDP \(an integer from 0 to 24\)/.test(
          err.message,
        ),
    );
  });

  it("refuses an episode that stops before the horizon without terminating", () => {
    assert.throws(
      () => maxEntIrl(mdp, [episode([0, 1, 2], false)]),
      (err: unknown) => err instanceof InvalidOptionError && /Lower horizon to at most 2/.test(err.message),
    );
  });

  it("refuses a terminated episode that does not end in a terminal state", () => {
    assert.throws(
      () => maxEntIrl(mdp, [episode([0, 1], true)]),
      (err: unknown) => err instanceof InvalidOptionError && /terminalStates does not mark/.test(err.message),
    );
  });

  it("refuses a visitation of the wrong length and a bad config", () => {
    assert.throws(() => maxEntIrl(mdp, new Float64Array(3)), ShapeMismatchError);
    assert.throws(
      () => maxEntIrl(mdp, new Float64Array(25), { gamma: 1.5 }),
      (err: unknown) => err instanceof InvalidOptionError && err.path === "gamma",
    );
    assert.throws(
      () => maxEntIrl(mdp, new Float64Array(25), { reward: "linear" }, { features: new Float64Array(7) }),
      ShapeMismatchError,
    );
  });
});
