/**
 * The fused engine's helper threads (`src/nn/fused/threads.ts`): a product split across threads
 * is bit-identical to the same product on one thread, for every epilogue, transposed A, bias and
 * gate, whether it splits by rows or by columns; a network's forward and backward passes are too;
 * the split really happens; and PPO ends on the same bits with `threads: 1` and 2.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import "./helpers/engine-env.js";
import { rngFromSeed } from "../src/core/rng.js";
import { Arena } from "../src/nn/fused/arena.js";
import { Epilogue } from "../src/nn/fused/kernels-ts.js";
import { FusedMlp } from "../src/nn/fused/mlp.js";
import { fusedThreads, SPLIT_MIN_ELEMENTS, SPLIT_MIN_WORK, splitCount } from "../src/nn/fused/threads.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const threaded = process.env.MIMIC_THREADS === undefined || Number(process.env.MIMIC_THREADS) > 1;

function fill(arena: Arena, ptr: number, count: number, seed: number): void {
  const rng = rngFromSeed(seed);
  const view = arena.view(ptr, count);
  for (let i = 0; i < count; i++) view[i] = rng.uniform(-1, 1);
}

describe("fused engine helper threads", () => {
  test("this machine splits large products: threads = min(4, available parallelism)", () => {
    if (!threaded) return;
    assert.equal(fusedThreads(), Math.min(4, availableParallelism()));
    assert.ok(new Arena("wasm").shared, "Node arenas use shared memory");
    assert.equal(new Arena("wasm", { threads: false }).shared, false);
  });

  test("a split product is bit-identical to the one-thread product (rows or columns, every epilogue)", () => {
    const before = splitCount();
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 90 }),
          k: fc.integer({ min: 1, max: 300 }),
          n: fc.integer({ min: 1, max: 90 }),
          transposed: fc.boolean(),
          bias: fc.boolean(),
          act: fc.constantFrom(...Object.values(Epilogue)),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        ({ m, k, n, transposed, bias, act, seed }) => {
          const results = [true, false].map((threads) => {
            const arena = new Arena("wasm", { threads });
            const a = arena.alloc(m * k);
            const b = arena.alloc(k * n);
            const c = arena.alloc(m * n);
            const g = arena.alloc(m * n);
            const bi = arena.alloc(n);
            fill(arena, a, m * k, seed);
            fill(arena, b, k * n, seed + 1);
            fill(arena, g, m * n, seed + 2);
            fill(arena, bi, n, seed + 3);
            const gated = act === Epilogue.tanhGrad || act === Epilogue.reluGrad;
            if (transposed)
              arena.kernels.gemm(a, 1, m, b, n, bias ? bi : 0, c, n, gated ? g : 0, m, k, n, act);
            else arena.kernels.gemm(a, k, 1, b, n, bias ? bi : 0, c, n, gated ? g : 0, m, k, n, act);
            return arena.view(c, m * n).slice();
          });
          assert.deepEqual(results[0], results[1]);
        },
      ),
      { numRuns: 60, seed: 11 },
    );
    // Big shapes, both ways of splitting, so the comparison above is not vacuous.
    for (const [m, k, n] of [
      [256, 256, 256],
      [4, 256, 256],
      [7, 300, 70],
      [61, 64, 67],
    ] as const) {
      assert.ok(m * k * n >= SPLIT_MIN_WORK);
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const a = arena.alloc(m * k);
        const b = arena.alloc(k * n);
        const c = arena.alloc(m * n);
        const bi = arena.alloc(n);
        fill(arena, a, m * k, m);
        fill(arena, b, k * n, n);
        fill(arena, bi, n, k);
        arena.kernels.gemm(a, k, 1, b, n, bi, c, n, 0, m, k, n, Epilogue.tanh);
        return arena.view(c, m * n).slice();
      });
      assert.deepEqual(results[0], results[1], `${m}×${k}×${n}`);
    }
    if (threaded) assert.ok(splitCount() > before, "some products were split across threads");
  });

  test("row kernels (GRU gates and their adjoint, im2col, col2im, the implicit convolutions, the byte lookup, the finiteness flag, activationGrad, Adam) split across threads: the same bits", () => {
    const before = splitCount();
    // rows × units at or above SPLIT_MIN_ELEMENTS, so the threaded arena splits them.
    for (const [rows, h] of [
      [256, 64],
      [37, 256],
      [3, 4096],
    ] as const) {
      assert.ok(rows * h >= SPLIT_MIN_ELEMENTS);
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const T = 3;
        const gi = arena.alloc(rows * T * 3 * h);
        const gh = arena.alloc(rows * 3 * h);
        const prev = arena.alloc(rows * T * h);
        const cache = arena.alloc(rows * T * 4 * h);
        const out = arena.alloc(rows * T * h);
        const dh = arena.alloc(rows * h);
        const dy = arena.alloc(rows * h);
        const dgi = arena.alloc(rows * T * 3 * h);
        const dgh = arena.alloc(rows * T * 3 * h);
        fill(arena, gi, rows * T * 3 * h, 1);
        fill(arena, gh, rows * 3 * h, 2);
        fill(arena, prev, rows * T * h, 3);
        fill(arena, dh, rows * h, 4);
        fill(arena, dy, rows * h, 5);
        // Step 1 of 3: strided rows, as the GRU layer calls them.
        arena.kernels.gruGates(
          gi + 4 * 3 * h,
          T * 3 * h,
          gh,
          prev + 4 * h,
          T * h,
          cache + 16 * h,
          T * 4 * h,
          out + 4 * h,
          T * h,
          rows,
          h,
        );
        arena.kernels.gruGatesBackward(
          cache + 16 * h,
          T * 4 * h,
          prev + 4 * h,
          T * h,
          dh,
          dy,
          h,
          dgi + 4 * 3 * h,
          dgh + 4 * 3 * h,
          T * 3 * h,
          rows,
          h,
        );
        arena.kernels.gruGatesBackward(
          cache + 16 * h,
          T * 4 * h,
          prev + 4 * h,
          T * h,
          dh,
          0,
          h,
          dgi,
          dgh,
          T * 3 * h,
          rows,
          h,
        );
        return [cache, out, dh, dgi, dgh].map((ptr, i) =>
          arena
            .view(ptr, [rows * T * 4 * h, rows * T * h, rows * h, rows * T * 3 * h, rows * T * 3 * h][i]!)
            .slice(),
        );
      });
      assert.deepEqual(results[0], results[1], `GRU ${rows} × ${h}`);
    }
    // NatureCNN's first layer on 5 images, and a padded 3×3 layer with overlapping windows.
    for (const [rows, h, w, cin, kh, kw, sh, sw, pad] of [
      [5, 84, 84, 4, 8, 8, 4, 4, 0],
      [7, 20, 18, 3, 3, 3, 1, 2, 1],
    ] as const) {
      const ho = Math.floor((h + 2 * pad - kh) / sh) + 1;
      const wo = Math.floor((w + 2 * pad - kw) / sw) + 1;
      const inSize = rows * h * w * cin;
      const colSize = rows * ho * wo * kh * kw * cin;
      assert.ok(colSize >= SPLIT_MIN_ELEMENTS);
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const x = arena.alloc(inSize);
        const cols = arena.alloc(colSize);
        const d = arena.alloc(colSize);
        const dx = arena.alloc(inSize);
        fill(arena, x, inSize, 6);
        fill(arena, d, colSize, 7);
        const geometry = [rows, h, w, cin, kh, kw, sh, sw, pad, pad, ho, wo] as const;
        arena.kernels.im2col(x, ...geometry, cols);
        arena.kernels.col2im(d, ...geometry, dx);
        return { cols: arena.view(cols, colSize).slice(), dx: arena.view(dx, inSize).slice() };
      });
      assert.deepEqual(results[0], results[1], `conv ${rows} × [${h}, ${w}, ${cin}]`);
    }
    // The implicit-GEMM convolution kernels: forward by images, ∂W by the kernel's rows (BC-CNN's
    // two layers, and an odd shape with column and row tails), each also a sub-range of ∂W's rows.
    for (const [rows, h, w, cin, kh, kw, sh, sw, cout] of [
      [64, 32, 64, 3, 5, 5, 2, 2, 16],
      [64, 14, 30, 16, 3, 3, 2, 2, 32],
      [9, 13, 17, 5, 3, 2, 1, 2, 13],
    ] as const) {
      const ho = Math.floor((h - kh) / sh) + 1;
      const wo = Math.floor((w - kw) / sw) + 1;
      const field = kh * kw * cin;
      const geometry = [rows, h, w, cin, kh, kw, sh, sw, ho, wo] as const;
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const x = arena.alloc(rows * h * w * cin);
        const wts = arena.alloc(field * cout);
        const bias = arena.alloc(cout);
        const y = arena.alloc(rows * ho * wo * cout);
        const dw = arena.alloc(field * cout);
        const part = arena.alloc(field * cout);
        fill(arena, x, rows * h * w * cin, 14);
        fill(arena, wts, field * cout, 15);
        fill(arena, bias, cout, 16);
        arena.kernels.conv2dForward(x, ...geometry, wts, bias, y, cout, Epilogue.relu);
        arena.kernels.conv2dFilterGrad(x, ...geometry, y, cout, dw, 0, field);
        arena.kernels.conv2dFilterGrad(x, ...geometry, y, cout, part, 5, field - 7);
        return [y, dw, part].map((ptr, i) =>
          arena.view(ptr, [rows * ho * wo * cout, field * cout, field * cout][i]!).slice(),
        );
      });
      assert.deepEqual(results[0], results[1], `implicit conv ${rows} × [${h}, ${w}, ${cin}] → ${cout}`);
      const [, dw, part] = results[0]!;
      // The sub-range wrote rows 5 … field − 3 only, the same bits as the whole.
      assert.deepEqual(
        part!.subarray(5 * cout, (field - 2) * cout),
        dw!.subarray(5 * cout, (field - 2) * cout),
      );
      assert.ok(part!.subarray(0, 5 * cout).every((v) => v === 0));
      assert.ok(part!.subarray((field - 2) * cout).every((v) => v === 0));
    }
    // An image's byte lookup, by pixels (BC-CNN's batch: 64 images of 32 × 64 × 3 bytes).
    {
      const n = 64 * 32 * 64;
      const rng = rngFromSeed(17);
      const bytes = Uint8Array.from({ length: 3 * n }, () => rng.integers(256));
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const [src, table, out] = [arena.alloc((3 * n) / 4), arena.alloc(768), arena.alloc(3 * n)];
        new Uint8Array(arena.buffer, src, 3 * n).set(bytes);
        fill(arena, table, 768, 18);
        arena.kernels.lookupBytes(src, n, 3, table, out);
        return arena.view(out, 3 * n).slice();
      });
      assert.deepEqual(results[0], results[1], "lookupBytes");
    }
    // The finiteness check: one NaN in any band sets the one shared flag.
    for (const at of [-1, 5, 60_000, 99_999]) {
      const n = 100_000;
      const arena = new Arena("wasm", { threads: true });
      const x = arena.alloc(n);
      const flag = arena.typedSlot(Int32Array, 1);
      fill(arena, x, n, 19);
      if (at >= 0) arena.view(x, n)[at] = Number.NaN;
      arena.kernels.flagNonFinite(x, n, flag.ptr);
      assert.equal(flag.array[0], at >= 0 ? 1 : 0, `flagNonFinite with NaN at ${at}`);
    }
    // Adam: elementwise with float arguments (they travel as float bits).
    {
      const n = 3 * SPLIT_MIN_ELEMENTS + 5;
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const [w, g, m, v] = [arena.alloc(n), arena.alloc(n), arena.alloc(n), arena.alloc(n)];
        fill(arena, w, n, 11);
        fill(arena, g, n, 12);
        fill(arena, m, n, 13);
        arena.view(v, n).fill(0.25);
        for (let step = 0; step < 3; step++)
          arena.kernels.adam(w, g, m, v, n, 0.9, 0.1, 0.999, 0.001, 1e-8, -3e-4, 0.31);
        return [w, m, v].map((ptr) => arena.view(ptr, n).slice());
      });
      assert.deepEqual(results[0], results[1], "adam");
    }
    // An elementwise kernel: "rows" of one number, bands at any boundary.
    for (const act of [Epilogue.tanh, Epilogue.relu]) {
      const n = 3 * SPLIT_MIN_ELEMENTS + 3;
      const results = [true, false].map((threads) => {
        const arena = new Arena("wasm", { threads });
        const [y, dy, dz] = [arena.alloc(n), arena.alloc(n), arena.alloc(n)];
        fill(arena, y, n, 8);
        fill(arena, dy, n, 9);
        arena.kernels.activationGrad(y, dy, dz, n, act);
        return arena.view(dz, n).slice();
      });
      assert.deepEqual(results[0], results[1], `activationGrad ${act}`);
    }
    if (threaded) assert.ok(splitCount() > before, "some row kernels were split across threads");
  });

  test("a 256×256 network's forward and backward passes are bit-identical with and without threads", () => {
    const sizes = [17, 256, 256, 6];
    const rows = 200;
    const rng = rngFromSeed(5);
    let count = 0;
    for (let l = 0; l + 1 < sizes.length; l++) count += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
    const params = Float32Array.from({ length: count }, () => rng.uniform(-0.1, 0.1));
    const x = Float32Array.from({ length: rows * 17 }, () => rng.normal());
    const dy = Float32Array.from({ length: rows * 6 }, () => rng.normal());
    const results = [true, false].map((threads) => {
      const mlp = new FusedMlp({ sizes, activation: "tanh" }, rows, {
        arena: new Arena("wasm", { threads }),
      });
      mlp.input.set(x);
      const y = mlp.forward(params, rows).slice();
      mlp.outputGrad.set(dy);
      const grads = new Float32Array(count);
      mlp.backward(params, rows, grads, true);
      return { y, grads, dx: mlp.inputGrad.slice(0, rows * 17) };
    });
    assert.deepEqual(results[0], results[1]);
  });

  test("PPO trains to the same bits with helper threads and with threads: 1", () => {
    // 20k CartPole steps of rl-zoo's PPO (256-row updates: products split, the critic's passes run
    // on the helper), in two processes: the weights' hash and the last update's losses must match exactly.
    const script = `
      import { createHash } from "node:crypto";
      import { PPO_PRESETS, trainPpo } from "./build/src/algorithms/ppo/index.js";
      import { splitCount, tapeCount } from "./build/src/nn/fused/threads.js";
      import { configureFusedEngine, makeVec } from "./build/src/index.js";
      configureFusedEngine({ threads: Number(process.argv[1]) });
      const r = await trainPpo(makeVec("CartPole-v1", { numEnvs: 8 }), {
        ...PPO_PRESETS["CartPole-v1"], totalTimesteps: 20000, seed: 3 });
      const h = createHash("sha256");
      for (const w of [...r.policyWeights, ...r.valueWeights]) h.update(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
      const last = r.history.at(-1);
      console.log(JSON.stringify({ hash: h.digest("hex"), loss: [last.policyLoss, last.valueLoss], helped: splitCount() + tapeCount() }));`;
    const run = (threads: string) =>
      JSON.parse(
        execFileSync(process.execPath, ["--input-type=module", "-e", script, threads], {
          cwd: root,
          env: { ...process.env, MIMIC_THREADS: undefined },
          encoding: "utf8",
        }),
      ) as { hash: string; loss: number[]; helped: number };
    const one = run("1");
    const two = run("2");
    assert.equal(one.helped, 0);
    // The critic's passes run on the helper (tapes) while the actor's run on the caller.
    assert.ok(two.helped > 1000, `the 2-thread run gave its helper ${two.helped} jobs`);
    assert.equal(two.hash, one.hash);
    assert.deepEqual(two.loss, one.loss);
  });
});
