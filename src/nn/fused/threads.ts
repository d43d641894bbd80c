/**
 * @module
 * Large matrix products split across threads. In Node, an arena's WebAssembly memory is shared
 * (`WebAssembly.Memory({ shared: true })`), and helper threads (`worker_threads`) each hold an
 * instance of the same kernels on that memory. `gemm` above a size threshold is cut into chunks
 * of C's rows (or of its columns, when C has more 8-column blocks than 4-row blocks), about four
 * per thread, which the caller and the helpers take in turn from a shared counter: a thread that
 * runs slowly (say, descheduled on a loaded machine) takes fewer. Kernels whose rows are
 * independent (the GRU's gates, im2col/col2im, the implicit-GEMM convolutions, the activation
 * gradient, Adam, an image's byte lookup, the gradients' finiteness check) split into bands of rows the same way, and the caller
 * takes back a band no helper has started.
 *
 * Every element of C is still computed by one thread, over the same k order and with the same
 * 4 × 8 register blocks (chunks start at multiples of 4 rows or 8 columns), so the result is
 * bit-identical to the single-threaded product: threads change speed, never numbers.
 *
 * The hand-off is a few words of a `SharedArrayBuffer` per helper: the caller writes the job's
 * arguments, sets the state to JOB and wakes the helper (`Atomics.notify`); the helper takes it
 * (JOB → RUNNING), runs it, sets DONE and wakes the caller. A helper spins for a short while
 * after each job before it sleeps, so the many products of one training step don't each pay a
 * wake-up. Instances are made
 * on a helper when an arena first splits a product there (the memory and module travel by
 * `postMessage`, read synchronously with `receiveMessageOnPort`) and dropped when the arena is
 * garbage-collected.
 *
 * Threads: the `threads` setting of `configureFusedEngine` (1 turns splitting off; the CLI takes it
 * from `MIMIC_THREADS`), else the machine's available parallelism, at most 4. Where
 * `worker_threads` is out of reach (browsers, Node before 20.16 without `process.getBuiltinModule`)
 * nothing is split.
 */

import { InvalidOptionError } from "../../core/errors.js";
import { Epilogue, type Kernels } from "./kernels-ts.js";

/** Below this much work (multiply-adds m·k·n, plus a dozen per element for a tanh) a product runs on the calling thread alone. */
export const SPLIT_MIN_WORK = 1 << 16;
/** The least work (as SPLIT_MIN_WORK counts it) of one chunk of a split product. */
const CHUNK_MIN_WORK = 1 << 15;
/** Below this many elements (outputs of a row kernel) a row kernel runs on the calling thread alone. */
export const SPLIT_MIN_ELEMENTS = 1 << 13;
/** How long a helper keeps spinning for the next job before it sleeps (ms). */
const HELPER_SPIN_MS = 0.3;
/** How long a caller spins for a helper's band before it sleeps on it (ms). */
const CALLER_SPIN_MS = 2;
/** Helpers that have not started after this long are given up: products run on one thread (ms). */
const HELPER_START_MS = 10_000;
/** A helper that has not finished its band after this long is taken for dead (ms). */
const HELPER_TIMEOUT_MS = 120_000;

const IDLE = 0;
const JOB = 1;
const DONE = 2;
const FAILED = 3;
/** A helper took the job (JOB → RUNNING); until then the caller may take it back (JOB → IDLE). */
const RUNNING = 4;
/**
 * Words of a helper's control block: state, arena id, job kind, the job's arguments (gemm's 13
 * for the whole product, then how it is chunked: by rows or not, the chunk, the extent; a tape's
 * byte offset and length in words; or a row kernel's index in `ROW_KERNELS` and its arguments,
 * up to 16), the two sleep flags, then the mail flag.
 */
const WORDS = 24;
const KIND = 2;
const ARGS = 3;
/**
 * How the helper waits for a job: 0 spinning, LIGHT sleeping in timed waits of LIGHT_WAIT_MS
 * (it finds a new job by itself within that), DEEP sleeping until notified. The next word is set
 * while the caller sleeps on a helper's band. A new or finished job wakes the other side only when
 * it must: `Atomics.notify` on a sleeping thread took 150–700 µs per product on this loaded VM
 * (measured), a third of a GRU step, while the caller can run the chunks itself meanwhile.
 */
const HELPER_ASLEEP = 21;
const CALLER_ASLEEP = 22;
const LIGHT = 1;
const DEEP = 2;
/** A helper idle this long sleeps until notified (ms); before that it polls every LIGHT_WAIT_MS. */
const HELPER_LIGHT_SLEEP_MS = 50;
const LIGHT_WAIT_MS = 0.25;
/** Set when attach/detach messages wait on the helper's port (so a job reads the port only then). */
const MAIL = 23;
const KIND_GEMM = 0;
const KIND_TAPE = 1;
const KIND_ROWS = 2;

/**
 * Kernels whose rows are independent (every output row reads only its own input rows), which a
 * helper can run on a band of rows: split like products, the same bits as one call.
 */
const ROW_KERNELS = [
  "gruGates",
  "gruGatesBackward",
  "im2col",
  "col2im",
  "activationGrad",
  "adam",
  "conv2dForward",
  "conv2dFilterGrad",
  "lookupBytes",
  "flagNonFinite",
] as const;
type RowKernel = (typeof ROW_KERNELS)[number];
/** Per row kernel, the first of its arguments that are float32 (they travel as float bits), or −1. */
const ROW_FLOATS_FROM = [-1, -1, -1, -1, -1, 5, -1, -1, -1, -1] as const;

/**
 * A tape: kernel calls recorded in an arena's memory as int32 words, `[op, ...arguments]` each,
 * which a helper runs in order (a network's whole forward or backward pass as one job).
 */
export const TapeOp = { gemm: 1, colSum: 2, transpose: 3 } as const;

/**
 * Runs a tape's kernel calls in order, on the caller (`Arena.runTape`) or in a helper, whose
 * script embeds this function's source: so it uses nothing but its arguments (`ops` is `TapeOp`).
 */
export function runTape(
  k: Pick<Kernels, "gemm" | "colSum" | "transpose">,
  t: Int32Array,
  ops: typeof TapeOp,
): void {
  for (let i = 0; i < t.length; ) {
    const op = t[i];
    if (op === ops.gemm) {
      k.gemm(
        t[i + 1]!,
        t[i + 2]!,
        t[i + 3]!,
        t[i + 4]!,
        t[i + 5]!,
        t[i + 6]!,
        t[i + 7]!,
        t[i + 8]!,
        t[i + 9]!,
        t[i + 10]!,
        t[i + 11]!,
        t[i + 12]!,
        t[i + 13]!,
      );
      i += 14;
    } else if (op === ops.colSum) {
      k.colSum(t[i + 1]!, t[i + 2]!, t[i + 3]!, t[i + 4]!);
      i += 5;
    } else if (op === ops.transpose) {
      k.transpose(t[i + 1]!, t[i + 2]!, t[i + 3]!, t[i + 4]!);
      i += 5;
    } else {
      throw new Error(`Bad tape op ${op} at word ${i}.`);
    }
  }
}

/**
 * Runs chunks of a split product until none is left: each thread takes the next chunk from
 * `counter` (`Atomics.add`), so a thread the machine runs slowly (a loaded machine) takes fewer.
 * `x` holds gemm's 13 arguments for the whole product; a chunk is `chunk` rows (`byRows`) or
 * columns from the extent's start, a multiple of the 4 × 8 register blocks, so every element of
 * C is summed as on one thread. Helpers embed this source too: it uses nothing but its arguments.
 */
export function runChunks(
  gemm: Gemm,
  x: ArrayLike<number>,
  byRows: number,
  chunk: number,
  extent: number,
  counter: Int32Array,
): void {
  for (;;) {
    const from = Atomics.add(counter, 0, chunk);
    if (from >= extent) return;
    const size = Math.min(chunk, extent - from);
    const g = x[8]!;
    if (byRows !== 0) {
      const dc = 4 * from * x[7]!;
      gemm(
        x[0]! + 4 * from * x[1]!,
        x[1]!,
        x[2]!,
        x[3]!,
        x[4]!,
        x[5]!,
        x[6]! + dc,
        x[7]!,
        g === 0 ? 0 : g + dc,
        size,
        x[10]!,
        x[11]!,
        x[12]!,
      );
    } else {
      const b = x[5]!;
      const d = 4 * from;
      gemm(
        x[0]!,
        x[1]!,
        x[2]!,
        x[3]! + d,
        x[4]!,
        b === 0 ? 0 : b + d,
        x[6]! + d,
        x[7]!,
        g === 0 ? 0 : g + d,
        x[9]!,
        x[10]!,
        size,
        x[12]!,
      );
    }
  }
}

/** What a helper runs: a CommonJS script (`eval: true`), so no file has to be found at run time. */
const HELPER_SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule("node:worker_threads");
const ctrl = new Int32Array(workerData.control);
const counter = new Int32Array(workerData.counter);
const ctrlF32 = new Float32Array(workerData.control);
const port = workerData.port;
const instances = new Map();
const spinMs = workerData.spinMs;
function drain() {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const msg = m.message;
    if (msg.type === "attach") {
      const exports = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports;
      // Its own slot for gemm's packed bands (the caller's instance keeps slot 0).
      exports.setThreadIndex(workerData.index);
      instances.set(msg.id, { exports, memory: msg.memory });
    } else {
      instances.delete(msg.id);
    }
  }
}
const runTape = ${runTape.toString()};
const runChunks = ${runChunks.toString()};
const TAPE_OPS = ${JSON.stringify(TapeOp)};
const ROW_KERNELS = ${JSON.stringify(ROW_KERNELS)};
const ROW_FLOATS_FROM = ${JSON.stringify(ROW_FLOATS_FROM)};
Atomics.store(ctrl, 0, ${DONE});
Atomics.notify(ctrl, 0);
for (;;) {
  let seen = Atomics.load(ctrl, 0);
  const since = performance.now();
  let spins = 0;
  while (seen !== ${JOB}) {
    if ((++spins & 255) === 0) {
      const idle = performance.now() - since;
      if (idle > spinMs) {
        const deep = idle > ${HELPER_LIGHT_SLEEP_MS};
        Atomics.store(ctrl, ${HELPER_ASLEEP}, deep ? ${DEEP} : ${LIGHT});
        Atomics.wait(ctrl, 0, seen, deep ? Infinity : ${LIGHT_WAIT_MS});
        Atomics.store(ctrl, ${HELPER_ASLEEP}, 0);
      }
    }
    seen = Atomics.load(ctrl, 0);
  }
  // The caller takes back a band no helper has started (say this thread was descheduled).
  if (Atomics.compareExchange(ctrl, 0, ${JOB}, ${RUNNING}) !== ${JOB}) continue;
  if (Atomics.exchange(ctrl, ${MAIL}, 0) !== 0) drain();
  const instance = instances.get(ctrl[1]);
  let state = ${FAILED};
  try {
    if (instance !== undefined && ctrl[${KIND}] === ${KIND_GEMM}) {
      const a = ${ARGS};
      runChunks(instance.exports.gemm, ctrl.subarray(a, a + 13), ctrl[a + 13], ctrl[a + 14], ctrl[a + 15], counter);
      state = ${DONE};
    } else if (instance !== undefined && ctrl[${KIND}] === ${KIND_TAPE}) {
      runTape(instance.exports, new Int32Array(instance.memory.buffer, ctrl[${ARGS}] >>> 0, ctrl[${ARGS} + 1]), TAPE_OPS);
      state = ${DONE};
    } else if (instance !== undefined && ctrl[${KIND}] === ${KIND_ROWS}) {
      const a = ${ARGS} + 1;
      const f = ROW_FLOATS_FROM[ctrl[${ARGS}]];
      if (f < 0) {
        instance.exports[ROW_KERNELS[ctrl[${ARGS}]]](ctrl[a], ctrl[a + 1], ctrl[a + 2], ctrl[a + 3], ctrl[a + 4], ctrl[a + 5], ctrl[a + 6], ctrl[a + 7], ctrl[a + 8], ctrl[a + 9], ctrl[a + 10], ctrl[a + 11], ctrl[a + 12], ctrl[a + 13], ctrl[a + 14], ctrl[a + 15]);
      } else {
        const x = [];
        for (let i = 0; i < 16; i++) x.push(i >= f ? ctrlF32[a + i] : ctrl[a + i]);
        instance.exports[ROW_KERNELS[ctrl[${ARGS}]]](...x);
      }
      state = ${DONE};
    }
  } catch {}
  Atomics.store(ctrl, 0, state);
  if (Atomics.load(ctrl, ${CALLER_ASLEEP}) !== 0) Atomics.notify(ctrl, 0);
}
`;

type Gemm = (
  a: number,
  aRow: number,
  aCol: number,
  b: number,
  ldb: number,
  bias: number,
  c: number,
  ldc: number,
  gate: number,
  m: number,
  k: number,
  n: number,
  act: number,
) => void;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: "error" | "exit", listener: (value: unknown) => void): void;
}
interface PortLike {
  postMessage(message: unknown): void;
  unref?(): void;
}
interface WorkerThreads {
  Worker: new (
    source: string,
    options: { eval: true; workerData: unknown; transferList: unknown[] },
  ) => WorkerLike;
  MessageChannel: new () => { port1: PortLike; port2: PortLike };
}

interface Helper {
  control: Int32Array;
  /** The same words as float32, for float arguments. */
  controlF32: Float32Array;
  port: PortLike;
  /** Arena ids with an instance on this helper. */
  attached: Set<number>;
  dead: string | null;
}

/** The helper threads of this thread (made on first use). */
class GemmPool {
  readonly helpers: Helper[] = [];
  /** The next chunk of the split product in progress (`runChunks`), shared with every helper. */
  readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly registry = new FinalizationRegistry<number>((id) => this.detach(id));

  constructor(threads: WorkerThreads, count: number) {
    for (let t = 0; t < count; t++) {
      const control = new Int32Array(new SharedArrayBuffer(WORDS * 4));
      const { port1, port2 } = new threads.MessageChannel();
      const worker = new threads.Worker(HELPER_SOURCE, {
        eval: true,
        workerData: {
          control: control.buffer,
          counter: this.counter.buffer,
          port: port2,
          index: t + 1,
          spinMs: HELPER_SPIN_MS,
        },
        transferList: [port2],
      });
      const helper: Helper = {
        control,
        controlF32: new Float32Array(control.buffer),
        port: port1,
        attached: new Set(),
        dead: null,
      };
      worker.on("error", (error) => {
        helper.dead = `it failed: ${String(error)}`;
      });
      worker.on("exit", () => {
        helper.dead ??= "it exited";
      });
      // Neither the thread nor its port keeps the process alive.
      worker.unref();
      port1.unref?.();
      this.helpers.push(helper);
      this.workers.push(worker);
    }
    // Each helper says it runs by setting DONE; one that can't start (say its script fails to
    // load) would otherwise leave the first split product waiting forever.
    const deadline = performance.now() + HELPER_START_MS;
    for (const helper of this.helpers) {
      for (let state = Atomics.load(helper.control, 0); state !== DONE; ) {
        const left = deadline - performance.now();
        if (left <= 0) {
          for (const worker of this.workers) void worker.terminate();
          throw new Error(`a helper thread did not start within ${HELPER_START_MS / 1000} s`);
        }
        Atomics.wait(helper.control, 0, state, left);
        state = Atomics.load(helper.control, 0);
      }
    }
  }

  private readonly workers: WorkerLike[] = [];

  /** Makes `id`'s kernels known to every helper; forgets them when `owner` is collected. */
  attach(owner: object, id: number, module: WebAssembly.Module, memory: WebAssembly.Memory): void {
    for (const helper of this.helpers) {
      helper.port.postMessage({ type: "attach", id, module, memory });
      Atomics.store(helper.control, MAIL, 1);
      helper.attached.add(id);
    }
    this.registry.register(owner, id);
  }

  private detach(id: number): void {
    for (const helper of this.helpers) {
      if (helper.attached.delete(id)) {
        helper.port.postMessage({ type: "detach", id });
        Atomics.store(helper.control, MAIL, 1);
      }
    }
  }

  /** Runs `args` (gemm's arguments) for arena `id` on helper `t`; returns without waiting. */
  post(t: number, id: number, args: readonly number[], kind = KIND_GEMM, floatsFrom = args.length): void {
    const helper = this.helpers[t]!;
    if (helper.dead !== null) throw helperError(helper);
    const control = helper.control;
    control[1] = id;
    control[KIND] = kind;
    for (let i = 0; i < args.length; i++) {
      if (i < floatsFrom) control[ARGS + i] = args[i]!;
      else helper.controlF32[ARGS + i] = args[i]!;
    }
    Atomics.store(control, 0, JOB);
    // A helper in light sleep finds the job within LIGHT_WAIT_MS while the caller works on its own
    // chunks (and takes the job back if it is still waiting); a tape is the helper's alone, so it
    // wakes it at once.
    const asleep = Atomics.load(control, HELPER_ASLEEP);
    if (asleep === DEEP || (asleep === LIGHT && kind === KIND_TAPE)) Atomics.notify(control, 0);
  }

  /** Helpers running a tape: split products leave them out until it is joined. */
  busy = 0;

  /**
   * Takes back helper `t`'s job if the helper has not started it (on a loaded machine it may not
   * have run yet): then the caller runs it itself, from the arguments in the control block.
   */
  reclaim(t: number): Int32Array | null {
    const control = this.helpers[t]!.control;
    return Atomics.compareExchange(control, 0, JOB, IDLE) === JOB ? control : null;
  }

  /** The `count` arguments of helper `t`'s row-kernel job, float32 from `floatsFrom` on. */
  rowArgs(t: number, count: number, floatsFrom: number): number[] {
    const { control, controlF32 } = this.helpers[t]!;
    const args: number[] = [];
    for (let i = 0; i < count; i++) {
      args.push(floatsFrom >= 0 && i >= floatsFrom ? controlF32[ARGS + 1 + i]! : control[ARGS + 1 + i]!);
    }
    return args;
  }

  /** Waits for helper `t`'s band. */
  wait(t: number): void {
    const helper = this.helpers[t]!;
    const control = helper.control;
    let state = Atomics.load(control, 0);
    if (state === JOB || state === RUNNING) {
      const since = performance.now();
      let spins = 0;
      while (state === JOB || state === RUNNING) {
        if ((++spins & 255) === 0) {
          const waited = performance.now() - since;
          if (waited > HELPER_TIMEOUT_MS || helper.dead !== null) {
            helper.dead ??= `it did not finish a matrix product in ${HELPER_TIMEOUT_MS / 1000} s`;
            throw helperError(helper);
          }
          if (waited > CALLER_SPIN_MS) {
            Atomics.store(control, CALLER_ASLEEP, 1);
            Atomics.wait(control, 0, state, 1000);
            Atomics.store(control, CALLER_ASLEEP, 0);
          }
        }
        state = Atomics.load(control, 0);
      }
    }
    if (state === FAILED) {
      Atomics.store(control, 0, IDLE);
      throw new Error(
        "A fused-engine helper thread had no kernels for this arena (an internal error); configure the engine with threads: 1 (MIMIC_THREADS=1 for the mimic command) to avoid threads.",
      );
    }
  }
}

function helperError(helper: Helper): Error {
  return new Error(
    `A fused-engine helper thread is gone (${helper.dead}); configure the engine with threads: 1 (MIMIC_THREADS=1 for the mimic command) to train on one thread.`,
  );
}

let pool: GemmPool | null | undefined;

/** How many threads share a large product here: the setting, capped by what this runtime can do. */
export function fusedThreads(): number {
  const p = getPool();
  return p === null ? 1 : p.helpers.length + 1;
}

/** The `threads` setting (`configureFusedEngine`); undefined: the available parallelism, at most 4. */
let threadsSetting: number | undefined;
/** The thread count in use, fixed by the first arena that asked (or the first `fusedThreads()`). */
let threadsInUse: number | undefined;

/** Requested threads: the setting, else the available parallelism (at most 4). Fixed on first use. */
function requestedThreads(): number {
  if (threadsInUse !== undefined) return threadsInUse;
  if (threadsSetting !== undefined) {
    threadsInUse = threadsSetting;
  } else {
    const os = builtin<{ availableParallelism?: () => number; cpus(): unknown[] }>("node:os");
    threadsInUse = os === null ? 1 : Math.min(4, os.availableParallelism?.() ?? os.cpus().length);
  }
  return threadsInUse;
}

/**
 * Sets how many threads share a large product (`configureFusedEngine`'s `threads`, already
 * checked to be a whole number ≥ 1). Once an arena has chosen its memory the count is fixed:
 * asking for another one then throws, since arenas made on unshared memory cannot split later.
 */
export function setFusedThreads(threads: number): void {
  if (threadsInUse !== undefined && threadsInUse !== threads) {
    throw new InvalidOptionError(
      "threads",
      `The fused engine already runs on ${threadsInUse} thread${threadsInUse === 1 ? "" : "s"} (fixed when the first network, trainer or policy was made), so threads: ${threads} cannot apply; call configureFusedEngine({ threads: ${threads} }) before anything uses the engine.`,
    );
  }
  threadsSetting = threads;
}

function builtin<T>(name: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return null;
  return (proc.getBuiltinModule(name) as T | undefined) ?? null;
}

function getPool(): GemmPool | null {
  if (pool !== undefined) return pool;
  pool = null;
  const threads = requestedThreads();
  if (threads < 2 || typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return pool;
  const workerThreads = builtin<WorkerThreads & { isMainThread: boolean }>("node:worker_threads");
  if (workerThreads === null) return pool;
  try {
    pool = new GemmPool(workerThreads, threads - 1);
  } catch (error) {
    // Library code does not print: the reason waits in `fusedThreadsProblem()`.
    poolProblem = `the fused engine's helper threads did not start (${(error as Error).message}); products run on one thread`;
    pool = null;
  }
  return pool;
}

let poolProblem: string | null = null;

/** Why helper threads were wanted but could not start, or null (say it when `fusedThreads()` is 1). */
export function fusedThreadsProblem(): string | null {
  return poolProblem;
}

/** Whether arenas here should use shared memory (helpers may exist). */
export function threadsWanted(): boolean {
  return (
    requestedThreads() > 1 &&
    typeof SharedArrayBuffer === "function" &&
    builtin("node:worker_threads") !== null
  );
}

let nextArenaId = 1;
let splitProducts = 0;

let offloadedTapes = 0;

/** How many products this thread has split across helpers so far (for tests and benchmarks). */
export function splitCount(): number {
  return splitProducts;
}

/** How many tapes (whole passes) this thread has run on a helper so far. */
export function tapeCount(): number {
  return offloadedTapes;
}

/**
 * `gemm` for one arena on shared memory: the instance's own below `SPLIT_MIN_WORK`, split across
 * the helper threads above it.
 */
export function threadedGemm(
  owner: object,
  local: Gemm,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  rowLocal?: Pick<Kernels, RowKernel>,
): {
  gemm: Gemm;
  startTape: (ptr: number, words: number) => (() => void) | null;
  rowKernels: Pick<Kernels, RowKernel> | null;
} {
  const id = nextArenaId++;
  let attached = false;
  const args = new Array<number>(16).fill(0);
  const attach = (p: GemmPool) => {
    if (!attached) {
      p.attach(owner, id, module, memory);
      attached = true;
    }
  };
  const tapeArgs = [0, 0];
  /** Posts a tape to the first free helper; returns its join, or null when none is free. */
  const startTape = (ptr: number, words: number): (() => void) | null => {
    const p = getPool();
    // One tape at a time: it takes helper 0, and split products use the others meanwhile.
    if (p === null || p.busy > 0) return null;
    attach(p);
    const t = p.busy++;
    tapeArgs[0] = ptr;
    tapeArgs[1] = words;
    p.post(t, id, tapeArgs, KIND_TAPE);
    offloadedTapes++;
    return () => {
      try {
        p.wait(t);
      } finally {
        p.busy--;
      }
    };
  };
  const gemm: Gemm = (a, aRow, aCol, b, ldb, bias, c, ldc, gate, m, k, n, act) => {
    // A tanh epilogue costs about as much per element as a dozen multiply-adds.
    const work = m * n * (k + (act === Epilogue.tanh ? 12 : 0));
    // Split the dimension with more register blocks (4 rows, 8 columns), so bands stay even.
    const byRows = Math.ceil(m / 4) >= Math.ceil(n / 8) && m >= 8;
    if (work < SPLIT_MIN_WORK || (!byRows && n < 16)) {
      local(a, aRow, aCol, b, ldb, bias, c, ldc, gate, m, k, n, act);
      return;
    }
    const p = getPool();
    if (p === null) {
      local(a, aRow, aCol, b, ldb, bias, c, ldc, gate, m, k, n, act);
      return;
    }
    attach(p);
    // Helpers running a tape (the first `busy` ones) sit this product out.
    const parts = p.helpers.length - p.busy + 1;
    if (parts < 2) {
      local(a, aRow, aCol, b, ldb, bias, c, ldc, gate, m, k, n, act);
      return;
    }
    // Chunks of whole 4-row (or 8-column) blocks, about four per thread (fewer for a small
    // product: at least CHUNK_MIN_WORK each), taken by whichever thread is free.
    const unit = byRows ? 4 : 8;
    const extent = byRows ? m : n;
    const units = Math.ceil(extent / unit);
    const chunks = Math.max(parts, Math.min(units, 4 * parts, Math.floor(work / CHUNK_MIN_WORK)));
    const chunk = Math.ceil(units / chunks) * unit;
    args[0] = a;
    args[1] = aRow;
    args[2] = aCol;
    args[3] = b;
    args[4] = ldb;
    args[5] = bias;
    args[6] = c;
    args[7] = ldc;
    args[8] = gate;
    args[9] = m;
    args[10] = k;
    args[11] = n;
    args[12] = act;
    args[13] = byRows ? 1 : 0;
    args[14] = chunk;
    args[15] = extent;
    Atomics.store(p.counter, 0, 0);
    let posted = 0;
    for (let t = 1; t < parts && t * chunk < extent; t++) {
      p.post(p.busy + t - 1, id, args);
      posted++;
    }
    splitProducts++;
    runChunks(local, args, args[13], chunk, extent, p.counter);
    // No chunk is left: a helper that has not started yet gets its job taken back (it has
    // nothing to do); one that has is finishing its last chunk.
    for (let t = 0; t < posted; t++) if (p.reclaim(p.busy + t) === null) p.wait(p.busy + t);
  };
  /**
   * Runs row kernel `name` with `args`, its rows split into bands across the free helpers when
   * there are at least SPLIT_MIN_ELEMENTS outputs: `rowsAt` is the argument that counts rows, and
   * each `[index, bytes]` of `shifts` an argument that moves `bytes` per row (0 stays 0: "none"),
   * and each of `indices` an argument that counts rows itself (the band's first row is added).
   */
  const callArgs = new Array<number>(17).fill(0);
  const split = (
    name: RowKernel,
    fn: (...a: number[]) => void,
    args: number[],
    rowsAt: number,
    elements: number,
    shifts: readonly (readonly [number, number])[],
    indices: readonly number[] = [],
  ): void => {
    const rows = args[rowsAt]!;
    const p = elements < SPLIT_MIN_ELEMENTS || rows < 2 ? null : getPool();
    const parts = p === null ? 1 : Math.min(p.helpers.length - p.busy + 1, rows);
    if (p === null || parts < 2) {
      fn(...args);
      return;
    }
    attach(p);
    const band = Math.ceil(rows / parts);
    const index = ROW_KERNELS.indexOf(name);
    const floatsFrom = ROW_FLOATS_FROM[index]!;
    callArgs[0] = index;
    let posted = 0;
    for (let t = 1; t < parts && t * band < rows; t++) {
      const from = t * band;
      for (let i = 0; i < args.length; i++) callArgs[i + 1] = args[i]!;
      for (const [i, bytes] of shifts) if (args[i] !== 0) callArgs[i + 1] = args[i]! + from * bytes;
      for (const i of indices) callArgs[i + 1] = args[i]! + from;
      callArgs[rowsAt + 1] = Math.min(band, rows - from);
      p.post(p.busy + t - 1, id, callArgs, KIND_ROWS, floatsFrom < 0 ? callArgs.length : floatsFrom + 1);
      posted++;
    }
    splitProducts++;
    args[rowsAt] = band;
    fn(...args);
    for (let t = 0; t < posted; t++) {
      if (p.reclaim(p.busy + t) === null) p.wait(p.busy + t);
      else fn(...p.rowArgs(p.busy + t, args.length, floatsFrom));
    }
  };
  const k = rowLocal;
  const rowKernels: Pick<Kernels, RowKernel> | null =
    k === undefined
      ? null
      : {
          gruGates: (gi, giRow, gh, hPrev, prevRow, cache, cacheRow, hOut, outRow, rows, h) => {
            const args = [gi, giRow, gh, hPrev, prevRow, cache, cacheRow, hOut, outRow, rows, h];
            // Its last partial group of lanes (h mod 4) goes through static scratch: one thread only.
            split("gruGates", k.gruGates, args, 9, h % 4 === 0 ? rows * h : 0, [
              [0, 4 * giRow],
              [2, 12 * h],
              [3, 4 * prevRow],
              [5, 4 * cacheRow],
              [7, 4 * outRow],
            ]);
          },
          gruGatesBackward: (cache, cacheRow, hPrev, prevRow, dh, dy, dyRow, dgi, dgh, gRow, rows, h) => {
            const args = [cache, cacheRow, hPrev, prevRow, dh, dy, dyRow, dgi, dgh, gRow, rows, h];
            split("gruGatesBackward", k.gruGatesBackward, args, 10, rows * h, [
              [0, 4 * cacheRow],
              [2, 4 * prevRow],
              [4, 4 * h],
              [5, 4 * dyRow],
              [7, 4 * gRow],
              [8, 4 * gRow],
            ]);
          },
          im2col: (x, rows, h, w, cin, kh, kw, sh, sw, padTop, padLeft, ho, wo, cols) => {
            const args = [x, rows, h, w, cin, kh, kw, sh, sw, padTop, padLeft, ho, wo, cols];
            const field = ho * wo * kh * kw * cin;
            split("im2col", k.im2col, args, 1, rows * field, [
              [0, 4 * h * w * cin],
              [13, 4 * field],
            ]);
          },
          adam: (w, g, m, v, n, b1, c1, b2, c2, eps, stepSize, corr2) => {
            // Elementwise, the same float32 operations in every lane and the scalar tail.
            const args = [w, g, m, v, n, b1, c1, b2, c2, eps, stepSize, corr2];
            split("adam", k.adam, args, 4, 2 * n, [
              [0, 4],
              [1, 4],
              [2, 4],
              [3, 4],
            ]);
          },
          activationGrad: (y, dy, dz, n, act) => {
            // Elementwise: "rows" of one number each.
            split("activationGrad", k.activationGrad, [y, dy, dz, n, act], 3, n, [
              [0, 4],
              [1, 4],
              [2, 4],
            ]);
          },
          conv2dForward: (x, rows, h, w, cin, kh, kw, sh, sw, ho, wo, wts, bias, y, cout, act) => {
            // By images: each output pixel is one thread's, over the whole window (the same bits).
            // Their work counts multiply-adds / 8, so they split where a product of that size would.
            const args = [x, rows, h, w, cin, kh, kw, sh, sw, ho, wo, wts, bias, y, cout, act];
            split("conv2dForward", k.conv2dForward, args, 1, (rows * ho * wo * cout * kh * kw * cin) / 8, [
              [0, 4 * h * w * cin],
              [13, 4 * ho * wo * cout],
            ]);
          },
          conv2dFilterGrad: (x, rows, h, w, cin, kh, kw, sh, sw, ho, wo, dz, cout, dw, from, count) => {
            // By the kernel's rows: each element of dW is one thread's sum over every pixel.
            const args = [x, rows, h, w, cin, kh, kw, sh, sw, ho, wo, dz, cout, dw, from, count];
            split(
              "conv2dFilterGrad",
              k.conv2dFilterGrad,
              args,
              15,
              (rows * ho * wo * cout * count) / 8,
              [],
              [14],
            );
          },
          flagNonFinite: (x, n, flag) => {
            // Bands of the array, one shared flag (threads only ever store 1 in it).
            split("flagNonFinite", k.flagNonFinite, [x, n, flag], 1, n / 4, [[0, 4]]);
          },
          lookupBytes: (src, n, channels, table, out) => {
            split("lookupBytes", k.lookupBytes, [src, n, channels, table, out], 1, n * channels, [
              [0, channels],
              [4, 4 * channels],
            ]);
          },
          col2im: (dCols, rows, h, w, cin, kh, kw, sh, sw, padTop, padLeft, ho, wo, dx) => {
            const args = [dCols, rows, h, w, cin, kh, kw, sh, sw, padTop, padLeft, ho, wo, dx];
            const field = ho * wo * kh * kw * cin;
            split("col2im", k.col2im, args, 1, rows * field, [
              [0, 4 * field],
              [13, 4 * h * w * cin],
            ]);
          },
        };
  return { gemm, startTape, rowKernels };
}
