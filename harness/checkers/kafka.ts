/**
 * The checker of Maelstrom's `kafka` workload: it reproduces the verdicts of Jepsen's
 * `jepsen.tests.kafka/checker` as Maelstrom configures it (no `ww` dependencies, `assign` only,
 * one micro-op per op), and goes beyond it in three ways:
 *
 * - it never throws: a polled message that no send ever attempted is named under
 *   `no-writer-of-value` and makes the verdict `"unknown"`, as Jepsen's analysis throws there and
 *   Jepsen's `check-safe` turns that into `:valid? :unknown`; malformed op values are the
 *   anomaly `malformed-value`, which is bad;
 * - offsets may be huge or sparse (timestamps, `1.7e12`): the log of a key is a map of the offsets
 *   that occur, and a message's *dense index* is the rank of its offset among them, so no array is
 *   ever indexed by a raw offset; an offset past 2^53 is a `bigint` (see `harness/json.ts`), and
 *   every offset comparison is exact, so two offsets that a double would merge stay apart;
 * - every error record names its witnessing ops by history index and carries an `explanation`.
 *
 * The result map has Maelstrom's shape: each error key maps to `{count, errs}` (errs cut for
 * display as Jepsen does), `unseen` maps to its own record, and the map also holds `valid?`,
 * `bad-error-types`, `error-types`, `info-txn-causes` and `worst-realtime-lag`.
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";
import { addExact, type ExactInt, maxExact } from "../json.ts";
import { jsonKey } from "../workloads/schema.ts";
import { type Canon, compareCanon, fromCanon } from "./elle/values.ts";
import {
  analyze,
  getSet,
  type KafkaAnalysis,
  type KeyData,
  mustHaveCommitted,
  type ParsedOp,
  q,
} from "./kafka_history.ts";
import { digraphFromFlatEdges, tarjan } from "./elle/scc.ts";

/** One error record: plain JSON-able data naming its witnessing ops by history index, with an
 * `explanation` sentence.
 *
 * @example
 * ```ts
 * import type { KafkaError } from "./kafka.ts";
 * const e: KafkaError = { key: "k", value: 9, reader: 4, explanation: "Op 4 polled ..." };
 * ```
 */
export type KafkaError = Record<string, unknown> & { explanation: string };

/** Error types that do not make a history invalid under Maelstrom's settings (`:sub-via
 * #{:assign}`, no `:ww-deps`); every other error type is bad.
 *
 * @example
 * ```ts
 * import { ALLOWED_ERROR_TYPES } from "./kafka.ts";
 * ALLOWED_ERROR_TYPES.has("poll-skip"); // false
 * ```
 */
export const ALLOWED_ERROR_TYPES: ReadonlySet<string> = new Set([
  "int-send-skip",
  "G0",
  "G0-process",
  "G0-realtime",
  "PL-1-cycle-exists",
  "strong-PL-1-cycle-exists",
]);

// ---------------------------------------------------------------------------------------------
// Values and keys

function qv(v: Canon): string {
  return q(fromCanon(v));
}

/** Quotes at most `max` values, then says how many more there were. */
function qList(vs: readonly Canon[], max = 5): string {
  const shown = vs.slice(0, max).map(qv).join(", ");
  return vs.length > max ? `${shown} and ${vs.length - max} more` : shown;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function indexOfValue(a: KafkaAnalysis, k: string, v: Canon | undefined): number | undefined {
  return v === undefined ? undefined : a.logs.get(k)?.byValue.get(v);
}

const SKIPPED_SHOWN = 32;

/** The representatives strictly between two dense indices, capped for display. */
function skippedBetween(a: KafkaAnalysis, k: string, i1: number, i2: number) {
  const byIndex = a.logs.get(k)?.byIndex ?? [];
  const end = Math.min(i2, i1 + 1 + SKIPPED_SHOWN);
  const skipped = byIndex.slice(i1 + 1, end);
  return { skipped, truncated: i2 - i1 - 1 > skipped.length };
}

function skippedFields(a: KafkaAnalysis, k: string, i1: number, i2: number) {
  const { skipped, truncated } = skippedBetween(a, k, i1, i2);
  const out: Record<string, unknown> = { skipped: skipped.map(fromCanon) };
  if (truncated) out["skipped-truncated?"] = true;
  return { fields: out, skipped };
}

// ---------------------------------------------------------------------------------------------
// Anomalies, one function each

/** Offsets of a key that hold two or more different messages. */
function inconsistentOffsets(a: KafkaAnalysis): KafkaError[] {
  const errs: KafkaError[] = [];
  for (const k of sortedKeys(a.logs)) {
    const log = a.logs.get(k)!;
    for (let i = 0; i < log.offsets.length; i++) {
      const at = log.entries.get(log.offsets[i])!;
      if (at.size < 2) continue;
      const values = [...at.keys()].sort(compareCanon);
      const ops = [...new Set(at.values())].sort((x, y) => x - y);
      errs.push({
        key: k,
        offset: log.offsets[i],
        index: i,
        values: values.map(fromCanon),
        ops,
        explanation: `Offset ${log.offsets[i]} of key ${q(k)} holds ${values.length} different ` +
          `messages (${qList(values)}), first reported by ops ${ops.join(", ")}; each offset ` +
          `must hold exactly one message, so the nodes handing out offsets must agree.`,
      });
    }
  }
  return errs;
}

/** Messages that sit at two or more offsets of one key. */
function duplicates(a: KafkaAnalysis): KafkaError[] {
  const errs: KafkaError[] = [];
  for (const k of sortedKeys(a.logs)) {
    const log = a.logs.get(k)!;
    const seen = new Map<Canon, { offsets: ExactInt[]; ops: number[] }>();
    for (const o of log.offsets) {
      for (const [v, op] of log.entries.get(o)!) {
        const s = seen.get(v);
        if (s) {
          s.offsets.push(o);
          s.ops.push(op);
        } else seen.set(v, { offsets: [o], ops: [op] });
      }
    }
    for (const [v, s] of [...seen].sort(([x], [y]) => compareCanon(x, y))) {
      if (s.offsets.length < 2) continue;
      errs.push({
        key: k,
        value: fromCanon(v),
        count: s.offsets.length,
        offsets: s.offsets,
        ops: s.ops,
        explanation: `Message ${qv(v)} of key ${q(k)} sits at ${s.offsets.length} offsets ` +
          `(${s.offsets.join(", ")}), reported by ops ${s.ops.join(", ")}; a message sent once ` +
          `must be stored once, so make sends idempotent or stop re-appending on retries.`,
      });
    }
  }
  return errs;
}

/** Ok polls that returned a message whose send failed definitely (aborted read). */
function g1a(a: KafkaAnalysis): KafkaError[] {
  const errs: KafkaError[] = [];
  for (const p of a.ops) {
    if (p.type !== "ok" || !p.reads) continue;
    for (const [k, d] of p.reads) {
      const failed = a.failWrites.get(k);
      if (!failed) continue;
      for (const v of d.values) {
        if (!failed.has(v)) continue;
        const w = a.writerOf.get(k)?.get(v);
        const writer = w === undefined ? null : a.ops[w].index;
        errs.push({
          key: k,
          value: fromCanon(v),
          writer,
          reader: p.index,
          explanation: `Op ${p.index} polled message ${qv(v)} from key ${q(k)}, but its send ` +
            `(op ${writer}) failed with a definite error; a node must not reply with an error ` +
            `to a send it went on to store.`,
        });
      }
    }
  }
  return errs;
}

/** Acknowledged messages below the highest ok-polled index that no ok poll ever returned. */
function lostWrites(a: KafkaAnalysis): KafkaError[] {
  const errs: KafkaError[] = [];
  for (const k of sortedKeys(a.okReads)) {
    const vs = a.okReads.get(k)!;
    const log = a.logs.get(k);
    if (!log) continue;
    let bound = -1;
    for (const v of vs) {
      const i = log.firstIndex.get(v);
      if (i !== undefined && i > bound) bound = i;
    }
    if (bound < 0) continue;
    // Messages whose last appearance is at or below the bound must have been read, in log order.
    const mustRead: Canon[][] = Array.from({ length: bound + 1 }, () => []);
    for (const [v, i] of log.lastIndex) if (i <= bound) mustRead[i].push(v);
    const atBound = mustRead[bound].slice().sort(compareCanon)[0];
    const maxReadPos = atBound === undefined ? undefined : a.readersOf.get(k)?.get(atBound)?.[0];
    const maxRead = maxReadPos === undefined ? null : a.ops[maxReadPos].index;
    for (const group of mustRead) {
      for (const v of group.sort(compareCanon)) {
        if (vs.has(v)) continue;
        const w = a.writerOf.get(k)?.get(v);
        // A message nobody sent is reported as no-writer-of-value instead.
        if (w === undefined || !mustHaveCommitted(a, a.ops[w])) continue;
        const writer = a.ops[w].index;
        errs.push({
          key: k,
          value: fromCanon(v),
          index: log.firstIndex.get(v),
          "max-read-index": bound,
          writer,
          "max-read": maxRead,
          explanation: `Message ${qv(v)} of key ${q(k)} (sent by op ${writer}) sits at index ` +
            `${log.firstIndex.get(v)}, below index ${bound} that op ${maxRead} polled, yet no ok ` +
            `poll ever returned it: the acknowledged send was lost.`,
        });
      }
    }
  }
  return errs;
}

/** The `unseen` record: acknowledged messages no ok poll ever returned, or undefined. */
function unseen(a: KafkaAnalysis): KafkaError | undefined {
  const sent = new Map<string, Set<Canon>>();
  let time = 0;
  let any = false;
  for (const p of a.ops) {
    if (p.type !== "ok" || (p.f !== "send" && p.f !== "poll")) continue;
    any = true;
    time = p.time;
    if (p.writes) {
      for (const [k, d] of p.writes) for (const v of d.values) getSet(sent, k).add(v);
    }
  }
  if (!any) return undefined;
  const counts: Record<string, number> = {};
  const messages: Record<string, unknown[]> = {};
  const parts: string[] = [];
  let total = 0;
  for (const k of sortedKeys(sent)) {
    const polled = a.okReads.get(k);
    const missing = [...sent.get(k)!].filter((v) => !polled?.has(v)).sort(compareCanon);
    if (missing.length === 0) continue;
    counts[k] = missing.length;
    messages[k] = missing.slice(0, 32).map(fromCanon);
    total += missing.length;
    if (parts.length < 5) parts.push(`key ${q(k)} (${qList(missing, 3)})`);
  }
  if (total === 0) return undefined;
  const more = Object.keys(counts).length > parts.length
    ? ` and ${Object.keys(counts).length - parts.length} more keys`
    : "";
  return {
    time,
    unseen: counts,
    messages,
    explanation: `${plural(total, "acknowledged message")} never appeared in any ok poll: ` +
      `${parts.join(", ")}${more}; every acked send must eventually be returned by polls ` +
      `(the final polls read every key from offset 0).`,
  };
}

/** Pairs of adjacent messages inside one poll of one key that skip or go backwards. */
function intPollCases(a: KafkaAnalysis): { skip: KafkaError[]; nonmonotonic: KafkaError[] } {
  return intCases(a, "reads");
}

/** Pairs of sends to one key inside one op that skip or go backwards (impossible with one
 * micro-op per op, kept for completeness). */
function intSendCases(a: KafkaAnalysis): { skip: KafkaError[]; nonmonotonic: KafkaError[] } {
  return intCases(a, "writes");
}

function intCases(a: KafkaAnalysis, which: "reads" | "writes") {
  const skip: KafkaError[] = [];
  const nonmonotonic: KafkaError[] = [];
  const verb = which === "reads" ? "polled" : "sent to";
  for (const p of a.ops) {
    const data = p.type === "invoke" ? undefined : p[which];
    if (!data) continue;
    for (const [k, d] of data) {
      for (let j = 0; j + 1 < d.values.length; j++) {
        const v1 = d.values[j], v2 = d.values[j + 1];
        const i1 = indexOfValue(a, k, v1), i2 = indexOfValue(a, k, v2);
        const delta = i1 !== undefined && i2 !== undefined ? i2 - i1 : 1;
        if (delta > 1) {
          const { fields, skipped } = skippedFields(a, k, i1!, i2!);
          skip.push({
            key: k,
            values: [fromCanon(v1), fromCanon(v2)],
            delta,
            ...fields,
            op: p.index,
            explanation: `Op ${p.index} ${verb} key ${q(k)} and went from message ${qv(v1)} ` +
              `straight to ${qv(v2)} (delta ${delta}), skipping ${qList(skipped)}; one op must ` +
              `cover consecutive messages of the log.`,
          });
        } else if (delta < 1) {
          nonmonotonic.push({
            key: k,
            values: [fromCanon(v1), fromCanon(v2)],
            delta,
            op: p.index,
            explanation: `Op ${p.index} ${verb} key ${q(k)} and went from message ${qv(v1)} to ` +
              `${qv(v2)} (delta ${delta}), which does not move forward in the log; messages ` +
              `within one op must be in strictly increasing offset order.`,
          });
        }
      }
    }
  }
  return { skip, nonmonotonic };
}

/** Per process, a poll that does not start right after where that process's previous ok poll of
 * the key ended. An ok or info assign forgets keys it does not assign. */
function pollCases(a: KafkaAnalysis): { skip: KafkaError[]; nonmonotonic: KafkaError[] } {
  const skip: KafkaError[] = [];
  const nonmonotonic: KafkaError[] = [];
  // process → key → {op index, last message that op polled for the key (undefined if none)}
  const state = new Map<number, Map<string, { op: number; last: Canon | undefined }>>();
  for (const p of a.ops) {
    if (p.type === "invoke") continue;
    let lastReads = state.get(p.process);
    if (!lastReads) state.set(p.process, lastReads = new Map());
    if (p.f === "assign") {
      if (p.type !== "fail") state.set(p.process, retain(lastReads, p.assigned ?? []));
      continue;
    }
    if (p.f !== "poll" || !p.reads) continue;
    for (const [k, d] of p.reads) {
      const prev = lastReads.get(k);
      if (!prev) continue;
      const v = prev.last, v2 = d.values[0];
      const i = indexOfValue(a, k, v), i2 = indexOfValue(a, k, v2);
      const delta = i !== undefined && i2 !== undefined ? i2 - i : 1;
      if (delta > 1) {
        const { fields, skipped } = skippedFields(a, k, i!, i2!);
        skip.push({
          key: k,
          delta,
          ...fields,
          ops: [prev.op, p.index],
          explanation: `Process ${p.process} polled key ${q(k)} up to message ${qv(v!)} in op ` +
            `${prev.op}, then started at ${qv(v2)} in op ${p.index} (delta ${delta}), skipping ` +
            `${qList(skipped)}; a poll must resume right after the offset the previous one ` +
            `reached.`,
        });
      } else if (delta < 1) {
        nonmonotonic.push({
          key: k,
          values: [fromCanon(v!), fromCanon(v2)],
          delta,
          ops: [prev.op, p.index],
          explanation: `Process ${p.process} polled key ${q(k)} up to message ${qv(v!)} in op ` +
            `${prev.op}, then started again at ${qv(v2)} in op ${p.index} (delta ${delta}); a ` +
            `poll must continue after the last message the client consumed, never repeat it or ` +
            `go back.`,
        });
      }
    }
    if (p.type === "ok") {
      for (const [k, d] of p.reads) {
        lastReads.set(k, { op: p.index, last: d.values[d.values.length - 1] });
      }
    }
  }
  return { skip, nonmonotonic };
}

/** Per process, ok/info sends to a key whose messages do not move forward in the log. */
function nonmonotonicSends(a: KafkaAnalysis): KafkaError[] {
  const errs: KafkaError[] = [];
  const state = new Map<number, Map<string, { op: number; last: Canon | undefined }>>();
  for (const p of a.ops) {
    if (p.type !== "ok" && p.type !== "info") continue;
    let lastSends = state.get(p.process);
    if (!lastSends) state.set(p.process, lastSends = new Map());
    if (p.f === "assign") {
      state.set(p.process, retain(lastSends, p.assigned ?? []));
      continue;
    }
    if (p.f !== "send" || !p.writes) continue;
    for (const [k, d] of p.writes) {
      const prev = lastSends.get(k);
      if (prev) {
        const v = prev.last, v2 = d.values[0];
        const i = indexOfValue(a, k, v), i2 = indexOfValue(a, k, v2);
        if (i !== undefined && i2 !== undefined && i2 - i < 1) {
          errs.push({
            key: k,
            values: [fromCanon(v!), fromCanon(v2)],
            delta: i2 - i,
            ops: [prev.op, p.index],
            explanation: `Process ${p.process} sent ${qv(v!)} (op ${prev.op}) and then ` +
              `${qv(v2)} (op ${p.index}) to key ${q(k)}, but ${qv(v2)} sits at or before ` +
              `${qv(v!)} in the log (delta ${i2 - i}); offsets must grow in the order sends ` +
              `are acknowledged.`,
          });
        }
      }
    }
    for (const [k, d] of p.writes) {
      lastSends.set(k, { op: p.index, last: d.values[d.values.length - 1] });
    }
  }
  return errs;
}

function retain<V>(m: Map<string, V>, keys: readonly string[]): Map<string, V> {
  const out = new Map<string, V>();
  for (const k of keys) {
    const v = m.get(k);
    if (v !== undefined) out.set(k, v);
  }
  return out;
}

/** The error key of polled messages that no send op ever attempted. */
const NO_WRITER = "no-writer-of-value";

/** Polled messages that no send op ever attempted (Maelstrom throws here; we report). */
function noWriterOfValue(a: KafkaAnalysis): KafkaError[] {
  const errs: KafkaError[] = [];
  for (const k of sortedKeys(a.readersOf)) {
    const writers = a.writerOf.get(k);
    const readers = a.readersOf.get(k)!;
    for (const v of [...readers.keys()].sort(compareCanon)) {
      if (writers?.has(v)) continue;
      const ops = readers.get(v)!.map((pos) => a.ops[pos].index);
      errs.push({
        key: k,
        value: fromCanon(v),
        reader: ops[0],
        readers: ops.slice(0, 8),
        explanation: `Op ${ops[0]} polled message ${qv(v)} from key ${q(k)}, but no send of ` +
          `${qv(v)} to ${q(k)} was ever attempted; the node returned a message nobody sent ` +
          `(check how messages are stored and encoded).`,
      });
    }
  }
  return errs;
}

/** The outcome of the dependency-graph analysis. */
interface CycleResult {
  /** One per strongly connected component: a poll that read a message from the future. */
  realtime: KafkaError[];
  /** One per strongly connected component. */
  cycleExists: KafkaError[];
  /** True when no op has any write-read or real-time edge. */
  empty: boolean;
}

/**
 * Cycle search over the graph Elle builds for kafka: write→read edges (the last op that sent a
 * message → every other op that polled it) and real-time edges (an ok op → every op invoked
 * after it completed). Sends only write and polls only read, so real time cannot close a cycle
 * unless some ok poll returned a message whose send was invoked after that poll completed; each
 * such pair is a two-op cycle, and we group them by strongly connected component as Elle does.
 */
function cycles(a: KafkaAnalysis): CycleResult {
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
  if (pairs.length === 0) return { realtime: [], cycleExists: [], empty };

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
  return { realtime, cycleExists, empty };
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
 * holds those components. */
function sccs(a: KafkaAnalysis): { of: Int32Array; members: number[][] } {
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
  return { of, members };
}

/**
 * Jepsen's worst real-time lag, computed over sparse offsets. For each key we keep a staircase
 * of (offset, time) points: the time an op first revealed that an offset at least that high
 * existed. The lag of a key in an ok poll is how long before the poll's invocation the offset
 * after the process's position became known. Result in seconds: `{time, process, key, lag}`, or
 * `{time: 0, lag: 0}` without polls.
 */
function worstRealtimeLag(a: KafkaAnalysis): Record<string, unknown> {
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

function sortedKeys<V>(m: Map<string, V>): string[] {
  return [...m.keys()].sort();
}

// ---------------------------------------------------------------------------------------------
// Result map

type Condense = (errs: KafkaError[]) => KafkaError[];

const byDelta = (errs: KafkaError[]) =>
  errs.slice().sort((x, y) => (x.delta as number) - (y.delta as number));
const lowestDelta: Condense = (errs) => byDelta(errs).slice(0, 8);
const highestDelta: Condense = (errs) => byDelta(errs).slice(-8);

/** How Jepsen cuts each error list for display; lists not named here are kept whole, except our
 * own additions, which are capped at 32. */
const CONDENSE: Record<string, Condense> = {
  "duplicate": (errs) =>
    errs.slice().sort((x, y) => (x.count as number) - (y.count as number)).slice(0, 32),
  "G1c-realtime": (errs) => errs.slice(0, 8),
  "inconsistent-offsets": (errs) =>
    errs.slice().sort((x, y) => (x.values as unknown[]).length - (y.values as unknown[]).length)
      .slice(0, 32),
  "int-nonmonotonic-poll": lowestDelta,
  "int-nonmonotonic-send": lowestDelta,
  "nonmonotonic-poll": lowestDelta,
  "nonmonotonic-send": lowestDelta,
  "int-poll-skip": highestDelta,
  "int-send-skip": highestDelta,
  "poll-skip": highestDelta,
  "no-writer-of-value": (errs) => errs.slice(0, 32),
  "malformed-value": (errs) => errs.slice(0, 32),
};

/**
 * Checks a kafka history the way Maelstrom's kafka checker does, without ever throwing.
 *
 * @param history the client ops of a test (ops without an integer process are skipped).
 * @returns `{"valid?", "bad-error-types", "error-types", "info-txn-causes", "worst-realtime-lag"}`
 * plus one `{count, errs}` entry per error type found (and `unseen` as its own record).
 *
 * @example
 * ```ts
 * import { checkKafka } from "./kafka.ts";
 * const r = checkKafka([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "send", value: [["send", "k", 1]] },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "send", value: [["send", "k", [0, 1]]] },
 *   { index: 2, time: 2, type: "invoke", process: 0, f: "poll", value: [["poll"]] },
 *   { index: 3, time: 3, type: "ok", process: 0, f: "poll", value: [["poll", { k: [[0, 1]] }]] },
 * ]);
 * console.assert(r["valid?"] === true);
 * ```
 */
export function checkKafka(history: readonly Op[]): CheckResult {
  try {
    return check(history);
  } catch (e) {
    // Every input is meant to be handled above; this is a last guard so a checker bug shows up
    // as an unknown verdict with a reason rather than aborting the whole analysis.
    const message = e instanceof Error ? e.message : String(e);
    return {
      "valid?": "unknown",
      error: `The kafka checker failed unexpectedly: ${message}`,
    };
  }
}

function check(history: readonly Op[]): CheckResult {
  const a = analyze(history);
  const errors = new Map<string, KafkaError[]>();
  const put = (name: string, errs: KafkaError[]) => {
    if (errs.length > 0) errors.set(name, errs);
  };
  put("duplicate", duplicates(a));
  const intPoll = intPollCases(a);
  put("int-poll-skip", intPoll.skip);
  put("int-nonmonotonic-poll", intPoll.nonmonotonic);
  const intSend = intSendCases(a);
  put("int-nonmonotonic-send", intSend.nonmonotonic);
  put("int-send-skip", intSend.skip);
  put("inconsistent-offsets", inconsistentOffsets(a));
  put("G1a", g1a(a));
  put("lost-write", lostWrites(a));
  const polls = pollCases(a);
  put("nonmonotonic-poll", polls.nonmonotonic);
  put("nonmonotonic-send", nonmonotonicSends(a));
  put("poll-skip", polls.skip);
  put("no-writer-of-value", noWriterOfValue(a));
  put("malformed-value", a.malformed);
  const cyc = cycles(a);
  put("G1c-realtime", cyc.realtime);
  put("strong-PL-2-cycle-exists", cyc.cycleExists);

  const result: Record<string, unknown> = {};
  for (const [name, errs] of errors) {
    const condense = CONDENSE[name];
    result[name] = { count: errs.length, errs: condense ? condense(errs) : errs };
  }
  const types = [...errors.keys()];
  const unseenRecord = unseen(a);
  if (unseenRecord) {
    result.unseen = unseenRecord;
    types.push("unseen");
  }
  if (cyc.empty) {
    result["empty-transaction-graph"] = {
      count: 1,
      errs: [{
        explanation: "No send or poll op is related to another by a write-read or real-time " +
          "dependency, so there is nothing to check; run the test long enough for some sends " +
          "and polls to complete one after another.",
      }],
    };
    types.push("empty-transaction-graph");
  }
  types.sort();
  // `no-writer-of-value` is no error type of Jepsen's: its analysis throws there (the wr-graph in
  // `jepsen/tests/kafka.clj`), so it never reaches `bad-error-types`.
  const bad = types.filter((t) => !ALLOWED_ERROR_TYPES.has(t) && t !== NO_WRITER);

  const infoCauses: unknown[] = [];
  const seenCauses = new Set<string>();
  for (const p of a.ops) {
    if (p.type !== "info" || (p.f !== "send" && p.f !== "poll")) continue;
    const id = jsonKey(p.error);
    if (!seenCauses.has(id)) {
      seenCauses.add(id);
      infoCauses.push(p.error);
    }
  }

  result["valid?"] = bad.length === 0;
  const noWriter = errors.get(NO_WRITER);
  if (noWriter !== undefined) {
    // Jepsen's `check-safe` reports a checker that threw as `:valid? :unknown`, whatever else the
    // history holds, and Maelstrom then exits with code 2.
    result["valid?"] = "unknown";
    const first = noWriter[0];
    result.error = `Op ${first.reader} polled message ${q(first.value)} from key ` +
      `${q(first.key)}, which no send ever carried (${noWriter.length} such message(s), see ` +
      `"no-writer-of-value"); Maelstrom's kafka analysis throws no-writer-of-value here, so the ` +
      `verdict is unknown`;
  }
  result["bad-error-types"] = bad;
  result["error-types"] = types;
  result["info-txn-causes"] = infoCauses;
  result["worst-realtime-lag"] = worstRealtimeLag(a);
  // Clojure's sorted map prints keys in code-unit order; JSON readers get the same order.
  const ordered: Record<string, unknown> = {};
  for (const k of Object.keys(result).sort()) ordered[k] = result[k];
  return ordered as CheckResult;
}
