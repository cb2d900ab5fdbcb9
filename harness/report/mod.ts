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
 * - `report/messages-NNN.html`: the Lamport diagram of the message journal, in pages;
 * - `report/history-NNN.html`: the history as a table, every op an anchor (`#op-12`).
 *
 * ```sh
 * deno task report store/broadcast/latest
 * ```
 *
 * @module
 */
import type { JournalEntry } from "../network.ts";
import { findAnomalies } from "./anomalies.ts";
import {
  diagramFile,
  diagramPage,
  HISTORY_PAGE_OPS,
  historyFile,
  historyPage,
  indexPage,
  type Links,
} from "./html.ts";
import {
  type LamportOptions,
  pageOfMessage,
  pageOfTime,
  planDiagram,
  renderPage,
} from "./lamport.ts";
import { loadRun, type RunData } from "./load.ts";
import { latencyPlot, latencyQuantilesPlot, ratePlot } from "./plots.ts";

export { findAnomalies } from "./anomalies.ts";
export type { Anomaly } from "./anomalies.ts";
export { loadRun } from "./load.ts";

/** Options of {@linkcode writeReport}: the diagram's paging. */
export type ReportOptions = LamportOptions;

/** What {@linkcode writeReport} wrote. */
export interface ReportInfo {
  /** Path of the run's `index.html`. */
  index: string;
  diagramPages: number;
  historyPages: number;
  anomalies: number;
}

/** The folder, inside a run folder, that holds the paged files. */
export const REPORT_SUBDIR = "report";

/** Writes the report of the run in `runDir` (a `store/<workload>/<time>/` folder). It reads only
 * that folder and writes only into it; a report written before is replaced.
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
  const run = await loadRun(dir);
  const plan = planDiagram(run, options);
  const anomalies = findAnomalies(run.results);
  const links = makeLinks(run, plan);

  // Pages of an earlier report go (there may have been more of them); nothing else is touched.
  const sub = `${dir}/${REPORT_SUBDIR}`;
  await Deno.mkdir(sub, { recursive: true });
  for await (const e of Deno.readDir(sub)) {
    if (e.isFile && /^(messages|history)-\d{3,}\.html$/.test(e.name)) {
      await Deno.remove(`${sub}/${e.name}`);
    }
  }

  // Diagram pages first: the index lists what each one holds.
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
  const rendered = plan.pages.map((_, i) => renderPage(run, plan, i, marks));
  const pages = plan.pages.map((p, i) => {
    const t0 = p.to > p.from ? plan.times[p.from] : p.startMs;
    const t1 = p.to > p.from ? plan.times[p.to - 1] : p.endMs;
    return {
      caption: p.caption,
      counts: rendered[i].counts,
      partition: run.partitions.some((q) => q.startMs <= t1 && q.endMs >= t0),
      startMs: t0,
      endMs: t1,
    };
  });
  for (let i = 0; i < rendered.length; i++) {
    await Deno.writeTextFile(
      `${sub}/${diagramFile(i)}`,
      diagramPage(run, links, pages, i, rendered[i], plan.initCount),
    );
  }

  const historyPages = Math.max(1, Math.ceil(run.history.length / HISTORY_PAGE_OPS));
  for (let i = 0; i < historyPages; i++) {
    await Deno.writeTextFile(`${sub}/${historyFile(i)}`, historyPage(run, links, i, marks));
  }

  const plots = [
    { file: "latency-raw.svg", svg: latencyPlot(run, { opHref: links.historyOp }) },
    { file: "latency-quantiles.svg", svg: latencyQuantilesPlot(run) },
    { file: "rate.svg", svg: ratePlot(run) },
  ];
  for (const p of plots) await Deno.writeTextFile(`${dir}/${p.file}`, p.svg);

  const html = indexPage({
    run,
    links,
    anomalies,
    pages,
    historyPages,
    plots,
    messagesByClient: messagesByClient(run.journal),
    pageOfTime: (t) => pageOfTime(plan, t),
  });
  // The index is written last and atomically: its presence means the report is complete.
  await Deno.writeTextFile(`${dir}/index.html.tmp`, html);
  await Deno.rename(`${dir}/index.html.tmp`, `${dir}/index.html`);
  return {
    index: `${dir}/index.html`,
    diagramPages: plan.pages.length,
    historyPages,
    anomalies: anomalies.length,
  };
}

function makeLinks(run: RunData, plan: ReturnType<typeof planDiagram>): Links {
  const historyPageOf = (i: number) => Math.floor(i / HISTORY_PAGE_OPS);
  return {
    historyOp: (i) => `${REPORT_SUBDIR}/${historyFile(historyPageOf(i))}#op-${i}`,
    diagramOp: (i) => {
      const span = run.spanOf[i];
      const op = run.history[i];
      const t = span ? span.startMs : op ? op.time / 1e6 : 0;
      return `${REPORT_SUBDIR}/${diagramFile(pageOfTime(plan, t))}#op-${i}`;
    },
    diagramMessage: (id) => {
      const page = pageOfMessage(plan, id);
      return page < 0 ? undefined : `${REPORT_SUBDIR}/${diagramFile(page)}#m-${id}`;
    },
    diagramPage: (i) => `${REPORT_SUBDIR}/${diagramFile(i)}`,
    historyPage: (i) => `${REPORT_SUBDIR}/${historyFile(i)}`,
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
