/**
 * ONNX export: ONNX Runtime loads the exported model and agrees with mimic's compiled policy on
 * 1,000 raw observations; `mimic export` writes ONNX and JSON and fails cleanly.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import ort from "onnxruntime-node";
import { main } from "../src/cli/main.js";
import { InvalidSpaceError } from "../src/core/errors.js";
import { type Rng, rngFromSeed } from "../src/core/rng.js";
import { Box, Discrete, MultiDiscrete, type Space } from "../src/core/spaces/index.js";
import { compiledPolicyFromJSON, compilePolicy } from "../src/nn/compile.js";
import { exportOnnx } from "../src/nn/onnx.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import type { NeuralPolicyOptions } from "../src/nn/policy-options.js";

const dir = mkdtempSync(join(tmpdir(), "mimic-onnx-"));
const policies: NeuralPolicy[] = [];
after(() => {
  for (const p of policies) p.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const N = 1000;
const cartPoleObs = new Box(
  [-4.8, Number.NEGATIVE_INFINITY, -0.418, Number.NEGATIVE_INFINITY],
  [4.8, Number.POSITIVE_INFINITY, 0.418, Number.POSITIVE_INFINITY],
);
const pendulumObs = new Box([-1, -1, -8], [1, 1, 8]);

/** A 64×64 policy whose layers are all Glorot-scaled with gain 1 (not the 0.01 output of a new one). */
async function trainedIshPolicy(
  observationSpace: Space,
  actionSpace: Space,
  seed: number,
  extra: Partial<NeuralPolicyOptions> = {},
): Promise<NeuralPolicy> {
  const policy = await NeuralPolicy.create({
    observationSpace,
    actionSpace,
    envId: "Toy-v0",
    hidden: [64, 64],
    seed,
    ...extra,
  });
  policies.push(policy);
  const rng = rngFromSeed(seed + 1);
  policy.setWeights(
    policy.getWeights().map((w) => {
      const limit = Math.sqrt(6 / Math.max(w.length / 32, 2));
      return Float32Array.from(w, () => rng.uniform(-limit, limit));
    }),
  );
  return policy;
}

function randomObservations(rng: Rng, count: number, scale: readonly number[]): Float32Array {
  const out = new Float32Array(count * scale.length);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * scale[i % scale.length]!;
  return out;
}

async function runOnnx(
  path: string,
  obs: Float32Array,
  obsDim: number,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(path);
  try {
    assert.deepEqual(session.inputNames, ["observation"]);
    return await session.run({ observation: new ort.Tensor("float32", obs, [obs.length / obsDim, obsDim]) });
  } finally {
    await session.release();
  }
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const e = Array.from(logits, (z) => Math.exp(z - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

describe("exportOnnx, checked by ONNX Runtime", () => {
  test("Discrete (CartPole shapes) with normalization: equal actions, probabilities within 1e-5", async () => {
    const policy = await trainedIshPolicy(cartPoleObs, new Discrete(2), 21, {
      normalization: { mean: [0.1, -0.2, 0.01, 0.3], std: [1.2, 0.8, 0.1, 1.5] },
    });
    const path = join(dir, "cartpole.onnx");
    await exportOnnx(policy, path);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
      "no temporary file left",
    );
    const compiled = compilePolicy(policy);
    const obs = randomObservations(rngFromSeed(22), N, [1.5, 2, 0.2, 3]);
    const result = await runOnnx(path, obs, 4);
    const action = result.action!;
    const probabilities = result.probabilities!;
    assert.equal(action.type, "int64");
    assert.deepEqual(action.dims, [N]);
    assert.deepEqual(probabilities.dims, [N, 2]);
    const expected = compiled.actBatch(obs, N);
    const actions = action.data as BigInt64Array;
    let worst = 0;
    const counts = [0, 0];
    for (let row = 0; row < N; row++) {
      assert.equal(Number(actions[row]), expected[row], `row ${row}`);
      counts[expected[row]!]!++;
      const p = softmax(compiled.forward(obs.subarray(row * 4, row * 4 + 4)));
      for (let k = 0; k < 2; k++) {
        worst = Math.max(worst, Math.abs((probabilities.data as Float32Array)[row * 2 + k]! - p[k]!));
      }
    }
    assert.ok(worst <= 1e-5, `max abs difference in probabilities ${worst}`);
    assert.ok(counts[0]! > 50 && counts[1]! > 50, `action counts ${counts}`);
  });

  test("Box (Pendulum shapes) with normalization: the clipped mean within 1e-5", async () => {
    const policy = await trainedIshPolicy(pendulumObs, new Box(-2, 2, [1]), 23, {
      normalization: { mean: [0, 0, 0.5], std: [0.7, 0.7, 4] },
    });
    const path = join(dir, "nested", "pendulum.onnx");
    await exportOnnx(policy, path);
    const obs = randomObservations(rngFromSeed(24), N, [0.7, 0.7, 4]);
    const result = await runOnnx(path, obs, 3);
    const action = result.action!;
    assert.equal(action.type, "float32");
    assert.deepEqual(action.dims, [N, 1]);
    const expected = compilePolicy(policy).actBatch(obs, N);
    let worst = 0;
    let clipped = 0;
    for (let i = 0; i < N; i++) {
      worst = Math.max(worst, Math.abs((action.data as Float32Array)[i]! - expected[i]!));
      if (Math.abs(expected[i]!) === 2) clipped++;
    }
    assert.ok(worst <= 1e-5, `max abs difference ${worst}`);
    assert.ok(clipped > 0, "some means lie outside the box, so clipping is exercised");
  });

  test("a Box with per-dimension and unbounded limits, and a MultiDiscrete head with starts", async () => {
    const box = await trainedIshPolicy(
      pendulumObs,
      new Box([-1, -0.5, Number.NEGATIVE_INFINITY], [1, 2, 0.25]),
      25,
    );
    const boxPath = join(dir, "box.onnx");
    await exportOnnx(box, boxPath);
    const obs = randomObservations(rngFromSeed(26), N, [0.7, 0.7, 4]);
    const boxResult = await runOnnx(boxPath, obs, 3);
    const boxExpected = compilePolicy(box).actBatch(obs, N);
    const boxActual = boxResult.action!.data as Float32Array;
    for (let i = 0; i < boxExpected.length; i++) {
      assert.ok(Math.abs(boxActual[i]! - boxExpected[i]!) <= 1e-5, `value ${i}`);
    }

    const multi = await trainedIshPolicy(pendulumObs, new MultiDiscrete([3, 4], [-1, 2]), 27);
    const multiPath = join(dir, "multi.onnx");
    await exportOnnx(multi, multiPath);
    const multiResult = await runOnnx(multiPath, obs, 3);
    assert.deepEqual(multiResult.action!.dims, [N, 2]);
    assert.deepEqual(
      Array.from(multiResult.action!.data as BigInt64Array, Number),
      Array.from(compilePolicy(multi).actBatch(obs, N)),
    );
  });

  test("the env's options travel with the policy: policy.json, the compiled JSON and ONNX metadata", async () => {
    const envOptions = { goalVelocity: 0.01 };
    const policy = await trainedIshPolicy(new Box([-1.2, -0.07], [0.6, 0.07]), new Discrete(3), 31, {
      envOptions,
    });
    const saved = join(dir, "with-options");
    await policy.save(saved);
    const loaded = await NeuralPolicy.load(saved);
    policies.push(loaded);
    assert.deepEqual(loaded.envOptions, envOptions);
    const json = compilePolicy(loaded).toJSON();
    assert.deepEqual(json.envOptions, envOptions);
    assert.deepEqual(compiledPolicyFromJSON(JSON.parse(JSON.stringify(json))).envOptions, envOptions);
    const path = join(dir, "with-options.onnx");
    await exportOnnx(loaded, path);
    // metadata_props: env_id and env_kwargs (Python's names, as in a dataset's env_spec).
    const bytes = readFileSync(path);
    assert.ok(bytes.includes(Buffer.from("env_kwargs")));
    assert.ok(bytes.includes(Buffer.from('{"goal_velocity":0.01}')));
    await ort.InferenceSession.create(path); // still a valid model
    // Without options, no env_kwargs entry.
    const plain = await trainedIshPolicy(new Box([-1.2, -0.07], [0.6, 0.07]), new Discrete(3), 32);
    assert.equal(plain.envOptions, null);
    await exportOnnx(plain, join(dir, "plain.onnx"));
    assert.ok(!readFileSync(join(dir, "plain.onnx")).includes(Buffer.from("env_kwargs")));
  });

  test("a Discrete observation space is refused with a pointer to the JSON export", async () => {
    const policy = await trainedIshPolicy(new Discrete(4), new Discrete(2), 28);
    await assert.rejects(exportOnnx(policy, join(dir, "never.onnx")), InvalidSpaceError);
    assert.equal(existsSync(join(dir, "never.onnx")), false);
  });
});

describe("mimic export", () => {
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
    return { code, out, err };
  }

  test("exports a run directory's policy as ONNX and as JSON", async () => {
    const policy = await trainedIshPolicy(cartPoleObs, new Discrete(2), 29);
    const runDir = join(dir, "runs", "cartpole");
    await policy.save(join(runDir, "policy"));
    const onnxPath = join(dir, "out", "policy.onnx");
    const onnx = await run("export", "--policy", runDir, "--format", "onnx", "--out", onnxPath);
    assert.equal(onnx.code, 0, onnx.err);
    assert.match(onnx.out, /ONNX, opset 13/);
    const session = await ort.InferenceSession.create(onnxPath);
    assert.deepEqual([...session.outputNames].sort(), ["action", "probabilities"]);
    await session.release();

    const jsonPath = join(dir, "out", "policy.json");
    const json = await run(
      "export",
      "--policy",
      join(runDir, "policy"),
      "--format",
      "json",
      "--out",
      jsonPath,
    );
    assert.equal(json.code, 0, json.err);
    const compiled = compiledPolicyFromJSON(JSON.parse(readFileSync(jsonPath, "utf8")));
    const obs = randomObservations(rngFromSeed(30), 200, [1, 1, 0.2, 1]);
    assert.deepEqual(compiled.actBatch(obs, 200), policy.actBatch(obs, { deterministic: true }));
  });

  test("a missing policy exits 1, an unknown format 2, --help 0", async () => {
    const missing = await run("export", "--policy", join(dir, "nope"), "--out", join(dir, "x.onnx"));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no policy directory there/);
    const format = await run("export", "--policy", dir, "--format", "tflite", "--out", join(dir, "x"));
    assert.equal(format.code, 2);
    assert.match(format.err, /--format must be onnx or json/);
    const noOut = await run("export", "--policy", dir);
    assert.equal(noOut.code, 2);
    assert.match(noOut.err, /--out is required/);
    const help = await run("export", "--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: mimic export/);
  });
});
