/**
 * The kafka checker's reading of a history: each client op parsed into the messages it sent or
 * polled per key (malformed values become `malformed-value` records instead of exceptions), and
 * the analysis every anomaly check (`kafka_anomalies.ts`, `kafka_realtime.ts`) shares: per key, the log of the offsets that occur
 * with each message's dense index, who sent and who polled each message. This is the part of
 * Jepsen's `jepsen/src/jepsen/tests/kafka.clj` that builds `version-orders` and the
 * writer/reader indexes.
 *
 * @module
 */
import type { Op } from "../types.ts";
import { compareExact, type ExactInt, exactInt, isExactInt } from "../json.ts";
import { jsonKey } from "../workloads/schema.ts";
import { type Canon, canon, compareCanon, fromCanon } from "./elle/values.ts";
import type { KafkaError } from "./kafka.ts";

/** Keys are strings on the wire; anything else (a hand-written history) is keyed by its
 * canonical JSON. */
function keyOf(k: unknown): string {
  return typeof k === "string" ? k : jsonKey(k);
}

/** Quotes a user value for an explanation sentence.
 *
 * @example
 * ```ts
 * import { q } from "./kafka_history.ts";
 * q("k"); // "\"k\""
 * q(7); // "\"7\""
 * ```
 */
export function q(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : `"${jsonKey(v)}"`;
}

/** Quotes a message in its canonical form, as {@linkcode q} quotes a user value.
 *
 * @example
 * ```ts
 * import { canon } from "./elle/values.ts";
 * import { qv } from "./kafka_history.ts";
 * qv(canon(7)); // "\"7\""
 * ```
 */
export function qv(v: Canon): string {
  return q(fromCanon(v));
}

type OpType = "invoke" | "ok" | "fail" | "info";

/** The messages one op read from or sent to one key, in order. A `null` offset is unknown; an
 * offset past 2^53 is a `bigint` (see `harness/json.ts`), so offsets compare exactly.
 *
 * @example
 * ```ts
 * import type { KeyData } from "./kafka_history.ts";
 * const sent: KeyData = { offsets: [null], values: [5] };
 * ```
 */
export interface KeyData {
  offsets: (ExactInt | null)[];
  values: Canon[];
}

/** One client op as the checker reads it.
 *
 * @example
 * ```ts ignore
 * for (const p of analysis.ops) if (p.f === "poll" && p.type === "ok") use(p.reads);
 * ```
 */
export interface ParsedOp {
  /** Position among the client ops kept by the checker. */
  pos: number;
  /** History index, used to name the op in error records. */
  index: number;
  type: OpType;
  process: number;
  f: string;
  time: number;
  /** Keys assigned, for `assign` ops. */
  assigned?: string[];
  /** Poll data per key (keys with an empty or null list included). */
  reads?: Map<string, KeyData>;
  /** Sent messages per key. */
  writes?: Map<string, KeyData>;
  /** For completions: the position of the matching invocation, or -1. */
  invokePos: number;
  /** For invocations: the position of the matching completion, or -1. */
  completionPos: number;
  /** The op's `error`, or null. */
  error: unknown;
}

/** The log of one key, built from the offsets that occur (never indexed by raw offset). */
interface KeyLog {
  /** offset → message → history index of the first op that placed it there. */
  entries: Map<ExactInt, Map<Canon, number>>;
  /** Occupied offsets, ascending; position = dense index. */
  offsets: ExactInt[];
  /** Dense index → representative message. Jepsen's `version-orders`
   * (`jepsen/src/jepsen/tests/kafka.clj`) takes any one message of an offset that holds several;
   * we take the smallest, so the pick is the same on every run. */
  byIndex: Canon[];
  /** Representative message → its highest dense index. */
  byValue: Map<Canon, number>;
  /** Every message → the dense index where it first / last appears. */
  firstIndex: Map<Canon, number>;
  lastIndex: Map<Canon, number>;
}

/** Everything the anomaly functions share. Built once per check.
 *
 * @example
 * ```ts ignore
 * const a: KafkaAnalysis = analyze(history);
 * a.logs.get("k")?.offsets; // the offsets of key "k" that occur, ascending
 * ```
 */
export interface KafkaAnalysis {
  ops: ParsedOp[];
  logs: Map<string, KeyLog>;
  /** key → message → position of the last non-invoke op that sent it. */
  writerOf: Map<string, Map<Canon, number>>;
  /** key → message → positions of every non-invoke op that polled it, in order. */
  readersOf: Map<string, Map<Canon, number[]>>;
  okReads: Map<string, Set<Canon>>;
  failWrites: Map<string, Set<Canon>>;
  malformed: KafkaError[];
}

const OP_TYPES: ReadonlySet<string> = new Set(["invoke", "ok", "fail", "info"]);

/** The set under `k`, created empty when absent.
 *
 * @example
 * ```ts
 * import { getSet } from "./kafka_history.ts";
 * const m = new Map<string, Set<number>>();
 * getSet(m, "k").add(1);
 * m.get("k")?.has(1); // true
 * ```
 */
export function getSet<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) m.set(k, s = new Set());
  return s;
}

function getMap<K, K2, V>(m: Map<K, Map<K2, V>>, k: K): Map<K2, V> {
  let s = m.get(k);
  if (!s) m.set(k, s = new Map());
  return s;
}

function keyData(m: Map<string, KeyData>, k: string): KeyData {
  let d = m.get(k);
  if (!d) m.set(k, d = { offsets: [], values: [] });
  return d;
}

/** Whether `o` is an offset: an integer (a `bigint` past 2^53), or `null` for an unknown one. */
function isOffset(o: unknown): o is ExactInt | null {
  return o === null || isExactInt(o);
}

/** An offset in its one representation (see `exactInt`), so that equal offsets key one entry. */
function offsetOf(o: ExactInt | null): ExactInt | null {
  return o === null ? null : exactInt(o);
}

function describe(v: unknown): string {
  const text = jsonKey(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Parses a poll op's value. Problems are pushed to `problems`; the good parts are kept. */
function parsePoll(value: unknown, problems: string[]): Map<string, KeyData> {
  const reads = new Map<string, KeyData>();
  if (!Array.isArray(value)) {
    problems.push(`its value ${describe(value)} is not a list of micro-ops`);
    return reads;
  }
  for (const mop of value) {
    if (!Array.isArray(mop) || mop[0] !== "poll") {
      problems.push(`micro-op ${describe(mop)} is not a ["poll", ...] micro-op`);
      continue;
    }
    const msgs = mop[1];
    // An invocation (and the fail/info completion that keeps its value) is just ["poll"].
    if (msgs === undefined || msgs === null) continue;
    if (typeof msgs !== "object" || Array.isArray(msgs)) {
      problems.push(`poll result ${describe(msgs)} is not a map of keys to [offset, msg] lists`);
      continue;
    }
    for (const [k, pairs] of Object.entries(msgs as Record<string, unknown>)) {
      const d = keyData(reads, k);
      if (pairs === null) continue; // Maelstrom's schema lets a list be null: nothing polled.
      if (!Array.isArray(pairs)) {
        problems.push(`messages ${describe(pairs)} of key ${q(k)} are not a list`);
        continue;
      }
      for (const pair of pairs) {
        if (!Array.isArray(pair) || pair.length !== 2 || !isOffset(pair[0])) {
          problems.push(`entry ${describe(pair)} of key ${q(k)} is not an [offset, msg] pair`);
          continue;
        }
        d.offsets.push(offsetOf(pair[0]));
        d.values.push(canon(pair[1]));
      }
    }
  }
  return reads;
}

/** Parses a send op's value: `[["send", k, msg]]` or, once acked, `[["send", k, [offset, msg]]]`. */
function parseSend(value: unknown, problems: string[]): Map<string, KeyData> {
  const writes = new Map<string, KeyData>();
  if (!Array.isArray(value)) {
    problems.push(`its value ${describe(value)} is not a list of micro-ops`);
    return writes;
  }
  for (const mop of value) {
    if (!Array.isArray(mop) || mop[0] !== "send" || mop.length !== 3) {
      problems.push(`micro-op ${describe(mop)} is not a ["send", key, msg] micro-op`);
      continue;
    }
    const k = keyOf(mop[1]);
    const v = mop[2];
    if (Array.isArray(v)) {
      // As in Jepsen, a list in the message position is an [offset, msg] pair.
      if (v.length !== 2 || !isOffset(v[0])) {
        problems.push(`sent entry ${describe(v)} of key ${q(k)} is not an [offset, msg] pair`);
        continue;
      }
      const d = keyData(writes, k);
      d.offsets.push(offsetOf(v[0]));
      d.values.push(canon(v[1]));
    } else {
      const d = keyData(writes, k);
      d.offsets.push(null);
      d.values.push(canon(v));
    }
  }
  return writes;
}

function parseHistory(history: readonly Op[]): { ops: ParsedOp[]; malformed: KafkaError[] } {
  const ops: ParsedOp[] = [];
  const malformed: KafkaError[] = [];
  const pending = new Map<number, number>();
  for (let i = 0; i < history.length; i++) {
    const op = history[i] as Partial<Op> | null | undefined;
    if (op === null || typeof op !== "object") continue;
    // Nemesis ops and anything else without an integer process are not client ops.
    if (typeof op.process !== "number" || !Number.isInteger(op.process)) continue;
    if (typeof op.type !== "string" || !OP_TYPES.has(op.type)) continue;
    const f = typeof op.f === "string" ? op.f : String(op.f);
    const index = typeof op.index === "number" && Number.isInteger(op.index) ? op.index : i;
    const p: ParsedOp = {
      pos: ops.length,
      index,
      type: op.type as OpType,
      process: op.process,
      f,
      time: typeof op.time === "number" && Number.isFinite(op.time) ? op.time : 0,
      invokePos: -1,
      completionPos: -1,
      error: op.error ?? null,
    };
    if (p.type === "invoke") {
      pending.set(p.process, p.pos);
    } else {
      const inv = pending.get(p.process);
      if (inv !== undefined) {
        p.invokePos = inv;
        ops[inv].completionPos = p.pos;
        pending.delete(p.process);
      }
      const problems: string[] = [];
      if (f === "poll") p.reads = parsePoll(op.value, problems);
      else if (f === "send") p.writes = parseSend(op.value, problems);
      else if (f === "assign" && p.type !== "fail") {
        if (Array.isArray(op.value)) p.assigned = op.value.map(keyOf);
        else {
          problems.push(`its value ${describe(op.value)} is not a list of keys`);
          p.assigned = [];
        }
      }
      if (problems.length > 0) malformed.push(malformedRecord(p, problems));
    }
    ops.push(p);
  }
  return { ops, malformed };
}

function malformedRecord(p: ParsedOp, problems: string[]): KafkaError {
  const first = problems.slice(0, 3).join("; ");
  const more = problems.length > 3 ? `, and ${problems.length - 3} more problems` : "";
  return {
    op: p.index,
    f: p.f,
    problems: problems.slice(0, 8),
    explanation: `Op ${p.index} (${p.type} ${q(p.f)}) has a malformed value: ${first}${more}; ` +
      `the checker ignored those parts, so fix the client or the node that produced them.`,
  };
}

/** Builds the shared structures: who sent and polled what, and each key's log.
 *
 * @example
 * ```ts
 * import { analyze } from "./kafka_history.ts";
 * const a = analyze([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "send", value: [["send", "k", 5]] },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "send", value: [["send", "k", [0, 5]]] },
 * ]);
 * a.logs.get("k")?.offsets; // [0]
 * ```
 */
export function analyze(history: readonly Op[]): KafkaAnalysis {
  const { ops, malformed } = parseHistory(history);
  const writerOf = new Map<string, Map<Canon, number>>();
  const readersOf = new Map<string, Map<Canon, number[]>>();
  const okReads = new Map<string, Set<Canon>>();
  const failWrites = new Map<string, Set<Canon>>();
  for (const p of ops) {
    if (p.type === "invoke") continue;
    if (p.writes) {
      for (const [k, d] of p.writes) {
        const w = getMap(writerOf, k);
        for (const v of d.values) w.set(v, p.pos);
        if (p.type === "fail") { for (const v of d.values) getSet(failWrites, k).add(v); }
      }
    }
    if (p.reads) {
      for (const [k, d] of p.reads) {
        const r = getMap(readersOf, k);
        for (const v of d.values) {
          const list = r.get(v);
          if (list) {
            if (list[list.length - 1] !== p.pos) list.push(p.pos);
          } else r.set(v, [p.pos]);
        }
        if (p.type === "ok") {
          const s = getSet(okReads, k);
          for (const v of d.values) s.add(v);
        }
      }
    }
  }

  const raw = new Map<string, Map<ExactInt, Map<Canon, number>>>();
  const place = (k: string, d: KeyData, index: number) => {
    const entries = getMap(raw, k);
    for (let i = 0; i < d.values.length; i++) {
      const o = d.offsets[i];
      if (o === null) continue;
      const at = getMap(entries, o);
      if (!at.has(d.values[i])) at.set(d.values[i], index);
    }
  };
  const analysis: KafkaAnalysis = {
    ops,
    logs: new Map(),
    writerOf,
    readersOf,
    okReads,
    failWrites,
    malformed,
  };
  for (const p of ops) {
    if (p.type === "invoke") continue;
    // Polls of any type say which message sits at which offset; sends only when they must have
    // happened (ok, or info with a message that an ok poll returned).
    if (p.reads) { for (const [k, d] of p.reads) place(k, d, p.index); }
    if (p.writes && mustHaveCommitted(analysis, p)) {
      for (const [k, d] of p.writes) place(k, d, p.index);
    }
  }
  for (const [k, entries] of raw) analysis.logs.set(k, buildLog(entries));
  return analysis;
}

function buildLog(entries: Map<ExactInt, Map<Canon, number>>): KeyLog {
  const offsets = [...entries.keys()].sort(compareExact);
  const byIndex: Canon[] = [];
  const byValue = new Map<Canon, number>();
  const firstIndex = new Map<Canon, number>();
  const lastIndex = new Map<Canon, number>();
  for (let i = 0; i < offsets.length; i++) {
    const values = entries.get(offsets[i])!;
    let rep: Canon | undefined;
    for (const v of values.keys()) {
      if (rep === undefined || compareCanon(v, rep) < 0) rep = v;
      if (!firstIndex.has(v)) firstIndex.set(v, i);
      lastIndex.set(v, i);
    }
    byIndex.push(rep as Canon);
    // Only representatives get an index, as in Jepsen; a later offset overrides an earlier one.
    byValue.set(rep as Canon, i);
  }
  return { entries, offsets, byIndex, byValue, firstIndex, lastIndex };
}

/** Whether a send op certainly took effect: it is ok, or info with a message an ok poll saw.
 *
 * @example
 * ```ts ignore
 * const committed = a.ops.filter((p) => p.f === "send" && mustHaveCommitted(a, p));
 * ```
 */
export function mustHaveCommitted(a: KafkaAnalysis, p: ParsedOp): boolean {
  if (p.type === "ok") return true;
  if (p.type !== "info" || !p.writes) return false;
  for (const [k, d] of p.writes) {
    const seen = a.okReads.get(k);
    if (seen && d.values.some((v) => seen.has(v))) return true;
  }
  return false;
}
