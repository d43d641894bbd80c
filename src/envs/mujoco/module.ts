/**
 * @module
 * Loading MuJoCo's WebAssembly module (`mujoco-js`) once per process or page. Loading is
 * asynchronous (the wasm is compiled), stepping is not: `await loadMujoco()` once, and after that
 * `make("Hopper-v5")` builds a synchronous `Env` like any other. `make` before loading throws a
 * `SimulatorError` that says so.
 */
import type { MainModule } from "mujoco-js";
import { SimulatorError } from "../../core/errors.js";

/** The loaded module and the text it printed (kept for error messages: the library never prints). */
export interface Mujoco {
  readonly module: MainModule;
  /** MuJoCo's version string, such as `3.3.8`. */
  readonly version: string;
  /** Lines MuJoCo printed since the last `takeOutput()`. */
  takeOutput(): string[];
}

let loaded: Mujoco | undefined;
let loading: Promise<Mujoco> | undefined;

/**
 * Loads MuJoCo's WebAssembly module (about 0.1–0.2 s), once; later calls return the same module.
 * Call it before `make` of a MuJoCo env (InvertedPendulum-v5, Hopper-v5, …).
 */
export function loadMujoco(): Promise<Mujoco> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= (async () => {
    const output: string[] = [];
    const keep = (line: string) => {
      output.push(line);
      if (output.length > 100) output.shift();
    };
    let factory: typeof import("mujoco-js").default;
    try {
      factory = (await import("mujoco-js")).default;
    } catch (cause) {
      throw new SimulatorError(
        "loadMujoco: cannot import the mujoco-js package. Install it with `npm install mujoco-js`.",
        { cause },
      );
    }
    let module: MainModule;
    try {
      module = await factory({ print: keep, printErr: keep });
    } catch (cause) {
      throw new SimulatorError(
        `loadMujoco: MuJoCo's WebAssembly module failed to start${output.length ? `: ${output.join(" ")}` : ""}.`,
        { cause },
      );
    }
    loaded = {
      module,
      version: module.mj_versionString(),
      takeOutput: () => output.splice(0),
    };
    return loaded;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** The loaded module, or a `SimulatorError` naming `loadMujoco` when it has not been loaded. */
export function mujocoOrThrow(who: string): Mujoco {
  if (loaded) return loaded;
  throw new SimulatorError(
    `${who}: MuJoCo's WebAssembly module is not loaded. Call \`await loadMujoco()\` (exported by mimic) once before making a MuJoCo env.`,
  );
}
