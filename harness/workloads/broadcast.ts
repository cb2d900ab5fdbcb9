/**
 * The broadcast workload (challenge 3): values sent to any node must reach every node.
 *
 * Before the clock starts, every node gets the whole topology map in one `topology` message.
 * Then clients mix `{"type":"broadcast","message":V}` (V = 0, 1, 2, ... across the whole test)
 * with `{"type":"read"}`, and after the recovery wait each thread does one final read. The
 * history is checked with set-full, broadcast playing the add, plus two checks Maelstrom does not
 * make, which count only under `--strict`: reads of values nobody broadcast, and final reads that
 * lack an acknowledged value.
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
  SetupContext,
  TestOptions,
  Workload,
  WorkloadClient,
} from "../types.ts";
import { expectReply } from "./schema.ts";
import { buildTopology } from "./topology.ts";

/** The broadcast client: a read's ok value is the `messages` array (possibly `null`). */
class BroadcastClient implements WorkloadClient {
  #rpc: ClientRpc;

  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  async invoke(op: OpTemplate): Promise<Completion> {
    if (op.f === "broadcast") {
      expectReply(
        await this.#rpc({ type: "broadcast", message: op.value }),
        "broadcast_ok",
        {},
      );
      return { type: "ok" };
    }
    if (op.f === "read") {
      const reply = expectReply(await this.#rpc({ type: "read" }), "read_ok", {
        messages: "array",
      });
      return { type: "ok", value: reply.messages };
    }
    throw new Error(`Unknown broadcast operation "${op.f}"`);
  }
}

/** Sends the topology to every node, in parallel as Jepsen sets up its clients. Any error or a
 * malformed `topology_ok` rejects, which crashes the test as in Maelstrom. */
async function sendTopology(ctx: SetupContext, opts: TestOptions): Promise<void> {
  const topology = buildTopology(opts.topology, opts.nodes);
  await Promise.all(opts.nodes.map(async (node) => {
    const reply = await ctx.rpc(node, { type: "topology", topology });
    try {
      expectReply(reply, "topology_ok", {});
    } catch (err) {
      throw new Error(`Setup request "topology" to "${node}" failed: ${(err as Error).message}`);
    }
  }));
}

/** The main-phase generator: a 50/50 mix of broadcasts of 0, 1, 2, ... and reads. */
function broadcastGenerator(rng: Rng) {
  let nextValue = 0;
  return {
    next: (): OpTemplate =>
      rng.next() < 0.5 ? { f: "broadcast", value: nextValue++ } : { f: "read", value: null },
  };
}

/** The broadcast workload. Wrapped, with `read` idempotent (its timeouts and errors are `fail`);
 * clients are not reusable.
 *
 * @example
 * ```ts
 * import { broadcast } from "./broadcast.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const gen = broadcast.generator({} as TestOptions, createRng(7));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // { f: "broadcast", value: 0 } or a read
 * ```
 */
export const broadcast: Workload = {
  name: "broadcast",
  wrapped: true,
  idempotent: new Set(["read"]),
  reusableClients: false,
  setup: sendTopology,
  openClient: (rpc) => new BroadcastClient(rpc),
  generator: (_opts, rng) => broadcastGenerator(rng),
  final: async (ctx: FinalContext) => {
    await ctx.invoke({ f: "read", value: null, final: true });
  },
  // Values nobody broadcast and final reads missing acknowledged values are findings beyond
  // Maelstrom: warnings, unless --strict.
  check: (history, opts) => checkSetFull(history, { addF: "broadcast", strict: opts.strict }),
};
