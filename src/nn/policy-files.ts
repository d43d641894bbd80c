/**
 * @module
 * A saved `NeuralPolicy` on disk: the file names and schemas, reading a policy directory back into
 * a configuration and weights (every shape checked), and the check before a save replaces a directory.
 *
 * On disk a policy is a directory:
 * - `policy.json` (strict JSON): format version, environment id, the spaces as Minari serializes
 *   them (`serialize_space` strings, as in a dataset's metadata, so ±Infinity bounds survive), the
 *   network (hidden sizes, activation), the head kind and the observation normalization;
 * - `model.json`: the network in TensorFlow.js's layers-model format (a `Sequential` of `Dense`
 *   layers producing the head's parameters) with its weights manifest; a Gaussian head's
 *   `log_std` is listed too, so load it in tfjs with `{ strict: false }`;
 * - `weights.bin`: every weight as little-endian float32, in manifest order.
 * The directory is written to a temporary sibling first and renamed into place (`NeuralPolicy.save`).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import {
  InvalidOptionError,
  InvalidSpaceError,
  MimicError,
  PolicyLoadError,
  ShapeMismatchError,
} from "../core/errors.js";
import {
  Box,
  Discrete,
  MultiDiscrete,
  parsePythonJson,
  type Space,
  type SpaceJson,
  spaceFromJSON,
} from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import { observationEncoder } from "./observation-encoder.js";
import type { PolicyConfig } from "./policy-options.js";

export const POLICY_FILE = "policy.json";
export const MODEL_FILE = "model.json";
export const WEIGHTS_FILE = "weights.bin";
export const FORMAT_VERSION = 1;

const policyFileSchema = z.object({
  format: z.literal("mimic-policy"),
  formatVersion: z.number().int(),
  generatedBy: z.string().optional(),
  envId: z.string().min(1),
  envOptions: z.record(z.string(), z.unknown()).optional(),
  /** Minari's string form (`serialize_space`); a plain object in Minari's JSON form is read too. */
  observationSpace: z.union([z.string(), z.record(z.string(), z.unknown())]),
  actionSpace: z.union([z.string(), z.record(z.string(), z.unknown())]),
  network: z.object({
    type: z.literal("mlp"),
    hidden: z.array(z.number().int().positive()),
    activation: z.enum(["tanh", "relu"]),
  }),
  head: z.enum(["categorical", "gaussian", "multi-categorical"]),
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
});

export type PolicyFile = z.infer<typeof policyFileSchema>;

const modelFileSchema = z.object({
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(
          z.object({
            name: z.string(),
            shape: z.array(z.number().int().nonnegative()),
            dtype: z.literal("float32"),
          }),
        ),
      }),
    )
    .length(1),
});

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new PolicyLoadError(
      file,
      `${file} is missing or unreadable. Is this a policy directory written by NeuralPolicy.save (policy.json, model.json, weights.bin)?`,
      { cause },
    );
  }
  try {
    return parsePythonJson(text);
  } catch (cause) {
    throw new PolicyLoadError(
      file,
      `${file} is not valid JSON (${(cause as Error).message}); save the policy again.`,
      {
        cause,
      },
    );
  }
}

export async function readPolicyDir(dir: string): Promise<{ config: PolicyConfig; weights: Float32Array[] }> {
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new PolicyLoadError(
      dir,
      `${dir}: no policy directory there. Check the path, or train and save a policy first.`,
    );
  }
  const policyPath = join(dir, POLICY_FILE);
  const parsed = policyFileSchema.safeParse(await readJson(policyPath));
  if (!parsed.success) {
    throw new PolicyLoadError(
      policyPath,
      `${policyPath} is not a mimic policy file: ${describeIssues(parsed.error)}.`,
    );
  }
  const file = parsed.data;
  if (file.formatVersion > FORMAT_VERSION) {
    throw new PolicyLoadError(
      policyPath,
      `${policyPath} has format version ${file.formatVersion}; this mimic (${VERSION}) reads up to ${FORMAT_VERSION}. Upgrade mimic.`,
    );
  }
  let observationSpace: Space;
  let actionSpace: Space;
  try {
    observationSpace = spaceFromJSON(file.observationSpace as SpaceJson | string, "observationSpace");
    actionSpace = spaceFromJSON(file.actionSpace as SpaceJson | string, "actionSpace");
  } catch (cause) {
    throw new PolicyLoadError(policyPath, `${policyPath}: ${(cause as Error).message}`, { cause });
  }
  const config: PolicyConfig = {
    observationSpace,
    actionSpace,
    envId: file.envId,
    envOptions:
      file.envOptions === undefined || Object.keys(file.envOptions).length === 0 ? null : file.envOptions,
    hidden: file.network.hidden,
    activation: file.network.activation,
    normalization: file.normalization,
    logStdInit: 0,
  };

  const modelPath = join(dir, MODEL_FILE);
  const model = modelFileSchema.safeParse(await readJson(modelPath));
  if (!model.success) {
    throw new PolicyLoadError(
      modelPath,
      `${modelPath} has no usable weights manifest: ${describeIssues(model.error)}.`,
    );
  }
  const specs = model.data.weightsManifest[0]!.weights;
  const weightsPath = join(dir, WEIGHTS_FILE);
  let buffer: Buffer;
  try {
    buffer = await readFile(weightsPath);
  } catch (cause) {
    throw new PolicyLoadError(
      weightsPath,
      `${weightsPath} is missing or unreadable; save the policy again.`,
      { cause },
    );
  }
  const sizes = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const expectedBytes = sizes.reduce((a, b) => a + b, 0) * 4;
  if (buffer.byteLength !== expectedBytes) {
    throw new PolicyLoadError(
      weightsPath,
      `${weightsPath} holds ${buffer.byteLength} bytes but ${MODEL_FILE} lists ${expectedBytes}; the files do not belong together. Save the policy again.`,
    );
  }
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  const weights: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    weights.push(new Float32Array(copy.buffer, offset * 4, size));
    offset += size;
  }
  checkWeightShapes(config, specs, modelPath);
  return { config, weights };
}

/** The manifest must list exactly the weights the configuration builds, in order. */
function checkWeightShapes(
  config: PolicyConfig,
  specs: { name: string; shape: number[] }[],
  file: string,
): void {
  let inputSize: number;
  let paramSize: number;
  let extra: number[][];
  try {
    inputSize = observationEncoder(config.observationSpace, config.normalization ?? undefined).inputSize;
    const a = config.actionSpace;
    if (a instanceof Box) {
      paramSize = a.size;
      extra = [[a.size]];
    } else if (a instanceof Discrete) {
      paramSize = a.n;
      extra = [];
    } else if (a instanceof MultiDiscrete) {
      paramSize = a.flatDim;
      extra = [];
    } else throw new InvalidSpaceError(`unsupported action space ${a}`);
  } catch (cause) {
    if (cause instanceof MimicError) throw new PolicyLoadError(file, `${file}: ${cause.message}`, { cause });
    throw cause;
  }
  const sizes = [inputSize, ...config.hidden, paramSize];
  const expected: number[][] = [];
  for (let i = 0; i + 1 < sizes.length; i++) expected.push([sizes[i]!, sizes[i + 1]!], [sizes[i + 1]!]);
  expected.push(...extra);
  const names = weightNames(sizes.length - 1, extra.length > 0);
  const show = (shape: readonly number[]) => `[${shape.join(", ")}]`;
  const network = `policy.json's network (${inputSize} inputs, hidden [${config.hidden.join(", ")}], ${paramSize} outputs)`;
  for (let i = 0; i < Math.max(expected.length, specs.length); i++) {
    const want = expected[i];
    const found = specs[i]?.shape;
    if (want && found && want.length === found.length && want.every((d, j) => d === found[j])) continue;
    const what =
      want === undefined
        ? `${file} lists ${specs.length} weight arrays, but ${network} has ${expected.length}; the extra one, ${specs[i]!.name}, has shape ${show(found!)}`
        : found === undefined
          ? `${file} lists ${specs.length} weight arrays, but ${network} has ${expected.length}: ${names[i]} (shape ${show(want)}) is missing`
          : `${file}: ${names[i]} has shape ${show(found)}, but ${network} expects ${show(want)}`;
    throw new ShapeMismatchError(
      `${what}. The weights belong to another network: save the policy again, or make policy.json's network match them.`,
    );
  }
}

/** What each weight array is, in `getWeights` order: `layer 0 kernel`, `layer 0 bias`, …, `log-std`. */
export function weightNames(layers: number, logStd: boolean): string[] {
  const names: string[] = [];
  for (let l = 0; l < layers; l++) names.push(`layer ${l} kernel`, `layer ${l} bias`);
  if (logStd) names.push("log-std");
  return names;
}

/** Refuses to replace anything but an empty directory or a saved policy. */
export async function checkReplaceable(target: string): Promise<void> {
  const existing = await stat(target).catch(() => null);
  if (existing === null) return;
  const refuse = (why: string) =>
    new InvalidOptionError(
      "dir",
      `save: ${target} ${why}; save only replaces a saved policy. Choose another directory, or remove it first.`,
    );
  if (!existing.isDirectory()) throw refuse("exists and is not a directory");
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(POLICY_FILE))
    throw refuse(`holds ${entries.length} entries but no ${POLICY_FILE}`);
}
