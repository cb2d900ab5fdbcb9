/**
 * The Lamport diagram of a run's message journal, drawn as SVG by hand.
 *
 * Every endpoint is a vertical line (server nodes on the left, then services, then clients), and
 * every message an arrow from its sender at its send time to its receiver at its receive time.
 * Time runs down the page, but not linearly: each send and each receive gets a row of its own,
 * at least {@linkcode ROW_GAP_PX} below the previous one, so a burst of messages at the same
 * instant (the simulator with zero latency does that) stays readable, and an idle stretch is
 * drawn at most {@linkcode MAX_GAP_PX} tall with its length written in the margin. Because each
 * row holds at most one send, each arrow's label (`<type> <short body>`) gets a line of its own;
 * the full body is in a tooltip.
 *
 * Client ops are bars on their client's line from invocation to completion, coloured by outcome;
 * partitions are shaded bands; error replies are pink; dropped messages end in a ✗ halfway. A node's
 * dead spans (`--nemesis kill`) and paused spans (`--nemesis pause`) cover its line in Jepsen's
 * kill and pause colours, and a restart is drawn as a bar across the line where a new life of the
 * node begins.
 *
 * Large runs are split into pages: time windows of a round length, and a window with more than
 * {@linkcode DEFAULT_MAX_EVENTS} events is cut into equal parts. Clients that never overlap in
 * time share a line, so a 25-node run with 25 client threads needs about 50 lines, not 100.
 *
 * @module
 */
import type { JournalEntry } from "../network.ts";
import { compareIds, isInitMessage, type RunData } from "./load.ts";
import { FAULT_CSS, renderFaultSpans } from "./lamport_faults.ts";
import {
  attr,
  cut,
  esc,
  fmtMs,
  niceStep,
  OUTCOME_COLOURS,
  OUTCOME_STROKES,
  px,
  shortJson,
} from "./svg.ts";

/** Least vertical distance between two rows (one event each). */
export const ROW_GAP_PX = 16;
/** Most vertical distance between two rows; longer idle stretches are compressed. */
export const MAX_GAP_PX = 72;
/** Vertical scale between rows that are further apart in time than {@linkcode ROW_GAP_PX}. */
export const PX_PER_MS = 1;
/** Events (sends and receives) per page at most. */
export const DEFAULT_MAX_EVENTS = 900;
/** Characters of an arrow's label at most. */
export const LABEL_CHARS = 40;
/** Times this close (ms) are the same moment: history times are rounded to whole nanoseconds,
 * journal times are not. */
const SAME_TIME_MS = 1e-3;

const LEFT_PX = 84;
const RIGHT_PX = 220;
const TOP_PX = 18;
const BOTTOM_PX = 28;

/** Options of {@linkcode planDiagram}. */
export interface LamportOptions {
  /** Events per page at most (default {@linkcode DEFAULT_MAX_EVENTS}). */
  maxEventsPerPage?: number;
  /** Length of a page's time window; by default a round length that gives pages of about
   * `maxEventsPerPage` events on average. */
  windowMs?: number;
}

/** One vertical line of the diagram. */
export interface Lane {
  /** The endpoint (`n3`, `seq-kv`), or for a client line the first client that used it. */
  id: string;
  kind: "client" | "node" | "service";
  x: number;
  /** For a client line: every client connection drawn on it, in order of first use. */
  clients: string[];
}

/** A send or a receive of one message. */
export interface DiagramEvent {
  t: number;
  /** Position of the message in {@linkcode DiagramPlan.messages}. */
  msg: number;
  recv: boolean;
}

/** A page: a contiguous range of events. */
export interface PageRange {
  /** First event (rank) on the page. */
  from: number;
  /** One past the last event. */
  to: number;
  startMs: number;
  endMs: number;
  /** A caption such as `2 – 4 s` or `2.104 – 2.611 s (part 2 of 3)`. */
  caption: string;
}

/** The layout of the whole diagram, before any page is drawn. */
export interface DiagramPlan {
  /** The journal without `init` and `init_ok`, in journal order. */
  messages: JournalEntry[];
  /** Every send and receive, ordered by time, then message id, sends before receives. */
  events: DiagramEvent[];
  /** Event times, for binary search. */
  times: Float64Array;
  /** Rank of each message's send and receive (-1 when never received). */
  sendRank: Int32Array;
  recvRank: Int32Array;
  pages: PageRange[];
  lanes: Lane[];
  laneOf: Map<string, number>;
  width: number;
  /** Messages left out because they are part of `init`. */
  initCount: number;
  /** For each page, the messages it draws (sent, received or passing through it). */
  pageMessages: number[][];
  /** For each page, the client ops (positions in `run.spans`) that may show on it. */
  pageSpans: number[][];
}

/** Lays out lanes, events and pages for a run.
 *
 * @example
 * ```ts ignore
 * const plan = planDiagram(run);
 * plan.pages.length; // 1 for a short run
 * ```
 */
export function planDiagram(run: RunData, options: LamportOptions = {}): DiagramPlan {
  const maxEvents = Math.max(10, options.maxEventsPerPage ?? DEFAULT_MAX_EVENTS);
  const messages = run.journal.filter((m) => !isInitMessage(m));
  const initCount = run.journal.length - messages.length;

  const events: DiagramEvent[] = [];
  messages.forEach((m, i) => {
    events.push({ t: m.sentMs, msg: i, recv: false });
    if (m.recvMs !== undefined) events.push({ t: m.recvMs, msg: i, recv: true });
  });
  events.sort((a, b) =>
    a.t - b.t || messages[a.msg].id - messages[b.msg].id || Number(a.recv) - Number(b.recv)
  );
  const times = new Float64Array(events.length);
  const sendRank = new Int32Array(messages.length).fill(-1);
  const recvRank = new Int32Array(messages.length).fill(-1);
  events.forEach((e, r) => {
    times[r] = e.t;
    (e.recv ? recvRank : sendRank)[e.msg] = r;
  });

  const { lanes, laneOf, width } = layoutLanes(run, messages);
  const pages = paginate(times, run.endMs, maxEvents, options.windowMs);

  // What each page draws, found once rather than by scanning everything for every page.
  const rankPage = new Int32Array(events.length);
  pages.forEach((p, i) => rankPage.fill(i, p.from, p.to));
  const pageMessages: number[][] = pages.map(() => []);
  messages.forEach((_, i) => {
    const first = rankPage[sendRank[i]];
    const last = recvRank[i] >= 0 ? rankPage[recvRank[i]] : first;
    for (let p = first; p <= last; p++) pageMessages[p].push(i);
  });
  const pageSpans: number[][] = pages.map(() => []);
  const n = events.length;
  run.spans.forEach((s, i) => {
    if (n === 0) return;
    const first = rankPage[Math.min(n - 1, lowerBound(times, s.startMs - SAME_TIME_MS))];
    const last = rankPage[Math.max(0, Math.min(n - 1, upperBound(times, s.endMs + SAME_TIME_MS)))];
    for (let p = first; p <= last; p++) pageSpans[p].push(i);
  });
  return {
    messages,
    events,
    times,
    sendRank,
    recvRank,
    pages,
    lanes,
    laneOf,
    width,
    initCount,
    pageMessages,
    pageSpans,
  };
}

/** Nodes first, then services, then clients (lines shared by clients whose lifetimes do not
 * overlap). */
function layoutLanes(
  run: RunData,
  messages: readonly JournalEntry[],
): { lanes: Lane[]; laneOf: Map<string, number>; width: number } {
  const life = new Map<string, { start: number; end: number }>();
  const others = new Set<string>();
  const touch = (id: string, t: number) => {
    if (!isClientId(id)) {
      others.add(id);
      return;
    }
    const l = life.get(id);
    if (!l) life.set(id, { start: t, end: t });
    else {
      l.start = Math.min(l.start, t);
      l.end = Math.max(l.end, t);
    }
  };
  for (const m of messages) {
    touch(m.src, m.sentMs);
    touch(m.dest, m.recvMs ?? m.sentMs);
  }
  for (const s of run.spans) {
    const c = s.invoke.client;
    if (typeof c === "string" && life.has(c)) {
      const l = life.get(c)!;
      l.start = Math.min(l.start, s.startMs);
      l.end = Math.max(l.end, s.endMs);
    }
  }
  // Greedy interval colouring: each client takes the first line free before it starts.
  const clientLanes: { end: number; clients: string[] }[] = [];
  const clients = [...life].sort(([a, la], [b, lb]) => la.start - lb.start || compareIds(a, b));
  for (const [id, l] of clients) {
    const free = clientLanes.find((c) => c.end < l.start);
    if (free) {
      free.end = l.end;
      free.clients.push(id);
    } else clientLanes.push({ end: l.end, clients: [id] });
  }
  const nodeSet = new Set(run.nodes);
  const nodes = [...new Set([...run.nodes, ...[...others].filter((o) => /^n\d/.test(o))])];
  const services = [...others].filter((o) => !nodeSet.has(o) && !nodes.includes(o));
  nodes.sort(compareIds);
  services.sort(compareIds);

  // Nodes get the room (they carry most of the traffic); client lines are narrower.
  const servers = Math.max(1, nodes.length + services.length);
  const gap = Math.max(40, Math.min(110, Math.floor(1100 / servers)));
  const clientGap = Math.max(
    28,
    Math.min(gap, 80, Math.floor(600 / Math.max(1, clientLanes.length))),
  );
  const lanes: Lane[] = [];
  const laneOf = new Map<string, number>();
  let x = LEFT_PX;
  const add = (id: string, kind: Lane["kind"], clientIds: string[], width: number) => {
    const i = lanes.length;
    lanes.push({ id, kind, x: x + width / 2, clients: clientIds });
    x += width;
    for (const c of clientIds.length ? clientIds : [id]) laneOf.set(c, i);
  };
  for (const n of nodes) add(n, "node", [], gap);
  for (const s of services) add(s, "service", [], gap);
  for (const c of clientLanes) add(c.clients[0], "client", c.clients, clientGap);
  return { lanes, laneOf, width: x + RIGHT_PX };
}

/** Whether an endpoint id is a client connection (`c12`). */
export function isClientId(id: string): boolean {
  return /^c\d+$/.test(id);
}

/** Splits the events into pages: round time windows, each cut into equal parts of at most
 * `maxEvents` events. */
function paginate(
  times: Float64Array,
  endMs: number,
  maxEvents: number,
  windowMsOption: number | undefined,
): PageRange[] {
  const n = times.length;
  if (n === 0) return [{ from: 0, to: 0, startMs: 0, endMs, caption: `0 – ${fmtMs(endMs)}` }];
  const spanMs = Math.max(1, times[n - 1]);
  const windowMs = windowMsOption ??
    (n <= maxEvents ? Infinity : Math.max(1, niceStep((spanMs * maxEvents) / n)));
  const pages: PageRange[] = [];
  let from = 0;
  while (from < n) {
    const w = Number.isFinite(windowMs) ? Math.floor(times[from] / windowMs) : 0;
    let to = from;
    while (to < n && (Number.isFinite(windowMs) ? Math.floor(times[to] / windowMs) === w : true)) {
      to++;
    }
    const parts = Math.ceil((to - from) / maxEvents);
    const size = Math.ceil((to - from) / parts);
    const wStart = Number.isFinite(windowMs) ? w * windowMs : 0;
    const wEnd = Number.isFinite(windowMs) ? Math.min((w + 1) * windowMs, endMs) : endMs;
    for (let k = 0; k < parts; k++) {
      const a = from + k * size;
      const b = Math.min(to, a + size);
      const startMs = parts === 1 ? wStart : times[a];
      const endMsPart = parts === 1 ? wEnd : times[b - 1];
      pages.push({
        from: a,
        to: b,
        startMs,
        endMs: endMsPart,
        caption: `${secs(startMs)} – ${secs(endMsPart)} s` +
          (parts > 1 ? ` (part ${k + 1} of ${parts})` : ""),
      });
    }
    from = to;
  }
  return pages;
}

function secs(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(3);
}

/** First rank whose time is at least `t`. */
function lowerBound(times: Float64Array, t: number): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First rank whose time is above `t`. */
function upperBound(times: Float64Array, t: number): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The page that shows the moment `t` (ms since the test started): the page of the first event
 * at or after it.
 *
 * @example
 * ```ts ignore
 * const page = pageOfTime(plan, op.time / 1e6);
 * ```
 */
export function pageOfTime(plan: DiagramPlan, t: number): number {
  const r = Math.min(lowerBound(plan.times, t - SAME_TIME_MS), Math.max(0, plan.events.length - 1));
  return pageOfRank(plan, r);
}

/** The page on which message `id` is sent (or, failing that, received), or -1 for an `init`
 * message or an unknown id. */
export function pageOfMessage(plan: DiagramPlan, id: number): number {
  const i = messageIndex(plan, id);
  if (i < 0) return -1;
  return pageOfRank(plan, plan.sendRank[i]);
}

function messageIndex(plan: DiagramPlan, id: number): number {
  const ms = plan.messages;
  let lo = 0, hi = ms.length - 1;
  // Journal ids increase along the journal; fall back to a scan if a journal was reordered.
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ms[mid].id === id) return mid;
    if (ms[mid].id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return ms.findIndex((m) => m.id === id);
}

function pageOfRank(plan: DiagramPlan, r: number): number {
  const pages = plan.pages;
  let lo = 0, hi = pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pages[mid].from <= r) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The drawn page: a header strip with the lane names and the diagram itself. */
export interface RenderedPage {
  header: string;
  body: string;
  width: number;
  height: number;
  /** What the page shows, for the page list. */
  counts: { messages: number; dropped: number; errors: number; ops: number };
}

/** Draws page `index` of a plan. `marks` flags the ops behind anomalies, by invocation index:
 * their bars get a red badge linking to the anomaly (`href`).
 *
 * @example
 * ```ts ignore
 * const { header, body } = renderPage(run, plan, 0);
 * ```
 */
export function renderPage(
  run: RunData,
  plan: DiagramPlan,
  index: number,
  marks: ReadonlyMap<number, { numbers: number[]; href: string }> = new Map(),
): RenderedPage {
  const page = plan.pages[index];
  const { lanes, laneOf, messages, times, sendRank, recvRank } = plan;
  const rows = page.to - page.from;

  // Row positions: at least ROW_GAP_PX apart, at most MAX_GAP_PX.
  const y = new Float64Array(rows);
  const breaks: { y: number; ms: number }[] = [];
  for (let i = 0; i < rows; i++) {
    if (i === 0) {
      y[i] = TOP_PX + ROW_GAP_PX;
      continue;
    }
    const dt = times[page.from + i] - times[page.from + i - 1];
    const want = dt * PX_PER_MS;
    if (want > MAX_GAP_PX) breaks.push({ y: y[i - 1] + MAX_GAP_PX / 2, ms: dt });
    y[i] = y[i - 1] + Math.min(MAX_GAP_PX, Math.max(ROW_GAP_PX, want));
  }
  const top = TOP_PX;
  const bottom = (rows > 0 ? y[rows - 1] : TOP_PX) + ROW_GAP_PX + BOTTOM_PX;
  const height = bottom + 8;
  const yOfRank = (r: number) => y[r - page.from];

  /** Where moment `t` is on this page: `edge` picks the start or the end of a group of events
   * at that time (within {@linkcode SAME_TIME_MS}); moments before or after the page clip to its
   * edges. */
  const yOfTime = (t: number, edge: "start" | "end"): number => {
    const lo = lowerBound(times, t - SAME_TIME_MS);
    const hi = upperBound(times, t + SAME_TIME_MS) - 1;
    if (lo <= hi) {
      // Events at t.
      const r = edge === "start" ? lo : hi;
      if (r < page.from) return top;
      if (r >= page.to) return bottom;
      return yOfRank(r) + (edge === "start" ? -ROW_GAP_PX / 2 : ROW_GAP_PX / 2);
    }
    // Strictly between ranks hi and lo.
    if (lo <= page.from) return top;
    if (hi >= page.to - 1) return bottom;
    const t0 = times[hi], t1 = times[lo];
    const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0.5;
    return yOfRank(hi) + f * (yOfRank(lo) - yOfRank(hi));
  };
  const pageT0 = rows > 0 ? times[page.from] : 0;
  const pageT1 = rows > 0 ? times[page.to - 1] : run.endMs;
  /** The vertical extent of the interval [a, b] on this page, or undefined when it is wholly
   * before or after the page. */
  const extent = (a: number, b: number): [number, number] | undefined => {
    const y0 = yOfTime(a, "start"), y1 = yOfTime(b, "end");
    if (y1 > top && y0 < bottom) return [y0, y1];
    return undefined;
  };

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="lamport" width="${plan.width}" ` +
      `height="${px(height)}" viewBox="0 0 ${plan.width} ${px(height)}">`,
  );
  out.push(DEFS);

  // Partitions, under everything else (their labels go on top of everything).
  const partitionLabels: string[] = [];
  out.push(`<g class="partitions">`);
  const nodeXs = lanes.filter((l) => l.kind === "node").map((l) => l.x);
  const bandX0 = nodeXs.length ? Math.min(...nodeXs) - 26 : LEFT_PX;
  const bandX1 = nodeXs.length ? Math.max(...nodeXs) + 24 : plan.width - RIGHT_PX;
  for (const p of run.partitions) {
    const ext = extent(p.startMs, p.endMs);
    if (!ext) continue;
    const [y0, y1] = ext;
    out.push(
      `<g class="partition"><title>${
        esc(
          `Partition from ${fmtMs(p.startMs)} to ${fmtMs(p.endMs)}: ${p.label}\n${
            JSON.stringify(p.grudge)
          }`,
        )
      }</title>` +
        `<rect x="${px(bandX0)}" y="${px(y0)}" width="${px(bandX1 - bandX0)}" height="${
          px(y1 - y0)
        }"/>`,
    );
    // The nodes cut off (the smaller side) get their lines thickened over the band.
    for (const dest of p.isolated) {
      const l = laneOf.get(dest);
      if (l === undefined) continue;
      out.push(
        `<line class="cut" x1="${px(lanes[l].x)}" y1="${px(y0)}" x2="${px(lanes[l].x)}" y2="${
          px(y1)
        }"/>`,
      );
    }
    // The label runs down the band's left margin, clear of the arrows and their labels.
    const room = Math.floor((Math.min(y1, bottom) - Math.max(y0, top) - 10) / 6.4);
    if (room >= 9) {
      const text = cut(`partition ${p.label}${y0 <= top ? " (continued)" : ""}`, room);
      partitionLabels.push(
        `<text class="partition-label" transform="translate(${px(bandX0 + 8)},${
          px(Math.max(y0, top) + 6)
        }) rotate(90)">${esc(text)}</text>`,
      );
    }
    out.push(`</g>`);
  }
  out.push(`</g>`);

  // Lanes.
  out.push(`<g class="lanes">`);
  for (const l of lanes) {
    out.push(
      `<line class="lane ${l.kind}" data-kind="${l.kind}" data-id="${attr(l.id)}" x1="${
        px(l.x)
      }" y1="0" x2="${px(l.x)}" y2="${px(height)}"/>`,
    );
  }
  out.push(`</g>`);

  // Dead and paused spans on their node's line; their marks go on top of everything.
  const faults = renderFaultSpans(run, lanes, laneOf, extent, top, bottom);
  out.push(faults.bands);

  // Time axis: a label every 48 px or so, and the compressed idle stretches.
  out.push(`<g class="axis">`);
  let lastLabel = -Infinity, lastText = "";
  for (let i = 0; i < rows; i++) {
    const label = `${(times[page.from + i] / 1000).toFixed(3)} s`;
    if ((y[i] - lastLabel < 48 || label === lastText) && i !== 0) continue;
    lastLabel = y[i];
    lastText = label;
    out.push(
      `<text x="${LEFT_PX - 10}" y="${px(y[i] + 3.5)}">${label}</text>` +
        `<line class="tick" x1="${LEFT_PX - 6}" y1="${px(y[i])}" x2="${LEFT_PX - 1}" y2="${
          px(y[i])
        }"/>`,
    );
  }
  for (const b of breaks) {
    out.push(
      `<line class="break" x1="${LEFT_PX - 4}" y1="${px(b.y)}" x2="${plan.width - RIGHT_PX}" y2="${
        px(b.y)
      }"/><text class="break-label" x="${LEFT_PX - 10}" y="${px(b.y + 3.5)}">+${
        esc(fmtMs(b.ms))
      }</text>`,
    );
  }
  out.push(`</g>`);

  // Client ops.
  let opCount = 0;
  out.push(`<g class="ops">`);
  for (const si of plan.pageSpans[index] ?? []) {
    const s = run.spans[si];
    const c = s.invoke.client;
    const l = typeof c === "string" ? laneOf.get(c) : undefined;
    const ext = l === undefined ? undefined : extent(s.startMs, s.endMs);
    if (l === undefined || !ext) continue;
    opCount++;
    const y0 = ext[0];
    const y1 = Math.max(y0 + 4, ext[1]);
    const anchorHere = pageOfTime(plan, s.startMs) === index;
    const done = s.done;
    const title =
      `op ${s.invoke.index}${
        done ? `–${done.index}` : ""
      }: process ${s.invoke.process} via ${c} → ${s.invoke.node ?? "?"}\n${s.invoke.f} ${
        shortJson(s.invoke.value, 200)
      }\n` +
      (done
        ? `${done.type} ${shortJson(done.value, 200)}${
          done.error === undefined ? "" : ` (${shortJson(done.error, 120)})`
        } after ${fmtMs(s.endMs - s.startMs)}`
        : "never completed");
    const mark = marks.get(s.invoke.index);
    const rect =
      `<rect${anchorHere ? ` id="op-${s.invoke.index}"` : ""} class="op ${s.type}${
        mark ? " anomalous" : ""
      }" x="${px(lanes[l].x - 5)}" y="${px(y0)}" width="10" height="${px(y1 - y0)}" rx="3" ` +
      `fill="${OUTCOME_COLOURS[s.type]}" stroke="${OUTCOME_STROKES[s.type]}"/>`;
    const badge = mark
      ? `<a href="${attr(mark.href)}" class="badge"><title>${
        esc(`anomal${mark.numbers.length === 1 ? "y" : "ies"} ${mark.numbers.join(", ")}`)
      }</title><circle cx="${px(lanes[l].x + 12)}" cy="${px(y0 + 6)}" r="6.5"/><text x="${
        px(lanes[l].x + 12)
      }" y="${px(y0 + 9.5)}">!</text></a>`
      : "";
    out.push(
      `<g class="op-span"${anchorHere && done ? ` id="op-${done.index}"` : ""}><title>${
        esc(title + (mark ? `\nanomaly ${mark.numbers.join(", ")}` : ""))
      }</title>${rect}${badge}</g>`,
    );
  }
  out.push(`</g>`);

  // Messages.
  let msgCount = 0, dropped = 0, errors = 0;
  const right = plan.width - RIGHT_PX;
  out.push(`<g class="msgs">`);
  for (const i of plan.pageMessages[index] ?? []) {
    const m = messages[i];
    const sr = sendRank[i], rr = recvRank[i];
    const sendHere = sr >= page.from && sr < page.to;
    const recvHere = rr >= page.from && rr < page.to;
    const across = sr < page.from && rr >= page.to;
    if (!sendHere && !recvHere && !across) continue;
    const ls = laneOf.get(m.src), ld = laneOf.get(m.dest);
    if (ls === undefined || ld === undefined) continue;
    msgCount++;
    const xs = lanes[ls].x, xd = lanes[ld].x;
    const isError = m.body.type === "error";
    if (isError) errors++;
    const cls = isError
      ? "error"
      : isClientId(m.src) || isClientId(m.dest)
      ? "client"
      : lanes[ls].kind === "service" || lanes[ld].kind === "service"
      ? "service"
      : "server";
    // A message to a dead node counts as received (as in Maelstrom) but was never processed, so
    // it is drawn as lost.
    const fate = m.lost
      ? `lost: its destination was dead (${m.lost})`
      : m.recvMs !== undefined
      ? `received ${(m.recvMs / 1000).toFixed(3)} s (${fmtMs(m.recvMs - m.sentMs)} later)`
      : m.dropped
      ? `dropped (${m.dropped})`
      : "never delivered";
    const title = `message ${m.id}: ${m.src} → ${m.dest}, sent ${
      (m.sentMs / 1000).toFixed(3)
    } s, ${fate}\n${JSON.stringify(m.body)}`;
    const ys = sendHere ? yOfRank(sr) : top;
    const parts: string[] = [];
    if (m.recvMs === undefined || m.lost) {
      if (!sendHere) continue;
      // Dropped or still in flight at the end: half an arrow, then a cross or a question mark.
      const xe = xs === xd ? xs + 18 : xs + (xd - xs) * 0.5;
      const ye = ys + 3;
      if (m.dropped || m.lost) dropped++;
      parts.push(
        `<line class="dropped" x1="${px(xs)}" y1="${px(ys)}" x2="${px(xe)}" y2="${px(ye)}"/>` +
          `<text class="cross" x="${px(xe)}" y="${px(ye + 4.5)}">${
            m.dropped || m.lost ? "✗" : "?"
          }</text>`,
      );
    } else {
      const yr = recvHere ? yOfRank(rr) : bottom;
      if (xs === xd) {
        parts.push(
          `<path class="${cls}" d="M${px(xs)},${px(ys)} C${px(xs + 30)},${px(ys)} ${px(xs + 30)},${
            px(yr)
          } ${px(xd + 2)},${px(yr)}" fill="none"${
            recvHere ? ` marker-end="url(#ah-${cls})"` : ""
          }/>`,
        );
      } else {
        // An arrow that starts before the page enters at the top, and one that ends after it
        // leaves at the bottom, about where a straight line in time would cross the page's
        // edge, but with at least half its horizontal run shown so its direction is clear.
        const along = (t: number) =>
          m.recvMs! > m.sentMs ? (t - m.sentMs) / (m.recvMs! - m.sentMs) : 0.5;
        const x1 = sendHere ? xs : xs + (xd - xs) * Math.min(0.5, Math.max(0, along(pageT0)));
        let x2 = recvHere ? xd : xs + (xd - xs) * Math.min(1, Math.max(0.5, along(pageT1)));
        let y2 = yr;
        if (recvHere) {
          // Stop just short of the receiving lane so the arrowhead touches it.
          const dx = xd - x1, dy = yr - ys, len = Math.hypot(dx, dy) || 1;
          x2 = xd - (dx / len) * 1.5;
          y2 = yr - (dy / len) * 1.5;
        }
        parts.push(
          `<line class="${cls}${sendHere && recvHere ? "" : " continued"}" x1="${px(x1)}" y1="${
            px(ys)
          }" x2="${px(x2)}" y2="${px(y2)}"${recvHere ? ` marker-end="url(#ah-${cls})"` : ""}/>`,
        );
      }
    }
    if (sendHere) {
      const dir = xd >= xs ? 1 : -1;
      const room = dir > 0 ? right + RIGHT_PX - 8 - xs : xs - LEFT_PX;
      const chars = Math.max(8, Math.min(LABEL_CHARS, Math.floor(room / 6.1)));
      parts.push(
        `<text class="label ${cls}${m.recvMs === undefined || m.lost ? " lost" : ""}" x="${
          px(xs + dir * 6)
        }" y="${px(ys - 3.5)}"${dir < 0 ? ` text-anchor="end"` : ""}>${
          esc(cut(messageLabel(m.body), chars))
        }</text>`,
      );
    }
    out.push(
      `<g class="msg"${sendHere ? ` id="m-${m.id}"` : ""}><title>${esc(title)}</title>${
        parts.join("")
      }</g>`,
    );
  }
  out.push(`</g>`);

  // Node problems (crashes, garbage output) where they happened.
  out.push(`<g class="problems">`);
  for (const p of run.problems) {
    const l = laneOf.get(p.node);
    if (l === undefined || p.atMs === undefined || pageOfTime(plan, p.atMs) !== index) continue;
    const yp = Math.min(Math.max(yOfTime(p.atMs, "start") + ROW_GAP_PX / 2, top), bottom);
    out.push(
      `<g class="problem"><title>${esc(`${p.node} ${p.kind}: ${p.message}`)}</title>` +
        `<circle cx="${px(lanes[l].x)}" cy="${px(yp)}" r="8"/>` +
        `<text x="${px(lanes[l].x)}" y="${px(yp + 4)}">✗</text>` +
        `<text class="problem-label" x="${px(lanes[l].x + 12)}" y="${px(yp + 4)}">${
          esc(p.kind)
        }</text></g>`,
    );
  }
  out.push(`</g>`);
  out.push(`<g class="partition-labels">${partitionLabels.join("")}</g>`);
  out.push(faults.marks);
  out.push(`</svg>`);

  return {
    header: renderHeader(plan, page, run),
    body: out.join("\n"),
    width: plan.width,
    height,
    counts: { messages: msgCount, dropped, errors, ops: opCount },
  };
}

/** The lane names above the diagram: group captions (clients, nodes, services), then ids. A
 * client line shared by several clients is named after those active on the page. */
function renderHeader(plan: DiagramPlan, page: PageRange, run: RunData): string {
  const active = new Map<number, string[]>();
  for (let r = page.from; r < page.to; r++) {
    const m = plan.messages[plan.events[r].msg];
    for (const id of [m.src, m.dest]) {
      if (!isClientId(id)) continue;
      const l = plan.laneOf.get(id)!;
      const list = active.get(l) ?? [];
      if (!list.includes(id)) list.push(id);
      active.set(l, list);
    }
  }
  const h = 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lamport-header" width="${plan.width}" ` +
    `height="${h}" viewBox="0 0 ${plan.width} ${h}">`,
  ];
  for (const kind of ["node", "service", "client"] as const) {
    const ls = plan.lanes.filter((l) => l.kind === kind);
    if (ls.length === 0) continue;
    const x0 = ls[0].x, x1 = ls[ls.length - 1].x;
    const word = { client: "clients", node: "nodes", service: "services" }[kind];
    out.push(
      `<text class="group" x="${px((x0 + x1) / 2)}" y="12">${word}</text>` +
        `<line class="group-rule" x1="${px(x0 - 10)}" y1="16" x2="${px(x1 + 10)}" y2="16"/>`,
    );
  }
  plan.lanes.forEach((l, i) => {
    const names = l.kind === "client" ? active.get(i) ?? [] : [l.id];
    const gap = Math.min(
      i > 0 ? l.x - plan.lanes[i - 1].x : Infinity,
      i < plan.lanes.length - 1 ? plan.lanes[i + 1].x - l.x : Infinity,
      120,
    );
    const joined = names.join(" ");
    const shown = names.length === 0
      ? "·"
      : names.length === 1 || joined.length * 6.6 < gap - 6
      ? (names.length === 1 ? names[0] : joined)
      : `${names[0]}+${names.length - 1}`;
    const narrow = shown.length * 6.6 > gap - 4;
    const title = l.kind === "client"
      ? `client line ${i + 1}: ${l.clients.join(", ")}${
        names.length ? `\non this page: ${names.join(", ")}` : ""
      }`
      : l.kind === "node" && !run.nodes.includes(l.id)
      ? `${l.id} (not a node of the test)`
      : l.id;
    out.push(
      `<text class="name ${l.kind}${narrow ? " narrow" : ""}" data-kind="${l.kind}" x="${
        px(l.x)
      }" y="33"><title>${esc(title)}</title>${esc(shown)}</text>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n");
}

/** An arrow's label: the body's type, then its other fields as `key=value`, with `msg_id` and
 * `in_reply_to` last (they matter least to a reader).
 *
 * @example
 * ```ts
 * import { messageLabel } from "./lamport.ts";
 * messageLabel({ type: "broadcast", msg_id: 3, message: 7 }); // "broadcast message=7 msg_id=3"
 * ```
 */
export function messageLabel(body: Record<string, unknown>): string {
  const keys = Object.keys(body).filter((k) => k !== "type");
  const late = ["msg_id", "in_reply_to"];
  keys.sort((a, b) => Number(late.includes(a)) - Number(late.includes(b)));
  const rest = keys.map((k) => `${k}=${JSON.stringify(body[k]) ?? "null"}`).join(" ");
  return `${String(body.type ?? "?")}${rest ? ` ${rest}` : ""}`;
}

/** Arrowheads, one per arrow colour. */
const DEFS = `<defs>${
  ["server", "client", "service", "error"].map((c) =>
    `<marker id="ah-${c}" class="ah-${c}" viewBox="0 0 10 10" refX="9" refY="5" ` +
    `markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,1 L10,5 L0,9 z"/></marker>`
  ).join("")
}</defs>`;

/** The diagram's styles, for the page that embeds it. */
export const LAMPORT_CSS = FAULT_CSS + `
svg.lamport, svg.lamport-header { display: block; font-family: ui-monospace, SFMono-Regular,
  Menlo, Consolas, "DejaVu Sans Mono", monospace; }
svg.lamport .lane { stroke: #c9ced6; stroke-width: 1; }
svg.lamport .lane.node { stroke: #56606b; stroke-width: 1.5; }
svg.lamport .lane.service { stroke: #8e6bbf; stroke-width: 1.5; stroke-dasharray: 6 3; }
svg.lamport .partition rect { fill: #ffe9c7; opacity: 0.75; }
svg.lamport .partition .cut { stroke: #f0a040; stroke-width: 5; opacity: 0.55; }
svg.lamport .partition-label { font-size: 11px; fill: #8a4f00; font-family: system-ui, sans-serif;
  font-weight: 600; }
svg.lamport .axis text { font-size: 10px; fill: #7a828c; text-anchor: end; }
svg.lamport .axis .tick { stroke: #9aa2ac; }
svg.lamport .axis .break { stroke: #b8bec6; stroke-dasharray: 2 4; }
svg.lamport .axis .break-label { fill: #a0662a; font-style: italic; }
svg.lamport .msgs line, svg.lamport .msgs path { stroke-width: 1.1; }
svg.lamport .msgs .server:not(text) { stroke: #2f3a45; }
svg.lamport .msgs .client:not(text) { stroke: #4aa3ec; }
svg.lamport .msgs .service:not(text) { stroke: #7d55b5; }
svg.lamport .msgs .error:not(text) { stroke: #e0407f; stroke-width: 1.6; }
svg.lamport .msgs .continued { stroke-dasharray: 3 3; }
svg.lamport .msgs .dropped { stroke: #d33; stroke-dasharray: 4 3; stroke-width: 1.4; }
svg.lamport .msgs .cross { fill: #d33; font-size: 13px; font-weight: 700; text-anchor: middle;
  font-family: system-ui, sans-serif; }
svg.lamport .ah-server path { fill: #2f3a45; }
svg.lamport .ah-client path { fill: #4aa3ec; }
svg.lamport .ah-service path { fill: #7d55b5; }
svg.lamport .ah-error path { fill: #e0407f; }
svg.lamport .label { font-size: 10px; fill: #2f3a45; paint-order: stroke; stroke: #fff;
  stroke-width: 3px; stroke-linejoin: round; }
svg.lamport .label.client { fill: #1f6fb2; }
svg.lamport .label.service { fill: #5f3b94; }
svg.lamport .label.error { fill: #c2185b; font-weight: 600; }
svg.lamport .label.lost { fill: #b22; }
svg.lamport .msg:hover line, svg.lamport .msg:hover path { stroke-width: 2.6; }
svg.lamport .msg:hover .label { font-weight: 700; }
svg.lamport .op { stroke-width: 1; }
svg.lamport .op.anomalous { stroke: #d6337a; stroke-width: 2; }
svg.lamport .badge circle { fill: #e0407f; stroke: #fff; stroke-width: 1.5; }
svg.lamport .badge text { fill: #fff; font: 700 10px system-ui, sans-serif; text-anchor: middle; }
svg.lamport .op-span:hover .op { stroke-width: 2.5; }
svg.lamport .problem circle { fill: #fff; stroke: #d33; stroke-width: 2; }
svg.lamport .problem text { fill: #d33; font-size: 12px; font-weight: 700; text-anchor: middle;
  font-family: system-ui, sans-serif; }
svg.lamport .problem .problem-label { text-anchor: start; font-size: 11px; }
svg.lamport :target, svg.lamport .op-span:target .op { stroke: #111 !important;
  stroke-width: 3 !important; }
svg.lamport .msg:target .label { font-weight: 700; fill: #000; }
svg.lamport .msg:target line { stroke-width: 3.2; }
svg.lamport-header .group { font-size: 10px; fill: #8a929c; text-anchor: middle;
  letter-spacing: 0.08em; text-transform: uppercase; font-family: system-ui, sans-serif; }
svg.lamport-header .group-rule { stroke: #d5d9df; }
svg.lamport-header .name { font-size: 11px; text-anchor: middle; fill: #56606b; }
svg.lamport-header .name.node { font-weight: 700; fill: #1d252d; }
svg.lamport-header .name.service { fill: #5f3b94; font-weight: 600; }
svg.lamport-header .name.narrow { font-size: 8.5px; letter-spacing: -0.03em; }
`;
