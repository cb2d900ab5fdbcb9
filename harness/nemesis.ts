/**
 * The partition nemesis: Maelstrom's four ways to cut a cluster, drawn at random.
 *
 * @module
 */
import type { Rng } from "./types.ts";

/** The partition shapes Maelstrom chooses among. */
export const PARTITION_SPECS = ["one", "majority", "minority-third", "majorities-ring"] as const;
export type PartitionSpec = (typeof PARTITION_SPECS)[number];

/** A grudge: each node mapped to the nodes whose messages it drops. */
export type Grudge = Map<string, Set<string>>;

/** Builds the grudge of one partition spec.
 *
 * @example
 * ```ts
 * import { grudgeFor } from "./nemesis.ts";
 * import { createRng } from "./rng.ts";
 * const g = grudgeFor("one", ["n0", "n1", "n2"], createRng(3));
 * // one node drops the other two, and they drop it
 * ```
 */
export function grudgeFor(spec: PartitionSpec, nodes: readonly string[], rng: Rng): Grudge {
  const shuffled = rng.shuffle(nodes);
  switch (spec) {
    case "one":
      return cut([shuffled[0]], shuffled.slice(1));
    case "majority": {
      const k = Math.floor(nodes.length / 2);
      return cut(shuffled.slice(0, k), shuffled.slice(k));
    }
    case "minority-third": {
      const k = Math.floor((nodes.length - 1) / 3);
      return cut(shuffled.slice(0, k), shuffled.slice(k));
    }
    case "majorities-ring":
      return majoritiesRing(shuffled);
  }
}

/** Fully cuts `a` from `b`, both directions. */
function cut(a: readonly string[], b: readonly string[]): Grudge {
  const g: Grudge = new Map();
  const drop = (dest: string, srcs: readonly string[]) => {
    if (srcs.length === 0) return;
    const set = g.get(dest) ?? new Set();
    for (const s of srcs) set.add(s);
    g.set(dest, set);
  };
  for (const x of a) drop(x, b);
  for (const y of b) drop(y, a);
  return g;
}

/** The ring in a random order; each node hears only the majority window centred on it. For more
 * than five nodes Maelstrom builds a random graph with the same property (every node keeps links
 * to a majority); the ring windows give that property too. */
function majoritiesRing(ring: readonly string[]): Grudge {
  const n = ring.length;
  const m = Math.floor(n / 2) + 1;
  const g: Grudge = new Map();
  for (let i = 0; i < n; i++) {
    const window = new Set<string>();
    for (let j = 0; j < m; j++) window.add(ring[(i + j) % n]);
    const middle = ring[(i + Math.floor(m / 2)) % n];
    const dropped = ring.filter((x) => !window.has(x));
    if (dropped.length > 0) g.set(middle, new Set(dropped));
  }
  return g;
}

/** A grudge as plain data for the history: `{dest: [srcs]}`. */
export function grudgeToJson(g: Grudge): Record<string, string[]> {
  return Object.fromEntries([...g].map(([k, v]) => [k, [...v].sort()]));
}

/** A one-line picture of a grudge, such as `n0 | n1 n2` for a clean two-way split, else the
 * list of one-way drops. */
export function describeGrudge(g: ReadonlyMap<string, ReadonlySet<string>>): string {
  if (g.size === 0) return "healed";
  return [...g].map(([dest, srcs]) => `${dest}✗{${[...srcs].sort().join(",")}}`).join(" ");
}
