/**
 * The kafka checker's real-time analyses: the cycle search over write-read and real-time
 * dependencies (a poll that returned a message from the future), and Jepsen's worst real-time
 * lag of a consumer behind the log. `kafka.ts` puts both into the result map.
 *
 * @module
 */
import { addExact, type ExactInt, maxExact } from "../json.ts";
import { type Canon, fromCanon } from "./elle/values.ts";
import { digraphFromFlatEdges, tarjan } from "./elle/scc.ts";
import type { KafkaError } from "./kafka.ts";
import { type KafkaAnalysis, type KeyData, type ParsedOp, q, qv } from "./kafka_history.ts";

/** The outcome of the dependency-graph analysis. */
export interface CycleResult {
  /** One per strongly connected component: a poll that read a message from the future. */
  realtime: KafkaError[];
  /** One per strongly connected component. */
  cycleExists: KafkaError[];
  /** True when no op has any write-read or real-time edge. */
  empty: boolean;
  /** How many edges the full dependency graph had, or 0 when it was not built (no poll read from
   * the future, the usual case). A count of the work done rather than a time, so that tests can
   * hold the graph to its size: its real-time edges are transitively reduced, so it grows with
   * the ops times the clients in flight, never with the square of the ops. */
  graphEdges: number;
}

/**
 * Cycle search over the graph Elle builds for kafka: write→read edges (the last op that sent a
 * message → every other op that polled it) and real-time edges (an ok op → every op invoked
 * after it completed). Sends only write and polls only read, so real time cannot close a cycle
 * unless some ok poll returned a message whose send was invoked after that poll completed; each
 * such pair is a two-op cycle, and we group them by strongly connected component as Elle does.
 *
 * @example
 * ```ts
 * import { analyze } from "./kafka_history.ts";
 * import { cycles } from "./kafka_realtime.ts";
 * // A poll returns message 1 before its send is even invoked: one write-read edge from the send
 * // to the poll, one real-time edge back.
 * const r = cycles(analyze([
 *   { index: 0, time: 0, type: "invoke", process: 1, f: "poll", value: [["poll"]] },
 *   { index: 1, time: 1, type: "ok", process: 1, f: "poll", value: [["poll", { k: [[0, 1]] }]] },
 *   { index: 2, time: 2, type: "invoke", process: 0, f: "send", value: [["send", "k", 1]] },
 *   { index: 3, time: 3, type: "ok", process: 0, f: "send", value: [["send", "k", [0, 1]]] },
 * ]));
 * console.assert(r.realtime.length === 1 && r.graphEdges === 2);
 * ```
 */
export function cycles(a: KafkaAnalysis): CycleResult {
  const isTxnOp = (p: ParsedOp) => p.f === "send" || p.f === "poll";
  // Find the polls that read from the future first: usually there are none, and then the full
  // graph is never built.
  const pairs: { poll: ParsedOp; send: ParsedOp; key: string; value: Canon }[] = [];
  let anyWr = false;
  for (const p of a.ops) {
    if (p.type === "invoke" || !p.reads || !isTxnOp(p)) continue;
    for (const [k, d] of p.reads) {
      const writers = a.writerOf.get(k);
      for (const v of d.values) {
        const w = writers?.get(v);
        if (w === undefined || w === p.pos) continue;
        anyWr = true;
        const send = a.ops[w];
        if (p.type === "ok" && send.invokePos > p.pos) {
          pairs.push({ poll: p, send, key: k, value: v });
        }
      }
    }
  }
  // Jepsen skips the cycle search of a history without client ops, so that is not "empty".
  const empty = a.ops.length > 0 && !anyWr && !hasRealtimeEdge(a);
  if (pairs.length === 0) return { realtime: [], cycleExists: [], empty, graphEdges: 0 };

  const comp = sccs(a);
  const realtime: KafkaError[] = [];
  const cycleExists: KafkaError[] = [];
  const reported = new Set<number>();
  for (const { poll, send, key, value } of pairs) {
    const c = comp.of[poll.pos];
    if (c < 0 || comp.of[send.pos] !== c || reported.has(c)) continue;
    reported.add(c);
    const sendInvoke = a.ops[send.invokePos].index;
    realtime.push({
      type: "G1c-realtime",
      cycle: [poll.index, send.index, poll.index],
      steps: [
        { type: "realtime", a: poll.index, b: sendInvoke },
        { type: "wr", key, value: fromCanon(value) },
      ],
      explanation:
        `Op ${poll.index} polled message ${qv(value)} from key ${q(key)} and completed ` +
        `before its send (op ${send.index}) was even invoked at index ${sendInvoke}; a poll ` +
        `cannot return a message from the future, so the node invented or mislabelled it.`,
    });
    const members = comp.members[c].map((pos) => a.ops[pos].index).sort((x, y) => x - y);
    cycleExists.push({
      type: "strong-PL-2-cycle-exists",
      not: "strong-read-committed",
      "scc-size": members.length,
      scc: members.slice(0, 32),
      explanation: `Ops ${members.slice(0, 8).join(", ")}${members.length > 8 ? ", ..." : ""} ` +
        `form a cycle of write-read and real-time dependencies, which strong read committed ` +
        `forbids; see the G1c-realtime record for a poll that read from the future.`,
    });
  }
  return { realtime, cycleExists, empty, graphEdges: comp.edges };
}

/** Whether some ok send/poll completed before another send/poll (that completes) was invoked. */
function hasRealtimeEdge(a: KafkaAnalysis): boolean {
  let okSeen = false;
  for (const p of a.ops) {
    if (p.f !== "send" && p.f !== "poll") continue;
    if (p.type === "invoke") {
      if (okSeen && p.completionPos >= 0) return true;
    } else if (p.type === "ok") okSeen = true;
  }
  return false;
}

/** Strongly connected components of the full graph (write-read edges plus Elle's transitive
 * reduction of real time), by the Tarjan search the Elle checkers use. `of[pos]` is the
 * component of the op at `pos` when that component holds two or more ops, else -1; `members`
 * holds those components; `edges` is how many edges the graph had. */
function sccs(a: KafkaAnalysis): { of: Int32Array; members: number[][]; edges: number } {
  // Edges laid flat, [from, to, from, to, ...].
  const edges: number[] = [];
  for (const [k, readers] of a.readersOf) {
    const writers = a.writerOf.get(k);
    if (!writers) continue;
    for (const [v, list] of readers) {
      const w = writers.get(v);
      if (w === undefined) continue;
      for (const r of list) if (r !== w) edges.push(w, r);
    }
  }
  // Real time: each invocation links the ok completions still in the buffer to its completion;
  // an ok completion evicts the ops that link to it, so the buffer stays about as large as the
  // number of concurrent clients.
  let buffer: number[] = [];
  const preds = new Map<number, Set<number>>();
  for (const p of a.ops) {
    if (p.f !== "send" && p.f !== "poll") continue;
    if (p.type === "invoke") {
      if (p.completionPos < 0 || buffer.length === 0) continue;
      for (const b of buffer) edges.push(b, p.completionPos);
      preds.set(p.completionPos, new Set(buffer));
    } else if (p.type === "ok") {
      const linked = preds.get(p.pos);
      if (linked) buffer = buffer.filter((b) => !linked.has(b));
      buffer.push(p.pos);
    }
  }
  const { comps } = tarjan(digraphFromFlatEdges(a.ops.length, edges));
  const of = new Int32Array(a.ops.length).fill(-1);
  const members: number[][] = [];
  for (const group of comps) {
    if (group.length < 2) continue;
    for (const g of group) of[g] = members.length;
    members.push(group);
  }
  return { of, members, edges: edges.length / 2 };
}

/**
 * Jepsen's worst real-time lag, computed over sparse offsets. For each key we keep a staircase
 * of (offset, time) points: the time an op first revealed that an offset at least that high
 * existed. The lag of a key in an ok poll is how long before the poll's invocation the offset
 * after the process's position became known. Result in seconds: `{time, process, key, lag}`, or
 * `{time: 0, lag: 0}` without polls.
 */
export function worstRealtimeLag(a: KafkaAnalysis): Record<string, unknown> {
  const stairs = new Map<string, { offsets: ExactInt[]; times: number[] }>();
  for (const p of a.ops) {
    if (p.type !== "ok" && p.type !== "info") continue;
    for (const [k, o] of maxOffsets(p)) {
      if (o < 0) continue;
      let s = stairs.get(k);
      if (!s) stairs.set(k, s = { offsets: [], times: [] });
      if (s.offsets.length === 0 || o > s.offsets[s.offsets.length - 1]) {
        s.offsets.push(o);
        s.times.push(p.time);
      }
    }
  }
  // The first time offset `o` was known to exist, or Infinity.
  const knownAt = (k: string, o: ExactInt): number => {
    const s = stairs.get(k);
    if (!s) return Infinity;
    let lo = 0, hi = s.offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.offsets[mid] >= o) hi = mid;
      else lo = mid + 1;
    }
    return lo < s.offsets.length ? s.times[lo] : Infinity;
  };
  const positions = new Map<number, Map<string, ExactInt>>();
  let worst: { time: number; process: number; key: string; lag: number } | undefined;
  for (const p of a.ops) {
    if (p.type !== "ok") continue;
    if (p.f === "assign") {
      const old = positions.get(p.process) ?? new Map<string, ExactInt>();
      const next = new Map<string, ExactInt>();
      for (const k of p.assigned ?? []) next.set(k, old.get(k) ?? -1);
      positions.set(p.process, next);
    } else if (p.f === "poll") {
      const mine = positions.get(p.process) ?? new Map<string, ExactInt>();
      for (const [k, o] of maxOffsets(p)) {
        const had = mine.get(k);
        mine.set(k, had === undefined ? o : maxExact(had, o));
      }
      positions.set(p.process, mine);
      const invokeTime = p.invokePos >= 0 ? a.ops[p.invokePos].time : p.time;
      for (const [k, o] of mine) {
        const lag = Math.max(0, invokeTime - knownAt(k, addExact(o, 1)));
        if (!worst || lag > worst.lag) {
          worst = { time: invokeTime, process: p.process, key: k, lag };
        }
      }
    }
  }
  if (!worst) return { time: 0, lag: 0 };
  return { time: worst.time / 1e9, process: worst.process, key: worst.key, lag: worst.lag / 1e9 };
}

/** Highest offset per key that an ok/info op polled (-1 for an empty list) or sent. */
function maxOffsets(p: ParsedOp): Map<string, ExactInt> {
  const out = new Map<string, ExactInt>();
  const add = (data: Map<string, KeyData> | undefined, empty: number | undefined) => {
    if (!data) return;
    for (const [k, d] of data) {
      let m: ExactInt | undefined = empty;
      for (const o of d.offsets) if (o !== null && (m === undefined || o > m)) m = o;
      if (m === undefined) continue;
      const had = out.get(k);
      out.set(k, had === undefined ? m : maxExact(had, m));
    }
  };
  if (p.f === "poll") add(p.reads, -1);
  if (p.f === "send") add(p.writes, undefined);
  return out;
}
