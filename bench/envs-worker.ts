/**
 * One measurement in its own process, printed as a rate: `node envs-worker.js <id> <mode>` (env
 * steps/s), or `node envs-worker.js <draw> rng-wasm|rng-ts` (random draws/s on one PCG64 engine).
 */
import { measureDraws, measureOne } from "./envs.js";

const [id, mode] = process.argv.slice(2);
const rate =
  mode === "rng-wasm" || mode === "rng-ts"
    ? measureDraws(mode === "rng-wasm" ? "wasm" : "ts", id as Parameters<typeof measureDraws>[1])
    : measureOne(id!, mode as "single" | "generic" | "kernel");
process.stdout.write(`${rate}\n`);
