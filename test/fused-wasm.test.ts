/**
 * The fused engine's WebAssembly SIMD kernels against the TypeScript reference kernels and tfjs:
 * the committed module is what `assembly/kernels.ts` compiles to, every kernel agrees with its
 * reference on shapes that reach every register-blocking path, Adam's update is bit-identical,
 * memory growth keeps views valid, and the batch-1 forward agrees with the batched one.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import fc from "fast-check";
import "./helpers/engine-env.js";
import { ShapeMismatchError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import { initEngine, tf } from "../src/nn/engine.js";
import { FusedAdam } from "../src/nn/fused/adam.js";
import { Arena, fusedEngineAvailable, fusedKernelsFma, initFusedEngine } from "../src/nn/fused/arena.js";
import { FusedForward } from "../src/nn/fused/forward.js";
import { Epilogue, ppoCategoricalIoSize } from "../src/nn/fused/kernels-ts.js";
import { kernelsFmaWasmBase64, kernelsWasmBase64 } from "../src/nn/fused/kernels-wasm.js";
import {
  CategoricalScratch,
  categoricalNll,
  createLossStats,
  ppoCategorical,
} from "../src/nn/fused/losses.js";
import { FusedMlp } from "../src/nn/fused/mlp.js";
import { createFusedTrainer, NonFiniteGradientError } from "../src/nn/fused/trainer.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

before(async () => {
  await initEngine();
});

function uniforms(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = rngFromSeed(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

function randomWeights(sizes: number[], seed: number, spread = 1): Float32Array[] {
  const weights: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const s = spread / Math.sqrt(sizes[l]!);
    weights.push(
      uniforms(sizes[l]! * sizes[l + 1]!, seed + 2 * l, -s, s),
      uniforms(sizes[l + 1]!, seed + 2 * l + 1),
    );
  }
  return weights;
}

function flat(weights: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(weights.reduce((s, w) => s + w.length, 0));
  let o = 0;
  for (const w of weights) {
    out.set(w, o);
    o += w.length;
  }
  return out;
}

/** max |a − b| ≤ tol · max |b| over `[from, to)` (relative to the tensor's scale). */
function assertNear(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  tol: number,
  what: string,
  from = 0,
  to = b.length,
) {
  let scale = 0;
  let err = 0;
  for (let i = from; i < to; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  if (!(err <= tol * scale + 1e-12)) assert.fail(`${what}: max error ${err} vs scale ${scale}`);
}

/** float32 `a·b + c` rounded once (a fused multiply-add), from float32 inputs. */
function fmaf32(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands fit float64's 53
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb); // s + err = p + c exactly (TwoSum)
  const r = Math.fround(s);
  if (err === 0 || r === s) return r;
  // Rounding s to float32 errs only when s is exactly halfway between two float32s: then the
  // exact sum lies on err's side.
  const other = 2 * s - r;
  if (Math.fround(other) !== other) return r;
  return err > 0 ? Math.max(r, other) : Math.min(r, other);
}

/**
 * `gemm`'s float32 result, element by element: each product and sum rounded to float32 in the
 * order of k (`fused`: each multiply-add rounded once), then the epilogue (none, relu, tanh's
 * derivative or relu's) in float32.
 */
function gemmReference(
  a: Float32Array,
  b: Float32Array,
  bias: Float32Array | null,
  gate: Float32Array,
  m: number,
  k: number,
  n: number,
  act: number,
  fused: boolean,
): Float32Array {
  const f = Math.fround;
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias === null ? 0 : bias[j]!;
      for (let p = 0; p < k; p++) {
        s = fused ? fmaf32(a[i * k + p]!, b[p * n + j]!, s) : f(s + f(a[i * k + p]! * b[p * n + j]!));
      }
      const y = gate[i * n + j]!;
      if (act === Epilogue.relu) s = Math.max(s, 0);
      else if (act === Epilogue.tanhGrad) s = f(s * f(1 - f(y * y)));
      else if (act === Epilogue.reluGrad) s = y > 0 ? s : 0;
      c[i * n + j] = s;
    }
  }
  return c;
}

/** The same bits, except that +0 and −0 count as equal. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string) {
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i]!;
    const y = expected[i]!;
    if (!(Object.is(x, y) || (x === 0 && y === 0)))
      assert.fail(`${what}: element ${i} is ${x}, expected ${y}`);
  }
}

describe("the WebAssembly module", () => {
  test("src/nn/fused/kernels-wasm.ts is what assembly/kernels.ts compiles to", () => {
    // Throws (exit status 1, with the reason on stderr) when the committed bytes are stale.
    execFileSync(process.execPath, [join(root, "scripts", "build-wasm.mjs"), "--check"], { stdio: "pipe" });
  });

  test("an esbuild browser bundle carries it: FusedForward runs on wasm with only browser globals", async () => {
    const { build } = await import("esbuild");
    const bundle = await build({
      stdin: {
        contents: `
          import { initFusedEngine } from "./src/nn/fused/arena.ts";
          import { FusedForward } from "./src/nn/fused/forward.ts";
          globalThis.run = async () => {
            const engine = await initFusedEngine();
            const w = [new Float32Array(16).fill(0.25), new Float32Array(8), new Float32Array(16).fill(0.5), new Float32Array(2)];
            const net = new FusedForward({ sizes: [2, 8, 2], activation: "tanh" }, w);
            return { engine, backend: net.backend, out: Array.from(net.run([1, 2])) };
          };`,
        resolveDir: root,
        loader: "ts",
      },
      bundle: true,
      platform: "browser",
      format: "iife",
      write: false,
      logLevel: "silent",
    });
    // A fresh realm with the globals a browser page has that the engine uses, and no Node APIs.
    const page = createContext({ WebAssembly, atob });
    runInContext(bundle.outputFiles[0]!.text, page);
    const result = (await runInContext("run()", page)) as { engine: string; backend: string; out: number[] };
    assert.equal(result.engine, "wasm");
    assert.equal(result.backend, "wasm");
    // Each hidden unit: tanh(0.25 · (1 + 2)); each output: 8 · 0.5 · that.
    const expected = 8 * 0.5 * Math.tanh(0.75);
    for (const y of result.out) assert.ok(Math.abs(y - expected) < 1e-5, `output ${y} vs ${expected}`);
  });

  test("Node runs it (SIMD is available), and an auto arena picks it", async () => {
    assert.equal(await initFusedEngine(), "wasm");
    assert.equal(fusedEngineAvailable(), "wasm");
    assert.equal(new Arena().backend, "wasm");
    assert.equal(new Arena("ts").backend, "ts");
  });

  test("this runtime fuses gemm's multiply-adds (relaxed SIMD, set up by the engine on Node 20)", () => {
    // Node 20 on x86-64 with FMA (this project's machines): the engine turns relaxed SIMD on and
    // its probe sees one rounding. MIMIC_FMA=0 keeps the plain kernels (helpers/engine-env.ts).
    assert.equal(fusedKernelsFma(), process.env.MIMIC_FMA !== "0");
  });

  test("both builds of gemm, plain and FMA: their own float32 rounding bit for bit, tails of n mod 8 included, and no read or write past the matrices", () => {
    const builds = [{ fused: false, base64: kernelsWasmBase64 }];
    // The FMA build validates only where relaxed SIMD is on (the engine set it up above).
    if (fusedKernelsFma()) builds.push({ fused: true, base64: kernelsFmaWasmBase64 });
    const modules = builds.map(({ fused, base64 }) => ({
      fused,
      module: new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0))),
    }));
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 9 }),
          k: fc.integer({ min: 1, max: 24 }),
          n: fc.integer({ min: 1, max: 19 }),
          transposed: fc.boolean(),
          bias: fc.boolean(),
          act: fc.constantFrom(Epilogue.none, Epilogue.relu, Epilogue.tanhGrad, Epilogue.reluGrad),
          last: fc.constantFrom("a", "b", "bias", "c", "gate"),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ m, k, n, transposed, bias, act, last, seed }) => {
          const a = uniforms(m * k, seed, -2, 2);
          const b = uniforms(k * n, seed + 1, -2, 2);
          const bv = uniforms(n, seed + 2);
          const gate = uniforms(m * n, seed + 3);
          for (const { fused, module } of modules) {
            const e = new WebAssembly.Instance(module, {}).exports as unknown as {
              memory: WebAssembly.Memory;
              gemm(...args: number[]): void;
            };
            // One matrix ends at the last byte of memory, so any read or write past it traps.
            const end = e.memory.buffer.byteLength;
            const sizes = { a: m * k, b: k * n, bias: n, c: m * n, gate: m * n };
            const at: Record<string, number> = {};
            let top = end - 4 * sizes[last];
            at[last] = top;
            for (const name of ["a", "b", "bias", "c", "gate"] as const) {
              if (name === last) continue;
              top -= 4 * sizes[name] + 64;
              at[name] = top;
            }
            const heap = new Float32Array(e.memory.buffer);
            const stored = transposed
              ? Float32Array.from({ length: m * k }, (_, j) => a[(j % m) * k + Math.floor(j / m)]!)
              : a;
            heap.set(stored, at.a! / 4);
            heap.set(b, at.b! / 4);
            heap.set(bv, at.bias! / 4);
            heap.set(gate, at.gate! / 4);
            e.gemm(
              at.a!,
              transposed ? 1 : k,
              transposed ? m : 1,
              at.b!,
              n,
              bias ? at.bias! : 0,
              at.c!,
              n,
              at.gate!,
              m,
              k,
              n,
              act,
            );
            const expected = gemmReference(a, b, bias ? bv : null, gate, m, k, n, act, fused);
            assertSameBits(
              heap.slice(at.c! / 4, at.c! / 4 + m * n),
              expected,
              `${fused ? "FMA" : "plain"} gemm ${m}×${k}×${n} act ${act}`,
            );
          }
        },
      ),
      { numRuns: 150, seed: 12, includeErrorInReport: true },
    );
  });
});

describe("wasm kernels equal the TypeScript reference", () => {
  test("gruGatesBackward: full and partial lane groups, with and without dy", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 5 }),
          h: fc.integer({ min: 1, max: 19 }),
          withDy: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, h, withDy, seed }) => {
          const gRow = 2 * 3 * h;
          const cache = uniforms(rows * 8 * h, seed, 0, 1);
          const prev = uniforms(rows * 2 * h, seed + 1);
          const dh = uniforms(rows * h, seed + 2);
          const dy = uniforms(rows * 2 * h, seed + 3);
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine);
            const [pc, pp, pd, py, pi, pg] = [
              cache.length,
              prev.length,
              dh.length,
              dy.length,
              rows * gRow,
              rows * gRow,
            ].map((size) => arena.alloc(size)) as [number, number, number, number, number, number];
            arena.view(pc, cache.length).set(cache);
            arena.view(pp, prev.length).set(prev);
            arena.view(pd, dh.length).set(dh);
            arena.view(py, dy.length).set(dy);
            arena.kernels.gruGatesBackward(
              pc,
              8 * h,
              pp,
              2 * h,
              pd,
              withDy ? py : 0,
              2 * h,
              pi,
              pg,
              gRow,
              rows,
              h,
            );
            return [arena.view(pd, dh.length), arena.view(pi, rows * gRow), arena.view(pg, rows * gRow)].map(
              (v) => v.slice(),
            );
          });
          const [wasm, ts] = results as [Float32Array[], Float32Array[]];
          // Products of at most five float32 factors: a few ulps apart (wasm rounds each one).
          for (const [i, what] of ["dh", "dgi", "dgh"].entries()) assertNear(wasm[i]!, ts[i]!, 1e-6, what);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("gruGates: full and partial lane groups, strided rows, saturated gates", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 5 }),
          h: fc.integer({ min: 1, max: 19 }),
          spread: fc.constantFrom(1, 4, 30),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, h, spread, seed }) => {
          // gi and hPrev rows strided as the layer reads them (a window of 3 steps, step 1).
          const giRow = 3 * 3 * h;
          const prevRow = 3 * h;
          const gi = uniforms(rows * giRow, seed, -spread, spread);
          const gh = uniforms(rows * 3 * h, seed + 1, -spread, spread);
          const prev = uniforms(rows * prevRow, seed + 2);
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine);
            const [pi, ph, pp, pc, po] = [gi.length, gh.length, prev.length, rows * 8 * h, rows * 2 * h].map(
              (size) => arena.alloc(size),
            ) as [number, number, number, number, number];
            arena.view(pi, gi.length).set(gi);
            arena.view(ph, gh.length).set(gh);
            arena.view(pp, prev.length).set(prev);
            arena.kernels.gruGates(
              pi + 12 * h,
              giRow,
              ph,
              pp + 4 * h,
              prevRow,
              pc,
              8 * h,
              po,
              2 * h,
              rows,
              h,
            );
            return { cache: arena.view(pc, rows * 8 * h).slice(), out: arena.view(po, rows * 2 * h).slice() };
          });
          const [wasm, ts] = results as [(typeof results)[0], (typeof results)[0]];
          // Gates and states lie in [−1, 1]: the error is absolute, a few float32 ulps of 1 (wasm's
          // σ is ½·tanh(x/2) + ½ on the rational tanh), and n's grows with r's error times |gh_n|.
          const tol = 2e-7 * (1 + spread);
          const near = (a: Float32Array, b: Float32Array, from: number, to: number, what: string) => {
            for (let i = from; i < to; i++)
              assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
          };
          for (let r = 0; r < rows; r++) {
            near(wasm.cache, ts.cache, r * 8 * h, r * 8 * h + 3 * h, "cache r, z, n");
            assertNear(wasm.cache, ts.cache, 0, "cache gh_n (a copy)", r * 8 * h + 3 * h, r * 8 * h + 4 * h);
            near(wasm.out, ts.out, r * 2 * h, r * 2 * h + h, "h'");
            // Nothing past each row's h units is written.
            for (const k of [
              ...wasm.cache.subarray(r * 8 * h + 4 * h, (r + 1) * 8 * h),
              ...wasm.out.subarray(r * 2 * h + h, (r + 1) * 2 * h),
            ])
              assert.equal(k, 0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("gemm: every blocking path, plain and transposed A, bias, each epilogue", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 23 }),
          k: fc.integer({ min: 1, max: 40 }),
          n: fc.integer({ min: 1, max: 37 }),
          transposed: fc.boolean(),
          bias: fc.boolean(),
          act: fc.constantFrom(0, 1, 2, 3, 4),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ m, k, n, transposed, bias, act, seed }) => {
          const a = uniforms(m * k, seed, -2, 2);
          const b = uniforms(k * n, seed + 1, -2, 2);
          const bv = uniforms(n, seed + 2);
          const gate = uniforms(m * n, seed + 3);
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine);
            const [pa, pb, pbias, pc, pg] = [m * k, k * n, n, m * n, m * n].map((size) =>
              arena.alloc(size),
            ) as [number, number, number, number, number];
            // A transposed: stored [k, m], read as A(i, p) = stored[p, i].
            const stored = transposed
              ? Float32Array.from({ length: m * k }, (_, j) => a[(j % m) * k + Math.floor(j / m)]!)
              : a;
            arena.view(pa, m * k).set(stored);
            arena.view(pb, k * n).set(b);
            arena.view(pbias, n).set(bv);
            arena.view(pg, m * n).set(gate);
            arena.kernels.gemm(
              pa,
              transposed ? 1 : k,
              transposed ? m : 1,
              pb,
              n,
              bias ? pbias : 0,
              pc,
              n,
              pg,
              m,
              k,
              n,
              act,
            );
            return arena.view(pc, m * n).slice();
          });
          // tanh is a rational fit in the kernels (a few float32 ulps), Math.tanh in the reference.
          assertNear(results[0]!, results[1]!, 1e-5, `gemm ${m}×${k}×${n} act ${act}`);
        },
      ),
      { numRuns: 200, seed: 10, includeErrorInReport: true },
    );
  });

  test("gemm's cache blocks (k > 256, n > 128): float32 sums in order, bit for bit; epilogues once", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 9 }),
          k: fc.integer({ min: 1, max: 700 }),
          n: fc.integer({ min: 1, max: 300 }),
          transposed: fc.boolean(),
          bias: fc.boolean(),
          act: fc.constantFrom(0, 1, 2, 3, 4),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ m, k, n, transposed, bias, act, seed }) => {
          const a = uniforms(m * k, seed, -2, 2);
          const b = uniforms(k * n, seed + 1, -2, 2);
          const bv = uniforms(n, seed + 2);
          const gate = uniforms(m * n, seed + 3);
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine, { threads: false });
            const [pa, pb, pbias, pc, pg] = [m * k, k * n, n, m * n, m * n].map((size) =>
              arena.alloc(size),
            ) as [number, number, number, number, number];
            const stored = transposed
              ? Float32Array.from({ length: m * k }, (_, j) => a[(j % m) * k + Math.floor(j / m)]!)
              : a;
            arena.view(pa, m * k).set(stored);
            arena.view(pb, k * n).set(b);
            arena.view(pbias, n).set(bv);
            arena.view(pg, m * n).set(gate);
            arena.kernels.gemm(
              pa,
              transposed ? 1 : k,
              transposed ? m : 1,
              pb,
              n,
              bias ? pbias : 0,
              pc,
              n,
              pg,
              m,
              k,
              n,
              act,
            );
            return arena.view(pc, m * n).slice();
          });
          // Float32 sums (wasm) against float64 ones (TypeScript): the error grows with k.
          assertNear(results[0]!, results[1]!, Math.max(1e-5, 4e-7 * k), `gemm ${m}×${k}×${n} act ${act}`);
          if (act !== Epilogue.tanh) {
            // The wasm kernel rounds each product and each sum to float32 (or, with FMA, each
            // multiply-add once), in the order of k, whatever its blocks: the same bits as this loop.
            const expected = gemmReference(a, b, bias ? bv : null, gate, m, k, n, act, fusedKernelsFma());
            assertSameBits(results[0]!, expected, `gemm ${m}×${k}×${n} act ${act}`);
          }
        },
      ),
      { numRuns: 60, seed: 11, includeErrorInReport: true },
    );
  });

  test("colSum: float32 sums in row order, bit for bit, across its row blocks and column stripes", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 150 }),
          cols: fc.integer({ min: 1, max: 45 }),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, cols, seed }) => {
          const x = uniforms(rows * cols, seed, -3, 3);
          const arena = new Arena("wasm", { threads: false });
          const src = arena.alloc(rows * cols);
          const dst = arena.alloc(cols);
          arena.view(src, rows * cols).set(x);
          arena.view(dst, cols).fill(Number.NaN);
          arena.kernels.colSum(src, rows, cols, dst);
          const expected = new Float32Array(cols);
          for (let j = 0; j < cols; j++) {
            let s = 0;
            for (let r = 0; r < rows; r++) s = Math.fround(s + x[r * cols + j]!);
            expected[j] = s;
          }
          assertSameBits(arena.view(dst, cols), expected, `colSum ${rows}×${cols}`);
          // The TypeScript kernel sums in float64: within float32 rounding of the same sums.
          const ts = new Arena("ts");
          const tsSrc = ts.alloc(rows * cols);
          const tsDst = ts.alloc(cols);
          ts.view(tsSrc, rows * cols).set(x);
          ts.kernels.colSum(tsSrc, rows, cols, tsDst);
          assertNear(
            arena.view(dst, cols),
            ts.view(tsDst, cols),
            1e-5 * Math.sqrt(rows),
            `colSum ${rows}×${cols}`,
          );
        },
      ),
      { numRuns: 100, seed: 13, includeErrorInReport: true },
    );
  });

  test("activationGrad: relu the same bits on both kernel sets, tanh within float32 rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 67 }),
        fc.constantFrom(Epilogue.tanh, Epilogue.relu),
        fc.integer({ min: 0, max: 1_000_000 }),
        (n, act, seed) => {
          const y = uniforms(n, seed);
          const dy = uniforms(n, seed + 1, -3, 3);
          // Zeros, a NaN and infinities where relu's gate is shut: dy · 0 is NaN for them on both.
          if (n > 3) {
            y[0] = 0;
            y[1] = -1;
            dy[1] = Number.POSITIVE_INFINITY;
            dy[2] = Number.NaN;
          }
          const [wasm, ts] = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine, { threads: false });
            const [py, pdy, pdz] = [n, n, n].map((size) => arena.alloc(size)) as [number, number, number];
            arena.view(py, n).set(y);
            arena.view(pdy, n).set(dy);
            arena.kernels.activationGrad(py, pdy, pdz, n, act);
            return arena.view(pdz, n).slice();
          }) as [Float32Array, Float32Array];
          if (act === Epilogue.relu) assert.deepEqual(wasm, ts);
          else
            for (let i = 0; i < n; i++)
              assert.ok(
                Object.is(wasm[i], ts[i]) || Math.abs(wasm[i]! - ts[i]!) <= 3e-7 * Math.abs(dy[i]!),
                `${i}: ${wasm[i]} vs ${ts[i]}`,
              );
        },
      ),
      { numRuns: 200, seed: 13 },
    );
  });

  test("im2col and col2im: the same bits on both kernel sets, for any geometry", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 11 }),
          w: fc.integer({ min: 1, max: 13 }),
          cin: fc.integer({ min: 1, max: 6 }),
          kh: fc.integer({ min: 1, max: 5 }),
          kw: fc.integer({ min: 1, max: 5 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          pads: fc.tuple(
            fc.integer({ min: 0, max: 2 }),
            fc.integer({ min: 0, max: 2 }),
            fc.integer({ min: 0, max: 2 }),
            fc.integer({ min: 0, max: 2 }),
          ),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, h, w, cin, kh, kw, sh, sw, pads: [top, bottom, left, right], seed }) => {
          fc.pre(kh <= h + top + bottom && kw <= w + left + right);
          const ho = Math.floor((h + top + bottom - kh) / sh) + 1;
          const wo = Math.floor((w + left + right - kw) / sw) + 1;
          const inSize = rows * h * w * cin;
          const colSize = rows * ho * wo * kh * kw * cin;
          const x = uniforms(inSize, seed);
          const d = uniforms(colSize, seed + 1);
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine, { threads: false });
            const [px, pc, pd, pdx] = [inSize, colSize, colSize, inSize].map((size) => arena.alloc(size)) as [
              number,
              number,
              number,
              number,
            ];
            arena.view(px, inSize).set(x);
            arena.view(pc, colSize).fill(Number.NaN);
            arena.view(pd, colSize).set(d);
            arena.view(pdx, inSize).fill(Number.NaN);
            const geometry = [rows, h, w, cin, kh, kw, sh, sw, top, left, ho, wo] as const;
            arena.kernels.im2col(px, ...geometry, pc);
            arena.kernels.col2im(pd, ...geometry, pdx);
            return { cols: arena.view(pc, colSize).slice(), dx: arena.view(pdx, inSize).slice() };
          });
          const [wasm, ts] = results as [(typeof results)[0], (typeof results)[0]];
          assert.deepEqual(wasm.cols, ts.cols);
          assert.deepEqual(wasm.dx, ts.dx);
          // Spot-check the definition: cols[(r, oy, ox), (ky, kx, ci)].
          const field = kh * kw * cin;
          for (let q = 0; q < 20; q++) {
            const i = (seed + q * 7919) % colSize;
            const pixel = Math.floor(i / field);
            const f = i % field;
            const r = Math.floor(pixel / (ho * wo));
            const oy = Math.floor((pixel % (ho * wo)) / wo);
            const ox = pixel % wo;
            const ky = Math.floor(f / (kw * cin));
            const kx = Math.floor((f % (kw * cin)) / cin);
            const ci = f % cin;
            const iy = oy * sh - top + ky;
            const ix = ox * sw - left + kx;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            assert.equal(wasm.cols[i], inside ? x[((r * h + iy) * w + ix) * cin + ci] : 0);
          }
        },
      ),
      { numRuns: 300, seed: 12, includeErrorInReport: true },
    );
  });

  test("conv2dForward and conv2dFilterGrad: im2col then gemm's bits on both builds and on the TypeScript kernels, and each build's float32 rounding", () => {
    const builds = [{ fused: false, base64: kernelsWasmBase64 }];
    if (fusedKernelsFma()) builds.push({ fused: true, base64: kernelsFmaWasmBase64 });
    const modules = builds.map(({ fused, base64 }) => ({
      fused,
      module: new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0))),
    }));
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 10 }),
          w: fc.integer({ min: 1, max: 12 }),
          cin: fc.integer({ min: 1, max: 5 }),
          kh: fc.integer({ min: 1, max: 5 }),
          kw: fc.integer({ min: 1, max: 5 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          cout: fc.integer({ min: 1, max: 19 }),
          bias: fc.boolean(),
          act: fc.constantFrom(Epilogue.none, Epilogue.relu, Epilogue.tanh),
          range: fc.tuple(fc.nat(), fc.nat()),
          last: fc.constantFrom("x", "wts", "bias", "y", "dz", "dw"),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ rows, h, w, cin, kh, kw, sh, sw, cout, bias, act, range, last, seed }) => {
          fc.pre(kh <= h && kw <= w);
          const ho = Math.floor((h - kh) / sh) + 1;
          const wo = Math.floor((w - kw) / sw) + 1;
          const field = kh * kw * cin;
          const pixels = rows * ho * wo;
          // ∂W's rows from … from + count − 1 (any sub-range, empty included).
          const from = range[0] % (field + 1);
          const count = range[1] % (field - from + 1);
          const sizes = {
            x: rows * h * w * cin,
            wts: field * cout,
            bias: cout,
            y: pixels * cout,
            dz: pixels * cout,
            dw: field * cout,
            cols: pixels * field,
            yRef: pixels * cout,
            dwRef: field * cout,
          };
          const x = uniforms(sizes.x, seed, -2, 2);
          const wts = uniforms(sizes.wts, seed + 1, -2, 2);
          const bv = uniforms(cout, seed + 2);
          const dz = uniforms(sizes.dz, seed + 3, -2, 2);
          const geometry = [rows, h, w, cin, kh, kw, sh, sw, ho, wo] as const;
          for (const { fused, module } of modules) {
            const e = new WebAssembly.Instance(module, {}).exports as unknown as {
              memory: WebAssembly.Memory;
              heapBase(): number;
              im2col(...args: number[]): void;
              gemm(...args: number[]): void;
              conv2dForward(...args: number[]): void;
              conv2dFilterGrad(...args: number[]): void;
            };
            const total = Object.values(sizes).reduce((t, n) => t + 4 * n + 64, e.heapBase() + 64);
            const have = e.memory.buffer.byteLength;
            if (total > have) e.memory.grow(Math.ceil((total - have) / 65536));
            // One array ends at the last byte of memory, so any read or write past it traps.
            const end = e.memory.buffer.byteLength;
            const at: Record<string, number> = {};
            let top = end - 4 * sizes[last];
            at[last] = top;
            for (const name of Object.keys(sizes) as (keyof typeof sizes)[]) {
              if (name === last) continue;
              top -= 4 * sizes[name] + 64;
              at[name] = top;
            }
            const heap = new Float32Array(e.memory.buffer);
            heap.set(x, at.x! / 4);
            heap.set(wts, at.wts! / 4);
            heap.set(bv, at.bias! / 4);
            heap.set(dz, at.dz! / 4);
            const biasPtr = bias ? at.bias! : 0;
            e.im2col(at.x!, rows, h, w, cin, kh, kw, sh, sw, 0, 0, ho, wo, at.cols!);
            e.gemm(at.cols!, field, 1, at.wts!, cout, biasPtr, at.yRef!, cout, 0, pixels, field, cout, act);
            e.gemm(
              at.cols!,
              1,
              field,
              at.dz!,
              cout,
              0,
              at.dwRef!,
              cout,
              0,
              field,
              pixels,
              cout,
              Epilogue.none,
            );
            e.conv2dForward(at.x!, ...geometry, at.wts!, biasPtr, at.y!, cout, act);
            e.conv2dFilterGrad(at.x!, ...geometry, at.dz!, cout, at.dw!, from, count);
            const what = `${fused ? "FMA" : "plain"} conv [${h}, ${w}, ${cin}] ${kh}×${kw}/${sh},${sw} → ${cout}`;
            const view = (name: string, n: number) => heap.slice(at[name]! / 4, at[name]! / 4 + n);
            const y = view("y", sizes.y);
            assertSameBits(y, view("yRef", sizes.y), `${what}: forward against im2col + gemm`);
            const dw = view("dw", sizes.dw);
            assertSameBits(
              dw.subarray(from * cout, (from + count) * cout),
              view("dwRef", sizes.dw).subarray(from * cout, (from + count) * cout),
              `${what}: ∂W rows ${from}…${from + count - 1} against gemm on im2col's matrix`,
            );
            assert.ok(
              dw.subarray(0, from * cout).every((v) => v === 0) &&
                dw.subarray((from + count) * cout).every((v) => v === 0),
              `${what}: ∂W wrote outside rows ${from}…${from + count - 1}`,
            );
            // Against the build's own float32 rounding (the reference gemm has no tanh).
            const cols = view("cols", sizes.cols);
            if (act !== Epilogue.tanh) {
              const zeros = new Float32Array(sizes.y);
              const ref = gemmReference(cols, wts, bias ? bv : null, zeros, pixels, field, cout, act, fused);
              assertSameBits(y, ref, `${what}: forward against the float32 reference`);
            }
            const colsT = Float32Array.from(
              { length: sizes.cols },
              (_, i) => cols[(i % pixels) * field + Math.floor(i / pixels)]!,
            );
            const dwRef = gemmReference(
              colsT,
              dz,
              null,
              new Float32Array(sizes.dw),
              field,
              pixels,
              cout,
              Epilogue.none,
              fused,
            );
            assertSameBits(
              dw.subarray(from * cout, (from + count) * cout),
              dwRef.subarray(from * cout, (from + count) * cout),
              `${what}: ∂W against the float32 reference`,
            );
          }
          // The TypeScript kernels: the same numbers as their own im2col then gemm.
          const arena = new Arena("ts");
          const p = Object.fromEntries(Object.entries(sizes).map(([name, n]) => [name, arena.alloc(n)]));
          arena.view(p.x!, sizes.x).set(x);
          arena.view(p.wts!, sizes.wts).set(wts);
          arena.view(p.bias!, cout).set(bv);
          arena.view(p.dz!, sizes.dz).set(dz);
          const k = arena.kernels;
          const biasPtr = bias ? p.bias! : 0;
          k.im2col(p.x!, rows, h, w, cin, kh, kw, sh, sw, 0, 0, ho, wo, p.cols!);
          k.gemm(p.cols!, field, 1, p.wts!, cout, biasPtr, p.yRef!, cout, 0, pixels, field, cout, act);
          k.gemm(p.cols!, 1, field, p.dz!, cout, 0, p.dwRef!, cout, 0, field, pixels, cout, Epilogue.none);
          k.conv2dForward(p.x!, ...geometry, p.wts!, biasPtr, p.y!, cout, act);
          k.conv2dFilterGrad(p.x!, ...geometry, p.dz!, cout, p.dw!, from, count);
          assertSameBits(arena.view(p.y!, sizes.y), arena.view(p.yRef!, sizes.y), "TypeScript forward");
          assertSameBits(
            arena.view(p.dw!, sizes.dw).subarray(from * cout, (from + count) * cout),
            arena.view(p.dwRef!, sizes.dw).subarray(from * cout, (from + count) * cout),
            "TypeScript ∂W",
          );
        },
      ),
      { numRuns: 200, seed: 13, includeErrorInReport: true },
    );
  });

  test("flagNonFinite: sets the flag exactly when a NaN or ±Inf is there (any position, lane tails included), never clears it", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 0, max: 40 }),
          bad: fc.option(fc.tuple(fc.nat(), fc.constantFrom(Number.NaN, Infinity, -Infinity))),
          preset: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ n, bad, preset, seed }) => {
          const x = uniforms(n, seed, -3e38, 3e38);
          if (bad !== null && n > 0) x[bad[0] % n] = bad[1];
          const expected = preset || (bad !== null && n > 0) ? 1 : 0;
          for (const engine of ["wasm", "ts"] as const) {
            const arena = new Arena(engine, { threads: false });
            const px = arena.alloc(n);
            const flag = arena.typedSlot(Int32Array, 1);
            arena.view(px, n).set(x);
            flag.array[0] = preset ? 1 : 0;
            arena.kernels.flagNonFinite(px, n, flag.ptr);
            assert.equal(flag.array[0], expected, `${engine} n ${n} bad ${bad}`);
          }
        },
      ),
      { numRuns: 200, seed: 15, includeErrorInReport: true },
    );
  });

  test("lookupBytes: the same floats on both kernel sets, each the table's entry for its channel and byte", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 0, max: 70 }),
          channels: fc.integer({ min: 1, max: 5 }),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ n, channels, seed }) => {
          const rng = rngFromSeed(seed);
          const bytes = Uint8Array.from({ length: n * channels }, () => rng.integers(256));
          const table = uniforms(256 * channels, seed + 1);
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine, { threads: false });
            const src = arena.alloc(Math.ceil((n * channels) / 4));
            const t = arena.alloc(256 * channels);
            const out = arena.alloc(n * channels + 1);
            new Uint8Array(arena.buffer, src, n * channels).set(bytes);
            arena.view(t, 256 * channels).set(table);
            arena.view(out, n * channels + 1).fill(Number.NaN);
            arena.kernels.lookupBytes(src, n, channels, t, out);
            return arena.view(out, n * channels + 1).slice();
          });
          assert.deepEqual(results[0], results[1]);
          const out = results[0]!;
          for (let i = 0; i < n * channels; i++)
            assert.equal(out[i], table[256 * (i % channels) + bytes[i]!]);
          assert.ok(Number.isNaN(out[n * channels]), "nothing written past the last pixel");
        },
      ),
      { numRuns: 100, seed: 14, includeErrorInReport: true },
    );
  });

  test("the SIMD tanh stays within 3e-7 of Math.tanh on [−12, 12], and passes NaN through", () => {
    const n = 4801;
    const x = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
    const arena = new Arena("wasm");
    const px = arena.alloc(n);
    const one = arena.alloc(1);
    const out = arena.alloc(n);
    arena.view(px, n).set(x);
    arena.view(one, 1)[0] = 1;
    // C[n, 1] = tanh(x · 1)
    arena.kernels.gemm(px, 1, 1, one, 1, 0, out, 1, 0, n, 1, 1, Epilogue.tanh);
    const y = arena.view(out, n);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - Math.tanh(x[i]!)));
    assert.ok(worst < 3e-7, `max |tanh error| ${worst}`);
    arena.view(px, 4).set([Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
    arena.kernels.gemm(px, 1, 1, one, 1, 0, out, 1, 0, 4, 1, 1, Epilogue.tanh);
    assert.ok(arena.view(out, 4).every(Number.isNaN));
  });

  test("Adam: the same bits on both kernel sets, and as the scalar rule", () => {
    const sizes = [37, 5, 64];
    const total = 106;
    const start = uniforms(total, 1);
    const adams = (["wasm", "ts"] as const).map(
      (engine) => new FusedAdam(sizes, { learningRate: 3e-3 }, engine),
    );
    const params = adams.map(() => start.slice());
    // The scalar rule of src/nn/fused/adam.ts, written out.
    const f = Math.fround;
    const w = start.slice();
    const m = new Float32Array(total);
    const v = new Float32Array(total);
    for (let t = 1; t <= 7; t++) {
      const g = uniforms(total, 100 + t, -3, 3);
      adams.forEach((adam, i) => {
        adam.update(params[i]!, g);
      });
      const step = f(-3e-3 / (1 - 0.9 ** t));
      const corr = f(Math.sqrt(1 - 0.999 ** t));
      for (let i = 0; i < total; i++) {
        m[i] = f(f(m[i]! * f(0.9)) + f(g[i]! * f(1 - 0.9)));
        v[i] = f(f(v[i]! * f(0.999)) + f(f(g[i]! * g[i]!) * f(1 - 0.999)));
        w[i] = w[i]! + f(f(m[i]! / f(f(f(Math.sqrt(v[i]!)) / corr) + f(1e-8))) * step);
      }
    }
    assert.deepEqual(params[0], w);
    assert.deepEqual(params[1], w);
    assert.deepEqual(adams[0]!.m, m);
    assert.deepEqual(adams[0]!.getState(), adams[1]!.getState());
  });

  test("ppoCategorical: the compiled clipped surrogate equals losses.ts's on drawn batches", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom(0, 0.01, 0.5),
        (rows, n, seed, entropyWeight) => {
          const rng = rngFromSeed(seed);
          const logits = uniforms(rows * n, seed, -6, 6);
          // Some ties, so the max-logit shortcut (e^0 = 1) is taken on more than one logit.
          if (n > 1 && rows > 1) logits[n] = logits[n + 1]!;
          const actions = Int32Array.from({ length: rows }, () => rng.integers(n));
          const oldLogProbs = Float64Array.from({ length: rows }, () => rng.uniform(-3, 0));
          const advantages = Float64Array.from({ length: rows }, () => rng.normal());
          const results = (["wasm", "ts"] as const).map((engine) => {
            const arena = new Arena(engine);
            const slots = {
              logits: arena.slot(rows * n),
              grad: arena.slot(rows * n),
              actions: arena.typedSlot(Int32Array, rows),
              old: arena.typedSlot(Float64Array, rows),
              adv: arena.typedSlot(Float64Array, rows),
              io: arena.typedSlot(Float64Array, ppoCategoricalIoSize(n)),
            };
            slots.logits.array.set(logits);
            slots.actions.array.set(actions);
            slots.old.array.set(oldLogProbs);
            slots.adv.array.set(advantages);
            slots.io.array.set([0.2, entropyWeight]);
            arena.kernels.ppoCategorical(
              slots.logits.ptr,
              rows,
              n,
              slots.actions.ptr,
              slots.old.ptr,
              slots.adv.ptr,
              slots.grad.ptr,
              slots.io.ptr,
            );
            return { grad: slots.grad.array.slice(), out: slots.io.array.slice(2, 6) };
          });
          // The TypeScript kernel is losses.ts's function itself.
          const reference = createLossStats();
          const grad = new Float32Array(rows * n);
          ppoCategorical(
            logits,
            rows,
            actions,
            oldLogProbs,
            advantages,
            0.2,
            entropyWeight,
            new CategoricalScratch([n]),
            grad,
            reference,
          );
          const [wasm, ts] = results;
          assert.deepEqual(ts!.grad, grad);
          assert.deepEqual(Array.from(ts!.out), [
            reference.policyLoss,
            reference.entropy,
            reference.approxKl,
            reference.clipFraction,
          ]);
          // musl's exp and log against V8's: within an ulp or two in float64, so float32 gradients
          // agree to float32 rounding and the statistics to about 1e-15.
          assertNear(wasm!.grad, grad, 1e-6, "gradient");
          assertNear(wasm!.out, ts!.out, 1e-13, "policy loss, entropy, KL, clipped fraction");
          assert.equal(wasm!.out[3], ts!.out[3], "clipped fraction");
        },
      ),
      { numRuns: 150 },
    );
  });

  test("MLP gradients: wasm = TypeScript = tfjs on shapes that reach every blocking path", () => {
    fc.assert(
      fc.property(
        fc.record({
          inputs: fc.integer({ min: 1, max: 20 }),
          hidden: fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 3 }),
          outputs: fc.integer({ min: 2, max: 9 }),
          batch: fc.integer({ min: 1, max: 37 }),
          act: fc.constantFrom("tanh" as const, "relu" as const),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ inputs, hidden, outputs, batch, act, seed }) => {
          const sizes = [inputs, ...hidden, outputs];
          const weights = randomWeights(sizes, seed, 1.5);
          const x = uniforms(batch * inputs, seed + 9, -2, 2);
          const rng = rngFromSeed(seed + 7);
          const actions = Int32Array.from({ length: batch }, () => rng.integers(outputs));
          const grads = (["wasm", "ts"] as const).map((engine) => {
            const mlp = new FusedMlp({ sizes, activation: act }, batch, { engine });
            mlp.input.set(x);
            const params = flat(weights);
            const g = new Float32Array(mlp.parameterCount);
            const out = mlp.forward(params, batch);
            categoricalNll(
              out,
              batch,
              actions,
              0.01,
              new CategoricalScratch([outputs]),
              mlp.outputGrad,
              createLossStats(),
            );
            mlp.backward(params, batch, g, true);
            return { g, dx: mlp.inputGrad.slice(0, batch * inputs) };
          });
          const vars = weights.map((w, i) =>
            tf.variable(tf.tensor(w, i % 2 === 0 ? [sizes[i / 2]!, sizes[i / 2 + 1]!] : [w.length]), true),
          );
          const xt = tf.variable(tf.tensor2d(x, [batch, inputs]), true);
          const { value, grads: ref } = tf.variableGrads(() => {
            let h: tf.Tensor2D = xt;
            for (let l = 0; l + 1 < sizes.length; l++) {
              h = tf.add(tf.matMul(h, vars[2 * l] as tf.Tensor2D), vars[2 * l + 1]!);
              if (l + 2 < sizes.length) h = act === "tanh" ? tf.tanh(h) : tf.relu(h);
            }
            const logP = tf.logSoftmax(h);
            const nll = tf.neg(
              tf.mean(tf.sum(tf.mul(logP, tf.oneHot(tf.tensor1d(actions, "int32"), outputs)), 1)),
            );
            const ent = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), 1)));
            return tf.sub(nll, tf.mul(ent, 0.01)) as tf.Scalar;
          });
          const what = `${JSON.stringify(sizes)} ${act} batch ${batch}`;
          // Norm-wise: relative to the gradient's largest entry. Two float32 sums in different
          // orders differ by rounding of their terms, not of a (possibly cancelling) total.
          const reference = flat(vars.map((v) => ref[v.name]!.dataSync() as Float32Array));
          assertNear(grads[0]!.g, grads[1]!.g, 1e-5, `${what} wasm vs ts`);
          assertNear(grads[0]!.g, reference, 1e-5, `${what} wasm vs tfjs`);
          assertNear(grads[0]!.dx, ref[xt.name]!.dataSync(), 1e-5, `${what} input gradient vs tfjs`);
          value.dispose();
          for (const g of Object.values(ref)) g.dispose();
          for (const v of [...vars, xt]) v.dispose();
        },
      ),
      { numRuns: 40, seed: 11, includeErrorInReport: true },
    );
  });
});

describe("arena growth", () => {
  test("views re-derive after the memory grows; a network in a shared arena keeps computing", () => {
    const arena = new Arena("wasm", { threads: false });
    const slot = arena.slot(8);
    slot.array.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const before = slot.array;
    const generation = arena.generation;
    arena.alloc(200_000); // more than the first page: grows and detaches
    assert.ok(arena.generation > generation);
    assert.equal(before.length, 0, "the old view is detached");
    assert.deepEqual(Array.from(slot.array), [1, 2, 3, 4, 5, 6, 7, 8]);

    const sizes = [3, 16, 2];
    const mlp = new FusedMlp({ sizes, activation: "tanh" }, 2, { arena });
    const params = arena.slot(mlp.parameterCount);
    params.array.set(flat(randomWeights(sizes, 3)));
    mlp.input.set([0.1, 0.2, 0.3, -0.1, -0.2, -0.3]);
    const stale = params.array;
    const small = mlp.forward(stale, 2).slice(0, 4);
    mlp.reserve(5000); // grows the arena again
    assert.throws(
      () => mlp.forward(stale, 2),
      (e: unknown) => e instanceof ShapeMismatchError && /detached view/.test(e.message),
    );
    mlp.input.set([0.1, 0.2, 0.3, -0.1, -0.2, -0.3]);
    assert.deepEqual(mlp.forward(params.array, 2).slice(0, 4), small);
  });

  test("a trainer whose batch outgrows its memory trains as the TypeScript one does", () => {
    const sizes = [4, 32, 32, 3];
    const weights = randomWeights(sizes, 21);
    const rng = rngFromSeed(22);
    const n = 3000;
    const obs = Float32Array.from({ length: n * 4 }, () => rng.normal());
    const acts = Float32Array.from({ length: n }, () => rng.integers(3));
    const trainers = (["wasm", "ts"] as const).map((engine) => {
      const t = createFusedTrainer(
        {
          sizes,
          activation: "relu",
          head: "categorical",
          learningRate: 1e-3,
          l2Weight: 1e-4,
          maxGradNorm: 0.5,
          engine,
        },
        weights,
      );
      t.setData(obs, acts);
      return t;
    });
    for (const rows of [4, 33, 2999, 7]) {
      const indices = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % n);
      const [a, b] = trainers.map((t) => t.step(indices));
      assert.ok(Math.abs(a!.loss - b!.loss) <= 1e-5 * Math.abs(b!.loss), `loss at batch ${rows}`);
    }
    const [wa, wb] = trainers.map((t) => t.getWeights());
    wa!.forEach((w, i) => {
      assertNear(w, wb![i]!, 1e-4, `weights ${i}`);
    });
  });
});

describe("non-finite gradients on the wasm engine", () => {
  for (const engine of ["wasm", "ts"] as const) {
    test(`${engine}: NaN data throws NonFiniteGradientError naming the tensor, step and term; weights unchanged`, () => {
      const sizes = [3, 8, 2];
      const t = createFusedTrainer(
        { sizes, activation: "tanh", head: "categorical", learningRate: 1e-2, engine },
        randomWeights(sizes, 5),
      );
      t.setData(Float32Array.from([0.1, 0.2, 0.3, 0.4, Number.NaN, 0.6]), Float32Array.from([0, 1]));
      t.step(Int32Array.from([0]));
      const before = t.getWeights();
      const state = t.getState();
      assert.throws(
        () => t.step(Int32Array.from([0, 1])),
        (error: unknown) =>
          error instanceof NonFiniteGradientError &&
          error.step === 2 &&
          error.term === "nll" &&
          /^dense_[01]\/(kernel|bias)$/.test(error.layer) &&
          error.message.includes(`in ${error.layer} at step 2, from the nll term`),
      );
      assert.deepEqual(t.getWeights(), before);
      assert.deepEqual(t.getState(), state);
      assert.equal(t.stepCount, 1);
    });
  }
});

describe("FusedForward (batch-1 act)", () => {
  test("equals the batched forward and argmax, on both kernel sets", () => {
    const sizes = [17, 64, 64, 6];
    const weights = randomWeights(sizes, 31, 2);
    const mlp = new FusedMlp({ sizes, activation: "tanh" }, 5, { engine: "ts" });
    const x = uniforms(5 * 17, 32, -3, 3);
    mlp.input.set(x);
    const batched = mlp.forward(flat(weights), 5).slice(0, 30);
    for (const engine of ["wasm", "ts"] as const) {
      const net = new FusedForward({ sizes, activation: "tanh" }, [...weights, new Float32Array(6)], {
        engine,
      });
      assert.equal(net.backend, engine);
      for (let r = 0; r < 5; r++) {
        const row = batched.subarray(r * 6, r * 6 + 6);
        assertNear(net.run(x.subarray(r * 17, r * 17 + 17)), row, 1e-5, `${engine} row ${r}`);
        let best = 0;
        for (let k = 1; k < 6; k++) if (row[k]! > row[best]!) best = k;
        assert.equal(net.argmax(x.subarray(r * 17, r * 17 + 17)), best);
      }
    }
  });

  test("wrong observation and weight sizes are refused with the expected shapes", () => {
    const sizes = [4, 8, 2];
    const net = new FusedForward({ sizes, activation: "relu" }, randomWeights(sizes, 1));
    assert.throws(
      () => net.run([1, 2, 3]),
      (e: unknown) => e instanceof ShapeMismatchError && /expected 4/.test(e.message),
    );
    const bad = randomWeights(sizes, 1);
    bad[2] = new Float32Array(3);
    assert.throws(
      () => net.setWeights(bad),
      (e: unknown) => e instanceof ShapeMismatchError && /layer 1 kernel.*\[8, 2\]/.test(e.message),
    );
  });
});
