/**
 * The unique-ids workload (challenge 2): clients send `{"type":"generate"}` and expect
 * `{"type":"generate_ok","id":ANY}`; no id may come back twice.
 *
 * @module
 */
import { checkUniqueIds } from "../checkers/unique_ids.ts";
import type { ClientRpc, Completion, OpTemplate, Workload, WorkloadClient } from "../types.ts";
import { expectReply } from "./schema.ts";

/** The unique-ids client: an ok op's value is the id. */
class UniqueIdsClient implements WorkloadClient {
  #rpc: ClientRpc;

  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  async invoke(op: OpTemplate): Promise<Completion> {
    if (op.f !== "generate") throw new Error(`Unknown unique-ids operation "${op.f}"`);
    const reply = expectReply(await this.#rpc({ type: "generate" }), "generate_ok", { id: "any" });
    return { type: "ok", value: reply.id };
  }
}

/** The unique-ids workload: an endless stream of `generate`. No final phase; wrapped with no
 * idempotent ops; clients are reusable (they survive an `info`).
 *
 * @example
 * ```ts
 * import { uniqueIds } from "./unique_ids.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const gen = uniqueIds.generator({} as TestOptions, createRng(1));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // { f: "generate", value: null }
 * ```
 */
export const uniqueIds: Workload = {
  name: "unique-ids",
  wrapped: true,
  idempotent: new Set<string>(),
  reusableClients: true,
  openClient: (rpc) => new UniqueIdsClient(rpc),
  generator: () => ({ next: () => ({ f: "generate", value: null }) }),
  check: (history) => checkUniqueIds(history),
};
