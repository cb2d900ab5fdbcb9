/**
 * An Elle-style checker for Maelstrom's `txn-rw-register` workload: it finds the anomalies that
 * Elle's `rw-register` analysis finds (with Maelstrom's options, `wfr-keys? true`), decides which
 * of them the requested consistency models prohibit, and builds a result map with Elle's keys
 * (`"valid?"`, `"anomaly-types"`, `"anomalies"`, `"not"`, `"also-not"`).
 *
 * The pipeline, as Elle's `src/elle/rw_register.clj` and `src/elle/txn.clj` (jepsen-io/elle) run it
 * under Maelstrom's `src/maelstrom/workload/txn_rw_register.clj`:
 *
 * 1. Every txn op is read as a list of micro-ops; its *external reads* (first access to a key,
 *    when that is a read) and *external writes* (last write per key) drive everything else.
 * 2. Non-cycle anomalies: aborted reads (G1a), intermediate reads (G1b), internal
 *    inconsistency and lost updates.
 * 3. A version order per key (`nil` first, then write-follows-read edges) and a dependency graph
 *    over ok transactions with `wr`, `ww` and `rw` edges, plus `process` or `realtime` edges when
 *    the models ask for them.
 * 4. Cycle search per strongly connected component: the `<model>-cycle-exists` cases first, then
 *    typed cycles (G0, G1c, G-single-item, G-nonadjacent-item, G2-item and their `-process` /
 *    `-realtime` variants), each explained step by step. This part, the consistency models and
 *    the result map are shared with the list-append checker and live beside it in this folder
 *    (`txn.ts` holds the pipeline both checkers run around their own analyses).
 * 5. Maelstrom's wrapper on top: no `cycle-search-timeout` (we always search completely) and an
 *    empty transaction graph counts as a failure.
 *
 * Two things go beyond Maelstrom, on purpose:
 *
 * - **`G0` by name** (marked "OUR ADDITION"). With unique writes every `ww` edge is also a `wr`
 *   edge, so Elle explains a write cycle as `G1c` and never reports `G0` (Maelstrom issue #56). We
 *   also report the cycle as `G0`, explained by its `ww` steps, whenever the `ww`-only projection
 *   of a component has a cycle. Maelstrom's own labels (`G1c`, `PL-1-cycle-exists`) are kept
 *   alongside it, so the verdict is Maelstrom's.
 * - **`garbage-read`**: an ok read of a value that no transaction (of any type, invocations
 *   included) ever wrote to that key. Elle 0.2.2 has no such check. It is reported under
 *   `"beyond-maelstrom"` and fails the run only with `strict` (`--strict`).
 *
 * @module
 */
import type { CheckResult, Op } from "../../types.ts";
import { sortJson } from "../../workloads/schema.ts";
import { CONSISTENCY_MODEL_NAMES, prohibitedAnomalies } from "./models.ts";
import type { DataStep } from "./explain.ts";
import { DependencyGraph, RW, WR, WW } from "./graph.ts";
import { digraphFromEdges, tarjan } from "./scc.ts";
import * as txn from "./txn.ts";
import { type Canon, canon, KeyValueIndex, opName, show, Unanalysable } from "./values.ts";

export { CONSISTENCY_MODEL_NAMES, prohibitedAnomalies };

// ---------------------------------------------------------------------------------------------
// Transactions

/** One micro-op with its position in the op's value (Elle's mop index). */
interface Mop {
  f: "r" | "w";
  key: unknown;
  value: unknown;
  k: Canon;
  v: Canon;
  pos: number;
}

/** A txn op, read. */
interface Txn {
  op: Op;
  mops: Mop[];
  /** Key → the first mop on that key, when it is a read. */
  extReads: Map<Canon, Mop>;
  /** Key → the last write to that key. */
  extWrites: Map<Canon, Mop>;
}

function readTxn(op: Op): Txn {
  const mops: Mop[] = [];
  // A null value (a `txn_ok` with `"txn": null`, which Maelstrom's schema admits) or anything
  // else that is not a list reads as the empty transaction, as `(seq nil)` would in Clojure.
  const raw: unknown[] = Array.isArray(op.value) ? op.value : [];
  raw.forEach((m, pos) => {
    if (!Array.isArray(m)) return;
    const [f, key, value] = m;
    // Micro-ops other than reads and writes take part in no analysis, as in Elle.
    if (f !== "r" && f !== "w") return;
    mops.push({ f, key, value: value ?? null, k: canon(key), v: canon(value), pos });
  });
  const extReads = new Map<Canon, Mop>(), extWrites = new Map<Canon, Mop>();
  const touched = new Set<Canon>();
  for (const m of mops) {
    if (!touched.has(m.k)) {
      touched.add(m.k);
      if (m.f === "r") extReads.set(m.k, m);
    }
    if (m.f === "w") extWrites.set(m.k, m);
  }
  return { op, mops, extReads, extWrites };
}

// ---------------------------------------------------------------------------------------------
// Non-cycle anomalies

/** G1a (aborted read): an ok read of a value that a failed transaction wrote, as any of its
 * writes. The writer is the last failed op in history order with that write.
 *
 * @param ops every client txn op, in history order
 * @param oks the ok ones
 */
function findG1a(ops: readonly Txn[], oks: readonly Txn[]): txn.ReadAnomaly[] {
  const failed = txn.writers(ops.filter((t) => t.op.type === "fail"), "w");
  const out: txn.ReadAnomaly[] = [];
  for (const [op, m] of txn.reads(oks)) {
    const writer = failed.get(m.k, m.v);
    if (!writer) continue;
    out.push({
      op,
      mop: txn.wireMop(m),
      writer,
      explanation: `Aborted read (G1a): ${opName(op)} read key ${show(m.key)} = ` +
        `${show(m.value)}, which was written by ${opName(writer)}, a transaction that ` +
        `failed. A transaction that reports an error must never make its writes visible; ` +
        `either apply it fully and reply txn_ok, or discard all of its writes.`,
    });
  }
  return out;
}

/** G1b (intermediate read): an ok read of a value that some transaction (of any type, even an
 * invocation) wrote and then overwrote within the same transaction. Reading one's own
 * intermediate write is fine.
 *
 * @param ops every client txn op, in history order, invocations included
 * @param oks the ok ones
 */
function findG1b(ops: readonly Txn[], oks: readonly Txn[]): txn.ReadAnomaly[] {
  const intermediate = new KeyValueIndex<Op>();
  for (const t of ops) {
    const lastWrite = new Map<Canon, number>();
    for (const m of t.mops) if (m.f === "w") lastWrite.set(m.k, m.pos);
    for (const m of t.mops) {
      if (m.f === "w" && lastWrite.get(m.k)! > m.pos) intermediate.set(m.k, m.v, t.op);
    }
  }
  const out: txn.ReadAnomaly[] = [];
  for (const [op, m] of txn.reads(oks)) {
    const writer = intermediate.get(m.k, m.v);
    if (!writer || writer.index === op.index) continue;
    out.push({
      op,
      mop: txn.wireMop(m),
      writer,
      explanation: `Intermediate read (G1b): ${opName(op)} read key ${show(m.key)} = ` +
        `${show(m.value)}, which ${opName(writer)} wrote and then overwrote within the same ` +
        `transaction. Only a transaction's final write to a key may become visible to others.`,
    });
  }
  return out;
}

/** Internal inconsistency: within one ok transaction, a read that disagrees with the value the
 * transaction last wrote or read for that key. Reported once per op. As in Elle 0.2.2, a read
 * after a remembered `null` is not compared. */
function findInternal(oks: readonly Txn[]): txn.ReadAnomaly[] {
  const out: txn.ReadAnomaly[] = [];
  for (const t of oks) {
    const known = new Map<Canon, { v: Canon; value: unknown; by: "r" | "w" }>();
    for (const m of t.mops) {
      const prev = known.get(m.k);
      if (m.f === "r" && prev && prev.v !== null && prev.v !== m.v) {
        out.push({
          op: t.op,
          mop: txn.wireMop(m),
          expected: prev.value,
          explanation: `Internal inconsistency: ${opName(t.op)} read key ${show(m.key)} = ` +
            `${show(m.value)}, but earlier in the same transaction it ` +
            `${prev.by === "w" ? "wrote" : "read"} ${show(prev.value)}. A read must return ` +
            `the transaction's own latest write (or earlier read) of that key.`,
        });
        break;
      }
      known.set(m.k, { v: m.v, value: m.value, by: m.f });
    }
  }
  return out;
}

/** Lost update: two or more ok transactions read the same key = value externally and then wrote
 * that key. */
function findLostUpdates(oks: readonly Txn[]): ReturnType<typeof txn.lostUpdates> {
  const groups = new KeyValueIndex<txn.LostUpdateGroup>();
  for (const t of oks) {
    for (const [k, r] of t.extReads) {
      if (!t.extWrites.has(k)) continue;
      groups.upsert(k, r.v, () => ({ key: r.key, value: r.value, txns: [] })).txns.push(t.op);
    }
  }
  return txn.lostUpdates(
    groups,
    "wrote that key, so all but one of those updates was overwritten without being seen",
  );
}

// ---------------------------------------------------------------------------------------------
// Version orders

/** Per key, the successors of each value in the version order. */
type VersionOrders = Map<Canon, Map<Canon, Set<Canon>>>;

interface CyclicVersions {
  key: unknown;
  scc: unknown[];
  sources: string[];
  explanation: string;
}

function addVersionEdge(orders: VersionOrders, k: Canon, from: Canon, to: Canon): void {
  let perKey = orders.get(k);
  if (!perKey) orders.set(k, perKey = new Map());
  let succ = perKey.get(from);
  if (!succ) perKey.set(from, succ = new Set());
  succ.add(to);
}

/** Builds the version order of every key from Elle's two analyzers, `initial-state` (null before
 * every value written or read) and `wfr-keys` (a value read before a write in one transaction
 * precedes the value written). A cycle among values discards the whole `wfr-keys` contribution
 * and is reported as `cyclic-versions`.
 *
 * @param ops every client txn op (ok and info ones contribute their writes)
 * @param oks the ok ones
 */
function buildVersionOrders(
  ops: readonly Txn[],
  oks: readonly Txn[],
): { orders: VersionOrders; cyclic: CyclicVersions[] } {
  const orders: VersionOrders = new Map();
  const original = new KeyValueIndex<unknown>();
  const keyOf = new Map<Canon, unknown>();
  for (const t of ops) {
    if (t.op.type !== "ok" && t.op.type !== "info") continue;
    for (const w of t.extWrites.values()) {
      if (w.v === null) continue;
      addVersionEdge(orders, w.k, null, w.v);
      original.set(w.k, w.v, w.value);
      keyOf.set(w.k, w.key);
    }
    if (t.op.type !== "ok") continue;
    for (const r of t.extReads.values()) {
      if (r.v === null) continue;
      addVersionEdge(orders, r.k, null, r.v);
      original.set(r.k, r.v, r.value);
      keyOf.set(r.k, r.key);
    }
  }
  const wfr: VersionOrders = new Map();
  for (const t of oks) {
    for (const [k, r] of t.extReads) {
      const w = t.extWrites.get(k);
      if (w && r.v !== null) addVersionEdge(wfr, k, r.v, w.v);
    }
  }
  // Only the wfr edges can close a cycle: nothing ever precedes null.
  const cyclic: CyclicVersions[] = [];
  for (const [k, succ] of wfr) {
    const ids = new Map<Canon, number>(), values: Canon[] = [];
    const id = (v: Canon) => {
      let i = ids.get(v);
      if (i === undefined) ids.set(v, i = values.push(v) - 1);
      return i;
    };
    const edges: [number, number][] = [];
    for (const [from, tos] of succ) for (const to of tos) edges.push([id(from), id(to)]);
    const g = digraphFromEdges(values.length, edges);
    for (const members of tarjan(g).comps) {
      if (members.length < 2) continue;
      const scc = sortJson(members.map((i) => original.get(k, values[i]) ?? values[i]));
      cyclic.push({
        key: keyOf.get(k),
        scc,
        sources: ["initial-state", "wfr-keys"],
        explanation: `Cyclic versions: on key ${show(keyOf.get(k))}, transactions that read ` +
          `one value and then wrote another imply that the values ${
            scc.map(show).join(", ")
          } each come after another of them, which no order of versions satisfies. Each write ` +
          `must follow the version its transaction read.`,
      });
    }
  }
  if (cyclic.length === 0) {
    for (const [k, succ] of wfr) {
      for (const [from, tos] of succ) for (const to of tos) addVersionEdge(orders, k, from, to);
    }
  }
  return { orders, cyclic };
}

// ---------------------------------------------------------------------------------------------
// Dependency graph

function ambiguousWriters(key: unknown, value: unknown, writers: readonly Op[]): Unanalysable {
  return new Unanalysable(
    `Key ${show(key)} = ${show(value)} was the final write of ${writers.length} ok ` +
      `transactions (${writers.map(opName).join(", ")}), so reads of it cannot be attributed ` +
      `to one writer; the checker cannot analyse this history (Elle throws here too)`,
  );
}

/** Adds Elle's `wr`, `ww` and `rw` edges (self-edges dropped for `ww` and `rw` only). */
function addDataEdges(graph: DependencyGraph, oks: readonly Txn[], orders: VersionOrders): void {
  const writers = new KeyValueIndex<number[]>();
  const readers = new KeyValueIndex<number[]>();
  oks.forEach((t, i) => {
    for (const w of t.extWrites.values()) writers.upsert(w.k, w.v, () => []).push(i);
    for (const r of t.extReads.values()) readers.upsert(r.k, r.v, () => []).push(i);
  });
  for (const k of readers.keys()) {
    for (const [v, rs] of readers.values(k)!) {
      const ws = writers.get(k, v);
      if (!ws) continue;
      if (ws.length > 1) {
        const m = oks[ws[0]].extWrites.get(k)!;
        throw ambiguousWriters(m.key, m.value, ws.map((i) => oks[i].op));
      }
      for (const r of rs) graph.link(ws[0], r, WR);
    }
  }
  for (const [k, perKey] of orders) {
    for (const [v1, succ] of perKey) {
      const w1s = writers.get(k, v1) ?? [], r1s = readers.get(k, v1) ?? [];
      for (const v2 of succ) {
        const w2s = writers.get(k, v2);
        if (!w2s) continue;
        for (const b of w2s) {
          for (const a of w1s) if (a !== b) graph.link(a, b, WW);
          for (const a of r1s) if (a !== b) graph.link(a, b, RW);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cycle explanation

function precedes(orders: VersionOrders, k: Canon, v1: Canon, v2: Canon): boolean {
  return orders.get(k)?.get(v1)?.has(v2) ?? false;
}

/** Elle's rw-register explainers: wr (b read a's final write), ww / rw (a's final write, or
 * external read, directly precedes b's final write in the key's version order). */
function explainData(
  oks: readonly Txn[],
  orders: VersionOrders,
  kind: number,
  a: number,
  b: number,
): DataStep | undefined {
  const ta = oks[a], tb = oks[b];
  if (kind === WR) {
    for (const [k, w] of ta.extWrites) {
      const r = tb.extReads.get(k);
      if (r && r.v === w.v) {
        return {
          type: "wr",
          key: w.key,
          value: w.value,
          "a-mop-index": w.pos,
          "b-mop-index": r.pos,
        };
      }
    }
    return undefined;
  }
  const from = kind === WW ? ta.extWrites : ta.extReads;
  for (const [k, m] of from) {
    const w = tb.extWrites.get(k);
    if (w && precedes(orders, k, m.v, w.v)) {
      return {
        type: kind === WW ? "ww" : "rw",
        key: m.key,
        value: m.value,
        "value'": w.value,
        "a-mop-index": m.pos,
        "b-mop-index": w.pos,
      };
    }
  }
  return undefined;
}

function describeData(s: DataStep, a: string, b: string): string {
  switch (s.type) {
    case "wr":
      return `${a} < ${b} because ${a} wrote key ${show(s.key)} = ${show(s.value)} and ${b} ` +
        `read it (wr)`;
    case "ww":
      return `${a} < ${b} because ${a} wrote key ${show(s.key)} = ${show(s.value)} and ${b} ` +
        `overwrote it with ${show(s["value'"])} (ww)`;
    case "rw":
      return `${a} < ${b} because ${a} read key ${show(s.key)} = ${show(s.value)} and ${b} ` +
        `overwrote it with ${show(s["value'"])} (rw)`;
  }
}

// ---------------------------------------------------------------------------------------------
// The checker

/** Checks a `txn-rw-register` history the way Maelstrom does (Elle's rw-register checker with
 * `wfr-keys? true`, then Maelstrom's wrapper), plus two additions of ours: write cycles are also
 * named `G0` (prohibited at read-uncommitted and above), and reads of values nobody wrote are
 * listed under `"beyond-maelstrom"` as `garbage-read` (invalid only with `strict`).
 *
 * The result is `{"valid?": true}` when nothing the models prohibit was found, and otherwise
 * `{"valid?": false, "anomaly-types", "anomalies", "not", "also-not"}`, where every anomaly record
 * has an `explanation`. It is `{"valid?": "unknown", error}` when the history cannot be analysed
 * (an unknown model name, keys of mixed types, or one value written by two ok transactions).
 *
 * @example
 * ```ts
 * import { checkRwRegister } from "./rw_register.ts";
 * import type { Op } from "../../types.ts";
 * const op = (index: number, type: Op["type"], process: number, value: unknown): Op =>
 *   ({ index, time: index, type, process, f: "txn", value });
 * const history = [
 *   op(0, "invoke", 0, [["w", 1, 1], ["r", 2, null]]),
 *   op(1, "invoke", 1, [["w", 2, 1], ["r", 1, null]]),
 *   op(2, "ok", 0, [["w", 1, 1], ["r", 2, 1]]),
 *   op(3, "ok", 1, [["w", 2, 1], ["r", 1, 1]]),
 * ];
 * checkRwRegister(history, { consistencyModels: ["read-committed"] })["anomaly-types"]; // ["G1c"]
 * ```
 */
export function checkRwRegister(history: readonly Op[], opts: txn.TxnCheckOptions): CheckResult {
  return txn.checkTxns(history, opts, readTxn, analyse);
}

function analyse(ops: Txn[]): txn.Analysis {
  checkKeyTypes(ops);
  const oks = ops.filter((t) => t.op.type === "ok");

  const found = new txn.Findings();
  found.add("G1a", findG1a(ops, oks));
  found.add("G1b", findG1b(ops, oks));
  found.add("internal", findInternal(oks));
  found.add("lost-update", findLostUpdates(oks));

  const { orders, cyclic } = buildVersionOrders(ops, oks);
  found.add("cyclic-versions", cyclic);

  const graph = new DependencyGraph(oks.length);
  addDataEdges(graph, oks, orders);
  return {
    found,
    graph,
    vertexOps: oks.map((t) => t.op),
    emptyGraph: `Empty transaction graph: none of the ${oks.length} ok transactions ` +
      `depends on another (no read saw another transaction's write, and no write ` +
      `overwrote a value another transaction read or wrote), so there is nothing to check. ` +
      `Make sure ok replies carry the values read, and that most transactions succeed.`,
    explain: {
      // Elle's rw-register graph asks its explainers in this order.
      dataOrder: [WR, WW, RW],
      explainData: (kind, a, b) => explainData(oks, orders, kind, a, b),
      describeData,
      nameWriteCyclesG0: true,
    },
    maelstromWrapper: true,
    // Beyond Maelstrom: reads of non-null values nobody wrote to the key (Elle's own tests mark
    // this as a known gap).
    beyondMaelstrom: txn.findGarbageReads(ops, oks, {
      write: "w",
      unwritten: (m, wrote) => m.v === null || wrote(m.k, m.v) ? [] : [m.value],
      did: () => "wrote that value",
      instead: "a value some transaction wrote",
    }),
  };
}

/** Elle requires every key to be of one type; mixed keys make it throw, which is reported as
 * `"valid?": "unknown"`. */
function checkKeyTypes(ops: readonly Txn[]): void {
  const kind = (k: unknown) =>
    typeof k === "number"
      ? (Number.isInteger(k) ? "integer" : "float")
      : k === null
      ? "null"
      : Array.isArray(k)
      ? "array"
      : typeof k;
  let first: { kind: string; key: unknown } | undefined;
  for (const t of ops) {
    for (const m of t.mops) {
      const kd = kind(m.key);
      if (!first) first = { kind: kd, key: m.key };
      else if (first.kind !== kd) {
        throw new Unanalysable(
          `Keys must all be of one type, but key ${show(first.key)} is ${first.kind} and key ` +
            `${show(m.key)} (in ${opName(t.op)}) is ${kd}`,
        );
      }
    }
  }
}
