/**
 * @module
 * The `mimic` command: dispatches to one file per subcommand. Only the CLI prints.
 * Exit codes: 0 success, 1 a failure while running, 2 a wrong command or flag.
 */
import { MimicError } from "../core/errors.js";
import { closest } from "../core/registry.js";
import "../envs/index.js";
import { VERSION } from "../version.js";
import { UsageError } from "./args.js";
import { collectHelp, runCollect } from "./collect.js";
import { dataHelp, runData } from "./data.js";
import { envsHelp, runEnvs } from "./envs.js";
import { evalHelp, runEval } from "./eval.js";
import { quickstartHelp, runQuickstart } from "./quickstart.js";
import { runTrain, runTune, trainHelp, tuneHelp } from "./train.js";

type Io = { out: (text: string) => void; err: (text: string) => void };
type Command = { summary: string; help: string; run: (argv: string[], io: Io) => number | Promise<number> };

const commands: Record<string, Command> = {
  envs: {
    summary: "list the registered environments",
    help: envsHelp,
    run: (argv, io) => runEnvs(argv, io.out),
  },
  collect: {
    summary: "record expert demonstrations into a dataset",
    help: collectHelp,
    run: (argv, io) => runCollect(argv, io.out),
  },
  data: {
    summary: "inspect and prepare datasets (info, filter, split, merge, convert)",
    help: dataHelp,
    run: runData,
  },
  train: { summary: "train a policy (bc) into a run directory", help: trainHelp, run: runTrain },
  eval: { summary: "evaluate a trained policy by rollouts", help: evalHelp, run: runEval },
  tune: { summary: "grid search with k-fold cross-validation (bc)", help: tuneHelp, run: runTune },
  quickstart: {
    summary: "record, train, evaluate and report on CartPole in under a minute",
    help: quickstartHelp,
    run: runQuickstart,
  },
};

export const mainHelp = `mimic ${VERSION}: imitation learning for TypeScript

Usage: mimic <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join("\n")}

Options:
  -h, --help     show this help (also: mimic <command> --help)
  -v, --version  print the version

Examples:
  mimic quickstart
  mimic envs
  mimic collect --env CartPole-v1 --expert scripted --episodes 10 --seed 0 --out datasets/cartpole-expert
  mimic data info datasets/cartpole-expert
  mimic train bc --dataset datasets/cartpole-expert --out runs/cartpole-bc
  mimic eval --policy runs/cartpole-bc --episodes 50
`;

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  io: Io = {
    out: (text) => process.stdout.write(`${text.replace(/\n$/, "")}\n`),
    err: (text) => process.stderr.write(`${text.replace(/\n$/, "")}\n`),
  },
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === "help" && rest[0] && commands[rest[0]]) {
      io.out(commands[rest[0]]!.help);
      return 0;
    }
    io.out(mainHelp);
    return first === undefined ? 2 : 0;
  }
  if (first === "-v" || first === "--version") {
    io.out(VERSION);
    return 0;
  }
  const command = commands[first];
  try {
    if (!command) {
      const hint = first.startsWith("-")
        ? closest(first, ["--help", "--version"])
        : closest(first, Object.keys(commands));
      throw new UsageError(
        "",
        `unknown ${first.startsWith("-") ? "flag" : "command"} ${JSON.stringify(first)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : "."}`,
      );
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const where = error.command ? `mimic ${error.command}` : "mimic";
      io.err(`${where}: ${error.message}\nRun '${where} --help' for usage.`);
      return 2;
    }
    if (error instanceof MimicError) {
      io.err(`mimic ${first}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
