/**
 * The lin-kv workload: independent registers under concurrent read, write and compare-and-set,
 * checked for linearizability per key.
 *
 * Generator (Jepsen's `linearizable-register` with `independent/concurrent-generator`): worker
 * threads form groups of 2n (n = node count) by thread number, and each group works on one key at
 * a time. In a group, the first n threads only read; the rest choose uniformly from write, cas, cas
 * with values 0..4. A group retires its key, taking the next unused one, once more than 20 distinct
 * processes have belonged to its threads while it used that key (every `info` renumbers a thread's
 * process). Group g starts on key g; later keys are handed out in order of retirement.
 *
 * @module
 */
import { checkLinearizableRegister } from "../checkers/linearizable.ts";
import type {
  ClientRpc,
  Completion,
  GenContext,
  MainGenerator,
  Op,
  OpTemplate,
  Rng,
  TestOptions,
  Workload,
  WorkloadClient,
} from "../types.ts";
import { expectReply } from "./schema.ts";

/** Processes per key before the key is retired (Jepsen's `process-limit`). */
const PROCESS_LIMIT = 20;

/** Register values are drawn from 0 up to this bound (exclusive). */
const VALUE_BOUND = 5;

/** The lin-kv workload.
 *
 * @example
 * ```ts
 * import { linKv } from "./lin_kv.ts";
 * linKv.name; // "lin-kv"
 * linKv.idempotent.has("read"); // true
 * ```
 */
export const linKv: Workload = {
  name: "lin-kv",
  wrapped: true,
  idempotent: new Set(["read"]),
  reusableClients: true,
  rpcTimeoutMs: (opts: TestOptions) => Math.max(10 * opts.latencyMs, 1000),
  openClient: (rpc: ClientRpc) => new LinKvClient(rpc),
  generator: (opts: TestOptions, rng: Rng) => new LinKvGenerator(opts, rng),
  check: (history: readonly Op[]) => checkLinearizableRegister(history),
};

/** A group of 2n threads sharing one key. */
interface Group {
  key: number;
  /** Every process seen on the group's threads since it took `key`. */
  processes: Set<number>;
}

/** The main-phase generator; see the module documentation for its shape.
 *
 * @example
 * ```ts
 * import { LinKvGenerator } from "./lin_kv.ts";
 * import { createRng } from "../rng.ts";
 * import type { TestOptions } from "../types.ts";
 * const opts = { nodes: ["n0"], concurrency: 2 } as TestOptions;
 * const gen = new LinKvGenerator(opts, createRng(1));
 * gen.next({ timeS: 0, thread: 0, process: 0 }); // { f: "read", value: [0, null] }
 * ```
 */
export class LinKvGenerator implements MainGenerator {
  #rng: Rng;
  #nodeCount: number;
  #groupSize: number;
  #concurrency: number;
  #groups: Group[];
  /** The current process of every thread, as last told by the runner. */
  #process: number[];
  #nextKey: number;

  /** @throws Error when the concurrency is not a positive multiple of 2 × node count, or when a
   * group would have more threads than a key may have processes. */
  constructor(opts: Pick<TestOptions, "nodes" | "concurrency">, rng: Rng) {
    const n = opts.nodes.length;
    const c = opts.concurrency;
    if (n < 1) throw new Error("The lin-kv workload needs at least one node");
    const groupSize = 2 * n;
    if (!Number.isInteger(c) || c < groupSize || c % groupSize !== 0) {
      throw new Error(
        `The lin-kv workload needs a concurrency that is a positive multiple of 2 × node count ` +
          `(${groupSize} with ${n} nodes), but got ${JSON.stringify(c)}; try --concurrency 2n`,
      );
    }
    if (groupSize > PROCESS_LIMIT) {
      // Jepsen would retire every key at once and loop forever looking for a usable one.
      throw new Error(
        `The lin-kv workload supports at most ${PROCESS_LIMIT / 2} nodes: each key is shared by ` +
          `2 × node count threads (${groupSize} with ${n} nodes) and is retired after ` +
          `${PROCESS_LIMIT} processes`,
      );
    }
    this.#rng = rng;
    this.#nodeCount = n;
    this.#groupSize = groupSize;
    this.#concurrency = c;
    this.#process = Array.from({ length: c }, (_, t) => t);
    const groupCount = c / groupSize;
    this.#groups = Array.from({ length: groupCount }, (_, g) => ({
      key: g,
      processes: new Set(this.#groupProcesses(g)),
    }));
    this.#nextKey = groupCount;
  }

  /** The next op for `ctx.thread`: a read for the first n threads of its group, otherwise a
   * write or (twice as likely) a cas, on the group's current key. */
  next(ctx: GenContext): OpTemplate {
    const { thread } = ctx;
    if (!Number.isInteger(thread) || thread < 0 || thread >= this.#concurrency) {
      throw new Error(
        `Thread ${JSON.stringify(thread)} is outside 0..${this.#concurrency - 1} ` +
          `for the lin-kv generator`,
      );
    }
    this.#process[thread] = ctx.process;
    const g = Math.floor(thread / this.#groupSize);
    const group = this.#groups[g];
    // Like Jepsen's process-limit, count every process the group's threads have had, busy
    // threads included, and move to a fresh key once there are more than the limit.
    for (const p of this.#groupProcesses(g)) group.processes.add(p);
    if (group.processes.size > PROCESS_LIMIT) {
      group.key = this.#nextKey++;
      group.processes = new Set(this.#groupProcesses(g));
    }
    const k = group.key;
    if (thread % this.#groupSize < this.#nodeCount) return { f: "read", value: [k, null] };
    const rng = this.#rng;
    const f = rng.pick(["write", "cas", "cas"] as const);
    if (f === "write") return { f, value: [k, rng.int(0, VALUE_BOUND)] };
    return { f, value: [k, [rng.int(0, VALUE_BOUND), rng.int(0, VALUE_BOUND)]] };
  }

  /** Learns about renumbered processes: after an `info`, the thread's process grows by the
   * concurrency, which counts against the key even before that thread asks for its next op. */
  observe(_invocation: Op, completion: Op): void {
    if (completion.type !== "info" || typeof completion.process !== "number") return;
    const thread = completion.process % this.#concurrency;
    this.#process[thread] = Math.max(
      this.#process[thread],
      completion.process + this.#concurrency,
    );
  }

  #groupProcesses(g: number): number[] {
    const start = g * this.#groupSize;
    return this.#process.slice(start, start + this.#groupSize);
  }
}

/** One lin-kv client connection: turns ops into `read` / `write` / `cas` RPCs and checks every
 * reply against the RPC's closed schema.
 *
 * @example
 * ```ts
 * import { LinKvClient } from "./lin_kv.ts";
 * const client = new LinKvClient(async () => ({ type: "read_ok", value: 3, in_reply_to: 1 }));
 * await client.invoke({ f: "read", value: [0, null] }); // { type: "ok", value: [0, 3] }
 * ```
 */
export class LinKvClient implements WorkloadClient {
  #rpc: ClientRpc;

  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  /** Runs one op. RPC errors and timeouts propagate as `RpcError` for the runner to map.
   * @throws MalformedReply when a reply does not match the RPC's closed schema: exactly `type`
   * (and `value` for `read_ok`), `in_reply_to` (integer) and optionally `msg_id` (integer). */
  async invoke(op: OpTemplate): Promise<Completion> {
    const value = op.value;
    if (!Array.isArray(value) || value.length !== 2) {
      throw new Error(`A lin-kv op needs a [key, value] tuple, got ${JSON.stringify(value)}`);
    }
    const [key, v] = value;
    switch (op.f) {
      case "read": {
        const reply = await this.#rpc({ type: "read", key });
        return { type: "ok", value: [key, expectReply(reply, "read_ok", { value: "any" }).value] };
      }
      case "write": {
        const reply = await this.#rpc({ type: "write", key, value: v });
        expectReply(reply, "write_ok", {});
        return { type: "ok" };
      }
      case "cas": {
        if (!Array.isArray(v) || v.length !== 2) {
          throw new Error(`A lin-kv cas needs [from, to], got ${JSON.stringify(v)}`);
        }
        const reply = await this.#rpc({ type: "cas", key, from: v[0], to: v[1] });
        expectReply(reply, "cas_ok", {});
        return { type: "ok" };
      }
      default:
        throw new Error(
          `The lin-kv client cannot run f ${JSON.stringify(op.f)}; expected read, write or cas`,
        );
    }
  }
}
