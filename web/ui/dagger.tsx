/**
 * @module
 * Live DAgger with the person as the expert (src/ui/human-dagger.ts). The learner (a compiled
 * policy from the server) drives the env here at real-time rate; from the person's first arrow
 * key on, the action their keys say is recorded as the label of every state shown. T toggles a
 * takeover: the person's action is then also the one executed. A finished episode goes to the
 * server (seed, executed actions, labels), which replays it and holds it for the round; "Train"
 * saves the round's labels as a dataset and retrains the learner on everything.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Env } from "../../src/core/env.js";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { rendererFor, renderFps } from "../../src/envs/render/index.js";
import { type CompiledPolicy, compiledPolicyFromJSON } from "../../src/nn/compile.js";
import { api, daggerApi, fmt, type HumanDaggerState } from "./api.js";
import { useLoad } from "./hooks.js";
import { href } from "./router.js";
import { type Action, CONTROLS, type EnvId, KEYS, randomSeed } from "./teach-page.js";

type Phase = "setup" | "training" | "ready" | "running" | "sending" | "error";

export function DaggerPage() {
  const datasets = useLoad(() => api.datasets(), []);
  const choices = (datasets.data?.items ?? []).filter((d) => d.env !== null && d.env in CONTROLS);
  const [demos, setDemos] = useState("");
  const [name, setName] = useState("dagger");
  const [epochs, setEpochs] = useState(20);
  const [session, setSession] = useState<HumanDaggerState | null>(null);
  const [phase, setPhaseState] = useState<Phase>("setup");
  const [message, setMessage] = useState("");
  const [seed, setSeed] = useState(randomSeed);
  const [slow, setSlow] = useState(1);
  const [, setTick] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);

  const env = useRef<Env<unknown, Action> | null>(null);
  const learner = useRef<CompiledPolicy | null>(null);
  const obs = useRef<unknown>(null);
  const executed = useRef<Action[]>([]);
  const labels = useRef<Action[]>([]);
  const labelsFrom = useRef<number | null>(null);
  const takeover = useRef(false);
  const total = useRef(0);
  const held = useRef(new Set<string>());
  const last = useRef<string | null>(null);
  const phaseRef = useRef<Phase>("setup");
  const setPhase = (p: Phase) => {
    phaseRef.current = p;
    setPhaseState(p);
    document.body.dataset.dagger = p;
  };

  const envId = (session?.envId ?? null) as EnvId | null;
  const controls = envId ? CONTROLS[envId] : null;
  const fps = envId ? (renderFps[envId] ?? 4) : 0;

  const draw = (action?: Action) => {
    const el = canvas.current;
    if (!el || !envId || obs.current === null) return;
    rendererFor(envId)(el.getContext("2d")!, obs.current as ArrayLike<number> | number, {
      width: el.width,
      height: el.height,
      action,
    });
  };

  const begin = async () => {
    setPhase("training");
    setMessage("Training round 0 (behavior cloning on the demonstrations)…");
    try {
      const state = await daggerApi.start({ demos: demos || choices[0]!.id, name, epochs });
      learner.current = compiledPolicyFromJSON(state.policy);
      setSession(state);
      setMessage("");
      setPhase("ready");
    } catch (error) {
      setMessage((error as Error).message);
      setPhase("error");
    }
  };

  const learnerAction = (o: unknown): Action => {
    const a = learner.current!.act(o as ArrayLike<number> | number);
    return typeof a === "number" ? a : Array.from(a);
  };

  const finish = async (terminated: boolean, truncated: boolean) => {
    setPhase("sending");
    if (labelsFrom.current === null) {
      setMessage(
        "Not added: you pressed no key, so no state has your label. Hold the arrow you would press.",
      );
      setPhase("ready");
      return;
    }
    try {
      const state = await daggerApi.episode({
        session: session!.session,
        seed,
        executed: executed.current,
        labelsFrom: labelsFrom.current,
        labels: labels.current,
        terminated,
        truncated,
      });
      setSession(state);
      setMessage(
        `Added ${labels.current.length} labelled states (return ${fmt(total.current)} over ${executed.current.length} steps).`,
      );
      setSeed(randomSeed());
      setPhase("ready");
    } catch (error) {
      setMessage(`Not added: ${(error as Error).message}`);
      setPhase("ready");
    }
  };

  const step = () => {
    const e = env.current!;
    const learnerChoice = learnerAction(obs.current);
    const mine = labelsFrom.current === null ? null : controls!.action(held.current, last.current);
    if (mine !== null) labels.current.push(mine);
    const action = takeover.current && mine !== null ? mine : learnerChoice;
    const result = e.step(action);
    executed.current.push(action);
    obs.current = result.observation;
    total.current += result.reward;
    draw(action);
    setTick((x) => x + 1);
    if (result.terminated || result.truncated) void finish(result.terminated, result.truncated);
  };

  const drive = () => {
    env.current?.close?.();
    env.current = make(envId!) as unknown as Env<unknown, Action>;
    obs.current = env.current.reset({ seed }).observation;
    executed.current = [];
    labels.current = [];
    labelsFrom.current = null;
    takeover.current = false;
    total.current = 0;
    setMessage("");
    draw();
    setPhase("running");
    canvas.current?.focus();
  };

  // The learner's real-time loop (as teach mode's).
  useEffect(() => {
    if (phase !== "running") return;
    const period = 1000 / (fps * slow);
    const start = performance.now();
    let done = 0;
    let frame = 0;
    const loop = (now: number) => {
      if (phaseRef.current !== "running") return;
      const due = Math.floor((now - start) / period) + 1;
      for (let i = 0; i < Math.min(5, due - done) && phaseRef.current === "running"; i++) step();
      done = due;
      if (phaseRef.current === "running") frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(frame);
  }, [phase]);

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (["INPUT", "SELECT"].includes((e.target as HTMLElement).tagName)) return;
      if (e.key === "t" || e.key === "T") {
        if (phaseRef.current === "running") takeover.current = !takeover.current;
        setTick((x) => x + 1);
        return;
      }
      if (!KEYS.has(e.key)) return;
      e.preventDefault();
      held.current.add(e.key);
      last.current = e.key;
      // Labels start with the first key press; the state shown now is the first labelled one.
      if (phaseRef.current === "running" && labelsFrom.current === null)
        labelsFrom.current = executed.current.length;
    };
    const up = (e: KeyboardEvent) => held.current.delete(e.key);
    addEventListener("keydown", down);
    addEventListener("keyup", up);
    return () => {
      removeEventListener("keydown", down);
      removeEventListener("keyup", up);
    };
  }, []);

  useEffect(() => () => env.current?.close?.(), []);

  const train = async () => {
    setPhase("training");
    setMessage(`Saving round ${session!.rounds.length}'s labels and retraining on everything…`);
    try {
      const state = await daggerApi.train(session!.session);
      learner.current = compiledPolicyFromJSON(state.policy);
      setSession(state);
      const round = state.rounds.at(-1)!;
      setMessage(`Round ${round.round}: the new learner's mean return is ${fmt(round.meanReturn)}.`);
      setPhase("ready");
    } catch (error) {
      setMessage(`Training failed: ${(error as Error).message}`);
      setPhase("ready");
    }
  };

  return (
    <section id="dagger-page" data-phase={phase}>
      <h1>DAgger, with you as the expert</h1>
      <p class="muted">
        A learner trained on a dataset drives; hold the arrow key you would press, and your action becomes the
        label of every state shown from your first key press on. Press T to take over (and again to hand
        back). After some episodes, train the next round: its labels are saved as a dataset and the learner is
        retrained on everything, as DAgger does.
      </p>
      {!session && (
        <div class="form">
          <label>
            demonstrations{" "}
            <select id="dagger-demos" value={demos} onChange={(e) => setDemos(e.currentTarget.value)}>
              {choices.map((d) => (
                <option value={d.id}>
                  {d.id} ({d.env}, {d.episodes} episodes)
                </option>
              ))}
            </select>
          </label>
          <label>
            session name{" "}
            <input id="dagger-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            BC epochs{" "}
            <input
              id="dagger-epochs"
              type="number"
              min={1}
              value={epochs}
              onInput={(e) => setEpochs(Math.max(1, Math.floor(Number(e.currentTarget.value) || 1)))}
            />
          </label>
          <button
            type="button"
            id="dagger-start"
            disabled={choices.length === 0 || phase === "training"}
            onClick={begin}
          >
            Train round 0 and start
          </button>
          {datasets.data && choices.length === 0 && (
            <p class="muted">
              No dataset to start from: record one in <a href={href("teach")}>teach mode</a> or with `mimic
              collect`.
            </p>
          )}
        </div>
      )}
      {session && controls && (
        <>
          <p class="muted">
            {session.envId} · session datasets {session.name}-round-&lt;i&gt; · <b>Keys:</b> {controls.help}{" "}
            T: take over.
          </p>
          <div class="form">
            <label>
              seed{" "}
              <input
                id="dagger-seed"
                type="number"
                value={seed}
                disabled={phase === "running"}
                onInput={(e) => setSeed(Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)))}
              />
            </label>
            <label>
              speed{" "}
              <select id="dagger-speed" value={slow} onChange={(e) => setSlow(Number(e.currentTarget.value))}>
                <option value={1}>real time ({fps} steps/s)</option>
                <option value={0.5}>½× slow motion</option>
                <option value={0.25}>¼× slow motion</option>
              </select>
            </label>
            <button type="button" id="dagger-drive" disabled={phase !== "ready"} onClick={drive}>
              Drive an episode
            </button>
            <button
              type="button"
              id="dagger-train"
              disabled={phase !== "ready" || session.pendingEpisodes === 0}
              onClick={train}
            >
              Train round {session.rounds.length} ({session.pendingEpisodes} episodes, {session.pendingSteps}{" "}
              labels)
            </button>
          </div>
          <canvas ref={canvas} id="dagger-canvas" width={600} height={360} tabIndex={0} />
          <div class="stats">
            <div>
              <b id="dagger-steps">{executed.current.length}</b> steps
            </div>
            <div>
              <b id="dagger-labels">{labels.current.length}</b> your labels
            </div>
            <div>
              <b id="dagger-driver">{takeover.current ? "you (takeover)" : "learner"}</b> driving
            </div>
          </div>
          <table id="dagger-rounds">
            <thead>
              <tr>
                <th class="num">round</th>
                <th class="num">episodes</th>
                <th class="num">labels</th>
                <th>saved as</th>
                <th class="num">training steps</th>
                <th class="num">train loss</th>
                <th class="num">learner's mean return</th>
              </tr>
            </thead>
            <tbody>
              {session.rounds.map((r) => (
                <tr data-round={r.round}>
                  <td class="num">{r.round}</td>
                  <td class="num">{r.episodes}</td>
                  <td class="num">{r.labelledSteps}</td>
                  <td>
                    {r.dataset ? (
                      <a href={href("dataset", { id: r.dataset })}>{r.dataset}</a>
                    ) : (
                      "demonstrations"
                    )}
                  </td>
                  <td class="num">{r.datasetSteps}</td>
                  <td class="num">{fmt(r.trainLoss, 4)}</td>
                  <td class="num">{fmt(r.meanReturn)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {message && (
        <p id="dagger-message" class={phase === "error" ? "error" : ""}>
          {message}
        </p>
      )}
    </section>
  );
}
