/**
 * The pieces Elle's workloads share. The key window (used by txn-rw-register, txn-list-append
 * and kafka): `keyCount` active keys, newer keys favoured exponentially, each key written with
 * 1, 2, ... up to `maxWritesPerKey`, then retired for a fresh key, so written values are unique
 * per key. And the transaction generator and client of the two txn workloads.
 *
 * @module
 */
import type {
  BeyondMaelstrom,
  ClientRpc,
  Completion,
  MainGenerator,
  Op,
  OpTemplate,
  Rng,
  TestOptions,
  WorkloadClient,
} from "../types.ts";
import { expectReply, jsonEqual, type NamedPredicate, quote } from "./schema.ts";

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

/** How {@linkcode TxnClient} checks a `txn_ok`. */
export interface TxnReplyShape {
  /** The workload's name, for error messages. */
  workload: string;
  /** What the reply's `txn` field must be: Maelstrom's closed schema (`null` is admitted). */
  txnField: NamedPredicate<unknown[][] | null>;
}

/** A txn workload's client connection: one `txn` RPC per op. An `RpcError` (error reply or
 * timeout) propagates, and the runner maps it to `fail` or `info`; a reply outside the closed
 * schema throws `MalformedReply`. The reply's transaction replaces the request's, as in
 * Maelstrom: the checker analyses what the node says it did. A `null` transaction is recorded as
 * `[]`, since both of Maelstrom's txn clients map over the reply's micro-ops (`str->kw` in
 * `src/maelstrom/workload/txn_rw_register.clj` and `txn_list_append.clj`). How the reply
 * compares with the request is judged afterwards, by {@linkcode txnReplyFindings}.
 *
 * @example
 * ```ts
 * import { TxnClient } from "./elle_keys.ts";
 * const client = new TxnClient(
 *   () => Promise.resolve({ type: "txn_ok", txn: [["r", 1, 3]], in_reply_to: 1 }),
 *   { workload: "txn-rw-register", txnField: { describe: "a list", test: Array.isArray } },
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
    return { type: "ok", value: ok.txn ?? [] };
  }
}

/** What a `txn_ok` must hold beyond Maelstrom's schema, for {@linkcode txnReplyFindings}. */
export interface TxnReplyRules {
  /** The micro-op name of a write: `"w"` (txn-rw-register) or `"append"` (txn-list-append). */
  writeVerb: "w" | "append";
  /** What a read may return: an integer or null (registers), a list of integers or null
   * (lists). */
  readValue: { readonly describe: string; test(value: unknown): boolean };
}

/** Most ops listed per kind of mismatch in a finding; the count covers them all. */
const MAX_FINDING_OPS = 20;

/** Why a `txn_ok`'s transaction does not answer its request, or `undefined` when it does: the
 * same number of micro-ops, each with the request's function and key in the request's order, a
 * write's value echoed unchanged, a read's value of the workload's type. Returns the kind of the
 * first mismatch and a sentence about it.
 *
 * @example
 * ```ts
 * import { txnReplyProblem } from "./elle_keys.ts";
 * const rules = {
 *   writeVerb: "w" as const,
 *   readValue: { describe: "an integer or null", test: (v: unknown) => v === null || Number.isInteger(v) },
 * };
 * txnReplyProblem([["w", 1, 2]], [["w", 1, 3]], rules)?.kind; // "write-value"
 * ```
 */
export function txnReplyProblem(
  request: unknown,
  reply: unknown,
  rules: TxnReplyRules,
): { kind: string; message: string } | undefined {
  const req = Array.isArray(request) ? request : [];
  const rep = Array.isArray(reply) ? reply : [];
  if (rep.length !== req.length) {
    return {
      kind: "length",
      message: `it has ${rep.length} micro-ops for a request of ${req.length}`,
    };
  }
  for (let i = 0; i < req.length; i++) {
    const [f, k, v] = req[i] as unknown[];
    const m = rep[i] as unknown[];
    if (!Array.isArray(m)) continue; // The schema already made such a reply malformed.
    const at = `micro-op ${i} (${quote(m)} for ${quote(req[i])})`;
    if (m[0] !== f) {
      return { kind: "function", message: `${at} has function ${quote(m[0])}, not ${quote(f)}` };
    }
    if (!jsonEqual(m[1], k)) {
      return { kind: "key", message: `${at} has key ${quote(m[1])}, not ${quote(k)}` };
    }
    if (f === rules.writeVerb && !jsonEqual(m[2], v)) {
      return {
        kind: "write-value",
        message: `${at} echoes the ${f === "w" ? "write" : "append"} as ${quote(m[2])}, not ` +
          `${quote(v)}`,
      };
    }
    if (f === "r" && !rules.readValue.test(m[2])) {
      return {
        kind: "read-value",
        message: `${at} reads ${quote(m[2])}, which is not ${rules.readValue.describe}`,
      };
    }
  }
  return undefined;
}

/** Beyond Maelstrom: every ok txn whose reply does not answer its request (see
 * {@linkcode txnReplyProblem}). Maelstrom's schema only checks each micro-op's shape and
 * function, so such a reply is analysed as if the node had run it; we report it, one finding per
 * kind of mismatch, with a count and the first few ops.
 *
 * @example
 * ```ts
 * import { txnReplyFindings } from "./elle_keys.ts";
 * import type { Op } from "../types.ts";
 * const rules = {
 *   writeVerb: "w" as const,
 *   readValue: { describe: "an integer or null", test: (v: unknown) => v === null || Number.isInteger(v) },
 * };
 * const history: Op[] = [
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "txn", value: [["r", 1, null]] },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "txn", value: [] },
 * ];
 * txnReplyFindings(history, rules)[0].anomaly; // "txn-reply-mismatch"
 * ```
 */
export function txnReplyFindings(
  history: readonly Op[],
  rules: TxnReplyRules,
): BeyondMaelstrom[] {
  const pending = new Map<unknown, Op>();
  const byKind = new Map<string, { count: number; ops: number[]; first: string }>();
  for (const op of history) {
    if (op.f !== "txn" || typeof op.process !== "number") continue;
    if (op.type === "invoke") {
      pending.set(op.process, op);
      continue;
    }
    const invoke = pending.get(op.process);
    pending.delete(op.process);
    if (op.type !== "ok" || !invoke) continue;
    const problem = txnReplyProblem(invoke.value, op.value, rules);
    if (!problem) continue;
    const entry = byKind.get(problem.kind) ??
      { count: 0, ops: [], first: `op ${op.index}'s reply ${quote(op.value)}: ${problem.message}` };
    entry.count++;
    if (entry.ops.length < MAX_FINDING_OPS) entry.ops.push(op.index);
    byKind.set(problem.kind, entry);
  }
  return [...byKind].map(([kind, e]) => ({
    anomaly: "txn-reply-mismatch",
    kind,
    count: e.count,
    message: `${e.count} ok ${e.count === 1 ? "transaction does" : "transactions do"} not ` +
      `answer ${e.count === 1 ? "its request" : "their requests"} (${kind}); the first is ` +
      `${e.first}. A txn_ok must repeat the request's micro-ops in order, echo every write and ` +
      `fill in each read (Maelstrom does not check this).`,
    ops: e.ops,
  }));
}
