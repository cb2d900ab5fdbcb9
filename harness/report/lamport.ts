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
 * This file plans the diagram (lanes, rows, pages); `lamport_render.ts` draws a page of the plan.
 *
 * Large runs are split into pages: time windows of a round length, and a window with more than
 * {@linkcode DEFAULT_MAX_EVENTS} events is cut into equal parts. Clients that never overlap in
 * time share a line, so a 25-node run with 25 client threads needs about 50 lines, not 100.
 *
 * @module
 */
import type { JournalEntry } from "../network.ts";
import { compareIds, isInitMessage, type RunData } from "./load.ts";
import { fmtMs, niceStep } from "./svg.ts";

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
export const SAME_TIME_MS = 1e-3;

/** Margins of the diagram: the time axis on the left, room for labels on the right. */
export const LEFT_PX = 84, RIGHT_PX = 220, TOP_PX = 18, BOTTOM_PX = 28;

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

/** First rank whose time is at least `t`.
 *
 * @example
 * ```ts
 * import { lowerBound } from "./lamport.ts";
 * lowerBound(Float64Array.of(1, 2, 2, 3), 2); // 1
 * ```
 */
export function lowerBound(times: Float64Array, t: number): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First rank whose time is above `t`.
 *
 * @example
 * ```ts
 * import { upperBound } from "./lamport.ts";
 * upperBound(Float64Array.of(1, 2, 2, 3), 2); // 3
 * ```
 */
export function upperBound(times: Float64Array, t: number): number {
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
