/** @module A uPlot line chart that keeps its instance across data updates (live curves redraw in place). */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface Series {
  label: string;
  /** [x, y] points; y may be NaN (a gap). */
  points: readonly (readonly [number, number])[];
}

const COLOURS = ["#3a6ea5", "#c2571a", "#2f7d5b", "#8a3ffc", "#b3261e", "#6b7280", "#d4a017", "#0f766e"];

/** Aligns several series on the union of their x values (uPlot's AlignedData); missing points are null. */
export function align(series: readonly Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) column[index.get(x)!] = Number.isFinite(y) ? y : null;
    return column;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

export function Chart(props: { title: string; xLabel: string; series: readonly Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join("\u0000");

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.max(280, (el.clientWidth || 570) - 12),
      height: props.height ?? 220,
      scales: { x: { time: false } },
      axes: [{ label: props.xLabel }, {}],
      series: [
        { label: props.xLabel },
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          spanGaps: true,
          points: { show: s.points.length < 40 },
        })),
      ],
    };
    plot.current = new uPlot(opts, align(props.series), el);
    const onResize = () =>
      plot.current?.setSize({ width: Math.max(280, el.clientWidth - 12), height: props.height ?? 220 });
    addEventListener("resize", onResize);
    return () => {
      removeEventListener("resize", onResize);
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shape, props.title]);

  useEffect(() => {
    plot.current?.setData(align(props.series));
  }, [props.series]);

  return <div class="chart" ref={box} data-chart={props.title} />;
}
