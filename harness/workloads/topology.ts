/**
 * The broadcast workload's topologies: for each node, the neighbours it is told about in the
 * `topology` message. Shapes and neighbour order follow Maelstrom exactly, since solutions may
 * depend on them (a spanning tree built from the grid, say).
 *
 * @module
 */

/** A topology: node id → neighbour ids, in Maelstrom's order.
 *
 * @example
 * ```ts
 * import type { Topology } from "./topology.ts";
 * const t: Topology = { n0: ["n1"], n1: ["n0"] };
 * ```
 */
export type Topology = Record<string, string[]>;

/** The topology names Maelstrom accepts for `--topology`.
 *
 * @example
 * ```ts
 * import { TOPOLOGY_NAMES } from "./topology.ts";
 * TOPOLOGY_NAMES.includes("tree4"); // true
 * ```
 */
export const TOPOLOGY_NAMES: readonly string[] = [
  "grid",
  "line",
  "total",
  "tree",
  "tree2",
  "tree3",
  "tree4",
];

/** Builds the named topology over `nodes` (in test order). Throws for an unknown name.
 *
 * @example
 * ```ts
 * import { buildTopology } from "./topology.ts";
 * buildTopology("line", ["n0", "n1", "n2"]);
 * // { n0: ["n1"], n1: ["n0", "n2"], n2: ["n1"] }
 * ```
 */
export function buildTopology(name: string, nodes: readonly string[]): Topology {
  switch (name) {
    case "grid":
      return gridTopology(nodes);
    case "line":
      return lineTopology(nodes);
    case "total":
      return totalTopology(nodes);
    case "tree":
    case "tree2":
      return treeTopology(2, nodes);
    case "tree3":
      return treeTopology(3, nodes);
    case "tree4":
      return treeTopology(4, nodes);
    default:
      throw new Error(
        `Unknown topology "${name}"; expected one of ${
          TOPOLOGY_NAMES.map((n) => `"${n}"`).join(", ")
        }`,
      );
  }
}

/** A roughly square grid: side ⌈√n⌉, node `i·side + j` at row i, column j. Neighbours are
 * below, above, right and left, in that order, where those positions hold a node.
 *
 * @example
 * ```ts
 * import { gridTopology } from "./topology.ts";
 * gridTopology(["n0", "n1", "n2", "n3"]).n0; // ["n2", "n1"]
 * ```
 */
export function gridTopology(nodes: readonly string[]): Topology {
  const n = nodes.length;
  const side = Math.ceil(Math.sqrt(n));
  // A position holds a node only if its column is inside the row and its index exists: the last
  // row may be short.
  const at = (i: number, j: number): string | undefined =>
    i >= 0 && j >= 0 && j < side && i * side + j < n ? nodes[i * side + j] : undefined;
  const topology: Topology = {};
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const me = at(i, j);
      if (me === undefined) continue;
      topology[me] = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)]
        .filter((x): x is string => x !== undefined);
    }
  }
  return topology;
}

/** A line: each node knows its left and right neighbours. Fewer than two nodes give `{}`, so a
 * lone node is not even a key, as in Maelstrom.
 *
 * @example
 * ```ts
 * import { lineTopology } from "./topology.ts";
 * lineTopology(["n0"]); // {}
 * ```
 */
export function lineTopology(nodes: readonly string[]): Topology {
  const n = nodes.length;
  if (n < 2) return {};
  const topology: Topology = {};
  for (let k = 0; k < n; k++) {
    topology[nodes[k]] = k === 0
      ? [nodes[1]]
      : k === n - 1
      ? [nodes[n - 2]]
      : [nodes[k - 1], nodes[k + 1]];
  }
  return topology;
}

/** Every node knows every other node, in test order.
 *
 * @example
 * ```ts
 * import { totalTopology } from "./topology.ts";
 * totalTopology(["n0", "n1", "n2"]).n1; // ["n0", "n2"]
 * ```
 */
export function totalTopology(nodes: readonly string[]): Topology {
  const topology: Topology = {};
  for (const me of nodes) topology[me] = nodes.filter((x) => x !== me);
  return topology;
}

/** A tree with branching factor `b`: nodes are cut into tiers of 1, b, b², ... nodes; each
 * tier's nodes are handed out in order, b at a time, to the previous tier's nodes in order.
 * Neighbours are the parent (if any) followed by the children.
 *
 * @example
 * ```ts
 * import { treeTopology } from "./topology.ts";
 * treeTopology(2, ["n0", "n1", "n2", "n3"]);
 * // { n0: ["n1", "n2"], n1: ["n0", "n3"], n2: ["n0"], n3: ["n1"] }
 * ```
 */
export function treeTopology(b: number, nodes: readonly string[]): Topology {
  const tiers: string[][] = [];
  for (let start = 0, size = 1; start < nodes.length; start += size, size *= b) {
    tiers.push(nodes.slice(start, start + size));
  }
  const neighbours = new Map<string, string[]>(nodes.map((x) => [x, []]));
  for (let t = 1; t < tiers.length; t++) {
    tiers[t].forEach((child, p) => {
      const parent = tiers[t - 1][Math.floor(p / b)];
      // The parent comes first in the child's list, and children follow the parent's own parent
      // (added when its tier was processed), so the order is [parent, children...].
      neighbours.get(child)!.push(parent);
      neighbours.get(parent)!.push(child);
    });
  }
  const topology: Topology = {};
  for (const x of nodes) topology[x] = neighbours.get(x)!;
  return topology;
}
