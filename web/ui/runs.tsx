/** @module The run list, the run page (live learning curves, evaluation table) and the comparison chart. */
import { useMemo, useState } from "preact/hooks";
import { isEvaluationMetric } from "../../src/ui/store.js";
import { api, fmt, type RunDetail, type RunSummary } from "./api.js";
import { Chart, type Series } from "./chart.js";
import { useLoad } from "./hooks.js";
import { href } from "./router.js";

export function Warnings(props: { warnings: readonly string[] }) {
  if (props.warnings.length === 0) return null;
  return (
    <div class="warnings" role="alert">
      {props.warnings.map((w) => (
        <p>⚠ {w}</p>
      ))}
    </div>
  );
}

/** A run marked "running" whose files have not changed for this long has probably died. */
const STALE_MS = 10 * 60 * 1000;

function Status(props: { run: RunSummary }) {
  const { status, lastUpdate } = props.run;
  const quiet = Date.now() - Date.parse(lastUpdate);
  if (status === "running" && quiet > STALE_MS) {
    const minutes = Math.round(quiet / 60_000);
    return (
      <span
        class="status status-stale"
        title={`no change to manifest.json or metrics.jsonl for ${minutes} minutes: the training process may have stopped`}
      >
        running? ({minutes} min quiet)
      </span>
    );
  }
  return <span class={`status status-${status}`}>{status}</span>;
}

export function RunsPage() {
  const { data, error } = useLoad(() => api.runs(), [], 5000);
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  return (
    <section>
      <h1>Runs</h1>
      {error && <p class="error">{error}</p>}
      {data && <Warnings warnings={data.warnings} />}
      {data && data.items.length === 0 && (
        <p class="muted">
          No runs yet. Train one, e.g. `mimic train bc --dataset … --out runs/&lt;name&gt;`.
        </p>
      )}
      {data && data.items.length > 0 && (
        <>
          <table id="runs-table">
            <thead>
              <tr>
                <th />
                <th>run</th>
                <th>algorithm</th>
                <th>env</th>
                <th>status</th>
                <th class="num">best return</th>
                <th>started</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr data-run={r.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`compare ${r.id}`}
                      checked={selected.includes(r.id)}
                      onChange={() => toggle(r.id)}
                    />
                  </td>
                  <td>
                    <a href={href("run", { id: r.id })}>{r.id}</a>
                  </td>
                  <td>{r.algorithm ?? "–"}</td>
                  <td>{r.env ?? "–"}</td>
                  <td>
                    <Status run={r} />
                  </td>
                  <td class="num">{fmt(r.bestReturn)}</td>
                  <td>{new Date(r.startTime).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <a
              id="compare-link"
              class={`button ${selected.length < 2 ? "disabled" : ""}`}
              href={selected.length >= 2 ? href("compare", { ids: selected.join(",") }) : undefined}
            >
              Compare {selected.length} selected
            </a>
          </p>
        </>
      )}
    </section>
  );
}

/** Metric names with at least two points, in first-logged order (the curves worth drawing). */
function curveNames(run: RunDetail): string[] {
  const counts = new Map<string, number>();
  for (const r of run.metrics) {
    for (const [k, v] of Object.entries(r)) {
      if (k !== "step" && k !== "time" && k !== "epoch" && k !== "round")
        counts.set(k, (counts.get(k) ?? 0) + (Number.isFinite(v) ? 1 : 0));
    }
  }
  return [...counts].filter(([, n]) => n >= 2).map(([k]) => k);
}

function points(run: RunDetail, name: string): [number, number][] {
  return run.metrics.filter((r) => name in r).map((r) => [r.step, r[name]!]);
}

export function RunPage(props: { id: string }) {
  const { data: run, error } = useLoad(
    () => api.run(props.id),
    [props.id],
    2000,
    (r) => r.status === "running",
  );
  const curves = useMemo(() => (run ? curveNames(run) : []), [run]);
  const evalNames = useMemo(
    () => (run ? [...new Set(run.metrics.flatMap((r) => Object.keys(r).filter(isEvaluationMetric)))] : []),
    [run],
  );
  if (error && !run) return <p class="error">{error}</p>;
  if (!run) return <p class="muted">loading {props.id}…</p>;
  const evalRows = run.metrics.filter((r) => evalNames.some((n) => n in r));
  const result = Object.entries(run.manifest.result ?? {}).filter(
    ([, v]) => typeof v !== "object" || v === null,
  );
  return (
    <section id="run-page" data-status={run.status} data-records={run.metrics.length}>
      <h1>
        {run.id} <Status run={run} />
      </h1>
      <p class="muted">
        {run.algorithm ?? "unknown algorithm"} on {run.env ?? "unknown env"} · started{" "}
        {new Date(run.startTime).toLocaleString()}
        {run.endTime
          ? ` · ended ${new Date(run.endTime).toLocaleString()}`
          : ` · last change ${new Date(run.lastUpdate).toLocaleString()} · refreshing every 2 s`}
        {run.hasReport && (
          <>
            {" "}
            · <a href={`/api/run/report?id=${encodeURIComponent(run.id)}`}>report.html</a>
          </>
        )}
      </p>
      {error && <p class="error">{error}</p>}
      <Warnings warnings={run.warnings} />
      <h2>Learning curves</h2>
      {curves.length === 0 && <p class="muted">No metric has two points yet.</p>}
      <div class="charts">
        {curves.map((name) => (
          <Chart title={name} xLabel="step" series={[{ label: name, points: points(run, name) }]} />
        ))}
      </div>
      <h2>Evaluation</h2>
      {evalRows.length === 0 && result.length === 0 && <p class="muted">No evaluation logged yet.</p>}
      {evalRows.length > 0 && (
        <table id="evaluation-table">
          <thead>
            <tr>
              <th class="num">step</th>
              {evalNames.map((n) => (
                <th class="num">{n}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {evalRows.map((r) => (
              <tr>
                <td class="num">{r.step}</td>
                {evalNames.map((n) => (
                  <td class="num">{fmt(r[n])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.length > 0 && (
        <table id="result-table">
          <tbody>
            {result.map(([k, v]) => (
              <tr>
                <th>{k}</th>
                <td class="num">{typeof v === "number" ? fmt(v, 4) : String(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ComparePage(props: { ids: string[] }) {
  const key = props.ids.join(",");
  const { data: runs, error } = useLoad(
    () => Promise.all(props.ids.map((id) => api.run(id))),
    [key],
    3000,
    (rs) => rs.some((r) => r.status === "running"),
  );
  const names = useMemo(() => (runs ? [...new Set(runs.flatMap(curveNames))] : []), [runs]);
  const [metric, setMetric] = useState<string | null>(null);
  if (error && !runs) return <p class="error">{error}</p>;
  if (!runs) return <p class="muted">loading…</p>;
  const chosen = metric && names.includes(metric) ? metric : (names[0] ?? null);
  const series: Series[] = chosen ? runs.map((r) => ({ label: r.id, points: points(r, chosen) })) : [];
  return (
    <section id="compare-page">
      <h1>Compare {runs.length} runs</h1>
      <Warnings warnings={runs.flatMap((r) => r.warnings)} />
      {names.length === 0 ? (
        <p class="muted">These runs have no curves yet.</p>
      ) : (
        <>
          <label>
            metric{" "}
            <select
              id="compare-metric"
              value={chosen ?? ""}
              onChange={(e) => setMetric(e.currentTarget.value)}
            >
              {names.map((n) => (
                <option value={n}>{n}</option>
              ))}
            </select>
          </label>
          {chosen && <Chart title={chosen} xLabel="step" series={series} height={320} />}
        </>
      )}
    </section>
  );
}
