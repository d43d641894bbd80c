/**
 * @module
 * The policy server as a Hono app. It knows nothing about Node: `mimic serve` starts it with
 * `@hono/node-server`, and any runtime with `fetch`-style handlers (Deno, Bun, workers) can too.
 *
 * - `POST /v1/act`: `{ "observation": [...] }` → `{ "action": … }`, or
 *   `{ "observations": [[...], …] }` → `{ "actions": [...] }`. An action is a number for a Discrete
 *   action space and an array of numbers otherwise.
 * - `GET /v1/policy`: `{ envId, observationSpace, actionSpace, version }`, the spaces in Minari's
 *   JSON form (`Space.toJSON`), with infinite bounds written as the strings "Infinity"/"-Infinity"
 *   because JSON has no infinities.
 * - `GET /healthz`: `{ "ok": true }` (never needs the token).
 *
 * Errors are JSON `{ "error": { message, path?, expected? } }`: 400 for a bad body, 401 for a
 * missing or wrong bearer token, 404 for an unknown route, 413 for a body over `maxBodyBytes`.
 * Single observations that arrive within `batchWindowMs` of each other share one `actBatch` call.
 */
import { Hono } from "hono";
import type { ActOptions } from "../core/policy.js";
import type { Space } from "../core/spaces/index.js";
import { VERSION } from "../version.js";
import { createMicroBatcher } from "./batcher.js";
import { actBodyParser, type BodyIssue } from "./body.js";

/** What the server needs of a policy: its spaces and a deterministic batched `act`. */
export interface ServablePolicy {
  readonly envId: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Actions for `count` observations stacked row by row: `count × actionDim` numbers. */
  actBatch(observations: Float32Array, count: number): ArrayLike<number>;
}

export interface PolicyAppOptions {
  policy: ServablePolicy;
  /** When set, `/v1/*` requires `Authorization: Bearer <token>`. */
  token?: string;
  /** Larger request bodies get a 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** How long a single observation waits for others to share its `actBatch` call (default 1 ms). */
  batchWindowMs?: number;
  /** Single observations per shared `actBatch` call at most (default 64). */
  maxBatch?: number;
  /** Static files served under `/demo/` (the browser demo and its policy), by file name. */
  demo?: Readonly<Record<string, { body: string | Uint8Array; type: string }>>;
}

/** The Hono app, plus `close()`, which answers every queued observation and refuses new ones. */
export type PolicyApp = Hono & { close(): Promise<void> };

/** Adapts a policy with `actBatch(observations, { deterministic })`, such as `NeuralPolicy`. */
export function deterministicPolicy(policy: {
  readonly envId: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  actBatch(observations: ArrayLike<number>, options?: ActOptions): ArrayLike<number>;
}): ServablePolicy {
  return {
    envId: policy.envId,
    observationSpace: policy.observationSpace,
    actionSpace: policy.actionSpace,
    actBatch: (observations) => policy.actBatch(observations, { deterministic: true }),
  };
}

type ErrorStatus = 400 | 401 | 404 | 413 | 500 | 503;

function errorBody(message: string, extra: Partial<BodyIssue> = {}) {
  return { error: { message, ...extra } };
}

/** ±Infinity become strings: `JSON.stringify` would turn them into `null`. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two digests without an early exit, so the time taken says nothing about the token. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}

/** Reads a body as text, or reports that it is over `limit` bytes (declared or actual). */
async function readBody(request: Request, limit: number): Promise<string | "too-large"> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return "too-large";
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return "too-large";
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

export function createPolicyApp(options: PolicyAppOptions): PolicyApp {
  const { policy, token, maxBodyBytes = 1024 * 1024, batchWindowMs = 1, maxBatch = 64 } = options;
  const parser = actBodyParser(policy.observationSpace);
  const discreteAction = policy.actionSpace.kind === "discrete";
  const toAction = (values: ArrayLike<number>) => (discreteAction ? values[0]! : Array.from(values));
  const batcher = createMicroBatcher((obs, count) => policy.actBatch(obs, count), {
    dim: parser.dim,
    windowMs: batchWindowMs,
    maxBatch,
  });
  const description = jsonSafe({
    envId: policy.envId,
    observationSpace: policy.observationSpace.toJSON(),
    actionSpace: policy.actionSpace.toJSON(),
    version: VERSION,
  });
  const tokenDigest = token === undefined ? undefined : sha256(token);
  let closing = false;

  const app = new Hono();
  const fail = (c: { json: (body: unknown, status: ErrorStatus) => Response }) => ({
    with: (status: ErrorStatus, message: string, extra?: Partial<BodyIssue>) =>
      c.json(errorBody(message, extra), status),
  });

  app.onError((error, c) => fail(c).with(500, `internal error: ${error.message}`));
  app.notFound((c) =>
    fail(c).with(
      404,
      `no route ${c.req.method} ${c.req.path}; routes: POST /v1/act, GET /v1/policy, GET /healthz`,
    ),
  );

  app.get("/healthz", (c) => c.json({ ok: true }));

  const demo = options.demo;
  if (demo) {
    app.get("/demo", (c) => c.redirect("/demo/"));
    app.get("/demo/:file{.*}", (c) => {
      const file = demo[c.req.param("file") || "index.html"];
      if (!file) return fail(c).with(404, `no demo file ${c.req.path}`);
      return c.body(typeof file.body === "string" ? file.body : (file.body as Uint8Array<ArrayBuffer>), 200, {
        "content-type": file.type,
      });
    });
  }

  if (tokenDigest !== undefined) {
    app.use("/v1/*", async (c, next) => {
      const header = c.req.header("authorization") ?? "";
      const match = /^Bearer\s+(.+)$/i.exec(header);
      const given = await sha256(match ? match[1]!.trim() : "");
      if (!match || !constantTimeEqual(given, await tokenDigest)) {
        c.header("WWW-Authenticate", 'Bearer realm="mimic"');
        return fail(c).with(
          401,
          match
            ? "the bearer token is wrong"
            : "this server needs a token: send Authorization: Bearer <token>",
        );
      }
      return next();
    });
  }

  app.get("/v1/policy", (c) => c.json(description));

  app.post("/v1/act", async (c) => {
    if (closing) return fail(c).with(503, "the policy server is shutting down");
    const text = await readBody(c.req.raw, maxBodyBytes);
    if (text === "too-large") {
      return fail(c).with(413, `the body is larger than ${maxBodyBytes} bytes`, {
        expected: `at most ${maxBodyBytes} bytes; split the observations over several requests`,
      });
    }
    if (text.trim() === "") {
      return fail(c).with(400, "the body is empty", { path: "", expected: parser.expected });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return fail(c).with(400, `the body is not valid JSON: ${(error as Error).message}`, {
        path: "",
        expected: parser.expected,
      });
    }
    const parsed = parser.parse(json);
    if (!parsed.ok) return fail(c).with(400, parsed.issue.message, parsed.issue);
    const body = parsed.value;
    if (body.kind === "single") {
      return c.json({ action: toAction(await batcher.act(body.observation)) });
    }
    const count = body.observations.length;
    const stacked = new Float32Array(count * parser.dim);
    body.observations.forEach((row, r) => {
      stacked.set(row, r * parser.dim);
    });
    const actions = policy.actBatch(stacked, count);
    const actionDim = actions.length / count;
    const list = Array.from({ length: count }, (_, r) => {
      const row = Array.from({ length: actionDim }, (_, i) => actions[r * actionDim + i]!);
      return toAction(row);
    });
    return c.json({ actions: list });
  });

  return Object.assign(app, {
    async close() {
      closing = true;
      batcher.close();
    },
  });
}
