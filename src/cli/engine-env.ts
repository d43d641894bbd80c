/**
 * @module
 * The fused engine's settings from environment variables, for entry points only (the `mimic`
 * command, `npm run bench`, the test runner, scripts/): `MIMIC_THREADS` (threads sharing a large
 * product, 1 = no helper threads) and `MIMIC_FMA` (0 keeps the plain kernels, 1 the default).
 * The library itself reads no environment variables; it takes these as `configureFusedEngine`'s
 * settings.
 */
import { InvalidOptionError } from "../core/errors.js";
import { configureFusedEngine, type FusedEngineSettings } from "../nn/fused/arena.js";

/** The settings that `MIMIC_THREADS` and `MIMIC_FMA` in `env` ask for (unset or empty: none). */
export function fusedEngineSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): FusedEngineSettings {
  const settings: FusedEngineSettings = {};
  const threads = env.MIMIC_THREADS;
  if (threads !== undefined && threads !== "") {
    const n = Number(threads);
    if (!/^\s*\d+\s*$/.test(threads) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidOptionError(
        "MIMIC_THREADS",
        `MIMIC_THREADS must be a whole number ≥ 1 (1 = no helper threads), got ${JSON.stringify(threads)}; unset it to use every core (up to 4).`,
      );
    }
    settings.threads = n;
  }
  const fma = env.MIMIC_FMA;
  if (fma !== undefined && fma !== "") {
    if (fma !== "0" && fma !== "1") {
      throw new InvalidOptionError(
        "MIMIC_FMA",
        `MIMIC_FMA must be 0 (plain kernels) or 1 (fused multiply-adds where the runtime has them), got ${JSON.stringify(fma)}.`,
      );
    }
    settings.fma = fma === "1";
  }
  return settings;
}

/** Configures the fused engine from `MIMIC_THREADS` and `MIMIC_FMA` in `env`. */
export function configureFusedEngineFromEnv(env: Readonly<Record<string, string | undefined>>): void {
  configureFusedEngine(fusedEngineSettingsFromEnv(env));
}
