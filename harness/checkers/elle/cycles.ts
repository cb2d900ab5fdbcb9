/**
 * The cycle search of Elle's transaction checkers, following Elle 0.2.2's `cycle-cases-in-scc`
 * (jepsen-io/elle `src/elle/txn.clj`): per strongly connected component, the
 * `<model>-cycle-exists` cases first, then typed cycles (G0, G1c, G-single-item,
 * G-nonadjacent-item, G2-item and their `-process` / `-realtime` variants) in severity order,
 * skipping the types the cycle-exists cases rule out and those implied (in Elle's anomaly graph,
 * `models.ts`) by a type already found; each cycle is explained step by step (`explain.ts`). We
 * have no time budget, so `cycle-search-timeout` never occurs.
 *
 * @module
 */
import {
  canonicalModel,
  impliedAnomalies,
  impossibleModels,
  prohibitedAnomalies,
} from "./models.ts";
import { type CycleAnomaly, type CycleContext, explainCycle, rotate } from "./explain.ts";
import {
  composeRw,
  type LocalGraph,
  localGraph,
  type OrderEdges,
  PROCESS,
  project,
  REALTIME,
  RW,
  WR,
  WW,
} from "./graph.ts";
import {
  cycleThrough,
  type Digraph,
  findReachingPair,
  nontrivial,
  shortestPath,
  tarjan,
} from "./scc.ts";

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
 * cycle-exists case whose model another reported type already rules out.
 *
 * @example
 * ```ts
 * import { CYCLE_EXISTS_MODEL } from "./cycles.ts";
 * CYCLE_EXISTS_MODEL.get("PL-2-cycle-exists"); // "read-committed"
 * ```
 */
export const CYCLE_EXISTS_MODEL: ReadonlyMap<string, string> = new Map(
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
          const back = u === v ? [u] : shortestPath(g, v, u, (w) => sccs.comp[w] === sccs.comp[u]);
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
        const back = shortestPath(g, b, a);
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
          const back = shortestPath(g, c, a, (w) => comp[w] === comp[a]);
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
            const back = c === a
              ? [a]
              : c === b
              ? undefined
              : shortestPath(g, c, a, (w) => w !== b);
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
