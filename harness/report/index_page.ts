/**
 * The run's front page, `index.html`: the verdict, the checkers, key figures, every anomaly
 * linked to its ops and messages, the plots, the list of diagram pages and the files. Each
 * section is its own function, in page order.
 *
 * @module
 */
import type { JournalEntry } from "../network.ts";
import type { CheckResult } from "../types.ts";
import { type Anomaly, checkerSummary } from "../anomalies.ts";
import type { OpSpan } from "../ops.ts";
import {
  type DiagramPageInfo,
  HISTORY_PAGE_OPS,
  linkOps,
  type Links,
  pageStrip,
  pill,
  runTitle,
  shell,
} from "./html.ts";
import type { RunData } from "./load.ts";
import { esc, fmtMs, fmtS, shortJson, verdictColour, verdictText } from "./svg.ts";

/** Ops shown under each anomaly, messages shown under each op, anomalies listed in full. */
const OPS_PER_ANOMALY = 8;
const MESSAGES_PER_OP = 6;
const MAX_ANOMALIES = 200;

function fmtBytes(n: number): string {
  return n < 1024
    ? `${n} B`
    : n < 1024 * 1024
    ? `${(n / 1024).toFixed(1)} KiB`
    : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Quantile `q` of sorted numbers (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** What the index page shows besides the run itself. */
export interface IndexContext {
  run: RunData;
  links: Links;
  anomalies: Anomaly[];
  pages: DiagramPageInfo[];
  /** The history pages written (page numbers, in order), or how many there are when all are. */
  historyPages: number | readonly number[];
  /** Inline SVG of the plots, in order, each with a note on what it leaves out (if anything). */
  plots: { file: string; svg: string; note?: string }[];
  /** Client messages by client id, to show the messages behind each anomalous op. */
  messagesByClient: Map<string, JournalEntry[]>;
  /** The diagram page showing a moment (ms since the test started). */
  pageOfTime(t: number): number;
  /** What the diagram leaves out when the run has more pages than are drawn. */
  diagramNote?: string;
}

/** The run's front page.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync(`${dir}/index.html`, indexPage(ctx));
 * ```
 */
export function indexPage(ctx: IndexContext): string {
  const { run, links } = ctx;
  const sections = [
    titleSection(ctx),
    commandSection(run),
    `<h2>Key figures</h2>${cards(run)}`,
    run.results ? `<h2>Checkers</h2>${checkerTable(run.results, links, run.history.length)}` : "",
    anomaliesSection(ctx),
    latencySection(ctx),
    messagesSection(ctx),
    filesSection(ctx),
  ];
  return shell(
    runTitle(run),
    ["<main>", ...sections.filter((x) => x !== ""), "</main>"].join("\n"),
  );
}

/** The title with the verdict, the run's facts, and a note when analysis never ran. */
function titleSection(ctx: IndexContext): string {
  const { run, anomalies } = ctx;
  const results = run.results;
  const valid = results?.["valid?"];
  const opts = run.meta?.opts;
  const b: string[] = [];
  b.push(
    `<div class="title-row"><h1>${esc(runTitle(run))}</h1><span class="verdict" ` +
      `style="background:${verdictColour(valid)}">valid? ${esc(verdictText(valid))}</span></div>`,
  );
  const facts: string[] = [];
  if (opts) {
    facts.push(`${opts.nodes.length} node${opts.nodes.length === 1 ? "" : "s"}`);
    facts.push(`${opts.concurrency} client threads`);
    facts.push(`rate ${opts.rate}/s`);
    if (opts.latencyMs) facts.push(`latency ${opts.latencyMs} ms ${opts.latencyDist}`);
    if (opts.nemesis.length) {
      facts.push(`nemesis ${opts.nemesis.join(",")} every ~${opts.nemesisIntervalS} s`);
    }
    facts.push(`seed ${opts.seed}`);
  }
  if (run.meta) {
    facts.push(run.meta.runner === "simulation" ? "simulated (virtual time)" : "real processes");
  }
  facts.push(`${fmtMs(run.endMs)} in all`);
  b.push(
    `<div class="sub">${esc(facts.join(" · "))}${
      anomalies.length
        ? ` · <a href="#anomalies"><b class="t-fail">${anomalies.length} anomal${
          anomalies.length === 1 ? "y" : "ies"
        } ↓</b></a>`
        : ""
    }</div>`,
  );
  if (!results) {
    b.push(
      `<p class="anomaly unknown">This run has no <code>results.json</code>: it stopped before ` +
        `analysis. The history, messages and node logs below are what it left.</p>`,
    );
  }
  return b.join("\n");
}

/** The command line that reproduces the run (with its seed), when the run recorded it. */
function commandSection(run: RunData): string {
  if (!run.meta) return "";
  const opts = run.meta.opts;
  const argv = [...run.meta.argv];
  if (!argv.includes("--seed") && opts) argv.push("--seed", String(opts.seed));
  return `<h2>Command</h2><pre class="cmd">deno task maelstrom test ${esc(argv.join(" "))}</pre>`;
}

/** Every anomaly (at most {@linkcode MAX_ANOMALIES}), linked to its ops and messages. */
function anomaliesSection(ctx: IndexContext): string {
  const { anomalies } = ctx;
  if (anomalies.length === 0) return "";
  const b: string[] = [];
  b.push(
    `<h2 id="anomalies">Anomalies (${anomalies.length}${
      anomalies.length > MAX_ANOMALIES ? `, first ${MAX_ANOMALIES} shown` : ""
    })</h2>`,
  );
  b.push(`<ol class="anomalies">`);
  anomalies.slice(0, MAX_ANOMALIES).forEach((a, i) => b.push(anomalyItem(ctx, a, i)));
  b.push(`</ol>`);
  return b.join("\n");
}

/** The per-function latency table and the plots. */
function latencySection(ctx: IndexContext): string {
  const { run } = ctx;
  const b: string[] = [];
  b.push(`<h2>Latency and rate</h2>`);
  b.push(perFunctionTable(run));
  for (const p of ctx.plots) {
    b.push(
      `<div class="plot-box">${p.svg}<div class="sub"><a href="${p.file}">${p.file}</a>${
        p.note ? ` · ${esc(p.note)}` : ""
      }</div></div>`,
    );
  }

  return b.join("\n");
}

/** What the message diagram shows and the list of its pages. */
function messagesSection(ctx: IndexContext): string {
  const { run, links } = ctx;
  const b: string[] = [];
  b.push(`<h2 id="diagram">Messages</h2>`);
  b.push(
    `<p class="sub">A Lamport diagram of every message but <code>init</code>, in ${ctx.pages.length} ` +
      `page${ctx.pages.length === 1 ? "" : "s"}: each endpoint a vertical line, each message ` +
      `an arrow from its send to its receipt, client ops as bars coloured by outcome, ` +
      `partitions shaded.</p>`,
  );
  if (ctx.diagramNote) b.push(`<p class="sub diagram-note">${esc(ctx.diagramNote)}</p>`);
  if (ctx.pages.length > 1) b.push(pageStrip(run, links, ctx.pages, -1, ""));
  const many = ctx.pages.length > 24;
  if (many) b.push(`<details><summary>all ${ctx.pages.length} pages</summary>`);
  b.push(
    `<table class="pages-table"><tr><th>page</th><th>time</th><th class="num">messages</th>` +
      `<th class="num">dropped</th><th class="num">errors</th><th class="num">client ops</th>` +
      `<th></th></tr>`,
  );
  ctx.pages.forEach((p, i) => {
    b.push(
      `<tr><td><a href="${links.diagramPage(i)}">${i + 1}</a></td><td><a href="${
        links.diagramPage(i)
      }">${esc(p.caption)}</a></td><td class="num">${p.counts.messages}</td><td class="num">${
        p.counts.dropped || ""
      }</td><td class="num">${p.counts.errors || ""}</td><td class="num">${p.counts.ops}</td>` +
        `<td>${
          p.partition ? `<span class="pill" style="background:#ffe9c7">partition</span>` : ""
        }</td></tr>`,
    );
  });
  b.push(`</table>`);
  if (many) b.push(`</details>`);

  return b.join("\n");
}

/** Links to the history pages, the run's files and the node logs. */
function filesSection(ctx: IndexContext): string {
  const { run, links } = ctx;
  const b: string[] = [];
  b.push(`<h2>Files</h2><p class="files">`);
  const hp = typeof ctx.historyPages === "number"
    ? Array.from({ length: ctx.historyPages }, (_, i) => i)
    : ctx.historyPages;
  const historyTotal = Math.max(1, Math.ceil(run.history.length / HISTORY_PAGE_OPS));
  b.push(
    hp.map((i) =>
      `<a href="${links.historyPage(i)}">history table${historyTotal > 1 ? ` ${i + 1}` : ""}</a>`
    ).join(""),
  );
  for (const f of run.files ?? []) b.push(`<a href="${f}">${f}</a>`);
  b.push(`</p>`);
  if (hp.length < historyTotal) {
    b.push(
      `<p class="sub history-note">The history has ${historyTotal} table pages; ${hp.length} ` +
        `are written (the first and last, those with anomalies, and evenly spaced ones between). ` +
        `Every op is in history.txt.</p>`,
    );
  }
  if (run.nodeLogs.length) {
    const logLink = (l: { name: string; bytes: number }) =>
      `<a href="node-logs/${encodeURIComponent(l.name)}">${esc(l.name)}</a>`;
    const full = run.nodeLogs.filter((l) => l.bytes > 0);
    const empty = run.nodeLogs.filter((l) => l.bytes === 0);
    b.push(
      `<p class="files logs">node logs: ${
        full.map((l) => `${logLink(l)}<span class="sub">${fmtBytes(l.bytes)}</span>`).join(" ")
      }${
        empty.length
          ? `<span class="empty">${full.length ? " · " : ""}empty: ${
            empty.map(logLink).join(" ")
          }</span>`
          : ""
      }</p>`,
    );
  }
  return b.join("\n");
}

function cards(run: RunData): string {
  const r = run.results;
  const done = run.spans.filter((s) => s.type !== "pending");
  const count = (t: string) => run.spans.filter((s) => s.type === t).length;
  const okLat = run.spans.filter((s) => s.type === "ok").map((s) => s.endMs - s.startMs)
    .sort((a, b) => a - b);
  const net = r?.net as Record<string, Record<string, number>> | undefined;
  const f2 = (x: number | undefined) => x === undefined ? "-" : x.toFixed(2);
  const dropped = run.journal.filter((m) => m.dropped).length;
  const partMs = run.partitions.reduce((s, p) => s + (p.endMs - p.startMs), 0);
  const avail = r?.availability as CheckResult | undefined;
  const items = [
    {
      k: "client ops",
      v: String(run.spans.length),
      d: `<span class="t-ok">${count("ok")} ok</span> · <span class="t-fail">${
        count("fail")
      } fail</span> · <span class="t-info">${count("info")} info</span>` +
        (count("pending") ? ` · ${count("pending")} pending` : ""),
    },
    {
      k: "msgs per op (servers)",
      v: f2(net?.servers?.["msgs-per-op"]),
      d: `${f2(net?.all?.["msgs-per-op"])} counting clients · ${
        net?.all?.["msg-count"] ?? run.journal.length
      } messages${dropped ? ` · ${dropped} dropped` : ""}`,
    },
    {
      k: "latency of ok ops",
      v: okLat.length ? fmtMs(quantile(okLat, 0.5)) : "-",
      d: okLat.length
        ? `median · p95 ${fmtMs(quantile(okLat, 0.95))} · p99 ${
          fmtMs(quantile(okLat, 0.99))
        } · max ${fmtMs(okLat[okLat.length - 1])}`
        : "no ok ops",
    },
    {
      k: "availability",
      v: avail ? `${(Number(avail["ok-fraction"]) * 100).toFixed(2)}%` : "-",
      d: `of ${done.length} completed ops ok`,
    },
  ];
  const w = r?.workload as Record<string, unknown> | undefined;
  const stable = w?.["stable-latencies"] as Record<string, number> | undefined;
  if (stable && typeof stable === "object") {
    items.push({
      k: "stable latency",
      v: stable["0.5"] === undefined ? "-" : fmtMs(stable["0.5"]),
      d: `median · p95 ${fmtMs(stable["0.95"])} · max ${fmtMs(stable["1"])}`,
    });
  }
  if (run.partitions.length) {
    items.push({
      k: "partitions",
      v: String(run.partitions.length),
      d: `${fmtMs(partMs)} partitioned in all`,
    });
  }
  return `<div class="cards">${
    items.map((c) =>
      `<div class="card"><div class="k">${esc(c.k)}</div><div class="v">${esc(c.v)}</div>` +
      `<div class="d">${c.d}</div></div>`
    ).join("")
  }</div>`;
}

/** A checker's figures in one line: its numbers and latency quantiles (like the summary). */
function figures(name: string, r: Record<string, unknown>): string {
  if (name === "nodes") {
    const n = Array.isArray(r.problems) ? r.problems.length : 0;
    return n === 0 ? "no crashes, no malformed output" : `${n} problem${n === 1 ? "" : "s"}`;
  }
  if (name === "net") {
    const net = r as Record<string, Record<string, number>>;
    return `msgs-per-op ${net.all?.["msgs-per-op"]?.toFixed(2) ?? "-"} all, ${
      net.servers?.["msgs-per-op"]?.toFixed(2) ?? "-"
    } servers · ${net.all?.["msg-count"] ?? "-"} messages`;
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k === "valid?") continue;
    if (typeof v === "number") parts.push(`${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`);
    else if (k.endsWith("latencies") && v && typeof v === "object" && !Array.isArray(v)) {
      parts.push(
        `${k} ${
          Object.entries(v as Record<string, number>)
            .sort(([a], [b]) => Number(a) - Number(b))
            .map(([q, ms]) => `${q}: ${ms} ms`)
            .join(", ")
        }`,
      );
    }
  }
  return parts.slice(0, 10).join(" · ");
}

function checkerTable(results: CheckResult, links: Links, historyLength: number): string {
  const rows: string[] = [];
  for (const [name, r] of Object.entries(results)) {
    // The top-level "beyond-maelstrom" list repeats checkers' findings; it is no checker.
    if (name === "valid?" || !r || typeof r !== "object" || Array.isArray(r)) continue;
    const rec = r as Record<string, unknown>;
    const summary = rec["valid?"] === true ? undefined : checkerSummary(rec);
    rows.push(
      `<tr><td><b>${esc(name)}</b></td><td>${pill(rec["valid?"])}</td><td>${
        esc(figures(name, rec))
      }${
        summary
          ? `<div class="t-fail">${linkOps(esc(summary), links, "", historyLength)}</div>`
          : ""
      }</td></tr>`,
    );
  }
  rows.push(`<tr><td><b>overall</b></td><td>${pill(results["valid?"])}</td><td></td></tr>`);
  return `<table><tr><th>checker</th><th>valid?</th><th>figures</th></tr>${rows.join("")}</table>`;
}

function perFunctionTable(run: RunData): string {
  const byF = new Map<string, OpSpan[]>();
  for (const s of run.spans) {
    const list = byF.get(s.invoke.f);
    if (list) list.push(s);
    else byF.set(s.invoke.f, [s]);
  }
  if (byF.size === 0) return `<p class="sub">No client ops.</p>`;
  const rows = [...byF].map(([f, spans]) => {
    const n = (t: string) => spans.filter((s) => s.type === t).length;
    const lat = spans.filter((s) => s.type === "ok").map((s) => s.endMs - s.startMs)
      .sort((a, b) => a - b);
    const q = (x: number) => lat.length ? fmtMs(quantile(lat, x)) : "-";
    return `<tr><td><code>${esc(f)}</code></td><td class="num">${spans.length}</td>` +
      `<td class="num t-ok">${n("ok")}</td><td class="num t-fail">${n("fail") || ""}</td>` +
      `<td class="num t-info">${n("info") || ""}</td><td class="num">${q(0.5)}</td>` +
      `<td class="num">${q(0.95)}</td><td class="num">${q(0.99)}</td><td class="num">${
        q(1)
      }</td></tr>`;
  });
  return `<table><tr><th>f</th><th class="num">ops</th><th class="num">ok</th>` +
    `<th class="num">fail</th><th class="num">info</th><th class="num">p50 (ok)</th>` +
    `<th class="num">p95</th><th class="num">p99</th><th class="num">max</th></tr>${
      rows.join("")
    }</table>`;
}

function anomalyItem(ctx: IndexContext, a: Anomaly, i: number): string {
  const { run, links } = ctx;
  const unknown = run.results?.[a.checker] &&
    (run.results[a.checker] as CheckResult)["valid?"] === "unknown";
  const out: string[] = [];
  out.push(`<li class="anomaly${unknown ? " unknown" : ""}" id="anomaly-${i + 1}">`);
  out.push(
    `<div class="tag">${i + 1}. <b>${esc(a.checker)}</b>${a.kind ? ` · ${esc(a.kind)}` : ""}` +
      `${a.node ? ` · node ${esc(a.node)}` : ""} · <code>${esc(a.path)}</code></div>`,
  );
  out.push(
    `<div class="expl">${linkOps(esc(a.explanation), links, "", run.history.length)}</div>`,
  );
  if (a.details.length) out.push(`<pre>${esc(a.details.join("\n"))}</pre>`);
  const extra: string[] = [];
  if (a.node && run.nodeLogs.some((l) => l.name === `${a.node}.log` && l.bytes > 0)) {
    extra.push(`<a href="node-logs/${encodeURIComponent(`${a.node}.log`)}">${esc(a.node)}.log</a>`);
  }
  const problem = a.checker === "nodes" ? run.problems.find((p) => p.node === a.node) : undefined;
  if (problem?.atMs !== undefined && ctx.pages.length) {
    extra.push(
      `<a href="${links.diagramPage(ctx.pageOfTime(problem.atMs))}">diagram at ${
        fmtS(problem.atMs)
      }</a>`,
    );
  }
  if (extra.length) out.push(`<div class="sub">${extra.join(" · ")}</div>`);

  // The ops behind it: each op's invocation and completion, then its client's messages.
  const spans: OpSpan[] = [];
  for (const idx of a.ops) {
    const s = run.spanOf[idx];
    if (s && !spans.includes(s)) spans.push(s);
  }
  if (spans.length) {
    out.push(`<div class="ops">`);
    for (const s of spans.slice(0, OPS_PER_ANOMALY)) out.push(opBlock(ctx, s));
    out.push(`</div>`);
    if (spans.length > OPS_PER_ANOMALY) {
      out.push(
        `<div class="sub">and ${spans.length - OPS_PER_ANOMALY} more: ${
          spans.slice(OPS_PER_ANOMALY, OPS_PER_ANOMALY + 40).map((s) =>
            `<a href="${links.historyOp(s.invoke.index)}">${s.invoke.index}</a>`
          ).join(" ")
        }${spans.length > OPS_PER_ANOMALY + 40 ? " …" : ""}</div>`,
      );
    }
  }
  out.push(`</li>`);
  return out.join("\n");
}

function opBlock(ctx: IndexContext, s: OpSpan): string {
  const { links } = ctx;
  const inv = s.invoke, done = s.done;
  const msgs = messagesOf(ctx, s);
  const msgList = msgs.slice(0, MESSAGES_PER_OP).map((m) => {
    const href = links.diagramMessage(m.id);
    const fate = m.lost
      ? ` <b class="t-fail">lost (${esc(m.lost)})</b>`
      : m.recvMs !== undefined
      ? ""
      : m.dropped
      ? ` <b class="t-fail">dropped (${esc(m.dropped)})</b>`
      : ` <b class="t-info">never delivered</b>`;
    const text = `${m.src} → ${m.dest} ${shortJson(m.body, 160)}`;
    return `<li>${href ? `<a href="${href}">message ${m.id}</a>` : `message ${m.id}`} ${
      esc(text)
    }${fate}</li>`;
  });
  if (msgs.length > MESSAGES_PER_OP) {
    msgList.push(`<li class="sub">… and ${msgs.length - MESSAGES_PER_OP} more messages</li>`);
  }
  const outcome = done
    ? `${done.type} ${shortJson(done.value, 120)}${
      done.error === undefined ? "" : ` ${shortJson(done.error, 80)}`
    } after ${fmtMs(s.endMs - s.startMs)}`
    : "never completed";
  return `<div class="op">
<div class="op-head"><a href="${links.historyOp(inv.index)}">op ${inv.index}</a>${
    done ? `–<a href="${links.historyOp(done.index)}">${done.index}</a>` : ""
  } · ${fmtS(s.startMs)} · process ${esc(String(inv.process))} · ${
    esc(`${inv.client ?? "?"} → ${inv.node ?? "?"}`)
  } · <a href="${links.diagramOp(inv.index)}">show in diagram</a></div>
<div class="mono">${esc(`${inv.f} ${shortJson(inv.value, 120)}`)} <span class="t-${s.type}">→ ${
    esc(outcome)
  }</span></div>
${msgList.length ? `<ul class="msgs mono">${msgList.join("")}</ul>` : ""}
</div>`;
}

/** The messages a client sent or received while the op was open (1 ms slack each side). */
function messagesOf(ctx: IndexContext, s: OpSpan): JournalEntry[] {
  const c = s.invoke.client;
  if (typeof c !== "string") return [];
  const list = ctx.messagesByClient.get(c) ?? [];
  return list.filter((m) => m.sentMs >= s.startMs - 1 && m.sentMs <= s.endMs + 1);
}
