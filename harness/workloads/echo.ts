/**
 * The echo workload (challenge 1): clients send `{"type":"echo","echo":X}` and expect
 * `{"type":"echo_ok","echo":X}` back.
 *
 * @module
 */
import { checkEcho } from "../checkers/echo.ts";
import type { ClientRpc, Completion, OpTemplate, Rng, Workload, WorkloadClient } from "../types.ts";
import { expectReply } from "./schema.ts";

/** The echo client: an ok op's value is the whole reply body, as in Maelstrom. */
class EchoClient implements WorkloadClient {
  #rpc: ClientRpc;

  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  async invoke(op: OpTemplate): Promise<Completion> {
    if (op.f !== "echo") throw new Error(`Unknown echo operation "${op.f}"`);
    const reply = await this.#rpc({ type: "echo", echo: op.value });
    expectReply(reply, "echo_ok", { echo: "any" });
    return { type: "ok", value: reply };
  }
}

/** The echo workload: every op is `echo` with value `"Please echo <n>"`, n uniform in 0..127. No
 * final phase; wrapped with no idempotent ops; clients are not reusable.
 *
 * @example
 * ```ts
 * import { echo } from "./echo.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const gen = echo.generator({} as TestOptions, createRng(1));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // e.g. { f: "echo", value: "Please echo 93" }
 * ```
 */
export const echo: Workload = {
  name: "echo",
  wrapped: true,
  idempotent: new Set<string>(),
  reusableClients: false,
  openClient: (rpc) => new EchoClient(rpc),
  generator: (_opts, rng: Rng) => ({
    next: () => ({ f: "echo", value: `Please echo ${rng.int(0, 128)}` }),
  }),
  check: (history) => checkEcho(history),
};
