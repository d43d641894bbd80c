/**
 * mimic: imitation learning for TypeScript. This file is the curated public API.
 * @module
 */

// Errors: one MimicError class with a `code`, and subclasses whose messages say what to do.
export {
  DatasetFormatError,
  type DatasetLocation,
  EnvMismatchError,
  EnvCheckError,
  EnvClosedError,
  InvalidActionError,
  InvalidOptionError,
  InvalidSeedError,
  InvalidSpaceError,
  LabelTimeoutError,
  NonFiniteGradientError,
  MimicError,
  type MimicErrorCode,
  RegistryConflictError,
  PolicyLoadError,
  JobFailedError,
  RedisUnreachableError,
  ResetNeededError,
  RunDirectoryError,
  ShapeMismatchError,
  SimulatorError,
  UnknownEnvError,
} from "./core/errors.js";

// Randomness: numpy's SeedSequence → PCG64 → Generator chain, as Gymnasium seeds envs.
export { PCG64, type Pcg64State, Rng, rngFromSeed, SeedSequence } from "./core/rng.js";
export type { Pcg64Engine } from "./core/pcg64.js";

// Spaces: what observations and actions can be, with Minari's JSON form.
export {
  ALPHANUMERIC,
  Box,
  type BoxDtype,
  DictSpace,
  Discrete,
  MultiBinary,
  MultiDiscrete,
  parsePythonJson,
  type Space,
  type SpaceJson,
  type SpaceValue,
  spaceFromJSON,
  spaceToJSONString,
  stringifyPythonJson,
  TextSpace,
  TupleSpace,
  type TypedArray,
} from "./core/spaces/index.js";

// The Env contract (sync and async) and its helpers.
export {
  type AnyEnv,
  type AsyncEnv,
  assertAction,
  type Env,
  type EnvSpec,
  type EpisodeOutcome,
  type Frame,
  type Info,
  type ReferenceReturns,
  type ResetOptions,
  type ResetResult,
  reseed,
  type StepResult,
  toAsync,
} from "./core/env.js";

// Policies: anything that acts.
export type { ActOptions, AsyncPolicy, Policy } from "./core/policy.js";

// Simulators as allocation-free kernels, shared by single and vector envs.
export { type EnvKernel, KernelEnv, type KernelStepOut } from "./core/kernel.js";

// The registry: make and register versioned env ids.
export {
  type EnvFor,
  type EnvRegistration,
  type EnvTypes,
  type MakeOptions,
  make,
  parseEnvId,
  register,
  registeredEnvs,
  registration,
  unregister,
} from "./core/registry.js";

// Wrappers, composed by make() in Gymnasium's order.
export {
  ClipAction,
  type EpisodeStatistics,
  NormalizeObservation,
  OrderEnforcing,
  RecordEpisodeStatistics,
  RescaleAction,
  RunningMeanStd,
  TimeLimit,
  Wrapper,
} from "./core/wrappers.js";

// Vector envs over typed arrays, with Gymnasium 1.x next-step autoreset.
export {
  type MakeVecOptions,
  makeVec,
  VectorEnv,
  type VectorResetResult,
  type VectorStepResult,
} from "./core/vector.js";

// Checking an env against the contract.
export { type CheckEnvOptions, type CheckEnvReport, checkEnv } from "./core/check-env.js";

// Built-in environments (registered on import).
export { registerBuiltinEnvs } from "./envs/index.js";
// Renderers: draw any built-in env from an observation on a canvas-like 2D context.
export {
  type Draw2D,
  type Renderer,
  type RenderFrame,
  renderers,
  rendererFor,
  renderFps,
} from "./envs/render/index.js";
export { AcrobotEnv } from "./envs/classic/acrobot.js";
export { CartPoleEnv } from "./envs/classic/cartpole.js";
export { ContinuousMountainCarEnv } from "./envs/classic/continuous-mountain-car.js";
export { MountainCarEnv } from "./envs/classic/mountain-car.js";
export { PendulumEnv } from "./envs/classic/pendulum.js";
export { GridWorldEnv, type GridWorldOptions } from "./envs/toy/grid-world.js";
// Web tasks: MiniWoB++-protocol pages in Chromium (playwright-core, loaded on first use).
export {
  createWebEnv,
  isWebEnvId,
  parseWebEnvId,
  WEB_TASKS,
  WebEnv,
  type WebEnvOptions,
  type WebEnvTimeouts,
  type WebTaskName,
} from "./envs/web/web-env.js";
export { CHROMIUM_ARGS, findChromium, type LaunchBrowserOptions, launchBrowser } from "./envs/web/browser.js";
export {
  type DomElement,
  type EncodedWebObservation,
  WEB_KEYS,
  type WebAction,
  type WebField,
  type WebKey,
  type WebObservation,
  type WebSpaceOptions,
  type WebSpaces,
  webSpaces,
} from "./envs/web/observation.js";
// MuJoCo locomotion (Gymnasium v5 on mujoco-js): `await loadMujoco()` once, then `make`.
export { loadMujoco, type Mujoco } from "./envs/mujoco/module.js";
export { MujocoModel } from "./envs/mujoco/mujoco-model.js";
export { MujocoEnv } from "./envs/mujoco/mujoco-env.js";
export { InvertedPendulumEnv, type InvertedPendulumOptions } from "./envs/mujoco/inverted-pendulum.js";
export { HopperEnv, type HopperOptions } from "./envs/mujoco/hopper.js";
export { HalfCheetahEnv, type HalfCheetahOptions } from "./envs/mujoco/half-cheetah.js";
export { Walker2dEnv, type Walker2dOptions } from "./envs/mujoco/walker2d.js";
export { AntEnv, type AntOptions } from "./envs/mujoco/ant.js";

// Expert policies: scripted controllers for every built-in env.
export {
  acrobotExpert,
  cartPoleExpert,
  continuousMountainCarExpert,
  type ExpertFor,
  expertEnvIds,
  gridWorldExpert,
  mountainCarExpert,
  type PendulumExpertOptions,
  pendulumExpert,
  type ScriptedExpertOptions,
  scriptedExpert,
  shippedPolicyExpert,
  type TabularExpert,
  type TabularExpertOptions,
  tabularExpert,
} from "./experts/index.js";
// Scripted experts of the built-in web tasks, on decoded or encoded observations.
export { type WebActor, type WebExpert, webActor, webExpert } from "./experts/web.js";
// The web recorder: a person (or a stand-in script) in a real browser, as env episodes.
export { expertDriver, type RecordWebOptions, recordWebEpisodes } from "./experts/web-recorder.js";
export { checkLabels, type Expert, policyExpert } from "./experts/expert.js";
export {
  type AskContext,
  type HumanLabeler,
  type HumanLabelerOptions,
  humanLabeler,
  type TeacherExpert,
  type TeacherOptions,
  teacherExpert,
} from "./experts/labelers.js";

// Demonstrations: episodes, collection, datasets and their preparation, on disk as Minari HDF5 or JSONL.
export { Episode, type EpisodeInit, type Transitions, toTransitions } from "./data/episode.js";
export { type CollectOptions, collect } from "./data/collect.js";
// How Dict and Tuple observations are stored: leaf columns by path, and packed rows for training.
export { type Layout, type Leaf, type LeafColumns, layoutFor } from "./data/columns.js";
export {
  type ColumnStats,
  Dataset,
  type DatasetInit,
  type DatasetStats,
  type EpisodeFilter,
  type SplitFractions,
} from "./data/dataset.js";
export { fromJsonl, toJsonl } from "./data/jsonl.js";
export {
  MINARI_VERSION,
  type ReadMinariResult,
  readMinari,
  type WriteMinariOptions,
  writeMinari,
} from "./data/io/minari-hdf5/index.js";
export {
  loadDataset,
  loadNormalization,
  type NormalizationStats,
  normalizationStats,
  saveDataset,
} from "./data/store.js";
export { contentHash } from "./data/hash.js";

// Evaluation: rollouts to returns and success, offline action agreement, and statistics.
export {
  type EvalResult,
  type EvaluateOptions,
  evaluate,
  normalizedScore,
  normalizeReturn,
} from "./eval/evaluate.js";
export {
  type ActionAgreement,
  actionAgreement,
  type ClassificationReport,
  classificationReport,
  confusionMatrix,
  type RegressionErrors,
  regressionErrors,
} from "./eval/metrics.js";
export { randomPolicy } from "./eval/random-policy.js";
export { bootstrapCi, iqm, mean, permutationTest, std } from "./eval/stats.js";

// Neural policies: TensorFlow.js behind them, trained on the fused engine by default.
export { type EngineInfo, initEngine } from "./nn/engine.js";
export { NeuralPolicy } from "./nn/policy.js";
export type { LoadPolicyOptions, NeuralPolicyOptions, PolicyTrainerOptions } from "./nn/policy-options.js";
export type { LossInfo, PolicyTrainer, TrainerEngine, TrainerOptions } from "./nn/trainer.js";
export {
  type CompiledPolicy,
  type CompiledPolicyJson,
  compiledPolicyFromJSON,
  compilePolicy,
} from "./nn/compile.js";
export { exportOnnx } from "./nn/onnx.js";
// The fused MLP engine (WebAssembly SIMD kernels, plain-TS fallback): batch-1 forward and setup.
export {
  configureFusedEngine,
  type FusedEngineSettings,
  fusedEngineAvailable,
  fusedKernelsFma,
  initFusedEngine,
} from "./nn/fused/arena.js";
export { fusedThreads } from "./nn/fused/threads.js";
export { FusedForward } from "./nn/fused/forward.js";
export { createFusedTrainer, type FusedTrainer, type FusedTrainerConfig } from "./nn/fused/trainer.js";
export { FusedAdam } from "./nn/fused/adam.js";
export { Arena, F32Slot } from "./nn/fused/arena.js";
// Encoder layers on the fused engine (docs/encoders.md), and the policies composed from them.
export * as layers from "./nn/layers/index.js";
export * as layersOnnx from "./nn/layers/onnx.js";
export {
  type ConvSpec,
  EncoderPolicy,
  type EncoderPolicyOptions,
  NATURE_CNN,
  SMALL_CNN,
} from "./nn/encoder-policy.js";
export { historyWindow, RecurrentPolicy, type RecurrentPolicyOptions } from "./nn/recurrent-policy.js";
// Web tasks (issue 19): a page's items and candidates, and the pointer-network policy over them.
export {
  actionOf,
  candidateOf,
  createDomItems,
  type DomFeatureLayout,
  type DomFeatureOptions,
  type DomItems,
  domFeatureLayout,
  domItems,
  isTypeable,
  TAG_VOCABULARY,
  webSizesOf,
  writeDomItems,
} from "./nn/dom-features.js";
export { type DomBatch, type DomLossStats, DomPolicy, type DomPolicyOptions } from "./nn/dom-policy.js";

// Algorithms: one readable file each.
export {
  type BcCallbacks,
  type BcConfig,
  type BcRecord,
  type BcResult,
  bcConfigSchema,
  resolveBcConfig,
  type TrainBcOptions,
  trainBc,
} from "./algorithms/bc.js";
// Checkpoints and resume of the epoch-based BC trainers (bc-rnn, bc-encoder, bc-dom)
export type { EpochBcCheckpoint, EpochBcOptions, EpochBcSnapshot } from "./algorithms/bc-common.js";
export {
  type BcEncoderConfig,
  type BcEncoderRecord,
  type BcEncoderResult,
  bcEncoderConfigSchema,
  trainBcEncoder,
} from "./algorithms/bc-encoder.js";
export {
  type BcDomConfig,
  type BcDomRecord,
  type BcDomResult,
  bcDomConfigSchema,
  trainBcDom,
} from "./algorithms/bc-dom.js";
export {
  type DaggerDomConfig,
  type DaggerDomResult,
  type DaggerDomResume,
  type DaggerDomRound,
  type DaggerDomRoundState,
  daggerDomConfigSchema,
  trainDaggerDom,
} from "./algorithms/dagger-dom.js";
export {
  type BcRnnConfig,
  type BcRnnRecord,
  type BcRnnResult,
  bcRnnConfigSchema,
  bcRnnWindows,
  trainBcRnn,
} from "./algorithms/bc-rnn.js";
export {
  betaFor,
  type DaggerCallbacks,
  type DaggerConfig,
  type DaggerResult,
  type DaggerRound,
  daggerConfigSchema,
  resolveDaggerConfig,
  type TrainDaggerOptions,
  trainDagger,
} from "./algorithms/dagger.js";
export { maxEntIrl, softValueIteration, stateVisitation } from "./algorithms/maxent-irl.js";
export {
  PPO_PRESETS,
  type PpoConfig,
  PpoLearner,
  type PpoResult,
  ppoConfigSchema,
  trainPpo,
} from "./algorithms/ppo/index.js";
export {
  type AdversarialConfig,
  type AdversarialRecord,
  type AdversarialResult,
  adversarialConfigSchema,
  type Discriminator,
  trainAdversarial,
} from "./algorithms/adversarial.js";
export { GAIL_PRESETS, GailDiscriminator, trainGail } from "./algorithms/gail.js";
export { AIRL_PRESETS, AirlDiscriminator, trainAirl } from "./algorithms/airl.js";
export { RewardModel, RewardWrapper } from "./algorithms/reward-model.js";

// Runs: the run directory (manifest, metrics, TensorBoard, checkpoints, report) and the workflows.
export { type CreateRunOptions, RunDirectory, type RunManifest } from "./runs/run-directory.js";
export { type ReportInput, renderReport } from "./runs/report.js";
export {
  evaluateRun,
  quickstart,
  type TrainBcRunOptions,
  trainBcRun,
  type TuneBcOptions,
  tuneBc,
} from "./runs/pipelines.js";
export {
  type DaggerRunOptions,
  type DistillOptions,
  distill,
  trainDaggerRun,
} from "./runs/dagger-pipeline.js";
export {
  type DaggerDomEnv,
  type DaggerDomRunOptions,
  type DaggerDomRunResult,
  trainDaggerDomRun,
} from "./runs/dagger-dom-pipeline.js";
export { type PpoRunOptions, trainPpoRun } from "./runs/ppo-pipeline.js";
export { type AdversarialRunOptions, trainAdversarialRun } from "./runs/adversarial-pipeline.js";
export { type MaxEntIrlRunOptions, trainMaxEntIrlRun } from "./runs/maxent-pipeline.js";

// The package version.
export { VERSION } from "./version.js";
