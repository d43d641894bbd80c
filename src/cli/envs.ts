/**
 * @module
 * `mimic envs`: the registered environments with their spaces and limits.
 */
import { registeredEnvs } from "../core/registry.js";
import { loadMujoco } from "../envs/mujoco/module.js";
import { parseFlags } from "./args.js";

export const envsHelp = `Usage: mimic envs [--json]

List the registered environments: id, observation and action spaces, step limit and the return
at which the task counts as solved.

Options:
  --json      print a JSON array (id, observationSpace, actionSpace as Minari's JSON, limits)
  -h, --help  show this help
`;

interface EnvRow {
  id: string;
  observationSpace: string;
  actionSpace: string;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  description: string;
}

function rows(): { row: EnvRow; json: object }[] {
  return registeredEnvs().map((reg) => {
    const env = reg.entryPoint(reg.options ? reg.options.parse({}) : {});
    const row: EnvRow = {
      id: reg.id,
      observationSpace: String(env.observationSpace),
      actionSpace: String(env.actionSpace),
      maxEpisodeSteps: reg.maxEpisodeSteps ?? null,
      rewardThreshold: reg.rewardThreshold ?? null,
      description: reg.description ?? "",
    };
    const json = {
      ...row,
      observationSpace: env.observationSpace.toJSON(),
      actionSpace: env.actionSpace.toJSON(),
    };
    env.close();
    return { row, json };
  });
}

/** Renders rows as an aligned text table. */
export function table(header: string[], body: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export async function runEnvs(argv: string[], print: (text: string) => void): Promise<number> {
  const { values } = parseFlags("envs", argv, {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    print(envsHelp);
    return 0;
  }
  // The MuJoCo envs read their spaces from their models: load MuJoCo's wasm (about 0.2 s) first.
  await loadMujoco();
  const all = rows();
  if (values.json) {
    print(
      JSON.stringify(
        all.map((r) => r.json),
        null,
        2,
      ),
    );
    return 0;
  }
  const body = all.map(({ row }) => [
    row.id,
    row.observationSpace,
    row.actionSpace,
    row.maxEpisodeSteps === null ? "-" : String(row.maxEpisodeSteps),
    row.rewardThreshold === null ? "-" : String(row.rewardThreshold),
  ]);
  print(table(["id", "observation space", "action space", "max steps", "solved at"], body));
  return 0;
}

export function runEnvsCommand(argv: string[], io: { out: (text: string) => void }): Promise<number> {
  return runEnvs(argv, io.out);
}
