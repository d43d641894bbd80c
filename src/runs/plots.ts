/**
 * @module
 * Inline SVG plots for the report: line plots (any number of series, a legend, linear or log y
 * axis) and a strip plot of return distributions. Pure functions from data to markup; every piece
 * of text is escaped. Sizes are in SVG user units, drawn 1:1 as CSS pixels until the page is
 * narrower than the plot.
 */
import { escapeHtml, formatTick } from "./format.js";

/** One line of a line plot. */
export interface LineSeries {
  name: string;
  /** `[x, y]` pairs; a pair whose y is not finite (or not positive on a log axis) breaks the line. */
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw the line dashed (for example validation beside training). */
  dashed?: boolean;
}

/** A line plot: y against x for each series. */
export interface LinePlot {
  title: string;
  /** Default "step". */
  xLabel?: string;
  yLabel?: string;
  /** Default "linear"; "log" suits losses that fall by orders of magnitude. */
  yScale?: "linear" | "log";
  series: readonly LineSeries[];
}

/** One row of a strip plot: a named sample. */
export interface StripGroup {
  name: string;
  values: readonly number[];
}

/** Tableau 10: distinct hues that stay readable on white and in greyscale print. */
export const PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const WIDTH = 600;
const FONT = 12;
/** Roughly the advance of one character of 12px system-ui text. */
const CHAR = 6.6;
const AXIS = "#8c959f";
const GRID = "#e6e9ee";
const TEXT = "#424a53";

interface Scale {
  ticks: number[];
  /** The domain, in the same units as the ticks. */
  lo: number;
  hi: number;
  /** Where a value lands, 0 at lo and 1 at hi. */
  at: (value: number) => number;
  label: (value: number) => string;
}

/**
 * About `target` ticks at 1, 2 or 5 times a power of ten, and the domain rounded out to them.
 * A degenerate range (one value) is widened so it sits in the middle.
 */
export function niceScale(min: number, max: number, target = 5): Scale {
  let lo = min;
  let hi = max;
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  const dLo = ticks[0]!;
  const dHi = ticks.at(-1)!;
  return { ticks, lo: dLo, hi: dHi, at: (v) => (v - dLo) / (dHi - dLo), label: (v) => formatTick(v, step) };
}

/** Decade ticks (with 2 and 5 between them when the range spans at most two decades). */
export function logScale(min: number, max: number): Scale {
  const lo10 = Math.floor(Math.log10(min));
  const hi10 = Math.max(Math.ceil(Math.log10(max)), lo10 + 1);
  const ticks: number[] = [];
  const every = Math.ceil((hi10 - lo10) / 8);
  for (let e = lo10; e <= hi10; e += every) {
    ticks.push(Number((10 ** e).toPrecision(12)));
    if (hi10 - lo10 <= 2 && e < hi10) {
      for (const m of [2, 5]) ticks.push(Number((m * 10 ** e).toPrecision(12)));
    }
  }
  const a = lo10;
  const b = hi10;
  return {
    ticks,
    lo: 10 ** a,
    hi: 10 ** b,
    at: (v) => (Math.log10(v) - a) / (b - a),
    label: (v) => formatTick(v, v),
  };
}

function textWidth(text: string, size = FONT): number {
  return text.length * CHAR * (size / FONT);
}

function n(value: number): string {
  return Number(value.toFixed(1)).toString();
}

function svgOpen(height: number, label: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${n(height)}" ` +
    `viewBox="0 0 ${WIDTH} ${n(height)}" role="img" aria-label="${escapeHtml(label)}" ` +
    `font-size="${FONT}" fill="${TEXT}">`
  );
}

/** A legend laid out in rows across the top; returns its markup and height. */
function legend(series: readonly LineSeries[], left: number, right: number): { svg: string; height: number } {
  if (series.length < 2) return { svg: "", height: 0 };
  const items: string[] = [];
  let x = left;
  let row = 0;
  for (const [i, s] of series.entries()) {
    const label = s.name.length > 40 ? `${s.name.slice(0, 39)}…` : s.name;
    const width = 22 + textWidth(label) + 18;
    if (x + width > right && x > left) {
      x = left;
      row++;
    }
    const y = 10 + row * 18;
    const color = PALETTE[i % PALETTE.length]!;
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : "";
    items.push(
      `<g><title>${escapeHtml(s.name)}</title>` +
        `<line x1="${n(x)}" y1="${y}" x2="${n(x + 16)}" y2="${y}" stroke="${color}" stroke-width="2.5"${dash}/>` +
        `<text x="${n(x + 22)}" y="${y + 4}">${escapeHtml(label)}</text></g>`,
    );
    x += width;
  }
  return { svg: `<g class="legend">${items.join("")}</g>`, height: (row + 1) * 18 + 4 };
}

/**
 * An SVG line plot. `id` makes the plot's clip path unique in the page (use the plot's index).
 * A plot with no finite point says so instead of drawing empty axes.
 */
export function linePlotSvg(plot: LinePlot, id: string): string {
  const log = plot.yScale === "log";
  const usable = (y: number) => Number.isFinite(y) && (!log || y > 0);
  const series = plot.series.map((s) => ({
    ...s,
    points: [...s.points].filter(([x]) => Number.isFinite(x)).sort((a, b) => a[0] - b[0]),
  }));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (!usable(y)) continue;
      xs.push(x);
      ys.push(y);
    }
  }
  const label = plot.title;
  if (ys.length === 0) {
    const height = 120;
    return (
      `${svgOpen(height, label)}<text x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle" ` +
      `fill="${AXIS}">no data to plot</text></svg>`
    );
  }
  const xScale = niceScale(Math.min(...xs), Math.max(...xs), 6);
  const yScale = log
    ? logScale(Math.min(...ys), Math.max(...ys))
    : niceScale(Math.min(...ys), Math.max(...ys));

  const yLabels = yScale.ticks.map((t) => yScale.label(t));
  const left = Math.ceil(10 + (plot.yLabel ? 18 : 0) + Math.max(...yLabels.map((t) => textWidth(t))) + 8);
  const right = WIDTH - 16;
  const key = legend(series, left, right);
  const top = 10 + key.height;
  const plotHeight = 230;
  const bottom = top + plotHeight;
  const height = bottom + 30 + 18;
  const px = (x: number) => left + xScale.at(x) * (right - left);
  const py = (y: number) => bottom - yScale.at(y) * plotHeight;

  const parts: string[] = [svgOpen(height, label), `<title>${escapeHtml(label)}</title>`];
  parts.push(`<defs><clipPath id="clip-${escapeHtml(id)}"><rect x="${left}" y="${top - 4}" `);
  parts.push(`width="${right - left}" height="${plotHeight + 8}"/></clipPath></defs>`);
  parts.push(key.svg);
  // Grid and tick labels.
  parts.push(`<g stroke="${GRID}" stroke-width="1">`);
  for (const t of yScale.ticks)
    parts.push(`<line x1="${left}" x2="${right}" y1="${n(py(t))}" y2="${n(py(t))}"/>`);
  for (const t of xScale.ticks)
    parts.push(`<line x1="${n(px(t))}" x2="${n(px(t))}" y1="${top}" y2="${bottom}"/>`);
  parts.push("</g>");
  parts.push(`<g text-anchor="end">`);
  for (const [i, t] of yScale.ticks.entries()) {
    parts.push(`<text x="${left - 8}" y="${n(py(t) + 4)}">${escapeHtml(yLabels[i]!)}</text>`);
  }
  parts.push(`</g><g text-anchor="middle">`);
  for (const t of xScale.ticks) {
    parts.push(`<text x="${n(px(t))}" y="${bottom + 18}">${escapeHtml(xScale.label(t))}</text>`);
  }
  parts.push("</g>");
  parts.push(`<path d="M${left} ${top}V${bottom}H${right}" fill="none" stroke="${AXIS}" stroke-width="1"/>`);
  parts.push(
    `<text x="${n((left + right) / 2)}" y="${bottom + 40}" text-anchor="middle">` +
      `${escapeHtml(plot.xLabel ?? "step")}</text>`,
  );
  if (plot.yLabel) {
    const cy = n((top + bottom) / 2);
    parts.push(
      `<text transform="translate(14 ${cy}) rotate(-90)" text-anchor="middle">${escapeHtml(plot.yLabel)}</text>`,
    );
  }
  // The series.
  parts.push(
    `<g clip-path="url(#clip-${escapeHtml(id)})" fill="none" stroke-width="2" stroke-linejoin="round">`,
  );
  for (const [i, s] of series.entries()) {
    const color = PALETTE[i % PALETTE.length]!;
    let d = "";
    let pen = false;
    const dots: string[] = [];
    const finite = s.points.filter(([, y]) => usable(y)).length;
    for (const [x, y] of s.points) {
      if (!usable(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${n(px(x))} ${n(py(y))}`;
      pen = true;
      if (finite <= 30) dots.push(`<circle cx="${n(px(x))}" cy="${n(py(y))}" r="2.6"/>`);
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    parts.push(`<g><title>${escapeHtml(s.name)}</title>`);
    if (d !== "") parts.push(`<path d="${d}" stroke="${color}"${dash}/>`);
    if (dots.length > 0) parts.push(`<g fill="${color}" stroke="#fff" stroke-width="1">${dots.join("")}</g>`);
    parts.push("</g>");
  }
  parts.push("</g></svg>");
  return parts.join("");
}

/** The q-quantile of sorted values, interpolating linearly (numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * A horizontal strip plot: one row per group, each value a dot (spread vertically by a fixed
 * low-discrepancy sequence, so the picture is the same every time), over a box from the first to
 * the third quartile with a line at the median and a diamond at the mean.
 */
export function stripPlotSvg(groups: readonly StripGroup[], xLabel: string, label: string): string {
  const rows = groups
    .map((g) => ({ name: g.name, values: g.values.filter((v) => Number.isFinite(v)) }))
    .filter((g) => g.values.length > 0);
  if (rows.length === 0) {
    return `${svgOpen(120, label)}<text x="${WIDTH / 2}" y="60" text-anchor="middle" fill="${AXIS}">no data to plot</text></svg>`;
  }
  const all = rows.flatMap((g) => g.values);
  const xScale = niceScale(Math.min(...all), Math.max(...all), 6);
  // Leave a little room beyond the end ticks, so dots at the extremes are not drawn on the frame.
  const pad = (xScale.hi - xScale.lo) * 0.03;
  const at = (v: number) => (v - xScale.lo + pad) / (xScale.hi - xScale.lo + 2 * pad);
  const names = rows.map((g) => (g.name.length > 24 ? `${g.name.slice(0, 23)}…` : g.name));
  const left = Math.ceil(16 + Math.max(...names.map((t) => textWidth(t))) + 12);
  const right = WIDTH - 16;
  const rowHeight = 48;
  const top = 8;
  const bottom = top + rows.length * rowHeight;
  const height = bottom + 48;
  const px = (x: number) => left + at(x) * (right - left);

  const parts: string[] = [svgOpen(height, label), `<title>${escapeHtml(label)}</title>`];
  parts.push(`<g stroke="${GRID}" stroke-width="1">`);
  for (const t of xScale.ticks)
    parts.push(`<line x1="${n(px(t))}" x2="${n(px(t))}" y1="${top}" y2="${bottom}"/>`);
  for (let r = 1; r < rows.length; r++) {
    parts.push(`<line x1="${left}" x2="${right}" y1="${top + r * rowHeight}" y2="${top + r * rowHeight}"/>`);
  }
  parts.push(`</g><g text-anchor="middle">`);
  for (const t of xScale.ticks) {
    parts.push(`<text x="${n(px(t))}" y="${bottom + 18}">${escapeHtml(xScale.label(t))}</text>`);
  }
  parts.push("</g>");
  parts.push(`<path d="M${left} ${top}V${bottom}H${right}" fill="none" stroke="${AXIS}" stroke-width="1"/>`);
  parts.push(
    `<text x="${n((left + right) / 2)}" y="${bottom + 40}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  );
  for (const [r, g] of rows.entries()) {
    const color = PALETTE[r % PALETTE.length]!;
    const cy = top + r * rowHeight + rowHeight / 2;
    const sorted = [...g.values].sort((a, b) => a - b);
    const q1 = px(quantile(sorted, 0.25));
    const q3 = px(quantile(sorted, 0.75));
    const median = px(quantile(sorted, 0.5));
    const mean = px(sorted.reduce((a, b) => a + b, 0) / sorted.length);
    parts.push(`<g><title>${escapeHtml(`${g.name}: ${g.values.length} episodes`)}</title>`);
    parts.push(`<text x="${left - 10}" y="${cy + 4}" text-anchor="end">${escapeHtml(names[r]!)}</text>`);
    parts.push(
      `<rect x="${n(q1)}" y="${cy - 15}" width="${n(Math.max(q3 - q1, 1))}" height="30" rx="3" ` +
        `fill="${color}" fill-opacity="0.14" stroke="${color}" stroke-width="1.2"/>`,
    );
    parts.push(`<g fill="${color}" fill-opacity="0.6">`);
    for (const [i, v] of g.values.entries()) {
      const jitter = (((i * 0.6180339887498949) % 1) - 0.5) * 22;
      parts.push(`<circle cx="${n(px(v))}" cy="${n(cy + jitter)}" r="3"/>`);
    }
    parts.push("</g>");
    parts.push(
      `<line x1="${n(median)}" x2="${n(median)}" y1="${cy - 15}" y2="${cy + 15}" stroke="${color}" stroke-width="2.5"/>`,
    );
    parts.push(
      `<path d="M${n(mean)} ${cy - 6}l6 6-6 6-6-6z" fill="#fff" stroke="#1f2328" stroke-width="1.4"/></g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}
