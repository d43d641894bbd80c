#!/usr/bin/env node
// The `mimic` command. It runs the compiled CLI in dist/ (built by `npm install` via `prepare`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "mimic: the compiled CLI is missing (dist/). Run `npm run build` in the mimic checkout, then try again.\n",
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
