/**
 * Directed graphs in compressed sparse row form and the algorithms both Elle's checkers and the
 * kafka checker run on them: strongly connected components (Tarjan's algorithm, iteratively),
 * shortest paths and cycles by breadth-first search, and reachability between pairs over the
 * condensation. Nothing here knows about transactions.
 *
 * @module
 */

/** A directed graph in compressed sparse row form: the out-edges of `v` are
 * `tgt[off[v]] .. tgt[off[v + 1] - 1]`.
 *
 * @example
 * ```ts
 * import type { Digraph } from "./scc.ts";
 * // 0 → 1, 1 → 0
 * const g: Digraph = { n: 2, off: Int32Array.of(0, 1, 2), tgt: Int32Array.of(1, 0) };
 * ```
 */
export interface Digraph {
  n: number;
  off: Int32Array;
  tgt: Int32Array;
}

/** Builds a {@linkcode Digraph} from an edge list.
 *
 * @example
 * ```ts
 * import { digraphFromEdges } from "./scc.ts";
 * digraphFromEdges(2, [[0, 1], [1, 0]]).tgt; // Int32Array [1, 0]
 * ```
 */
export function digraphFromEdges(
  n: number,
  edges: readonly (readonly [number, number])[],
): Digraph {
  return digraphFromFlatEdges(n, edges.flat());
}

/** Builds a {@linkcode Digraph} from edges laid flat, `[a0, b0, a1, b1, ...]`, which large graphs
 * (the kafka checker's, with an edge per poll of a message) build without a tuple per edge.
 *
 * @example
 * ```ts
 * import { digraphFromFlatEdges } from "./scc.ts";
 * digraphFromFlatEdges(2, [0, 1, 1, 0]).tgt; // Int32Array [1, 0]
 * ```
 */
export function digraphFromFlatEdges(n: number, flat: ArrayLike<number>): Digraph {
  const off = new Int32Array(n + 1);
  for (let i = 0; i < flat.length; i += 2) off[flat[i] + 1]++;
  for (let i = 0; i < n; i++) off[i + 1] += off[i];
  const fill = off.slice(0, n);
  const tgt = new Int32Array(flat.length >> 1);
  for (let i = 0; i < flat.length; i += 2) tgt[fill[flat[i]]++] = flat[i + 1];
  return { n, off, tgt };
}

/** Strongly connected components by Tarjan's algorithm, iteratively (histories of tens of
 * thousands of transactions would overflow a recursive version). Components come out in reverse
 * topological order: every edge between two components points to one emitted earlier.
 *
 * @example
 * ```ts
 * import { digraphFromEdges, tarjan } from "./scc.ts";
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

/** Whether `v` has an edge to itself.
 *
 * @example
 * ```ts
 * import { digraphFromEdges, hasSelfLoop } from "./scc.ts";
 * hasSelfLoop(digraphFromEdges(1, [[0, 0]]), 0); // true
 * ```
 */
export function hasSelfLoop(g: Digraph, v: number): boolean {
  for (let e = g.off[v]; e < g.off[v + 1]; e++) if (g.tgt[e] === v) return true;
  return false;
}

/** Whether a component holds a cycle: two or more vertices, or one with a self-edge.
 *
 * @example
 * ```ts
 * import { digraphFromEdges, nontrivial } from "./scc.ts";
 * nontrivial(digraphFromEdges(2, [[0, 1]]), [1]); // false
 * ```
 */
export function nontrivial(g: Digraph, members: readonly number[]): boolean {
  return members.length > 1 || hasSelfLoop(g, members[0]);
}

/** The shortest path `from → ... → to` (both included; `[from]` when equal) whose vertices after
 * `from` all pass `allowed` (every vertex when it is omitted).
 *
 * @example
 * ```ts
 * import { digraphFromEdges, shortestPath } from "./scc.ts";
 * const g = digraphFromEdges(3, [[0, 1], [1, 2], [0, 2]]);
 * shortestPath(g, 0, 2); // [0, 2]
 * shortestPath(g, 0, 1, (v) => v !== 1); // undefined
 * ```
 */
export function shortestPath(
  g: Digraph,
  from: number,
  to: number,
  allowed?: (v: number) => boolean,
): number[] | undefined {
  if (from === to) return [from];
  const parent = new Int32Array(g.n).fill(-2);
  parent[from] = -1;
  const queue = [from];
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi];
    for (let e = g.off[u]; e < g.off[u + 1]; e++) {
      const w = g.tgt[e];
      if (parent[w] !== -2 || (allowed && !allowed(w))) continue;
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
 * `s`, stopped at the first vertex with an edge back to `s`.
 *
 * @example
 * ```ts
 * import { cycleThrough, digraphFromEdges, tarjan } from "./scc.ts";
 * const g = digraphFromEdges(2, [[0, 1], [1, 0]]);
 * cycleThrough(g, 0, tarjan(g).comp); // [0, 1, 0]
 * ```
 */
export function cycleThrough(g: Digraph, s: number, comp: Int32Array): number[] | undefined {
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

/** Finds one pair (a, b) of `pairs` such that `b` reaches `a` in `g`, exactly. Pairs whose ends
 * share a component answer at once; the rest are settled by reachability bitsets over the
 * condensation, computed in chunks of at most 1024 target components so memory stays linear.
 *
 * @example
 * ```ts
 * import { digraphFromEdges, findReachingPair, tarjan } from "./scc.ts";
 * const g = digraphFromEdges(3, [[0, 1], [1, 2]]);
 * findReachingPair(g, tarjan(g), [[0, 2]]); // undefined: 2 does not reach 0
 * findReachingPair(g, tarjan(g), [[2, 0]]); // [2, 0]
 * ```
 */
export function findReachingPair(
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
