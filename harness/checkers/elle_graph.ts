/**
 * The parts of an Elle-style transaction checker that do not depend on the data model: the
 * models' prohibited anomalies (from `elle_models.ts`), the dependency graph over transactions
 * (with `ww`, `wr` and `rw` edges, plus `process` or `realtime` edges when the models ask for
 * them), the cycle search per strongly connected component with its explanations, and Elle's
 * result map. The `txn-rw-register` checker (`elle_rw.ts`) and the `txn-list-append` checker
 * (`elle_list_append.ts`) each build the graph from their own reading of the history and hand
 * it here through a {@linkcode CycleContext}.
 *
 * The cycle search follows Elle 0.2.2's `cycle-cases-in-scc` (jepsen-io/elle `src/elle/txn.clj`):
 * per component, the `<model>-cycle-exists` cases first, then typed cycles (G0, G1c,
 * G-single-item, G-nonadjacent-item, G2-item and their `-process` / `-realtime` variants) in
 * severity order, skipping the types the cycle-exists cases rule out and those implied (in Elle's
 * anomaly graph, `elle_models.ts`) by a type already found; each cycle is explained step by step.
 * We have no time budget, so `cycle-search-timeout` never occurs.
 *
 * @module
 */
import type { BeyondMaelstrom, CheckResult, Op } from "../types.ts";
import { jsonKey, quote } from "../workloads/schema.ts";
import {
  boundary,
  canonicalModel,
  CONSISTENCY_MODEL_NAMES,
  impliedAnomalies,
  impossibleModels,
  modelsRuledOutBy,
  prohibitedAnomalies,
} from "./elle_models.ts";

// ---------------------------------------------------------------------------------------------
// Consistency models (the tables themselves are Elle's, in `elle_models.ts`)

export { CONSISTENCY_MODEL_NAMES, prohibitedAnomalies };

/** What a txn checker needs to know about the models it checks: the anomaly types they prohibit,
 * and the reportable ones (prohibited, plus Elle's two "unknown" types). Throws
 * {@linkcode Unanalysable} for a model name Elle does not know, which a checker reports as
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
  let prohibited: Set<string>;
  try {
    prohibited = prohibitedAnomalies(models);
  } catch (e) {
    if (e instanceof RangeError) throw new Unanalysable(e.message);
    throw e;
  }
  const reportable = new Set([...prohibited, "empty-transaction-graph", "cycle-search-timeout"]);
  return { prohibited, reportable };
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

/** The typed searches in Elle's severity order. `typed` marks the searches whose cycle must be
 * explained as exactly that type (Elle's `:type` constraint; a cycle explained otherwise is
 * dropped). Elle's non-item types (G-single, G-nonadjacent, G2) are not searched: registers and
 * lists have only item anti-dependencies (no predicates), so Elle's explainer never labels a
 * cycle with them and their searches always come up empty. */
const TYPED_SEARCHES: readonly { type: string; finder: Finder; extra: number; typed: boolean }[] =
  ([["", 0], ["-process", PROCESS], ["-realtime", REALTIME]] as const).flatMap((
    [suffix, extra],
  ) =>
    ([
      ["G0", "g0", false],
      ["G1c", "g1c", false],
      ["G-single-item", "single", true],
      ["G-nonadjacent-item", "nonadjacent", true],
      ["G2-item", "g2", true],
    ] as const).map(([type, finder, typed]) => ({ type: `${type}${suffix}`, finder, extra, typed }))
  );

/** Every cycle type Elle can search for (its `cycle-types`), item or not. */
const CYCLE_TYPES: ReadonlySet<string> = new Set(
  ["G0", "G1c", "G-single-item", "G-single", "G-nonadjacent-item", "G-nonadjacent", "G2-item", "G2"]
    .flatMap((t) => [t, `${t}-process`, `${t}-realtime`]),
);

/** Most candidate edges a typed search tries, one breadth-first search each, before giving up on
 * that type in a component. Elle bounds its search by time instead (1000 ms per component,
 * reported as `cycle-search-timeout`, which Maelstrom drops); a count keeps ours deterministic.
 * The first candidate almost always succeeds; the bound only matters in components that already
 * hold many cycles of other types. */
const MAX_CANDIDATES = 2000;

/** Records found in one component: Elle's, and OUR ADDITION's G0 names. */
interface ComponentFindings {
  elle: { type: string; record: unknown }[];
  ours: CycleAnomaly[];
}

/** Analyses one strongly connected component of the dependency graph (size two or more) as
 * Elle's `cycle-cases-in-scc` does: the cycle-exists cases, then one cycle per typed search in
 * severity order, skipping the types that the cycle-exists cases show cannot occur and those
 * implied by a type already found. Complete (no time budget). */
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
    if (ruledOut.has(canonicalModel(c.model)) || !usable(c.kinds)) continue;
    const { g, sccs } = view(c.kinds, c.composed);
    let smallest: number[] | undefined;
    for (const members of sccs.comps) {
      if (nontrivial(g, members) && (!smallest || members.length < smallest.length)) {
        smallest = members;
      }
    }
    if (!smallest) continue;
    for (const m of impossibleModels([c.model])) ruledOut.add(m);
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

  // Step 2: the cycle types a still-possible cycle-exists model prohibits cannot be there (Elle's
  // `cycle-exists-cases->impossible-cycle-anomalies`); they start out as redundant.
  const possible = CYCLE_EXISTS.map((c) => canonicalModel(c.model)).filter((m) => !ruledOut.has(m));
  const done = new Set<string>(
    [...prohibitedAnomalies(possible)].filter((t) => CYCLE_TYPES.has(t)),
  );

  // Step 3: typed searches, in severity order. Finding one makes every type it implies
  // redundant, and only those: G1c implies G1 and G1c-process, so a G1c does not stop the search
  // for G-single-item.
  for (const s of TYPED_SEARCHES) {
    if (done.has(s.type) || (s.extra && !usable(s.extra))) continue;
    let vertices: number[] = [];
    const accept = (cycle: number[]): CycleAnomaly | undefined => {
      vertices = rotate(cycle).map((v) => local.verts[v]);
      const record = explainCycle(ctx, vertices, [...ctx.dataOrder, PROCESS, REALTIME]);
      return !s.typed || record.type === s.type ? record : undefined;
    };
    const record = findTypedCycle(local, s.finder, s.extra, view, accept);
    if (!record) continue;
    out.elle.push({ type: record.type, record });
    for (const x of impliedAnomalies([s.type])) done.add(x);
    // OUR ADDITION: Elle explains each ww step of a write cycle as wr (every ww edge is also a
    // wr edge under unique writes) and so labels it G1c. We also report it as G0, by its ww steps.
    if (ctx.nameWriteCyclesG0 && s.finder === "g0" && record.type !== s.type) {
      const g0 = explainCycle(ctx, vertices, [WW, PROCESS, REALTIME, WR, RW]);
      g0.explanation += ` Elle labels this cycle ${record.type}, because each of its ww ` +
        `steps is also a wr step; also reporting it as ${g0.type} is our addition.`;
      out.ours.push(g0);
    }
  }
  return out;
}

/** A breadth-first path `from → ... → to` in `g` that avoids vertex `avoid` (-1 for none). */
function pathAvoiding(g: Digraph, from: number, to: number, avoid: number): number[] | undefined {
  if (from === avoid) return undefined;
  if (from === to) return [from];
  const parent = new Int32Array(g.n).fill(-2);
  parent[from] = -1;
  const queue = [from];
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi];
    for (let e = g.off[u]; e < g.off[u + 1]; e++) {
      const w = g.tgt[e];
      if (parent[w] !== -2 || w === avoid) continue;
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

/** Finds one cycle of a typed search in a component, as local vertices `[v0, ..., v0]`, that
 * `accept` takes (it explains the cycle and checks its type), and returns the explained record.
 *
 * - G0: any cycle of the ww projection (plus the variant's order edges).
 * - G1c: a wr edge closed by a ww/wr path.
 * - G-single-item: exactly one rw edge a → b, closed by a ww/wr path b → ... → a.
 * - G-nonadjacent-item: a cycle of the projection in which every rw edge follows a ww/wr one,
 *   through at least one such rw edge.
 * - G2-item: two adjacent rw edges a → b → c, closed by any path c → ... → a.
 *
 * Candidates are tried in vertex order (at most {@linkcode MAX_CANDIDATES}), so the result is
 * deterministic. */
function findTypedCycle(
  local: LocalGraph,
  finder: Finder,
  extra: number,
  view: (kinds: number, composed: boolean) => { g: Digraph; sccs: ReturnType<typeof tarjan> },
  accept: (cycle: number[]) => CycleAnomaly | undefined,
): CycleAnomaly | undefined {
  const plain = WW | WR | extra;
  let tries = 0;
  /** Tries the cycle `edge + path back`, within the candidate budget. */
  const attempt = (cycle: number[] | undefined): CycleAnomaly | undefined | null => {
    if (++tries > MAX_CANDIDATES) return null;
    return cycle ? accept(cycle) : undefined;
  };
  switch (finder) {
    case "g0": {
      const { g, sccs } = view(WW | extra, false);
      for (const members of sccs.comps) {
        if (!nontrivial(g, members)) continue;
        const found = attempt(cycleThrough(g, members[0], sccs.comp));
        if (found !== undefined) return found ?? undefined;
      }
      return undefined;
    }
    case "g1c": {
      // A wr edge inside a component of the ww ∪ wr projection closes a cycle containing it.
      const { g, sccs } = view(plain, false);
      for (let u = 0; u < local.n; u++) {
        for (let e = local.off[u]; e < local.off[u + 1]; e++) {
          const v = local.tgt[e];
          if (!(local.msk[e] & WR) || sccs.comp[u] !== sccs.comp[v]) continue;
          const back = u === v ? [u] : bfsPath(g, v, u, sccs.comp, sccs.comp[u]);
          const found = attempt(back && [u, ...back]);
          if (found !== undefined) return found ?? undefined;
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
      // Pairs reachable within one component come first; the reachability sets find the rest.
      const first = findReachingPair(g, sccs, pairs);
      if (!first) return undefined;
      // When Elle's explainer labels that cycle otherwise, try the pairs within one component,
      // which always close a cycle.
      const rest = pairs.filter((p) => p !== first && sccs.comp[p[0]] === sccs.comp[p[1]]);
      for (const [a, b] of [first, ...rest]) {
        const back = bfsPath(g, b, a);
        const found = attempt(back && [a, ...back]);
        if (found !== undefined) return found ?? undefined;
      }
      return undefined;
    }
    case "nonadjacent": {
      const composed = view(plain, true);
      const g = composed.g as Digraph & { witness: Int32Array };
      const { comp } = composed.sccs;
      // Each composed edge a → c (a → b by ww/wr, b → c by rw) in a component of the composed
      // graph, closed by a path c → ... → a, gives a walk whose rw edges are never adjacent.
      for (let a = 0; a < g.n; a++) {
        for (let e = g.off[a]; e < g.off[a + 1]; e++) {
          const c = g.tgt[e];
          if (g.witness[e] < 0 || comp[a] !== comp[c]) continue;
          const back = bfsPath(g, c, a, comp, comp[a]);
          const found = attempt(back && expandComposed(g, [a, ...back]));
          if (found !== undefined) return found ?? undefined;
        }
      }
      return undefined;
    }
    case "g2": {
      // Two adjacent rw edges a → b → c, closed by a path c → ... → a that avoids b.
      const { g } = view(plain | RW, false);
      const rwIn: number[][] = Array.from({ length: local.n }, () => []);
      for (let a = 0; a < local.n; a++) {
        for (let e = local.off[a]; e < local.off[a + 1]; e++) {
          if (local.msk[e] & RW && local.tgt[e] !== a) rwIn[local.tgt[e]].push(a);
        }
      }
      for (let b = 0; b < local.n; b++) {
        if (rwIn[b].length === 0) continue;
        const outs: number[] = [];
        for (let e = local.off[b]; e < local.off[b + 1]; e++) {
          if (local.msk[e] & RW && local.tgt[e] !== b) outs.push(local.tgt[e]);
        }
        for (const a of rwIn[b]) {
          for (const c of outs) {
            const back = c === a ? [a] : pathAvoiding(g, c, a, b);
            const found = attempt(back && [a, b, ...back]);
            if (found !== undefined) return found ?? undefined;
          }
        }
      }
      return undefined;
    }
  }
}

/** Expands each composed edge a → c of a cycle in the composed graph back into a → b → c. The
 * result is a closed walk; in rare histories it visits a transaction twice. */
function expandComposed(g: Digraph & { witness: Int32Array }, cycle: readonly number[]): number[] {
  const walk = [cycle[0]];
  for (let i = 0; i + 1 < cycle.length; i++) {
    const a = cycle[i], c = cycle[i + 1];
    // Prefer the direct edge when there is one, so the walk only goes through rw where needed;
    // the first edge of the cycle is the composed one we started from.
    let witness = -1, direct = false;
    for (let e = g.off[a]; e < g.off[a + 1]; e++) {
      if (g.tgt[e] !== c) continue;
      if (g.witness[e] < 0) direct = true;
      else if (witness < 0) witness = g.witness[e];
    }
    if (witness >= 0 && (i === 0 || !direct)) walk.push(witness);
    walk.push(c);
  }
  return walk;
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
 * - `ours` are our additions (`G0` names): each prohibited one is a failure.
 *
 * `not` / `also-not` are the weakest models ruled out by every type found, reported or not, and
 * the rest; like Elle, the result has both (possibly empty) whenever it reports anything.
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
    !CYCLE_EXISTS_MODEL.has(t) || !explained.has(canonicalModel(CYCLE_EXISTS_MODEL.get(t)!))
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
  const { not, alsoNot } = boundary([...found.keys(), ...ours.keys()]);
  const result: CheckResult = {
    "valid?": bad ? false : "unknown",
    "anomaly-types": anomalyTypes,
    anomalies: Object.fromEntries(anomalyTypes.map((t) => [t, anomalies[t]])),
  };
  // Elle merges its boundary in whenever something is reported, empty sets included.
  result.not = not;
  result["also-not"] = alsoNot;
  return result;
}

/** Adds findings of checks Maelstrom does not make to a checker's result, under
 * `"beyond-maelstrom"` (after any already there): by default only reported, so the verdict stays Maelstrom's; with
 * `strict` (`--strict`) they make the result invalid.
 *
 * @example
 * ```ts
 * import { withBeyondMaelstrom } from "./elle_graph.ts";
 * const finding = { anomaly: "garbage-read", message: "Op 3 read 9, which nobody wrote.", ops: [3] };
 * withBeyondMaelstrom({ "valid?": true }, [finding], false)["valid?"]; // true
 * withBeyondMaelstrom({ "valid?": true }, [finding], true)["valid?"]; // false
 * ```
 */
export function withBeyondMaelstrom(
  result: CheckResult,
  findings: readonly BeyondMaelstrom[],
  strict: boolean,
): CheckResult {
  if (findings.length === 0) return result;
  const earlier = (result["beyond-maelstrom"] ?? []) as BeyondMaelstrom[];
  const out: CheckResult = { ...result, "beyond-maelstrom": [...earlier, ...findings] };
  if (strict) out["valid?"] = false;
  return out;
}
