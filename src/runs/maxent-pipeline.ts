/**
 * @module
 * The workflow behind `mimic train maxent-irl`: record demonstrations from a tabular env's expert,
 * run maximum causal entropy IRL (maxent-irl.ts), and judge the recovered reward the way the issue
 * asks: plan optimally under it and measure that policy on the env's *true* reward, beside the
 * expert. The run directory gets metrics per iteration, `reward.json` (r̂ per state and θ),
 * `policy.json` (the greedy policy under r̂), the evaluation and the report.
 */
import { join } from "node:path";
import { type MaxEntIrlConfig, maxEntIrl, resolveMaxEntIrlConfig } from "../algorithms/maxent-irl.js";
import { InvalidOptionError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { make } from "../core/registry.js";
import { collect } from "../data/collect.js";
import { GridWorldEnv, type GridWorldOptions } from "../envs/toy/grid-world.js";
import { valueIteration } from "../envs/toy/value-iteration.js";
import { type EvalResult, evaluate } from "../eval/evaluate.js";
import { gridWorldExpert } from "../experts/grid-world.js";
import { RunDirectory } from "./run-directory.js";

export interface MaxEntIrlRunOptions {
  /** A tabular env with known dynamics: GridWorld-v0. */
  envId: string;
  envOptions?: GridWorldOptions;
  /** Who demonstrates: "scripted" (value iteration on the true reward). */
  expert?: "scripted";
  /** Expert episodes to record (default 50). */
  episodes?: number;
  config?: MaxEntIrlConfig;
  out: string;
  overwrite?: boolean;
  evalEpisodes?: number;
  evalSeed?: number;
  command?: string[];
  onIteration?: (iteration: number, total: number, occupancyDistance: number) => void;
}

export interface MaxEntIrlRunResult {
  run: string;
  rewardPath: string;
  reportPath: string;
  /** ‖D_E − D_π‖₁ per iteration. */
  occupancyDistance: number[];
  /** The greedy policy under the learned reward, measured on the true reward. */
  evaluation: EvalResult;
  /** The expert, on the same evaluation seeds. */
  expertEvaluation: EvalResult;
}

export async function trainMaxEntIrlRun(options: MaxEntIrlRunOptions): Promise<MaxEntIrlRunResult> {
  if (options.envId !== "GridWorld-v0") {
    throw new InvalidOptionError(
      "env",
      `MaxEnt IRL needs an env whose dynamics P[s, a, s'] are known (a tabular MDP); ${options.envId} is not one. Use --env GridWorld-v0, or GAIL/AIRL (\`mimic train gail --help\`) for other envs.`,
    );
  }
  if ((options.expert ?? "scripted") !== "scripted") {
    throw new InvalidOptionError("expert", `MaxEnt IRL's expert must be "scripted" (got ${options.expert}).`);
  }
  const config = resolveMaxEntIrlConfig(options.config);
  const episodesWanted = options.episodes ?? 50;
  const evalEpisodes = options.evalEpisodes ?? 50;
  const evalSeed = options.evalSeed ?? 1000;
  const gridOptions = options.envOptions ?? {};
  const mdp = new GridWorldEnv(gridOptions);
  const expert = gridWorldExpert(gridOptions);
  const env = make("GridWorld-v0", gridOptions);
  const run = await RunDirectory.create(options.out, {
    command: options.command ?? [],
    config: {
      algorithm: "maxent-irl",
      env: options.envId,
      envOptions: gridOptions,
      expert: "scripted",
      episodes: episodesWanted,
      maxentIrl: config,
      evalEpisodes,
      evalSeed,
    },
    seeds: { train: config.seed, demonstrations: 0, eval: evalSeed },
    versions: {},
    overwrite: options.overwrite,
  });
  try {
    const episodes = await collect(env, expert, { episodes: episodesWanted, seed: 0 });
    const irl = maxEntIrl(mdp, episodes, config, {
      onIteration: (r) => {
        run.log(r.iteration, { occupancy_l1: r.occupancyDistance, gradient_norm: r.gradientNorm });
        options.onIteration?.(r.iteration, config.iterations, r.occupancyDistance);
      },
    });
    // Plan optimally under r̂(s) (the reward of being in s, as IRL reads it), then act greedily.
    const S = mdp.nStates;
    const A = mdp.nActions;
    const planned = valueIteration(
      {
        nStates: S,
        nActions: A,
        transitions: mdp.transitions,
        rewardMatrix: () => Float64Array.from({ length: S * A }, (_, sa) => irl.reward[Math.floor(sa / A)]!),
      },
      config.gamma,
    );
    const greedy = { act: (s: number) => planned.policy[s]! };
    const evaluation = await evaluate(make("GridWorld-v0", gridOptions), greedy, {
      episodes: evalEpisodes,
      seed: evalSeed,
    });
    const expertEvaluation = await evaluate(make("GridWorld-v0", gridOptions), expert, {
      episodes: evalEpisodes,
      seed: evalSeed,
    });
    const rewardPath = join(run.dir, "reward.json");
    await writeFileAtomic(
      rewardPath,
      `${JSON.stringify(
        {
          format: "mimic-tabular-reward",
          version: 1,
          env: options.envId,
          envOptions: gridOptions,
          rewardKind: config.reward,
          horizon: config.horizon,
          gamma: config.gamma,
          reward: Array.from(irl.reward),
          rewardWeights: Array.from(irl.rewardWeights),
          expertVisitation: Array.from(irl.expertVisitation),
          visitation: Array.from(irl.visitation),
        },
        null,
        1,
      )}\n`,
    );
    await writeFileAtomic(
      join(run.dir, "policy.json"),
      `${JSON.stringify({ format: "mimic-tabular-policy", version: 1, env: options.envId, actions: Array.from(planned.policy) })}\n`,
    );
    const distance = irl.occupancyDistance;
    const { width, height } = mdp.config;
    const rows: (string | number)[][] = [];
    for (let y = height - 1; y >= 0; y--) {
      const row: (string | number)[] = [`y=${y}`];
      for (let x = 0; x < width; x++) row.push(irl.reward[y * width + x]!.toFixed(2));
      rows.push(row);
    }
    const reportPath = await run.writeReport({
      title: `MaxEnt IRL on ${options.envId}`,
      subtitle: `${episodesWanted} scripted expert episodes, ${config.reward} reward, horizon ${config.horizon}, γ ${config.gamma}`,
      status: "finished",
      summary: [
        { label: "iterations", value: irl.iterations },
        { label: "occupancy L1 (last)", value: distance.at(-1)!.toFixed(4) },
        { label: "true return, greedy on r̂", value: evaluation.meanReturn.toFixed(3) },
        { label: "true return, expert", value: expertEvaluation.meanReturn.toFixed(3) },
      ],
      plots: [
        {
          title: "‖D_E − D_π‖₁ (expert vs soft-optimal state visitation)",
          xLabel: "iteration",
          yLabel: "L1",
          series: [{ name: "occupancy distance", points: distance.map((d, i) => [i, d] as const) }],
        },
      ],
      tables: [
        {
          title: "learned reward r̂(s) by cell (top row is the largest y)",
          columns: ["", ...Array.from({ length: width }, (_, x) => `x=${x}`)],
          rows,
        },
      ],
      evaluations: [
        { name: "greedy policy under r̂ (true reward)", ...evaluation },
        { name: "expert", ...expertEvaluation },
      ],
      config: run.manifest.config,
      footer: `Run directory: ${run.dir}`,
    });
    await run.finish("finished", {
      meanReturn: evaluation.meanReturn,
      occupancyDistance: distance.at(-1)!,
    });
    return {
      run: run.dir,
      rewardPath,
      reportPath,
      occupancyDistance: distance,
      evaluation,
      expertEvaluation,
    };
  } catch (error) {
    if (run.manifest.status === "running")
      await run.finish("failed", { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
}
