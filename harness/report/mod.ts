/**
 * Run reports people can look at in a browser, built from a run's store folder with nothing but
 * Deno (no graphviz, no gnuplot): the harness's answer to Maelstrom's `messages.svg`,
 * `timeline.html` and perf plots.
 *
 * `writeReport(runDir)` writes, beside the run's files:
 *
 * - `index.html`: the verdict of every checker, key figures (ops, msgs-per-op, latencies), every
 *   anomaly linked to the ops and messages behind it, the plots, and the list of diagram pages;
 * - `latency-raw.svg`, `latency-quantiles.svg`, `rate.svg`: the plots on their own;
 * - `report/messages-NNN.html`: the Lamport diagram of the message journal, in pages (at most
 *   {@linkcode MAX_DIAGRAM_PAGES} of them; the index names the time ranges left out);
 * - `report/history-NNN.html`: the history as a table, every op an anchor (`#op-12`), at most
 *   {@linkcode MAX_HISTORY_PAGES} pages.
 *
 * Its size is bounded whatever the run's length, and nothing is written through a symlink.
 *
 * ```sh
 * deno task report store/broadcast/latest
 * ```
 *
 * @module
 */
import type { JournalEntry } from "../network.ts";
import { findAnomalies } from "../anomalies.ts";
import {
  diagramFile,
  diagramPage,
  HISTORY_PAGE_OPS,
  historyFile,
  historyPage,
  type Links,
} from "./html.ts";
import { indexPage } from "./index_page.ts";
import {
  type DiagramPlan,
  type LamportOptions,
  pageOfMessage,
  pageOfTime,
  planDiagram,
} from "./lamport.ts";
import { renderPage } from "./lamport_render.ts";
import type { OpSpan } from "../ops.ts";
import { loadRun, type RunData } from "./load.ts";
import { latencyPlot, latencyQuantilesPlot, ratePlot } from "./plots.ts";
import { RunFolder } from "./safe_write.ts";

export { findAnomalies } from "../anomalies.ts";
export type { Anomaly } from "../anomalies.ts";
export { loadRun } from "./load.ts";
export { UnsafeReportPathError } from "./safe_write.ts";

/** Options of {@linkcode writeReport}: the diagram's paging, and how many pages are drawn. */
export interface ReportOptions extends LamportOptions {
  /** Diagram pages drawn at most (default {@linkcode MAX_DIAGRAM_PAGES}). */
  maxDiagramPages?: number;
  /** History pages written at most (default {@linkcode MAX_HISTORY_PAGES}). */
  maxHistoryPages?: number;
}

/** What {@linkcode writeReport} wrote. */
export interface ReportInfo {
  /** Path of the run's `index.html`. */
  index: string;
  /** Diagram pages drawn. */
  diagramPages: number;
  /** Diagram pages the run would have had without the cap; those left out are named on the
   * index page. */
  diagramPagesInRun: number;
  /** History pages written, and how many the run has. */
  historyPages: number;
  historyPagesInRun: number;
  anomalies: number;
}

/** The folder, inside a run folder, that holds the paged files. */
export const REPORT_SUBDIR = "report";

/** Diagram pages drawn at most. A page holds at most 900 events and weighs up to about a
 * megabyte, so a report stays within tens of megabytes however long the run: a run of 1.77 M
 * messages once made 8.2 GB of pages. Past the cap, the first and last pages, the pages of
 * anomalies, partitions and node problems, and evenly spaced pages between them are drawn. */
export const MAX_DIAGRAM_PAGES = 40;

/** History table pages written at most: each holds 5,000 ops and weighs about 1.6 MB. Past the
 * cap, the first and last pages, those of anomalies' ops and evenly spaced ones are written; every
 * op is in `history.txt` and `history.jsonl` either way. */
export const MAX_HISTORY_PAGES = 20;

/** Points of the raw latency plot at most: one SVG point per op costs about 65 bytes, and the
 * plot is drawn twice (its own file and inline in the index). */
export const MAX_RAW_PLOT_POINTS = 20_000;

/** At most `max` spans, in order: every span that is not `ok` (while they fit), then evenly
 * spaced `ok` ones in the room left.
 *
 * @example
 * ```ts ignore
 * thinSpans(run.spans, 20_000).length; // at most 20,000
 * ```
 */
export function thinSpans(spans: readonly OpSpan[], max: number): OpSpan[] {
  if (spans.length <= max) return [...spans];
  const keep = new Uint8Array(spans.length);
  let kept = 0;
  spans.forEach((s, i) => {
    if (s.type !== "ok" && kept < max) {
      keep[i] = 1;
      kept++;
    }
  });
  const ok = spans.length - spans.filter((s) => s.type !== "ok").length;
  const room = max - kept;
  if (room > 0 && ok > 0) {
    const every = ok / room;
    let next = 0, seen = 0;
    spans.forEach((s, i) => {
      if (s.type !== "ok") return;
      if (seen >= next && kept < max) {
        keep[i] = 1;
        kept++;
        next += every;
      }
      seen++;
    });
  }
  return spans.filter((_, i) => keep[i] === 1);
}

/** Writes the report of the run in `runDir` (a `store/<workload>/<time>/` folder, or a symlink to
 * one such as `store/latest`). It reads only that folder and writes only into it, never through
 * a symlink (a run folder holding one where a report file goes is refused, naming it); a report
 * written before is replaced. At most {@linkcode MAX_DIAGRAM_PAGES} diagram pages are drawn, one
 * at a time.
 *
 * @example
 * ```ts ignore
 * import { writeReport } from "./harness/report/mod.ts";
 * await writeReport("store/echo/latest");
 * ```
 */
export async function writeReport(
  runDir: string,
  options: ReportOptions = {},
): Promise<ReportInfo> {
  const dir = runDir.replace(/\/+$/, "");
  const folder = await RunFolder.open(dir);
  const run = await loadRun(dir);
  const plan = planDiagram(run, options);
  const anomalies = findAnomalies(run.results);

  // Pages of an earlier report go (there may have been more of them); nothing else is touched.
  await folder.mkdir(REPORT_SUBDIR);
  for await (const e of Deno.readDir(`${folder.real}/${REPORT_SUBDIR}`)) {
    if (e.isFile && /^(messages|history)-\d{3,}\.html$/.test(e.name)) {
      await folder.remove(`${REPORT_SUBDIR}/${e.name}`);
    }
  }

  const marks = new Map<number, { numbers: number[]; href: string }>();
  anomalies.forEach((a, k) => {
    for (const idx of a.ops) {
      const span = run.spanOf[idx];
      if (!span) continue;
      const mark = marks.get(span.invoke.index) ??
        { numbers: [], href: `../index.html#anomaly-${k + 1}` };
      if (!mark.numbers.includes(k + 1)) mark.numbers.push(k + 1);
      marks.set(span.invoke.index, mark);
    }
  });
  const drawn = choosePages(run, plan, marks, options.maxDiagramPages ?? MAX_DIAGRAM_PAGES);
  // History pages keep their numbers (an op's page is its index / HISTORY_PAGE_OPS); past the
  // cap, those of the anomalies' ops come first.
  const historyPages = Math.max(1, Math.ceil(run.history.length / HISTORY_PAGE_OPS));
  const historyDrawn = pickPages(
    historyPages,
    [...marks.keys()].map((i) => Math.floor(i / HISTORY_PAGE_OPS)),
    options.maxHistoryPages ?? MAX_HISTORY_PAGES,
  );
  const links = makeLinks(run, plan, drawn, new Set(historyDrawn));

  // Diagram pages: each page's strip shows every drawn page's counts, so the counts come first,
  // then each page is drawn again and written at once: one page's SVG in memory at a time.
  const pages = drawn.map((planIndex) => {
    const p = plan.pages[planIndex];
    const t0 = p.to > p.from ? plan.times[p.from] : p.startMs;
    const t1 = p.to > p.from ? plan.times[p.to - 1] : p.endMs;
    return {
      caption: p.caption,
      counts: renderPage(run, plan, planIndex, marks).counts,
      partition: run.partitions.some((q) => q.startMs <= t1 && q.endMs >= t0),
      startMs: t0,
      endMs: t1,
    };
  });
  for (let i = 0; i < drawn.length; i++) {
    const rendered = renderPage(run, plan, drawn[i], marks);
    await folder.write(
      `${REPORT_SUBDIR}/${diagramFile(i)}`,
      diagramPage(run, links, pages, i, rendered, plan.initCount),
    );
  }

  for (const i of historyDrawn) {
    await folder.write(
      `${REPORT_SUBDIR}/${historyFile(i)}`,
      historyPage(run, links, i, marks, historyDrawn),
    );
  }

  const raw = thinSpans(run.spans, MAX_RAW_PLOT_POINTS);
  const plots = [
    {
      file: "latency-raw.svg",
      svg: latencyPlot({ ...run, spans: raw }, { opHref: links.historyOp }),
      note: raw.length < run.spans.length
        ? `${raw.length} of ${run.spans.length} ops plotted: every op that did not succeed, ` +
          `and evenly spaced ok ones`
        : undefined,
    },
    { file: "latency-quantiles.svg", svg: latencyQuantilesPlot(run) },
    { file: "rate.svg", svg: ratePlot(run) },
  ];
  for (const p of plots) await folder.write(p.file, p.svg);

  const html = indexPage({
    run,
    links,
    anomalies,
    pages,
    historyPages: historyDrawn,
    plots,
    messagesByClient: messagesByClient(run.journal),
    pageOfTime: (t) => nearestDrawn(drawn, pageOfTime(plan, t)),
    diagramNote: omittedNote(plan, drawn),
  });
  // The index is written last and atomically: its presence means the report is complete.
  await folder.write("index.html", html);
  return {
    index: `${dir}/index.html`,
    diagramPages: drawn.length,
    diagramPagesInRun: plan.pages.length,
    historyPages: historyDrawn.length,
    historyPagesInRun: historyPages,
    anomalies: anomalies.length,
  };
}

/** The plan pages to draw, in time order: all of them up to `max`; past it, the first and last
 * two, then the pages of anomalies, partition starts and ends and node problems (in that order
 * while room is left), then evenly spaced pages to fill the cap.
 *
 * @example
 * ```ts ignore
 * choosePages(run, plan, marks, 40).length; // at most 40
 * ```
 */
export function choosePages(
  run: RunData,
  plan: DiagramPlan,
  marks: ReadonlyMap<number, unknown>,
  max: number,
): number[] {
  const wanted: number[] = [];
  for (const invokeIndex of marks.keys()) {
    const span = run.spanOf[invokeIndex];
    if (span) wanted.push(pageOfTime(plan, span.startMs));
  }
  for (const q of run.partitions) {
    wanted.push(pageOfTime(plan, q.startMs), pageOfTime(plan, q.endMs));
  }
  for (const problem of run.problems) {
    if (problem.atMs !== undefined) wanted.push(pageOfTime(plan, problem.atMs));
  }
  return pickPages(plan.pages.length, wanted, max);
}

/** Picks at most `max` of `total` pages, in order: all when they fit; else the first and last
 * two, then `wanted` (in its order, while room is left), then evenly spaced pages to fill the cap,
 * so a reader still sees how the run went between them.
 *
 * @example
 * ```ts
 * import { pickPages } from "./mod.ts";
 * pickPages(100, [50], 6); // [0, 1, 50, 51, 98, 99]
 * ```
 */
export function pickPages(total: number, wanted: Iterable<number>, max: number): number[] {
  const cap = Math.max(1, Math.floor(max));
  if (total <= cap) return Array.from({ length: total }, (_, i) => i);
  const chosen = new Set<number>();
  const take = (page: number) => {
    if (chosen.size < cap && Number.isInteger(page) && page >= 0 && page < total) {
      chosen.add(page);
    }
  };
  for (const p of [0, total - 1, 1, total - 2]) take(p);
  for (const p of wanted) take(p);
  const room = cap - chosen.size;
  for (let k = 1; k <= room && chosen.size < cap; k++) {
    let p = Math.round((k * (total - 1)) / (room + 1));
    while (chosen.has(p) && p < total - 1) p++;
    take(p);
  }
  for (let p = 0; chosen.size < cap && p < total; p++) take(p);
  return [...chosen].sort((a, b) => a - b);
}

/** The position among the drawn pages of the drawn page at or before plan page `page`. */
function nearestDrawn(drawn: readonly number[], page: number): number {
  let lo = 0, hi = drawn.length - 1, best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (drawn[mid] <= page) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** The index page's sentence on the pages left out, or undefined when every page is drawn. */
function omittedNote(plan: DiagramPlan, drawn: readonly number[]): string | undefined {
  const total = plan.pages.length;
  if (drawn.length >= total) return undefined;
  // Runs of consecutive left-out pages, as time ranges.
  const gaps: string[] = [];
  let prev = -1;
  for (const p of [...drawn, total]) {
    if (p > prev + 1) {
      const a = plan.pages[prev + 1], b = plan.pages[p - 1];
      gaps.push(`${fmtS(a.startMs)}–${fmtS(b.endMs)}`);
    }
    prev = p;
  }
  const shown = gaps.slice(0, 12).join(", ") +
    (gaps.length > 12 ? `, and ${gaps.length - 12} more` : "");
  return `The diagram of this run has ${total} pages; ${drawn.length} are drawn (the first and last, ` +
    `those with anomalies, partitions and node problems, and evenly spaced ones between) and ` +
    `${total - drawn.length} are left out, covering ${shown}. Every message is in messages.jsonl.`;
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

function makeLinks(
  run: RunData,
  plan: DiagramPlan,
  drawn: readonly number[],
  historyDrawn: ReadonlySet<number>,
): Links {
  // An op on a history page that was not written is found in history.txt (one op a line).
  const historyPageOf = (i: number) => Math.floor(i / HISTORY_PAGE_OPS);
  const historyHref = (page: number, anchor: string) =>
    historyDrawn.has(page) ? `${REPORT_SUBDIR}/${historyFile(page)}${anchor}` : "history.txt";
  const position = new Map(drawn.map((p, i) => [p, i]));
  // A link into a page that was not drawn leads to the index's list of drawn pages instead.
  const pageHref = (planPage: number, anchor: string) => {
    const i = position.get(planPage);
    return i === undefined ? "index.html#diagram" : `${REPORT_SUBDIR}/${diagramFile(i)}#${anchor}`;
  };
  return {
    historyOp: (i) => historyHref(historyPageOf(i), `#op-${i}`),
    diagramOp: (i) => {
      const span = run.spanOf[i];
      const op = run.history[i];
      const t = span ? span.startMs : op ? op.time / 1e6 : 0;
      return pageHref(pageOfTime(plan, t), `op-${i}`);
    },
    diagramMessage: (id) => {
      const page = pageOfMessage(plan, id);
      return page < 0 || !position.has(page) ? undefined : pageHref(page, `m-${id}`);
    },
    diagramPage: (i) => `${REPORT_SUBDIR}/${diagramFile(i)}`,
    historyPage: (i) => historyHref(i, ""),
  };
}

function messagesByClient(journal: readonly JournalEntry[]): Map<string, JournalEntry[]> {
  const by = new Map<string, JournalEntry[]>();
  for (const m of journal) {
    for (const end of [m.src, m.dest]) {
      if (!/^c\d+$/.test(end)) continue;
      const list = by.get(end);
      if (list) list.push(m);
      else by.set(end, [m]);
    }
  }
  return by;
}

/** Whether a run folder has a complete report that is newer than its results (the server
 * regenerates the others).
 *
 * @example
 * ```ts ignore
 * if (!(await reportIsCurrent(dir))) await writeReport(dir);
 * ```
 */
export async function reportIsCurrent(runDir: string): Promise<boolean> {
  const mtime = async (p: string) => {
    try {
      return (await Deno.stat(p)).mtime?.getTime() ?? 0;
    } catch {
      return undefined;
    }
  };
  const index = await mtime(`${runDir}/index.html`);
  if (index === undefined) return false;
  const sources = await Promise.all(
    ["results.json", "history.jsonl", "messages.jsonl"].map((f) => mtime(`${runDir}/${f}`)),
  );
  return sources.every((t) => t === undefined || t <= index);
}

/** Whether a folder looks like a run folder (it has any of the files a run writes). */
export async function isRunDir(dir: string): Promise<boolean> {
  for (const f of ["results.json", "test.json", "history.jsonl"]) {
    try {
      if ((await Deno.stat(`${dir}/${f}`)).isFile) return true;
    } catch {
      // Not this one.
    }
  }
  return false;
}
