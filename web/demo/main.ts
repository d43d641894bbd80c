/**
 * The browser demo: CartPole-v1 (mimic's exact port) and a compiled policy, both in the page,
 * drawn on a canvas. Bundled by scripts/build-demo.mjs into dist/demo/demo.js.
 * The page reads `?policy=<url>` (default `policy.json`, as written by `mimic export --format json`)
 * and `?seed=<n>` (default 0).
 */
import { rngFromSeed } from "../../src/core/rng.js";
import { CartPoleKernel } from "../../src/envs/classic/cartpole.js";
import { type CompiledPolicyJson, compiledPolicyFromJSON } from "../../src/nn/compile.js";

const params = new URLSearchParams(location.search);
const policyUrl = params.get("policy") ?? "policy.json";
const seed = Number(params.get("seed") ?? 0);
const $ = (id: string) => document.getElementById(id)!;
const canvas = $("view") as HTMLCanvasElement;
const ctx = canvas.getContext("2d")!;

const kernel = new CartPoleKernel();
const state = new Float64Array(kernel.stateSize);
const obs = new Float32Array(kernel.obsSize);
const out = { rewards: new Float64Array(1), terminations: new Uint8Array(1) };
const action = new Float64Array(1);
const maxSteps = 500;

function draw(): void {
  const { width, height } = canvas;
  const scale = width / 4.8; // the track spans ±2.4 m
  const cartX = width / 2 + state[0]! * scale;
  const cartY = height * 0.7;
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = "#8a94a6";
  ctx.beginPath();
  ctx.moveTo(0, cartY + 15);
  ctx.lineTo(width, cartY + 15);
  ctx.stroke();
  ctx.fillStyle = "#1d2330";
  ctx.fillRect(cartX - 25, cartY - 15, 50, 30);
  const poleLength = 1.0 * scale; // twice the half-length of 0.5 m
  const theta = state[2]!;
  ctx.strokeStyle = "#ca9865";
  ctx.lineWidth = 10;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(cartX, cartY - 8);
  ctx.lineTo(cartX + Math.sin(theta) * poleLength, cartY - 8 - Math.cos(theta) * poleLength);
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.fillStyle = "#8184cb";
  ctx.beginPath();
  ctx.arc(cartX, cartY - 8, 5, 0, 2 * Math.PI);
  ctx.fill();
}

async function main(): Promise<void> {
  const response = await fetch(policyUrl);
  if (!response.ok) throw new Error(`could not load ${policyUrl}: HTTP ${response.status}`);
  const policy = compiledPolicyFromJSON((await response.json()) as CompiledPolicyJson);
  if (policy.envId !== "CartPole-v1")
    throw new Error(`this demo runs CartPole-v1; the policy is for ${policy.envId}`);
  let episode = 0;
  const run = () => {
    const rng = rngFromSeed(seed + episode);
    kernel.reset(state, 0, rng, undefined);
    kernel.observe(state, 0, obs, 0);
    let steps = 0;
    let total = 0;
    $("status").textContent = "running";
    const tick = () => {
      const batch = ($("fast") as HTMLInputElement).checked ? 50 : 1;
      for (let b = 0; b < batch; b++) {
        action[0] = policy.act(obs) as number;
        kernel.step(state, 0, action, 0, out, 0);
        kernel.observe(state, 0, obs, 0);
        steps += 1;
        total += out.rewards[0]!;
        if (out.terminations[0] === 1 || steps >= maxSteps) {
          $("status").textContent = out.terminations[0] === 1 ? "fell" : "balanced to the end";
          document.body.dataset.done = "true";
          break;
        }
      }
      $("steps").textContent = String(steps);
      $("return").textContent = String(total);
      draw();
      if (document.body.dataset.done !== "true") requestAnimationFrame(tick);
    };
    document.body.dataset.done = "false";
    requestAnimationFrame(tick);
  };
  $("restart").addEventListener("click", () => {
    episode += 1;
    run();
  });
  run();
}

main().catch((error: Error) => {
  $("status").textContent = "error";
  $("error").textContent = error.message;
  document.body.dataset.done = "error";
});
