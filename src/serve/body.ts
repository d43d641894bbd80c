/**
 * @module
 * The `POST /v1/act` body, parsed with zod against a policy's observation space. A bad body comes
 * back as one `BodyIssue`: what is wrong, the path to the bad value (`observations[3][1]`) and
 * what was expected there.
 */
import { z } from "zod";
import { formatPath, InvalidSpaceError } from "../core/errors.js";
import {
  type Box,
  type Discrete,
  formatValue,
  type MultiBinary,
  type MultiDiscrete,
  type Space,
} from "../core/spaces/index.js";

/** A parsed body: one observation, or several, each as `dim` numbers. */
export type ActBody = { kind: "single"; observation: number[] } | { kind: "batch"; observations: number[][] };

/** What the server says about a bad body. */
export interface BodyIssue {
  message: string;
  /** Where the bad value is, e.g. `observations[3][1]`; empty for the body itself. */
  path: string;
  /** What a good value there looks like. */
  expected: string;
}

export interface BodyParser {
  /** Numbers per observation (1 for a Discrete observation space). */
  readonly dim: number;
  /** What a good body looks like. */
  readonly expected: string;
  parse(body: unknown): { ok: true; value: ActBody } | { ok: false; issue: BodyIssue };
}

interface ObservationShape {
  dim: number;
  /** One observation as zod parses it: always an array of `dim` numbers after parsing. */
  schema: z.ZodType<number[]>;
  /** What one observation looks like. */
  expected: string;
  /** What element `i` of an observation looks like. */
  element(i: number): string;
}

const finiteNumber = (expected: string) =>
  z.number({ error: (issue) => `expected ${expected}, got ${describe(issue.input)}` });

function describe(input: unknown): string {
  if (input === undefined) return "nothing";
  if (typeof input === "string") return `the string ${JSON.stringify(input)}`;
  if (Array.isArray(input)) return `an array of ${input.length}`;
  return formatValue(input);
}

function integerIn(lo: number, hi: number): z.ZodType<number> {
  const expected = `an integer from ${lo} to ${hi}`;
  return finiteNumber(expected).refine((v) => Number.isInteger(v) && v >= lo && v <= hi, {
    error: (issue) => `expected ${expected}, got ${formatValue(issue.input)}`,
  });
}

/** The shortest decimal that reads back as the same float32 (4.8, not 4.800000190734863). */
function shortestFloat32(v: number): string {
  if (!Number.isFinite(v)) return formatValue(v);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(v.toPrecision(digits)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(v);
}

/** `dim` numbers, element `i` checked by `elements[i]`, with a length error that gives the count. */
function vector(elements: z.ZodType<number>[], expected: string): z.ZodType<number[]> {
  const dim = elements.length;
  return z
    .array(z.unknown(), { error: (issue) => `expected ${expected}, got ${describe(issue.input)}` })
    .refine((values) => values.length === dim, {
      error: (issue) =>
        `expected ${dim} value${dim === 1 ? "" : "s"}, got ${(issue.input as unknown[]).length}`,
      abort: true,
    })
    .pipe(z.tuple(elements as [z.ZodType<number>, ...z.ZodType<number>[]])) as z.ZodType<number[]>;
}

function observationShape(space: Space): ObservationShape {
  switch (space.kind) {
    case "box": {
      const box = space as Box;
      const float32 = box.dtype === "float32";
      const round = float32 ? Math.fround : (v: number) => v;
      const show = (v: number) => (float32 ? shortestFloat32(v) : formatValue(v));
      const range = (i: number) => {
        const lo = box.low[i]!;
        const hi = box.high[i]!;
        const kind = box.dtype.includes("int") ? "an integer" : "a finite number";
        if (lo === Number.NEGATIVE_INFINITY && hi === Number.POSITIVE_INFINITY) return kind;
        return `${kind} in [${show(lo)}, ${show(hi)}]`;
      };
      const elements = Array.from({ length: box.size }, (_, i) =>
        finiteNumber(range(i)).refine(
          (v) =>
            round(v) >= box.low[i]! &&
            round(v) <= box.high[i]! &&
            (!box.dtype.includes("int") || Number.isInteger(v)),
          { error: (issue) => `expected ${range(i)}, got ${formatValue(issue.input)}` },
        ),
      );
      const expected = `an array of ${box.size} ${box.dtype.includes("int") ? "integers" : "finite numbers"}`;
      return { dim: box.size, schema: vector(elements, expected), expected, element: range };
    }
    case "discrete": {
      const { n, start } = space as Discrete;
      const expected = `an integer from ${start} to ${start + n - 1}`;
      return {
        dim: 1,
        schema: integerIn(start, start + n - 1).transform((v) => [v]),
        expected,
        element: () => expected,
      };
    }
    case "multi-discrete": {
      const { nvec, start } = space as MultiDiscrete;
      const range = (i: number) => `an integer from ${start[i]} to ${start[i]! + nvec[i]! - 1}`;
      const elements = Array.from(nvec, (n, i) => integerIn(start[i]!, start[i]! + n - 1));
      const expected = `an array of ${nvec.length} integers (${space})`;
      return { dim: nvec.length, schema: vector(elements, expected), expected, element: range };
    }
    case "multi-binary": {
      const { size } = space as MultiBinary;
      const elements = Array.from({ length: size }, () => integerIn(0, 1));
      const expected = `an array of ${size} zeros and ones (${space})`;
      return { dim: size, schema: vector(elements, expected), expected, element: () => "0 or 1" };
    }
    default:
      throw new InvalidSpaceError(
        `The policy server reads Box, Discrete, MultiDiscrete and MultiBinary observations; this one is ${space}.`,
      );
  }
}

/** A parser for `{ "observation": … }` or `{ "observations": [ … ] }` bodies. */
export function actBodyParser(observationSpace: Space): BodyParser {
  const shape = observationShape(observationSpace);
  const bodyExpected = `{ "observation": ${shape.expected} } or { "observations": [ … ] }, a non-empty array of those`;
  const schema = z
    .strictObject(
      {
        observation: shape.schema.optional(),
        observations: z
          .array(shape.schema, {
            error: (issue) => `expected an array of observations, got ${describe(issue.input)}`,
          })
          .min(1, { error: "expected at least one observation" })
          .optional(),
      },
      {
        error: (issue) =>
          issue.code === "invalid_type" ? `expected a JSON object, got ${describe(issue.input)}` : undefined,
      },
    )
    .superRefine((body, ctx) => {
      const single = body.observation !== undefined;
      const batch = body.observations !== undefined;
      if (single === batch) {
        ctx.addIssue({
          code: "custom",
          message: single
            ? 'send either "observation" or "observations", not both'
            : 'the body needs an "observation" or an "observations" field',
        });
      }
    });

  const expectedAt = (path: readonly PropertyKey[]): string => {
    if (path.length === 0) return bodyExpected;
    let rest: readonly PropertyKey[];
    if (path[0] === "observation") rest = path.slice(1);
    else if (path.length === 1) return `a non-empty array of observations, each ${shape.expected}`;
    else rest = path.slice(2);
    return rest.length === 0 ? shape.expected : shape.element(Number(rest[0]));
  };

  return {
    dim: shape.dim,
    expected: bodyExpected,
    parse(body) {
      const result = schema.safeParse(body);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        return {
          ok: false,
          issue: { message: issue.message, path: formatPath(issue.path), expected: expectedAt(issue.path) },
        };
      }
      const { observation, observations } = result.data;
      return {
        ok: true,
        value:
          observation !== undefined
            ? { kind: "single", observation }
            : { kind: "batch", observations: observations! },
      };
    },
  };
}
