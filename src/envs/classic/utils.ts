/**
 * @module
 * Helpers shared by the classic-control environments.
 * Ported from gymnasium/envs/classic_control/utils.py (Gymnasium 0.29/1.x).
 */
import { InvalidOptionError } from "../../core/errors.js";

/**
 * Gymnasium's `maybe_parse_reset_bounds`: reset options may override the range the starting state
 * is drawn from, as `{ low, high }`.
 */
export function resetBounds(
  options: Record<string, unknown> | undefined,
  defaultLow: number,
  defaultHigh: number,
  where: string,
): [number, number] {
  if (options === undefined) return [defaultLow, defaultHigh];
  const low = "low" in options ? options.low : defaultLow;
  const high = "high" in options ? options.high : defaultHigh;
  if (typeof low !== "number" || !Number.isFinite(low)) {
    throw new InvalidOptionError(
      "options.low",
      `${where}: reset option low must be a finite number, got ${String(low)}.`,
    );
  }
  if (typeof high !== "number" || !Number.isFinite(high)) {
    throw new InvalidOptionError(
      "options.high",
      `${where}: reset option high must be a finite number, got ${String(high)}.`,
    );
  }
  if (low > high) {
    throw new InvalidOptionError(
      "options.low",
      `${where}: reset option low (${low}) is greater than high (${high}); swap them.`,
    );
  }
  return [low, high];
}

/** Gymnasium's `utils.verify_number_and_cast` for a numeric env option. */
export function numberOption(value: unknown, name: string, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidOptionError(
      name,
      `${where}: option ${name} must be a finite number, got ${String(value)}.`,
    );
  }
  return value;
}
