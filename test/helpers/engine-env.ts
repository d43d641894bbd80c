/**
 * @module
 * Configures the fused engine from `MIMIC_THREADS` and `MIMIC_FMA`, as the `mimic` command does,
 * so `MIMIC_FMA=0 npm test` runs the suite on the plain kernels. `scripts/run-tests.mjs` loads it
 * into every test process (`node --import`); a test that depends on the setting imports it too,
 * so it holds when that file runs alone.
 */
import { configureFusedEngineFromEnv } from "../../src/cli/engine-env.js";

configureFusedEngineFromEnv(process.env);
