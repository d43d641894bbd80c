import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidActionError, InvalidOptionError, ResetNeededError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import {
  type Cell,
  cellToState,
  GridWorldEnv,
  type GridWorldOptions,
  gridWorldActions,
  gridWorldSpec,
  parseGridWorldOptions,
  stateToCell,
} from "../src/envs/toy/grid-world.js";
import { valueIteration } from "../src/envs/toy/value-iteration.js";

const { up, right, down, left } = gridWorldActions;

/** Asserts that `fn` throws an InvalidOptionError with this path whose message mentions it. */
function assertOptionError(fn: () => unknown, path: string, messageIncludes?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(err)}`);
    assert.equal(err.code, "INVALID_OPTION");
    assert.equal(err.path, path);
    assert.ok(err.message.includes(path), `message should name ${path}: ${err.message}`);
    if (messageIncludes) assert.match(err.message, messageIncludes);
    return true;
  });
}

/** Puts a fresh env on `cell` (as its start) and returns it reset. */
function envAt(cell: Cell, options: GridWorldOptions = {}): GridWorldEnv {
  const env = new GridWorldEnv({ ...options, start: [cell[0], cell[1]] });
  env.reset({ seed: 0 });
  return env;
}

/** Shortest-path distances (in moves) to the nearest goal, by breadth-first search; -1 if unreachable. */
function bfsDistances(
  width: number,
  height: number,
  walls: readonly Cell[],
  goals: readonly Cell[],
): Int32Array {
  const dist = new Int32Array(width * height).fill(-1);
  const isWall = new Set(walls.map((c) => cellToState(c, width)));
  const queue = goals.map((c) => cellToState(c, width));
  for (const g of queue) dist[g] = 0;
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head]!;
    const [x, y] = stateToCell(s, width);
    for (const [dx, dy] of [
      [0, -1],
      [1, 0],
      [0, 1],
      [-1, 0],
    ] as const) {
      const nx = x + dx;
      const ny = y + dy;
      const n = ny * width + nx;
      if (nx < 0 || nx >= width || ny < 0 || ny >= height || isWall.has(n) || dist[n] !== -1) continue;
      dist[n] = dist[s]! + 1;
      queue.push(n);
    }
  }
  return dist;
}

/** Valid configurations: every cell is free, a wall, a goal or a trap; the start is a free cell or uniform. */
const validOptions: fc.Arbitrary<GridWorldOptions> = fc
  .record({
    width: fc.integer({ min: 1, max: 6 }),
    height: fc.integer({ min: 1, max: 6 }),
    slip: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    stepReward: fc.double({ min: -1, max: 1, noNaN: true }),
    uniformStart: fc.boolean(),
    startPick: fc.nat(),
    roles: fc.array(fc.constantFrom("free", "free", "free", "wall", "goal", "trap"), {
      minLength: 36,
      maxLength: 36,
    }),
    rewards: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 36, maxLength: 36 }),
  })
  .map(({ width, height, slip, stepReward, uniformStart, startPick, roles, rewards }) => {
    const n = width * height;
    const role = roles.slice(0, n);
    if (!role.includes("free")) role[0] = "free";
    const cell = (s: number): [number, number] => stateToCell(s, width);
    const indices = role.map((_, s) => s);
    const free = indices.filter((s) => role[s] === "free");
    return {
      width,
      height,
      slip,
      stepReward,
      walls: indices.filter((s) => role[s] === "wall").map(cell),
      goals: indices.filter((s) => role[s] === "goal").map((s) => ({ cell: cell(s), reward: rewards[s]! })),
      traps: indices.filter((s) => role[s] === "trap").map((s) => ({ cell: cell(s), reward: rewards[s]! })),
      start: uniformStart ? ("uniform" as const) : cell(free[startPick % free.length]!),
    };
  });

describe("GridWorld-v0 exact dynamics", () => {
  it("every row of P sums to 1, absorbing states self-loop, and the arrays agree (property)", () => {
    fc.assert(
      fc.property(validOptions, (options) => {
        const env = new GridWorldEnv(options);
        const { nStates: S, nActions: A } = env;
        const p = env.transitions;
        assert.equal(p.length, S * A * S);
        const r = env.rewardMatrix();
        const terminal = new Set(
          [...(options.goals ?? []), ...(options.traps ?? [])].map((g) =>
            cellToState(g.cell, env.config.width),
          ),
        );
        for (let s = 0; s < S; s++) {
          assert.equal(env.terminalStates[s], terminal.has(s) ? 1 : 0);
          for (let a = 0; a < A; a++) {
            let sum = 0;
            let expectedReward = 0;
            for (let sNext = 0; sNext < S; sNext++) {
              const prob = p[(s * A + a) * S + sNext]!;
              assert.ok(prob >= 0);
              sum += prob;
              expectedReward += prob * env.rewards[sNext]!;
            }
            assert.ok(Math.abs(sum - 1) < 1e-12, `row (${s}, ${a}) sums to ${sum}`);
            if (terminal.has(s)) {
              assert.equal(p[(s * A + a) * S + s], 1);
              assert.equal(r[s * A + a], 0);
            } else {
              assert.ok(Math.abs(r[s * A + a]! - expectedReward) < 1e-12);
            }
          }
        }
        const initialSum = env.initialStateDistribution.reduce((x, y) => x + y, 0);
        assert.ok(Math.abs(initialSum - 1) < 1e-12);
        for (let s = 0; s < S; s++) {
          if (env.initialStateDistribution[s]! > 0) assert.equal(env.terminalStates[s], 0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("moves deterministically without slip; walls and edges leave the agent in place", () => {
    // 3×3 with a wall in the middle:  . . .
    //                                 . # .
    //                                 . . G
    const options: GridWorldOptions = { width: 3, height: 3, walls: [[1, 1]] };
    const cases: [Cell, number, Cell][] = [
      [[0, 0], up, [0, 0]], // off the top edge
      [[0, 0], left, [0, 0]], // off the left edge
      [[0, 0], right, [1, 0]],
      [[0, 0], down, [0, 1]], // y grows downward
      [[1, 0], down, [1, 0]], // into the wall
      [[0, 1], right, [0, 1]], // into the wall
      [[2, 1], left, [2, 1]], // into the wall
      [[2, 1], down, [2, 2]], // onto the goal
      [[2, 0], right, [2, 0]], // off the right edge
    ];
    for (const [from, action, to] of cases) {
      const env = envAt(from, options);
      const { observation } = env.step(action);
      assert.deepEqual(stateToCell(observation, 3), [...to], `from ${from} action ${action}`);
      const s = cellToState(from, 3);
      assert.equal(env.transitions[(s * 4 + action) * env.nStates + cellToState(to, 3)], 1);
    }
  });

  it("samples slips with the probabilities of the transition tensor", () => {
    // From [1, 1] in a 4×4 grid with a wall above: up and the slips into the wall merge into "stay".
    const env = new GridWorldEnv({ width: 4, height: 4, walls: [[1, 0]], start: [1, 1], slip: 0.3 });
    const S = env.nStates;
    const s = cellToState([1, 1], 4);
    const n = 8000;
    env.reset({ seed: 123 });
    for (let a = 0; a < 4; a++) {
      const counts = new Float64Array(S);
      for (let i = 0; i < n; i++) {
        env.reset();
        counts[env.step(a).observation]! += 1;
      }
      for (let sNext = 0; sNext < S; sNext++) {
        const p = env.transitions[(s * 4 + a) * S + sNext]!;
        const bound = 5 * Math.sqrt((p * (1 - p)) / n); // five standard errors
        const freq = counts[sNext]! / n;
        if (p === 0) assert.equal(counts[sNext], 0, `action ${a}: reached impossible state ${sNext}`);
        else assert.ok(Math.abs(freq - p) <= bound, `action ${a}, s' ${sNext}: frequency ${freq} vs P ${p}`);
      }
    }
    // The probabilities themselves: intended 0.7, each other move 0.1, up merges with "stay".
    const row = (a: number) => Array.from(env.transitions.subarray((s * 4 + a) * S, (s * 4 + a + 1) * S));
    assert.ok(Math.abs(row(up)[s]! - 0.7) < 1e-12);
    assert.ok(Math.abs(row(right)[cellToState([2, 1], 4)]! - 0.7) < 1e-12);
    assert.ok(Math.abs(row(right)[s]! - 0.1) < 1e-12);
  });

  it("gives the same episode for the same seed, and draws the uniform start from the initial distribution", () => {
    const options: GridWorldOptions = {
      width: 5,
      height: 4,
      walls: [
        [2, 1],
        [2, 2],
      ],
      start: "uniform",
      slip: 0.2,
    };
    const run = (seed: number) => {
      const env = new GridWorldEnv(options);
      const actions = rngFromSeed(7);
      const trace: number[] = [env.reset({ seed }).observation];
      for (let t = 0; t < 200; t++) {
        const step = env.step(actions.integers(4));
        trace.push(step.observation, step.reward, step.terminated ? 1 : 0);
        if (step.terminated) trace.push(env.reset().observation);
      }
      return trace;
    };
    assert.deepEqual(run(42), run(42));
    assert.notDeepEqual(run(42), run(43));

    const env = new GridWorldEnv(options);
    assert.equal(env.reset({ seed: 5 }).observation, env.reset({ seed: 5 }).observation);
    const dist = env.initialStateDistribution;
    for (let i = 0; i < 300; i++) assert.ok(dist[env.reset().observation]! > 0);
    const free = 5 * 4 - 2 - 1; // minus walls and the goal
    for (let s = 0; s < env.nStates; s++) assert.ok(dist[s] === 0 || Math.abs(dist[s]! - 1 / free) < 1e-15);
  });

  it("terminates on a goal with its reward, pays stepReward otherwise, and absorbs afterwards", () => {
    const env = new GridWorldEnv({
      width: 3,
      height: 1,
      goals: [{ cell: [2, 0], reward: 5 }],
      stepReward: -0.1,
    });
    assert.equal(env.reset({ seed: 1 }).observation, 0);
    assert.deepEqual(env.step(left), {
      observation: 0,
      reward: -0.1,
      terminated: false,
      truncated: false,
      info: {},
    });
    assert.deepEqual(env.step(right), {
      observation: 1,
      reward: -0.1,
      terminated: false,
      truncated: false,
      info: {},
    });
    assert.deepEqual(env.step(right), {
      observation: 2,
      reward: 5,
      terminated: true,
      truncated: false,
      info: {},
    });
    assert.deepEqual(env.step(left), {
      observation: 2,
      reward: 0,
      terminated: true,
      truncated: false,
      info: {},
    });
    assert.deepEqual(Array.from(env.rewards), [-0.1, -0.1, 5]);
    assert.deepEqual(Array.from(env.terminalStates), [0, 0, 1]);
  });

  it("terminates on a trap with its reward; the default goal is the far corner", () => {
    const env = new GridWorldEnv({ width: 3, height: 2, traps: [{ cell: [1, 0] }] });
    env.reset({ seed: 1 });
    assert.deepEqual(env.step(right), {
      observation: 1,
      reward: -1,
      terminated: true,
      truncated: false,
      info: {},
    });
    assert.deepEqual(env.config.goals, [{ cell: [2, 1], reward: 1 }]);
    assert.equal(env.terminalStates[cellToState([2, 1], 3)], 1);
  });

  it("exposes spaces, spec, one-hot features and cell/state conversions", () => {
    const env = new GridWorldEnv({ width: 4, height: 3 });
    assert.equal(env.spec.id, "GridWorld-v0");
    assert.equal(gridWorldSpec.maxEpisodeSteps, 50);
    assert.equal(env.observationSpace.n, 12);
    assert.equal(env.actionSpace.n, 4);
    assert.equal(env.unwrapped, env);
    const phi = env.features();
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) assert.equal(phi[i * 12 + j], i === j ? 1 : 0);
    for (let s = 0; s < 12; s++) assert.equal(cellToState(stateToCell(s, 4), 4), s);
    assert.equal(cellToState([3, 2], 4), 11);
    assert.deepEqual(stateToCell(6, 4), [2, 1]);
  });
});

describe("GridWorld-v0 failures", () => {
  it("rejects bad options with InvalidOptionError naming the path", () => {
    assertOptionError(() => new GridWorldEnv({ slip: 1.5 }), "slip", /\[0, 1\)/);
    assertOptionError(
      () =>
        new GridWorldEnv({
          walls: [
            [0, 1],
            [1, 1],
            [9, 0],
          ],
        }),
      "walls[2]",
      /outside the 5×5 grid/,
    );
    assertOptionError(
      () =>
        new GridWorldEnv({
          walls: [
            [0, 1],
            [-1, 0],
          ],
        }),
      "walls[1]",
    );
    assertOptionError(() => parseGridWorldOptions({ slipp: 0.1 }), "slipp", /did you mean slip\?/i);
    assertOptionError(
      () => parseGridWorldOptions({ goals: [{ cell: [1, 1], rewrad: 2 }] }),
      "goals[0].rewrad",
    );
    assertOptionError(() => parseGridWorldOptions({ width: 0 }), "width");
    assertOptionError(() => parseGridWorldOptions({ height: 2.5 }), "height");
    assertOptionError(
      () =>
        parseGridWorldOptions({
          walls: [
            [0, 1],
            [1, "a"],
          ],
        }),
      "walls[1][1]",
    );
    assertOptionError(() => parseGridWorldOptions({ start: [1, 1], walls: [[1, 1]] }), "start", /is a wall/);
    assertOptionError(() => parseGridWorldOptions({ walls: [[0, 0]] }), "start", /default start/);
    assertOptionError(() => parseGridWorldOptions({ start: [4, 4] }), "start", /terminal/);
    assertOptionError(() => parseGridWorldOptions({ start: "random" }), "start", /uniform/);
    assertOptionError(
      () => parseGridWorldOptions({ goals: [{ cell: [1, 1] }], walls: [[1, 1]] }),
      "goals[0].cell",
      /wall/,
    );
    assertOptionError(() => parseGridWorldOptions({ walls: [[4, 4]] }), "goals", /default goal/);
    assertOptionError(
      () => parseGridWorldOptions({ goals: [{ cell: [1, 1] }], traps: [{ cell: [1, 1] }] }),
      "traps[0].cell",
      /also goals\[0\]\.cell/,
    );
    assertOptionError(
      () => parseGridWorldOptions({ width: 1, height: 1, start: "uniform" }),
      "start",
      /none/,
    );
    assertOptionError(() => parseGridWorldOptions(null), "");
  });

  it("accepts its own parsed config, and undefined as all defaults", () => {
    const config = parseGridWorldOptions({ width: 3, height: 3, slip: 0.1, walls: [[1, 1]] });
    assert.deepEqual(parseGridWorldOptions(config), config);
    assert.equal(new GridWorldEnv(config).nStates, 9);
    assert.equal(parseGridWorldOptions(undefined).width, 5);
  });

  it("throws ResetNeededError when step comes before reset", () => {
    const env = new GridWorldEnv();
    assert.throws(() => env.step(right), ResetNeededError);
  });

  it("throws InvalidActionError for actions outside Discrete(4)", () => {
    const env = new GridWorldEnv();
    env.reset({ seed: 0 });
    for (const bad of [4, -1, 1.5, Number.NaN, "1"]) {
      assert.throws(() => env.step(bad as number), InvalidActionError, `action ${String(bad)}`);
    }
  });
});

describe("valueIteration on GridWorld-v0", () => {
  // A 5×5 maze:   S . # . .
  //               # . # . #
  //               . . . . .
  //               . # # # .
  //               . . . # G
  const width = 5;
  const height = 5;
  const walls: Cell[] = [
    [2, 0],
    [0, 1],
    [2, 1],
    [4, 1],
    [1, 3],
    [2, 3],
    [3, 3],
    [3, 4],
  ];
  const goal: Cell = [4, 4];

  it("follows a shortest path to the goal from every reachable cell", () => {
    const env = new GridWorldEnv({ width, height, walls, stepReward: -0.01 });
    const { policy, values, q } = valueIteration(env, 0.95, { tol: 1e-12 });
    assert.equal(q.length, env.nStates * 4);
    const dist = bfsDistances(width, height, walls, [goal]);
    assert.equal(dist[0], 8);
    for (let s0 = 0; s0 < env.nStates; s0++) {
      if (dist[s0]! <= 0) continue; // walls, unreachable cells and the goal
      const probe = envAt(stateToCell(s0, width), { width, height, walls, stepReward: -0.01 });
      let s = s0;
      let steps = 0;
      let terminated = false;
      while (!terminated && steps < 50) {
        const step = probe.step(policy[s]!);
        assert.equal(
          dist[step.observation],
          dist[s]! - 1,
          `from ${stateToCell(s, width)} the policy does not get closer`,
        );
        s = step.observation;
        terminated = step.terminated;
        steps++;
      }
      assert.ok(terminated);
      assert.equal(steps, dist[s0]);
      // Deterministic moves: V(s) = Σ_{t<d−1} γ^t · stepReward + γ^(d−1) · goalReward.
      const d = dist[s0]!;
      const expected = (-0.01 * (1 - 0.95 ** (d - 1))) / (1 - 0.95) + 0.95 ** (d - 1);
      assert.ok(Math.abs(values[s0]! - expected) < 1e-9, `V(${s0}) = ${values[s0]} vs ${expected}`);
    }
    assert.equal(values[cellToState(goal, width)], 0);
  });

  it("still reaches the goal on a slippery floor, and validates gamma", () => {
    const env = new GridWorldEnv({ width, height, walls, slip: 0.1 });
    const { policy, iterations } = valueIteration(env, 0.9);
    assert.ok(iterations > 1);
    let returns = 0;
    env.reset({ seed: 3 });
    for (let episode = 0; episode < 50; episode++) {
      let s = env.reset().observation;
      for (let t = 0; t < 100; t++) {
        const step = env.step(policy[s]!);
        s = step.observation;
        if (step.terminated) {
          returns += step.reward;
          break;
        }
      }
    }
    assert.equal(returns, 50);
    assertOptionError(() => valueIteration(env, 1), "gamma");
    assertOptionError(() => valueIteration(env, 0.9, { tol: 0 }), "tol");
  });
});
