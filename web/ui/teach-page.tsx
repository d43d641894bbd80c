/**
 * @module
 * Teach mode: the person plays an env with the keyboard at its real-time rate (or slowed down),
 * and keeps or discards each finished episode. The env runs here, in the page (mimic's own envs,
 * bundled); keeping sends only the env id, the seed and the actions, and the server replays them
 * in its own env to rebuild the episode (src/ui/episode-replay.ts). Closing the tab mid-episode sends
 * nothing, so the dataset is untouched.
 *
 * The clock starts at the first mapped key press after Start, so the person is ready. From then
 * on, one step happens every 1/fps seconds (divided by the slow-motion factor) with the action
 * the keys held at that moment say; GridWorld is turn-based, one step per key press.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Env } from "../../src/core/env.js";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { rendererFor, renderFps } from "../../src/envs/render/index.js";
import { WEB_TASKS, type WebTaskName } from "../../src/envs/web/task-names.js";
import type { TEACH_ENVS } from "../../src/ui/episode-replay.js";
import { type AppendResult, api, fmt } from "./api.js";
import { href } from "./router.js";
import { WebTeach } from "./teach-web.js";

export type EnvId = (typeof TEACH_ENVS)[number];
export type Action = number | number[];

export interface Controls {
  /** What the keys do, for the help line. */
  help: string;
  /** The action for the keys held now (`last` is the last arrow pressed, for envs with no "do nothing"). */
  action(held: ReadonlySet<string>, last: string | null): Action;
  turnBased?: boolean;
}

function lr(held: ReadonlySet<string>): -1 | 0 | 1 {
  const left = held.has("ArrowLeft");
  const right = held.has("ArrowRight");
  return left === right ? 0 : left ? -1 : 1;
}

/** Keyboard controls per env, after Gymnasium's `get_keys_to_action` where it has one. */
export const CONTROLS: Record<EnvId, Controls> = {
  "CartPole-v1": {
    help: "← push left, → push right. CartPole has no 'do nothing': the last arrow pressed keeps pushing.",
    action: (held, last) => {
      const d = lr(held);
      return d !== 0 ? (d > 0 ? 1 : 0) : last === "ArrowRight" ? 1 : 0;
    },
  },
  "MountainCar-v0": {
    help: "← accelerate left, → accelerate right, no key: coast.",
    action: (held) => lr(held) + 1,
  },
  "MountainCarContinuous-v0": {
    help: "← force −1, → force +1, no key: 0.",
    action: (held) => [lr(held)],
  },
  "Acrobot-v1": {
    help: "← torque −1, → torque +1 on the middle joint, no key: 0.",
    action: (held) => lr(held) + 1,
  },
  "Pendulum-v1": {
    help: "← torque +2 (counter-clockwise), → torque −2 (clockwise), no key: 0.",
    action: (held) => [lr(held) === 0 ? 0 : -2 * lr(held)], // never −0: JSON would send it as 0
  },
  "GridWorld-v0": {
    help: "arrows move up, right, down, left; one step per key press.",
    action: (_held, last) => ({ ArrowUp: 0, ArrowRight: 1, ArrowDown: 2, ArrowLeft: 3 })[last ?? ""] ?? 0,
    turnBased: true,
  },
};

export const KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);

type Phase = "idle" | "armed" | "running" | "done" | "saving" | "kept" | "discarded" | "error";

export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000;
}

/** The web tasks teach mode offers, as env ids (`web:click-button`); see teach-web.tsx. */
const WEB_ENVS = WEB_TASKS.map((t) => `web:${t}`);

export function TeachPage(props: { env?: string | null; dataset?: string | null; seed?: string | null }) {
  const initialEnv =
    props.env && (props.env in CONTROLS || WEB_ENVS.includes(props.env)) ? props.env : "CartPole-v1";
  const [chosen, setEnvId] = useState<string>(initialEnv);
  // A web task is taught in a page frame (WebTeach); the simulated envs' state below stays idle.
  const webTask = chosen.startsWith("web:") ? (chosen.slice(4) as WebTaskName) : null;
  const envId = (webTask === null ? chosen : "CartPole-v1") as EnvId;
  const [dataset, setDataset] = useState(props.dataset ?? "teach-demos");
  // The env's own options as JSON text (a GridWorld layout); empty means the defaults.
  const [optionsText, setOptionsText] = useState("");
  const [envError, setEnvError] = useState<string | null>(null);
  const [seed, setSeed] = useState(
    props.seed && /^\d+$/.test(props.seed) ? Number(props.seed) : randomSeed(),
  );
  const [slow, setSlow] = useState(1);
  const [phase, setPhase] = useState<Phase>("idle");
  const [message, setMessage] = useState<string>("");
  const [, setTick] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);

  // The episode in progress; refs, because the game loop must not wait for renders.
  const env = useRef<Env<unknown, Action> | null>(null);
  const obs = useRef<unknown>(null);
  const actions = useRef<Action[]>([]);
  const total = useRef(0);
  const ended = useRef({ terminated: false, truncated: false });
  const held = useRef(new Set<string>());
  const last = useRef<string | null>(null);
  const phaseRef = useRef<Phase>("idle");
  const setPhaseBoth = (p: Phase) => {
    phaseRef.current = p;
    setPhase(p);
    document.body.dataset.teach = p;
  };

  const controls = CONTROLS[envId];
  const fps = renderFps[envId] ?? 0;
  /** The parsed options, or the reason they can't be used (shown instead of the start state). */
  const envOptions = useMemo((): { options: Record<string, unknown> } | { error: string } => {
    if (optionsText.trim() === "") return { options: {} };
    try {
      const parsed: unknown = JSON.parse(optionsText);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return { error: 'env options must be a JSON object, such as {"width": 7, "height": 7}.' };
      return { options: parsed as Record<string, unknown> };
    } catch (error) {
      return { error: `env options are not JSON: ${(error as Error).message}` };
    }
  }, [optionsText]);
  const options = "options" in envOptions ? envOptions.options : {};
  // The game loop and key handlers outlive a render: they read the layout to draw through a ref.
  const drawOptions = useRef<Record<string, unknown> | undefined>(undefined);
  drawOptions.current = Object.keys(options).length > 0 ? options : undefined;

  const draw = (action?: Action) => {
    const el = canvas.current;
    if (!el || obs.current === null) return;
    const o = obs.current as ArrayLike<number> | number;
    rendererFor(envId, drawOptions.current)(el.getContext("2d")!, o, {
      width: el.width,
      height: el.height,
      action,
    });
  };

  const reset = (): boolean => {
    env.current?.close?.();
    env.current = null;
    obs.current = null;
    if ("error" in envOptions) {
      setEnvError(envOptions.error);
      return false;
    }
    try {
      env.current = make(envId, options) as unknown as Env<unknown, Action>;
    } catch (error) {
      setEnvError((error as Error).message);
      return false;
    }
    setEnvError(null);
    obs.current = env.current.reset({ seed }).observation;
    actions.current = [];
    total.current = 0;
    ended.current = { terminated: false, truncated: false };
    last.current = null;
    draw();
    setTick((x) => x + 1);
    return true;
  };

  // Show the start state of the chosen env, options and seed.
  useEffect(() => {
    if (phaseRef.current === "running" || webTask !== null) return;
    reset();
  }, [envId, seed, optionsText, webTask]);
  useEffect(() => () => env.current?.close?.(), []);

  const step = () => {
    const e = env.current!;
    const action = controls.action(held.current, last.current);
    const result = e.step(action);
    actions.current.push(action);
    obs.current = result.observation;
    total.current += result.reward;
    draw(action);
    if (result.terminated || result.truncated) {
      ended.current = { terminated: result.terminated, truncated: result.truncated };
      setPhaseBoth("done");
    }
    setTick((x) => x + 1);
  };

  // The real-time loop: steps fall due every period; late frames catch up (at most 5 at once).
  useEffect(() => {
    if (phase !== "running" || controls.turnBased) return;
    const period = 1000 / (fps * slow);
    const start = performance.now();
    let done = 0;
    let frame = 0;
    const loop = (now: number) => {
      if (phaseRef.current !== "running") return;
      const due = Math.floor((now - start) / period) + 1;
      for (let i = 0; i < Math.min(5, due - done) && phaseRef.current === "running"; i++) step();
      // Steps more than five frames late are dropped: the env never runs faster than real time.
      done = due;
      if (phaseRef.current === "running") frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(frame);
  }, [phase]);

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (!KEYS.has(e.key) || ["INPUT", "SELECT"].includes((e.target as HTMLElement).tagName)) return;
      e.preventDefault();
      held.current.add(e.key);
      last.current = e.key;
      if (phaseRef.current === "armed") {
        setPhaseBoth("running");
        if (controls.turnBased) step();
      } else if (phaseRef.current === "running" && controls.turnBased) step();
    };
    const up = (e: KeyboardEvent) => held.current.delete(e.key);
    addEventListener("keydown", down);
    addEventListener("keyup", up);
    return () => {
      removeEventListener("keydown", down);
      removeEventListener("keyup", up);
    };
  }, [envId, controls]);

  const start = () => {
    if (!reset()) return;
    setMessage("");
    setPhaseBoth("armed");
    canvas.current?.focus();
  };

  const keep = async () => {
    setPhaseBoth("saving");
    try {
      const result: AppendResult = await api.keep({
        dataset,
        envId,
        ...(Object.keys(options).length > 0 ? { envOptions: options } : {}),
        seed,
        actions: actions.current,
        terminated: ended.current.terminated,
        truncated: ended.current.truncated,
      });
      setMessage(
        `Kept as episode ${result.index} of ${result.dataset} (${result.episodes} episode${result.episodes === 1 ? "" : "s"}; return ${fmt(result.return)} over ${result.length} steps, replayed on the server).`,
      );
      setPhaseBoth("kept");
      setSeed(randomSeed());
    } catch (error) {
      setMessage(`Not kept: ${(error as Error).message}`);
      setPhaseBoth("error");
    }
  };

  const discard = () => {
    setMessage(
      `Discarded (${actions.current.length} steps, return ${fmt(total.current)}); nothing was written.`,
    );
    setPhaseBoth("discarded");
    setSeed(randomSeed());
  };

  const busy = phase === "armed" || phase === "running" || phase === "saving";
  // A finished episode waits for keep or discard: changing the env or the seed would replace it.
  const locked = busy || phase === "done";
  return (
    <section id="teach-page" data-phase={phase}>
      <h1>Teach</h1>
      <p class="muted">
        Play an environment yourself; keep the episodes worth learning from. They are added to a dataset under
        the server's datasets directory, in the same format as `mimic collect` writes.
      </p>
      <div class="form">
        <label>
          env{" "}
          <select
            id="teach-env"
            value={chosen}
            disabled={locked || document.body.dataset.teach === "running"}
            onChange={(e) => setEnvId(e.currentTarget.value)}
          >
            <optgroup label="simulated">
              {Object.keys(CONTROLS).map((id) => (
                <option value={id}>{id}</option>
              ))}
            </optgroup>
            <optgroup label="web tasks (in a browser frame)">
              {WEB_ENVS.map((id) => (
                <option value={id}>{id}</option>
              ))}
            </optgroup>
          </select>
        </label>
        {webTask === null && (
          <label>
            env options{" "}
            <input
              id="teach-env-options"
              placeholder='{"width": 7, "height": 7}'
              value={optionsText}
              disabled={locked}
              onInput={(e) => setOptionsText(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          dataset{" "}
          <input
            id="teach-dataset"
            value={dataset}
            disabled={busy}
            onInput={(e) => setDataset(e.currentTarget.value)}
          />
        </label>
        <label>
          seed{" "}
          <input
            id="teach-seed"
            type="number"
            min={0}
            value={seed}
            disabled={locked}
            onInput={(e) => setSeed(Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)))}
          />
        </label>
        {webTask === null && !controls.turnBased && (
          <label>
            speed{" "}
            <select
              id="teach-speed"
              value={slow}
              disabled={busy}
              onChange={(e) => setSlow(Number(e.currentTarget.value))}
            >
              <option value={1}>real time ({fps} steps/s)</option>
              <option value={0.5}>½× slow motion</option>
              <option value={0.25}>¼× slow motion</option>
            </select>
          </label>
        )}
        {webTask === null && (
          <button type="button" id="teach-start" disabled={locked || envError !== null} onClick={start}>
            Start
          </button>
        )}
      </div>
      {webTask !== null && (
        <WebTeach task={webTask} dataset={dataset} seed={seed} onSeed={setSeed} nextSeed={randomSeed} />
      )}
      {webTask === null && envError && (
        <p class="error" id="teach-env-error">
          {envError}
        </p>
      )}
      {webTask === null && (
        <p class="help">
          <b>Keys:</b> {controls.help}
        </p>
      )}
      <canvas
        ref={canvas}
        id="teach-canvas"
        width={600}
        height={360}
        tabIndex={0}
        style={webTask === null ? undefined : { display: "none" }}
      />
      {webTask === null && (
        <div class="stats">
          <div>
            <b id="teach-steps">{actions.current.length}</b> steps
          </div>
          <div>
            <b id="teach-return">{fmt(total.current)}</b> return
          </div>
          <div>
            <b id="teach-phase">
              {
                {
                  idle: "press Start",
                  armed: "press an arrow key to begin",
                  running: "playing",
                  done: ended.current.terminated ? "terminated" : "truncated (time limit)",
                  saving: "saving…",
                  kept: "kept",
                  discarded: "discarded",
                  error: "error",
                }[phase]
              }
            </b>
            status
          </div>
        </div>
      )}
      {webTask === null && phase === "done" && (
        <p class="decide">
          <button type="button" id="teach-keep" onClick={keep}>
            Keep: add to {dataset}
          </button>{" "}
          <button type="button" id="teach-discard" onClick={discard}>
            Discard
          </button>
        </p>
      )}
      {webTask === null && message && (
        <p id="teach-message" class={phase === "error" ? "error" : ""}>
          {message} {phase === "kept" && <a href={href("dataset", { id: dataset })}>Open {dataset}</a>}
        </p>
      )}
    </section>
  );
}
