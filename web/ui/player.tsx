/**
 * @module
 * Replays a recorded episode on a canvas with the env's renderer (src/envs/render): play, pause,
 * step back and forward, a frame slider, and the speed. 1× is the env's real-time rate.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { rendererFor, renderFps } from "../../src/envs/render/index.js";
import { type EpisodeData, fmt } from "./api.js";

const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;

export function Player(props: { episode: EpisodeData }) {
  const { episode } = props;
  const length = episode.rewards.length;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [t, setT] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const renderer = useMemo(() => {
    try {
      // The dataset's env options (a GridWorld layout) pick the renderer's layout.
      return episode.env ? rendererFor(episode.env, episode.envOptions ?? undefined) : null;
    } catch (e) {
      setError((e as Error).message);
      return null;
    }
  }, [episode.env, episode.envOptions]);
  const fps = (episode.env && renderFps[episode.env]) || 4;

  // A new episode starts from its first frame, paused.
  useEffect(() => {
    setT(0);
    setPlaying(false);
  }, [episode]);

  useEffect(() => {
    const el = canvas.current;
    if (!el || !renderer) return;
    const obs = episode.observations.slice(t * episode.obsDim, (t + 1) * episode.obsDim);
    const action =
      t < length ? episode.actions.slice(t * episode.actDim, (t + 1) * episode.actDim) : undefined;
    try {
      renderer(el.getContext("2d")!, obs, {
        width: el.width,
        height: el.height,
        action: action && (episode.actDim === 1 && Number.isInteger(action[0]) ? action[0] : action),
      });
      el.dataset.frame = String(t);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [t, episode, renderer]);

  useEffect(() => {
    if (!playing) return;
    if (t >= length) {
      setPlaying(false);
      return;
    }
    const timer = setTimeout(() => setT((x) => Math.min(length, x + 1)), 1000 / (fps * speed));
    return () => clearTimeout(timer);
  }, [playing, t, speed, fps, length]);

  const returnSoFar = episode.rewards.slice(0, t).reduce((a, b) => a + b, 0);
  return (
    <div class="player">
      <canvas ref={canvas} width={600} height={360} id="replay-canvas" />
      {error && <p class="error">{error}</p>}
      <div class="controls">
        <button
          type="button"
          id="replay-back"
          onClick={() => setT((x) => Math.max(0, x - 1))}
          disabled={t === 0}
        >
          ◀ step
        </button>
        <button
          type="button"
          id="replay-play"
          onClick={() => {
            if (!playing && t >= length) setT(0);
            setPlaying(!playing);
          }}
        >
          {playing ? "❚❚ pause" : "▶ play"}
        </button>
        <button
          type="button"
          id="replay-step"
          onClick={() => setT((x) => Math.min(length, x + 1))}
          disabled={t >= length}
        >
          step ▶
        </button>
        <label>
          speed{" "}
          <select id="replay-speed" value={speed} onChange={(e) => setSpeed(Number(e.currentTarget.value))}>
            {SPEEDS.map((s) => (
              <option value={s}>{s}×</option>
            ))}
          </select>
        </label>
        <input
          type="range"
          id="replay-slider"
          min={0}
          max={length}
          value={t}
          onInput={(e) => setT(Number(e.currentTarget.value))}
        />
        <span id="replay-position">
          step {t} / {length}
        </span>
        <span>return so far {fmt(returnSoFar)}</span>
      </div>
      <p class="muted">
        1× is {episode.env ?? "the env"}'s real-time rate ({fps} frames per second). The arrow shows the
        action taken from the frame shown.
      </p>
    </div>
  );
}
