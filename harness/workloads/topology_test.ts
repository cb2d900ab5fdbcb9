import assert from "node:assert/strict";
import { buildTopology, type Topology } from "./topology.ts";

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

/** Every edge must appear in both directions: nodes gossip along them both ways. */
function assertSymmetric(t: Topology): void {
  for (const [a, ns] of Object.entries(t)) {
    for (const b of ns) assert.ok(t[b]?.includes(a), `${a} → ${b} has no way back`);
  }
}

Deno.test("grid of 5 nodes: side 3, short last row", () => {
  assert.deepEqual(buildTopology("grid", nodes(5)), {
    n0: ["n3", "n1"],
    n1: ["n4", "n2", "n0"],
    n2: ["n1"],
    n3: ["n0", "n4"],
    n4: ["n1", "n3"],
  });
});

Deno.test("grid of 25 nodes is a 5×5 square with down, up, right, left order", () => {
  const t = buildTopology("grid", nodes(25));
  assert.equal(Object.keys(t).length, 25);
  assert.deepEqual(t.n0, ["n5", "n1"]);
  assert.deepEqual(t.n4, ["n9", "n3"]);
  assert.deepEqual(t.n12, ["n17", "n7", "n13", "n11"]);
  assert.deepEqual(t.n20, ["n15", "n21"]);
  assert.deepEqual(t.n24, ["n19", "n23"]);
  for (const ns of Object.values(t)) assert.ok(ns.length >= 2 && ns.length <= 4);
  assertSymmetric(t);
});

Deno.test("grid of 1 and 4 nodes", () => {
  assert.deepEqual(buildTopology("grid", nodes(1)), { n0: [] });
  assert.deepEqual(buildTopology("grid", nodes(4)), {
    n0: ["n2", "n1"],
    n1: ["n3", "n0"],
    n2: ["n0", "n3"],
    n3: ["n1", "n2"],
  });
});

Deno.test("tree4 of 25 nodes: tiers 1, 4, 16, 4, the last tier all under n5", () => {
  const t = buildTopology("tree4", nodes(25));
  assert.deepEqual(t.n0, ["n1", "n2", "n3", "n4"]);
  assert.deepEqual(t.n1, ["n0", "n5", "n6", "n7", "n8"]);
  assert.deepEqual(t.n4, ["n0", "n17", "n18", "n19", "n20"]);
  assert.deepEqual(t.n5, ["n1", "n21", "n22", "n23", "n24"]);
  assert.deepEqual(t.n6, ["n1"]);
  assert.deepEqual(t.n20, ["n4"]);
  assert.deepEqual(t.n24, ["n5"]);
  assert.equal(Object.keys(t).length, 25);
  assertSymmetric(t);
});

Deno.test("tree, tree2 and tree3", () => {
  const t2 = buildTopology("tree", nodes(7));
  assert.deepEqual(t2, {
    n0: ["n1", "n2"],
    n1: ["n0", "n3", "n4"],
    n2: ["n0", "n5", "n6"],
    n3: ["n1"],
    n4: ["n1"],
    n5: ["n2"],
    n6: ["n2"],
  });
  assert.deepEqual(buildTopology("tree2", nodes(7)), t2);
  assert.deepEqual(buildTopology("tree3", nodes(6)), {
    n0: ["n1", "n2", "n3"],
    n1: ["n0", "n4", "n5"],
    n2: ["n0"],
    n3: ["n0"],
    n4: ["n1"],
    n5: ["n1"],
  });
  assert.deepEqual(buildTopology("tree4", nodes(1)), { n0: [] });
});

Deno.test("line: ends have one neighbour; fewer than two nodes give {}", () => {
  assert.deepEqual(buildTopology("line", nodes(1)), {});
  assert.deepEqual(buildTopology("line", nodes(2)), { n0: ["n1"], n1: ["n0"] });
  assert.deepEqual(buildTopology("line", nodes(4)), {
    n0: ["n1"],
    n1: ["n0", "n2"],
    n2: ["n1", "n3"],
    n3: ["n2"],
  });
});

Deno.test("total: everyone else, in test order", () => {
  assert.deepEqual(buildTopology("total", nodes(3)), {
    n0: ["n1", "n2"],
    n1: ["n0", "n2"],
    n2: ["n0", "n1"],
  });
  assert.deepEqual(buildTopology("total", nodes(1)), { n0: [] });
});

Deno.test("an unknown topology name throws a sentence naming it", () => {
  assert.throws(
    () => buildTopology("ring", nodes(3)),
    /^Error: Unknown topology "ring"; expected one of "grid"/,
  );
});
