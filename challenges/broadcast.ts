/**
 * # Challenge 3: Broadcast (parts 3a–3e)
 *
 * **Problem.** Clients send `{"type": "broadcast", "message": 7}` to any node and ask any node to
 * `{"type": "read"}`; every value must end up in every node's reads. Part 3a has one node, 3b
 * five, 3c partitions the network, and 3d/3e run 25 nodes with 100 ms per hop at 100 operations
 * per second, judged on messages per operation and on how long a value takes to be everywhere
 * (https://fly.io/dist-sys/3a/ to /3e/).
 *
 * **Key idea.** One file solves all five parts:
 * - *A star, not the suggested topology.* `n0` is the hub and every other node a leaf. A value
 *   reaches every node in two hops (200 ms), and a leaf talks to one peer only. Maelstrom's
 *   suggested 5×5 grid needs up to 8 hops and carries each value over all 40 of its edges.
 * - *The hub batches.* A leaf forwards a client's value to the hub at once; the hub collects what
 *   it learns and sends it to every leaf once per batch interval. Its fan-out, 24 messages per
 *   interval, is most of the bill, and it does not grow with the number of values.
 * - *Every link is a reliable stream.* Each side numbers the values it queues for the other. A
 *   message carries every value the peer has not acknowledged, plus an acknowledgement of the
 *   peer's stream, so acknowledgements ride on traffic that flows anyway. A value dropped by a
 *   partition is in the next message on that link, or in a retransmission after a timeout.
 *
 * The batch interval trades messages for latency, and 3d and 3e want different points on that
 * curve, so it is the one command-line knob: `--batch-ms=N` (default 150, used for 3a–3d; 3e
 * runs with `--batch-ms=1000`).
 *
 * **Run it.**
 * ```sh
 * deno task test:broadcast
 * deno task bench:broadcast   # 3d and 3e as real processes, with a table of figures
 * # 3d, then 3e with its batch interval (arguments after `--` reach every node):
 * maelstrom test -w broadcast --bin launchers/broadcast --node-count 25 --time-limit 20 \
 *   --rate 100 --latency 100
 * maelstrom test -w broadcast --bin launchers/broadcast --node-count 25 --time-limit 20 \
 *   --rate 100 --latency 100 -- --batch-ms=1000
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { Node, type NodeOptions } from "../lib/mod.ts";

// ## Messages
//
// The client's three requests, and `sync`, the only message between nodes. A `sync` carries
// entries `from`, `from + 1`, ... of the sender's stream to the receiver (`values`), and `ack`:
// how many entries of the receiver's stream the sender holds. It is never answered directly.
export type Message =
  | { type: "broadcast"; message: number }
  | { type: "read" }
  | { type: "topology"; topology: Record<string, string[]> }
  | { type: "sync"; from: number; values: number[]; ack: number };

// ## Tuning

/** How a broadcast node trades messages for latency. */
export interface BroadcastConfig {
  /** How often the hub sends what it learned to the leaves. */
  batchMs: number;
  /** How long a leaf may sit on an acknowledgement, hoping to piggyback it on a value. */
  ackDelayMs: number;
  /** How long a side waits for an acknowledgement before it sends the same values again. */
  retransmitMs: number;
  /** How often a leaf checks whether an acknowledgement or a retransmission is due. */
  leafTickMs: number;
}

/** The batch interval when no `--batch-ms` is given: 3d's latency targets with room to spare. */
export const DEFAULT_BATCH_MS = 150;

/** Reads `--batch-ms=N` from the node's command-line arguments; the rest follows from it.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./broadcast.ts";
 * parseConfig(["--batch-ms=1000"]).batchMs; // 1000
 * parseConfig([]).batchMs; // 150
 * ```
 */
export function parseConfig(args: readonly string[]): BroadcastConfig {
  const { values } = parseArgs({
    args: [...args],
    options: { "batch-ms": { type: "string" } },
    strict: true,
  });
  const raw = values["batch-ms"];
  const batchMs = raw === undefined ? DEFAULT_BATCH_MS : Number(raw);
  if (!Number.isInteger(batchMs) || batchMs <= 0) {
    throw new Error(`--batch-ms must be a positive whole number of milliseconds, not "${raw}"`);
  }
  // A leaf sends values about twice a second under load, so an acknowledgement rarely waits the
  // full second alone: it goes out with the next value.
  const ackDelayMs = 1000;
  return {
    batchMs,
    ackDelayMs,
    // An acknowledgement comes back within two hops plus one wait on the far side: the hub's
    // batch interval, or a leaf's acknowledgement delay. Retransmitting sooner would only resend
    // values that are already on their way.
    retransmitMs: batchMs + ackDelayMs + 500,
    leafTickMs: 100,
  };
}

// ## Links
//
// One `Link` per peer holds both directions of a reliable, ordered stream of values. Invariants:
// - `pending` holds entries `acked` .. `head - 1` of our stream: exactly those the peer has not
//   acknowledged. Acknowledged entries are dropped, so the queue holds only what is in flight
//   (at most every value, during a partition that never heals).
// - `received` counts the entries of the peer's stream we hold. The peer always sends from the
//   last acknowledgement we gave it, which is at most `received`, so a message can repeat
//   entries but never skip one.
class Link {
  pending: number[] = [];
  acked = 0;
  /** Our stream's length when we last sent: entries beyond it are news. */
  sent = 0;
  lastSentAtMs = -Infinity;
  received = 0;
  /** When the peer first sent values we have not yet acknowledged, or null. */
  ackOwedSinceMs: number | null = null;

  constructor(readonly peer: string) {}

  get head(): number {
    return this.acked + this.pending.length;
  }
}

/** Builds the broadcast node. `args` are the node's command-line arguments (`--batch-ms=N`): the
 * simulator passes the test's extra arguments, a real process its `Deno.args`.
 *
 * @example
 * ```ts ignore
 * const node = createNode({}, ["--batch-ms=1000"]);
 * await node.run();
 * ```
 */
export function createNode(options?: NodeOptions, args: readonly string[] = []): Node<Message> {
  const config = parseConfig(args);
  const node = new Node<Message>(options);

  // ## State
  //
  // `values` is everything this node knows, and reads return it: a node answers from its own
  // copy, so a value it acknowledged is in its next read. Every value in `values` is queued on
  // every link but the one it came from (that peer has it already).
  const values = new Set<number>();
  let links: Link[] = [];
  /** A leaf's only link; undefined on the hub. */
  let hubLink: Link | undefined;

  // The hub is the first node. A single node (3a) is a hub without leaves, and sends nothing.
  node.on("init", () => {
    const hub = node.nodeIds[0];
    if (node.id !== hub) hubLink = new Link(hub);
    links = hubLink ? [hubLink] : node.peers.map((peer) => new Link(peer));
  });

  function learn(value: number, source?: Link): void {
    if (values.has(value)) return;
    values.add(value);
    for (const link of links) if (link !== source) link.pending.push(value);
  }

  // Sends on `link` if there is news, a retransmission is due, or an acknowledgement has waited
  // `ackDelayMs`. Whatever the reason, the message carries every unacknowledged value and our
  // acknowledgement, so one message serves all three purposes.
  function flush(link: Link, ackDelayMs: number): void {
    const now = node.now();
    const news = link.head > link.sent;
    const retransmit = link.pending.length > 0 && now - link.lastSentAtMs >= config.retransmitMs;
    const ackDue = link.ackOwedSinceMs !== null && now - link.ackOwedSinceMs >= ackDelayMs;
    if (!news && !retransmit && !ackDue) return;
    node.send(link.peer, {
      type: "sync",
      from: link.acked,
      values: [...link.pending],
      ack: link.received,
    });
    link.sent = link.head;
    link.lastSentAtMs = now;
    link.ackOwedSinceMs = null;
  }

  // ## Handlers
  //
  // The topology is only a suggestion, and we bring our own, so we just acknowledge it.
  node.on("topology", () => ({ type: "topology_ok" }));

  // A leaf forwards a new value at once. Holding it back would add latency for little gain: the
  // hub holds it until its next batch anyway, and the hub's fan-out, not the leaves' forwards, is
  // most of the bill (the breakdown is in BENCHMARKS.md).
  node.on("broadcast", (msg) => {
    learn(msg.body.message);
    if (hubLink) flush(hubLink, config.ackDelayMs);
    return { type: "broadcast_ok" };
  }, z.object({ type: z.literal("broadcast"), message: z.number() }));

  node.on("read", () => ({ type: "read_ok", messages: [...values] }));

  node.on("sync", (msg) => {
    const link = links.find((l) => l.peer === msg.src);
    const { from, values: batch, ack } = msg.body;
    if (!link || from > link.received) {
      node.log.error("Ignoring a sync from {src} that does not fit its stream", { src: msg.src });
      return;
    }
    if (ack > link.acked) {
      link.pending.splice(0, ack - link.acked);
      link.acked = ack;
      link.sent = Math.max(link.sent, ack);
    }
    // Skip the entries we hold already: they are repeats sent because an acknowledgement had not
    // arrived yet.
    for (const value of batch.slice(link.received - from)) learn(value, link);
    link.received = Math.max(link.received, from + batch.length);
    // Even a pure repeat needs an answer: it means the peer has not seen our acknowledgement.
    if (batch.length > 0) link.ackOwedSinceMs ??= node.now();
  });

  // ## Background tasks
  //
  // The hub's batch: every `batchMs`, one message to each leaf that has news or is owed an
  // acknowledgement, and none when idle. A leaf checks every `leafTickMs` whether an
  // acknowledgement has waited long enough or its values need sending again.
  node.every(config.batchMs, () => {
    if (hubLink) return;
    for (const link of links) flush(link, 0);
  });
  node.every(config.leafTickMs, () => {
    if (hubLink) flush(hubLink, config.ackDelayMs);
  });

  return node;
}

if (import.meta.main) await createNode({}, Deno.args).run();

// ## What you should see
//
// 3d's fly.io command line in the simulator (`deno task test:broadcast` runs 3a-3e as real
// processes, all valid): every value reaches every node, at about two server messages per
// operation; the figures of 3d and 3e, and the batch interval's trade-off, are in
// [BENCHMARKS.md].
//
// ```console
// $ deno task maelstrom test --bin challenges/broadcast.ts -w broadcast --node-count 25 \
//     --time-limit 20 --rate 100 --latency 100 --seed 1
//   ✓ stats         <ops> ops: <ops> ok, 0 fail, 0 info
//   ✓ net           msgs-per-op <n> all, <n> servers (<n> messages)
//   ✓ workload      attempt-count <values>, stable-count <values>, lost-count 0, …
//   ✓ nodes         no crashes, no malformed output
// Everything looks good! ヽ(‘ー`)ノ
// ```
//
// [BENCHMARKS.md]: ../BENCHMARKS.md
