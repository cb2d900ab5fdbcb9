/**
 * An Elle-style checker for Maelstrom's `txn-rw-register` workload: it finds the anomalies that
 * Elle's `rw-register` analysis finds (with Maelstrom's options, `wfr-keys? true`), decides which
 * of them the requested consistency models prohibit, and builds a result map with Elle's keys
 * (`"valid?"`, `"anomaly-types"`, `"anomalies"`, `"not"`, `"also-not"`).
 *
 * The pipeline, restated from the spec (`checkers.md` §3):
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
 *    `-realtime` variants), each explained step by step.
 * 5. Maelstrom's wrapper on top: no `cycle-search-timeout` (we always search completely) and an
 *    empty transaction graph counts as a failure.
 *
 * Two additions go beyond Maelstrom, on purpose, and are marked "OUR ADDITION" where they happen:
 *
 * - **`G0` by name.** With unique writes every `ww` edge is also a `wr` edge, so Elle explains a
 *   write cycle as `G1c` and never reports `G0` (Maelstrom issue #56). We also report the cycle as
 *   `G0`, explained by its `ww` steps, whenever the `ww`-only projection of a component has a
 *   cycle. Maelstrom's own labels (`G1c`, `PL-1-cycle-exists`) are kept alongside it.
 * - **`garbage-read`.** An ok read of a value that no transaction (of any type, invocations
 *   included) ever wrote to that key. Elle accepts these; we prohibit them at read-uncommitted and
 *   every stronger model.
 *
 * Both make our verdict stricter than Maelstrom's in exactly those cases; everything else reaches
 * Maelstrom's verdict.
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";
import { jsonKey, quote, sortJson } from "../workloads/schema.ts";

// ---------------------------------------------------------------------------------------------
// Consistency models

/** The models we know, by friendly name: the models each one directly implies, and the anomalies
 * it directly prohibits. The full prohibited set of a model is the union over everything it
 * implies. The six models the spec lists (read-uncommitted, read-committed, repeatable-read,
 * snapshot-isolation, serializable, strict-serializable) come out exactly as the spec's lists (a
 * test checks this); the others are our reconstruction of Elle's model graph from the Adya and
 * Cerone hierarchies, which the spec only describes as "prohibiting nothing, or subsets of the
 * above". `garbage-read` is OUR ADDITION, prohibited wherever read-uncommitted is implied. */
const MODELS: Readonly<
  Record<string, { implies: readonly string[]; prohibits: readonly string[] }>
> = {
  "read-uncommitted": {
    implies: [],
    prohibits: ["G0", "PL-1-cycle-exists", "cyclic-versions", "duplicate-elements", "garbage-read"],
  },
  "read-committed": {
    implies: ["read-uncommitted"],
    prohibits: [
      "G1",
      "G1a",
      "G1b",
      "G1c",
      "PL-2-cycle-exists",
      "dirty-update",
      "future-read",
      "incompatible-order",
    ],
  },
  "cursor-stability": { implies: ["read-committed"], prohibits: ["G-cursor"] },
  "monotonic-view": { implies: ["read-committed"], prohibits: ["G-monotonic"] },
  "consistent-view": { implies: ["monotonic-view"], prohibits: ["G-single", "G-single-item"] },
  "monotonic-snapshot-read": { implies: ["monotonic-view"], prohibits: ["G-MSR"] },
  "forward-consistent-view": { implies: ["consistent-view"], prohibits: ["G-SIb"] },
  "read-atomic": { implies: ["read-committed"], prohibits: ["internal"] },
  "causal-cerone": { implies: ["read-atomic"], prohibits: [] },
  "monotonic-atomic-view": { implies: ["read-committed"], prohibits: [] },
  "update-serializable": { implies: ["read-committed"], prohibits: ["G-update"] },
  "repeatable-read": {
    implies: ["cursor-stability"],
    prohibits: [
      "G-single-item",
      "G-nonadjacent-item",
      "G2-item",
      "lost-update",
      "PL-2.99-cycle-exists",
    ],
  },
  "snapshot-isolation": {
    implies: [
      "forward-consistent-view",
      "monotonic-snapshot-read",
      "cursor-stability",
      "causal-cerone",
      "monotonic-atomic-view",
    ],
    prohibits: [
      "internal",
      "lost-update",
      "G-SI",
      "G-nonadjacent",
      "G-nonadjacent-item",
      "PL-SI-cycle-exists",
    ],
  },
  "serializable": {
    implies: ["repeatable-read", "snapshot-isolation", "update-serializable"],
    prohibits: ["G2", "write-skew", "predicate-read-miss", "PL-3-cycle-exists"],
  },
  "causal": { implies: [], prohibits: [] },
  "sequential": { implies: ["causal"], prohibits: [] },
  "linearizable": { implies: ["sequential"], prohibits: [] },
  "strong-session-read-uncommitted": {
    implies: ["read-uncommitted"],
    prohibits: ["G0-process", "strong-session-PL-1-cycle-exists"],
  },
  "strong-session-read-committed": {
    implies: ["read-committed", "strong-session-read-uncommitted"],
    prohibits: ["G1-process", "G1c-process", "strong-session-PL-2-cycle-exists"],
  },
  "strong-session-snapshot-isolation": {
    implies: ["snapshot-isolation", "strong-session-read-committed"],
    prohibits: [
      "G-single-process",
      "G-single-item-process",
      "G-nonadjacent-process",
      "G-nonadjacent-item-process",
      "strong-session-snapshot-isolation-cycle-exists",
    ],
  },
  "strong-session-serializable": {
    implies: ["serializable", "strong-session-snapshot-isolation"],
    prohibits: ["G2-process", "G2-item-process", "strong-session-serializable-cycle-exists"],
  },
  "strong-read-uncommitted": {
    implies: ["strong-session-read-uncommitted"],
    prohibits: ["G0-realtime", "strong-PL-1-cycle-exists"],
  },
  "strong-read-committed": {
    implies: ["strong-read-uncommitted", "strong-session-read-committed"],
    prohibits: ["G1-realtime", "G1c-realtime", "strong-PL-2-cycle-exists"],
  },
  "strong-snapshot-isolation": {
    implies: ["strong-read-committed", "strong-session-snapshot-isolation"],
    prohibits: [
      "G-single-realtime",
      "G-single-item-realtime",
      "G-nonadjacent-realtime",
      "G-nonadjacent-item-realtime",
      "strong-snapshot-isolation-cycle-exists",
    ],
  },
  "strict-serializable": {
    implies: ["strong-session-serializable", "strong-snapshot-isolation", "linearizable"],
    prohibits: ["G2-realtime", "G2-item-realtime", "PL-SS-cycle-exists"],
  },
};

/** Adya's names (and Elle's `strong-*-PL-*` spellings) for models we know by a friendly name. */
const MODEL_ALIASES: Readonly<Record<string, string>> = {
  "PL-1": "read-uncommitted",
  "PL-2": "read-committed",
  "PL-CS": "cursor-stability",
  "PL-2L": "monotonic-view",
  "PL-2+": "consistent-view",
  "PL-MSR": "monotonic-snapshot-read",
  "PL-FCV": "forward-consistent-view",
  "PL-SI": "snapshot-isolation",
  "PL-2.99": "repeatable-read",
  "PL-3U": "update-serializable",
  "PL-3": "serializable",
  "PL-SS": "strict-serializable",
  "strong-session-PL-1": "strong-session-read-uncommitted",
  "strong-session-PL-2": "strong-session-read-committed",
  "strong-PL-1": "strong-read-uncommitted",
  "strong-PL-2": "strong-read-committed",
};

/** Every consistency model name {@linkcode checkRwRegister} accepts: friendly names first, then
 * Adya-style aliases. A CLI can validate `--consistency-models` against it.
 *
 * @example
 * ```ts
 * import { CONSISTENCY_MODEL_NAMES } from "./elle_rw.ts";
 * CONSISTENCY_MODEL_NAMES.includes("read-committed"); // true
 * ```
 */
export const CONSISTENCY_MODEL_NAMES: readonly string[] = [
  ...Object.keys(MODELS),
  ...Object.keys(MODEL_ALIASES),
];

/** The friendly name of a model, or `undefined` for a name we do not know. */
function friendlyModel(name: string): string | undefined {
  if (Object.hasOwn(MODELS, name)) return name;
  return Object.hasOwn(MODEL_ALIASES, name) ? MODEL_ALIASES[name] : undefined;
}

/** Each model with every model it implies, itself included (reflexive, transitive). */
const IMPLIED_MODELS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const out = new Map<string, Set<string>>();
  const visit = (m: string): Set<string> => {
    const known = out.get(m);
    if (known) return known;
    const set = new Set<string>([m]);
    out.set(m, set);
    for (const w of MODELS[m].implies) for (const x of visit(w)) set.add(x);
    return set;
  };
  for (const m of Object.keys(MODELS)) visit(m);
  return out;
})();

/** Each model's full prohibited set. */
const PROHIBITED_BY_MODEL: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.keys(MODELS).map((m) => {
    const set = new Set<string>();
    for (const w of IMPLIED_MODELS.get(m)!) for (const a of MODELS[w].prohibits) set.add(a);
    return [m, set];
  }),
);

/** The anomaly types that the given models prohibit, combined by union: Elle's prohibited set,
 * plus OUR ADDITION `garbage-read` wherever read-uncommitted is implied. Throws a `RangeError`
 * for a model name it does not know (see {@linkcode CONSISTENCY_MODEL_NAMES}).
 *
 * @example
 * ```ts
 * import { prohibitedAnomalies } from "./elle_rw.ts";
 * prohibitedAnomalies(["read-uncommitted"]).has("G0"); // true
 * prohibitedAnomalies(["read-uncommitted"]).has("G1c"); // false
 * ```
 */
export function prohibitedAnomalies(models: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const name of models) {
    const m = friendlyModel(name);
    if (m === undefined) {
      throw new RangeError(
        `Unknown consistency model ${quote(name)}; expected one of ${
          CONSISTENCY_MODEL_NAMES.map((n) => quote(n)).join(", ")
        }`,
      );
    }
    for (const a of PROHIBITED_BY_MODEL.get(m)!) out.add(a);
  }
  return out;
}

/** The models that some anomaly type in `types` rules out. */
function modelsRuledOutBy(types: Iterable<string>): Set<string> {
  const ts = [...types];
  const out = new Set<string>();
  for (const [m, prohibited] of PROHIBITED_BY_MODEL) {
    if (ts.some((t) => prohibited.has(t))) out.add(m);
  }
  return out;
}

/** Splits ruled-out models into the weakest ones (`not`) and the rest (`also-not`), as Elle
 * does: a model is among the weakest when nothing it implies is ruled out too. */
function notAndAlsoNot(ruledOut: ReadonlySet<string>): { not: string[]; alsoNot: string[] } {
  const not: string[] = [], alsoNot: string[] = [];
  for (const m of ruledOut) {
    const weaker = [...IMPLIED_MODELS.get(m)!].some((w) => w !== m && ruledOut.has(w));
    (weaker ? alsoNot : not).push(m);
  }
  return { not: not.sort(), alsoNot: alsoNot.sort() };
}

// ---------------------------------------------------------------------------------------------
// Transactions

/** A value usable as a `Map` key with Clojure's value equality: primitives stand for themselves,
 * and arrays or objects (which a misbehaving node could return) become a canonical string. */
type Canon = string | number | boolean | bigint | null;

/** Prefix that keeps canonical strings of structured values apart from genuine strings. */
const STRUCTURED = "\u0000json:";

function canon(x: unknown): Canon {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case "number":
    case "string":
    case "boolean":
    case "bigint":
      return x;
    default:
      return STRUCTURED + jsonKey(x);
  }
}

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

function isClientTxn(op: Op): boolean {
  return typeof op.process === "number" && Number.isInteger(op.process) && op.f === "txn";
}

/** `["r", k, v]` as it appears on the wire. */
function wireMop(m: Mop): [string, unknown, unknown] {
  return [m.f, m.key, m.value];
}

/** Renders a value for an explanation (JSON, so strings keep their quotes). */
function show(v: unknown): string {
  return quote(v);
}

/** "op 12 (process 3)". */
function opName(op: Op): string {
  return `op ${op.index} (process ${String(op.process)})`;
}

/** Nested map `key → value → T`. */
class KeyValueIndex<T> {
  #byKey = new Map<Canon, Map<Canon, T>>();

  get(k: Canon, v: Canon): T | undefined {
    return this.#byKey.get(k)?.get(v);
  }

  set(k: Canon, v: Canon, x: T): void {
    let inner = this.#byKey.get(k);
    if (!inner) this.#byKey.set(k, inner = new Map());
    inner.set(v, x);
  }

  /** The value stored under (k, v), created with `make` when absent. */
  upsert(k: Canon, v: Canon, make: () => T): T {
    let x = this.get(k, v);
    if (x === undefined) this.set(k, v, x = make());
    return x;
  }

  keys(): IterableIterator<Canon> {
    return this.#byKey.keys();
  }

  values(k: Canon): Map<Canon, T> | undefined {
    return this.#byKey.get(k);
  }
}

// ---------------------------------------------------------------------------------------------
// Non-cycle anomalies

/** An anomaly about one read. */
interface ReadAnomaly {
  op: Op;
  mop: [string, unknown, unknown];
  writer?: Op;
  expected?: unknown;
  explanation: string;
}

/** G1a (aborted read): an ok read of a value that a failed transaction wrote, as any of its
 * writes. The writer is the last failed op in history order with that write.
 *
 * @param ops every client txn op, in history order
 * @param oks the ok ones
 */
function findG1a(ops: readonly Txn[], oks: readonly Txn[]): ReadAnomaly[] {
  const failed = new KeyValueIndex<Op>();
  for (const t of ops) {
    if (t.op.type !== "fail") continue;
    for (const m of t.mops) if (m.f === "w") failed.set(m.k, m.v, t.op);
  }
  const out: ReadAnomaly[] = [];
  for (const t of oks) {
    for (const m of t.mops) {
      if (m.f !== "r") continue;
      const writer = failed.get(m.k, m.v);
      if (!writer) continue;
      out.push({
        op: t.op,
        mop: wireMop(m),
        writer,
        explanation: `Aborted read (G1a): ${opName(t.op)} read key ${show(m.key)} = ` +
          `${show(m.value)}, which was written by ${opName(writer)}, a transaction that ` +
          `failed. A transaction that reports an error must never make its writes visible; ` +
          `either apply it fully and reply txn_ok, or discard all of its writes.`,
      });
    }
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
function findG1b(ops: readonly Txn[], oks: readonly Txn[]): ReadAnomaly[] {
  const intermediate = new KeyValueIndex<Op>();
  for (const t of ops) {
    const lastWrite = new Map<Canon, number>();
    for (const m of t.mops) if (m.f === "w") lastWrite.set(m.k, m.pos);
    for (const m of t.mops) {
      if (m.f === "w" && lastWrite.get(m.k)! > m.pos) intermediate.set(m.k, m.v, t.op);
    }
  }
  const out: ReadAnomaly[] = [];
  for (const t of oks) {
    for (const m of t.mops) {
      if (m.f !== "r") continue;
      const writer = intermediate.get(m.k, m.v);
      if (!writer || writer.index === t.op.index) continue;
      out.push({
        op: t.op,
        mop: wireMop(m),
        writer,
        explanation: `Intermediate read (G1b): ${opName(t.op)} read key ${show(m.key)} = ` +
          `${show(m.value)}, which ${opName(writer)} wrote and then overwrote within the same ` +
          `transaction. Only a transaction's final write to a key may become visible to others.`,
      });
    }
  }
  return out;
}

/** Internal inconsistency: within one ok transaction, a read that disagrees with the value the
 * transaction last wrote or read for that key. Reported once per op. As in Elle 0.2.2, a read
 * after a remembered `null` is not compared. */
function findInternal(oks: readonly Txn[]): ReadAnomaly[] {
  const out: ReadAnomaly[] = [];
  for (const t of oks) {
    const known = new Map<Canon, { v: Canon; value: unknown; by: "r" | "w" }>();
    for (const m of t.mops) {
      const prev = known.get(m.k);
      if (m.f === "r" && prev && prev.v !== null && prev.v !== m.v) {
        out.push({
          op: t.op,
          mop: wireMop(m),
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
function findLostUpdates(
  oks: readonly Txn[],
): { key: unknown; value: unknown; txns: Op[]; explanation: string }[] {
  const groups = new KeyValueIndex<{ key: unknown; value: unknown; txns: Op[] }>();
  for (const t of oks) {
    for (const [k, r] of t.extReads) {
      if (!t.extWrites.has(k)) continue;
      groups.upsert(k, r.v, () => ({ key: r.key, value: r.value, txns: [] })).txns.push(t.op);
    }
  }
  const out = [];
  for (const k of groups.keys()) {
    for (const g of groups.values(k)!.values()) {
      if (g.txns.length < 2) continue;
      out.push({
        ...g,
        explanation: `Lost update: ${g.txns.map(opName).join(", ")} all read key ` +
          `${show(g.key)} = ${show(g.value)} and then wrote that key, so all but one of those ` +
          `updates was overwritten without being seen.`,
      });
    }
  }
  return out;
}

/** OUR ADDITION (not in Elle or Maelstrom): an ok read of a non-null value that no transaction
 * of any type, invocations included, ever wrote to that key. Elle's own tests mark this as a known
 * gap; we prohibit it at read-uncommitted and above. */
function findGarbageReads(ops: readonly Txn[], oks: readonly Txn[]): ReadAnomaly[] {
  const written = new KeyValueIndex<true>();
  for (const t of ops) for (const m of t.mops) if (m.f === "w") written.set(m.k, m.v, true);
  const out: ReadAnomaly[] = [];
  for (const t of oks) {
    for (const m of t.mops) {
      if (m.f !== "r" || m.v === null || written.get(m.k, m.v)) continue;
      out.push({
        op: t.op,
        mop: wireMop(m),
        explanation: `Garbage read: ${opName(t.op)} read key ${show(m.key)} = ` +
          `${show(m.value)}, but no transaction ever wrote that value to that key. A read must ` +
          `return null or a value some transaction wrote (this check is our addition; ` +
          `Maelstrom does not make it).`,
      });
    }
  }
  return out;
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
// Graphs

/** Edge kinds, as bits of a mask. */
const WW = 1, WR = 2, RW = 4, PROCESS = 8, REALTIME = 16;

/** A directed graph in compressed sparse row form: the out-edges of `v` are
 * `tgt[off[v]] .. tgt[off[v + 1] - 1]`. */
interface Digraph {
  n: number;
  off: Int32Array;
  tgt: Int32Array;
}

/** A {@linkcode Digraph} whose edges also carry a kind mask. */
interface KindGraph extends Digraph {
  msk: Uint8Array;
}

function digraphFromEdges(n: number, edges: readonly (readonly [number, number])[]): Digraph {
  const off = new Int32Array(n + 1);
  for (const [a] of edges) off[a + 1]++;
  for (let i = 0; i < n; i++) off[i + 1] += off[i];
  const fill = off.slice(0, n);
  const tgt = new Int32Array(edges.length);
  for (const [a, b] of edges) tgt[fill[a]++] = b;
  return { n, off, tgt };
}

/** The dependency graph over ok transactions (vertex i = the i-th ok op). */
class DependencyGraph {
  readonly n: number;
  #adj: Map<number, number>[];
  #edges = 0;

  constructor(n: number) {
    this.n = n;
    this.#adj = Array.from({ length: n }, () => new Map());
  }

  /** Adds an edge of the given kind (kinds on the same pair accumulate). */
  link(a: number, b: number, kind: number): void {
    const m = this.#adj[a];
    const old = m.get(b);
    if (old === undefined) this.#edges++;
    m.set(b, (old ?? 0) | kind);
  }

  /** The kinds on edge a → b (0 for none). */
  mask(a: number, b: number): number {
    return this.#adj[a].get(b) ?? 0;
  }

  get edgeCount(): number {
    return this.#edges;
  }

  /** The whole graph as a {@linkcode KindGraph}. */
  freeze(): KindGraph {
    const off = new Int32Array(this.n + 1);
    const tgt = new Int32Array(this.#edges), msk = new Uint8Array(this.#edges);
    let e = 0;
    for (let a = 0; a < this.n; a++) {
      off[a] = e;
      for (const [b, m] of this.#adj[a]) {
        tgt[e] = b;
        msk[e++] = m;
      }
    }
    off[this.n] = e;
    return { n: this.n, off, tgt, msk };
  }
}

/** Thrown for a history Elle cannot analyse (it throws too, and Maelstrom reports
 * `"valid?": "unknown"`): one value read was the final write of two or more ok transactions, the
 * keys are of mixed types, or a consistency model is unknown. */
class Unanalysable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Unanalysable";
  }
}

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

/** Pairs each completion with its invocation (the previous open invoke of the same process). */
function invocations(history: readonly Op[]): Map<Op, Op> {
  const open = new Map<number, Op>();
  const out = new Map<Op, Op>();
  for (const op of history) {
    if (!isClientTxn(op)) continue;
    const p = op.process as number;
    if (op.type === "invoke") open.set(p, op);
    else {
      const inv = open.get(p);
      if (inv) out.set(op, inv);
      open.delete(p);
    }
  }
  return out;
}

/** Adds Elle's realtime edges in transitively reduced form: a buffer holds the ok completions not
 * yet superseded; every invocation links the buffer to its completion, and an ok completion
 * replaces in the buffer everything that links to it. Edges to fail or info completions cannot lie
 * on a cycle, but they do make the graph non-empty, so they are counted.
 *
 * @returns whether any edge ended at a non-ok completion
 */
function addRealtimeEdges(
  graph: DependencyGraph,
  history: readonly Op[],
  nodeOf: ReadonlyMap<Op, number>,
): boolean {
  const completionOf = new Map<Op, Op>();
  for (const [c, i] of invocations(history)) completionOf.set(i, c);
  const buffer = new Set<number>();
  const preds = new Map<Op, number[]>();
  let toNonOk = false;
  for (const op of history) {
    if (!isClientTxn(op)) continue;
    if (op.type === "invoke") {
      const c = completionOf.get(op);
      if (!c || buffer.size === 0) continue;
      const target = nodeOf.get(c);
      if (target === undefined) {
        toNonOk = true;
        continue;
      }
      const ps = [...buffer];
      preds.set(c, ps);
      for (const p of ps) graph.link(p, target, REALTIME);
    } else if (op.type === "ok") {
      const me = nodeOf.get(op)!;
      const ps = preds.get(op);
      if (ps) {
        for (const p of ps) buffer.delete(p);
        preds.delete(op);
      }
      buffer.add(me);
    }
  }
  return toNonOk;
}

/** Links successive ok transactions of each process. */
function addProcessEdges(graph: DependencyGraph, oks: readonly Txn[]): void {
  const last = new Map<unknown, number>();
  oks.forEach((t, i) => {
    const prev = last.get(t.op.process);
    if (prev !== undefined) graph.link(prev, i, PROCESS);
    last.set(t.op.process, i);
  });
}

// ---------------------------------------------------------------------------------------------
// Graph algorithms

/** Strongly connected components by Tarjan's algorithm, iteratively (histories of tens of
 * thousands of transactions would overflow a recursive version). Components come out in reverse
 * topological order: every edge between two components points to one emitted earlier. */
function tarjan(g: Digraph): { comp: Int32Array; comps: number[][] } {
  const n = g.n;
  const index = new Int32Array(n).fill(-1), low = new Int32Array(n);
  const onStack = new Uint8Array(n), comp = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n), callV = new Int32Array(n), callE = new Int32Array(n);
  const comps: number[][] = [];
  let counter = 0, top = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let sp = 0;
    callV[0] = root;
    callE[0] = g.off[root];
    index[root] = low[root] = counter++;
    stack[top++] = root;
    onStack[root] = 1;
    while (sp >= 0) {
      const v = callV[sp], e = callE[sp];
      if (e < g.off[v + 1]) {
        callE[sp] = e + 1;
        const w = g.tgt[e];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[top++] = w;
          onStack[w] = 1;
          callV[++sp] = w;
          callE[sp] = g.off[w];
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack[--top];
          onStack[w] = 0;
          comp[w] = comps.length;
          members.push(w);
        } while (w !== v);
        comps.push(members.sort((a, b) => a - b));
      }
      sp--;
      if (sp >= 0 && low[v] < low[callV[sp]]) low[callV[sp]] = low[v];
    }
  }
  return { comp, comps };
}

function hasSelfLoop(g: Digraph, v: number): boolean {
  for (let e = g.off[v]; e < g.off[v + 1]; e++) if (g.tgt[e] === v) return true;
  return false;
}

/** Whether a component holds a cycle: two or more vertices, or one with a self-edge. */
function nontrivial(g: Digraph, members: readonly number[]): boolean {
  return members.length > 1 || hasSelfLoop(g, members[0]);
}

/** The shortest path `from → ... → to` (both included; `[from]` when equal), optionally only
 * through vertices of component `c`. */
function bfsPath(
  g: Digraph,
  from: number,
  to: number,
  comp?: Int32Array,
  c?: number,
): number[] | undefined {
  if (from === to) return [from];
  const parent = new Int32Array(g.n).fill(-2);
  parent[from] = -1;
  const queue = [from];
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi];
    for (let e = g.off[u]; e < g.off[u + 1]; e++) {
      const w = g.tgt[e];
      if (parent[w] !== -2 || (comp && comp[w] !== c)) continue;
      parent[w] = u;
      if (w === to) {
        const path = [w];
        for (let x = u; x !== -1; x = parent[x]) path.push(x);
        return path.reverse();
      }
      queue.push(w);
    }
  }
  return undefined;
}

/** The shortest cycle `[s, ..., s]` through `s`, staying inside s's component: one BFS from
 * `s`, stopped at the first vertex with an edge back to `s`. */
function cycleThrough(g: Digraph, s: number, comp: Int32Array): number[] | undefined {
  const parent = new Int32Array(g.n).fill(-2);
  parent[s] = -1;
  const queue = [s];
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi];
    for (let e = g.off[u]; e < g.off[u + 1]; e++) {
      const w = g.tgt[e];
      if (w === s) {
        const path = [s];
        for (let x = u; x !== -1; x = parent[x]) path.push(x);
        return path.reverse();
      }
      if (parent[w] !== -2 || comp[w] !== comp[s]) continue;
      parent[w] = u;
      queue.push(w);
    }
  }
  return undefined;
}

/** A subgraph induced by one component of the dependency graph, with local vertex numbers. */
interface LocalGraph extends KindGraph {
  /** Local vertex → dependency-graph vertex. */
  verts: readonly number[];
}

function localGraph(g: KindGraph, verts: readonly number[], localOf: Int32Array): LocalGraph {
  verts.forEach((v, i) => localOf[v] = i);
  let m = 0;
  for (const v of verts) {
    for (let e = g.off[v]; e < g.off[v + 1]; e++) if (localOf[g.tgt[e]] >= 0) m++;
  }
  const off = new Int32Array(verts.length + 1), tgt = new Int32Array(m), msk = new Uint8Array(m);
  let j = 0;
  verts.forEach((v, i) => {
    off[i] = j;
    for (let e = g.off[v]; e < g.off[v + 1]; e++) {
      const w = localOf[g.tgt[e]];
      if (w < 0) continue;
      tgt[j] = w;
      msk[j++] = g.msk[e];
    }
  });
  off[verts.length] = j;
  for (const v of verts) localOf[v] = -1;
  return { n: verts.length, off, tgt, msk, verts };
}

/** The edges of `g` that carry any of `kinds`. */
function project(g: KindGraph, kinds: number): Digraph {
  const off = new Int32Array(g.n + 1);
  const tgt: number[] = [];
  for (let v = 0; v < g.n; v++) {
    off[v] = tgt.length;
    for (let e = g.off[v]; e < g.off[v + 1]; e++) if (g.msk[e] & kinds) tgt.push(g.tgt[e]);
  }
  off[g.n] = tgt.length;
  return { n: g.n, off, tgt: Int32Array.from(tgt) };
}

/** The snapshot-isolation projection: edges of `kinds`, plus a → c wherever a → b by `kinds` and
 * b → c by `rw`. A cycle here is a cycle of the full graph in which every `rw` edge follows a
 * non-`rw` one, so no two `rw` edges are adjacent. `witness[e]` is the b of a composed edge (-1
 * for a direct one). */
function composeRw(g: KindGraph, kinds: number): Digraph & { witness: Int32Array } {
  const stamp = new Int32Array(g.n).fill(-1);
  const off = new Int32Array(g.n + 1);
  const tgt: number[] = [], witness: number[] = [];
  for (let a = 0; a < g.n; a++) {
    off[a] = tgt.length;
    for (let e = g.off[a]; e < g.off[a + 1]; e++) {
      if (!(g.msk[e] & kinds) || stamp[g.tgt[e]] === a) continue;
      stamp[g.tgt[e]] = a;
      tgt.push(g.tgt[e]);
      witness.push(-1);
    }
    for (let e = g.off[a]; e < g.off[a + 1]; e++) {
      if (!(g.msk[e] & kinds)) continue;
      const b = g.tgt[e];
      for (let f = g.off[b]; f < g.off[b + 1]; f++) {
        const c = g.tgt[f];
        if (!(g.msk[f] & RW) || stamp[c] === a) continue;
        stamp[c] = a;
        tgt.push(c);
        witness.push(b);
      }
    }
  }
  off[g.n] = tgt.length;
  return { n: g.n, off, tgt: Int32Array.from(tgt), witness: Int32Array.from(witness) };
}

/** Finds one pair (a, b) of `pairs` such that `b` reaches `a` in `g`, exactly. Pairs whose ends
 * share a component answer at once; the rest are settled by reachability bitsets over the
 * condensation, computed in chunks of at most 1024 target components so memory stays linear. */
function findReachingPair(
  g: Digraph,
  sccs: { comp: Int32Array; comps: number[][] },
  pairs: readonly (readonly [number, number])[],
): readonly [number, number] | undefined {
  const { comp, comps } = sccs;
  for (const p of pairs) if (comp[p[0]] === comp[p[1]]) return p;
  const bitOf = new Int32Array(comps.length).fill(-1);
  let targets = 0;
  for (const [a] of pairs) if (bitOf[comp[a]] < 0) bitOf[comp[a]] = targets++;
  const words = Math.min(32, Math.ceil(targets / 32)), chunk = words * 32;
  const rows = new Uint32Array(comps.length * words);
  for (let base = 0; base < targets; base += chunk) {
    rows.fill(0);
    // Components come in reverse topological order, so successors' rows are complete.
    for (let c = 0; c < comps.length; c++) {
      const row = c * words, bit = bitOf[c] - base;
      if (bitOf[c] >= 0 && bit >= 0 && bit < chunk) rows[row + (bit >>> 5)] |= 1 << (bit & 31);
      for (const u of comps[c]) {
        for (let e = g.off[u]; e < g.off[u + 1]; e++) {
          const d = comp[g.tgt[e]];
          if (d === c) continue;
          const other = d * words;
          for (let w = 0; w < words; w++) rows[row + w] |= rows[other + w];
        }
      }
    }
    for (const p of pairs) {
      const bit = bitOf[comp[p[0]]] - base;
      if (bit < 0 || bit >= chunk) continue;
      if (rows[comp[p[1]] * words + (bit >>> 5)] & (1 << (bit & 31))) return p;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Cycle explanation

/** One explained step of a cycle, with Elle's keys. */
type Step =
  | { type: "wr"; key: unknown; value: unknown; "a-mop-index": number; "b-mop-index": number }
  | {
    type: "ww" | "rw";
    key: unknown;
    value: unknown;
    "value'": unknown;
    "a-mop-index": number;
    "b-mop-index": number;
  }
  | { type: "process"; process: unknown }
  | { type: "realtime"; "a-end-index": number; "b-start-index": number | null };

/** A typed cycle: ops `[T1, ..., T1]` and the step between each consecutive pair. */
interface CycleAnomaly {
  type: string;
  cycle: Op[];
  steps: Step[];
  explanation: string;
}

/** The order Elle's explainers are asked in: wr, then ww, then rw, then the extra graphs. */
const ELLE_ORDER = [WR, WW, RW, PROCESS, REALTIME] as const;
/** The order for OUR ADDITION's G0 records, which name a write cycle by its ww steps. */
const WW_FIRST_ORDER = [WW, PROCESS, REALTIME, WR, RW] as const;

/** What the explainers need to know about the history. */
interface ExplainContext {
  oks: readonly Txn[];
  graph: DependencyGraph;
  orders: VersionOrders;
  invokeOf: ReadonlyMap<Op, Op>;
}

function precedes(orders: VersionOrders, k: Canon, v1: Canon, v2: Canon): boolean {
  return orders.get(k)?.get(v1)?.has(v2) ?? false;
}

/** Explains the step a → b with the first explainer (in `order`) that applies. */
function explainStep(ctx: ExplainContext, a: number, b: number, order: readonly number[]): Step {
  const ta = ctx.oks[a], tb = ctx.oks[b];
  const mask = ctx.graph.mask(a, b);
  for (const kind of order) {
    if (!(mask & kind)) continue;
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
    } else if (kind === WW || kind === RW) {
      const from = kind === WW ? ta.extWrites : ta.extReads;
      for (const [k, m] of from) {
        const w = tb.extWrites.get(k);
        if (w && precedes(ctx.orders, k, m.v, w.v)) {
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
    } else if (kind === PROCESS) {
      return { type: "process", process: ta.op.process };
    } else {
      return {
        type: "realtime",
        "a-end-index": ta.op.index,
        "b-start-index": ctx.invokeOf.get(tb.op)?.index ?? null,
      };
    }
  }
  throw new Error(`No dependency explains the step from ${opName(ta.op)} to ${opName(tb.op)}`);
}

/** Elle's classification of an explained cycle by the kinds of its steps. */
function classify(steps: readonly Step[]): string {
  const n = steps.length;
  const isRw = (i: number) => steps[((i % n) + n) % n].type === "rw";
  let rw = 0, wr = 0, adjacent = false;
  steps.forEach((s, i) => {
    if (s.type === "rw") {
      rw++;
      if (isRw(i + 1)) adjacent = true;
    } else if (s.type === "wr") wr++;
  });
  const base = rw === 1
    ? "G-single-item"
    : rw >= 2
    ? (adjacent ? "G2-item" : "G-nonadjacent-item")
    : wr > 0
    ? "G1c"
    : "G0";
  if (steps.some((s) => s.type === "realtime")) return `${base}-realtime`;
  if (steps.some((s) => s.type === "process")) return `${base}-process`;
  return base;
}

/** What each cycle type means and what to do about it, for explanations. */
const CYCLE_HINTS: Readonly<Record<string, string>> = {
  "G0": "a write cycle: the transactions' writes interleave, so different keys saw their " +
    "writes in different orders. Apply each transaction's writes atomically, in one order " +
    "that every replica agrees on",
  "G1c": "circular information flow: each transaction (transitively) saw or overwrote the " +
    "other's effects. Only committed, final writes may be visible, and each transaction's " +
    "writes must be installed together",
  "G-single-item": "read skew: the cycle has exactly one anti-dependency, so one transaction " +
    "missed a write that the rest of the cycle already depends on",
  "G-nonadjacent-item": "a cycle whose anti-dependencies are never adjacent, which snapshot " +
    "isolation forbids",
  "G2-item": "an anti-dependency cycle (such as write skew), which serializability forbids",
};

function hintFor(type: string): string {
  const base = type.replace(/-(process|realtime)$/, "");
  const suffix = type === base
    ? ""
    : ` (counting ${type.endsWith("-process") ? "process order" : "real-time order"} as well)`;
  return (CYCLE_HINTS[base] ?? "a dependency cycle") + suffix;
}

function describeStep(s: Step, a: string, b: string, ta: Txn, tb: Txn): string {
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
    case "process":
      return `${a} < ${b} because process ${String(s.process)} ran ${a} before ${b} (process)`;
    case "realtime":
      return `${a} < ${b} because ${a} completed (op ${ta.op.index}) before ${b} began (op ` +
        `${s["b-start-index"] ?? tb.op.index}) (realtime)`;
  }
}

/** Explains a cycle of dependency-graph vertices `[v0, ..., v0]` as an anomaly record. */
function explainCycle(
  ctx: ExplainContext,
  cycle: readonly number[],
  order: readonly number[],
): CycleAnomaly {
  const steps: Step[] = [];
  for (let i = 0; i + 1 < cycle.length; i++) {
    steps.push(explainStep(ctx, cycle[i], cycle[i + 1], order));
  }
  const type = classify(steps);
  const names = new Map<number, string>();
  for (const v of cycle) if (!names.has(v)) names.set(v, `T${names.size + 1}`);
  const parts = steps.map((s, i) =>
    describeStep(
      s,
      names.get(cycle[i])!,
      names.get(cycle[i + 1])!,
      ctx.oks[cycle[i]],
      ctx.oks[cycle[i + 1]],
    )
  );
  const who = [...names].map(([v, name]) => `${name} is ${opName(ctx.oks[v].op)}`);
  return {
    type,
    cycle: cycle.map((v) => ctx.oks[v].op),
    steps,
    explanation: `${type}: ${parts.join("; ")}. That is a cycle, so no order of these ` +
      `transactions explains what they observed; this is ${hintFor(type)}. ` +
      `${who.join(", ")}.`,
  };
}

/** Rotates a cycle `[v0, ..., v0]` to start at its smallest vertex (the earliest op). */
function rotate(cycle: readonly number[]): number[] {
  const body = cycle.slice(0, -1);
  let at = 0;
  body.forEach((v, i) => {
    if (v < body[at]) at = i;
  });
  const out = [...body.slice(at), ...body.slice(0, at)];
  out.push(out[0]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cycle search

/** Elle's `<model>-cycle-exists` cases, in the order they are tried: the model, the edge kinds
 * of its projection, and whether rw edges join through the snapshot-isolation composition. */
const CYCLE_EXISTS: readonly {
  type: string;
  model: string;
  kinds: number;
  composed: boolean;
  subgraph: string[];
}[] = ([
  ["PL-1", "read-uncommitted", WW, false],
  ["PL-2", "read-committed", WW | WR, false],
  ["PL-SI", "snapshot-isolation", WW | WR, true],
  ["PL-2.99", "repeatable-read", WW | WR | RW, false],
  ["PL-3", "serializable", WW | WR | RW, false],
  ["strong-session-PL-1", "strong-session-read-uncommitted", WW | PROCESS, false],
  ["strong-session-PL-2", "strong-session-read-committed", WW | WR | PROCESS, false],
  [
    "strong-session-snapshot-isolation",
    "strong-session-snapshot-isolation",
    WW | WR | PROCESS,
    true,
  ],
  ["strong-session-serializable", "strong-session-serializable", WW | WR | RW | PROCESS, false],
  ["strong-PL-1", "strong-read-uncommitted", WW | REALTIME, false],
  ["strong-PL-2", "strong-read-committed", WW | WR | REALTIME, false],
  ["strong-snapshot-isolation", "strong-snapshot-isolation", WW | WR | REALTIME, true],
  ["PL-SS", "strict-serializable", WW | WR | RW | REALTIME, false],
] as const).map(([name, model, kinds, composed]) => ({
  type: `${name}-cycle-exists`,
  model,
  kinds,
  composed,
  subgraph: composed
    ? [...kindNames(kinds), `(${kindNames(kinds).join("|")});rw`]
    : kindNames(kinds),
}));

function kindNames(kinds: number): string[] {
  const names: [number, string][] = [
    [WW, "ww"],
    [WR, "wr"],
    [RW, "rw"],
    [PROCESS, "process"],
    [REALTIME, "realtime"],
  ];
  return names.filter(([k]) => kinds & k).map(([, n]) => n);
}

/** Each cycle-exists type and the model it rules out, for the result map's rule that drops a
 * cycle-exists case whose model another reported type already rules out. */
const CYCLE_EXISTS_MODEL: ReadonlyMap<string, string> = new Map(
  CYCLE_EXISTS.map((c) => [c.type, c.model]),
);

/** How a typed search looks for its cycle. */
type Finder = "g0" | "g1c" | "single" | "nonadjacent" | "g2";

/** The typed searches in severity order. `model` is the model whose cycle-exists case must have
 * fired for the type to be possible at all (Elle's "skip types a still-possible model forbids").
 * Elle's non-item types (G-single, G-nonadjacent, G2) are not searched separately: rw-register
 * has only item anti-dependencies, so their cycles always classify as the item types, which are
 * searched first and make them redundant. */
const TYPED_SEARCHES: readonly { type: string; model: string; finder: Finder; extra: number }[] = ([
  ["", 0, ["read-uncommitted", "read-committed", "snapshot-isolation", "repeatable-read"]],
  ["-process", PROCESS, [
    "strong-session-read-uncommitted",
    "strong-session-read-committed",
    "strong-session-snapshot-isolation",
    "strong-session-serializable",
  ]],
  ["-realtime", REALTIME, [
    "strong-read-uncommitted",
    "strong-read-committed",
    "strong-snapshot-isolation",
    "strict-serializable",
  ]],
] as const).flatMap(([suffix, extra, [ru, rc, si, rr]]) =>
  ([
    ["G0", ru, "g0"],
    ["G1c", rc, "g1c"],
    ["G-single-item", si, "single"],
    ["G-nonadjacent-item", si, "nonadjacent"],
    ["G2-item", rr, "g2"],
  ] as const).map(([type, model, finder]) => ({ type: `${type}${suffix}`, model, finder, extra }))
);

/** Anomaly implications used for redundancy: finding the key makes each listed type redundant
 * (a model prohibiting the weaker type always prohibits the stronger one too). */
const IMPLIED_ANOMALIES: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const base: Record<string, string[]> = {
    "G0": ["G1c"],
    "G1c": ["G-single-item", "G-single"],
    "G-single-item": ["G-single", "G-nonadjacent-item"],
    "G-single": ["G-nonadjacent"],
    "G-nonadjacent-item": ["G-nonadjacent", "G2-item"],
    "G-nonadjacent": ["G2"],
    "G2-item": ["G2"],
    "G2": [],
  };
  const direct = new Map<string, string[]>();
  for (const [a, bs] of Object.entries(base)) {
    direct.set(a, [...bs, `${a}-process`]);
    direct.set(`${a}-process`, [...bs.map((b) => `${b}-process`), `${a}-realtime`]);
    direct.set(`${a}-realtime`, bs.map((b) => `${b}-realtime`));
  }
  const closure = new Map<string, Set<string>>();
  const visit = (a: string): Set<string> => {
    const known = closure.get(a);
    if (known) return known;
    const set = new Set<string>([a]);
    closure.set(a, set);
    for (const b of direct.get(a) ?? []) for (const x of visit(b)) set.add(x);
    return set;
  };
  for (const a of direct.keys()) visit(a);
  return closure;
})();

/** Records found in one component: Elle's, and OUR ADDITION's G0 names. */
interface ComponentFindings {
  elle: { type: string; record: unknown }[];
  ours: CycleAnomaly[];
}

/** Analyses one strongly connected component of the dependency graph (size two or more): the
 * cycle-exists cases, then one cycle per possible type, complete (no time budget). */
function analyseComponent(
  ctx: ExplainContext,
  local: LocalGraph,
  has: { process: boolean; realtime: boolean },
): ComponentFindings {
  const out: ComponentFindings = { elle: [], ours: [] };
  const toOps = (vs: readonly number[]) => vs.map((v) => ctx.oks[local.verts[v]].op.index);
  const cache = new Map<string, { g: Digraph; sccs: ReturnType<typeof tarjan> }>();
  const view = (kinds: number, composed: boolean) => {
    const key = `${kinds}/${composed}`;
    let hit = cache.get(key);
    if (!hit) {
      const g = composed ? composeRw(local, kinds) : project(local, kinds);
      cache.set(key, hit = { g, sccs: tarjan(g) });
    }
    return hit;
  };
  const usable = (kinds: number) =>
    (!(kinds & PROCESS) || has.process) && (!(kinds & REALTIME) || has.realtime);

  // Step 1: cycle-exists cases. A model with a cycle rules out itself and every stronger model.
  const ruledOut = new Set<string>();
  for (const c of CYCLE_EXISTS) {
    if (ruledOut.has(c.model) || !usable(c.kinds)) continue;
    const { g, sccs } = view(c.kinds, c.composed);
    let smallest: number[] | undefined;
    for (const members of sccs.comps) {
      if (nontrivial(g, members) && (!smallest || members.length < smallest.length)) {
        smallest = members;
      }
    }
    if (!smallest) continue;
    for (const [m, implied] of IMPLIED_MODELS) if (implied.has(c.model)) ruledOut.add(m);
    const scc = toOps(smallest).sort((a, b) => a - b);
    out.elle.push({
      type: c.type,
      record: {
        type: c.type,
        not: c.model,
        subgraph: c.subgraph,
        "scc-size": scc.length,
        scc,
        explanation:
          `${scc.length === 1 ? "Op" : "Ops"} ${scc.join(", ")} ${
            scc.length === 1 ? "depends on itself" : "are joined in a cycle"
          } using only ${c.subgraph.join(", ")} dependencies, so the history is not ` +
          `${c.model}.`,
      },
    });
  }

  // Step 2: typed searches, in severity order, skipping impossible and redundant types.
  const done = new Set<string>();
  for (const s of TYPED_SEARCHES) {
    if (done.has(s.type) || !ruledOut.has(s.model) || (s.extra && !usable(s.extra))) continue;
    const found = findTypedCycle(local, s.finder, s.extra, view);
    if (!found) continue;
    const cycle = rotate(found).map((v) => local.verts[v]);
    const record = explainCycle(ctx, cycle, ELLE_ORDER);
    out.elle.push({ type: record.type, record });
    for (const t of [s.type, record.type]) {
      for (const x of IMPLIED_ANOMALIES.get(t) ?? [t]) done.add(x);
    }
    // OUR ADDITION: Elle explains each ww step of a write cycle as wr (every ww edge is also a
    // wr edge under unique writes) and so labels it G1c. We also report it as G0, by its ww steps.
    if (s.finder === "g0" && record.type !== s.type) {
      const g0 = explainCycle(ctx, cycle, WW_FIRST_ORDER);
      g0.explanation += ` Elle labels this cycle ${record.type}, because each of its ww ` +
        `steps is also a wr step; also reporting it as ${g0.type} is our addition.`;
      out.ours.push(g0);
    }
  }
  return out;
}

/** Finds one cycle of a typed search in a component, as local vertices `[v0, ..., v0]`.
 *
 * Each finder relies on the searches before it having come up empty (or on the type being
 * impossible), which the redundancy rules guarantee: by the time G-single-item is searched, the
 * non-rw edges are acyclic; by G-nonadjacent-item, no cycle has exactly one rw edge; by G2-item,
 * none has non-adjacent rw edges. So "any cycle of the right projection" has the right type. */
function findTypedCycle(
  local: LocalGraph,
  finder: Finder,
  extra: number,
  view: (kinds: number, composed: boolean) => { g: Digraph; sccs: ReturnType<typeof tarjan> },
): number[] | undefined {
  const firstCycle = (g: Digraph, sccs: ReturnType<typeof tarjan>) => {
    for (const members of sccs.comps) {
      if (nontrivial(g, members)) return cycleThrough(g, members[0], sccs.comp);
    }
    return undefined;
  };
  const plain = WW | WR | extra;
  switch (finder) {
    case "g0": {
      const { g, sccs } = view(WW | extra, false);
      return firstCycle(g, sccs);
    }
    case "g1c": {
      // A wr edge inside a component of the ww ∪ wr projection closes a cycle containing it.
      const { g, sccs } = view(plain, false);
      for (let u = 0; u < local.n; u++) {
        for (let e = local.off[u]; e < local.off[u + 1]; e++) {
          const v = local.tgt[e];
          if (!(local.msk[e] & WR) || sccs.comp[u] !== sccs.comp[v]) continue;
          if (u === v) return [u, u];
          const back = bfsPath(g, v, u, sccs.comp, sccs.comp[u]);
          if (back) return [u, ...back];
        }
      }
      return undefined;
    }
    case "single": {
      // Exactly one rw edge a → b, closed by a non-rw path b → ... → a.
      const { g, sccs } = view(plain, false);
      const pairs: [number, number][] = [];
      for (let a = 0; a < local.n; a++) {
        for (let e = local.off[a]; e < local.off[a + 1]; e++) {
          if (local.msk[e] & RW && local.tgt[e] !== a) pairs.push([a, local.tgt[e]]);
        }
      }
      const hit = findReachingPair(g, sccs, pairs);
      if (!hit) return undefined;
      const back = bfsPath(g, hit[1], hit[0]);
      return back ? [hit[0], ...back] : undefined;
    }
    case "nonadjacent": {
      const composed = view(plain, true);
      const g = composed.g as Digraph & { witness: Int32Array };
      const cycle = firstCycle(g, composed.sccs);
      if (!cycle) return undefined;
      // Expand each composed edge a → c back into a → b → c. The result is a closed walk; in
      // rare histories it can visit a transaction twice.
      const walk = [cycle[0]];
      for (let i = 0; i + 1 < cycle.length; i++) {
        const a = cycle[i], c = cycle[i + 1];
        for (let e = g.off[a]; e < g.off[a + 1]; e++) {
          if (g.tgt[e] !== c) continue;
          if (g.witness[e] >= 0) walk.push(g.witness[e]);
          break;
        }
        walk.push(c);
      }
      return walk;
    }
    case "g2": {
      const { g, sccs } = view(plain | RW, false);
      return firstCycle(g, sccs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The checker

/** Options of {@linkcode checkRwRegister}.
 *
 * @example
 * ```ts
 * import type { RwRegisterCheckOptions } from "./elle_rw.ts";
 * const opts: RwRegisterCheckOptions = { consistencyModels: ["read-committed"] };
 * ```
 */
export interface RwRegisterCheckOptions {
  /** Maelstrom's `--consistency-models`, such as `["read-committed"]`. Names are those of
   * {@linkcode CONSISTENCY_MODEL_NAMES}; several combine by union. */
  consistencyModels: string[];
}

/** Checks a `txn-rw-register` history the way Maelstrom does (Elle's rw-register checker with
 * `wfr-keys? true`, then Maelstrom's wrapper), plus two additions of ours: write cycles are also
 * named `G0`, and reads of values nobody wrote are `garbage-read`; both are prohibited at
 * read-uncommitted and above.
 *
 * The result is `{"valid?": true}` when nothing the models prohibit was found, and otherwise
 * `{"valid?": false, "anomaly-types", "anomalies", "not", "also-not"}`, where every anomaly record
 * has an `explanation`. It is `{"valid?": "unknown", error}` when the history cannot be analysed
 * (an unknown model name, keys of mixed types, or one value written by two ok transactions).
 *
 * @example
 * ```ts
 * import { checkRwRegister } from "./elle_rw.ts";
 * import type { Op } from "../types.ts";
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
export function checkRwRegister(
  history: readonly Op[],
  opts: RwRegisterCheckOptions,
): CheckResult {
  try {
    return check(history, opts);
  } catch (e) {
    if (e instanceof Unanalysable) {
      return { "valid?": "unknown", error: e.message };
    }
    throw e;
  }
}

function check(history: readonly Op[], opts: RwRegisterCheckOptions): CheckResult {
  for (const name of opts.consistencyModels) {
    if (friendlyModel(name) === undefined) {
      throw new Unanalysable(
        `Unknown consistency model ${quote(name)}; expected one of ${
          CONSISTENCY_MODEL_NAMES.map((n) => quote(n)).join(", ")
        }`,
      );
    }
  }
  const prohibited = prohibitedAnomalies(opts.consistencyModels);
  const reportable = new Set([...prohibited, "empty-transaction-graph", "cycle-search-timeout"]);

  const clientOps = history.filter(isClientTxn);
  const ops = clientOps.map(readTxn);
  checkKeyTypes(ops);
  const oks = ops.filter((t) => t.op.type === "ok");

  const found = new Map<string, unknown[]>();
  const add = (type: string, records: readonly unknown[]) => {
    if (records.length === 0) return;
    const list = found.get(type) ?? [];
    list.push(...records);
    found.set(type, list);
  };
  add("G1a", findG1a(ops, oks));
  add("G1b", findG1b(ops, oks));
  add("internal", findInternal(oks));
  add("lost-update", findLostUpdates(oks));

  const { orders, cyclic } = buildVersionOrders(ops, oks);
  add("cyclic-versions", cyclic);

  const graph = new DependencyGraph(oks.length);
  addDataEdges(graph, oks, orders);
  // Elle adds real-time edges when a prohibited type needs them, else process edges if one
  // does; never both.
  const types = [...reportable];
  const has = { process: false, realtime: false };
  let edgesToNonOk = false;
  if (types.some((t) => t.endsWith("-realtime"))) {
    const nodeOf = new Map(oks.map((t, i) => [t.op, i]));
    edgesToNonOk = addRealtimeEdges(graph, clientOps, nodeOf);
    has.realtime = true;
  } else if (types.some((t) => t.endsWith("-process"))) {
    addProcessEdges(graph, oks);
    has.process = true;
  }
  if (graph.edgeCount === 0 && !edgesToNonOk) {
    add("empty-transaction-graph", [{
      explanation: `Empty transaction graph: none of the ${oks.length} ok transactions ` +
        `depends on another (no read saw another transaction's write, and no write ` +
        `overwrote a value another transaction read or wrote), so there is nothing to check. ` +
        `Make sure ok replies carry the values read, and that most transactions succeed.`,
    }]);
  }

  const ctx: ExplainContext = { oks, graph, orders, invokeOf: invocations(clientOps) };
  const ours = new Map<string, unknown[]>();
  const frozen = graph.freeze();
  const localOf = new Int32Array(frozen.n).fill(-1);
  for (const members of tarjan(frozen).comps) {
    if (members.length < 2) continue;
    const findings = analyseComponent(ctx, localGraph(frozen, members, localOf), has);
    for (const { type, record } of findings.elle) add(type, [record]);
    for (const record of findings.ours) {
      ours.set(record.type, [...(ours.get(record.type) ?? []), record]);
    }
  }
  // OUR ADDITION: garbage reads.
  const garbage = findGarbageReads(ops, oks);
  if (garbage.length > 0) ours.set("garbage-read", garbage);

  return resultMap(found, ours, prohibited, reportable);
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

/** Elle's `result-map`, Maelstrom's wrapper, then OUR ADDITIONS on top. */
function resultMap(
  found: ReadonlyMap<string, unknown[]>,
  ours: ReadonlyMap<string, unknown[]>,
  prohibited: ReadonlySet<string>,
  reportable: ReadonlySet<string>,
): CheckResult {
  // Elle: keep reportable types, then drop cycle-exists cases already explained by other types.
  const kept = [...found.keys()].filter((t) => reportable.has(t));
  const explained = modelsRuledOutBy(kept.filter((t) => !CYCLE_EXISTS_MODEL.has(t)));
  const elleTypes = kept.filter((t) =>
    !CYCLE_EXISTS_MODEL.has(t) || !explained.has(CYCLE_EXISTS_MODEL.get(t)!)
  );
  // Maelstrom's wrapper would drop cycle-search-timeout here; we never produce it.
  const anomalies: Record<string, unknown[]> = {};
  for (const t of elleTypes) anomalies[t] = [...found.get(t)!];
  for (const [t, records] of ours) {
    if (!prohibited.has(t)) continue;
    anomalies[t] = [...(anomalies[t] ?? []), ...records];
  }
  const anomalyTypes = Object.keys(anomalies).sort();
  if (anomalyTypes.length === 0) return { "valid?": true };
  const { not, alsoNot } = notAndAlsoNot(modelsRuledOutBy([...found.keys(), ...ours.keys()]));
  const result: CheckResult = {
    "valid?": false,
    "anomaly-types": anomalyTypes,
    anomalies: Object.fromEntries(anomalyTypes.map((t) => [t, anomalies[t]])),
  };
  if (not.length > 0) result.not = not;
  if (alsoNot.length > 0) result["also-not"] = alsoNot;
  return result;
}
