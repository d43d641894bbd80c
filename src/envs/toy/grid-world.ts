/**
 * GridWorld: walk across a grid of cells to a goal, around walls, on a floor that may be slippery.
 *
 * Not a port of one reference. It is a tabular MDP in the spirit of Gymnasium's
 * gymnasium/envs/toy_text/frozen_lake.py (Gymnasium 0.29/1.x: discrete observations, slippery
 * moves, dynamics published as data) and of the gridworlds of Ziebart et al. (2008), "Maximum
 * Entropy Inverse Reinforcement Learning". Inverse RL needs the exact dynamics, so the env
 * publishes them as arrays (see Exact Dynamics), and `step()` samples from the same probabilities.
 *
 * ## Description
 * The grid has `width` columns and `height` rows. A cell is `[x, y]`: x is the column, 0 at the
 * left; y is the row, 0 at the top, growing downward like screen rows. Walls are blocked cells.
 * Goals and traps are terminal cells that pay a reward when entered.
 *
 * ## Action Space
 * `Discrete(4)`, clockwise from up (FrozenLake orders them left, down, right, up):
 *
 * | Action | Move  | Cell change |
 * |--------|-------|-------------|
 * | 0      | up    | y − 1       |
 * | 1      | right | x + 1       |
 * | 2      | down  | y + 1       |
 * | 3      | left  | x − 1       |
 *
 * A move into a wall or off the grid leaves the agent where it is. With probability `slip` the
 * intended move is replaced by one of the other three moves, chosen uniformly, so the intended
 * move happens with probability 1 − slip and each other move with slip / 3. (FrozenLake's
 * slippery floor instead splits 1/3 each between the intended move and its two perpendiculars.)
 *
 * ## Observation Space
 * `Discrete(width · height)`: the state index s = y · width + x (`cellToState`, `stateToCell`).
 *
 * | Observation | Min | Max                |
 * |-------------|-----|--------------------|
 * | s           | 0   | width · height − 1 |
 *
 * Wall cells keep their indices, so the indices stay a plain grid, but they are never observed.
 *
 * ## Rewards
 * The reward depends on the cell entered: R(s, a, s') = r(s'), where r(s') is the goal's or the
 * trap's `reward` when s' is a goal or a trap, and `stepReward` otherwise (bumping into a wall
 * included). Entering a goal pays its reward and no step reward. A step taken from a terminal
 * state earns 0 (see Episode End).
 *
 * ## Starting State
 * The cell `start` (default [0, 0]), or with `start: "uniform"` a cell drawn uniformly from the
 * cells that are neither walls, goals nor traps. A fixed start draws nothing from the generator.
 *
 * ## Episode End
 * - Termination: the agent enters a goal or a trap.
 * - Truncation (TimeLimit wrapper): 50 steps for v0.
 *
 * Goal, trap and wall states absorb: every action stays put with probability 1 and reward 0. So a
 * step after termination (without a reset) stays on the terminal cell, earns 0 and reports
 * terminated again, as FrozenLake does.
 *
 * ## Exact Dynamics
 * With S = width · height states and A = 4 actions:
 * - `transitions`: P[s, a, s'] as a row-major Float64Array of shape [S, A, S]. It takes
 *   S² · A · 8 bytes (100 kB for 5×5, 32 MB for 20×20), so it is built on first access.
 * - `rewards[s]` = r(s), the reward for entering s (0 for walls, which are never entered).
 * - `rewardMatrix()[s, a]` = Σ_s' P[s, a, s'] · R(s, a, s'), shape [S, A]; 0 in absorbing states.
 * - `initialStateDistribution[s]`, `terminalStates[s]` (1 for goals and traps), and `features()`,
 *   the one-hot [S, S] feature matrix of a linear state reward.
 *
 * ## Version History
 * - v0: initial version.
 */
import { z } from "zod";
import {
  assertAction,
  type Env,
  type EnvSpec,
  type ResetOptions,
  type ResetResult,
  reseed,
  type StepResult,
} from "../../core/env.js";
import { formatPath, InvalidOptionError, ResetNeededError } from "../../core/errors.js";
import type { Rng } from "../../core/rng.js";
import { Discrete, formatValue } from "../../core/spaces/index.js";
import type { TabularMdp } from "./value-iteration.js";

const envId = "GridWorld-v0";
/** Largest width or height: keeps state indices small integers (exact dynamics want far smaller grids). */
const maxSide = 1000;

/** A cell as [x, y]: x the column from the left, y the row from the top. */
export type Cell = readonly [x: number, y: number];

/** The actions by name. */
export const gridWorldActions = { up: 0, right: 1, down: 2, left: 3 } as const;

/** Cell change [dx, dy] of each move, indexed by action. */
const moves: readonly Cell[] = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
];
const nMoves = 4;

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

const cellSchema = z.tuple([z.number().int(), z.number().int()]).readonly();

export const gridWorldOptionsSchema = z
  .object({
    width: z
      .number()
      .int()
      .min(1)
      .max(maxSide)
      .default(5)
      .describe(`the number of columns, an integer from 1 to ${maxSide}`),
    height: z
      .number()
      .int()
      .min(1)
      .max(maxSide)
      .default(5)
      .describe(`the number of rows, an integer from 1 to ${maxSide}`),
    walls: z
      .array(cellSchema)
      .readonly()
      .default([])
      .describe("a list of blocked cells [x, y] inside the grid, such as [[1, 1], [2, 1]]"),
    start: z
      .union([cellSchema, z.literal("uniform")])
      .default([0, 0])
      .describe(
        'the starting cell [x, y] (default [0, 0]), or "uniform" to draw it from the cells that are neither walls, goals nor traps',
      ),
    goals: z
      .array(z.object({ cell: cellSchema, reward: z.number().default(1) }).strict())
      .readonly()
      .optional()
      .describe(
        "a list of terminal cells that pay a reward on entry, such as [{ cell: [4, 4], reward: 1 }] (default: one goal at [width − 1, height − 1] with reward 1)",
      ),
    traps: z
      .array(z.object({ cell: cellSchema, reward: z.number().default(-1) }).strict())
      .readonly()
      .default([])
      .describe(
        "a list of terminal cells that pay a (usually negative) reward on entry, such as [{ cell: [2, 2], reward: -1 }]",
      ),
    slip: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe(
        "the probability in [0, 1) that the intended move is replaced by one of the other three, chosen uniformly",
      ),
    stepReward: z
      .number()
      .default(0)
      .describe(
        "a finite number: the reward of every step that enters neither a goal nor a trap, such as -0.01",
      ),
  })
  .strict();

/** GridWorld's options as a caller writes them: every field optional. */
export type GridWorldOptions = z.input<typeof gridWorldOptionsSchema>;

/** A terminal cell and the reward for entering it. */
export interface TerminalCell {
  readonly cell: Cell;
  readonly reward: number;
}

/** GridWorld's options with every default filled in and every relation checked. */
export interface GridWorldConfig {
  readonly width: number;
  readonly height: number;
  readonly walls: readonly Cell[];
  readonly start: Cell | "uniform";
  readonly goals: readonly TerminalCell[];
  readonly traps: readonly TerminalCell[];
  readonly slip: number;
  readonly stepReward: number;
}

type OptionKey = keyof typeof gridWorldOptionsSchema.shape;

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known key closest to `key`, ignoring case, `_` and `-`, if it is within two edits. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const normal = (k: string) => k.toLowerCase().replace(/[-_]/g, "");
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(normal(key), normal(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Turns the first zod issue into an `InvalidOptionError` that names the path and the fix. */
function issueToError(issues: readonly z.core.$ZodIssue[], raw: unknown): InvalidOptionError {
  const issue = issues[0]!;
  const more =
    issues.length > 2
      ? ` (${issues.length - 1} more problems follow.)`
      : issues.length === 2
        ? " (1 more problem follows.)"
        : "";
  if (issue.path.length === 0 && issue.code !== "unrecognized_keys") {
    return new InvalidOptionError(
      "",
      `${envId}: options must be an object such as { width: 5, height: 5, slip: 0.1 }, got ${formatValue(raw)}.`,
    );
  }
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const path = formatPath([...issue.path, key]);
    const known = issue.path.length === 0 ? Object.keys(gridWorldOptionsSchema.shape) : ["cell", "reward"];
    const guess = nearestKey(key, known);
    const hint = guess === undefined ? "" : ` Did you mean ${formatPath([...issue.path, guess])}?`;
    return new InvalidOptionError(
      path,
      `${envId}: unknown option ${path}.${hint} Known options${issue.path.length === 0 ? "" : ` of ${formatPath(issue.path)}`}: ${known.join(", ")}.${more}`,
    );
  }
  const path = formatPath(issue.path);
  const field = String(issue.path[0]) as OptionKey;
  const help = gridWorldOptionsSchema.shape[field]?.description;
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  return new InvalidOptionError(
    path,
    `${envId}: option ${path} = ${formatValue(valueAt(raw, issue.path))} is invalid (${message}). ${field} must be ${help ?? "as documented"}.${more}`,
  );
}

/** Checks what the schema cannot see: cells inside the grid, and walls, goals, traps and start apart. */
function checkRelations(config: GridWorldConfig, raw: unknown, defaultGoal: boolean): void {
  const { width, height } = config;
  const fail = (path: string, value: unknown, problem: string): never => {
    throw new InvalidOptionError(path, `${envId}: option ${path} = ${formatValue(value)} ${problem}.`);
  };
  const outside = `is outside the ${width}×${height} grid; cells are [x, y] with x from 0 to ${width - 1} and y from 0 to ${height - 1}`;
  const inside = ([x, y]: Cell) => x >= 0 && x < width && y >= 0 && y < height;
  const isWall = new Uint8Array(width * height);
  config.walls.forEach((cell, i) => {
    if (!inside(cell)) fail(`walls[${i}]`, cell, outside);
    isWall[cellToState(cell, width)] = 1;
  });

  /** Which goal or trap (by path) holds each cell. */
  const terminalAt = new Map<number, string>();
  const checkTerminal = (cell: Cell, path: string, what: string): void => {
    if (!inside(cell)) fail(path, cell, outside);
    const s = cellToState(cell, width);
    if (isWall[s] === 1) fail(path, cell, `is a wall; remove it from walls or put the ${what} elsewhere`);
    const other = terminalAt.get(s);
    if (other !== undefined) fail(path, cell, `is also ${other}; give every goal and trap its own cell`);
    terminalAt.set(s, path);
  };
  config.goals.forEach((goal, i) => {
    if (defaultGoal) {
      const problem = `(the default goal, the far corner) is a wall; pass goals explicitly or remove that wall`;
      if (isWall[cellToState(goal.cell, width)] === 1) fail("goals", goal.cell, problem);
    }
    checkTerminal(goal.cell, `goals[${i}].cell`, "goal");
  });
  config.traps.forEach((trap, i) => {
    checkTerminal(trap.cell, `traps[${i}].cell`, "trap");
  });

  const start = config.start;
  if (start === "uniform") {
    if (terminalAt.size + isWall.reduce((n, w) => n + w, 0) >= width * height) {
      fail(
        "start",
        start,
        "needs a cell that is neither a wall, a goal nor a trap, and there is none; free a cell",
      );
    }
    return;
  }
  const given = raw !== null && typeof raw === "object" && "start" in raw;
  const which = given ? "" : "(the default start) ";
  if (!inside(start)) fail("start", start, `${which}${outside}`);
  const s = cellToState(start, width);
  if (isWall[s] === 1) fail("start", start, `${which}is a wall; pass another start or remove that wall`);
  const terminal = terminalAt.get(s);
  if (terminal !== undefined) {
    fail(
      "start",
      start,
      `${which}is ${terminal}, and an episode cannot start on a terminal cell; pass another start`,
    );
  }
}

/**
 * Parses and checks GridWorld's options (`undefined` means all defaults). Every problem becomes an
 * `InvalidOptionError` whose `path` names the bad value (`slip`, `walls[2]`, `goals[0].cell`) and
 * whose message says how to fix it.
 */
export function parseGridWorldOptions(raw: unknown): GridWorldConfig {
  const parsed = gridWorldOptionsSchema.safeParse(raw === undefined ? {} : raw);
  if (!parsed.success) throw issueToError(parsed.error.issues, raw);
  const o = parsed.data;
  const config: GridWorldConfig = {
    width: o.width,
    height: o.height,
    walls: o.walls,
    start: o.start,
    goals: o.goals ?? [{ cell: [o.width - 1, o.height - 1], reward: 1 }],
    traps: o.traps,
    slip: o.slip,
    stepReward: o.stepReward,
  };
  checkRelations(config, raw, o.goals === undefined);
  return config;
}

// ---------------------------------------------------------------------------------------------
// Cells and states
// ---------------------------------------------------------------------------------------------

/** The state index of a cell: s = y · width + x. */
export function cellToState([x, y]: Cell, width: number): number {
  return y * width + x;
}

/** The cell [x, y] of a state index: x = s mod width, y = ⌊s / width⌋. */
export function stateToCell(s: number, width: number): [x: number, y: number] {
  return [s % width, Math.floor(s / width)];
}

// ---------------------------------------------------------------------------------------------
// The environment
// ---------------------------------------------------------------------------------------------

export const gridWorldSpec = {
  id: envId,
  maxEpisodeSteps: 50,
  description: "Walk a grid to a goal around walls; tabular, with exact dynamics for inverse RL.",
} as const;

/**
 * The GridWorld environment; see the module header for its rules. The exact-dynamics arrays are
 * shared, not copied: treat them as read-only.
 */
export class GridWorldEnv implements Env<number, number>, TabularMdp {
  readonly spec: EnvSpec = gridWorldSpec;
  readonly config: GridWorldConfig;
  readonly observationSpace: Discrete;
  readonly actionSpace = new Discrete(nMoves);
  /** S = width · height. */
  readonly nStates: number;
  /** A = 4. */
  readonly nActions = nMoves;
  /** r(s): the reward for entering s, length S. */
  readonly rewards: Float64Array;
  /** The distribution of the first state, length S. */
  readonly initialStateDistribution: Float64Array;
  /** 1 where s is a goal or a trap, length S. */
  readonly terminalStates: Uint8Array;
  /** The env's generator (Gymnasium's `np_random`), set by the first reset. */
  npRandom: Rng | undefined;

  /** 1 for walls, goals and traps: every action stays put with reward 0. */
  private readonly absorbing: Uint8Array;
  /** successor[s · 4 + m]: the state a move m leads to from s, before any slip. */
  private readonly successor: Int32Array;
  /** The support of the initial distribution (uniform over it). */
  private readonly startStates: Int32Array;
  private cachedTransitions: Float64Array | undefined;
  /** The current state, −1 before the first reset. */
  private state = -1;

  constructor(options: GridWorldOptions | GridWorldConfig = {}) {
    const config = parseGridWorldOptions(options);
    const { width, height } = config;
    const nStates = width * height;
    this.config = config;
    this.nStates = nStates;
    this.observationSpace = new Discrete(nStates);

    this.rewards = new Float64Array(nStates).fill(config.stepReward);
    this.terminalStates = new Uint8Array(nStates);
    this.absorbing = new Uint8Array(nStates);
    for (const cell of config.walls) {
      const s = cellToState(cell, width);
      this.absorbing[s] = 1;
      this.rewards[s] = 0;
    }
    for (const { cell, reward } of [...config.goals, ...config.traps]) {
      const s = cellToState(cell, width);
      this.absorbing[s] = 1;
      this.terminalStates[s] = 1;
      this.rewards[s] = reward;
    }

    this.successor = new Int32Array(nStates * nMoves);
    for (let s = 0; s < nStates; s++) {
      const [x, y] = stateToCell(s, width);
      for (let m = 0; m < nMoves; m++) {
        const nx = x + moves[m]![0];
        const ny = y + moves[m]![1];
        const blocked = nx < 0 || nx >= width || ny < 0 || ny >= height || this.isWall(ny * width + nx);
        this.successor[s * nMoves + m] = this.absorbing[s] === 1 || blocked ? s : ny * width + nx;
      }
    }

    const starts: number[] = [];
    if (config.start === "uniform") {
      for (let s = 0; s < nStates; s++) if (this.absorbing[s] === 0) starts.push(s);
    } else {
      starts.push(cellToState(config.start, width));
    }
    this.startStates = Int32Array.from(starts);
    this.initialStateDistribution = new Float64Array(nStates);
    for (const s of starts) this.initialStateDistribution[s] = 1 / starts.length;
  }

  get unwrapped(): Env {
    return this;
  }

  /** The probability that action a results in move m: 1 − slip for m = a, slip / 3 otherwise. */
  private moveProbability(a: number, m: number): number {
    return m === a ? 1 - this.config.slip : this.config.slip / (nMoves - 1);
  }

  private isWall(s: number): boolean {
    return this.absorbing[s] === 1 && this.terminalStates[s] === 0;
  }

  reset(options: ResetOptions = {}): ResetResult<number> {
    this.npRandom = reseed(this.npRandom, options.seed);
    const starts = this.startStates;
    this.state = starts.length === 1 ? starts[0]! : starts[this.npRandom.integers(starts.length)]!;
    return { observation: this.state, info: {} };
  }

  step(action: number): StepResult<number> {
    if (this.state < 0) {
      throw new ResetNeededError(`${envId}: step() was called before reset(). Call env.reset() first.`);
    }
    assertAction(this.actionSpace, action, `${envId}.step`);
    const s = this.state;
    const absorbing = this.absorbing[s] === 1;
    let move = action;
    if (!absorbing && this.config.slip > 0 && this.npRandom!.random() < this.config.slip) {
      // Slip: one of the other three moves, uniformly.
      move = (action + 1 + this.npRandom!.integers(nMoves - 1)) % nMoves;
    }
    const next = this.successor[s * nMoves + move]!;
    this.state = next;
    return {
      observation: next,
      reward: absorbing ? 0 : this.rewards[next]!,
      terminated: this.terminalStates[next] === 1,
      truncated: false,
      info: {},
    };
  }

  /** P[s, a, s'], row-major [S, A, S]; built on first access, then shared. */
  get transitions(): Float64Array {
    if (this.cachedTransitions === undefined) {
      const S = this.nStates;
      const p = new Float64Array(S * nMoves * S);
      for (let s = 0; s < S; s++) {
        for (let a = 0; a < nMoves; a++) {
          const row = (s * nMoves + a) * S;
          if (this.absorbing[s] === 1) {
            p[row + s] = 1;
            continue;
          }
          for (let m = 0; m < nMoves; m++)
            p[row + this.successor[s * nMoves + m]!] += this.moveProbability(a, m);
        }
      }
      this.cachedTransitions = p;
    }
    return this.cachedTransitions;
  }

  /** E[R | s, a] = Σ_s' P[s, a, s'] · R(s, a, s'), row-major [S, A]; 0 in absorbing states. */
  rewardMatrix(): Float64Array {
    const r = new Float64Array(this.nStates * nMoves);
    for (let s = 0; s < this.nStates; s++) {
      if (this.absorbing[s] === 1) continue;
      for (let a = 0; a < nMoves; a++) {
        let expected = 0;
        for (let m = 0; m < nMoves; m++) {
          expected += this.moveProbability(a, m) * this.rewards[this.successor[s * nMoves + m]!]!;
        }
        r[s * nMoves + a] = expected;
      }
    }
    return r;
  }

  /** The one-hot feature matrix φ[s, k] = [s = k], row-major [S, S], for a linear reward θ · φ(s). */
  features(): Float64Array {
    const S = this.nStates;
    const phi = new Float64Array(S * S);
    for (let s = 0; s < S; s++) phi[s * S + s] = 1;
    return phi;
  }

  close(): void {}
}
