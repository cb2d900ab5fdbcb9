/**
 * # Challenge 2: Unique ID generation
 *
 * **Problem.** Answer every `{"type": "generate"}` with `{"type": "generate_ok", "id": ...}` such
 * that no two answers, from any node, are ever equal. The test runs 3 nodes at 1000 requests per
 * second for 30 s while the network is partitioned and healed, and requires *total
 * availability*: every request must succeed, even on a node cut off from all the others
 * (https://fly.io/dist-sys/2/).
 *
 * **Key idea.** Total availability under partitions rules out asking anyone else, so a node must
 * mint ids alone. Two facts make that safe: node ids are unique in the cluster, and each node can
 * count. The pair `(node id, local counter)` is therefore unique everywhere, with no messages at
 * all. We encode it as a string such as `"n1-42"`.
 *
 * **Run it.**
 * ```sh
 * deno task test:unique-ids
 * maelstrom test -w unique-ids --bin launchers/unique-ids --time-limit 30 --rate 1000 \
 *   --node-count 3 --availability total --nemesis partition
 * ```
 *
 * @module
 */
import { Node, type NodeOptions } from "../lib/mod.ts";

// ## Messages
export type Message = { type: "generate" };

/** Builds the unique-id node. */
export function createNode(options?: NodeOptions): Node<Message> {
  const node = new Node<Message>(options);

  // ## State
  //
  // Invariant: `issued` is the number of ids this node has handed out, so `${node.id}-${issued}`
  // has never been returned before by this node, and no other node can produce it because its
  // prefix is our id. The counter lives in memory: Maelstrom never restarts a node. (A node that
  // could restart would need a fresh prefix per incarnation, such as a random or persisted epoch.)
  let issued = 0;

  // ## Handlers
  node.on("generate", () => ({ type: "generate_ok", id: `${node.id}-${issued++}` }));

  return node;
}

if (import.meta.main) await createNode().run();

// ## What you should see
//
// The fly.io command line in the simulator (`deno task test:unique-ids` runs it as real
// processes): every request is answered while partitions come and go, no id repeats, and no
// message travels between servers. Every part's simulator timing is in [BENCHMARKS.md].
//
// ```console
// $ deno task maelstrom test --bin challenges/unique_ids.ts -w unique-ids --time-limit 30 \
//     --rate 1000 --node-count 3 --availability total --nemesis partition --seed 1
//   ✓ stats         <ops> ops: <ops> ok, 0 fail, 0 info
//   ✓ availability  ok-fraction 1.0000 (required total)
//   ✓ net           msgs-per-op <n> all, 0.00 servers (<n> messages)
//   ✓ workload      attempted-count <ids>, acknowledged-count <ids>, duplicated-count 0, …
// Everything looks good! ヽ(‘ー`)ノ
// ```
//
// [BENCHMARKS.md]: ../BENCHMARKS.md
