/**
 * Elle's consistency models and anomaly types, as Elle 0.2.2 relates them
 * (`src/elle/consistency_model.clj` in jepsen-io/elle, which Maelstrom's `--consistency-models`
 * hands its names to):
 *
 * - the model graph: an edge a → b means every history satisfying a satisfies b;
 * - Elle's canonical names (`serializable` is `PL-3`, `strong-serializable` is `PL-SS`, ...);
 * - the anomalies each model *directly* proscribes;
 * - the anomaly implication graph: an edge a → b means finding a is also finding b (G0 implies
 *   G1c, lost-update implies G2-item, ...).
 *
 * From these, as Elle does: the anomalies a set of models prohibits (every anomaly that implies
 * one directly proscribed by a model any of them implies), the models a set of anomalies rules
 * out, and the `not` / `also-not` boundary of a result. Every name Elle knows is accepted,
 * including those that prohibit nothing (`linearizable`, `PRAM`, `view-serializable`, ...).
 *
 * @module
 */

/** Elle's `canonical-model-names`: friendly name → canonical name. */
const CANONICAL: Readonly<Record<string, string>> = {
  "consistent-view": "PL-2+",
  "conflict-serializable": "PL-3",
  "cursor-stability": "PL-CS",
  "forward-consistent-view": "PL-FCV",
  "monotonic-snapshot-read": "PL-MSR",
  "monotonic-view": "PL-2L",
  "read-committed": "PL-2",
  "read-uncommitted": "PL-1",
  "repeatable-read": "PL-2.99",
  "serializable": "PL-3",
  "snapshot-isolation": "PL-SI",
  "strict-serializable": "PL-SS",
  "strong-serializable": "PL-SS",
  "update-serializable": "PL-3U",
  "strong-session-read-uncommitted": "strong-session-PL-1",
  "strong-session-read-committed": "strong-session-PL-2",
  "strong-read-uncommitted": "strong-PL-1",
  "strong-read-committed": "strong-PL-2",
};

/** Canonical name → friendly name, as Elle's `friendly-model-names`. `PL-3` is `serializable`
 * (Elle says so explicitly); `PL-SS` has two friendly names, and we use `strict-serializable`,
 * the name Maelstrom's documented results show. */
const FRIENDLY: ReadonlyMap<string, string> = new Map([
  ...Object.entries(CANONICAL)
    .filter(([friendly]) =>
      friendly !== "conflict-serializable" && friendly !== "strong-serializable"
    )
    .map(([friendly, canonical]) => [canonical, friendly] as const),
]);

/** Elle's `models` graph, before canonicalisation: each model and the models it implies. */
const MODEL_EDGES: Readonly<Record<string, readonly string[]>> = {
  "causal-cerone": ["read-atomic"],
  "consistent-view": ["cursor-stability", "monotonic-view"],
  "conflict-serializable": ["view-serializable"],
  "cursor-stability": ["read-committed", "PL-2"],
  "forward-consistent-view": ["consistent-view"],
  "PL-2": ["PL-1"],
  "PL-3": ["repeatable-read", "update-serializable"],
  "update-serializable": ["forward-consistent-view"],
  "monotonic-atomic-view": ["read-committed"],
  "monotonic-view": ["PL-2"],
  "monotonic-snapshot-read": ["PL-2"],
  "parallel-snapshot-isolation": ["causal-cerone", "update-atomic"],
  "prefix": ["causal-cerone"],
  "read-atomic": ["monotonic-atomic-view"],
  "read-committed": ["read-uncommitted"],
  "repeatable-read": ["cursor-stability", "monotonic-atomic-view"],
  "update-atomic": ["read-atomic"],
  "serializable": ["repeatable-read", "snapshot-isolation", "view-serializable"],
  "session-serializable": ["1SR"],
  "snapshot-isolation": [
    "forward-consistent-view",
    "monotonic-atomic-view",
    "monotonic-snapshot-read",
    "parallel-snapshot-isolation",
    "prefix",
  ],
  "strict-serializable": [
    "PL-3",
    "serializable",
    "linearizable",
    "snapshot-isolation",
    "strong-snapshot-isolation",
    "strong-session-serializable",
  ],
  "strong-session-PL-1": ["PL-1"],
  "strong-session-PL-2": ["PL-2", "strong-session-PL-1"],
  "strong-PL-1": ["strong-session-PL-1"],
  "strong-PL-2": ["strong-session-PL-2", "strong-PL-1"],
  "strong-session-serializable": ["serializable", "strong-session-snapshot-isolation"],
  "strong-session-snapshot-isolation": ["snapshot-isolation", "strong-session-PL-2"],
  "strong-serializable": ["session-serializable"],
  "strong-snapshot-isolation": ["strong-session-snapshot-isolation", "strong-PL-2"],
  "linearizable": ["sequential"],
  "sequential": ["causal"],
  "causal": ["writes-follow-reads", "PRAM"],
  "PRAM": ["monotonic-reads", "monotonic-writes", "read-your-writes"],
};

/** Elle's `direct-proscribed-anomalies`, before canonicalisation. */
const DIRECT_PROSCRIBED: Readonly<Record<string, readonly string[]>> = {
  "causal-cerone": ["internal", "G1a"],
  "cursor-stability": ["G1", "G-cursor", "lost-update"],
  "monotonic-view": ["G1", "G-monotonic"],
  "monotonic-snapshot-read": ["G1", "G-MSR"],
  "consistent-view": ["G1", "G-single"],
  "forward-consistent-view": ["G1", "G-SIb"],
  "parallel-snapshot-isolation": ["internal", "G1a"],
  "PL-3": ["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
  "PL-2": ["G1", "PL-2-cycle-exists"],
  "PL-1": ["G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"],
  "prefix": ["internal", "G1a"],
  "serializable": ["internal"],
  "snapshot-isolation": ["internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"],
  "read-atomic": ["internal", "G1a", "future-read"],
  "repeatable-read": ["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
  "update-atomic": ["lost-update"],
  "strict-serializable": ["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
  "strong-session-PL-1": ["strong-session-PL-1-cycle-exists", "G0-process"],
  "strong-session-PL-2": ["strong-session-PL-2-cycle-exists", "G1c-process"],
  "strong-PL-1": ["strong-PL-1-cycle-exists", "G0-realtime"],
  "strong-PL-2": ["strong-PL-2-cycle-exists", "G1c-realtime"],
  "strong-session-snapshot-isolation": [
    "internal",
    "G1-process",
    "G-nonadjacent-process",
    "strong-session-snapshot-isolation-cycle-exists",
  ],
  "strong-snapshot-isolation": [
    "internal",
    "G1-realtime",
    "G-nonadjacent-realtime",
    "strong-snapshot-isolation-cycle-exists",
  ],
  "strong-session-serializable": [
    "G1-process",
    "G2-process",
    "strong-session-serializable-cycle-exists",
  ],
  "update-serializable": ["G1", "G-update"],
};

/** Elle's `implied-anomalies`: finding the key anomaly is also finding each listed one. */
const IMPLIED_ANOMALY_EDGES: Readonly<Record<string, readonly string[]>> = {
  "G0": ["G1c", "G0-process"],
  "G0-process": ["G1c-process", "G0-realtime"],
  "G0-realtime": ["G1c-realtime"],
  "G1a": ["G1"],
  "G1b": ["G1"],
  "G1c": ["G1", "G1c-process"],
  "G1c-process": ["G1c-realtime", "G1-process"],
  "G1c-realtime": ["G1-realtime"],
  "G1": ["G1-process"],
  "G1-process": ["G1-realtime"],
  "G-single-item": ["G-single", "G-single-item-process", "G-nonadjacent-item"],
  "G-single-item-process": [
    "G-single-process",
    "G-single-item-realtime",
    "G-nonadjacent-item-process",
  ],
  "G-single-item-realtime": ["G-single-realtime", "G-nonadjacent-item-realtime"],
  "G-single": ["G-nonadjacent", "GSIb", "G-single-process"],
  "G-single-process": ["G-nonadjacent-process", "G-single-realtime"],
  "G-single-realtime": ["G-nonadjacent-realtime"],
  "G-nonadjacent-item": ["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
  "G-nonadjacent-item-process": [
    "G-nonadjacent-process",
    "G2-item-process",
    "G-nonadjacent-item-realtime",
  ],
  "G-nonadjacent-item-realtime": ["G2-item-realtime", "G-nonadjacent-realtime"],
  "G-nonadjacent": ["G2", "G-nonadjacent-process"],
  "G-nonadjacent-process": ["G2-process", "G-nonadjacent-realtime"],
  "G-nonadjacent-realtime": ["G2-realtime"],
  "G2": ["G2-process"],
  "G2-item": ["G2", "G2-item-process"],
  "G2-item-process": ["G2-process", "G2-item-realtime"],
  "G2-item-realtime": ["G2-realtime"],
  "G2-process": ["G2-realtime"],
  "GSIa": ["GSI"],
  "GSIb": ["GSI"],
  "incompatible-order": ["G1a"],
  "future-read": ["G1c"],
  "dirty-update": ["G1a"],
  "lost-update": ["write-skew", "G2-item"],
  "write-skew": ["G2"],
};

/** The canonical name of a model (the name itself when Elle has no other). */
export function canonicalModel(name: string): string {
  return Object.hasOwn(CANONICAL, name) ? CANONICAL[name] : name;
}

/** The friendly name of a canonical model name (the name itself when Elle has no other).
 *
 * @example
 * ```ts
 * import { friendlyModel } from "./models.ts";
 * friendlyModel("PL-2"); // "read-committed"
 * ```
 */
export function friendlyModel(name: string): string {
  return FRIENDLY.get(name) ?? name;
}

type Graph = Map<string, Set<string>>;

function link(g: Graph, a: string, b: string): void {
  if (!g.has(a)) g.set(a, new Set());
  if (!g.has(b)) g.set(b, new Set());
  g.get(a)!.add(b);
}

function graphOf(edges: Readonly<Record<string, readonly string[]>>, f = (x: string) => x) {
  const out: Graph = new Map(), inn: Graph = new Map();
  for (const [a, bs] of Object.entries(edges)) {
    for (const b of bs) {
      link(out, f(a), f(b));
      link(inn, f(b), f(a));
    }
  }
  return { out, inn };
}

/** Everything reachable from `start` (included) along `g`. */
function reach(g: Graph, start: Iterable<string>): Set<string> {
  const seen = new Set<string>(start);
  const queue = [...seen];
  for (let i = 0; i < queue.length; i++) {
    for (const n of g.get(queue[i]) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return seen;
}

const MODELS = graphOf(MODEL_EDGES, canonicalModel);
const ANOMALIES = graphOf(IMPLIED_ANOMALY_EDGES);
const PROSCRIBED = graphOf(DIRECT_PROSCRIBED, canonicalModel);

/** Every consistency model name Elle 0.2.2 accepts (its `all-models`: the vertices of its model
 * graph, plus every friendly and canonical name), sorted.
 *
 * @example
 * ```ts
 * import { CONSISTENCY_MODEL_NAMES } from "./models.ts";
 * CONSISTENCY_MODEL_NAMES.includes("cursor-stability"); // true
 * ```
 */
export const CONSISTENCY_MODEL_NAMES: readonly string[] = [
  ...new Set([...MODELS.out.keys(), ...Object.keys(CANONICAL), ...Object.values(CANONICAL)]),
].sort();

const KNOWN = new Set(CONSISTENCY_MODEL_NAMES);

/** Whether Elle knows a model name.
 *
 * @example
 * ```ts
 * import { isKnownModel } from "./models.ts";
 * isKnownModel("prefix"); // true
 * ```
 */
export function isKnownModel(name: string): boolean {
  return KNOWN.has(name);
}

function validate(models: Iterable<string>): string[] {
  const names = [...models];
  const unknown = names.filter((m) => !KNOWN.has(m));
  if (unknown.length > 0) {
    throw new RangeError(
      `Unknown consistency model ${unknown.map((m) => JSON.stringify(m)).join(", ")}; ` +
        `known models are ${CONSISTENCY_MODEL_NAMES.map((m) => JSON.stringify(m)).join(", ")}`,
    );
  }
  return names.map(canonicalModel);
}

/** The canonical models a set of models implies, themselves included (Elle's
 * `all-implied-models`). Throws a `RangeError` for an unknown name. */
export function impliedModels(models: Iterable<string>): Set<string> {
  return reach(MODELS.out, validate(models));
}

/** The canonical models that cannot hold when the given ones do not (Elle's
 * `all-impossible-models`: they and every model implying them). Throws a `RangeError` for an
 * unknown name.
 *
 * @example
 * ```ts
 * import { impossibleModels } from "./models.ts";
 * impossibleModels(["read-committed"]).has("PL-SS"); // true
 * ```
 */
export function impossibleModels(models: Iterable<string>): Set<string> {
  return reach(MODELS.inn, validate(models));
}

/** The anomalies that imply any of `types`, themselves included. */
function anomaliesImplying(types: Iterable<string>): Set<string> {
  return reach(ANOMALIES.inn, types);
}

/** The anomalies implied by `types`, themselves included (Elle's `all-implied-anomalies`).
 *
 * @example
 * ```ts
 * import { impliedAnomalies } from "./models.ts";
 * impliedAnomalies(["G1c"]).has("G-single-item"); // false: G1c implies only G1 and G1c-process
 * ```
 */
export function impliedAnomalies(types: Iterable<string>): Set<string> {
  return reach(ANOMALIES.out, types);
}

/** The anomaly types that the given models prohibit, combined by union (Elle's
 * `anomalies-prohibited-by`): each model and everything it implies, their directly proscribed
 * anomalies, and every anomaly that implies one of those. Throws a `RangeError` for a model name
 * Elle does not know (see {@linkcode CONSISTENCY_MODEL_NAMES}).
 *
 * @example
 * ```ts
 * import { prohibitedAnomalies } from "./models.ts";
 * prohibitedAnomalies(["cursor-stability"]).has("lost-update"); // true
 * prohibitedAnomalies(["read-committed"]).has("lost-update"); // false
 * ```
 */
export function prohibitedAnomalies(models: readonly string[]): Set<string> {
  const direct: string[] = [];
  for (const m of impliedModels(models)) direct.push(...(PROSCRIBED.out.get(m) ?? []));
  return anomaliesImplying(direct);
}

/** The canonical models that the given anomaly types rule out (Elle's
 * `anomalies->impossible-models`).
 *
 * @example
 * ```ts
 * import { modelsRuledOutBy } from "./models.ts";
 * modelsRuledOutBy(["lost-update"]).has("PL-CS"); // true
 * ```
 */
export function modelsRuledOutBy(types: Iterable<string>): Set<string> {
  const direct = new Set<string>();
  for (const a of impliedAnomalies(types)) {
    for (const m of PROSCRIBED.inn.get(a) ?? []) direct.add(m);
  }
  return reach(MODELS.inn, direct);
}

/** Elle's `friendly-boundary`: the weakest models the anomaly types rule out (`not`) and the
 * other ruled-out ones (`alsoNot`), by friendly name, sorted.
 *
 * @example
 * ```ts
 * import { boundary } from "./models.ts";
 * boundary(["lost-update"]).not; // ["cursor-stability", "update-atomic"]
 * ```
 */
export function boundary(types: Iterable<string>): { not: string[]; alsoNot: string[] } {
  const ruledOut = modelsRuledOutBy(types);
  const weakest = [...ruledOut].filter((m) =>
    ![...reach(MODELS.out, [m])].some((w) => w !== m && ruledOut.has(w))
  );
  const friendly = (ms: Iterable<string>) => [...new Set([...ms].map(friendlyModel))].sort();
  return {
    not: friendly(weakest),
    alsoNot: friendly([...ruledOut].filter((m) => !weakest.includes(m))),
  };
}

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** A hint for an unknown model name: the known name it most likely means (a near spelling, or
 * `"a , b"` for `"a,b"`, since Maelstrom only splits on a comma with spaces around it), or
 * `undefined` when nothing is close.
 *
 * @example
 * ```ts
 * import { suggestModel } from "./models.ts";
 * suggestModel("strict-serialisable"); // "strict-serializable"
 * suggestModel("read-committed,serializable"); // "read-committed , serializable"
 * ```
 */
export function suggestModel(name: string): string | undefined {
  const parts = name.split(/\s*,\s*/);
  if (parts.length > 1 && parts.every(isKnownModel)) return parts.join(" , ");
  let best: string | undefined, bestDistance = 4;
  for (const known of CONSISTENCY_MODEL_NAMES) {
    const d = editDistance(name.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}
