/**
 * The g-set workload: a grow-only set. Clients mix `{"type":"add","element":E}` (E = 0, 1,
 * 2, ...) with `{"type":"read"}` → `{"type":"read_ok","value":[...]}`; after the recovery wait
 * each thread reads once more. Checked with set-full.
 *
 * Its RPCs are not wrapped: every error, timeout or malformed reply is an `info` op.
 *
 * @module
 */
import { checkSetFull } from "../checkers/set_full.ts";
import type {
  ClientRpc,
  Completion,
  FinalContext,
  OpTemplate,
  Rng,
  Workload,
  WorkloadClient,
} from "../types.ts";
import { expectReply } from "./schema.ts";

/** The g-set client: a read's ok value is the reply's `value` array (possibly `null`). */
class GSetClient implements WorkloadClient {
  #rpc: ClientRpc;

  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  async invoke(op: OpTemplate): Promise<Completion> {
    if (op.f === "add") {
      expectReply(await this.#rpc({ type: "add", element: op.value }), "add_ok", {});
      return { type: "ok" };
    }
    if (op.f === "read") {
      const reply = expectReply(await this.#rpc({ type: "read" }), "read_ok", { value: "array" });
      return { type: "ok", value: reply.value };
    }
    throw new Error(`Unknown g-set operation "${op.f}"`);
  }
}

/** The main-phase generator: a 50/50 mix of adds of 0, 1, 2, ... and reads. */
function gSetGenerator(rng: Rng) {
  let nextValue = 0;
  return {
    next: (): OpTemplate =>
      rng.next() < 0.5 ? { f: "add", value: nextValue++ } : { f: "read", value: null },
  };
}

/** The g-set workload. Not wrapped, no idempotent ops, clients not reusable. Values read but
 * never added are reported by the checker without affecting validity, as Maelstrom ignores
 * them, unless `--strict`.
 *
 * @example
 * ```ts
 * import { gSet } from "./g_set.ts";
 * gSet.wrapped; // false
 * ```
 */
export const gSet: Workload = {
  name: "g-set",
  wrapped: false,
  idempotent: new Set<string>(),
  reusableClients: false,
  openClient: (rpc) => new GSetClient(rpc),
  generator: (_opts, rng) => gSetGenerator(rng),
  final: async (ctx: FinalContext) => {
    // Unlike broadcast and the counters, g-set's final reads carry no `final` flag.
    await ctx.invoke({ f: "read", value: null });
  },
  check: (history, opts) => checkSetFull(history, { addF: "add", strict: opts.strict }),
};
