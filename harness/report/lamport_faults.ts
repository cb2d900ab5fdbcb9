/**
 * The process faults in the Lamport diagram: each node's dead spans (`--nemesis kill`) and paused
 * spans (`--nemesis pause`) cover its line in Jepsen's kill and pause colours, and a restart is a
 * bar across the line where the node's next life begins.
 *
 * @module
 */
import { FAULT_COLORS, faultSpansOf } from "../nemesis.ts";
import type { Lane } from "./lamport.ts";
import type { RunData } from "./load.ts";
import { attr, esc, fmtMs, px } from "./svg.ts";

/** The diagram's styles for fault spans. */
export const FAULT_CSS = `
svg.lamport .fault.kill rect { fill: ${FAULT_COLORS.kill}; opacity: 0.9; }
svg.lamport .fault.pause rect { fill: ${FAULT_COLORS.pause}; opacity: 0.8; }
svg.lamport .fault-mark .new-life { stroke: #b03a30; stroke-width: 3; }
svg.lamport .fault-label { font-size: 10px; fill: #5c2a26; font-family: system-ui, sans-serif;
  paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.lamport .fault-mark.pause .fault-label { fill: #2a3a6e; }
`;

/** Draws one page's fault spans: `bands` go under the messages (a dead node's line is hidden
 * under its band), `marks` (labels and restart bars) on top of everything, so message labels
 * cannot hide them.
 *
 * @example
 * ```ts ignore
 * const { bands, marks } = renderFaultSpans(run, lanes, laneOf, extent, top, bottom);
 * ```
 */
export function renderFaultSpans(
  run: Pick<RunData, "history" | "endMs">,
  lanes: readonly Lane[],
  laneOf: ReadonlyMap<string, number>,
  /** The vertical extent of a time interval on the page, or undefined when it is off the page. */
  extent: (startMs: number, endMs: number) => [number, number] | undefined,
  top: number,
  bottom: number,
): { bands: string; marks: string } {
  const bands: string[] = [];
  const marks: string[] = [];
  for (const f of faultSpansOf(run.history, run.endMs)) {
    const l = laneOf.get(f.node);
    const ext = l === undefined ? undefined : extent(f.startMs, f.endMs);
    if (l === undefined || !ext) continue;
    const [y0, y1] = [Math.max(ext[0], top), Math.min(ext[1], bottom)];
    const lx = lanes[l].x;
    const what = f.kind === "kill" ? "dead" : "paused";
    const until = f.ongoing
      ? "until the end of the run"
      : f.endedByKill
      ? `until killed at ${fmtMs(f.endMs)}`
      : `until ${f.kind === "kill" ? "restarted" : "resumed"} at ${fmtMs(f.endMs)}`;
    bands.push(
      `<g class="fault ${f.kind}" data-node="${attr(f.node)}"><title>${
        esc(`${f.node} ${what} from ${fmtMs(f.startMs)} ${until}`)
      }</title><rect x="${px(lx - 7)}" y="${px(y0)}" width="14" height="${
        px(Math.max(1, y1 - y0))
      }" rx="3"/></g>`,
    );
    const parts: string[] = [];
    if (ext[0] >= top) {
      parts.push(
        `<text class="fault-label" x="${px(lx + 10)}" y="${px(y0 + 10)}">${
          f.kind === "kill" ? "killed" : "paused"
        }</text>`,
      );
    }
    if (!f.ongoing && !f.endedByKill && ext[1] <= bottom) {
      parts.push(
        f.kind === "kill"
          ? `<line class="new-life" x1="${px(lx - 10)}" y1="${px(y1)}" x2="${px(lx + 10)}" y2="${
            px(y1)
          }"/><text class="fault-label" x="${px(lx + 10)}" y="${px(y1 + 12)}">new life</text>`
          : `<text class="fault-label" x="${px(lx + 10)}" y="${px(y1 + 12)}">resumed</text>`,
      );
    }
    if (parts.length) {
      marks.push(
        `<g class="fault-mark ${f.kind}" data-node="${attr(f.node)}">${parts.join("")}</g>`,
      );
    }
  }
  return {
    bands: `<g class="faults">${bands.join("")}</g>`,
    marks: `<g class="fault-marks">${marks.join("")}</g>`,
  };
}
