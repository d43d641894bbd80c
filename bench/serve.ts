/**
 * `npm run bench -- serve`: the policy server under load.
 *
 * autocannon drives 50 connections for 5 s at `POST /v1/act` with one CartPole observation per
 * request (a 64×64 policy, micro-batched), and, as the baseline in the same run, at `GET /healthz`
 * (the same app and adapter, no body parsing and no policy work). It prints requests/s and
 * p50/p99 latency for both and the ratio. autocannon runs in the server's own process, so both
 * numbers share one core with the load generator; compare the ratio rather than the absolutes.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import autocannon from "autocannon";
import { make } from "../src/index.js";
import { NeuralPolicy } from "../src/nn/policy.js";
import { createPolicyApp, deterministicPolicy } from "../src/serve/app.js";
import { machineReport, printTable } from "./harness.js";

const CONNECTIONS = 50;
const SECONDS = 5;

function load(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
}

export async function benchServe(): Promise<void> {
  console.log(`\n== serve: POST /v1/act under load (${CONNECTIONS} connections, ${SECONDS} s each) ==`);
  console.log(machineReport());
  const env = make("CartPole-v1");
  const policy = await NeuralPolicy.create({
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    envId: "CartPole-v1",
    hidden: [64, 64],
    seed: 0,
  });
  let calls = 0;
  const servable = deterministicPolicy(policy);
  const app = createPolicyApp({
    policy: {
      ...servable,
      actBatch: (observations, count) => {
        calls++;
        return servable.actBatch(observations, count);
      },
    },
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const actRequest = {
    method: "POST" as const,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ observation: [0.0273956, -0.00611216, 0.03585979, 0.0197368] }),
  };
  try {
    await load({ url: `${url}/healthz`, duration: 1 }); // warm-up: JIT, sockets
    await load({ url: `${url}/v1/act`, duration: 1, ...actRequest });
    const baseline = await load({ url: `${url}/healthz` });
    calls = 0;
    const act = await load({ url: `${url}/v1/act`, ...actRequest });
    const row = (name: string, r: autocannon.Result) => [
      name,
      r.requests.average.toFixed(0),
      `${r.latency.p50} ms`,
      `${r.latency.p99} ms`,
      String(r.non2xx + r.errors),
    ];
    printTable(
      ["endpoint", "requests/s", "p50", "p99", "errors"],
      [row("GET /healthz (baseline)", baseline), row("POST /v1/act", act)],
    );
    console.log(
      `POST /v1/act runs at ${(act.requests.average / baseline.requests.average).toFixed(2)}× the baseline's rate; ` +
        `${act.requests.total} requests shared ${calls} actBatch calls (${(act.requests.total / Math.max(calls, 1)).toFixed(1)} per call).`,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
    policy.dispose();
  }
}
