/**
 * The simulated network between clients, nodes and services, as Maelstrom's `src/maelstrom/net.clj`
 * models it: per-message latency (zero whenever a client is involved), one deadline-ordered inbound
 * queue and delivery loop per endpoint (so a message can wait behind one due later), partitions
 * checked when the loop takes a message, and a journal of every send and receive from which the
 * `net` statistics are computed.
 *
 * @module
 */
import type { HarnessClock } from "./clock.ts";
import { heapPop, heapPush } from "./heap.ts";
import type { TimerHandle } from "../lib/clock.ts";
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
  /** Why the message never arrived: a partition when the delivery loop took it, or its
   * destination left the network (or was registered afresh) while it was still queued, as a late
   * reply to a client that closed before reading it. */
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

/** How an endpoint takes its messages (see {@linkcode Network.register}). */
export interface RegisterOptions {
  /** A client connection: its loop starts stopped, and its messages wait in its queue until it
   * {@linkcode Network.listen}s, as Maelstrom's synchronous client polls its queue only while it
   * waits for a reply. */
  pull?: boolean;
}

/** A message in an inbound queue, with the instant (clock milliseconds) it is due. */
interface Pending {
  entry: JournalEntry;
  deadlineMs: number;
}

/** Internal switches, for tests that compare the fast paths with the plain heap. */
export interface NetworkTuning {
  /** Use the fast paths (on by default): a message that arrives in deadline order is appended to
   * a FIFO run instead of the heap, and a message for an idle, empty queue is taken without
   * being queued at all. Both leave the order of delivery exactly as one heap gives it. */
  fastPaths: boolean;
}

/** One endpoint's inbound queue and the state of its delivery loop. */
interface Inbox {
  id: string;
  endpoint: Endpoint;
  /** Whether the id names a client, whose messages have no latency (see {@linkcode isClient}). */
  client: boolean;
  /** Whether the loop delivers: for a client, only while it waits for a reply. */
  listening: boolean;
  /** The queue is the union of `run` and `heap`, taken in {@linkcode earlier} order.
   *
   * `run[runHead..]` holds messages that arrived in deadline order (each no earlier than the one
   * before it), so it is sorted and a plain FIFO serves it: with a constant latency, or none, every
   * message between nodes lands here. `heap` is a binary min-heap for the rest (a client's
   * zero-latency request behind slower node traffic, or any latency drawn at random). The earliest
   * message overall is the earlier of the two fronts, so the order taken is exactly that of a
   * single heap: {@linkcode earlier} is a total order, because message ids are unique. */
  run: Pending[];
  runHead: number;
  heap: Pending[];
  /** The message the loop has taken and is waiting to deliver at its deadline. */
  taken: Pending | undefined;
  timer: TimerHandle | undefined;
  /** True while the loop delivers, so that a send made by the receiver only queues. */
  running: boolean;
  /** Set when the endpoint is unregistered or replaced; its timers then do nothing. */
  closed: boolean;
  /** `#fire` bound to this inbox, made once rather than per delivery. */
  fire: () => void;
}

/** How many messages of a run that never empties are let pile up, already taken, at its front
 * before the array is compacted. */
const RUN_COMPACT_AT = 1024;

/** The network. Register endpoints, then `send`. Delivery follows Maelstrom's `net.clj`: every
 * endpoint owns one inbound queue ordered by deadline (send time plus the drawn latency), and one
 * delivery loop per endpoint takes the earliest-deadline message, checks partitions at that moment,
 * waits until its deadline and delivers it. While the loop waits for one message, messages that
 * arrive later with earlier deadlines (a client's zero-latency request, say) wait behind it.
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
 * net.register("c0", { deliver: () => {} });
 * net.register("n1", { deliver: (m) => got.push(`${m.body.type}@${clock.now()}`) });
 * await clock.run(async () => {
 *   net.send("n0", "n1", { type: "hello" });
 *   await clock.sleep(10);
 *   net.send("c0", "n1", { type: "request" }); // zero latency, but queued behind "hello"
 *   await clock.sleep(200);
 * });
 * got; // ["hello@100", "request@100"]
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
  #inboxes = new Map<string, Inbox>();
  /** dest → the sources whose messages dest currently drops. */
  #grudge = new Map<string, Set<string>>();
  #tornDown = false;
  #fastPaths: boolean;

  constructor(
    clock: HarnessClock,
    rng: Rng,
    latency: LatencyOptions,
    tuning: NetworkTuning = { fastPaths: true },
  ) {
    this.#clock = clock;
    this.#rng = rng;
    this.#latency = latency;
    this.#originMs = clock.now();
    this.#fastPaths = tuning.fastPaths;
  }

  /** Milliseconds since the network (and so the test) was created. */
  elapsedMs(): number {
    return this.#clock.now() - this.#originMs;
  }

  /** Puts an endpoint on the network with a fresh, empty inbound queue. Registering an id again
   * replaces its queue, as Maelstrom's `add-node!` does: messages still queued for the old one are
   * never delivered (they are marked `dropped: "unregistered"`). */
  register(id: string, endpoint: Endpoint, opts: RegisterOptions = {}): void {
    this.#close(this.#inboxes.get(id));
    const box: Inbox = {
      id,
      endpoint,
      client: isClient(id),
      listening: !opts.pull,
      run: [],
      runHead: 0,
      heap: [],
      taken: undefined,
      timer: undefined,
      running: false,
      closed: false,
      fire: () => this.#fire(box),
    };
    this.#inboxes.set(id, box);
  }

  /** Removes an endpoint and its queue; messages still queued for it are never delivered, and a
   * later send naming it throws {@linkcode UnknownEndpointError}. */
  unregister(id: string): void {
    this.#close(this.#inboxes.get(id));
    this.#inboxes.delete(id);
  }

  isRegistered(id: string): boolean {
    return this.#inboxes.has(id);
  }

  /** Starts or stops an endpoint's delivery loop; messages that reach it meanwhile stay queued.
   * A client listens from its request until the reply (or its timeout). A node's loop can be
   * stopped the same way, as Maelstrom stops the stdin thread of a node it kills (the restart then
   * registers the node again, with a fresh queue).
   *
   * @example
   * ```ts ignore
   * network.register("c3", conn, { pull: true });
   * network.send("c3", "n0", { type: "echo", echo: 1, msg_id: 1 });
   * network.listen("c3", true);
   * ```
   */
  listen(id: string, on: boolean): void {
    const box = this.#inboxes.get(id);
    if (!box) return;
    box.listening = on;
    if (on) this.#take(box);
  }

  /** Marks the start of teardown: from now on a message that names an endpoint no longer on the
   * network (a reply to a client closed at the end of the test) is discarded without a word. In
   * Maelstrom such a line makes the node's stdout be ignored, which no longer matters once the
   * test is over.
   *
   * @example
   * ```ts ignore
   * network.tearDown();
   * network.send("n0", "c7", { type: "echo_ok", in_reply_to: 3 }); // undefined, not an error
   * ```
   */
  tearDown(): void {
    this.#tornDown = true;
  }

  /** Accepts a message for delivery. Throws {@linkcode UnknownEndpointError} when `src` or `dest`
   * is not registered (during teardown it returns `undefined` instead). */
  send(src: string, dest: string, body: Record<string, unknown>): JournalEntry | undefined {
    const box = this.#inboxes.get(dest);
    const from = this.#inboxes.get(src);
    if (box === undefined || from === undefined) {
      if (this.#tornDown) return undefined;
      if (!box) {
        throw new UnknownEndpointError(`Invalid dest "${dest}": no such node, service or client`);
      }
      throw new UnknownEndpointError(`Invalid src "${src}": no such node, service or client`);
    }
    // One clock reading per send: it is the routing hot path.
    const nowMs = this.#clock.now();
    const entry: JournalEntry = {
      id: this.journal.length,
      src,
      dest,
      body,
      sentMs: nowMs - this.#originMs,
      // Declared now, though set only on arrival: V8 then keeps it inside the object instead of
      // growing a separate property store for each of the millions of entries a run keeps.
      recvMs: undefined,
    };
    this.journal.push(entry);
    this.onSend?.(entry);
    const latencyMs = from.client || box.client ? 0 : this.#drawLatency();
    const pending: Pending = { entry, deadlineMs: nowMs + latencyMs };
    if (box.taken === undefined) {
      // An idle loop is blocked waiting for a message in Maelstrom, so it takes this one at once.
      // When the queue is empty too, this message is the one it would take: no need to queue it.
      if (this.#fastPaths && this.#size(box) === 0 && this.#canTake(box)) {
        this.#hold(box, pending, nowMs);
      } else {
        this.#push(box, pending);
        this.#take(box);
      }
    } else {
      this.#push(box, pending);
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
   * net.send("n0", "n1", { type: "gossip" })!.spoofed = true;
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

  /** Whether the loop can take a message now. */
  #canTake(box: Inbox): boolean {
    return box.taken === undefined && !box.running && !box.closed && box.listening;
  }

  /** The loop's "take": pops the earliest-deadline message, drops it if a partition separates
   * it from its source at this moment, and otherwise holds it until its deadline. Delivery always
   * happens later (a timer, or a microtask for a message already due in real time), never inside
   * the `send` that queued it. Maelstrom's loop polls its queue with a 1 s timeout only so that
   * it can notice shutdown; a message put on an empty queue wakes it at once, which is what taking
   * here, in `send`, models. */
  #take(box: Inbox): void {
    while (this.#canTake(box) && this.#size(box) > 0) {
      this.#hold(box, this.#pop(box)!, -Infinity);
    }
  }

  /** Takes `next`, just removed from the queue (or never queued, being the only message): drops it
   * if its node is killed or a partition cuts it off, and otherwise holds it and arranges its
   * delivery at its deadline. `dueByMs` is a clock reading the caller already has (`-Infinity` if
   * none): a message due by then is due now, and only otherwise is the clock read again. */
  #hold(box: Inbox, next: Pending, dueByMs: number): void {
    if (this.#killed(box, next.entry)) return;
    if (this.#grudge.get(box.id)?.has(next.entry.src)) {
      next.entry.dropped = "partition";
      return;
    }
    box.taken = next;
    // Maelstrom sleeps `(long dt)` milliseconds: the wait is truncated to whole milliseconds.
    const waitMs = next.deadlineMs <= dueByMs ? 0 : Math.floor(next.deadlineMs - this.#clock.now());
    if (waitMs <= 0 && !this.#clock.virtual) {
      queueMicrotask(box.fire);
    } else {
      box.timer = this.#clock.setTimeout(box.fire, Math.max(0, waitMs));
    }
  }

  /** The loop wakes for its taken message, delivers it, then goes on delivering whatever is
   * already due without another timer, as Maelstrom's loop polls again right after a delivery:
   * one synchronous drain, in queue order, that stops at the first message not yet due. */
  #fire(box: Inbox): void {
    const held = box.taken;
    box.taken = undefined;
    box.timer = undefined;
    if (box.closed || held === undefined) return;
    if (!box.listening) {
      // The loop was stopped (a client stopped waiting) before this message reached the endpoint:
      // it stays queued, unread.
      this.#push(box, held);
      return;
    }
    box.running = true;
    try {
      // One clock reading for the whole drain: a message that comes due while it runs waits for
      // the next take, a moment later.
      const nowMs = this.#clock.now();
      this.#receive(box, held.entry, nowMs);
      // The partition in force, looked up once per drain (and again only if it changes).
      let grudge = this.#grudge;
      let cut = grudge.get(box.id);
      for (;;) {
        if (box.closed || !box.listening) break;
        const head = this.#peek(box);
        if (head === undefined) break;
        const state = box.endpoint.state?.(head.entry) ?? "up";
        if (grudge !== this.#grudge) {
          grudge = this.#grudge;
          cut = grudge.get(box.id);
        }
        if (state === "killed") {
          this.#pop(box);
          head.entry.lost = "dead-node";
        } else if (cut === undefined || !cut.has(head.entry.src)) {
          if (Math.floor(head.deadlineMs - nowMs) > 0) break;
          this.#pop(box);
          this.#receive(box, head.entry, nowMs, state);
        } else {
          this.#pop(box);
          head.entry.dropped = "partition";
        }
      }
    } finally {
      box.running = false;
    }
    this.#take(box);
  }

  /** How many messages wait in the queue (not counting the one taken). */
  #size(box: Inbox): number {
    return box.run.length - box.runHead + box.heap.length;
  }

  /** Queues a message: at the end of the run when it is due no earlier than the run's last
   * message (always, with a constant latency and no clients), in the heap otherwise. Without the
   * fast paths, everything goes to the heap. */
  #push(box: Inbox, p: Pending): void {
    const run = box.run;
    if (
      this.#fastPaths && (run.length === box.runHead || !earlier(p, run[run.length - 1]))
    ) {
      run.push(p);
    } else {
      heapPush(box.heap, p, earlier);
    }
  }

  /** The queue's earliest message, left in place. */
  #peek(box: Inbox): Pending | undefined {
    const r = box.runHead < box.run.length ? box.run[box.runHead] : undefined;
    if (box.heap.length === 0) return r;
    const h = box.heap[0];
    return r === undefined || earlier(h, r) ? h : r;
  }

  /** Removes and returns the queue's earliest message. */
  #pop(box: Inbox): Pending | undefined {
    const run = box.run;
    if (box.runHead < run.length) {
      const r = run[box.runHead];
      if (box.heap.length === 0 || !earlier(box.heap[0], r)) {
        if (++box.runHead === run.length) {
          run.length = 0;
          box.runHead = 0;
        } else if (box.runHead >= RUN_COMPACT_AT && box.runHead * 2 >= run.length) {
          box.run = run.slice(box.runHead);
          box.runHead = 0;
        }
        return r;
      }
    }
    return heapPop(box.heap, earlier);
  }

  /** Whether the endpoint is a node that was killed (or restarted since `entry` was queued): its
   * queue is not read at all, so the message is lost, never received, not even checked against
   * partitions. Marks the entry when so. */
  #killed(box: Inbox, entry: JournalEntry): boolean {
    if (box.endpoint.state?.(entry) !== "killed") return false;
    entry.lost = "dead-node";
    return true;
  }

  /** Delivers `entry` at `nowMs` (a clock reading), given the endpoint's state if the caller
   * has just asked for it. */
  #receive(
    box: Inbox,
    entry: JournalEntry,
    nowMs: number,
    known?: EndpointState,
  ): void {
    const state = known ?? box.endpoint.state?.(entry) ?? "up";
    if (state === "killed") {
      entry.lost = "dead-node";
      return;
    }
    entry.recvMs = nowMs - this.#originMs;
    if (state === "dead") entry.lost = "dead-node";
    this.onRecv?.(entry);
    if (state === "up") box.endpoint.deliver(entry);
  }

  /** Retires an inbox: its timer is cancelled and what it still held is marked undelivered. */
  #close(box: Inbox | undefined): void {
    if (!box) return;
    box.closed = true;
    if (box.timer !== undefined) this.#clock.clearTimeout(box.timer);
    box.timer = undefined;
    if (box.taken) box.taken.entry.dropped = "unregistered";
    box.taken = undefined;
    for (let i = box.runHead; i < box.run.length; i++) box.run[i].entry.dropped = "unregistered";
    for (const p of box.heap) p.entry.dropped = "unregistered";
    box.run = [];
    box.runHead = 0;
    box.heap = [];
  }
}

/** Deadline order; ties go to the earlier send. In Maelstrom deadlines are nanosecond clock
 * readings, so a later send practically always has a later deadline for the same latency. */
function earlier(a: Pending, b: Pending): boolean {
  return a.deadlineMs < b.deadlineMs ||
    (a.deadlineMs === b.deadlineMs && a.entry.id < b.entry.id);
}
