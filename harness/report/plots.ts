/**
 * The run's performance plots as hand-written SVG, Jepsen-style: every op's latency over time,
 * latency quantiles over time, and the rate of completions over time, split by outcome (ok, fail,
 * info) and by function, with partitions, kills and pauses shaded in Jepsen's colours (those of
 * `jepsen.nemesis.combined`'s perf specs). No plotting library, no gnuplot.
 *
 * @module
 */
import { FAULT_COLORS, faultPeriods, faultSpansOf } from "../nemesis.ts";
import type { OpSpan } from "../ops.ts";
import type { RunData } from "./load.ts";
import {
  attr,
  esc,
  fmtMs,
  niceStep,
  niceTicks,
  OUTCOME_COLOURS,
  OUTCOME_STROKES,
  px,
  ticksUpTo,
} from "./svg.ts";

/** Size of every plot, in CSS pixels. */
export const PLOT_WIDTH = 960;
export const PLOT_HEIGHT = 340;

const M = { left: 70, right: 20, top: 44, bottom: 44 };

/** Points drawn at most in the latency scatter; beyond that every k-th op is drawn. */
export const MAX_POINTS = 20000;
/** Points that get a tooltip and a link at most (each costs a few hundred bytes). */
const MAX_LINKED_POINTS = 4000;

/** What a plot needs besides the run. */
export interface PlotOptions {
  /** Where a point links to (the op's row in the history table), by the invocation's index. */
  opHref?: (index: number) => string;
}

type Completed = OpSpan & { type: "ok" | "fail" | "info" };

const TYPES = ["ok", "info", "fail"] as const;
const QUANTILES = [0.5, 0.95, 0.99, 1] as const;
const QUANTILE_COLOURS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 5", "12 4"];

/** A y scale: logarithmic when latencies span more than a factor of 20, linear otherwise. Zeros
 * on a log scale sit on a strip of their own at the bottom. */
interface YScale {
  log: boolean;
  lo: number;
  hi: number;
  ticks: number[];
  y: (v: number) => number;
  /** Height of the zero strip (log scale with zeros). */
  zeroStrip: number;
}

function latencyScale(values: number[], top: number, bottom: number): YScale {
  // Loops rather than Math.max(...values): a long run has more ops than a call has arguments.
  let max = 0, minPos = Infinity, positives = 0;
  for (const v of values) {
    if (v > max) max = v;
    if (v > 0) {
      positives++;
      if (v < minPos) minPos = v;
    }
  }
  if (positives > 0 && max / minPos >= 20) {
    const lo = 10 ** Math.floor(Math.log10(minPos));
    const hi = 10 ** Math.ceil(Math.log10(max));
    const zeroStrip = positives < values.length ? 16 : 0;
    const span = Math.log10(hi) - Math.log10(lo) || 1;
    const ticks: number[] = [];
    for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) ticks.push(10 ** e);
    return {
      log: true,
      lo,
      hi,
      ticks,
      zeroStrip,
      y: (v) =>
        v <= 0 ? bottom : bottom - zeroStrip -
          ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * (bottom - zeroStrip - top),
    };
  }
  const ticks = ticksUpTo(max, 5);
  const hi = ticks[ticks.length - 1];
  return {
    log: false,
    lo: 0,
    hi,
    ticks,
    zeroStrip: 0,
    y: (v) => bottom - (v / hi) * (bottom - top),
  };
}

/** Shared frame: background, fault periods, x axis (seconds), y axis with the given ticks, title
 * and legend. */
function frame(
  title: string,
  run: Pick<RunData, "endMs" | "partitions" | "history">,
  yTicks: { v: number; label: string; y: number }[],
  yLabel: string,
  legend: { label: string; swatch: string }[],
  kind: string,
): { open: string; close: string; x: (ms: number) => number; top: number; bottom: number } {
  const w = PLOT_WIDTH, h = PLOT_HEIGHT;
  const { endMs, partitions } = run;
  const left = M.left, right = w - M.right, top = M.top, bottom = h - M.bottom;
  const endS = Math.max(endMs / 1000, 0.001);
  const xTicks = niceTicks(0, endS, 10);
  const xMax = Math.max(endS, xTicks[xTicks.length - 1]);
  const x = (ms: number) => left + (ms / 1000 / xMax) * (right - left);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot ${kind}" width="${w}" height="${h}" ` +
      `viewBox="0 0 ${w} ${h}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    `<style>${PLOT_CSS}</style>`,
    `<rect class="bg" x="0" y="0" width="${w}" height="${h}"/>`,
    `<text class="title" x="${left}" y="18">${esc(title)}</text>`,
  );
  // Legend, right-aligned on the title line.
  let lx = right;
  const items: string[] = [];
  for (const item of [...legend].reverse()) {
    const tw = item.label.length * 6.4;
    lx -= tw;
    items.push(`<text class="legend" x="${px(lx)}" y="18">${esc(item.label)}</text>`);
    lx -= 20;
    items.push(`<g transform="translate(${px(lx + 7)},14)">${item.swatch}</g>`);
    lx -= 10;
  }
  out.push(`<g class="legend">${items.join("")}</g>`);
  out.push(
    `<rect class="area" x="${left}" y="${top}" width="${right - left}" height="${bottom - top}"/>`,
  );
  for (const p of partitions) {
    const x0 = x(p.startMs), x1 = Math.max(x0 + 1, x(p.endMs));
    out.push(
      `<g class="partition"><title>${
        esc(`Partition ${fmtMs(p.startMs)} – ${fmtMs(p.endMs)}: ${p.label}`)
      }</title>` +
        `<rect x="${px(x0)}" y="${top}" width="${px(x1 - x0)}" height="${bottom - top}"/>` +
        (x1 - x0 > 56 ? `<text x="${px(x0 + 4)}" y="${top + 12}">partition</text>` : "") +
        `</g>`,
    );
  }
  // Kill and pause periods: from the op that took a node down to the one that brought every node
  // back, each in its own third of the band's label row so overlapping faults stay readable.
  const spans = faultSpansOf(run.history, endMs);
  for (const [i, kind] of (["kill", "pause"] as const).entries()) {
    for (const p of faultPeriods(spans, kind)) {
      const x0 = x(p.startMs), x1 = Math.max(x0 + 1, x(p.endMs));
      const what = kind === "kill" ? "dead" : "paused";
      out.push(
        `<g class="fault ${kind}"><title>${
          esc(
            `${kind === "kill" ? "Killed" : "Paused"} ${fmtMs(p.startMs)} – ${fmtMs(p.endMs)}: ` +
              `${p.nodes.join(", ")} ${what}`,
          )
        }</title>` +
          `<rect x="${px(x0)}" y="${top}" width="${px(x1 - x0)}" height="${bottom - top}"/>` +
          (x1 - x0 > 40 ? `<text x="${px(x0 + 4)}" y="${top + 24 + 12 * i}">${kind}</text>` : "") +
          `</g>`,
      );
    }
  }
  for (const t of xTicks) {
    const xx = x(t * 1000);
    out.push(
      `<line class="grid" x1="${px(xx)}" y1="${top}" x2="${px(xx)}" y2="${bottom}"/>` +
        `<text class="tick" x="${px(xx)}" y="${bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  }
  for (const t of yTicks) {
    out.push(
      `<line class="grid" x1="${left}" y1="${px(t.y)}" x2="${right}" y2="${px(t.y)}"/>` +
        `<text class="tick" x="${left - 6}" y="${px(t.y + 4)}" text-anchor="end">${
          esc(t.label)
        }</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${(left + right) / 2}" y="${h - 8}" text-anchor="middle">` +
      `time since the test started (s)</text>`,
    `<text class="axis-label" transform="translate(16,${(top + bottom) / 2}) rotate(-90)" ` +
      `text-anchor="middle">${esc(yLabel)}</text>`,
  );
  return {
    open: out.join("\n"),
    close: `<rect class="frame" x="${left}" y="${top}" width="${right - left}" height="${
      bottom - top
    }"/>\n</svg>`,
    x,
    top,
    bottom,
  };
}

/** The marker of function number `i`: circle, square, triangle, diamond, then repeats. */
function marker(i: number, cx: number, cy: number, fill: string, stroke: string): string {
  const a = `fill="${fill}" stroke="${stroke}"`;
  switch (i % 4) {
    case 0:
      return `<circle cx="${px(cx)}" cy="${px(cy)}" r="3" ${a}/>`;
    case 1:
      return `<rect x="${px(cx - 2.7)}" y="${px(cy - 2.7)}" width="5.4" height="5.4" ${a}/>`;
    case 2:
      return `<path d="M${px(cx)},${px(cy - 3.6)}l3.4,6h-6.8z" ${a}/>`;
    default:
      return `<path d="M${px(cx)},${px(cy - 3.8)}l3.8,3.8l-3.8,3.8l-3.8,-3.8z" ${a}/>`;
  }
}

function functionsOf(spans: readonly OpSpan[]): string[] {
  const fs: string[] = [];
  for (const s of spans) if (!fs.includes(s.invoke.f)) fs.push(s.invoke.f);
  return fs;
}

function yTickLabels(s: YScale): { v: number; label: string; y: number }[] {
  const ticks = s.ticks.map((v) => ({ v, label: fmtMs(v), y: s.y(v) }));
  if (s.log && s.zeroStrip > 0) ticks.unshift({ v: 0, label: "0", y: s.y(0) });
  return ticks;
}

/** Every completed op as a point: x its invocation time, y its latency, colour its outcome,
 * shape its function.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync(`${dir}/latency-raw.svg`, latencyPlot(run));
 * ```
 */
export function latencyPlot(run: RunData, options: PlotOptions = {}): string {
  const done = run.spans.filter((s): s is Completed => s.type !== "pending");
  const fs = functionsOf(run.spans);
  const stride = Math.max(1, Math.ceil(done.length / MAX_POINTS));
  const shown = stride === 1 ? done : done.filter((_, i) => i % stride === 0);
  const top = M.top, bottom = PLOT_HEIGHT - M.bottom;
  const scale = latencyScale(done.map((s) => s.endMs - s.startMs), top + 4, bottom - 4);
  const legend = [
    ...TYPES.filter((t) => done.some((s) => s.type === t)).map((t) => ({
      label: t,
      swatch: `<rect x="-5" y="-5" width="10" height="10" rx="2" fill="${
        OUTCOME_COLOURS[t]
      }" stroke="${OUTCOME_STROKES[t]}"/>`,
    })),
    ...fs.map((f, i) => ({ label: f, swatch: marker(i, 0, 0, "#fff", "#555") })),
  ];
  const title = `Latency of every op${
    stride > 1 ? ` (1 in ${stride} of ${done.length} shown)` : ""
  }${scale.log ? ", log scale" : ""}`;
  const fr = frame(
    title,
    run,
    yTickLabels(scale),
    "latency",
    legend,
    "latency-raw",
  );
  const pts: string[] = [];
  const linked = options.opHref && shown.length <= MAX_LINKED_POINTS;
  // Oks first, so the rarer fails and infos are drawn on top.
  for (const t of TYPES) {
    for (const s of shown) {
      if (s.type !== t) continue;
      const lat = s.endMs - s.startMs;
      const m = marker(
        fs.indexOf(s.invoke.f),
        fr.x(s.startMs),
        scale.y(lat),
        OUTCOME_COLOURS[t],
        OUTCOME_STROKES[t],
      );
      pts.push(
        linked
          ? `<a href="${attr(options.opHref!(s.invoke.index))}"><title>${
            esc(`op ${s.invoke.index}: ${s.invoke.f} ${t} after ${fmtMs(lat)}`)
          }</title>${m}</a>`
          : m,
      );
    }
  }
  return `${fr.open}\n<g class="points">${pts.join("")}</g>\n${fr.close}`;
}

/** Buckets of about a sixtieth of the run, at a round length. */
function bucketMs(endMs: number): number {
  return Math.max(1, niceStep(Math.max(endMs, 1) / 60));
}

/** Latency quantiles (0.5, 0.95, 0.99 and the maximum) of the ops invoked in each time bucket.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync(`${dir}/latency-quantiles.svg`, latencyQuantilesPlot(run));
 * ```
 */
export function latencyQuantilesPlot(run: RunData): string {
  const done = run.spans.filter((s) => s.type !== "pending");
  const width = bucketMs(run.endMs);
  const buckets = new Map<number, number[]>();
  for (const s of done) {
    const b = Math.floor(s.startMs / width);
    const list = buckets.get(b) ?? [];
    list.push(s.endMs - s.startMs);
    buckets.set(b, list);
  }
  const top = M.top, bottom = PLOT_HEIGHT - M.bottom;
  const scale = latencyScale(done.map((s) => s.endMs - s.startMs), top + 4, bottom - 4);
  const fr = frame(
    `Latency quantiles per ${fmtMs(width)}${scale.log ? ", log scale" : ""}`,
    run,
    yTickLabels(scale),
    "latency",
    QUANTILES.map((q, i) => ({
      label: q === 1 ? "max" : `p${q * 100}`,
      swatch: `<line x1="-7" y1="0" x2="7" y2="0" stroke="${QUANTILE_COLOURS[i]}" ` +
        `stroke-width="2.5"/>`,
    })),
    "latency-quantiles",
  );
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const lines: string[] = [];
  QUANTILES.forEach((q, qi) => {
    const pts = keys.map((b) => {
      const xs = buckets.get(b)!.sort((p, r) => p - r);
      const v = xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
      return `${px(fr.x((b + 0.5) * width))},${px(scale.y(v))}`;
    });
    if (pts.length === 0) return;
    lines.push(
      `<polyline class="q" points="${pts.join(" ")}" stroke="${QUANTILE_COLOURS[qi]}"/>`,
    );
  });
  return `${fr.open}\n<g class="lines">${lines.join("\n")}</g>\n${fr.close}`;
}

/** Completions per second in each time bucket, one line per function and outcome: colour the
 * outcome, dash pattern the function.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync(`${dir}/rate.svg`, ratePlot(run));
 * ```
 */
export function ratePlot(run: RunData): string {
  const width = bucketMs(run.endMs);
  const nBuckets = Math.max(1, Math.ceil(run.endMs / width));
  const fs = functionsOf(run.spans);
  const series = new Map<string, Float64Array>();
  for (const s of run.spans) {
    if (s.type === "pending") continue;
    const key = `${s.invoke.f}\u0000${s.type}`;
    let arr = series.get(key);
    if (!arr) series.set(key, arr = new Float64Array(nBuckets));
    arr[Math.min(nBuckets - 1, Math.floor(s.endMs / width))] += 1000 / width;
  }
  let max = 0;
  for (const arr of series.values()) for (const v of arr) max = Math.max(max, v);
  const top = M.top, bottom = PLOT_HEIGHT - M.bottom;
  const ticks = ticksUpTo(max, 5);
  const hi = ticks[ticks.length - 1];
  const y = (v: number) => bottom - (v / hi) * (bottom - top - 4);
  const legend: { label: string; swatch: string }[] = [];
  for (const t of TYPES) {
    if ([...series.keys()].some((k) => k.endsWith(`\u0000${t}`))) {
      legend.push({
        label: t,
        swatch: `<line x1="-7" y1="0" x2="7" y2="0" stroke="${OUTCOME_STROKES[t]}" ` +
          `stroke-width="2.5"/>`,
      });
    }
  }
  fs.forEach((f, i) =>
    legend.push({
      label: f,
      swatch: `<line x1="-8" y1="0" x2="8" y2="0" stroke="#555" stroke-width="2" ` +
        `stroke-dasharray="${DASHES[i % DASHES.length] || "none"}"/>`,
    })
  );
  const fr = frame(
    `Completions per second, per ${fmtMs(width)}`,
    run,
    ticks.map((v) => ({ v, label: String(v), y: y(v) })),
    "ops / s",
    legend,
    "rate",
  );
  const lines: string[] = [];
  for (const t of TYPES) {
    for (const [fi, f] of fs.entries()) {
      const arr = series.get(`${f}\u0000${t}`);
      if (!arr) continue;
      const pts = Array.from(arr, (v, b) => `${px(fr.x((b + 0.5) * width))},${px(y(v))}`);
      lines.push(
        `<polyline class="r ${t}" points="${pts.join(" ")}" stroke="${OUTCOME_STROKES[t]}"${
          DASHES[fi % DASHES.length] ? ` stroke-dasharray="${DASHES[fi % DASHES.length]}"` : ""
        }><title>${esc(`${f} ${t}`)}</title></polyline>`,
      );
    }
  }
  return `${fr.open}\n<g class="lines">${lines.join("\n")}</g>\n${fr.close}`;
}

const PLOT_CSS = `
.bg { fill: #fff; }
.area { fill: #fcfcfd; }
.frame { fill: none; stroke: #9aa2ac; }
.grid { stroke: #e6e9ed; }
.tick { font-size: 11px; fill: #5c6670; }
.title { font-size: 13px; font-weight: 600; fill: #1d252d; }
.legend { font-size: 11px; fill: #3a444e; }
.axis-label { font-size: 11px; fill: #5c6670; }
.partition rect { fill: ${FAULT_COLORS.partition}; opacity: 0.6; }
.partition text { font-size: 10px; fill: #7a6400; }
.fault rect { opacity: 0.45; }
.fault.kill rect { fill: ${FAULT_COLORS.kill}; }
.fault.pause rect { fill: ${FAULT_COLORS.pause}; }
.fault text { font-size: 10px; fill: #3a444e; }
.points circle, .points rect, .points path { stroke-width: 0.8; }
polyline { fill: none; stroke-width: 2; stroke-linejoin: round; }
`;
