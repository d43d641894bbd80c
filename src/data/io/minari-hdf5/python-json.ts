/**
 * @module
 * JSON as Python's `json.dumps` writes it (Python float spelling, bare Infinity/NaN, ASCII only),
 * and Minari's `serialize_space` on top of it.
 */
import { formatValue, type Space, type SpaceJson } from "../../../core/spaces/index.js";

/** A number that json.dumps prints as a Python float (`475.0`, not `475`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `repr(float)`: the shortest round-trip digits, with an exponent below 1e-4 or from 1e16. */
function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exponent] = x.toExponential().split("e") as [string, string];
  const sign = x < 0 ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  const exp = Number(exponent);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fraction = digits.slice(exp + 1) || "0";
  return `${sign}${whole}.${fraction}`;
}

/** json.dumps with its defaults: `", "` and `": "` separators, ASCII only, bare Infinity/NaN. */
export function pythonJsonDumps(value: unknown, path = "value"): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return pythonFloatRepr(value);
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value) || value instanceof Set) {
    return `[${[...value].map((v, i) => pythonJsonDumps(v, `${path}[${i}]`)).join(", ")}]`;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v, `${path}.${k}`)}`).join(", ")}}`;
  }
  throw new NotJsonError(path, `${path} is ${formatValue(value)}, which JSON cannot hold`);
}

export class NotJsonError extends TypeError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Minari's `serialize_space`: the space JSON with float Box bounds printed as Python floats. */
export function pythonSpaceString(space: Space): string {
  const mark = (json: SpaceJson): unknown => {
    switch (json.type) {
      case "Box": {
        if (!json.dtype.startsWith("float")) return json;
        const floats = (v: unknown): unknown => (Array.isArray(v) ? v.map(floats) : new PyFloat(v as number));
        return { ...json, low: floats(json.low), high: floats(json.high) };
      }
      case "Dict":
        return {
          ...json,
          subspaces: Object.fromEntries(Object.entries(json.subspaces).map(([k, s]) => [k, mark(s)])),
        };
      case "Tuple":
        return { ...json, subspaces: json.subspaces.map(mark) };
      default:
        return json;
    }
  };
  return pythonJsonDumps(mark(space.toJSON()));
}
