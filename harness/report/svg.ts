/**
 * Small helpers shared by the report's SVG and HTML builders: escaping, number formatting, axis
 * ticks, and the colours of op outcomes and verdicts (Jepsen's palette, as Maelstrom uses it).
 *
 * @module
 */

/** Escapes text for HTML and SVG element content (not attribute values: see
 * {@linkcode attr}). Quotes stay as they are, so JSON in a tooltip stays small.
 *
 * @example
 * ```ts
 * import { esc } from "./svg.ts";
 * esc(`a < b && "c"`); // 'a &lt; b &amp;&amp; "c"'
 * ```
 */
export function esc(s: string): string {
  return s.replace(/[&<>]/g, (c) => ESCAPES[c]);
}

/** Escapes text for a double- or single-quoted attribute value.
 *
 * @example
 * ```ts
 * import { attr } from "./svg.ts";
 * attr(`say "hi"`); // "say &quot;hi&quot;"
 * ```
 */
export function attr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** A coordinate with at most one decimal, so large diagrams stay small on disk.
 *
 * @example
 * ```ts
 * import { px } from "./svg.ts";
 * px(12.345); // "12.3"
 * ```
 */
export function px(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** The colours of op outcomes: Jepsen's timeline and perf plots use these. */
export const OUTCOME_COLOURS = {
  ok: "#6DB6FE",
  info: "#FFAA26",
  fail: "#FEB5DA",
  pending: "#B0B0B0",
} as const;

/** Darker shades of {@linkcode OUTCOME_COLOURS}, for strokes and text on white. */
export const OUTCOME_STROKES = {
  ok: "#1f77c9",
  info: "#c77800",
  fail: "#d6337a",
  pending: "#777777",
} as const;

/** Colours of a verdict, as `maelstrom serve` shows them: true blue, unknown orange, false pink;
 * a run without results is grey. */
export function verdictColour(valid: unknown): string {
  if (valid === true) return OUTCOME_COLOURS.ok;
  if (valid === false) return OUTCOME_COLOURS.fail;
  if (valid === "unknown") return OUTCOME_COLOURS.info;
  return "#DDDDDD";
}

/** The verdict as a word: `true`, `false`, `unknown`, or `incomplete` when there is none. */
export function verdictText(valid: unknown): string {
  return valid === true || valid === false || valid === "unknown" ? String(valid) : "incomplete";
}

/** Round tick values covering `[lo, hi]`, about `count` of them.
 *
 * @example
 * ```ts
 * import { niceTicks } from "./svg.ts";
 * niceTicks(0, 10, 5); // [0, 2, 4, 6, 8, 10]
 * ```
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, count));
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let v = first; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Round ticks from 0 up to at least `max` (the last tick is the axis's top).
 *
 * @example
 * ```ts
 * import { ticksUpTo } from "./svg.ts";
 * ticksUpTo(480, 5); // [0, 100, 200, 300, 400, 500]
 * ```
 */
export function ticksUpTo(max: number, count: number): number[] {
  const top = max > 0 ? max : 1;
  const step = niceStep(top / Math.max(1, count));
  const ticks: number[] = [];
  for (let i = 0; i * step < top * (1 - 1e-9); i++) ticks.push(Number((i * step).toPrecision(12)));
  ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`.
 *
 * @example
 * ```ts
 * import { niceStep } from "./svg.ts";
 * niceStep(0.3); // 0.5
 * ```
 */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * pow >= raw * (1 - 1e-9)) return m * pow;
  }
  return 10 * pow;
}

/** A duration in milliseconds as people read it: `0 ms`, `0.42 ms`, `12 ms`, `1.25 s`.
 *
 * @example
 * ```ts
 * import { fmtMs } from "./svg.ts";
 * fmtMs(1250); // "1.25 s"
 * ```
 */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms === 0) return "0 ms";
  if (Math.abs(ms) >= 1000) return `${trim((ms / 1000).toFixed(2))} s`;
  if (Math.abs(ms) >= 10) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) >= 1) return `${trim(ms.toFixed(1))} ms`;
  return `${trim(ms.toFixed(2))} ms`;
}

/** A time in seconds since the test started, with millisecond precision: `12.345 s`. */
export function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

function trim(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** JSON text of a value cut to `max` characters with an ellipsis.
 *
 * @example
 * ```ts
 * import { shortJson } from "./svg.ts";
 * shortJson([1, 2, 3, 4, 5], 6); // "[1,2,…"
 * ```
 */
export function shortJson(x: unknown, max = 80): string {
  return cut(JSON.stringify(x) ?? "null", max);
}

/** `s` cut to `max` characters, the last being an ellipsis when anything was cut. */
export function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, Math.max(0, max - 1)) + "…" : s;
}
