/**
 * A Maelstrom client connection: an endpoint `c<k>` on the network that sends one request at a
 * time, stamps its own `msg_id`s, and waits for the reply whose `in_reply_to` matches.
 *
 * @module
 */
import { ErrorCode, RpcError } from "../lib/errors.ts";
import type { HarnessClock } from "./clock.ts";
import type { Network, WireMessage } from "./network.ts";

/** Hands out client ids `c0, c1, ...` from one counter per test, as Maelstrom does. */
export class ClientIds {
  #next = 0;
  next(): string {
    return `c${this.#next++}`;
  }
}

/** One client connection.
 *
 * @example
 * ```ts ignore
 * const conn = ClientConn.open(network, clock, ids);
 * const reply = await conn.rpc("n0", { type: "echo", echo: "hi" }, 5000);
 * conn.close();
 * ```
 */
export class ClientConn {
  readonly id: string;
  #network: Network;
  #clock: HarnessClock;
  #nextMsgId = 1;
  #waiting: { msgId: number; resolve: (m: WireMessage) => void } | undefined;

  private constructor(id: string, network: Network, clock: HarnessClock) {
    this.id = id;
    this.#network = network;
    this.#clock = clock;
  }

  /** Opens a connection under a fresh id and registers it on the network. Like Maelstrom's
   * synchronous client (`src/maelstrom/client.clj`), it reads its queue only while it waits for a
   * reply: a reply that comes after the wait ended stays queued, unread, until the next request
   * (which reads and drops it) or until the connection closes. */
  static open(network: Network, clock: HarnessClock, ids: ClientIds): ClientConn {
    const conn = new ClientConn(ids.next(), network, clock);
    network.register(conn.id, { deliver: (m) => conn.#receive(m) }, { pull: true });
    return conn;
  }

  /** Sends `body` to `dest` and resolves with the reply body. Rejects with {@linkcode RpcError}
   * for an `error` reply and with code 0 after `timeoutMs` without a reply. Anything else that
   * arrives is dropped, as Maelstrom's client does. */
  rpc(dest: string, body: Record<string, unknown>, timeoutMs: number) {
    if (this.#waiting) {
      throw new Error(`Client "${this.id}" already has a request in flight`);
    }
    const msgId = this.#nextMsgId++;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#waiting = undefined;
        this.#network.listen(this.id, false);
        reject(new RpcError(ErrorCode.Timeout, `No reply from "${dest}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting = {
        msgId,
        resolve: (m) => {
          this.#clock.clearTimeout(timer);
          this.#waiting = undefined;
          this.#network.listen(this.id, false);
          if (m.body.type === "error") reject(RpcError.fromBody(m.body));
          else resolve(m.body);
        },
      };
      try {
        this.#network.send(this.id, dest, { ...body, msg_id: msgId });
      } catch (err) {
        // An unknown destination: the request never left, so nothing is awaited.
        this.#clock.clearTimeout(timer);
        this.#waiting = undefined;
        reject(err);
        return;
      }
      this.#network.listen(this.id, true);
    });
  }

  /** Removes the connection from the network: replies still queued for it are never read, and a
   * node that sends one later names an unknown endpoint (Maelstrom then ignores that node's
   * output). */
  close(): void {
    this.#network.unregister(this.id);
  }

  #receive(m: WireMessage): void {
    if (this.#waiting && m.body.in_reply_to === this.#waiting.msgId) this.#waiting.resolve(m);
  }
}
