/**
 * The report's HTML pages but the front page (`index_page.ts`): the shared page shell and
 * stylesheet, how pages link to each other, the history table pages and the message diagram
 * pages. Plain HTML and CSS with a few lines of script; everything is written at once, so the
 * folder can be opened straight from disk.
 *
 * @module
 */
import type { Op } from "../types.ts";
import { LAMPORT_CSS, type RenderedPage } from "./lamport_render.ts";
import type { RunData } from "./load.ts";
import {
  attr,
  esc,
  fmtMs,
  OUTCOME_COLOURS,
  OUTCOME_STROKES,
  shortJson,
  verdictColour,
  verdictText,
} from "./svg.ts";

/** How the pages link to each other. Every href is relative to the run folder; pages inside
 * `report/` prefix `../`. */
export interface Links {
  /** The history row of an op. */
  historyOp(index: number): string;
  /** The diagram page, and the op's bar on it. */
  diagramOp(index: number): string;
  /** The diagram page of a message and its arrow, or undefined for an `init` message. */
  diagramMessage(id: number): string | undefined;
  diagramPage(page: number): string;
  historyPage(page: number): string;
}

/** What the page list and the navigation strip know about each diagram page. */
export interface DiagramPageInfo {
  caption: string;
  counts: RenderedPage["counts"];
  /** Whether a partition is on during the page. */
  partition: boolean;
  /** Times of the page's first and last events. */
  startMs: number;
  endMs: number;
}

/** Ops per history page. */
export const HISTORY_PAGE_OPS = 5000;

/** The file name of diagram page `i` (0-based), inside `report/`. */
export function diagramFile(i: number): string {
  return `messages-${String(i + 1).padStart(3, "0")}.html`;
}

/** The file name of history page `i` (0-based), inside `report/`. */
export function historyFile(i: number): string {
  return `history-${String(i + 1).padStart(3, "0")}.html`;
}

const BASE_CSS = `
:root { --ok: ${OUTCOME_COLOURS.ok}; --info: ${OUTCOME_COLOURS.info}; --fail: ${OUTCOME_COLOURS.fail};
  --ok-dark: ${OUTCOME_STROKES.ok}; --info-dark: ${OUTCOME_STROKES.info};
  --fail-dark: ${OUTCOME_STROKES.fail}; --ink: #1d252d; --muted: #5c6670; --rule: #e3e6ea;
  --bg-soft: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
a { color: #1760a8; text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
  "DejaVu Sans Mono", monospace; font-size: 12.5px; }
main { max-width: 1120px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 24px; margin: 0; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
.sub { color: var(--muted); margin-top: 4px; }
.verdict { display: inline-block; padding: 3px 12px; border-radius: 14px; font-weight: 700;
  font-size: 14px; vertical-align: middle; color: #1d252d; }
.pill { display: inline-block; min-width: 64px; text-align: center; padding: 1px 8px;
  border-radius: 10px; font-size: 12px; font-weight: 600; }
.title-row { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.cmd { background: var(--bg-soft); border: 1px solid var(--rule); border-radius: 6px;
  padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--rule); border-radius: 8px; padding: 10px 14px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.card .v { font-size: 22px; font-weight: 650; margin: 2px 0; }
.card .d { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--bg-soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.t-ok { color: var(--ok-dark); } .t-fail { color: var(--fail-dark); } .t-info { color: var(--info-dark); }
.anomalies { list-style: none; padding: 0; margin: 0; counter-reset: a; }
.anomaly { border: 1px solid #f3c2d8; border-left: 5px solid var(--fail-dark); border-radius: 6px;
  padding: 10px 14px; margin: 0 0 12px; background: #fff8fb; }
.anomaly.unknown { border-color: #ffd79a; border-left-color: var(--info-dark); background: #fffaf1; }
.anomaly .tag { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.anomaly .tag b { color: var(--ink); }
.anomaly .expl { font-size: 14.5px; }
.anomaly pre { background: #fff; border: 1px solid var(--rule); padding: 6px 8px; margin: 8px 0 0;
  white-space: pre-wrap; max-height: 220px; overflow: auto; }
.anomaly .ops { margin-top: 8px; display: grid; gap: 6px; }
.anomaly .op { background: #fff; border: 1px solid var(--rule); border-radius: 5px; padding: 6px 10px; }
.anomaly .op-head { font-size: 12.5px; color: var(--muted); }
.anomaly .op .mono { overflow-wrap: anywhere; }
.anomaly .msgs { margin: 4px 0 0 0; padding: 0 0 0 12px; list-style: none; font-size: 12px;
  color: #3a444e; border-left: 2px solid var(--rule); }
.anomaly .msgs li { overflow-wrap: anywhere; }
.logs .empty { color: var(--muted); }
.plot-box { margin: 10px 0 18px; overflow-x: auto; }
.plot-box svg { border: 1px solid var(--rule); border-radius: 6px; max-width: 100%; height: auto; }
.files a { margin-right: 14px; }
.nav { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.pages a, .pages span { display: inline-block; min-width: 30px; text-align: center; padding: 1px 4px;
  margin: 1px; border-radius: 4px; font-size: 12.5px; }
.pages .cur { background: #1d252d; color: #fff; }
.pages a.part { background: #fff3df; }
tr:target td { background: #fff4c2 !important; }
.op-row.r-ok td:first-child { border-left: 4px solid var(--ok); }
.op-row.r-fail td:first-child { border-left: 4px solid var(--fail); }
.op-row.r-info td:first-child { border-left: 4px solid var(--info); }
.op-row.r-invoke td:first-child { border-left: 4px solid #e3e6ea; }
.op-row.r-nemesis td { background: #fff7ea; }
.op-row.anomalous td { background: #fff3f8; }
.strip-row { display: flex; gap: 12px; align-items: center; margin: 4px 0 2px; }
.strip .strip-bg { fill: #eef0f3; }
.strip .strip-partition { fill: #ffd9a0; }
.strip .strip-page { fill: #9fb4c8; stroke: #fff; stroke-width: 0.5; }
.strip a:hover .strip-page { fill: #1760a8; }
.strip .strip-page.cur { fill: #1d252d; }
.jump { font: inherit; font-size: 12.5px; max-width: 320px; }
details summary { cursor: pointer; color: #1760a8; margin: 6px 0; }
a.badge { display: inline-block; min-width: 18px; padding: 0 5px; border-radius: 9px;
  background: #e0407f; color: #fff; font-size: 11px; font-weight: 700; text-align: center; }
.val { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.legend-row { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; font-size: 12.5px;
  color: var(--muted); }
.sw { display: inline-block; width: 26px; height: 0; border-top: 2px solid; vertical-align: middle;
  margin-right: 5px; }
.box { display: inline-block; width: 10px; height: 14px; border-radius: 3px; border: 1px solid;
  vertical-align: middle; margin-right: 5px; }
`;

/** A whole page around `body`: the shared stylesheet plus `extraCss`, and an optional script.
 *
 * @example
 * ```ts
 * import { shell } from "./html.ts";
 * shell("echo · run 1", "<main></main>").startsWith("<!doctype html>"); // true
 * ```
 */
export function shell(title: string, body: string, extraCss = "", script = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${BASE_CSS}${extraCss}</style>
</head>
<body>
${body}
${script ? `<script>${script}</script>` : ""}
</body>
</html>
`;
}

/** A verdict as a coloured pill.
 *
 * @example
 * ```ts
 * import { pill } from "./html.ts";
 * pill(true).includes("true"); // true
 * ```
 */
export function pill(valid: unknown): string {
  return `<span class="pill" style="background:${verdictColour(valid)}">${
    esc(verdictText(valid))
  }</span>`;
}

/** Turns "op 12" in an (escaped) sentence into a link to op 12's history row.
 *
 * @example
 * ```ts ignore
 * linkOps("Op 3 read 9.", links, "", history.length); // '<a href="...">Op 3</a> read 9.'
 * ```
 */
export function linkOps(
  escaped: string,
  links: Links,
  prefix: string,
  historyLength: number,
): string {
  return escaped.replace(/\b([Oo]ps?) (\d+)\b/g, (all, _word: string, n: string) => {
    const i = Number(n);
    if (i >= historyLength) return all;
    return `<a href="${prefix}${links.historyOp(i)}">${all}</a>`;
  });
}

/** The title of a run's pages: its workload and its folder's name.
 *
 * @example
 * ```ts ignore
 * runTitle(run); // "echo · 20260102T030405.000Z"
 * ```
 */
export function runTitle(run: RunData): string {
  const workload = run.meta?.opts.workload ?? run.dir.split("/").slice(-2, -1)[0] ?? "run";
  return `${workload} · ${run.dir.split("/").pop()}`;
}

/** One page of the history table: every op with its time, outcome and a link to the diagram.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync(`${dir}/report/history-001.html`, historyPage(run, links, 0));
 * ```
 */
export function historyPage(
  run: RunData,
  links: Links,
  page: number,
  marks: AnomalyMarks = new Map(),
  written?: readonly number[],
): string {
  const pages = Math.max(1, Math.ceil(run.history.length / HISTORY_PAGE_OPS));
  // Past the report's cap only some pages are written; the navigation lists just those.
  const listed = written ?? Array.from({ length: pages }, (_, i) => i);
  const from = page * HISTORY_PAGE_OPS;
  const to = Math.min(run.history.length, from + HISTORY_PAGE_OPS);
  const rows: string[] = [];
  for (let i = from; i < to; i++) rows.push(historyRow(run, links, marks, run.history[i], i));
  const nav = pageNav(
    listed.length,
    listed.indexOf(page),
    (k) => `../${links.historyPage(listed[k])}`,
    () => false,
    (k) =>
      `ops ${listed[k] * HISTORY_PAGE_OPS}–${
        Math.min(run.history.length, (listed[k] + 1) * HISTORY_PAGE_OPS) - 1
      }`,
    (k) => listed[k] + 1,
  );
  const body = `<main style="max-width:none">
<div class="nav"><a href="../index.html">← ${esc(runTitle(run))}</a>
<span class="sub">history, ops ${from}–${
    Math.max(from, to - 1)
  } of ${run.history.length}</span></div>
${listed.length > 1 ? `<div class="pages">${nav}</div>` : ""}
<table class="history">
<tr><th class="num">#</th><th class="num">time</th><th>process</th><th>type</th><th>f</th>
<th>value</th><th>error</th><th>node</th><th>client</th><th class="num">latency</th><th></th>
<th>anomaly</th></tr>
${rows.join("\n")}
</table></main>`;
  return shell(`history · ${runTitle(run)}`, body, "", SCROLL_SCRIPT);
}

/** The ops behind anomalies, by invocation index: the anomalies' numbers (1-based) and where
 * the first is explained. */
export type AnomalyMarks = ReadonlyMap<number, { numbers: number[]; href: string }>;

function historyRow(run: RunData, links: Links, marks: AnomalyMarks, op: Op, i: number): string {
  const s = run.spanOf[i];
  const nemesis = op.process === "nemesis";
  const cls = nemesis ? "r-nemesis" : `r-${op.type}`;
  const mark = s ? marks.get(s.invoke.index) : undefined;
  const badges = mark
    ? mark.numbers.map((k) =>
      `<a class="badge" href="../index.html#anomaly-${k}" title="anomaly ${k}">!${k}</a>`
    ).join(" ")
    : "";
  const value = JSON.stringify(op.value) ?? "null";
  const lat = s && s.done === op ? fmtMs(s.endMs - s.startMs) : "";
  const diagram = s ? `<a href="../${links.diagramOp(s.invoke.index)}">diagram</a>` : "";
  return `<tr id="op-${i}" class="op-row ${cls}${
    mark ? " anomalous" : ""
  }"><td class="num">${i}</td><td class="num">${(op.time / 1e9).toFixed(3)}</td><td>${
    esc(String(op.process))
  }</td><td class="${nemesis ? "" : `t-${op.type}`}">${op.type}</td><td>${
    esc(op.f)
  }</td><td class="mono val" title="${attr(value.length > 300 ? value.slice(0, 1000) : value)}">${
    esc(value.slice(0, 300))
  }</td><td class="mono">${op.error === undefined ? "" : esc(shortJson(op.error, 120))}</td><td>${
    esc(op.node ?? "")
  }</td><td>${esc(op.client ?? "")}</td><td class="num">${lat}</td>` +
    `<td>${diagram}</td><td>${badges}</td></tr>`;
}

function pageNav(
  count: number,
  current: number,
  href: (i: number) => string,
  isPart: (i: number) => boolean,
  titles?: (i: number) => string,
  numbers: (i: number) => number = (i) => i + 1,
): string {
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = titles ? ` title="${attr(titles(i))}"` : "";
    items.push(
      i === current
        ? `<span class="cur"${t}>${numbers(i)}</span>`
        : `<a href="${href(i)}"${isPart(i) ? ` class="part"` : ""}${t}>${numbers(i)}</a>`,
    );
  }
  return items.join("");
}

/** One page of the message diagram, with navigation, a legend and sticky lane names.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync(`${dir}/report/messages-001.html`, diagramPage(run, links, pages, 0, r));
 * ```
 */
export function diagramPage(
  run: RunData,
  links: Links,
  pages: DiagramPageInfo[],
  index: number,
  rendered: RenderedPage,
  initCount: number,
): string {
  const prev = index > 0 ? `<a href="../${links.diagramPage(index - 1)}">← previous</a>` : "";
  const next = index < pages.length - 1
    ? `<a href="../${links.diagramPage(index + 1)}">next →</a>`
    : "";
  const c = rendered.counts;
  const body = `<div class="top">
<div class="bar">
<div class="nav"><a href="../index.html">← ${esc(runTitle(run))}</a>
<b>messages ${esc(pages[index].caption)}</b>
<span class="sub">page ${index + 1} of ${pages.length} · ${c.messages} messages${
    c.dropped ? ` · ${c.dropped} dropped` : ""
  }${c.errors ? ` · ${c.errors} errors` : ""} · ${c.ops} client ops${
    initCount ? ` · ${initCount} init messages not drawn` : ""
  }</span>
${prev} ${next}</div>
${pages.length > 1 ? pageStrip(run, links, pages, index, "../") : ""}
<div class="legend-row">
<span><i class="sw" style="border-color:#2f3a45"></i>between nodes</span>
<span><i class="sw" style="border-color:#4aa3ec"></i>client</span>
<span><i class="sw" style="border-color:#7d55b5"></i>service</span>
<span><i class="sw" style="border-color:#e0407f"></i>error reply</span>
<span><i class="sw" style="border-color:#d33;border-top-style:dashed"></i>dropped ✗</span>
<span><i class="box" style="background:var(--ok);border-color:var(--ok-dark)"></i>ok</span>
<span><i class="box" style="background:var(--info);border-color:var(--info-dark)"></i>info</span>
<span><i class="box" style="background:var(--fail);border-color:var(--fail-dark)"></i>fail</span>
<span><i class="box" style="background:#ffe9c7;border-color:#f0a040;width:22px"></i>partition</span>
<span><b style="color:#e0407f">●</b> op behind an anomaly</span>
<span>hover for full bodies · rows are events, not a linear time scale</span>
</div></div>
${rendered.header}
</div>
${rendered.body}`;
  return shell(
    `messages ${pages[index].caption} · ${runTitle(run)}`,
    body,
    `${LAMPORT_CSS}
body { width: max-content; min-width: 100%; }
.top { position: sticky; top: 0; z-index: 2; background: #fff;
  border-bottom: 1px solid var(--rule); }
.bar { position: sticky; left: 0; width: min(100vw, 100%); max-width: 100vw; padding: 8px 16px 4px; }
`,
    SCROLL_SCRIPT,
  );
}

/** A strip across the whole run: each diagram page a segment as long as its time, partitions
 * shaded, the current page dark; plus a menu of every page.
 *
 * @example
 * ```ts ignore
 * pageStrip(run, links, pages, -1, ""); // on the index page: no page is current
 * ```
 */
export function pageStrip(
  run: RunData,
  links: Links,
  pages: readonly DiagramPageInfo[],
  index: number,
  prefix = "../",
): string {
  const w = 720, h = 16;
  const end = Math.max(run.endMs, 1);
  const x = (t: number) => (t / end) * w;
  const parts: string[] = [];
  for (const p of run.partitions) {
    parts.push(
      `<rect class="strip-partition" x="${x(p.startMs).toFixed(1)}" y="0" width="${
        Math.max(1, x(p.endMs) - x(p.startMs)).toFixed(1)
      }" height="${h}"/>`,
    );
  }
  pages.forEach((p, i) => {
    const x0 = x(p.startMs), x1 = Math.max(x0 + 2, x(p.endMs));
    parts.push(
      `<a href="${prefix}${links.diagramPage(i)}"><title>${
        esc(`page ${i + 1}: ${p.caption}`)
      }</title>` +
        `<rect class="strip-page${i === index ? " cur" : ""}" x="${x0.toFixed(1)}" y="3" ` +
        `width="${(x1 - x0).toFixed(1)}" height="${h - 6}"/></a>`,
    );
  });
  const options = (index < 0 ? `<option value="" selected disabled>jump to a page…</option>` : "") +
    pages.map((p, i) =>
      `<option value="${prefix}${attr(links.diagramPage(i))}"${i === index ? " selected" : ""}>${
        i + 1
      }: ${esc(p.caption)}</option>`
    ).join("");
  return `<div class="strip-row"><svg class="strip" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<rect class="strip-bg" x="0" y="3" width="${w}" height="${h - 6}"/>${parts.join("")}</svg>` +
    `<select class="jump" onchange="if (this.value) location.href = this.value">${options}</select></div>`;
}

/** Brings the linked element into the middle of the window (the sticky header would hide it at
 * the top) and keeps it highlighted. */
const SCROLL_SCRIPT = `
function showTarget() {
  const id = decodeURIComponent(location.hash.slice(1));
  const el = id && document.getElementById(id);
  if (el) el.scrollIntoView({ block: "center", inline: "center" });
}
addEventListener("hashchange", showTarget);
addEventListener("load", showTarget);
`;
