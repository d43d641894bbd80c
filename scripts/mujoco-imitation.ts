/**
 * Imitation on the MuJoCo envs from the shipped PPO experts (experts/): BC, DAgger and GAIL from a
 * few expert episodes, each evaluated with its normalized score, IQM and bootstrap 95% CI over 50
 * episodes reset with seeds 1000–1049 (evaluate's defaults; the reference returns and the
 * demonstrations use seeds 0–99), with the wall time of each training.
 *
 * On the seals variants (seals/Walker2d-v5, …: fixed 1000-step horizon) GAIL runs without
 * `allowVariableHorizon`, as imitation's seals benchmark does; on the v5 envs it needs it.
 *
 *   npx tsx scripts/mujoco-imitation.ts InvertedPendulum-v5 [--episodes 4] [--only bc,dagger,gail]
 *     [--gail-steps N] [--dagger-rounds N] [--dagger-epochs N] [--dagger-steps N] [--seed S]
 *     [--no-validation]
 *     [--min-return R]   (keep only the demonstrations with return ≥ R)
 *     [--gail-preset mimic|imitation]
 *     [--disc-input-norm demonstrations|running]   (the discriminator's input standardization)
 *     [--gail-log-std-init=X]   (the generator's initial Gaussian log-std; "=" since X is negative)
 *     [--gail-activation tanh|relu]   (the generator's hidden-layer activation)
 *     [--disc-grad-penalty L]   (the discriminator's gradient penalty λ; DAC uses 10)
 *     [--disc-state-only]   (the discriminator sees the state alone: D(s))
 *     [--gail-raw-rewards]   (the generator learns from softplus(logit) itself, imitation's form)
 *     [--gail-progress N]   (a line every N GAIL rounds: the generator's true return, the
 *                            discriminator's accuracy on each side, the mean learned reward)
 *
 * `--gail-preset imitation` runs GAIL with imitation's tuned settings for the env's seals-v0 twin
 * (`IMITATION_SEALS_GAIL` in src/algorithms/gail.ts, from
 * benchmarking/example_gail_seals_<env>_best_hp_eval.json in HumanCompatibleAI/imitation; its
 * budget there is 10M steps). `mimic` (the default) is the settings measured before
 * (`ONE_ENV_MUJOCO_GAIL_PPO`: 1 env × 2048 steps, lr 3e-4, 10 epochs of 32 minibatches, entropy 0)
 * with the discriminator's defaults.
 *
 * Prints one row per algorithm, and a JSON line with every number (for docs/benchmarks.md).
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { IMITATION_SEALS_GAIL, ONE_ENV_MUJOCO_GAIL_PPO, trainGail } from "../src/algorithms/gail.js";
import { configureFusedEngineFromEnv } from "../src/cli/engine-env.js";
import {
  collect,
  Dataset,
  evaluate,
  loadMujoco,
  make,
  makeVec,
  policyExpert,
  scriptedExpert,
  toTransitions,
  trainBc,
  trainDagger,
} from "../src/index.js";

// The fused engine takes MIMIC_THREADS and MIMIC_FMA from here, as the mimic command does.
configureFusedEngineFromEnv(process.env);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    episodes: { type: "string", default: "4" },
    only: { type: "string", default: "bc,dagger,gail" },
    "gail-steps": { type: "string", default: "300000" },
    "gail-preset": { type: "string", default: "mimic" },
    /** The discriminator's input standardization: demonstrations (fixed) or running (imitation's RunningNorm). */
    "disc-input-norm": { type: "string", default: "demonstrations" },
    /** The GAIL generator's initial Gaussian log-std (PPO's logStdInit; default: the preset's, else 0). */
    "gail-log-std-init": { type: "string" },
    /** The GAIL generator's hidden-layer activation (default: the preset's, else tanh). */
    "gail-activation": { type: "string" },
    /** Feed the generator the raw learned reward softplus(logit), as imitation's GAIL does, not standardized. */
    "gail-raw-rewards": { type: "boolean", default: false },
    /** λ of the discriminator's gradient penalty (discriminator.gradientPenalty; default 0: none). */
    "disc-grad-penalty": { type: "string" },
    /** The discriminator sees the state alone, D(s) (discriminator.stateOnlyReward). */
    "disc-state-only": { type: "boolean", default: false },
    /** Print the generator's env return and the discriminator's accuracy every N GAIL rounds (0: never). */
    "gail-progress": { type: "string", default: "0" },
    "dagger-rounds": { type: "string", default: "5" },
    "dagger-epochs": { type: "string", default: "50" },
    /** Env steps of each DAgger round (the mixture policy's rollout the expert labels). */
    "dagger-steps": { type: "string", default: "2000" },
    seed: { type: "string", default: "0" },
    /** Keep only the demonstrations whose return is at least this (demo selection; default: all). */
    "min-return": { type: "string" },
    /** Train BC (and DAgger's BC) on every episode for the full epochs: no validation split, no early stopping. */
    "no-validation": { type: "boolean", default: false },
  },
});
const envId = positionals[0] ?? "InvertedPendulum-v5";
const demoEpisodes = Number(values.episodes);
const only = new Set(values.only!.split(","));
const seed = Number(values.seed);
const noValidation = values["no-validation"] ? { validationFraction: 0, patience: 0 } : {};
/** seals/…-v5 (src/envs/seals/mujoco.ts): no termination, every episode is 1000 steps. */
const fixedHorizon = envId.startsWith("seals/");

await loadMujoco();
const expert = scriptedExpert(envId);
const env = make(envId);
const minReturn = values["min-return"] === undefined ? null : Number(values["min-return"]);
const collected = await collect(env, expert, { episodes: demoEpisodes, seed: 0, deterministic: true });
const returnOf = (e: (typeof collected)[number]) => e.rewards.reduce((a, b) => a + b, 0);
const episodes = minReturn === null ? collected : collected.filter((e) => returnOf(e) >= minReturn);
if (episodes.length === 0) throw new Error(`No demonstration reached --min-return ${minReturn}.`);
if (minReturn !== null) {
  console.log(`kept ${episodes.length} of ${collected.length} demonstrations with return ≥ ${minReturn}`);
}
const demos = new Dataset({
  id: `${envId}-expert-v0`,
  episodes,
  observationSpace: env.observationSpace,
  actionSpace: env.actionSpace,
  envSpec: env.spec,
});
const demoReturns = episodes.map(returnOf);

const rows: Record<string, unknown>[] = [];
const report = async (name: string, policy: Parameters<typeof evaluate>[1], seconds: number, extra = {}) => {
  const result = await evaluate(env, policy, { episodes: 50 });
  const row = {
    algorithm: name,
    normalizedScore: result.normalizedScore,
    meanReturn: result.meanReturn,
    iqm: result.iqm,
    ci95: result.ci95,
    seconds,
    load: loadavg()[0],
    ...extra,
  };
  rows.push(row);
  console.log(
    `${envId} ${name.padEnd(7)} score ${result.normalizedScore?.toFixed(3)}  return ${result.meanReturn.toFixed(1)}  IQM ${result.iqm.toFixed(1)} [${result.ci95[0].toFixed(1)}, ${result.ci95[1].toFixed(1)}]  ${seconds.toFixed(1)} s  (load ${loadavg()[0].toFixed(1)})`,
  );
};

await report("expert", expert as never, 0);

if (only.has("bc")) {
  const started = performance.now();
  const bc = await trainBc(demos, { epochs: 200, patience: 20, batchSize: 64, seed, ...noValidation });
  await report("bc", bc.policy as never, (performance.now() - started) / 1000, {
    epochs: bc.history.length,
  });
}

if (only.has("dagger")) {
  const started = performance.now();
  const dagger = await trainDagger(
    envId,
    policyExpert(expert as never, "ppo expert"),
    {
      rounds: Number(values["dagger-rounds"]),
      stepsPerRound: Number(values["dagger-steps"]),
      bc: { epochs: Number(values["dagger-epochs"]), patience: 10, batchSize: 64, ...noValidation },
      evalEpisodes: 5,
      seed,
    },
    { demos },
  );
  await report("dagger", dagger.policy as never, (performance.now() - started) / 1000, {
    rounds: dagger.rounds.length - 1,
    labelled: dagger.dataset.stats().steps,
  });
}

if (only.has("gail")) {
  const started = performance.now();
  const preset = values["gail-preset"];
  if (preset !== "mimic" && preset !== "imitation") {
    throw new Error(`--gail-preset takes mimic or imitation, got ${JSON.stringify(preset)}.`);
  }
  const settings = preset === "imitation" ? IMITATION_SEALS_GAIL[envId] : { ppo: ONE_ENV_MUJOCO_GAIL_PPO };
  if (settings === undefined) {
    throw new Error(
      `--gail-preset imitation has settings for ${Object.keys(IMITATION_SEALS_GAIL).join(", ")}, not ${envId}.`,
    );
  }
  const progressEvery = Number(values["gail-progress"]);
  const inputNorm = values["disc-input-norm"];
  if (inputNorm !== "demonstrations" && inputNorm !== "running") {
    throw new Error(`--disc-input-norm takes demonstrations or running, got ${JSON.stringify(inputNorm)}.`);
  }
  const gail = await trainGail(
    makeVec(envId, { numEnvs: settings.ppo?.numEnvs ?? 1 }),
    toTransitions(episodes),
    {
      totalTimesteps: Number(values["gail-steps"]),
      ...settings,
      discriminator: {
        ...settings.discriminator,
        inputNorm,
        ...(values["disc-state-only"] ? { stateOnlyReward: true } : {}),
        ...(values["disc-grad-penalty"] === undefined
          ? {}
          : { gradientPenalty: Number(values["disc-grad-penalty"]) }),
      },
      ppo: {
        ...settings.ppo,
        ...(values["gail-log-std-init"] === undefined
          ? {}
          : { logStdInit: Number(values["gail-log-std-init"]) }),
        ...(values["gail-activation"] === undefined
          ? {}
          : { activation: values["gail-activation"] as "tanh" | "relu" }),
      },
      // The seals variants never terminate, so every episode lasts 1000 steps and GAIL runs as
      // imitation does, without accepting variable horizons; the v5 envs' falls need the flag.
      allowVariableHorizon: !fixedHorizon,
      ...(values["gail-raw-rewards"] ? { normalizeRewards: false } : {}),
      seed: seed + 1,
    },
    {
      onRoundEnd: (r) => {
        if (progressEvery > 0 && r.round % progressEvery === 0) {
          const gp =
            r.discGradientPenalty === undefined ? "" : `  penalty ${r.discGradientPenalty.toFixed(3)}`;
          console.log(
            `round ${r.round}  steps ${r.timesteps}  return ${r.meanEpisodeReturn?.toFixed(1) ?? "-"}  disc acc expert ${r.discAccuracyExpert.toFixed(2)} generator ${r.discAccuracyGenerator.toFixed(2)}  learned reward ${r.meanLearnedReward.toFixed(3)}${gp}  (${((performance.now() - started) / 1000).toFixed(0)} s)`,
          );
        }
      },
    },
  );
  const act = gail.act;
  await report(
    "gail",
    { act: (o: ArrayLike<number>) => act(o) } as never,
    (performance.now() - started) / 1000,
    { timesteps: gail.history.at(-1)?.timesteps },
  );
}

console.log(
  JSON.stringify({
    envId,
    demoEpisodes,
    keptEpisodes: episodes.length,
    minReturn,
    demoReturns,
    gailPreset: values["gail-preset"],
    discInputNorm: values["disc-input-norm"],
    gailLogStdInit: values["gail-log-std-init"] ?? null,
    gailActivation: values["gail-activation"] ?? null,
    gailRawRewards: values["gail-raw-rewards"],
    discGradPenalty: values["disc-grad-penalty"] ?? null,
    discStateOnly: values["disc-state-only"],
    cpus: cpus().length,
    date: new Date().toISOString(),
    rows,
  }),
);
env.close();
