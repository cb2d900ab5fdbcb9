/**
 * # Challenge 4: Grow-only counter
 *
 * **Problem.** Clients send `{"type": "add", "delta": D}` (D ≥ 0) to any of 3 nodes and
 * `{"type": "read"}` for the total. The nodes may not keep the total between themselves: they
 * must build it on Maelstrom's `seq-kv`, a key-value store that is only *sequentially*
 * consistent. The network is partitioned and healed for 20 s; then it heals for good, Maelstrom
 * waits 10 s, and each client reads once more. Those final reads must all equal the sum of the
 * acknowledged adds (https://fly.io/dist-sys/4/).
 *
 * **Why seq-kv reads go stale.** Sequential consistency promises one order of all operations
 * that respects each client's own order, and nothing about real time. Maelstrom's seq-kv keeps
 * the last 32 states of the store and remembers, per node, the newest state that node has seen.
 * A read is answered from a state picked at random between that one and the newest, so a node
 * can read a value that was overwritten long ago, and keep doing so. A request that *changes*
 * the store is different: it cannot be slotted into the past, so it runs against the newest
 * state and moves the node there. After its own write a node sees every write that finished
 * before it.
 *
 * **Key idea.** One key per node (`count/n0`, ...), written only by its owner, so no two nodes
 * ever race on a key and no compare-and-set is needed. A node counts its own adds in memory and
 * answers reads from memory: its own count plus the largest count it has seen in each peer's
 * key. Once a second a *sync round* publishes and refreshes: it writes the node's own key, then
 * reads the peers' keys. The write carries the round number as well as the count, so it always
 * changes the store, and the reads that follow are therefore at least as new as the write. That
 * turns "eventually, probably" into a bound: two rounds after the last add, every node has read
 * every final count (see "Why the final reads are right" below).
 *
 * **Run it.**
 * ```sh
 * deno task test:counter
 * # the fly.io command, against our harness or a real Maelstrom:
 * maelstrom test -w g-counter --bin launchers/counter --node-count 3 --rate 100 --time-limit 20 \
 *   --nemesis partition
 * ```
 *
 * @module
 */
import { z } from "zod";
import { Kv, Node, type NodeOptions } from "../lib/mod.ts";

// ## Messages
//
// The two client requests, spelled as on the wire. Nodes never message each other: everything
// they share goes through seq-kv.
export type Message = { type: "add"; delta: number } | { type: "read" };

/** A delta that is not a whole number of at least 0 would corrupt the count for good, so the
 * runtime answers it with error 12 (malformed-request) before the handler sees it. */
const addSchema = z.looseObject({
  type: z.literal("add"),
  delta: z.number().int().nonnegative(),
});

/** What a node stores under its key: its count, and the number of the sync round that wrote it.
 * The round number makes every write differ from the one before, so every write changes the
 * store's state (a write of the value a key already holds does not, and would not move the
 * writer to the newest state). */
interface Slot {
  count: number;
  round: number;
}

/** The seq-kv key that belongs to `nodeId`. */
function slotKey(nodeId: string): string {
  return `count/${nodeId}`;
}

/** How often each node publishes its count and refreshes its peers'. Final reads need every node
 * to have read every final count within Maelstrom's 10 s recovery wait, and two rounds suffice,
 * so anything up to a few seconds is safe; shorter makes intermediate reads fresher and costs 6
 * messages per node per round. */
const syncIntervalMs = 1000;

/** Builds the counter node. The harness's simulator calls this with its own transport and clock;
 * run as a program, the node talks over stdin and stdout.
 *
 * @example
 * ```ts ignore
 * import { createNode } from "./counter.ts";
 * await createNode().run();
 * ```
 */
export function createNode(options?: NodeOptions): Node<Message> {
  const node = new Node<Message>(options);
  const kv = new Kv(node, "seq-kv");

  // ## State
  //
  // Invariants: `ownCount` is the sum of the deltas this node has acknowledged, and the value in
  // our key never exceeds it. `peerCounts` holds, per peer, the largest count read from its key,
  // which never exceeds that peer's own count. So a read, `ownCount` plus the peer counts, never
  // exceeds the true total; it may lag behind it by up to about two sync rounds.
  let ownCount = 0;
  const peerCounts = new Map<string, number>();
  let round = 0;

  // ## Handlers
  //
  // An add is acknowledged as soon as it is counted in memory, and reaches seq-kv with the next
  // sync round. A node that crashed could lose up to one round of acknowledged adds; Maelstrom's
  // g-counter test partitions the network but never kills a node, and writing through on every
  // add would cost 2 more messages per add (the figures are in BENCHMARKS.md).
  node.on("add", (msg) => {
    ownCount += msg.body.delta;
    return { type: "add_ok" };
  }, addSchema);

  // A read costs no messages at all. It may be a little behind, which the checker allows: only the
  // final reads, taken after the recovery wait, must equal the total.
  node.on("read", () => {
    let total = ownCount;
    for (const count of peerCounts.values()) total += count;
    return { type: "read_ok", value: total };
  });

  // ## Background: the sync round
  //
  // First publish: write our count. The write changes the store, so seq-kv runs it against its
  // newest state and from then on answers our reads from that state or a newer one. Then refresh:
  // every peer's key now holds at least what that peer had written before our write. Taking the
  // maximum keeps each peer count from going backwards should a reply ever come from an older
  // state. A round that fails (an RPC timeout) is logged by `every`, and the next round redoes it.
  node.every(syncIntervalMs, async () => {
    round += 1;
    await kv.write(slotKey(node.id), { count: ownCount, round } satisfies Slot);
    await Promise.all(node.peers.map(async (peer) => {
      const slot = await kv.readOr<Slot | null>(slotKey(peer), null);
      if (slot === null) return; // The peer has not published yet: it counts as 0.
      peerCounts.set(peer, Math.max(peerCounts.get(peer) ?? 0, slot.count));
    }));
  });

  return node;
}

if (import.meta.main) await createNode().run();

// ## Why the final reads are right
//
// Partitions cut node-to-node links only, and these nodes send each other nothing; seq-kv is
// never cut off. So the only obstacle is staleness, and the write at the start of each round
// bounds it. Say the last add is acknowledged at time A, and a round takes d (a few round trips
// to seq-kv). Every node starts a round at least every T + d (T = `syncIntervalMs`), so by
// A + T + 2d every node has written its final count; call the moment the last of those writes
// completed W. By W + T + 2d every node has also run a round that started after W: its write
// landed after all the final writes, so the reads that followed returned every final count. In
// all, A + 2T + 4d is about 2 s, well inside the 10 s that Maelstrom waits after healing; from
// then on every read returns the total.
//
// Without the round number a node with nothing new to publish would leave the store unchanged,
// and could go on reading old states, drifting forward only by chance. In practice the drift is
// fast: each read moves the node to a random state between its own and the newest, and a variant
// that writes the bare count passed the same 20 simulated seeds. But "fast with high probability"
// is not a bound. The round number buys one at the price of the writes of rounds with nothing new,
// mostly the quiet final 10 s: about 3 nodes × 10 rounds × 2 = 60 messages per test. A
// compare-and-set that leaves the value as it was would not do: it changes nothing, so seq-kv may
// answer it from an old state (https://github.com/jepsen-io/maelstrom/issues/39).
//
// ## What you should see
//
// The fly.io command line in the simulator (`deno task test:counter` runs it as real processes):
// every node's final read equals the total while partitions come and go, and the server messages
// are the sync rounds' alone, whatever the traffic; measured figures: [BENCHMARKS.md].
//
// ```console
// $ deno task maelstrom test --bin challenges/counter.ts -w g-counter --node-count 3 --rate 100 \
//     --time-limit 20 --nemesis partition --seed 1
//   ✓ stats         <ops> ops: <ops> ok, 0 fail, 0 info
//   ✓ net           msgs-per-op <n> all, 0.<n> servers (<n> messages)
//   ✓ workload      final-reads [<total>,<total>,<total>], acceptable [[<total>,<total>]]
// Everything looks good! ヽ(‘ー`)ノ
// ```
//
// [BENCHMARKS.md]: ../BENCHMARKS.md
