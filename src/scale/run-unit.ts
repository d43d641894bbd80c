/**
 * @module
 * Running a unit (see `units.ts`) in this process with the local path's own functions: `collect`
 * with the scripted expert for a collection range, `evaluateEpisodes` on the compiled policy for
 * an evaluation range, `crossValidate` for a grid point. Results are plain JSON.
 */
import { rollOutDaggerEpisode } from "../algorithms/dagger.js";
import type { Env } from "../core/env.js";
import type { Policy } from "../core/policy.js";
import { make } from "../core/registry.js";
import { yieldToEventLoop } from "../core/yield.js";
import { collect } from "../data/collect.js";
import type { Dataset } from "../data/dataset.js";
import { evaluateEpisodes } from "../eval/evaluate.js";
import { type Expert, policyExpert } from "../experts/expert.js";
import { scriptedExpert } from "../experts/index.js";
import { compiledPolicyFromJSON, compilePolicy } from "../nn/compile.js";
import { NeuralPolicy } from "../nn/policy.js";
import { crossValidate, loadTrainingData, resolvePolicyDir } from "../runs/pipelines.js";
import { type Unit, type UnitResult, unitSchema } from "./units.js";
import { encodeEpisode, encodeTrajectory } from "./wire.js";

/**
 * A policy that lets the event loop run before each episode (through `reset`, which `collect`
 * and `evaluate` await), so a worker's lock on its job is renewed while it computes. Acting is
 * untouched, so the episodes are the ones the wrapped policy gives.
 */
function yieldingBetweenEpisodes<O, A>(policy: Policy<O, A>): Policy<O, A> {
  return {
    act: (observation, options) => policy.act(observation, options),
    reset: async () => {
      policy.reset?.();
      await yieldToEventLoop();
    },
  };
}

/** Caches the dataset of the last grid point a worker ran (consecutive grid points share it). */
let lastDataset: { path: string; dataset: Dataset } | null = null;

export interface RunUnitOptions {
  /** After each finished episode (collection, evaluation) or fold. */
  onProgress?: (done: number) => void;
}

/** Runs one unit here, in this process, with the local path's code. */
export async function runUnit(input: Unit, options: RunUnitOptions = {}): Promise<UnitResult> {
  const unit = unitSchema.parse(input);
  switch (unit.kind) {
    case "collect": {
      // mimic collect's path: the env with its options, the scripted expert, deterministic actions.
      const env = make(unit.envId, unit.envOptions);
      const expert = scriptedExpert(unit.envId, { makeOptions: unit.envOptions });
      let done = 0;
      const episodes = await collect(env, yieldingBetweenEpisodes(expert as Policy<unknown, unknown>), {
        episodes: unit.episodes,
        seed: unit.seed,
        deterministic: true,
        onEpisode: () => options.onProgress?.(++done),
      });
      return { episodes: episodes.map(encodeEpisode) };
    }
    case "evaluate": {
      // mimic eval's path (`evaluateRun`): the compiled policy in its own env, deterministic.
      const policy = await NeuralPolicy.load(await resolvePolicyDir(unit.policy));
      try {
        const compiled = compilePolicy(policy);
        const acting: Policy<unknown, unknown> = {
          act: (o) => compiled.act(o as number | ArrayLike<number>) as unknown,
        };
        const episodes = await evaluateEpisodes(
          make(policy.envId, { ...policy.envOptions }),
          yieldingBetweenEpisodes(acting),
          { episodes: unit.episodes, seed: unit.seed, deterministic: true },
        );
        options.onProgress?.(episodes.length);
        return { episodes };
      } finally {
        policy.dispose();
      }
    }
    case "dagger-episodes": {
      // trainDagger's own episode rollout (betaStream "episode"), with the scripted expert.
      const env = make(unit.envId, unit.envOptions);
      const expert = policyExpert(
        scriptedExpert(unit.envId, { makeOptions: unit.envOptions }) as Policy<unknown, unknown>,
        "scripted",
      ) as unknown as Expert;
      const learner = unit.learner === null ? null : compiledPolicyFromJSON(unit.learner);
      const trajectories = [];
      for (const request of unit.requests) {
        await yieldToEventLoop(); // lets the job's lock be renewed between episodes
        const { trajectory } = await rollOutDaggerEpisode(
          env as Env<unknown, unknown>,
          expert,
          learner,
          request,
        );
        trajectories.push(encodeTrajectory(trajectory));
        options.onProgress?.(trajectories.length);
      }
      return { trajectories };
    }
    case "tune-cell": {
      if (lastDataset?.path !== unit.dataset) {
        lastDataset = { path: unit.dataset, dataset: (await loadTrainingData(unit.dataset)).dataset };
      }
      const foldLosses = await crossValidate(lastDataset.dataset, unit.config, unit.folds, unit.seed);
      options.onProgress?.(1);
      return { index: unit.index, foldLosses };
    }
  }
}
