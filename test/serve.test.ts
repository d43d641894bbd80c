/**
 * The policy server (issue 8): every endpoint on a real server on 127.0.0.1, the 400/401/404/413
 * answers, micro-batching, 2,000 requests with malformed ones mixed in, and `mimic serve` shutting
 * down gracefully on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serve } from "@hono/node-server";
import { Box, Discrete, make, rngFromSeed } from "../src/index.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import {
  createPolicyApp,
  deterministicPolicy,
  type PolicyApp,
  type ServablePolicy,
} from "../src/serve/app.js";
import { VERSION } from "../src/version.js";
import { repoRoot } from "./helpers/fixtures.js";

const TOKEN = "test-token-123";
let policy: NeuralPolicy;

before(async () => {
  const env = make("CartPole-v1");
  policy = await NeuralPolicy.create({
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envId: "CartPole-v1",
    hidden: [8],
    seed: 0,
  });
});
after(() => policy.dispose());

/** The policy's own deterministic action for one observation. */
function expectedAction(observation: readonly number[]): number {
  return policy.act(Float32Array.from(observation), { deterministic: true }) as number;
}

/** A policy that counts its `actBatch` calls. */
function counting(): ServablePolicy & { calls: number[] } {
  const inner = deterministicPolicy(policy);
  const calls: number[] = [];
  return {
    ...inner,
    calls,
    actBatch(observations, count) {
      calls.push(count);
      return inner.actBatch(observations, count);
    },
  };
}

async function listen(app: PolicyApp): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: async () => {
          await new Promise<void>((done) => server.close(() => done()));
          await app.close();
        },
      }),
    );
  });
}

/** Every field a server answer can have. */
interface Reply {
  action?: number | number[];
  actions?: (number | number[])[];
  error: { message: string; path?: string; expected?: string };
}

async function post(
  url: string,
  body: string | ReadableStream<Uint8Array> | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Reply }> {
  const response = await fetch(`${url}/v1/act`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: response.status, json: (await response.json()) as Reply };
}

function observations(count: number, seed: number): number[][] {
  const rng = rngFromSeed(seed);
  return Array.from({ length: count }, () => Array.from({ length: 4 }, () => rng.uniform(-0.3, 0.3)));
}

describe("policy server endpoints", () => {
  let server: { url: string; close: () => Promise<void> };
  before(async () => {
    server = await listen(createPolicyApp({ policy: deterministicPolicy(policy), maxBodyBytes: 4096 }));
  });
  after(() => server.close());

  test("GET /healthz", async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
  });

  test("GET /v1/policy describes the env and the spaces in Minari's JSON form", async () => {
    const response = await fetch(`${server.url}/v1/policy`);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.envId, "CartPole-v1");
    assert.equal(body.version, VERSION);
    assert.deepEqual(body.actionSpace, policy.actionSpace.toJSON());
    assert.deepEqual(body.observationSpace, policy.observationSpace.toJSON());
  });

  test("POST /v1/act with one observation and with several", async () => {
    const [a, b, c] = observations(3, 1) as [number[], number[], number[]];
    const one = await post(server.url, JSON.stringify({ observation: a }));
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, { action: expectedAction(a) });
    const many = await post(server.url, JSON.stringify({ observations: [a, b, c] }));
    assert.equal(many.status, 200);
    assert.deepEqual(many.json, { actions: [a, b, c].map(expectedAction) });
  });

  test("a bad observation gets a 400 naming the path and the expected shape", async () => {
    const good = [0, 0, 0, 0];
    const bad = await post(server.url, JSON.stringify({ observations: [good, good, good, [0, "x", 0, 0]] }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.path, "observations[3][1]");
    assert.match(bad.json.error.message, /expected a finite number.*got the string "x"/);
    assert.match(bad.json.error.expected ?? "", /finite number/);

    const short = await post(server.url, JSON.stringify({ observation: [0, 0, 0] }));
    assert.equal(short.status, 400);
    assert.deepEqual(short.json.error, {
      message: "expected 4 values, got 3",
      path: "observation",
      expected: "an array of 4 finite numbers",
    });

    const outside = await post(server.url, JSON.stringify({ observation: [9, 0, 0, 0] }));
    assert.equal(outside.status, 400);
    assert.equal(outside.json.error.path, "observation[0]");
    assert.equal(outside.json.error.expected, "a finite number in [-4.8, 4.8]");

    for (const body of [
      "",
      "{",
      "[0, 0, 0, 0]",
      "{}",
      '{"obs": [0, 0, 0, 0]}',
      '{"observation": [0, NaN, 0, 0]}',
    ]) {
      const response = await post(server.url, body);
      assert.equal(response.status, 400, body);
      assert.equal(typeof response.json.error.message, "string");
      assert.equal(response.json.error.path, "", body);
      assert.match(response.json.error.expected ?? "", /"observation"/);
    }
  });

  test("an oversized body gets a 413, declared or streamed", async () => {
    const big = JSON.stringify({ observations: Array.from({ length: 1000 }, () => [0, 0, 0, 0]) });
    const declared = await post(server.url, big);
    assert.equal(declared.status, 413);
    assert.match(declared.json.error.message, /larger than 4096 bytes/);

    // Without a Content-Length (chunked), the server counts the bytes as they arrive.
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 3000));
        controller.enqueue(bytes.subarray(3000));
        controller.close();
      },
    });
    const streamed = await post(server.url, stream);
    assert.equal(streamed.status, 413);
  });

  test("unknown routes get a 404 JSON error", async () => {
    for (const [method, path] of [
      ["GET", "/nope"],
      ["GET", "/v1/act"],
      ["POST", "/v1/policy"],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      assert.equal(response.status, 404);
      assert.match((await response.json()).error.message, /no route/);
    }
  });
});

describe("policy server with a token", () => {
  let server: { url: string; close: () => Promise<void> };
  before(async () => {
    server = await listen(createPolicyApp({ policy: deterministicPolicy(policy), token: TOKEN }));
  });
  after(() => server.close());

  test("a missing or wrong bearer token gets a 401; the right one passes; /healthz stays open", async () => {
    const body = JSON.stringify({ observation: [0, 0, 0, 0] });
    const missing = await post(server.url, body);
    assert.equal(missing.status, 401);
    assert.match(missing.json.error.message, /Authorization: Bearer/);
    const wrong = await post(server.url, body, { authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.match(wrong.json.error.message, /wrong/);
    const prefix = await post(server.url, body, { authorization: `Bearer ${TOKEN.slice(0, -1)}` });
    assert.equal(prefix.status, 401);
    const policyInfo = await fetch(`${server.url}/v1/policy`);
    assert.equal(policyInfo.status, 401);
    const right = await post(server.url, body, { authorization: `Bearer ${TOKEN}` });
    assert.equal(right.status, 200);
    assert.deepEqual(right.json, { action: expectedAction([0, 0, 0, 0]) });
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });
});

describe("micro-batching", () => {
  test("50 concurrent requests share actBatch calls, and each gets its own action", async () => {
    const counted = counting();
    const server = await listen(createPolicyApp({ policy: counted, batchWindowMs: 10 }));
    try {
      const inputs = observations(50, 2);
      const answers = await Promise.all(
        inputs.map((observation) => post(server.url, JSON.stringify({ observation }))),
      );
      answers.forEach((answer, i) => {
        assert.equal(answer.status, 200);
        assert.equal(answer.json.action, expectedAction(inputs[i]!));
      });
      assert.equal(
        counted.calls.reduce((a, b) => a + b, 0),
        50,
      );
      assert.ok(counted.calls.length < 50, `${counted.calls.length} actBatch calls for 50 requests`);
    } finally {
      await server.close();
    }
  });

  test("a full batch (maxBatch) does not wait for the window, and close() flushes the queue", async () => {
    const counted = counting();
    const app = createPolicyApp({ policy: counted, batchWindowMs: 60_000, maxBatch: 4 });
    const request = (observation: number[]) =>
      app.request("/v1/act", { method: "POST", body: JSON.stringify({ observation }) });
    const inputs = observations(5, 3);
    const first = await Promise.all(inputs.slice(0, 4).map(request));
    assert.deepEqual(counted.calls, [4]);
    assert.ok(first.every((r) => r.status === 200));
    const pending = request(inputs[4]!);
    await new Promise((r) => setTimeout(r, 20));
    await app.close();
    const last = await pending;
    assert.equal(last.status, 200);
    assert.deepEqual(await last.json(), { action: expectedAction(inputs[4]!) });
    assert.deepEqual(counted.calls, [4, 1]);
    assert.equal((await request(inputs[0]!)).status, 503);
  });
});

test("2,000 requests, 10% malformed: every malformed one gets a 4xx, every valid one its action", async () => {
  const server = await listen(createPolicyApp({ policy: deterministicPolicy(policy) }));
  try {
    const inputs = observations(2000, 4);
    const malformed = [
      () => JSON.stringify({ observation: [0, 0, 0] }), // wrong shape
      () => '{"observation": [0, NaN, 0, 0]}', // a literal NaN token: not JSON
      () => JSON.stringify({ observation: [0, "NaN", 0, 0] }), // NaN as a string
      () => JSON.stringify({ observation: "0,0,0,0" }), // a string
      () => "", // an empty body
      () =>
        JSON.stringify({
          observations: [
            [0, 0, 0, 0],
            [0, 0, 0],
          ],
        }), // a ragged batch
      () => JSON.stringify({ observation: [0, 0, 1e308 * 10, 0] }), // Infinity becomes null
      () => "not json",
    ];
    const requests = inputs.map((observation, i) =>
      i % 10 === 7
        ? { bad: true, body: malformed[((i / 10) % malformed.length) | 0]!() }
        : { bad: false, body: JSON.stringify({ observation }), action: expectedAction(observation) },
    );
    let bad = 0;
    for (let start = 0; start < requests.length; start += 100) {
      const chunk = requests.slice(start, start + 100);
      const answers = await Promise.all(chunk.map((r) => post(server.url, r.body)));
      answers.forEach((answer, j) => {
        const request = chunk[j]!;
        if (request.bad) {
          bad++;
          assert.ok(answer.status >= 400 && answer.status < 500, `${request.body} → ${answer.status}`);
          assert.equal(typeof answer.json.error.message, "string");
        } else {
          assert.equal(answer.status, 200, request.body);
          assert.equal(answer.json.action, request.action, request.body);
        }
      });
    }
    assert.equal(bad, 200);
    const health = await fetch(`${server.url}/healthz`);
    assert.deepEqual(await health.json(), { ok: true });
  } finally {
    await server.close();
  }
});

test("a Discrete observation space takes integers; a Box action space answers arrays", async () => {
  const gridPolicy = await NeuralPolicy.create({
    observationSpace: new Discrete(5),
    actionSpace: new Box(-1, 1, [2]),
    envId: "Toy-v0",
    hidden: [4],
    seed: 1,
  });
  try {
    const app = createPolicyApp({ policy: deterministicPolicy(gridPolicy) });
    const act = async (body: unknown) => {
      const response = await app.request("/v1/act", { method: "POST", body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Reply };
    };
    const one = await act({ observation: 3 });
    assert.equal(one.status, 200);
    assert.deepEqual(one.json.action, Array.from(gridPolicy.act(3, { deterministic: true }) as Float32Array));
    const many = await act({ observations: [0, 4] });
    assert.equal(many.json.actions?.length, 2);
    const outside = await act({ observations: [0, 5] });
    assert.equal(outside.status, 400);
    assert.equal(outside.json.error.path, "observations[1]");
    assert.equal(outside.json.error.expected, "an integer from 0 to 4");
    assert.equal((await act({ observation: 1.5 })).status, 400);
    await app.close();
  } finally {
    gridPolicy.dispose();
  }
});

describe("mimic serve", () => {
  const dir = mkdtempSync(join(tmpdir(), "mimic-serve-"));
  const mimic = join(repoRoot, "bin", "mimic.js");
  before(() => policy.save(join(dir, "policy")));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a --port that is not a port number exits 2", () => {
    for (const port of ["http", "70000", "-1"]) {
      const result = spawnSync(process.execPath, [mimic, "serve", "--policy", dir, "--port", port], {
        encoding: "utf8",
      });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /--port/);
    }
  });

  test("serves on loopback and shuts down gracefully on SIGTERM", async () => {
    const child = spawn(process.execPath, [mimic, "serve", "--policy", dir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += chunk;
          const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (match) resolve(match[0]);
        });
        child.on("exit", () => reject(new Error(`mimic serve exited early: ${stderr}`)));
      });
      const answer = await post(url, JSON.stringify({ observation: [0.01, 0, 0.02, 0] }));
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { action: expectedAction([0.01, 0, 0.02, 0]) });

      child.kill("SIGTERM");
      const code = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r("timeout"), 5000).unref()),
      ]);
      assert.equal(code, 0, stderr);
      await assert.rejects(fetch(`${url}/healthz`));
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
