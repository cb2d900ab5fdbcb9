/**
 * Answering clients only while they still listen. Maelstrom's clients give up on a request after
 * 5 s, and a client that gave up is closed when it sends its next request. A reply to a closed
 * client is a line Maelstrom cannot route, and it then stops reading the node's output for the
 * rest of the test (`src/maelstrom/process.clj`): one late reply silences the node. So a node that
 * may answer late must not answer at all, and the client records a timeout, as it would anyway.
 *
 * Late replies come from pauses. A paused node wakes up to a backlog of requests whose clients may
 * have given up long ago, and to handlers that were waiting for a reply when it froze. The node's
 * clock runs on through a pause but its timers do not, so a watchdog that ticks every `tickMs`
 * notices a pause afterwards, by a tick that comes much later than due. A request handled while
 * that tick is overdue, or soon after it fired, may have waited in the node's input for the whole
 * pause, and is aged accordingly.
 *
 * @module
 */
import type { Handler, Message, Node } from "./node.ts";

/** Options of a {@linkcode ReplyDeadline}; the defaults suit Maelstrom. */
export interface ReplyDeadlineOptions {
  /** How old a request may be when its reply is written. Default 4000 ms: Maelstrom's clients
   * wait 5 s, and the last second is left for the reply's trip and for a pause too short to
   * notice. */
  deadlineMs?: number;
  /** How often the watchdog ticks. Default 100 ms. */
  tickMs?: number;
  /** A gap between two ticks longer than this means the node was paused (or starved). Default
   * 500 ms: a shorter pause goes unnoticed, and must fit in the margin `deadlineMs` leaves. */
  frozenGapMs?: number;
  /** For how long after a late tick the requests the node handles count as the pause's backlog,
   * and so as old as the pause. Default 250 ms, ample for a backlog to be read. */
  backlogWindowMs?: number;
}

/** When a request arrived, and how old it may already have been then. */
export interface Arrival {
  arrivedAtMs: number;
  ageOnArrivalMs: number;
}

/** A handler under a {@linkcode ReplyDeadline}: it also gets its request's {@linkcode Arrival}. */
export type GuardedHandler<B extends { type: string }> = (
  msg: Message<B>,
  arrival: Arrival,
) => ReturnType<Handler<B>>;

/** Keeps a node from answering clients that have given up. Build it with the node: it starts its
 * watchdog with {@linkcode Node.every}, and its first tick's gap counts from then.
 *
 * {@linkcode ReplyDeadline.guard} wraps a handler: its reply, or its error, goes out only while
 * the request is younger than `deadlineMs`, and is dropped (with a warning) after that. Requests
 * from other nodes are always answered: a node drops the replies it no longer waits for itself.
 * A handler that keeps requests waiting in a structure of its own can ask
 * {@linkcode ReplyDeadline.inTime} about the `Arrival` it was handed, to let go of those whose
 * clients have given up.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { ReplyDeadline } from "./deadline.ts";
 * import { Node } from "./node.ts";
 * import { MemoryTransport } from "./transport.ts";
 *
 * const Read = z.object({ type: z.literal("read") });
 * const transport = new MemoryTransport();
 * const node = new Node({ transport });
 * const deadline = new ReplyDeadline(node);
 * node.on(Read, deadline.guard(() => ({ type: "read_ok", value: 1 })));
 * const done = node.run();
 * transport.deliver(JSON.stringify({
 *   src: "c0", dest: "n0", body: { type: "init", msg_id: 1, node_id: "n0", node_ids: ["n0"] },
 * }));
 * transport.deliver(JSON.stringify({ src: "c1", dest: "n0", body: { type: "read", msg_id: 1 } }));
 * transport.end();
 * await done;
 * transport.output.length; // 2: init_ok and read_ok, which was in time
 * ```
 */
export class ReplyDeadline {
  #node: Node;
  #deadlineMs: number;
  #frozenGapMs: number;
  #backlogWindowMs: number;
  #lastTickMs: number;
  #backlogUntilMs = -Infinity;
  #backlogAgeMs = 0;

  constructor(node: Node, options: ReplyDeadlineOptions = {}) {
    this.#node = node;
    this.#deadlineMs = options.deadlineMs ?? 4000;
    this.#frozenGapMs = options.frozenGapMs ?? 500;
    this.#backlogWindowMs = options.backlogWindowMs ?? 250;
    this.#lastTickMs = node.now();
    node.every(options.tickMs ?? 100, () => this.#tick());
  }

  #tick(): void {
    const now = this.#node.now();
    const gapMs = now - this.#lastTickMs;
    if (gapMs > this.#frozenGapMs) {
      this.#backlogUntilMs = now + this.#backlogWindowMs;
      this.#backlogAgeMs = gapMs;
    }
    this.#lastTickMs = now;
  }

  /** Stamps a request arriving now. A request handled before an overdue tick has fired is aged
   * by the time since the last tick; one handled just after it, by the gap that tick found. */
  arrived(): Arrival {
    const now = this.#node.now();
    const sinceTickMs = now - this.#lastTickMs;
    const backlogMs = now <= this.#backlogUntilMs ? this.#backlogAgeMs : 0;
    return { arrivedAtMs: now, ageOnArrivalMs: Math.max(sinceTickMs, backlogMs) };
  }

  /** Whether a reply written now to the request that arrived at `arrival` still reaches its
   * client before it gives up. */
  inTime(arrival: Arrival): boolean {
    const ageMs = arrival.ageOnArrivalMs + this.#node.now() - arrival.arrivedAtMs;
    return ageMs < this.#deadlineMs;
  }

  /** Wraps `handler` so that its reply or error reaches a client only in time. A handler that
   * returns at once is answered at once, as without the guard. */
  guard<B extends { type: string }>(handler: GuardedHandler<B>): Handler<B> {
    return (msg) => {
      const arrival = this.arrived();
      if (this.#node.nodeIds.includes(msg.src)) return handler(msg, arrival);
      let result;
      try {
        result = handler(msg, arrival);
      } catch (err) {
        if (this.#late(msg, arrival, "error")) return;
        throw err;
      }
      if (!(result instanceof Promise)) {
        return result && this.#late(msg, arrival, result.type) ? undefined : result;
      }
      return result.then(
        (body) => body && this.#late(msg, arrival, body.type) ? undefined : body,
        (err) => {
          if (this.#late(msg, arrival, "error")) return;
          throw err;
        },
      );
    };
  }

  /** Whether the `reply` to `msg` would come too late; if so, says that it is dropped. */
  #late(msg: Message<{ type: string }>, arrival: Arrival, reply: string): boolean {
    if (this.inTime(arrival)) return false;
    this.#node.log.warn(
      "Dropping the {reply} to {type} from {src}: the request is {ageMs} ms old, and its " +
        "client has likely given up",
      {
        reply,
        type: msg.body.type,
        src: msg.src,
        ageMs: Math.round(arrival.ageOnArrivalMs + this.#node.now() - arrival.arrivedAtMs),
      },
    );
    return true;
  }
}
