/**
 * The kafka checker's anomaly searches that need no dependency graph, one function each, as
 * Jepsen's `jepsen/src/jepsen/tests/kafka.clj` has them: offsets holding two messages, messages
 * at two offsets, aborted reads, lost and unseen writes, skips and reorderings inside one op and
 * from one op of a process to its next, and (beyond Jepsen) polled messages nobody sent. Each
 * takes the shared analysis of `kafka_history.ts` and returns error records that name their
 * witnessing ops by history index and explain themselves; `kafka.ts` assembles them into the
 * result map.
 *
 * @module
 */
import type { ExactInt } from "../json.ts";
import { type Canon, compareCanon, fromCanon } from "./elle/values.ts";
import type { KafkaError } from "./kafka.ts";
import { getSet, type KafkaAnalysis, mustHaveCommitted, q, qv } from "./kafka_history.ts";

// ---------------------------------------------------------------------------------------------
// Values and keys

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

function sortedKeys<V>(m: Map<string, V>): string[] {
  return [...m.keys()].sort();
}

// ---------------------------------------------------------------------------------------------
// Anomalies, one function each

/** Offsets of a key that hold two or more different messages. */
export function inconsistentOffsets(a: KafkaAnalysis): KafkaError[] {
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
export function duplicates(a: KafkaAnalysis): KafkaError[] {
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
export function g1a(a: KafkaAnalysis): KafkaError[] {
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
export function lostWrites(a: KafkaAnalysis): KafkaError[] {
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
export function unseen(a: KafkaAnalysis): KafkaError | undefined {
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
export function intPollCases(a: KafkaAnalysis): { skip: KafkaError[]; nonmonotonic: KafkaError[] } {
  return intCases(a, "reads");
}

/** Pairs of sends to one key inside one op that skip or go backwards (impossible with one
 * micro-op per op, kept for completeness). */
export function intSendCases(a: KafkaAnalysis): { skip: KafkaError[]; nonmonotonic: KafkaError[] } {
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
export function pollCases(a: KafkaAnalysis): { skip: KafkaError[]; nonmonotonic: KafkaError[] } {
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
export function nonmonotonicSends(a: KafkaAnalysis): KafkaError[] {
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
export const NO_WRITER = "no-writer-of-value";

/** Polled messages that no send op ever attempted (Maelstrom throws here; we report). */
export function noWriterOfValue(a: KafkaAnalysis): KafkaError[] {
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
