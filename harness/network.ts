/**
 * The simulated network between clients, nodes and services, as Maelstrom models it: per-message
 * latency (zero whenever a client is involved), partitions that drop messages at delivery time,
 * and a journal of every send and receive from which the `net` statistics are computed.
 *
 * @module
 */
import type { HarnessClock } from "./clock.ts";
import type { Rng } from "./types.ts";

/** A message as the network carries it. `id` is the network's own counter, as in Maelstrom. */
export interface WireMessage {
  id: number;
  src: string;
  dest: string;
  body: Record<string, unknown>;
}

/** What an endpoint can do with a message that is due now (see {@linkcode Endpoint.state}):
 * - `"up"`: take it (the usual case);
 * - `"dead"`: its process exited on its own. Maelstrom's writer thread for the node keeps taking
 *   messages off its queue and journals each as received before the write fails
 *   (`maelstrom.process/stdin-thread`, `maelstrom.net/recv!`), so the message counts as received
 *   but is marked `lost: "dead-node"`;
 * - `"killed"`: the harness killed it (`--nemesis kill`), or the message was queued for an instance
 *   that has since been killed and restarted. Maelstrom keeps a killed node's queue but stops
 *   taking from it, and a restart installs a fresh queue (jepsen-io/maelstrom pull request 102),
 *   so the message is never received; it is marked `lost: "dead-node"`. */
export type EndpointState = "up" | "dead" | "killed";

/** Something that can receive messages: a node, a client connection or a service. */
export interface Endpoint {
  deliver(msg: WireMessage): void;
  /** Whether the endpoint can take `msg` now; `"up"` when absent. Node backends use it for nodes
   * that crashed or were killed. */
  state?(msg: JournalEntry): EndpointState;
}

/** One journal record per message: when it was sent and, if it arrived, when. Times are
 * milliseconds since the test started. */
export interface JournalEntry {
  id: number;
  src: string;
  dest: string;
  body: Record<string, unknown>;
  sentMs: number;
  recvMs?: number;
  /** Why the message never arrived. */
  dropped?: "partition" | "unregistered";
  /** The destination node was dead (crashed or killed) when the message came due. A message to a
   * crashed node still has `recvMs`, because Maelstrom journals it as received (and counts it in
   * `recv-count`); this mark says it was never processed. */
  lost?: "dead-node";
  /** The node that wrote this message is not its `src`: it claimed another node's or a client's
   * identity. Maelstrom routes such a line as if it came from `src`; `--strict` leaves these
   * messages out of the `net` statistics. */
  spoofed?: true;
}

/** `send-count`, `recv-count`, `msg-count` (and `msgs-per-op` for `all` and `servers`), keyed as
 * in Maelstrom's results. */
export interface NetClassStats {
  "send-count": number;
  "recv-count": number;
  "msg-count": number;
  "msgs-per-op"?: number;
}

/** Thrown by {@linkcode Network.send} when a message names an endpoint that is not on the
 * network. Maelstrom treats such a line as fatal for the sending node's stdout. */
export class UnknownEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownEndpointError";
  }
}

/** Latency options, as `--latency` and `--latency-dist`. */
export interface LatencyOptions {
  latencyMs: number;
  latencyDist: "constant" | "uniform" | "exponential";
}

/** Whether an id names a client: Maelstrom decides by the first character alone. */
export const isClient = (id: string): boolean => id.startsWith("c");

/** The network. Register endpoints, then `send`; delivery happens after the drawn latency unless a
 * partition drops the message first.
 *
 * @example
 * ```ts
 * import { Network } from "./network.ts";
 * import { VirtualClock } from "./clock.ts";
 * import { createRng } from "./rng.ts";
 * const clock = new VirtualClock();
 * const net = new Network(clock, createRng(1), { latencyMs: 100, latencyDist: "constant" });
 * const got: string[] = [];
 * net.register("n0", { deliver: () => {} });
 * net.register("n1", { deliver: (m) => got.push(`${m.body.type}@${clock.now()}`) });
 * await clock.run(async () => {
 *   net.send("n0", "n1", { type: "hello" });
 *   await clock.sleep(200);
 * });
 * got; // ["hello@100"]
 * ```
 */
export class Network {
  /** Every message sent, in send order. */
  readonly journal: JournalEntry[] = [];
  /** Called for every message accepted (`--log-net-send`) and delivered (`--log-net-recv`). */
  onSend: ((e: JournalEntry) => void) | undefined;
  onRecv: ((e: JournalEntry) => void) | undefined;
  #clock: HarnessClock;
  #rng: Rng;
  #latency: LatencyOptions;
  #originMs: number;
  #endpoints = new Map<string, Endpoint>();
  /** dest → the sources whose messages dest currently drops. */
  #grudge = new Map<string, Set<string>>();
  #due: JournalEntry[] = [];
  #dueScheduled = false;

  constructor(clock: HarnessClock, rng: Rng, latency: LatencyOptions) {
    this.#clock = clock;
    this.#rng = rng;
    this.#latency = latency;
    this.#originMs = clock.now();
  }

  /** Milliseconds since the network (and so the test) was created. */
  elapsedMs(): number {
    return this.#clock.now() - this.#originMs;
  }

  register(id: string, endpoint: Endpoint): void {
    this.#endpoints.set(id, endpoint);
  }

  unregister(id: string): void {
    this.#endpoints.delete(id);
  }

  isRegistered(id: string): boolean {
    return this.#endpoints.has(id);
  }

  /** Accepts a message for delivery. Throws {@linkcode UnknownEndpointError} when `src` or `dest`
   * is not registered. */
  send(src: string, dest: string, body: Record<string, unknown>): JournalEntry {
    if (!this.#endpoints.has(dest)) {
      throw new UnknownEndpointError(`Invalid dest "${dest}": no such node, service or client`);
    }
    if (!this.#endpoints.has(src)) {
      throw new UnknownEndpointError(`Invalid src "${src}": no such node, service or client`);
    }
    const entry: JournalEntry = {
      id: this.journal.length,
      src,
      dest,
      body,
      sentMs: this.elapsedMs(),
    };
    this.journal.push(entry);
    this.onSend?.(entry);
    const latency = isClient(src) || isClient(dest) ? 0 : this.#drawLatency();
    if (latency === 0 && !this.#clock.virtual) {
      // Zero-latency traffic is batched into one microtask rather than one timer per message.
      this.#due.push(entry);
      if (!this.#dueScheduled) {
        this.#dueScheduled = true;
        queueMicrotask(() => this.#flushDue());
      }
    } else {
      this.#clock.setTimeout(() => this.#deliver(entry), latency);
    }
    return entry;
  }

  /** Installs a partition: `grudge` maps each node to the nodes whose messages it drops. */
  partition(grudge: Map<string, Set<string>>): void {
    this.#grudge = grudge;
  }

  /** Removes every partition. */
  heal(): void {
    this.#grudge = new Map();
  }

  /** The current partition, for progress lines and reports. */
  get grudge(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#grudge;
  }

  /** Maelstrom's `net` statistics; `opCount` is the number of client invocations. With
   * `excludeSpoofed` (under `--strict`), messages a node sent under another's identity are left
   * out, so a node cannot make its own traffic look like a client's.
   *
   * @example
   * ```ts
   * import { Network } from "./network.ts";
   * import { VirtualClock } from "./clock.ts";
   * import { createRng } from "./rng.ts";
   * const net = new Network(new VirtualClock(), createRng(1), { latencyMs: 0, latencyDist: "constant" });
   * net.register("n0", { deliver: () => {} });
   * net.register("n1", { deliver: () => {} });
   * net.send("n0", "n1", { type: "gossip" }).spoofed = true;
   * net.stats(1, { excludeSpoofed: true }).servers["msg-count"]; // 0
   * ```
   */
  stats(
    opCount: number,
    options: { excludeSpoofed?: boolean } = {},
  ): { all: NetClassStats; clients: NetClassStats; servers: NetClassStats } {
    const count = (filter: (e: JournalEntry) => boolean): NetClassStats => {
      let sends = 0, recvs = 0;
      for (const e of this.journal) {
        if (!filter(e)) continue;
        if (options.excludeSpoofed && e.spoofed) continue;
        sends++;
        if (e.recvMs !== undefined) recvs++;
      }
      // Each journal entry is one distinct message, so msg-count equals the send count.
      return { "send-count": sends, "recv-count": recvs, "msg-count": sends };
    };
    const clientMsg = (e: JournalEntry) => isClient(e.src) || isClient(e.dest);
    const all = count(() => true);
    const clients = count(clientMsg);
    const servers = count((e) => !clientMsg(e));
    if (opCount > 0) {
      all["msgs-per-op"] = all["msg-count"] / opCount;
      servers["msgs-per-op"] = servers["msg-count"] / opCount;
    }
    return { all, clients, servers };
  }

  #drawLatency(): number {
    const { latencyMs: mean, latencyDist } = this.#latency;
    if (mean === 0) return 0;
    switch (latencyDist) {
      case "constant":
        return mean;
      case "uniform":
        return Math.floor(this.#rng.next() * 2 * mean);
      case "exponential":
        return Math.floor(-mean * Math.log(1 - this.#rng.next()));
    }
  }

  #flushDue(): void {
    this.#dueScheduled = false;
    const due = this.#due;
    this.#due = [];
    for (const e of due) this.#deliver(e);
  }

  #deliver(entry: JournalEntry): void {
    const endpoint = this.#endpoints.get(entry.dest);
    const state = endpoint?.state?.(entry) ?? "up";
    // A killed node's queue is not read at all, so not even the partition check happens.
    if (state === "killed") {
      entry.lost = "dead-node";
      return;
    }
    if (this.#grudge.get(entry.dest)?.has(entry.src)) {
      entry.dropped = "partition";
      return;
    }
    if (!endpoint) {
      entry.dropped = "unregistered";
      return;
    }
    entry.recvMs = this.elapsedMs();
    if (state === "dead") entry.lost = "dead-node";
    this.onRecv?.(entry);
    if (state === "up") endpoint.deliver(entry);
  }
}
