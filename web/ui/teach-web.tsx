/**
 * @module
 * Teach mode for web tasks: the task's page (served by the dashboard from the built-in suite) in a
 * frame, the recorder's capture script running in it (src/envs/web/capture-script.ts, the same one
 * `mimic web record` uses), and the person doing the task with the mouse and keyboard. Each
 * captured action arrives here by `postMessage`; when the task ends, the person keeps or discards
 * the episode. Keeping sends the task, the seed and the actions by ref; the server replays them in
 * its own headless browser (src/ui/web-teach.ts), so the stored pages and rewards are the env's.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { CAPTURE_SCRIPT, type CapturedStep } from "../../src/envs/web/capture-script.js";
import type { WebTaskName } from "../../src/envs/web/task-names.js";
import type { KeptWebEpisode } from "../../src/ui/web-teach.js";
import { type AppendResult, api, fmt } from "./api.js";
import { href } from "./router.js";

type Phase = "loading" | "ready" | "running" | "done" | "saving" | "kept" | "discarded" | "error";

/** The task page's globals that teach mode uses (MiniWoB++'s protocol). */
interface TaskWindow extends Window {
  core: { startEpisodeReal(): void; EPISODE_MAX_TIME: number };
  Math: Math & { seedrandom(seed: string): void };
  WOB_DONE_GLOBAL: boolean;
  WOB_REWARD_GLOBAL: number;
  WOB_RAW_REWARD_GLOBAL: number;
  eval(code: string): unknown;
}

/** One captured action as the server takes it (by ref; the observation is rebuilt there). */
function keptAction(step: CapturedStep): KeptWebEpisode["actions"][number] {
  if (step.kind === "key") return { kind: "key", key: step.key as never };
  if (step.kind === "type") return { kind: "type", ref: step.ref!, text: step.text ?? "" };
  return { kind: "click", ref: step.ref! };
}

function describe(step: CapturedStep): string {
  if (step.kind === "key") return `key ${step.key}`;
  if (step.kind === "type") return `type ${JSON.stringify(step.text)} into ref ${step.ref}`;
  return `click ref ${step.ref}`;
}

export function WebTeach(props: {
  task: WebTaskName;
  dataset: string;
  seed: number;
  onSeed: (seed: number) => void;
  nextSeed: () => number;
}) {
  const { task, dataset, seed } = props;
  const frame = useRef<HTMLIFrameElement>(null);
  const steps = useRef<CapturedStep[]>([]);
  const [phase, setPhase] = useState<Phase>("loading");
  const [message, setMessage] = useState("");
  const [reward, setReward] = useState<number | null>(null);
  const [, setTick] = useState(0);
  const phaseRef = useRef<Phase>("loading");
  const setPhaseBoth = (p: Phase) => {
    phaseRef.current = p;
    setPhase(p);
    document.body.dataset.teach = p;
  };
  const page = () => frame.current?.contentWindow as TaskWindow | null;

  // Captured actions from the frame; the episode ends when the page says it is done.
  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (event.source !== frame.current?.contentWindow || phaseRef.current !== "running") return;
      const step = (event.data as { mimicCapturedStep?: CapturedStep }).mimicCapturedStep;
      if (step === undefined) return;
      steps.current.push(step);
      setTick((x) => x + 1);
      if (step.done) {
        setReward(step.rawReward);
        setPhaseBoth("done");
      }
    };
    addEventListener("message", onMessage);
    return () => removeEventListener("message", onMessage);
  }, []);

  // Ready once the frame's task runtime is there (polled: a load event can come before a listener).
  useEffect(() => {
    const timer = setInterval(() => {
      const w = page();
      if (phaseRef.current === "loading" && w?.document.readyState === "complete" && w.core !== undefined) {
        setPhaseBoth("ready");
      }
      if (phaseRef.current !== "loading") clearInterval(timer);
    }, 50);
    return () => clearInterval(timer);
  }, [task]);

  // The task's own timer can end an episode with no action at all: watch for it.
  useEffect(() => {
    if (phase !== "running") return;
    const timer = setInterval(() => {
      const w = page();
      if (w?.WOB_DONE_GLOBAL && phaseRef.current === "running") {
        setReward(w.WOB_RAW_REWARD_GLOBAL);
        setPhaseBoth("done");
      }
    }, 200);
    return () => clearInterval(timer);
  }, [phase]);

  const start = () => {
    const w = page();
    if (!w || typeof w.core?.startEpisodeReal !== "function") {
      setMessage("The task page is not loaded yet.");
      return;
    }
    w.eval(CAPTURE_SCRIPT);
    // A person needs longer than MiniWoB++'s 10 s; the reward is kept unscaled (raw) anyway.
    w.core.EPISODE_MAX_TIME = 60_000;
    w.Math.seedrandom(String(seed));
    w.core.startEpisodeReal();
    steps.current = [];
    setReward(null);
    setMessage("");
    setPhaseBoth("running");
    frame.current?.focus();
  };

  const keep = async () => {
    setPhaseBoth("saving");
    try {
      const result: AppendResult = await api.keepWeb({
        dataset,
        task,
        seed,
        actions: steps.current.map(keptAction),
        reward: reward ?? 0,
      });
      setMessage(
        `Kept as episode ${result.index} of ${result.dataset} (${result.episodes} episode${result.episodes === 1 ? "" : "s"}; ${result.length} actions, return ${fmt(result.return)}, replayed on the server).`,
      );
      setPhaseBoth("kept");
      props.onSeed(props.nextSeed());
    } catch (error) {
      setMessage(`Not kept: ${(error as Error).message}`);
      setPhaseBoth("error");
    }
  };

  const discard = () => {
    setMessage(`Discarded (${steps.current.length} actions); nothing was written.`);
    setPhaseBoth("discarded");
    props.onSeed(props.nextSeed());
  };

  return (
    <div id="teach-web" data-phase={phase}>
      <p class="help">
        <b>Do the task</b> in the page below with the mouse and keyboard: clicks, text typed into a field (it
        must be one of the instruction's quoted values) and Enter, Tab, Escape and the arrow keys are
        recorded, each with the page as it was before it.
      </p>
      <p>
        <button
          type="button"
          id="teach-web-start"
          disabled={phase === "loading" || phase === "running" || phase === "saving" || phase === "done"}
          onClick={start}
        >
          Start (seed {seed})
        </button>
      </p>
      <iframe
        ref={frame}
        id="teach-web-frame"
        title={`web task ${task}`}
        src={`/web-tasks/${task}.html`}
        width={360}
        height={240}
        // Only during an episode: the frame's own START cover would begin an unseeded, unrecorded one.
        style={{ pointerEvents: phase === "running" ? "auto" : "none", border: "1px solid #999" }}
      />
      <div class="stats">
        <div>
          <b id="teach-web-actions">{steps.current.length}</b> actions
        </div>
        <div>
          <b id="teach-web-reward">{reward === null ? "–" : fmt(reward)}</b> reward
        </div>
        <div>
          <b id="teach-web-phase">
            {
              {
                loading: "loading the task",
                ready: "press Start",
                running: "do the task",
                done: reward !== null && reward > 0 ? "succeeded" : "failed",
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
      <ol id="teach-web-steps" class="muted">
        {steps.current.map((s) => (
          <li>{describe(s)}</li>
        ))}
      </ol>
      {phase === "done" && (
        <p class="decide">
          <button type="button" id="teach-web-keep" onClick={keep} disabled={steps.current.length === 0}>
            Keep: add to {dataset}
          </button>{" "}
          <button type="button" id="teach-web-discard" onClick={discard}>
            Discard
          </button>
        </p>
      )}
      {message && (
        <p id="teach-web-message" class={phase === "error" ? "error" : ""}>
          {message} {phase === "kept" && <a href={href("dataset", { id: dataset })}>Open {dataset}</a>}
        </p>
      )}
    </div>
  );
}
