/**
 * The dependency graph of Elle's transaction checkers: transactions as vertices and edges tagged
 * with their kinds (`ww`, `wr`, `rw`, plus `process` or `realtime` when the models ask for them),
 * the order edges Elle adds (`elle.core`'s realtime and process graphs in jepsen-io/elle
 * `src/elle/core.clj`), and the projections of a component the cycle search looks at.
 *
 * @module
 */
import type { Op } from "../../types.ts";
import type { Digraph } from "./scc.ts";
import { isClientTxn } from "./values.ts";

/** Edge kinds, as bits of a mask: write-write, write-read, read-write (anti-dependency),
 * process order and real-time order.
 *
 * @example
 * ```ts
 * import { WR, WW } from "./graph.ts";
 * const mask = WW | WR;
 * ```
 */
export const WW = 1, WR = 2, RW = 4, PROCESS = 8, REALTIME = 16;

/** A {@linkcode Digraph} whose edges also carry a kind mask.
 *
 * @example
 * ```ts
 * import { type KindGraph, WR } from "./graph.ts";
 * const g: KindGraph = { n: 2, off: Int32Array.of(0, 1, 1), tgt: Int32Array.of(1), msk: Uint8Array.of(WR) };
 * ```
 */
export interface KindGraph extends Digraph {
  msk: Uint8Array;
}

/** The dependency graph over transactions: vertex i is the i-th transaction the checker put in
 * the graph (ok ones for rw-register, ok and info ones for list-append).
 *
 * @example
 * ```ts
 * import { DependencyGraph, WR } from "./graph.ts";
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

/** Pairs each completion with its invocation (the previous open invoke of the same process).
 *
 * @example
 * ```ts
 * import { invocations } from "./graph.ts";
 * import type { Op } from "../../types.ts";
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
 * import type { OrderEdges } from "./graph.ts";
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

/** A subgraph induced by one component of the dependency graph, with local vertex numbers.
 *
 * @example
 * ```ts ignore
 * const local: LocalGraph = localGraph(frozen, members, localOf);
 * local.verts[0]; // the dependency-graph vertex of local vertex 0
 * ```
 */
export interface LocalGraph extends KindGraph {
  /** Local vertex → dependency-graph vertex. */
  verts: readonly number[];
}

/** The subgraph of `g` induced by `verts`. `localOf` is scratch space of `g.n` entries, all -1
 * on entry and on return, so one array serves every component without clearing.
 *
 * @example
 * ```ts
 * import { DependencyGraph, localGraph, WW } from "./graph.ts";
 * const g = new DependencyGraph(3);
 * g.link(1, 2, WW);
 * localGraph(g.freeze(), [1, 2], new Int32Array(3).fill(-1)).verts; // [1, 2]
 * ```
 */
export function localGraph(
  g: KindGraph,
  verts: readonly number[],
  localOf: Int32Array,
): LocalGraph {
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

/** The edges of `g` that carry any of `kinds`.
 *
 * @example
 * ```ts
 * import { DependencyGraph, project, WR, WW } from "./graph.ts";
 * const g = new DependencyGraph(2);
 * g.link(0, 1, WR);
 * project(g.freeze(), WW).tgt.length; // 0
 * ```
 */
export function project(g: KindGraph, kinds: number): Digraph {
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
 * for a direct one).
 *
 * @example
 * ```ts
 * import { composeRw, DependencyGraph, RW, WR } from "./graph.ts";
 * const g = new DependencyGraph(3);
 * g.link(0, 1, WR);
 * g.link(1, 2, RW);
 * composeRw(g.freeze(), WR).witness; // Int32Array [-1, 1]: 0 → 1 directly, 0 → 2 through 1
 * ```
 */
export function composeRw(g: KindGraph, kinds: number): Digraph & { witness: Int32Array } {
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
