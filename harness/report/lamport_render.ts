/**
 * Draws one page of a Lamport diagram planned by `lamport.ts`: the page's geometry (where each row
 * and moment falls), then the layers of the SVG in drawing order (partitions, lanes, fault spans,
 * the time axis, client ops, messages, node problems, labels on top), and the header strip of lane
 * names.
 *
 * @module
 */
import { FAULT_CSS, renderFaultSpans } from "./lamport_faults.ts";
import {
  BOTTOM_PX,
  type DiagramPlan,
  isClientId,
  LABEL_CHARS,
  LEFT_PX,
  lowerBound,
  MAX_GAP_PX,
  pageOfTime,
  type PageRange,
  PX_PER_MS,
  RIGHT_PX,
  ROW_GAP_PX,
  SAME_TIME_MS,
  TOP_PX,
  upperBound,
} from "./lamport.ts";
import type { RunData } from "./load.ts";
import { attr, cut, esc, fmtMs, OUTCOME_COLOURS, OUTCOME_STROKES, px, shortJson } from "./svg.ts";

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
  const g = pageGeometry(run, plan, index);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="lamport" width="${plan.width}" ` +
      `height="${px(g.height)}" viewBox="0 0 ${plan.width} ${px(g.height)}">`,
  );
  out.push(DEFS);
  // Partitions go under everything else; their labels go on top of everything.
  const partitions = drawPartitions(run, plan, g);
  out.push(...partitions.lines);
  out.push(...drawLanes(plan, g));
  // Dead and paused spans on their node's line; their marks go on top of everything.
  const faults = renderFaultSpans(run, plan.lanes, plan.laneOf, g.extent, g.top, g.bottom);
  out.push(faults.bands);
  out.push(...drawAxis(plan, g));
  const ops = drawOps(run, plan, index, g, marks);
  out.push(...ops.lines);
  const msgs = drawMessages(plan, index, g);
  out.push(...msgs.lines);
  out.push(...drawProblems(run, plan, index, g));
  out.push(`<g class="partition-labels">${partitions.labels.join("")}</g>`);
  out.push(faults.marks);
  out.push(`</svg>`);

  return {
    header: renderHeader(plan, g.page, run),
    body: out.join("\n"),
    width: plan.width,
    height: g.height,
    counts: {
      messages: msgs.count,
      dropped: msgs.dropped,
      errors: msgs.errors,
      ops: ops.count,
    },
  };
}

/** Where things fall on one page: the y of each row, the compressed idle stretches, the page's
 * edges, and how to place a moment or an interval. */
interface PageGeometry {
  page: PageRange;
  rows: number;
  /** The y of each row of the page (row 0 is the page's first rank). */
  y: Float64Array;
  /** Idle stretches drawn shorter than their length. */
  breaks: { y: number; ms: number }[];
  top: number;
  bottom: number;
  height: number;
  /** Times of the page's first and last events. */
  pageT0: number;
  pageT1: number;
  yOfRank(r: number): number;
  yOfTime(t: number, edge: "start" | "end"): number;
  extent(a: number, b: number): [number, number] | undefined;
}

/** The geometry of page `index`: rows at least {@linkcode ROW_GAP_PX} and at most
 * {@linkcode MAX_GAP_PX} apart. */
function pageGeometry(run: RunData, plan: DiagramPlan, index: number): PageGeometry {
  const page = plan.pages[index];
  const { times } = plan;
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

  return {
    page,
    rows,
    y,
    breaks,
    top,
    bottom,
    height,
    pageT0,
    pageT1,
    yOfRank,
    yOfTime,
    extent,
  };
}

/** The partitions as shaded bands, with the cut-off nodes' lines thickened; their labels are
 * returned apart, to be drawn on top of everything. */
function drawPartitions(
  run: RunData,
  plan: DiagramPlan,
  g: PageGeometry,
): { lines: string[]; labels: string[] } {
  const { lanes, laneOf } = plan;
  const { extent, top, bottom } = g;
  const out: string[] = [];
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

  return { lines: out, labels: partitionLabels };
}

/** One vertical line per lane. */
function drawLanes(plan: DiagramPlan, g: PageGeometry): string[] {
  const { lanes } = plan;
  const { height } = g;
  const out: string[] = [];
  out.push(`<g class="lanes">`);
  for (const l of lanes) {
    out.push(
      `<line class="lane ${l.kind}" data-kind="${l.kind}" data-id="${attr(l.id)}" x1="${
        px(l.x)
      }" y1="0" x2="${px(l.x)}" y2="${px(height)}"/>`,
    );
  }
  out.push(`</g>`);

  return out;
}

/** Time axis: a label every 48 px or so, and the compressed idle stretches. */
function drawAxis(plan: DiagramPlan, g: PageGeometry): string[] {
  const { times } = plan;
  const { page, rows, y, breaks } = g;
  const out: string[] = [];
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

  return out;
}

/** Client ops as bars on their client's line, coloured by outcome, with a badge on those behind
 * an anomaly. */
function drawOps(
  run: RunData,
  plan: DiagramPlan,
  index: number,
  g: PageGeometry,
  marks: ReadonlyMap<number, { numbers: number[]; href: string }>,
): { lines: string[]; count: number } {
  const { lanes, laneOf } = plan;
  const { extent } = g;
  const out: string[] = [];
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

  return { lines: out, count: opCount };
}

/** Messages as arrows from send to receipt; dropped ones end in a cross halfway. */
function drawMessages(
  plan: DiagramPlan,
  index: number,
  g: PageGeometry,
): { lines: string[]; count: number; dropped: number; errors: number } {
  const { lanes, laneOf, messages, sendRank, recvRank } = plan;
  const { page, top, bottom, yOfRank, pageT0, pageT1 } = g;
  const out: string[] = [];
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

  return { lines: out, count: msgCount, dropped, errors };
}

/** Node problems (crashes, garbage output) where they happened. */
function drawProblems(run: RunData, plan: DiagramPlan, index: number, g: PageGeometry): string[] {
  const { lanes, laneOf } = plan;
  const { top, bottom, yOfTime } = g;
  const out: string[] = [];
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
  return out;
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
 * import { messageLabel } from "./lamport_render.ts";
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
