/**
 * The pieces Elle's workloads share. The key window (used by txn-rw-register, txn-list-append
 * and kafka): `keyCount` active keys, newer keys favoured exponentially, each key written with
 * 1, 2, ... up to `maxWritesPerKey`, then retired for a fresh key, so written values are unique
 * per key. And the transaction generator and client of the two txn workloads.
 *
 * @module
 */
import type {
  ClientRpc,
  Completion,
  MainGenerator,
  OpTemplate,
  Rng,
  TestOptions,
  WorkloadClient,
} from "../types.ts";
import { expectReply, type NamedPredicate } from "./schema.ts";

/** One micro-op drawn from the window: a read of `key`, or a write of `value` to `key`. */
export type Mop = { kind: "r"; key: number } | { kind: "w"; key: number; value: number };

/** Draws micro-ops the way Elle's `wr-txns` / `append-txns` do.
 *
 * @example
 * ```ts
 * import { KeyWindow } from "./elle_keys.ts";
 * import { createRng } from "../rng.ts";
 * const w = new KeyWindow({ keyCount: 3, maxWritesPerKey: 2 }, createRng(1));
 * w.nextMop(); // e.g. { kind: "w", key: 2, value: 1 }
 * ```
 */
export class KeyWindow {
  #active: number[];
  #writes = new Map<number, number>();
  #maxWrites: number;
  #rng: Rng;
  #weights: number[];

  constructor(opts: { keyCount?: number; maxWritesPerKey: number }, rng: Rng) {
    const count = opts.keyCount ?? 10;
    this.#active = Array.from({ length: count }, (_, i) => i);
    this.#maxWrites = opts.maxWritesPerKey;
    this.#rng = rng;
    // Slot i is chosen with probability 2^(i+1) / (2^(count+1) - 2): the newest slot is the most
    // likely, so keys retire and fresh ones appear throughout a run.
    this.#weights = this.#active.map((i) => 2 ** (i + 1));
  }

  /** The keys currently in the window, oldest slot first. */
  get activeKeys(): readonly number[] {
    return this.#active;
  }

  /** Picks a slot with the exponential distribution and returns its key. */
  pickKey(): number {
    const total = this.#weights.reduce((a, b) => a + b, 0);
    let x = this.#rng.next() * total;
    for (let i = 0; i < this.#weights.length; i++) {
      x -= this.#weights[i];
      if (x < 0) return this.#active[i];
    }
    return this.#active[this.#active.length - 1];
  }

  /** A read or a write (50/50). A write to a key that has used up its values retires that key
   * (replaced by the highest active key + 1) and the draw is repeated. */
  nextMop(): Mop {
    for (;;) {
      const kind = this.#rng.next() < 0.5 ? "r" : "w";
      const key = this.pickKey();
      if (kind === "r") return { kind, key };
      const value = (this.#writes.get(key) ?? 0) + 1;
      if (value > this.#maxWrites) {
        this.#retire(key);
        continue;
      }
      this.#writes.set(key, value);
      return { kind, key, value };
    }
  }

  #retire(key: number): void {
    const slot = this.#active.indexOf(key);
    const fresh = Math.max(...this.#active) + 1;
    this.#active[slot] = fresh;
  }
}

/** Elle's `wr-txns` (and `append-txns`, its twin with appends for writes): each transaction has
 * 1..`maxTxnLength` micro-ops, uniformly, each a read or a write (50/50) on a key from a
 * {@linkcode KeyWindow}, so written values are unique per key. `writeVerb` is the micro-op name
 * of a write on the wire: `"w"` for txn-rw-register, `"append"` for txn-list-append.
 *
 * @example
 * ```ts
 * import { TxnGenerator } from "./elle_keys.ts";
 * import { createRng } from "../rng.ts";
 * const gen = new TxnGenerator({ keyCount: 3, maxTxnLength: 2, maxWritesPerKey: 4 }, createRng(1), "w");
 * gen.next(); // e.g. { f: "txn", value: [["w", 2, 1], ["r", 1, null]] }
 * ```
 */
export class TxnGenerator implements MainGenerator {
  #window: KeyWindow;
  #rng: Rng;
  #maxLength: number;
  #writeVerb: string;

  constructor(
    opts: Pick<TestOptions, "keyCount" | "maxTxnLength" | "maxWritesPerKey">,
    rng: Rng,
    writeVerb: "w" | "append",
  ) {
    if (!Number.isInteger(opts.maxTxnLength) || opts.maxTxnLength < 1) {
      throw new RangeError(
        `The maximum transaction length must be a positive integer, not ${
          JSON.stringify(opts.maxTxnLength)
        }`,
      );
    }
    this.#rng = rng;
    this.#maxLength = opts.maxTxnLength;
    this.#writeVerb = writeVerb;
    this.#window = new KeyWindow(
      { keyCount: opts.keyCount, maxWritesPerKey: opts.maxWritesPerKey },
      rng,
    );
  }

  next(): OpTemplate {
    const length = this.#rng.int(1, this.#maxLength + 1);
    const value: [string, number, number | null][] = [];
    for (let i = 0; i < length; i++) {
      const m = this.#window.nextMop();
      value.push(m.kind === "r" ? ["r", m.key, null] : [this.#writeVerb, m.key, m.value]);
    }
    return { f: "txn", value };
  }
}

/** How {@linkcode TxnClient} checks and reads a `txn_ok`. */
export interface TxnReplyShape {
  /** The workload's name, for error messages. */
  workload: string;
  /** What the reply's `txn` field must be (closed schema; `null` is admitted by Maelstrom). */
  txnField: NamedPredicate<unknown[][] | null>;
  /** Record a `null` transaction as `[]` (txn-list-append, whose Maelstrom client maps over
   * it) rather than as `null` (txn-rw-register). */
  nullTxnAsEmpty: boolean;
}

/** A txn workload's client connection: one `txn` RPC per op. An `RpcError` (error reply or
 * timeout) propagates, and the runner maps it to `fail` or `info`; a reply outside the closed
 * schema throws `MalformedReply`. The reply's transaction replaces the request's, unchecked
 * against it, as in Maelstrom: the checker analyses what the node says it did.
 *
 * @example
 * ```ts
 * import { TxnClient } from "./elle_keys.ts";
 * const client = new TxnClient(
 *   () => Promise.resolve({ type: "txn_ok", txn: [["r", 1, 3]], in_reply_to: 1 }),
 *   { workload: "txn-rw-register", txnField: { describe: "a list", test: Array.isArray }, nullTxnAsEmpty: false },
 * );
 * await client.invoke({ f: "txn", value: [["r", 1, null]] }); // { type: "ok", value: [["r", 1, 3]] }
 * ```
 */
export class TxnClient implements WorkloadClient {
  #rpc: ClientRpc;
  #shape: TxnReplyShape;

  constructor(rpc: ClientRpc, shape: TxnReplyShape) {
    this.#rpc = rpc;
    this.#shape = shape;
  }

  async invoke(op: OpTemplate): Promise<Completion> {
    if (op.f !== "txn") {
      throw new Error(`Unknown ${this.#shape.workload} operation ${JSON.stringify(op.f)}`);
    }
    const reply = await this.#rpc({ type: "txn", txn: op.value });
    const ok = expectReply(reply, "txn_ok", { txn: this.#shape.txnField });
    return { type: "ok", value: this.#shape.nullTxnAsEmpty ? ok.txn ?? [] : ok.txn };
  }
}
