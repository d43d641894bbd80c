/**
 * @module
 * The tensor engine: the one file in mimic that imports TensorFlow.js. Every other module in
 * `nn/` takes `tf` from here, and nothing outside `nn/` sees a tensor.
 *
 * `@tensorflow/tfjs` is imported whole because its bundle is what registers the gradient
 * functions (`@tensorflow/tfjs-core` alone cannot differentiate); the WebAssembly backend comes from
 * `@tensorflow/tfjs-backend-wasm`. `initEngine` picks WebAssembly with SIMD, single-threaded: tfjs
 * turns wasm threads off in Node (its worker loader needs a browser), and for policy-sized
 * networks one thread is the fastest setting anyway. Both backends mimic uses are deterministic:
 * the same inputs give the same bits on every run, which resuming from a checkpoint relies on.
 * The `.wasm` binaries ship inside the npm package and are read from its `dist/` folder; nothing
 * is downloaded at run time.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths, version_wasm as wasmVersion } from "@tensorflow/tfjs-backend-wasm";

export { tf };

/** The backends mimic runs on. */
export type EngineBackend = "wasm" | "cpu";

export interface EngineInfo {
  backend: EngineBackend;
}

export interface InitEngineOptions {
  /**
   * The backend to try first (default `"wasm"`, falling back to `"cpu"`). Only the first call
   * chooses; later calls return the engine that is already running.
   */
  backend?: EngineBackend;
}

let ready: Promise<EngineInfo> | null = null;

/**
 * Starts the tensor engine once: WebAssembly when it loads, the pure-JS CPU backend otherwise.
 * Idempotent and safe to call concurrently; every `nn/` entry point awaits it.
 */
export function initEngine(options: InitEngineOptions = {}): Promise<EngineInfo> {
  ready ??= start(options.backend ?? "wasm");
  return ready;
}

async function start(preferred: EngineBackend): Promise<EngineInfo> {
  // Production mode turns off tfjs's console messages (the "install tfjs-node" banner and the
  // backend-initialization warnings) and its per-op debug checks.
  tf.enableProdMode();
  if (preferred === "wasm" && (await pointWasmAtPackage())) {
    const restoreHandlers = keepProcessHandlers();
    try {
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        return { backend: "wasm" };
      }
    } catch {
      // Fall through to the CPU backend.
    } finally {
      restoreHandlers();
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return { backend: "cpu" };
}

/**
 * In Node, tells the wasm backend to read its binaries from the installed package's `dist/`
 * folder. In a browser the bundler serves them next to the script and nothing needs setting.
 * Returns false when WebAssembly is unavailable or the package's folder cannot be found.
 */
async function pointWasmAtPackage(): Promise<boolean> {
  if (typeof WebAssembly !== "object") return false;
  const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
  if (!isNode) return true;
  try {
    const { createRequire } = await import("node:module");
    const { dirname, sep } = await import("node:path");
    const { existsSync } = await import("node:fs");
    const entry = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
    const folder = `${dirname(entry)}${sep}`;
    if (!existsSync(`${folder}tfjs-backend-wasm.wasm`)) return false;
    setWasmPaths(folder);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Emscripten loader of the wasm backend adds `uncaughtException` and `unhandledRejection`
 * handlers that rethrow, which turns any later crash into a dump of its minified source. This
 * notes the handlers present now and returns a function that removes the ones added since.
 */
function keepProcessHandlers(): () => void {
  if (typeof process === "undefined" || typeof process.listeners !== "function") return () => {};
  const exceptions = new Set(process.listeners("uncaughtException"));
  const rejections = new Set(process.listeners("unhandledRejection"));
  return () => {
    for (const listener of process.listeners("uncaughtException")) {
      if (!exceptions.has(listener)) process.removeListener("uncaughtException", listener);
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!rejections.has(listener)) process.removeListener("unhandledRejection", listener);
    }
  };
}

/** Which backend is running, or null before `initEngine` has finished. */
export function engineBackend(): EngineBackend | null {
  const name = tf.getBackend();
  return name === "wasm" || name === "cpu" ? name : null;
}

/**
 * The tensor engine's library versions and running backend, for run manifests:
 * `{ tfjs: "4.22.0", "tfjs-backend-wasm": "4.22.0", backend: "wasm" }` (backend "none" before
 * `initEngine` has finished).
 */
export function engineVersions(): Record<string, string> {
  return {
    tfjs: tf.version.tfjs,
    "tfjs-backend-wasm": wasmVersion,
    backend: engineBackend() ?? "none",
  };
}

/** The engine's live tensor count and bytes, for leak tests (`numTensors` must not grow). */
export function engineMemory(): { numTensors: number; numBytes: number } {
  const memory = tf.memory();
  return { numTensors: memory.numTensors, numBytes: memory.numBytes };
}
