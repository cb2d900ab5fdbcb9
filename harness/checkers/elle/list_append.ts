/**
 * An Elle-style checker for Maelstrom's `txn-list-append` workload: it finds the anomalies that
 * Elle's `list-append` analysis finds, decides which of them the requested consistency models
 * prohibit, and builds a result map with Elle's keys (`"valid?"`, `"anomaly-types"`,
 * `"anomalies"`, `"not"`, `"also-not"`). Maelstrom adds no wrapper here, so a history whose only
 * finding is an empty transaction graph is `"unknown"`, as in Maelstrom.
 *
 * Appends make version orders easy to see: a read of `[1, 2, 3]` says the list went through
 * `[1]` and `[1, 2]` first. So, following Maelstrom's `src/maelstrom/workload/txn_list_append.clj`
 * (jepsen-io/maelstrom) and Elle's `src/elle/list_append.clj` (jepsen-io/elle):
 *
 * 1. Every read of a key must be a prefix of every longer read of it, otherwise
 *    `incompatible-order`. The longest read is the key's version order.
 * 2. Non-cycle anomalies: `duplicate-elements` (one element twice in a read), `G1a` (a read shows
 *    an element a failed transaction appended), `G1b` (a read ends at an element its transaction
 *    appended to the key before appending again), `dirty-update` (a committed append right after
 *    a failed one), `internal` and `future-read` (a transaction disagrees with its own earlier
 *    appends and reads) and `lost-update` (two transactions read the same state, then appended).
 * 3. A dependency graph over ok and info transactions: `wr` from the appender of a read's last
 *    element to the reader, `ww` from the appender of each element to the appender of the next,
 *    and `rw` from every reader of a state to the appender of the next element. An append nobody
 *    read is placed after the last element anyone read.
 * 4. The cycle search, models and result map shared with the rw-register checker
 *    (`txn.ts`, `cycles.ts`, `graph.ts`, `explain.ts`, `result.ts`).
 *
 * One check goes beyond Maelstrom: `garbage-read`, an ok read holding an element that no
 * transaction ever appended to that key. Elle 0.2.2 has no such check (its dirty-update check
 * asserts that an appender exists, which we do not reproduce). It is reported under
 * `"beyond-maelstrom"` and fails the run only with `strict` (`--strict`).
 *
 * @module
 */
import type { CheckResult, Op } from "../../types.ts";
import { jsonKey } from "../../workloads/schema.ts";
import type { DataStep } from "./explain.ts";
import { DependencyGraph, RW, WR, WW } from "./graph.ts";
import * as txn from "./txn.ts";
import { type Canon, canon, KeyValueIndex, opName, show, Unanalysable } from "./values.ts";

// ---------------------------------------------------------------------------------------------
// Transactions

/** A read: the list it returned (`null` for a missing key, which counts as empty). */
interface ReadMop {
  f: "r";
  key: unknown;
  k: Canon;
  value: unknown[] | null;
  /** The elements' canonical values (empty for `null`). */
  elems: Canon[];
  pos: number;
}

/** An append of one element. */
interface AppendMop {
  f: "append";
  key: unknown;
  k: Canon;
  value: unknown;
  v: Canon;
  pos: number;
}

type Mop = ReadMop | AppendMop;

/** A txn op, read. */
interface Txn {
  op: Op;
  mops: Mop[];
}

/** Reads an op's micro-ops. Anything but reads of lists and appends makes the history one Elle
 * refuses to analyse. */
function readTxn(op: Op): Txn {
  // A null value (Maelstrom's schema admits `"txn": null`) reads as the empty transaction.
  const raw: unknown[] = Array.isArray(op.value) ? op.value : [];
  const mops = raw.map((m, pos): Mop => {
    const [f, key, value] = Array.isArray(m) ? m : [];
    if (f === "append") return { f, key, k: canon(key), value, v: canon(value), pos };
    if (f === "r" && (value === null || value === undefined || Array.isArray(value))) {
      const list = value ?? null;
      return { f, key, k: canon(key), value: list, elems: (list ?? []).map(canon), pos };
    }
    throw new Unanalysable(
      `${opName(op)} holds the micro-op ${show(m)}, but a list-append transaction may only ` +
        `hold reads ["r", key, list or null] and appends ["append", key, element]; the checker ` +
        `cannot analyse this history (Elle refuses it too)`,
    );
  });
  return { op, mops };
}

function lastElem(m: ReadMop): Canon | undefined {
  return m.elems.length > 0 ? m.elems[m.elems.length - 1] : undefined;
}

/** Elle requires every invocation to append a value to a key at most once; otherwise elements
 * would not identify appends, and it throws. */
function checkUniqueAppends(ops: readonly Txn[]): void {
  const seen = new KeyValueIndex<Op>();
  for (const t of ops) {
    if (t.op.type !== "invoke") continue;
    for (const m of t.mops) {
      if (m.f !== "append") continue;
      const first = seen.get(m.k, m.v);
      if (first) {
        throw new Unanalysable(
          `Element ${show(m.value)} was appended to key ${show(m.key)} more than once (by ` +
            `${opName(first)} and ${opName(t.op)}), so reads cannot be traced to appends; the ` +
            `checker cannot analyse this history (Elle refuses it too)`,
        );
      }
      seen.set(m.k, m.v, t.op);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Version orders

/** A read list, with its canonical elements and the first op that read it. */
interface ListValue {
  raw: unknown[];
  elems: Canon[];
  by?: Op;
}

/** Per key: the key as written, and the distinct non-empty lists read, shortest first. */
type SortedValues = Map<Canon, { key: unknown; values: ListValue[] }>;

/** Elle's `sorted-values`: every distinct non-empty list read from each key by `txns`, sorted by
 * length (ties in history order). A key with exactly one append `v` among `txns` gets `[v]` as
 * its only value instead, whatever was read, as in Elle. */
function sortedValues(txns: readonly Txn[]): SortedValues {
  const out: SortedValues = new Map();
  const seen = new Map<Canon, Set<string>>();
  const appends = new Map<Canon, { key: unknown; mop: AppendMop; count: number }>();
  for (const t of txns) {
    for (const m of t.mops) {
      if (m.f === "append") {
        const a = appends.get(m.k);
        if (a) a.count++;
        else appends.set(m.k, { key: m.key, mop: m, count: 1 });
        continue;
      }
      if (m.elems.length === 0) continue;
      let keySeen = seen.get(m.k);
      if (!keySeen) seen.set(m.k, keySeen = new Set());
      const id = jsonKey(m.value);
      if (keySeen.has(id)) continue;
      keySeen.add(id);
      let entry = out.get(m.k);
      if (!entry) out.set(m.k, entry = { key: m.key, values: [] });
      entry.values.push({ raw: m.value!, elems: m.elems, by: t.op });
    }
  }
  for (const [k, a] of appends) {
    if (a.count !== 1) continue;
    out.set(k, { key: a.key, values: [{ raw: [a.mop.value], elems: [a.mop.v] }] });
  }
  for (const entry of out.values()) entry.values.sort((x, y) => x.elems.length - y.elems.length);
  return out;
}

function isPrefix(a: readonly Canon[], b: readonly Canon[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

/** A key's version order: the distinct elements of its longest read, in order. */
interface AppendOrder {
  key: unknown;
  /** Element → its raw value. */
  raw: Map<Canon, unknown>;
  values: Canon[];
  indices: Map<Canon, number>;
}

/** Elle's `append-index`: the longest read of each key is its version order (every shorter read
 * should be a prefix of it; {@linkcode findIncompatibleOrders} reports those that are not). */
function appendOrders(sorted: SortedValues): Map<Canon, AppendOrder> {
  const out = new Map<Canon, AppendOrder>();
  for (const [k, { key, values }] of sorted) {
    const longest = values[values.length - 1];
    const order: AppendOrder = { key, raw: new Map(), values: [], indices: new Map() };
    longest.elems.forEach((e, i) => {
      if (order.indices.has(e)) return;
      order.indices.set(e, order.values.length);
      order.values.push(e);
      order.raw.set(e, longest.raw[i]);
    });
    out.set(k, order);
  }
  return out;
}

/** Marks the initial (empty) state of a list, the state before its first element. */
const INIT: unique symbol = Symbol("initial state");
type Elem = Canon | typeof INIT;

/** The state a read observed, named by its last element ({@linkcode INIT} when empty). */
function stateOf(m: ReadMop): Elem {
  return m.elems.length > 0 ? m.elems[m.elems.length - 1] : INIT;
}

/** The element appended just before `v` to key `k`: its predecessor in the version order, or, for
 * an element nobody read, the last element anyone read (it must have come after that one).
 * {@linkcode INIT} when it was, or can only be shown to follow, the initial state. */
function previousElement(orders: ReadonlyMap<Canon, AppendOrder>, k: Canon, v: Canon): Elem {
  const order = orders.get(k);
  if (!order || order.values.length === 0) return INIT;
  const i = order.indices.get(v);
  if (i === undefined) return order.values[order.values.length - 1];
  return i > 0 ? order.values[i - 1] : INIT;
}

// ---------------------------------------------------------------------------------------------
// Non-cycle anomalies

/** Elle's `incompatible-order`: per key, the first two reads (by length) of which the shorter is
 * not a prefix of the longer. */
function findIncompatibleOrders(sorted: SortedValues): unknown[] {
  const out: unknown[] = [];
  for (const { key, values } of sorted.values()) {
    for (let i = 0; i + 1 < values.length; i++) {
      const [a, b] = [values[i], values[i + 1]];
      if (isPrefix(a.elems, b.elems)) continue;
      const by = (x: ListValue) => x.by ? ` by ${opName(x.by)}` : "";
      out.push({
        key,
        values: [a.raw, b.raw],
        ops: [a.by, b.by].filter((op) => op !== undefined),
        explanation: `Incompatible order: key ${show(key)} was read as ${show(a.raw)}${by(a)} ` +
          `and as ${show(b.raw)}${by(b)}, and the first is not a prefix of the ` +
          `second, so no single order of appends explains both. Every append must go to the end ` +
          `of one list that all replicas agree on, and a read must return that list as a whole.`,
      });
      break;
    }
  }
  return out;
}

/** Elle's `duplicates`: a read (of an ok or info transaction) that holds some element more than
 * once. Appends are unique, so each element may appear at most once. */
function findDuplicates(possible: readonly Txn[]): unknown[] {
  const out: unknown[] = [];
  for (const t of possible) {
    for (const m of t.mops) {
      if (m.f !== "r" || m.elems.length < 2) continue;
      const counts = new Map<Canon, { raw: unknown; n: number }>();
      m.elems.forEach((e, i) => {
        const c = counts.get(e);
        if (c) c.n++;
        else counts.set(e, { raw: m.value![i], n: 1 });
      });
      const dups = [...counts.values()].filter((c) => c.n > 1);
      if (dups.length === 0) continue;
      out.push({
        op: t.op,
        mop: txn.wireMop(m),
        duplicates: Object.fromEntries(dups.map((c) => [jsonKey(c.raw), c.n])),
        explanation: `Duplicate elements: ${opName(t.op)} read key ${show(m.key)} = ` +
          `${show(m.value)}, which holds ${
            dups.map((c) => `${show(c.raw)} ${c.n} times`).join(", ")
          }. Each element is appended once, so an append was applied twice (a retried or ` +
          `re-delivered append must be applied only once).`,
      });
    }
  }
  return out;
}

/** G1a (aborted read): an ok read holding an element that a failed transaction appended. One
 * record per such element; the writer is the last failed op in history order that appended it. */
function findG1a(ops: readonly Txn[], oks: readonly Txn[]): txn.ReadAnomaly[] {
  const failed = txn.writers(ops.filter((t) => t.op.type === "fail"), "append");
  const out: txn.ReadAnomaly[] = [];
  for (const [op, m] of txn.reads(oks)) {
    m.elems.forEach((e, i) => {
      const writer = failed.get(m.k, e);
      if (!writer) return;
      out.push({
        op,
        mop: txn.wireMop(m),
        writer,
        element: m.value![i],
        explanation: `Aborted read (G1a): ${opName(op)} read key ${show(m.key)} = ` +
          `${show(m.value)}, which includes ${show(m.value![i])}, appended by ` +
          `${opName(writer)}, a transaction that failed. A transaction that reports an ` +
          `error must never make its appends visible; either apply it fully and reply ` +
          `txn_ok, or discard all of its appends.`,
      });
    });
  }
  return out;
}

/** G1b (intermediate read): an ok read whose last element some other transaction (of any type,
 * even an invocation) appended to that key and then appended to it again. Reading one's own
 * intermediate state is fine. */
function findG1b(ops: readonly Txn[], oks: readonly Txn[]): txn.ReadAnomaly[] {
  const intermediate = new KeyValueIndex<Op>();
  for (const t of ops) {
    const last = new Map<Canon, Canon>();
    for (const m of t.mops) {
      if (m.f !== "append") continue;
      if (last.has(m.k)) intermediate.set(m.k, last.get(m.k)!, t.op);
      last.set(m.k, m.v);
    }
  }
  const out: txn.ReadAnomaly[] = [];
  for (const [op, m] of txn.reads(oks)) {
    const e = lastElem(m);
    if (e === undefined) continue;
    const writer = intermediate.get(m.k, e);
    if (!writer || writer.index === op.index) continue;
    const element = m.value![m.elems.length - 1];
    out.push({
      op,
      mop: txn.wireMop(m),
      writer,
      element,
      explanation: `Intermediate read (G1b): ${opName(op)} read key ${show(m.key)} = ` +
        `${show(m.value)}, which ends at ${show(element)}, but ${opName(writer)} appended ` +
        `${show(element)} and then appended to that key again in the same transaction. ` +
        `Only a transaction's final state of a key may become visible to others.`,
    });
  }
  return out;
}

/** What a transaction knows of a key while it runs: the list it last read, or the elements it
 * appended on top of an unknown prefix. */
interface Known {
  prefixKnown: boolean;
  raw: unknown[];
  elems: Canon[];
}

/** Internal inconsistency: within one ok transaction, a read that disagrees with the
 * transaction's own earlier read of the key plus its appends since, or (when it never read the
 * key) does not end with its own appends. Reported once per op. As in Elle 0.2.2, nothing is
 * compared after a read of `null`. */
function findInternal(oks: readonly Txn[]): txn.ReadAnomaly[] {
  const out: txn.ReadAnomaly[] = [];
  for (const t of oks) {
    // Key → what the txn knows; `null` after a read of null.
    const state = new Map<Canon, Known | null>();
    for (const m of t.mops) {
      const s = state.get(m.k);
      if (m.f === "append") {
        const base: Known = s === undefined
          ? { prefixKnown: false, raw: [], elems: [] }
          : s ?? { prefixKnown: true, raw: [], elems: [] };
        state.set(m.k, {
          prefixKnown: base.prefixKnown,
          raw: [...base.raw, m.value],
          elems: [...base.elems, m.v],
        });
        continue;
      }
      if (s) {
        const bad = s.prefixKnown
          ? m.value === null || m.elems.length !== s.elems.length ||
            !isPrefix(s.elems, m.elems)
          : m.elems.length < s.elems.length ||
            !isPrefix(s.elems, m.elems.slice(m.elems.length - s.elems.length));
        if (bad) {
          const expected = s.prefixKnown ? s.raw : ["...", ...s.raw];
          out.push({
            op: t.op,
            mop: txn.wireMop(m),
            expected,
            explanation: `Internal inconsistency: ${opName(t.op)} read key ${show(m.key)} = ` +
              `${show(m.value)}, but from its own earlier ${
                s.prefixKnown
                  ? "read and appends it expected"
                  : "appends it expected a list ending in"
              } ${show(s.raw)}. A read must reflect the transaction's own earlier reads and ` +
              `appends of that key.`,
          });
          break;
        }
      }
      state.set(m.k, m.value === null ? null : { prefixKnown: true, raw: m.value, elems: m.elems });
    }
  }
  return out;
}

/** Future read: an ok transaction read an element that it appends only later. Reported once per
 * op. */
function findFutureReads(oks: readonly Txn[]): txn.ReadAnomaly[] {
  const out: txn.ReadAnomaly[] = [];
  for (const t of oks) {
    const reads = new KeyValueIndex<ReadMop>();
    for (const m of t.mops) {
      if (m.f === "r") {
        for (const e of m.elems) if (!reads.get(m.k, e)) reads.set(m.k, e, m);
        continue;
      }
      const read = reads.get(m.k, m.v);
      if (!read) continue;
      out.push({
        op: t.op,
        mop: txn.wireMop(read),
        element: m.value,
        explanation: `Future read: ${opName(t.op)} read key ${show(read.key)} = ` +
          `${show(read.value)}, which includes ${show(m.value)}, an element the same ` +
          `transaction only appends later. A read cannot see a write that has not happened.`,
      });
      break;
    }
  }
  return out;
}

/** Elle's `dirty-update`: walking a key's version order (built from the reads of every op, as
 * Elle does for this check), a committed append that follows a failed transaction's append with
 * only appends of failed or indeterminate transactions in between. Elements nobody appended are
 * skipped here (Elle throws on them); `garbage-read` reports them. */
function findDirtyUpdates(ops: readonly Txn[]): unknown[] {
  const writers = new KeyValueIndex<Op>();
  for (const t of ops) {
    if (t.op.type === "invoke") continue;
    for (const m of t.mops) if (m.f === "append") writers.set(m.k, m.v, t.op);
  }
  const out: unknown[] = [];
  for (const [k, order] of appendOrders(sortedValues(ops))) {
    // The initial state counts as committed.
    let t1: Op | undefined, vs: unknown[] = [];
    for (const e of order.values) {
      const t2 = writers.get(k, e);
      if (!t2) continue;
      const type1 = t1?.type ?? "ok";
      const raw = order.raw.get(e);
      if (t2.type === "ok") {
        if (type1 === "fail") {
          const values = [...vs, raw];
          out.push({
            key: order.key,
            values,
            txns: [t1, "...", t2],
            explanation: `Dirty update: on key ${show(order.key)}, ${opName(t2)} committed ` +
              `its append of ${show(raw)} on top of ${show(vs)}, appended by failed ` +
              `${opName(t1!)}${
                vs.length > 1 ? " and transactions whose outcome is unknown" : ""
              }. ` +
              `A failed transaction's appends must be discarded, never built upon.`,
          });
        }
        [t1, vs] = [t2, [raw]];
      } else if (t2.type === "fail" && type1 !== "fail") {
        [t1, vs] = [t2, [raw]];
      } else {
        vs = [...vs, raw];
      }
    }
  }
  return out;
}

/** Lost update: two or more ok transactions read a key in the same state and then appended to
 * it. As in Elle, a transaction counts with its first read of the key and its first append after
 * that read. */
function findLostUpdates(oks: readonly Txn[]): unknown[] {
  const groups = new KeyValueIndex<txn.LostUpdateGroup, string>();
  for (const t of oks) {
    const reads = new Map<Canon, ReadMop>(), written = new Set<Canon>();
    for (const m of t.mops) {
      if (m.f === "r") {
        if (!reads.has(m.k)) reads.set(m.k, m);
        continue;
      }
      const r = reads.get(m.k);
      if (written.has(m.k) || !r) continue;
      written.add(m.k);
      groups.upsert(m.k, jsonKey(r.value), () => ({ key: m.key, value: r.value, txns: [] }))
        .txns.push(t.op);
    }
  }
  return txn.lostUpdates(
    groups,
    "appended to it, so each appended without seeing the others' appends",
  );
}

// ---------------------------------------------------------------------------------------------
// Dependency graph

/** The indexes the graph and its explainers share. Vertices are the ok and info transactions. */
interface Indexes {
  vertices: readonly Txn[];
  orders: ReadonlyMap<Canon, AppendOrder>;
  /** (key, element) → the vertex that appended it (the last one in history order). */
  writer: KeyValueIndex<number>;
  /** (key, last element or INIT) → the vertices that read that state. */
  readers: KeyValueIndex<number[], Elem>;
}

function buildIndexes(vertices: readonly Txn[], orders: ReadonlyMap<Canon, AppendOrder>): Indexes {
  const writer = new KeyValueIndex<number>();
  const readers = new KeyValueIndex<number[], Elem>();
  vertices.forEach((t, i) => {
    for (const m of t.mops) {
      if (m.f === "append") writer.set(m.k, m.v, i);
      // An info op's read of null is the invocation's placeholder, not an observation.
      else if (!(t.op.type === "info" && m.value === null)) {
        readers.upsert(m.k, stateOf(m), () => []).push(i);
      }
    }
  });
  return { vertices, orders, writer, readers };
}

/** Adds Elle's `wr`, `ww` and `rw` edges, never from a transaction to itself. */
function addDataEdges(graph: DependencyGraph, ix: Indexes): void {
  ix.vertices.forEach((t, b) => {
    for (const m of t.mops) {
      if (m.f === "r") {
        const e = lastElem(m);
        const a = e === undefined ? undefined : ix.writer.get(m.k, e);
        if (a !== undefined && a !== b) graph.link(a, b, WR);
        continue;
      }
      const prev = previousElement(ix.orders, m.k, m.v);
      if (prev !== INIT) {
        const a = ix.writer.get(m.k, prev);
        if (a !== undefined && a !== b) graph.link(a, b, WW);
      }
      for (const a of ix.readers.get(m.k, prev) ?? []) if (a !== b) graph.link(a, b, RW);
    }
  });
}

/** Elle's list-append explainers for a step a → b. */
function explainData(ix: Indexes, kind: number, a: number, b: number): DataStep | undefined {
  const ta = ix.vertices[a], tb = ix.vertices[b];
  const appendPos = (k: Canon, v: Canon) =>
    ta.mops.find((m) => m.f === "append" && m.k === k && m.v === v)?.pos ?? null;
  for (const m of tb.mops) {
    if (kind === WR) {
      if (m.f !== "r") continue;
      const e = lastElem(m);
      if (e === undefined || ix.writer.get(m.k, e) !== a) continue;
      return {
        type: "wr",
        key: m.key,
        value: m.value![m.elems.length - 1],
        "a-mop-index": appendPos(m.k, e),
        "b-mop-index": m.pos,
      };
    }
    if (m.f !== "append") continue;
    const prev = previousElement(ix.orders, m.k, m.v);
    const prevRaw = prev === INIT ? null : ix.orders.get(m.k)!.raw.get(prev);
    if (kind === WW) {
      if (prev === INIT || ix.writer.get(m.k, prev) !== a) continue;
      return {
        type: "ww",
        key: m.key,
        value: prevRaw,
        "value'": m.value,
        "a-mop-index": appendPos(m.k, prev),
        "b-mop-index": m.pos,
      };
    }
    if (!(ix.readers.get(m.k, prev) ?? []).includes(a)) continue;
    const read = ta.mops.find((r) => r.f === "r" && r.k === m.k && stateOf(r) === prev);
    return {
      type: "rw",
      key: m.key,
      value: prevRaw,
      "value'": m.value,
      "a-mop-index": read?.pos ?? null,
      "b-mop-index": m.pos,
    };
  }
  return undefined;
}

function describeData(s: DataStep, a: string, b: string): string {
  switch (s.type) {
    case "wr":
      return `${a} < ${b} because ${b} observed ${a}'s append of ${show(s.value)} to key ` +
        `${show(s.key)} (wr)`;
    case "ww":
      return `${a} < ${b} because ${b} appended ${show(s["value'"])} after ${a} appended ` +
        `${show(s.value)} to key ${show(s.key)} (ww)`;
    case "rw":
      return s.value === null
        ? `${a} < ${b} because ${a} observed the initial (empty) state of key ` +
          `${show(s.key)}, which ${b} changed by appending ${show(s["value'"])} (rw)`
        : `${a} < ${b} because ${a} read key ${show(s.key)} ending at ${show(s.value)} and ` +
          `did not observe ${b}'s append of ${show(s["value'"])}, the next element (rw)`;
  }
}

// ---------------------------------------------------------------------------------------------
// The checker

/** Checks a `txn-list-append` history the way Maelstrom does (Elle's list-append checker, with
 * no wrapper), plus `garbage-read` under `"beyond-maelstrom"` (invalid only with `strict`).
 *
 * The result is `{"valid?": true}` when nothing reportable was found; `{"valid?": false,
 * "anomaly-types", "anomalies", "not", "also-not"}` when the models prohibit something found,
 * where every anomaly record has an `explanation`; and `"valid?": "unknown"` when the only finding
 * is an empty transaction graph, or with an `error` when the history cannot be analysed (an
 * unknown model, a micro-op other than a read or an append, or one element appended twice).
 *
 * @example
 * ```ts
 * import { checkListAppend } from "./list_append.ts";
 * import type { Op } from "../../types.ts";
 * const op = (index: number, type: Op["type"], process: number, value: unknown): Op =>
 *   ({ index, time: index, type, process, f: "txn", value });
 * // Two replicas that never talk: each key's reads disagree.
 * const history = [
 *   op(0, "invoke", 0, [["append", 1, 1], ["r", 1, null]]),
 *   op(1, "ok", 0, [["append", 1, 1], ["r", 1, [1]]]),
 *   op(2, "invoke", 1, [["append", 1, 2], ["r", 1, null]]),
 *   op(3, "ok", 1, [["append", 1, 2], ["r", 1, [2]]]),
 * ];
 * checkListAppend(history, { consistencyModels: ["read-committed"] })["anomaly-types"];
 * // ["incompatible-order"]
 * ```
 */
export function checkListAppend(history: readonly Op[], opts: txn.TxnCheckOptions): CheckResult {
  return txn.checkTxns(history, opts, readTxn, analyse);
}

function analyse(ops: Txn[]): txn.Analysis {
  checkUniqueAppends(ops);
  const oks = ops.filter((t) => t.op.type === "ok");
  const possible = ops.filter((t) => t.op.type === "ok" || t.op.type === "info");

  const found = new txn.Findings();
  found.add("G1a", findG1a(ops, oks));
  found.add("G1b", findG1b(ops, oks));
  found.add("internal", findInternal(oks));
  found.add("future-read", findFutureReads(oks));
  found.add("dirty-update", findDirtyUpdates(ops));
  found.add("duplicate-elements", findDuplicates(possible));
  const sorted = sortedValues(possible);
  found.add("incompatible-order", findIncompatibleOrders(sorted));
  found.add("lost-update", findLostUpdates(oks));

  const ix = buildIndexes(possible, appendOrders(sorted));
  const graph = new DependencyGraph(possible.length);
  addDataEdges(graph, ix);
  return {
    found,
    graph,
    vertexOps: possible.map((t) => t.op),
    emptyGraph: `Empty transaction graph: none of the ${possible.length} ok or info ` +
      `transactions depends on another (no read saw another transaction's append, and no ` +
      `append followed a state another transaction read or appended), so there is nothing ` +
      `to check. Make sure ok replies carry the lists read, and that most transactions ` +
      `succeed.`,
    explain: {
      // Elle's list-append graph combines its ww, wr and rw analyzers in this order.
      dataOrder: [WW, WR, RW],
      explainData: (kind, a, b) => explainData(ix, kind, a, b),
      describeData,
      nameWriteCyclesG0: false,
    },
    maelstromWrapper: false,
    // Beyond Maelstrom: reads holding elements that nobody appended to the key.
    beyondMaelstrom: txn.findGarbageReads(ops, oks, {
      write: "append",
      unwritten: (m, wrote) => (m.value ?? []).filter((_, i) => !wrote(m.k, m.elems[i])),
      did: (garbage) => `appended ${garbage.map(show).join(", ")}`,
      instead: "a list of appended elements",
      details: (garbage) => ({ elements: garbage }),
    }),
  };
}
