/**
 * The parts of an Elle-style transaction checker that do not depend on the data model: the
 * consistency models and the anomalies each prohibits, the dependency graph over transactions
 * (with `ww`, `wr` and `rw` edges, plus `process` or `realtime` edges when the models ask for
 * them), the cycle search per strongly connected component with its explanations, and Elle's
 * result map. The `txn-rw-register` checker (`elle_rw.ts`) and the `txn-list-append` checker
 * (`elle_list_append.ts`) each build the graph from their own reading of the history and hand
 * it here through a {@linkcode CycleContext}.
 *
 * The cycle search, restated from the spec (`checkers.md` §3.5): per component, the
 * `<model>-cycle-exists` cases first, then typed cycles (G0, G1c, G-single-item,
 * G-nonadjacent-item, G2-item and their `-process` / `-realtime` variants) in severity order,
 * each explained step by step. We always search completely, so `cycle-search-timeout` never
 * occurs.
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";
import { jsonKey, quote } from "../workloads/schema.ts";

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

/** Every consistency model name the txn checkers accept: friendly names first, then Adya-style
 * aliases. A CLI can validate `--consistency-models` against it.
 *
 * @example
 * ```ts
 * import { CONSISTENCY_MODEL_NAMES } from "./elle_graph.ts";
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
 * import { prohibitedAnomalies } from "./elle_graph.ts";
 * prohibitedAnomalies(["read-uncommitted"]).has("G0"); // true
 * prohibitedAnomalies(["read-uncommitted"]).has("G1c"); // false
 * ```
 */
export function prohibitedAnomalies(models: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const name of models) {
    const m = friendlyModel(name);
    if (m === undefined) throw new RangeError(unknownModel(name));
    for (const a of PROHIBITED_BY_MODEL.get(m)!) out.add(a);
  }
  return out;
}

function unknownModel(name: string): string {
  return `Unknown consistency model ${quote(name)}; expected one of ${
    CONSISTENCY_MODEL_NAMES.map((n) => quote(n)).join(", ")
  }`;
}

/** What a txn checker needs to know about the models it checks: the anomaly types they prohibit,
 * and the reportable ones (prohibited, plus Elle's two "unknown" types). Throws
 * {@linkcode Unanalysable} for a model name it does not know, which a checker reports as
 * `"valid?": "unknown"`, as Maelstrom does when Elle throws.
 *
 * @example
 * ```ts
 * import { modelAnomalies } from "./elle_graph.ts";
 * modelAnomalies(["read-committed"]).reportable.has("empty-transaction-graph"); // true
 * ```
 */
export function modelAnomalies(
  models: readonly string[],
): { prohibited: Set<string>; reportable: Set<string> } {
  for (const name of models) {
    if (friendlyModel(name) === undefined) throw new Unanalysable(unknownModel(name));
  }
  const prohibited = prohibitedAnomalies(models);
  const reportable = new Set([...prohibited, "empty-transaction-graph", "cycle-search-timeout"]);
  return { prohibited, reportable };
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
// Values and ops

/** A value usable as a `Map` key with Clojure's value equality: primitives stand for themselves,
 * and arrays or objects (which a misbehaving node could return) become a canonical string.
 *
 * @example
 * ```ts
 * import { canon, type Canon } from "./elle_graph.ts";
 * const seen = new Set<Canon>([canon([1, 2])]);
 * seen.has(canon([1, 2])); // true
 * ```
 */
export type Canon = string | number | boolean | bigint | null;

/** Prefix that keeps canonical strings of structured values apart from genuine strings. */
const STRUCTURED = "\u0000json:";

/** The {@linkcode Canon} of a JSON value (`undefined` counts as `null`).
 *
 * @example
 * ```ts
 * import { canon } from "./elle_graph.ts";
 * canon([1, 2]) === canon([1, 2]); // true
 * ```
 */
export function canon(x: unknown): Canon {
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

/** Whether an op is a client's `txn` op (nemesis ops and other `f`s take part in no analysis).
 *
 * @example
 * ```ts
 * import { isClientTxn } from "./elle_graph.ts";
 * isClientTxn({ index: 0, time: 0, type: "invoke", process: 0, f: "txn", value: [] }); // true
 * ```
 */
export function isClientTxn(op: Op): boolean {
  return typeof op.process === "number" && Number.isInteger(op.process) && op.f === "txn";
}

/** Renders a value for an explanation (JSON, so strings keep their quotes).
 *
 * @example
 * ```ts
 * import { show } from "./elle_graph.ts";
 * show("x"); // "\"x\""
 * ```
 */
export function show(v: unknown): string {
  return quote(v);
}

/** Names an op in explanations: "op 12 (process 3)".
 *
 * @example
 * ```ts
 * import { opName } from "./elle_graph.ts";
 * opName({ index: 12, time: 0, type: "ok", process: 3, f: "txn", value: [] }); // "op 12 (process 3)"
 * ```
 */
export function opName(op: Op): string {
  return `op ${op.index} (process ${String(op.process)})`;
}

/** Nested map `key → value → T`, keyed by canonical values (`V` may widen the value, for example
 * with a marker for a list's initial state).
 *
 * @example
 * ```ts
 * import { KeyValueIndex } from "./elle_graph.ts";
 * const index = new KeyValueIndex<string>();
 * index.set(1, 2, "x");
 * index.get(1, 2); // "x"
 * ```
 */
export class KeyValueIndex<T, V = Canon> {
  #byKey = new Map<Canon, Map<V, T>>();

  get(k: Canon, v: V): T | undefined {
    return this.#byKey.get(k)?.get(v);
  }

  set(k: Canon, v: V, x: T): void {
    let inner = this.#byKey.get(k);
    if (!inner) this.#byKey.set(k, inner = new Map());
    inner.set(v, x);
  }

  /** The value stored under (k, v), created with `make` when absent. */
  upsert(k: Canon, v: V, make: () => T): T {
    let x = this.get(k, v);
    if (x === undefined) this.set(k, v, x = make());
    return x;
  }

  keys(): IterableIterator<Canon> {
    return this.#byKey.keys();
  }

  values(k: Canon): Map<V, T> | undefined {
    return this.#byKey.get(k);
  }
}

// ---------------------------------------------------------------------------------------------
// Graphs

/** Edge kinds, as bits of a mask: write-write, write-read, read-write (anti-dependency),
 * process order and real-time order.
 *
 * @example
 * ```ts
 * import { WR, WW } from "./elle_graph.ts";
 * const mask = WW | WR;
 * ```
 */
export const WW = 1, WR = 2, RW = 4, PROCESS = 8, REALTIME = 16;

/** A directed graph in compressed sparse row form: the out-edges of `v` are
 * `tgt[off[v]] .. tgt[off[v + 1] - 1]`.
 *
 * @example
 * ```ts
 * import type { Digraph } from "./elle_graph.ts";
 * // 0 → 1, 1 → 0
 * const g: Digraph = { n: 2, off: Int32Array.of(0, 1, 2), tgt: Int32Array.of(1, 0) };
 * ```
 */
export interface Digraph {
  n: number;
  off: Int32Array;
  tgt: Int32Array;
}

/** A {@linkcode Digraph} whose edges also carry a kind mask. */
interface KindGraph extends Digraph {
  msk: Uint8Array;
}

/** Builds a {@linkcode Digraph} from an edge list.
 *
 * @example
 * ```ts
 * import { digraphFromEdges } from "./elle_graph.ts";
 * digraphFromEdges(2, [[0, 1], [1, 0]]).tgt; // Int32Array [1, 0]
 * ```
 */
export function digraphFromEdges(
  n: number,
  edges: readonly (readonly [number, number])[],
): Digraph {
  const off = new Int32Array(n + 1);
  for (const [a] of edges) off[a + 1]++;
  for (let i = 0; i < n; i++) off[i + 1] += off[i];
  const fill = off.slice(0, n);
  const tgt = new Int32Array(edges.length);
  for (const [a, b] of edges) tgt[fill[a]++] = b;
  return { n, off, tgt };
}

/** The dependency graph over transactions: vertex i is the i-th transaction the checker put in
 * the graph (ok ones for rw-register, ok and info ones for list-append).
 *
 * @example
 * ```ts
 * import { DependencyGraph, WR } from "./elle_graph.ts";
 * const g = new DependencyGraph(2);
 * g.link(0, 1, WR);
 * g.mask(0, 1); // 2
 * ```
 */
export class DependencyGraph {
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
 * `"valid?": "unknown"`): for example one value read was the final write of two or more ok
 * transactions, or a consistency model is unknown.
 *
 * @example
 * ```ts
 * import { Unanalysable } from "./elle_graph.ts";
 * new Unanalysable("Keys must all be of one type").name; // "Unanalysable"
 * ```
 */
export class Unanalysable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Unanalysable";
  }
}

/** Pairs each completion with its invocation (the previous open invoke of the same process).
 *
 * @example
 * ```ts
 * import { invocations } from "./elle_graph.ts";
 * import type { Op } from "../types.ts";
 * const inv: Op = { index: 0, time: 0, type: "invoke", process: 0, f: "txn", value: [] };
 * const ok: Op = { ...inv, index: 1, type: "ok" };
 * invocations([inv, ok]).get(ok) === inv; // true
 * ```
 */
export function invocations(history: readonly Op[]): Map<Op, Op> {
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

/** Which order edges {@linkcode addOrderEdges} added.
 *
 * @example
 * ```ts
 * import type { OrderEdges } from "./elle_graph.ts";
 * const none: OrderEdges = { process: false, realtime: false, outside: false };
 * ```
 */
export interface OrderEdges {
  process: boolean;
  realtime: boolean;
  /** Whether some real-time edge ended at an op outside the graph (a fail, or for rw-register an
   * info completion). Such an edge lies on no cycle, but Elle's graph counts it, so the graph is
   * not empty. */
  outside: boolean;
}

/** Adds the order edges Elle adds for the reportable anomaly types: real-time edges when a
 * `-realtime` type is reportable, else process edges when a `-process` type is; never both (the
 * real-time order implies each process's order).
 *
 * @param history every client txn op, in history order
 * @param vertices the op of each graph vertex
 *
 * @example
 * ```ts ignore
 * const has = addOrderEdges(graph, clientOps, vertexOps, reportable);
 * ```
 */
export function addOrderEdges(
  graph: DependencyGraph,
  history: readonly Op[],
  vertices: readonly Op[],
  reportable: ReadonlySet<string>,
): OrderEdges {
  const types = [...reportable];
  const has: OrderEdges = { process: false, realtime: false, outside: false };
  if (types.some((t) => t.endsWith("-realtime"))) {
    has.outside = addRealtimeEdges(graph, history, new Map(vertices.map((op, i) => [op, i])));
    has.realtime = true;
  } else if (types.some((t) => t.endsWith("-process"))) {
    addProcessEdges(graph, vertices);
    has.process = true;
  }
  return has;
}

/** Adds Elle's realtime edges in transitively reduced form: a buffer holds the ok completions not
 * yet superseded; every invocation links the buffer to its completion, and an ok completion
 * replaces in the buffer everything that links to it.
 *
 * @returns whether any edge ended at a completion outside the graph
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
  let outside = false;
  for (const op of history) {
    if (!isClientTxn(op)) continue;
    if (op.type === "invoke") {
      const c = completionOf.get(op);
      if (!c || buffer.size === 0) continue;
      const target = nodeOf.get(c);
      if (target === undefined) {
        outside = true;
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
  return outside;
}

/** Links successive ok transactions of each process (vertices in history order). */
function addProcessEdges(graph: DependencyGraph, vertices: readonly Op[]): void {
  const last = new Map<unknown, number>();
  vertices.forEach((op, i) => {
    if (op.type !== "ok") return;
    const prev = last.get(op.process);
    if (prev !== undefined) graph.link(prev, i, PROCESS);
    last.set(op.process, i);
  });
}

// ---------------------------------------------------------------------------------------------
// Graph algorithms

/** Strongly connected components by Tarjan's algorithm, iteratively (histories of tens of
 * thousands of transactions would overflow a recursive version). Components come out in reverse
 * topological order: every edge between two components points to one emitted earlier.
 *
 * @example
 * ```ts
 * import { digraphFromEdges, tarjan } from "./elle_graph.ts";
 * tarjan(digraphFromEdges(3, [[0, 1], [1, 0], [1, 2]])).comps; // [[2], [0, 1]]
 * ```
 */
export function tarjan(g: Digraph): { comp: Int32Array; comps: number[][] } {
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

/** One explained data step of a cycle, with Elle's keys: `ww` (b overwrote or appended after a's
 * write), `wr` (b read a's write) or `rw` (b overwrote or appended after the version a read).
 * `value'` is b's write, for `ww` and `rw`.
 *
 * @example
 * ```ts
 * import type { DataStep } from "./elle_graph.ts";
 * const step: DataStep = { type: "wr", key: 1, value: 3, "a-mop-index": 0, "b-mop-index": 1 };
 * ```
 */
export type DataStep =
  | {
    type: "wr";
    key: unknown;
    value: unknown;
    "a-mop-index": number | null;
    "b-mop-index": number;
  }
  | {
    type: "ww" | "rw";
    key: unknown;
    value: unknown;
    "value'": unknown;
    "a-mop-index": number | null;
    "b-mop-index": number;
  };

/** One explained step of a cycle: a data step, or an order step.
 *
 * @example
 * ```ts
 * import type { Step } from "./elle_graph.ts";
 * const step: Step = { type: "process", process: 3 };
 * ```
 */
export type Step =
  | DataStep
  | { type: "process"; process: unknown }
  | { type: "realtime"; "a-end-index": number; "b-start-index": number | null };

/** A typed cycle: ops `[T1, ..., T1]` and the step between each consecutive pair.
 *
 * @example
 * ```ts
 * import type { CycleAnomaly } from "./elle_graph.ts";
 * const none: CycleAnomaly[] = [];
 * ```
 */
export interface CycleAnomaly {
  type: string;
  cycle: Op[];
  steps: Step[];
  explanation: string;
}

/** What the cycle search needs from a checker: the graph, the op behind each vertex, and how to
 * explain and describe a data step between two vertices.
 *
 * @example
 * ```ts ignore
 * const ctx: CycleContext = { ops, graph, invokeOf, dataOrder: [WW, WR, RW], explainData,
 *   describeData, nameWriteCyclesG0: false };
 * ```
 */
export interface CycleContext {
  /** The op behind each vertex. */
  ops: readonly Op[];
  graph: DependencyGraph;
  /** Completion → invocation, for real-time steps. */
  invokeOf: ReadonlyMap<Op, Op>;
  /** The order Elle asks the data explainers in (rw-register: wr, ww, rw; list-append: ww, wr,
   * rw). Process and real-time explainers come after them. */
  dataOrder: readonly number[];
  /** Explains the data step a → b of `kind` (WW, WR or RW), or `undefined` if that kind does
   * not join them. */
  explainData(kind: number, a: number, b: number): DataStep | undefined;
  /** A clause "A < B because ..." for a data step, naming the transactions `a` and `b`. */
  describeData(step: DataStep, a: string, b: string): string;
  /** OUR ADDITION for rw-register, where Elle labels every write cycle G1c: also report each
   * cycle found by the G0 search as G0, explained by its ww steps. */
  nameWriteCyclesG0: boolean;
}

/** Explains the step a → b with the first explainer (in `order`) that applies. */
function explainStep(ctx: CycleContext, a: number, b: number, order: readonly number[]): Step {
  const ta = ctx.ops[a], tb = ctx.ops[b];
  const mask = ctx.graph.mask(a, b);
  for (const kind of order) {
    if (!(mask & kind)) continue;
    if (kind === PROCESS) return { type: "process", process: ta.process };
    if (kind === REALTIME) {
      return {
        type: "realtime",
        "a-end-index": ta.index,
        "b-start-index": ctx.invokeOf.get(tb)?.index ?? null,
      };
    }
    const step = ctx.explainData(kind, a, b);
    if (step) return step;
  }
  throw new Error(`No dependency explains the step from ${opName(ta)} to ${opName(tb)}`);
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

function describeStep(ctx: CycleContext, s: Step, a: string, b: string, ta: Op, tb: Op): string {
  switch (s.type) {
    case "process":
      return `${a} < ${b} because process ${String(s.process)} ran ${a} before ${b} (process)`;
    case "realtime":
      return `${a} < ${b} because ${a} completed (op ${ta.index}) before ${b} began (op ` +
        `${s["b-start-index"] ?? tb.index}) (realtime)`;
    default:
      return ctx.describeData(s, a, b);
  }
}

/** Explains a cycle of dependency-graph vertices `[v0, ..., v0]` as an anomaly record. */
function explainCycle(
  ctx: CycleContext,
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
      ctx,
      s,
      names.get(cycle[i])!,
      names.get(cycle[i + 1])!,
      ctx.ops[cycle[i]],
      ctx.ops[cycle[i + 1]],
    )
  );
  const who = [...names].map(([v, name]) => `${name} is ${opName(ctx.ops[v])}`);
  return {
    type,
    cycle: cycle.map((v) => ctx.ops[v]),
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
 * Elle's non-item types (G-single, G-nonadjacent, G2) are not searched separately: registers and
 * lists have only item anti-dependencies (no predicates), so their cycles always classify as the
 * item types, which are searched first and make them redundant. */
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
  ctx: CycleContext,
  local: LocalGraph,
  has: { process: boolean; realtime: boolean },
): ComponentFindings {
  const out: ComponentFindings = { elle: [], ours: [] };
  const toOps = (vs: readonly number[]) => vs.map((v) => ctx.ops[local.verts[v]].index);
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
    const record = explainCycle(ctx, cycle, [...ctx.dataOrder, PROCESS, REALTIME]);
    out.elle.push({ type: record.type, record });
    for (const t of [s.type, record.type]) {
      for (const x of IMPLIED_ANOMALIES.get(t) ?? [t]) done.add(x);
    }
    // OUR ADDITION: Elle explains each ww step of a write cycle as wr (every ww edge is also a
    // wr edge under unique writes) and so labels it G1c. We also report it as G0, by its ww steps.
    if (ctx.nameWriteCyclesG0 && s.finder === "g0" && record.type !== s.type) {
      const g0 = explainCycle(ctx, cycle, [WW, PROCESS, REALTIME, WR, RW]);
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
// Driving the search, and the result map

/** The cycle anomalies of a whole graph: Elle's records (type, record) and OUR ADDITION's G0
 * names (only with {@linkcode CycleContext.nameWriteCyclesG0}).
 *
 * @example
 * ```ts ignore
 * const { elle, ours } = findCycleAnomalies(ctx, addOrderEdges(graph, history, ops, reportable));
 * ```
 */
export function findCycleAnomalies(
  ctx: CycleContext,
  has: OrderEdges,
): { elle: { type: string; record: unknown }[]; ours: CycleAnomaly[] } {
  const out: { elle: { type: string; record: unknown }[]; ours: CycleAnomaly[] } = {
    elle: [],
    ours: [],
  };
  const frozen = ctx.graph.freeze();
  const localOf = new Int32Array(frozen.n).fill(-1);
  for (const members of tarjan(frozen).comps) {
    if (members.length < 2) continue;
    const findings = analyseComponent(ctx, localGraph(frozen, members, localOf), has);
    out.elle.push(...findings.elle);
    out.ours.push(...findings.ours);
  }
  return out;
}

/** Elle's `result-map`, optionally Maelstrom's wrapper, then OUR ADDITIONS on top.
 *
 * - Elle keeps the reportable types, drops each `<model>-cycle-exists` case that another kept
 *   type already rules out, and answers `{"valid?": true}` when nothing is left, otherwise
 *   `false` if a prohibited type is left and `"unknown"` if only `empty-transaction-graph` is.
 * - Maelstrom's wrapper (txn-rw-register only) makes any remaining type a failure, so an empty
 *   transaction graph is `false` there.
 * - `ours` are our additions (`G0` names, `garbage-read`): each prohibited one is a failure.
 *
 * `not` / `also-not` are the weakest models ruled out by every type found, reported or not, and
 * the rest.
 *
 * @example
 * ```ts
 * import { resultMap } from "./elle_graph.ts";
 * const found = new Map([["empty-transaction-graph", [{ explanation: "Empty." }]]]);
 * const prohibited = new Set(["G0"]);
 * const reportable = new Set(["G0", "empty-transaction-graph"]);
 * resultMap(found, new Map(), prohibited, reportable, false)["valid?"]; // "unknown"
 * resultMap(found, new Map(), prohibited, reportable, true)["valid?"]; // false
 * ```
 */
export function resultMap(
  found: ReadonlyMap<string, unknown[]>,
  ours: ReadonlyMap<string, unknown[]>,
  prohibited: ReadonlySet<string>,
  reportable: ReadonlySet<string>,
  maelstromWrapper: boolean,
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
  const bad = maelstromWrapper || anomalyTypes.some((t) => prohibited.has(t));
  const { not, alsoNot } = notAndAlsoNot(modelsRuledOutBy([...found.keys(), ...ours.keys()]));
  const result: CheckResult = {
    "valid?": bad ? false : "unknown",
    "anomaly-types": anomalyTypes,
    anomalies: Object.fromEntries(anomalyTypes.map((t) => [t, anomalies[t]])),
  };
  if (not.length > 0) result.not = not;
  if (alsoNot.length > 0) result["also-not"] = alsoNot;
  return result;
}
