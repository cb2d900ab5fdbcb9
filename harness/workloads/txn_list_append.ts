/**
 * The `txn-list-append` workload: clients send transactions of list reads and appends,
 * `{"type":"txn","txn":[["r",k,null],["append",k,v],...]}`, and expect
 * `{"type":"txn_ok","txn":[...]}` with every read filled in with the key's whole list (or `null`
 * for a key nobody appended to). Appended values are unique per key, so every read tells the
 * order in which the appends it shows took effect. The history is checked by the Elle-style
 * checker in `../checkers/elle/list_append.ts` against `--consistency-models`.
 *
 * @module
 */
import { withBeyondMaelstrom } from "../checkers/elle/result.ts";
import { checkListAppend } from "../checkers/elle/list_append.ts";
import type { Workload } from "../types.ts";
import { TxnClient, TxnGenerator, txnReplyFindings, type TxnReplyRules } from "./elle_keys.ts";
import type { NamedPredicate } from "./schema.ts";

/** One micro-op as it travels on the wire: a read of key `k` (its value `null` in a request, the
 * list in a reply) or an append of `v` to the list at `k`.
 *
 * @example
 * ```ts
 * import type { ListAppendMop } from "./txn_list_append.ts";
 * const txn: ListAppendMop[] = [["r", 1, null], ["append", 1, 3], ["r", 1, [1, 2, 3]]];
 * ```
 */
export type ListAppendMop = ["r", number, number[] | null] | ["append", number, number];

/** One micro-op of a `txn_ok`, as Maelstrom's closed schema admits it (`ReadRes` and `Append` in
 * `src/maelstrom/workload/txn_list_append.clj`): exactly three elements, a read whose value is a
 * list or `null`, or an append of anything. Keys and elements may be of any type. */
function isReplyMop(m: unknown): boolean {
  if (!Array.isArray(m) || m.length !== 3) return false;
  if (m[0] === "append") return true;
  return m[0] === "r" && (m[2] === null || Array.isArray(m[2]));
}

/** The `txn` field of a `txn_ok`: a list of such micro-ops, or `null`, which Maelstrom's
 * sequence schemas also admit. Anything else makes the reply malformed, so the op is `info`. */
const TXN_FIELD: NamedPredicate<unknown[][] | null> = {
  describe: `an array of micro-ops, each ["r", key, list or null] or ["append", key, element] ` +
    `(or null)`,
  test: (value: unknown): value is unknown[][] | null =>
    value === null || (Array.isArray(value) && value.every(isReplyMop)),
};

/** What a reply must hold beyond Maelstrom's schema: the request's micro-ops, appends echoed,
 * reads a list of integers or `null`. Mismatches are findings beyond Maelstrom. */
const REPLY_RULES: TxnReplyRules = {
  writeVerb: "append",
  readValue: {
    describe: "a list of integers or null",
    test: (v: unknown): v is number[] | null =>
      v === null || (Array.isArray(v) && v.every((e) => Number.isInteger(e))),
  },
};

/** The `txn-list-append` workload: ops are `{f: "txn", value: [["r",k,null] | ["append",k,v],
 * ...]}`. Wrapped, with no idempotent ops (so timeouts are `info`), reusable clients, no setup and
 * no final phase. The checker is {@linkcode checkListAppend} with `--consistency-models`.
 *
 * @example
 * ```ts
 * import { txnListAppend } from "./txn_list_append.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const opts = { keyCount: undefined, maxTxnLength: 4, maxWritesPerKey: 16 } as TestOptions;
 * const gen = txnListAppend.generator(opts, createRng(1));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // e.g. { f: "txn", value: [["append", 9, 1], ["r", 8, null]] }
 * ```
 */
export const txnListAppend: Workload = {
  name: "txn-list-append",
  wrapped: true,
  idempotent: new Set<string>(),
  reusableClients: true,
  openClient: (rpc) =>
    new TxnClient(rpc, {
      workload: "txn-list-append",
      txnField: TXN_FIELD,
    }),
  generator: (opts, rng) => new TxnGenerator(opts, rng, "append"),
  check: (history, opts) =>
    withBeyondMaelstrom(
      checkListAppend(
        history.filter((op) => typeof op.process === "number"),
        { consistencyModels: opts.consistencyModels, strict: opts.strict },
      ),
      txnReplyFindings(history, REPLY_RULES),
      opts.strict ?? false,
    ),
};
