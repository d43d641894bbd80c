/**
 * @module
 * `report.html`: one self-contained page that tells how a run went, readable with no server, no
 * network and no JavaScript. Plots are inline SVG, styles are inline CSS in the system font, and
 * every piece of caller text is escaped. `renderReport` is pure: the same input gives the same
 * bytes.
 */
import { VERSION } from "../version.js";
import { escapeHtml, formatNumber, formatPercent } from "./format.js";
import type { MetricRecord } from "./metrics.js";
import { type LinePlot, type LineSeries, linePlotSvg, stripPlotSvg } from "./plots.js";

export type { LinePlot, LineSeries } from "./plots.js";

/** A key fact shown as a card at the top of the report. */
export interface ReportFact {
  label: string;
  value: string | number;
}

/**
 * One evaluated policy: a row of the evaluation table, and a row of the return-distribution plot
 * when `returns` is given. The field names are those of `EvalResult`, so `{ name, ...result }`
 * fits.
 */
export interface ReportEvaluation {
  /** What was evaluated: "BC", "expert", "random", "BC (seed 3)". */
  name: string;
  episodes: number;
  meanReturn: number;
  stdReturn: number;
  /** Interquartile mean of the returns. */
  iqm: number;
  /** The 95% confidence interval of the IQM. */
  ci95: readonly [number, number];
  normalizedScore?: number | null;
  successRate?: number | null;
  /** Every episode's return, for the distribution plot. */
  returns?: readonly number[];
}

/** A table of anything (grid-search results, per-seed scores). */
export interface ReportTable {
  title: string;
  /** A sentence under the title. */
  caption?: string;
  columns: readonly string[];
  rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>;
  /** The index of a row to emphasize, such as the best grid-search cell. */
  highlightRow?: number;
}

export interface ReportInput {
  title: string;
  /** A line under the title: env, algorithm, dataset. */
  subtitle?: string;
  /** The run's status, shown as a badge beside the title. */
  status?: "running" | "finished" | "failed" | "aborted";
  summary?: readonly ReportFact[];
  /** Line plots (losses, learning rate, evaluation return against step or epoch). */
  plots?: readonly LinePlot[];
  evaluations?: readonly ReportEvaluation[];
  /** The x-axis label of the return-distribution plot (default "episode return"). */
  returnsLabel?: string;
  tables?: readonly ReportTable[];
  /** The resolved config, shown flattened to dotted keys. */
  config?: unknown;
  /** A line in the footer, such as when and by what command the report was made. */
  footer?: string;
}

/**
 * A line plot of some metrics against step, one series per metric, from `metrics.jsonl` records
 * (records without a metric, or with NaN, leave a gap).
 */
export function metricsPlot(
  records: readonly MetricRecord[],
  metrics: readonly string[],
  options: Omit<LinePlot, "series"> & { dashed?: readonly string[] },
): LinePlot {
  const series: LineSeries[] = metrics.map((name) => ({
    name,
    points: records.filter((r) => name in r).map((r) => [r.step, r[name]!] as const),
    dashed: options.dashed?.includes(name) ?? false,
  }));
  const { dashed: _dashed, ...plot } = options;
  return { ...plot, series };
}

/** The report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const body: string[] = [];
  const status = input.status
    ? ` <span class="badge ${escapeHtml(input.status)}">${escapeHtml(input.status)}</span>`
    : "";
  body.push(`<header><h1>${escapeHtml(input.title)}${status}</h1>`);
  if (input.subtitle) body.push(`<p class="subtitle">${escapeHtml(input.subtitle)}</p>`);
  body.push("</header>");

  if (input.summary && input.summary.length > 0) {
    body.push(`<section class="cards">`);
    for (const fact of input.summary) {
      const value = typeof fact.value === "number" ? formatNumber(fact.value) : fact.value;
      body.push(
        `<div class="card"><div class="label">${escapeHtml(fact.label)}</div>` +
          `<div class="value">${escapeHtml(value)}</div></div>`,
      );
    }
    body.push("</section>");
  }

  if (input.plots && input.plots.length > 0) {
    body.push(`<section><h2>Training</h2><div class="plots first">`);
    for (const [i, plot] of input.plots.entries()) {
      body.push(
        `<figure><figcaption>${escapeHtml(plot.title)}</figcaption>${linePlotSvg(plot, `plot${i}`)}</figure>`,
      );
    }
    body.push("</div></section>");
  }

  if (input.evaluations && input.evaluations.length > 0) {
    body.push(`<section><h2>Evaluation</h2>`);
    body.push(evaluationTable(input.evaluations));
    const groups = input.evaluations
      .filter((e) => e.returns && e.returns.length > 0)
      .map((e) => ({ name: e.name, values: e.returns! }));
    if (groups.length > 0) {
      const xLabel = input.returnsLabel ?? "episode return";
      body.push(
        `<div class="plots"><figure><figcaption>Return distribution</figcaption>` +
          stripPlotSvg(groups, xLabel, "Return distribution") +
          `<p class="note">Each dot is one episode. Box: interquartile range; bar: median; ◇: mean.</p></figure></div>`,
      );
    }
    body.push("</section>");
  }

  for (const table of input.tables ?? []) {
    body.push(`<section><h2>${escapeHtml(table.title)}</h2>`);
    if (table.caption) body.push(`<p class="note">${escapeHtml(table.caption)}</p>`);
    body.push(genericTable(table));
    body.push("</section>");
  }

  if (input.config !== undefined) {
    body.push(`<section><h2>Configuration</h2>${configTable(input.config)}</section>`);
  }

  const footer = input.footer ? `${escapeHtml(input.footer)} · ` : "";
  body.push(`<footer>${footer}mimic ${escapeHtml(VERSION)}</footer>`);

  return [
    "<!doctype html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="mimic ${escapeHtml(VERSION)}">`,
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body><main>",
    ...body,
    "</main></body>",
    "</html>",
    "",
  ].join("\n");
}

function evaluationTable(rows: readonly ReportEvaluation[]): string {
  const head =
    "<thead><tr><th>Policy</th><th class=num>Episodes</th><th class=num>Mean ± std</th>" +
    "<th class=num>IQM [95% CI]</th><th class=num>Normalized score</th><th class=num>Success rate</th></tr></thead>";
  const body = rows.map((r) => {
    const cells = [
      `<td>${escapeHtml(r.name)}</td>`,
      num(formatNumber(r.episodes)),
      num(`${formatNumber(r.meanReturn)} ± ${formatNumber(r.stdReturn)}`),
      num(
        `${formatNumber(r.iqm)} <span class="ci">[${formatNumber(r.ci95[0])}, ${formatNumber(r.ci95[1])}]</span>`,
        true,
      ),
      num(formatNumber(r.normalizedScore ?? null, 3)),
      num(formatPercent(r.successRate ?? null)),
    ];
    return `<tr>${cells.join("")}</tr>`;
  });
  return `<div class="scroll"><table>${head}<tbody>${body.join("")}</tbody></table></div>`;
}

/** A numeric cell; `html` says the text is already markup (made of escaped parts). */
function num(text: string, html = false): string {
  return `<td class=num>${html ? text : escapeHtml(text)}</td>`;
}

function genericTable(table: ReportTable): string {
  // A column whose cells are all numbers (or empty) is right-aligned, heading included.
  const numeric = table.columns.map((_, j) =>
    table.rows.every((row) => row[j] === null || row[j] === undefined || typeof row[j] === "number"),
  );
  const head = table.columns
    .map((c, j) => `<th${numeric[j] ? " class=num" : ""}>${escapeHtml(c)}</th>`)
    .join("");
  const body = table.rows.map((row, i) => {
    const cells = row.map((value, j) => {
      const text = typeof value === "number" ? formatNumber(value) : value === null ? "—" : String(value);
      return numeric[j] ? num(text) : `<td>${escapeHtml(text)}</td>`;
    });
    const highlight = i === table.highlightRow ? ` class="highlight"` : "";
    return `<tr${highlight}>${cells.join("")}</tr>`;
  });
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body.join("")}</tbody></table></div>`;
}

/** `{a: {b: 1}, c: [1, 2]}` → rows `a.b = 1`, `c = [1,2]`. */
function flatten(value: unknown, prefix: string, out: [string, string][]): void {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix !== "") out.push([prefix, "{}"]);
    for (const [key, v] of entries) flatten(v, prefix === "" ? key : `${prefix}.${key}`, out);
    return;
  }
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number") text = String(value);
  else if (value === undefined) return;
  else text = JSON.stringify(value) ?? String(value);
  out.push([prefix === "" ? "(value)" : prefix, text]);
}

function configTable(config: unknown): string {
  const rows: [string, string][] = [];
  flatten(config, "", rows);
  if (rows.length === 0) return `<p class="note">Empty.</p>`;
  const body = rows
    .map(
      ([key, value]) =>
        `<tr><td class="mono">${escapeHtml(key)}</td><td class="mono">${escapeHtml(value)}</td></tr>`,
    )
    .join("");
  return `<div class="scroll"><table class="config"><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1280px;margin:0 auto;padding:32px 28px 40px}
header h1{font-size:28px;line-height:1.25;margin:0 0 4px;overflow-wrap:anywhere}
.subtitle{margin:0;color:var(--muted);font-size:16px}
.badge{display:inline-block;vertical-align:middle;margin-left:8px;padding:2px 10px;border-radius:999px;font-size:13px;font-weight:600;background:#eaeef2;color:var(--muted)}
.badge.finished{background:#dafbe1;color:#116329}
.badge.failed{background:#ffebe9;color:#a40e26}
.badge.running{background:#ddf4ff;color:#0550ae}
.badge.aborted{background:#fff8c5;color:#7d4e00}
section{margin-top:32px}
h2{font-size:19px;margin:0 0 12px;padding-bottom:6px;border-bottom:1px solid var(--border)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;margin-top:24px}
.card{border:1px solid var(--border);border-radius:8px;background:var(--panel);padding:10px 14px}
.card .label{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.card .value{font-size:18px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:20px;margin-top:20px}
.plots.first{margin-top:0}
figure{margin:0;border:1px solid var(--border);border-radius:8px;padding:12px 14px 10px;min-width:0}
figcaption{font-weight:600;margin-bottom:6px}
svg{display:block;width:100%;height:auto;font-family:inherit}
.note{color:var(--muted);font-size:13px;margin:6px 0 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:7px 12px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
th{font-size:13px;color:var(--muted);font-weight:600;background:var(--panel)}
.num{text-align:right;white-space:nowrap}
.ci{color:var(--muted)}
tbody tr:hover{background:#f6f8fa}
tr.highlight td{background:#fff8c5;font-weight:600}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13px;overflow-wrap:anywhere}
table.config td:first-child{width:35%;color:var(--muted)}
footer{margin-top:40px;padding-top:12px;border-top:1px solid var(--border);color:var(--muted);font-size:13px}
@media print{main{max-width:none;padding:0}figure,table{break-inside:avoid}}
`.trim();
