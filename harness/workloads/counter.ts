/**
 * The g-counter (challenge 4) and pn-counter workloads: `{"type":"add","delta":D}` → `add_ok`,
 * `{"type":"read"}` → `{"type":"read_ok","value":INT}`. After the recovery wait each thread does
 * one read marked `final`; those must equal the acknowledged sum plus some subset of the
 * indeterminate deltas.
 *
 * Their RPCs are not wrapped: every error, timeout or malformed reply is an `info` op.
 *
 * @module
 */
import { checkCounter } from "../checkers/counter.ts";
import type {
  ClientRpc,
  Completion,
  FinalContext,
  MainGenerator,
  OpTemplate,
  Rng,
  Workload,
  WorkloadClient,
} from "../types.ts";
import { expectReply } from "./schema.ts";

/** The counter client: a read's ok value is the integer `value`. */
class CounterClient implements WorkloadClient {
  #rpc: ClientRpc;

  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  async invoke(op: OpTemplate): Promise<Completion> {
    if (op.f === "add") {
      expectReply(await this.#rpc({ type: "add", delta: op.value }), "add_ok", {});
      return { type: "ok" };
    }
    if (op.f === "read") {
      const reply = expectReply(await this.#rpc({ type: "read" }), "read_ok", { value: "int" });
      return { type: "ok", value: reply.value };
    }
    throw new Error(`Unknown counter operation "${op.f}"`);
  }
}

/** The pn-counter stream: a 50/50 mix of adds with delta uniform in −5..4 and reads. */
function pnOp(rng: Rng): OpTemplate {
  return rng.next() < 0.5 ? { f: "add", value: rng.int(-5, 5) } : { f: "read", value: null };
}

function pnGenerator(rng: Rng): MainGenerator {
  return { next: () => pnOp(rng) };
}

/** The g-counter stream is the pn stream with negative adds dropped (Maelstrom filters the same
 * generator), so about a third of the ops are adds of 0..4. */
function gGenerator(rng: Rng): MainGenerator {
  return {
    next: () => {
      for (;;) {
        const op = pnOp(rng);
        if (!(op.f === "add" && (op.value as number) < 0)) return op;
      }
    },
  };
}

async function finalRead(ctx: FinalContext): Promise<void> {
  await ctx.invoke({ f: "read", value: null, final: true });
}

/** The pn-counter workload. Not wrapped, clients not reusable.
 *
 * @example
 * ```ts
 * import { pnCounter } from "./counter.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const gen = pnCounter.generator({} as TestOptions, createRng(3));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // e.g. { f: "add", value: -2 }
 * ```
 */
export const pnCounter: Workload = {
  name: "pn-counter",
  wrapped: false,
  idempotent: new Set<string>(),
  reusableClients: false,
  openClient: (rpc) => new CounterClient(rpc),
  generator: (_opts, rng) => pnGenerator(rng),
  final: finalRead,
  // Nodes without a successful final read are a finding beyond Maelstrom: a warning, unless
  // --strict.
  check: (history, opts) => checkCounter(history, opts),
};

/** The g-counter workload: like {@linkcode pnCounter} with only non-negative deltas.
 *
 * @example
 * ```ts
 * import { gCounter } from "./counter.ts";
 * gCounter.name; // "g-counter"
 * ```
 */
export const gCounter: Workload = {
  ...pnCounter,
  name: "g-counter",
  generator: (_opts, rng) => gGenerator(rng),
};
