/**
 * @module
 * DAgger with a person as the expert, live (the dashboard's DAgger page). The learner drives the env
 * in the page at real-time rate; the person holds the keys they would press, and that action is
 * recorded as the expert's label of each state shown (a key toggles a takeover, where the person's
 * action is also the one executed). This is DAgger's loop (src/algorithms/dagger.ts) with the
 * labels given while the states are on screen rather than asked afterwards:
 *
 *   π₀ ← BC(demos)
 *   round i: roll out (the learner, or the person while they take over) and record the person's
 *            label of every state from their first key press on; Dᵢ ← those (state, label) pairs;
 *            D ← D ∪ Dᵢ; πᵢ ← BC(D) from scratch (DAgger's retrain step, `trainBc`); evaluate πᵢ.
 *
 * As in teach mode, the page sends the seed and the executed actions, the server replays them to
 * rebuild the states exactly (`replayEpisode`), and never stores client-side observations. Each
 * round's labels are saved as the dataset `<name>-round-<i>` (Minari HDF5, atomic) before the
 * retrain, so the data outlives the session. `humanLabeler` (src/experts/labelers.ts) does not fit
 * here: it asks about one state at a time and waits for the answer, whereas a person labelling
 * while the env runs at 50 steps a second answers every state as it passes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { assertAction } from "../core/env.js";
import { DatasetFormatError, InvalidActionError, InvalidOptionError, MimicError } from "../core/errors.js";
import { formatPath, make } from "../core/registry.js";
import { columnFor } from "../data/columns.js";
import type { Dataset } from "../data/dataset.js";
import { Episode } from "../data/episode.js";
import { loadDataset, saveDataset } from "../data/store.js";
import { evaluate } from "../eval/evaluate.js";
import type { CompiledPolicyJson } from "../nn/compile.js";
import type { NeuralPolicy } from "../nn/policy.js";
import { keptEpisodeSchema, replayEpisode, TEACH_ENVS } from "./episode-replay.js";
import { resolveInside } from "./file-store.js";

const name = keptEpisodeSchema.shape.dataset;
const action = z.union([z.number(), z.array(z.number())]);

export const daggerStartSchema = z
  .object({
    /** The demonstrations round 0's BC trains on: a dataset under the datasets root. */
    demos: name,
    /** The prefix of the round datasets (`<name>-round-<i>`). */
    name,
    /** BC epochs per round (default 20). */
    epochs: z.number().int().min(1).max(500).default(20),
  })
  .strict();

export const daggerEpisodeSchema = z
  .object({
    session: z.string().regex(/^[0-9a-f-]{36}$/, "must be a session id from /api/dagger/start"),
    seed: keptEpisodeSchema.shape.seed,
    /** What the env executed at every step (the learner's action, or the person's while they took over). */
    executed: z.array(action).min(1, "must hold at least one action").max(100_000),
    /** The step of the person's first key press: states before it have no label. */
    labelsFrom: z.number().int().min(0),
    /** The person's action for each state from `labelsFrom` on. */
    labels: z.array(action).max(100_000),
    terminated: z.boolean(),
    truncated: z.boolean(),
  })
  .strict();

export const daggerTrainSchema = z.object({ session: daggerEpisodeSchema.shape.session }).strict();

export type DaggerStart = z.input<typeof daggerStartSchema>;
export type DaggerEpisode = z.input<typeof daggerEpisodeSchema>;

export interface HumanDaggerRound {
  round: number;
  /** Episodes and labelled states the person added this round (0 for round 0). */
  episodes: number;
  labelledSteps: number;
  /** Where the round's labels were saved (null for round 0). */
  dataset: string | null;
  /** Steps in the aggregated data the learner trained on. */
  datasetSteps: number;
  trainLoss: number | null;
  /** The learner's mean return over 10 evaluation episodes (seeds 1000–1009). */
  meanReturn: number;
}

export interface HumanDaggerState {
  session: string;
  envId: string;
  name: string;
  rounds: HumanDaggerRound[];
  /** The current learner, for the page to run. */
  policy: CompiledPolicyJson;
  /** Labelled episodes waiting for the next round. */
  pendingEpisodes: number;
  pendingSteps: number;
}

/** The session was not found (404), or is busy training (409). The app answers with `status`. */
export class DaggerSessionError extends MimicError {
  readonly status: 404 | 409;
  constructor(status: 404 | 409, message: string) {
    super("INVALID_OPTION", message);
    this.name = "DaggerSessionError";
    this.status = status;
  }
}

/** The live-DAgger session API; each method takes the request body as parsed JSON and checks it. */
export interface HumanDaggerService {
  start(body: unknown): Promise<HumanDaggerState>;
  addEpisode(body: unknown): Promise<HumanDaggerState>;
  train(body: unknown): Promise<HumanDaggerState>;
}

/** Parses `body` with `schema`, or throws an InvalidOptionError naming the path to the bad value. */
function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.length > 0 ? formatPath(issue.path) : "";
  throw new InvalidOptionError(path, `${path || "the body"} ${issue.message}`);
}

interface Session {
  id: string;
  envId: string;
  name: string;
  epochs: number;
  data: Dataset;
  pending: Episode[];
  rounds: HumanDaggerRound[];
  learner: NeuralPolicy;
  policy: CompiledPolicyJson;
  busy: boolean;
}

const EVAL_EPISODES = 10;
const EVAL_SEED = 1000;

export function createHumanDagger(options: { datasets: string }): HumanDaggerService {
  const sessions = new Map<string, Session>();

  /** BC from scratch on `data` (DAgger's retrain), the compiled learner, and its evaluation. */
  async function fit(envId: string, data: Dataset, epochs: number) {
    const { trainBc } = await import("../algorithms/bc.js");
    const { compilePolicy } = await import("../nn/compile.js");
    const result = await trainBc(data, { epochs, seed: 0 }, { envId });
    const compiled = compilePolicy(result.policy);
    const evaluation = await evaluate(
      make(envId),
      { act: (o: number | ArrayLike<number>) => compiled.act(o) },
      { episodes: EVAL_EPISODES, seed: EVAL_SEED, deterministic: true },
    );
    return {
      learner: result.policy,
      policy: compiled.toJSON(),
      trainLoss: result.history.at(-1)?.trainLoss ?? null,
      meanReturn: evaluation.meanReturn,
    };
  }

  function state(s: Session): HumanDaggerState {
    return {
      session: s.id,
      envId: s.envId,
      name: s.name,
      rounds: s.rounds,
      policy: s.policy,
      pendingEpisodes: s.pending.length,
      pendingSteps: s.pending.reduce((n, e) => n + e.length, 0),
    };
  }

  function find(id: string): Session {
    const s = sessions.get(id);
    if (!s)
      throw new DaggerSessionError(
        404,
        `no DAgger session ${id}; start one first (the server may have restarted).`,
      );
    if (s.busy)
      throw new DaggerSessionError(409, `session ${id} is training its next learner; wait for it to finish.`);
    return s;
  }

  return {
    async start(body) {
      const { demos, name, epochs } = parse(daggerStartSchema, body);
      const path = await resolveInside(options.datasets, demos, 1);
      if (path === null)
        throw new DaggerSessionError(404, `no dataset ${JSON.stringify(demos)} under ${options.datasets}.`);
      const { dataset } = await loadDataset(path);
      const envId = dataset.envSpec?.id;
      if (!envId || !(TEACH_ENVS as readonly string[]).includes(envId)) {
        throw new DatasetFormatError(
          { file: path },
          `dataset ${demos} holds ${envId ?? "episodes of an unnamed env"}; live DAgger runs ${TEACH_ENVS.join(", ")}.`,
        );
      }
      if ([...sessions.values()].some((other) => other.name === name)) {
        throw new DaggerSessionError(409, `a session named ${name} is open already; choose another name.`);
      }
      if (existsSync(join(options.datasets, `${name}-round-1`))) {
        throw new DatasetFormatError(
          { file: join(options.datasets, `${name}-round-1`) },
          `${name}-round-1 exists already; choose another session name so earlier rounds are kept.`,
        );
      }
      const fitted = await fit(envId, dataset, epochs);
      const session: Session = {
        id: crypto.randomUUID(),
        envId,
        name,
        epochs,
        data: dataset,
        pending: [],
        rounds: [
          {
            round: 0,
            episodes: 0,
            labelledSteps: 0,
            dataset: null,
            datasetSteps: dataset.totalSteps,
            trainLoss: fitted.trainLoss,
            meanReturn: fitted.meanReturn,
          },
        ],
        learner: fitted.learner,
        policy: fitted.policy,
        busy: false,
      };
      sessions.set(session.id, session);
      return state(session);
    },

    async addEpisode(body) {
      const input = parse(daggerEpisodeSchema, body);
      const s = find(input.session);
      if (input.labels.length === 0) {
        throw new InvalidOptionError(
          "labels",
          "labels is empty: hold the arrow key you would press while the learner drives, so each state gets your label.",
        );
      }
      const T = input.executed.length;
      if (input.labelsFrom + input.labels.length !== T) {
        throw new InvalidOptionError(
          "labels",
          `labels has ${input.labels.length} actions from step ${input.labelsFrom}, but the episode has ${T} steps; they must end together.`,
        );
      }
      // The states, rebuilt by replaying what the env executed from the seed.
      const replay = replayEpisode(
        {
          dataset: s.name,
          envId: s.envId as (typeof TEACH_ENVS)[number],
          seed: input.seed,
          actions: input.executed,
          terminated: input.terminated,
          truncated: input.truncated,
        },
        0,
      );
      const env = make(s.envId);
      const actColumn = columnFor(env.actionSpace, "action");
      const actions = actColumn.create(input.labels.length);
      input.labels.forEach((label, i) => {
        try {
          assertAction(env.actionSpace, label, `labels[${i}]`);
        } catch (error) {
          if (error instanceof InvalidActionError)
            throw new InvalidOptionError(`labels[${i}]`, error.message);
          throw error;
        }
        actColumn.write(label, actions, i);
      });
      env.close?.();
      const from = input.labelsFrom;
      const obsDim = replay.obsDim;
      s.pending.push(
        new Episode({
          id: s.data.episodes.length + s.pending.length,
          observations: replay.observations.slice(from * obsDim),
          actions,
          rewards: replay.rewards.slice(from),
          terminated: replay.terminated,
          truncated: replay.truncated,
          obsDim,
          actDim: actColumn.dim,
          // The seed describes the reset, so it belongs only to an episode labelled from its first state.
          ...(from === 0 ? { seed: input.seed } : {}),
        }),
      );
      return state(s);
    },

    async train(body) {
      const s = find(parse(daggerTrainSchema, body).session);
      if (s.pending.length === 0) {
        throw new InvalidOptionError(
          "session",
          "no labelled episodes yet this round; drive at least one episode first.",
        );
      }
      s.busy = true;
      try {
        const round = s.rounds.length;
        const roundName = `${s.name}-round-${round}`;
        const added = s.data.withEpisodes(
          s.pending.map((e, i) => e.withId(i)),
          `${roundName}-v0`,
        );
        await saveDataset(join(options.datasets, roundName), added, {
          algorithmName: `DAgger round ${round}, labelled live by a person (mimic ui)`,
        });
        const aggregated = s.data.withEpisodes([...s.data.episodes, ...s.pending].map((e, i) => e.withId(i)));
        const fitted = await fit(s.envId, aggregated, s.epochs);
        s.learner.dispose();
        s.learner = fitted.learner;
        s.policy = fitted.policy;
        s.data = aggregated;
        s.rounds.push({
          round,
          episodes: s.pending.length,
          labelledSteps: s.pending.reduce((n, e) => n + e.length, 0),
          dataset: roundName,
          datasetSteps: aggregated.totalSteps,
          trainLoss: fitted.trainLoss,
          meanReturn: fitted.meanReturn,
        });
        s.pending = [];
        return state(s);
      } finally {
        s.busy = false;
      }
    },
  };
}
