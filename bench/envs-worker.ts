/** One env-throughput measurement in its own process: `node envs-worker.js <id> <mode>` prints steps/s. */
import { measureOne } from "./envs.js";

const [id, mode] = process.argv.slice(2);
process.stdout.write(`${measureOne(id!, mode as "single" | "generic" | "kernel")}\n`);
