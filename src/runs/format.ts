/**
 * @module
 * Text for the report: HTML escaping and locale-independent number formatting, so the same input
 * renders the same bytes on every machine.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML (and SVG) element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Digits grouped by thousands with commas: `1234567` → `1,234,567`. */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A number as people read it in a table: integers grouped, others to 4 significant digits. */
export function formatNumber(value: number | null | undefined, significant = 4): string {
  if (value === null || value === undefined) return "—";
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  const sign = value < 0 ? "−" : "";
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e15) return sign + groupThousands(String(abs));
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) {
    return (
      sign +
      abs
        .toExponential(significant - 1)
        .replace(/\.?0+e/, "e")
        .replace("e+", "e")
    );
  }
  let text = abs.toPrecision(significant);
  if (text.includes("e")) text = String(Number(text));
  if (text.includes(".")) text = text.replace(/\.?0+$/, "");
  const [whole, fraction] = text.split(".");
  return sign + groupThousands(whole!) + (fraction ? `.${fraction}` : "");
}

/** A fraction as a percentage: `0.95` → `95%`, `0.125` → `12.5%`. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return formatNumber(value);
  const percent = Number((value * 100).toFixed(1));
  return `${percent}%`;
}

/**
 * An axis tick label for `value` on an axis whose ticks are `step` apart: just enough decimals to
 * tell neighbouring ticks apart, and a k/M/G suffix when ticks are 1000 or more apart (`20k`, `1.5M`).
 */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const sign = value < 0 ? "−" : "";
  const abs = Math.abs(value);
  if (step < 1e-4 || abs >= 1e12) return sign + trimExponential(abs.toExponential(1));
  // One suffix per axis (it depends on the tick spacing only): 2k, 4k, … 10k; 0.5M, 1.0M, 1.5M.
  for (const [unit, suffix] of [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const) {
    if (step >= Math.max(unit / 2, 1000)) return sign + fixed(abs / unit, step / unit) + suffix;
  }
  return sign + fixed(abs, step);
}

function fixed(value: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(10, Math.ceil(-Math.log10(step) - 1e-9));
  return value.toFixed(decimals);
}

function trimExponential(text: string): string {
  return text.replace(/\.0e/, "e").replace("e+", "e");
}
