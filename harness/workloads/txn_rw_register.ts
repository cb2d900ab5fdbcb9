/**
 * The `txn-rw-register` workload (challenges 6a-6c): clients send transactions of register reads
 * and writes, `{"type":"txn","txn":[["r",k,null],["w",k,v],...]}`, and expect
 * `{"type":"txn_ok","txn":[...]}` with every read filled in. The history is checked by the
 * Elle-style checker in `../checkers/elle/rw_register.ts` against `--consistency-models`.
 *
 * @module
 */
import { withBeyondMaelstrom } from "../checkers/elle/result.ts";
import { checkRwRegister } from "../checkers/elle/rw_register.ts";
import type { Workload } from "../types.ts";
import { TxnClient, TxnGenerator, txnReplyFindings, type TxnReplyRules } from "./elle_keys.ts";
import type { NamedPredicate } from "./schema.ts";

/** One micro-op as it travels on the wire: a read of key `k` (its value `null` in a request) or a
 * write of `v` to `k`.
 *
 * @example
 * ```ts
 * import type { TxnMop } from "./txn_rw_register.ts";
 * const txn: TxnMop[] = [["r", 1, null], ["w", 1, 3]];
 * ```
 */
export type TxnMop = ["r", number, number | null] | ["w", number, number];

/** One micro-op of a `txn_ok`, as Maelstrom's closed schema admits it (`ReadRes` and `Write` in
 * `src/maelstrom/workload/txn_rw_register.clj`): exactly three elements, the first `"r"` or
 * `"w"`. Keys and values may be anything there, `null` included. */
function isReplyMop(m: unknown): boolean {
  return Array.isArray(m) && m.length === 3 && (m[0] === "r" || m[0] === "w");
}

/** The `txn` field of a `txn_ok`: a list of such micro-ops, or `null`, which Maelstrom's
 * sequence schemas also admit. Anything else makes the reply malformed, so the op is `info`. */
const TXN_FIELD: NamedPredicate<unknown[][] | null> = {
  describe: `an array of micro-ops, each ["r", key, value] or ["w", key, value] (or null)`,
  test: (value: unknown): value is unknown[][] | null =>
    value === null || (Array.isArray(value) && value.every(isReplyMop)),
};

/** What a reply must hold beyond Maelstrom's schema: the request's micro-ops, writes echoed,
 * reads an integer or `null`. Mismatches are findings beyond Maelstrom. */
const REPLY_RULES: TxnReplyRules = {
  writeVerb: "w",
  readValue: {
    describe: "an integer or null",
    test: (v: unknown): v is number | null => v === null || Number.isInteger(v),
  },
};

/** The `txn-rw-register` workload: ops are `{f: "txn", value: [["r",k,null] | ["w",k,v], ...]}`.
 * Wrapped, with no idempotent ops (so timeouts are `info`), reusable clients, no setup and no
 * final phase. The checker is {@linkcode checkRwRegister} with `--consistency-models`.
 *
 * @example
 * ```ts
 * import { txnRwRegister } from "./txn_rw_register.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const opts = { keyCount: undefined, maxTxnLength: 4, maxWritesPerKey: 16 } as TestOptions;
 * const gen = txnRwRegister.generator(opts, createRng(1));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // e.g. { f: "txn", value: [["w", 9, 1], ["r", 8, null]] }
 * ```
 */
export const txnRwRegister: Workload = {
  name: "txn-rw-register",
  wrapped: true,
  idempotent: new Set<string>(),
  reusableClients: true,
  openClient: (rpc) =>
    new TxnClient(rpc, {
      workload: "txn-rw-register",
      txnField: TXN_FIELD,
    }),
  generator: (opts, rng) => new TxnGenerator(opts, rng, "w"),
  check: (history, opts) =>
    withBeyondMaelstrom(
      checkRwRegister(
        history.filter((op) => typeof op.process === "number"),
        { consistencyModels: opts.consistencyModels, strict: opts.strict },
      ),
      txnReplyFindings(history, REPLY_RULES),
      opts.strict ?? false,
    ),
};
