/**
 * @module
 * `mimic export`: a trained policy as an ONNX model, or as the compiled JSON a browser page runs
 * without TensorFlow.js.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { parseFlags, requiredFlag, UsageError } from "./args.js";
import { displayPath } from "./progress.js";

export const exportHelp = `Usage: mimic export --policy runs/<name> --format onnx|json --out <file>

Export a trained policy for deployment. Both formats take the raw observation (the policy's
normalization is built in) and give the deterministic action: the argmax for Discrete actions,
the clipped Gaussian mean for Box actions.

Formats:
  onnx   an ONNX model (opset 13): input "observation" float32 [batch, obsDim]; output "action"
         (int64 for Discrete and MultiDiscrete, float32 for Box), and "probabilities" for Discrete
  json   the compiled policy as plain JSON; load it with compiledPolicyFromJSON (no tfjs needed)

Options:
  --policy <path>   a run directory (runs/<name>) or its policy/ directory, or a policy.json of
                    mimic train bc-rnn|bc-cnn (onnx only)
  --format <name>   onnx (default) or json
  --out <file>      the file to write, e.g. policy.onnx
  -h, --help        show this help

Example:
  mimic export --policy runs/cartpole-bc --format onnx --out cartpole.onnx
`;

const FORMATS = ["onnx", "json"] as const;
type Format = (typeof FORMATS)[number];

type Io = { out: (text: string) => void; err: (text: string) => void };

/** A run directory means its `policy/` subdirectory. */
async function policyDirectory(path: string): Promise<string> {
  const inner = join(path, "policy");
  const info = await stat(join(inner, "policy.json")).catch(() => null);
  return info?.isFile() ? inner : path;
}

export async function runExport(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags("export", argv, {
    policy: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(exportHelp);
    return 0;
  }
  const policyPath = requiredFlag("export", values, "policy", "runs/cartpole-bc");
  const format = (values.format ?? "onnx") as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError("export", `--format must be onnx or json, got ${JSON.stringify(format)}.`);
  }
  const out = requiredFlag("export", values, "out", format === "onnx" ? "policy.onnx" : "policy.json");

  const { loadSingleFilePolicy } = await import("./policy-file.js");
  const single = await loadSingleFilePolicy(policyPath);
  if (single !== null) {
    if ((format as Format) !== "onnx")
      throw new UsageError("export", `a ${single.format} file exports only as --format onnx.`);
    await single.policy.exportOnnx(out);
    io.out(`export  ${single.policy.envId} policy → ${displayPath(out)} (ONNX)`);
    return 0;
  }
  const { NeuralPolicy } = await import("../nn/policy.js");
  const policy = await NeuralPolicy.load(await policyDirectory(policyPath));
  try {
    if ((format as Format) === "onnx") {
      const { exportOnnx, ONNX_OPSET } = await import("../nn/onnx.js");
      await exportOnnx(policy, out);
      io.out(`export  ${policy.envId} policy → ${displayPath(out)} (ONNX, opset ${ONNX_OPSET})`);
    } else {
      const { compilePolicy } = await import("../nn/compile.js");
      const { writeFileAtomic } = await import("../runs/files.js");
      await writeFileAtomic(out, `${JSON.stringify(compilePolicy(policy))}\n`);
      io.out(`export  ${policy.envId} policy → ${displayPath(out)} (compiled JSON)`);
    }
  } finally {
    policy.dispose();
  }
  return 0;
}
