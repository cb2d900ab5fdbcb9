/**
 * Maelstrom's `kafka` workload: a replicated log service keyed by strings. Clients `send`
 * messages and get offsets back, `poll` from their per-connection offsets (committing what they
 * polled), `assign` themselves keys, and are crashed now and then so a fresh connection starts
 * from empty offsets. The final phase re-reads every key from offset 0.
 *
 * Behaviour follows Maelstrom's `src/maelstrom/workload/kafka.clj` (jepsen-io/maelstrom) and the
 * client and generator of Jepsen's `jepsen/src/jepsen/tests/kafka.clj`, including the quirk that
 * `assign` fetches committed offsets but never uses them.
 *
 * @module
 */
import type {
  ClientRpc,
  Completion,
  FinalContext,
  GenContext,
  MainGenerator,
  Op,
  OpTemplate,
  Rng,
  TestOptions,
  Workload,
  WorkloadClient,
} from "../types.ts";
import { addExact, type ExactInt, isExactInt, maxExact } from "../json.ts";
import { KeyWindow } from "./elle_keys.ts";
import { expectReply, type NamedPredicate, quote } from "./schema.ts";
import { checkKafka } from "../checkers/kafka.ts";

// ---------------------------------------------------------------------------------------------
// Reply validation (closed schemas via schema.ts, plus the nested shapes Maelstrom checks)

/** An offset is an integer, as Maelstrom's `s/Int`; past 2^53 it is a `bigint` (see
 * `harness/json.ts`), and offsets are compared and advanced exactly. */
const isInt = isExactInt;

/** The larger of an offset and a possibly absent one. */
function maxOffset(had: ExactInt | undefined, o: ExactInt): ExactInt {
  return had === undefined ? o : maxExact(had, o);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

type Pair = [ExactInt, unknown];

/** A poll's `msgs`: keys to lists (or null, as Maelstrom's sequence schemas allow) of exactly
 * two-element `[offset, msg]` pairs with an integer offset. */
const MSGS: NamedPredicate<Record<string, Pair[] | null>> = {
  describe: "a map of keys to lists of [offset, msg] pairs with integer offsets",
  test: (x): x is Record<string, Pair[] | null> =>
    isPlainObject(x) &&
    Object.values(x).every((pairs) =>
      pairs === null ||
      (Array.isArray(pairs) &&
        pairs.every((p) => Array.isArray(p) && p.length === 2 && isInt(p[0])))
    ),
};

/** An offsets map: keys to integers. */
const OFFSETS: NamedPredicate<Record<string, ExactInt>> = {
  describe: "a map of keys to integer offsets",
  test: (x): x is Record<string, ExactInt> => isPlainObject(x) && Object.values(x).every(isInt),
};

// ---------------------------------------------------------------------------------------------
// Client

/**
 * One client connection of the kafka workload. It keeps `offsets`, key → next offset to poll,
 * which a fresh connection starts empty; the runner opens a new one after every `info`.
 *
 * @example
 * ```ts ignore
 * import { KafkaClient } from "./kafka.ts";
 * declare const rpc: import("../types.ts").ClientRpc;
 * const c = new KafkaClient(rpc);
 * await c.invoke({ f: "send", value: [["send", "0", 1]] });
 * // { type: "ok", value: [["send", "0", [0, 1]]] }
 * ```
 */
export class KafkaClient implements WorkloadClient {
  #rpc: ClientRpc;
  #offsets = new Map<string, ExactInt>();

  /** Opens a connection with empty offsets.
   *
   * @param rpc sends one request on this connection and resolves with the reply body. */
  constructor(rpc: ClientRpc) {
    this.#rpc = rpc;
  }

  /** A copy of the key → next-offset map this connection polls from. */
  get offsets(): Map<string, ExactInt> {
    return new Map(this.#offsets);
  }

  /** Runs one op. Throws `RpcError` (from the rpc) or `MalformedReply` (from a reply that breaks
   * its closed schema); the runner maps both. */
  async invoke(op: OpTemplate): Promise<Completion> {
    switch (op.f) {
      case "send":
        return await this.#send(op);
      case "poll":
        return await this.#poll();
      case "assign":
        return await this.#assign(op);
      case "crash":
        // No RPC: the info completion makes the runner replace this connection.
        return { type: "info" };
      default:
        throw new Error(`Unknown kafka op "${op.f}"`);
    }
  }

  async #send(op: OpTemplate): Promise<Completion> {
    const mops = op.value;
    if (!Array.isArray(mops) || mops.length !== 1 || !Array.isArray(mops[0])) {
      throw new Error(`A send op needs one ["send", key, msg] micro-op, got ${quote(mops)}`);
    }
    const [, rawKey, msg] = mops[0] as unknown[];
    const key = String(rawKey);
    const reply = expectReply(await this.#rpc({ type: "send", key, msg }), "send_ok", {
      offset: "int",
    });
    return { type: "ok", value: [["send", key, [reply.offset, msg]]] };
  }

  async #poll(): Promise<Completion> {
    const { msgs } = expectReply(
      await this.#rpc({ type: "poll", offsets: Object.fromEntries(this.#offsets) }),
      "poll_ok",
      { msgs: MSGS },
    );
    // Advance local offsets for every returned key, even one with no messages (it then starts at
    // 0), and commit the highest offset of each key that returned messages.
    const commits: Record<string, ExactInt> = {};
    let anyPairs = false;
    for (const [k, pairs] of Object.entries(msgs)) {
      let highest: ExactInt = -1;
      for (const [offset] of pairs ?? []) {
        highest = maxExact(highest, offset);
        commits[k] = maxExact(commits[k] ?? 0, offset);
        anyPairs = true;
      }
      this.#offsets.set(k, maxOffset(this.#offsets.get(k), addExact(highest, 1)));
    }
    if (anyPairs) {
      // A failing commit throws, which turns this poll into a fail or info op.
      expectReply(
        await this.#rpc({ type: "commit_offsets", offsets: commits }),
        "commit_offsets_ok",
        {},
      );
    }
    return { type: "ok", value: [["poll", msgs]] };
  }

  async #assign(op: OpTemplate): Promise<Completion> {
    if (!Array.isArray(op.value)) {
      throw new Error(`An assign op needs a list of keys, got ${quote(op.value)}`);
    }
    const keys = op.value.map(String);
    const extras: Record<string, unknown> = {};
    if (op["seek-to-beginning?"] === true) {
      this.#offsets = new Map(keys.map((k) => [k, 0]));
      extras["seek-to-beginning?"] = true;
    } else {
      expectReply(
        await this.#rpc({ type: "list_committed_offsets", keys }),
        "list_committed_offsets_ok",
        { offsets: OFFSETS },
      );
      // Maelstrom's quirk: it looks the keys up in the reply body instead of its offsets map, so
      // committed offsets never matter. Each key keeps its local offset, or starts at 0.
      const next = new Map<string, ExactInt>();
      for (const k of keys) next.set(k, this.#offsets.get(k) ?? 0);
      this.#offsets = next;
    }
    return { type: "ok", value: op.value, ...extras };
  }
}

// ---------------------------------------------------------------------------------------------
// Generator

/** Highest offset per key in an ok send or poll op (-1 for a key polled with no messages). */
function okMaxOffsets(op: Pick<Op, "type" | "f" | "value">): {
  sent: Map<string, ExactInt>;
  polled: Map<string, ExactInt>;
} {
  const sent = new Map<string, ExactInt>();
  const polled = new Map<string, ExactInt>();
  if (op.type !== "ok" || !Array.isArray(op.value)) return { sent, polled };
  for (const mop of op.value) {
    if (!Array.isArray(mop)) continue;
    if (op.f === "send" && mop[0] === "send" && Array.isArray(mop[2]) && isInt(mop[2][0])) {
      const k = String(mop[1]);
      sent.set(k, maxExact(sent.get(k) ?? -1, mop[2][0]));
    }
    if (op.f === "poll" && mop[0] === "poll" && isPlainObject(mop[1])) {
      for (const [k, pairs] of Object.entries(mop[1])) {
        let m: ExactInt = polled.get(k) ?? -1;
        if (Array.isArray(pairs)) {
          for (const pair of pairs) {
            if (Array.isArray(pair) && isInt(pair[0]) && pair[0] > m) m = pair[0];
          }
        }
        polled.set(k, m);
      }
    }
  }
  return { sent, polled };
}

/**
 * The main-phase generator: sends and polls 50/50 from Elle's key window (one micro-op per op),
 * an `assign` of the next op's key before 1 op in 64 (a third of those also assign every key with
 * acknowledged but not yet polled sends), and a `crash` at uniform gaps in
 * `[0, 60 / concurrency)` seconds.
 *
 * @example
 * ```ts
 * import { KafkaGenerator } from "./kafka.ts";
 * import { createRng } from "../rng.ts";
 * const g = new KafkaGenerator({ keyCount: 3, maxWritesPerKey: 4, concurrency: 2 }, createRng(7));
 * g.next({ timeS: 0, thread: 0, process: 0 }); // { f: "crash", value: null }
 * ```
 */
export class KafkaGenerator implements MainGenerator {
  #window: KeyWindow;
  #rng: Rng;
  #pending: (OpTemplate & { key: string }) | undefined;
  #nextCrashS = 0;
  #crashGapS: number;
  /** Highest ok-sent / ok-polled offset per key, for keys where sends are ahead of polls. */
  #sent = new Map<string, ExactInt>();
  #polled = new Map<string, ExactInt>();

  /** Creates the generator with its first crash due at once, as Jepsen's stagger does.
   *
   * @param opts key window size, values per key, and the thread count that spaces crashes.
   * @param rng the source of every choice, so one seed gives one op sequence. */
  constructor(
    opts: Pick<TestOptions, "keyCount" | "maxWritesPerKey" | "concurrency">,
    rng: Rng,
  ) {
    this.#window = new KeyWindow(
      { keyCount: opts.keyCount, maxWritesPerKey: opts.maxWritesPerKey },
      rng,
    );
    this.#rng = rng;
    this.#crashGapS = 60 / Math.max(1, opts.concurrency);
  }

  /** The next op: a crash when one is due, else an assign (1/64) or the pending send/poll. */
  next(ctx: GenContext): OpTemplate | undefined {
    // Jepsen's stagger emits the first crash at once and schedules each next one from the
    // previous one's slot, not from when it actually ran.
    if (ctx.timeS >= this.#nextCrashS) {
      this.#nextCrashS += this.#rng.next() * this.#crashGapS;
      return { f: "crash", value: null };
    }
    // The drawn op waits while assigns for its key go out first, as Jepsen re-asks the same
    // generator state after emitting an assign.
    const op = this.#pending ?? this.#draw();
    if (this.#rng.next() < 1 / 64) {
      this.#pending = op;
      return this.#assign(op.key);
    }
    this.#pending = undefined;
    const { key: _key, ...template } = op;
    return template;
  }

  /** Tracks ok sends and polls, to know which keys have acknowledged but unpolled messages. */
  observe(_invocation: Op, completion: Op): void {
    if (completion.type !== "ok") return;
    const { sent, polled } = okMaxOffsets(completion);
    for (const [k, o] of sent) this.#sent.set(k, maxExact(this.#sent.get(k) ?? -1, o));
    for (const [k, o] of polled) this.#polled.set(k, maxExact(this.#polled.get(k) ?? -1, o));
    for (const k of new Set([...sent.keys(), ...polled.keys()])) {
      // Once polls have caught up with sends on a key, forget it.
      if ((this.#polled.get(k) ?? -1) >= (this.#sent.get(k) ?? -1)) {
        this.#sent.delete(k);
        this.#polled.delete(k);
      }
    }
  }

  #draw(): OpTemplate & { key: string } {
    const mop = this.#window.nextMop();
    const key = String(mop.key);
    return mop.kind === "r"
      ? { f: "poll", value: [["poll"]], key }
      : { f: "send", value: [["send", key, mop.value]], key };
  }

  #assign(key: string): OpTemplate {
    if (this.#rng.next() < 1 / 3 && this.#sent.size > 0) {
      const keys = [...new Set([key, ...this.#sent.keys()])];
      const unseen: Record<string, { polled: ExactInt; sent: ExactInt }> = {};
      for (const k of [...this.#sent.keys()].sort(compareKeys)) {
        unseen[k] = { polled: this.#polled.get(k) ?? -1, sent: this.#sent.get(k)! };
      }
      return { f: "assign", value: keys, unseen };
    }
    return { f: "assign", value: [key] };
  }
}

/** Integer-looking keys in numeric order, then the rest in code-unit order. */
function compareKeys(a: string, b: string): number {
  const na = /^-?\d+$/.test(a), nb = /^-?\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Final phase

/** How long the final phase may run, as Maelstrom's `(gen/time-limit 10)`. */
const FINAL_LIMIT_MS = 10_000;

/**
 * What the main phase saw: every key of an ok send or poll, and the highest offset per key, -1 for
 * a key that was only ever polled empty. Main-phase ops all complete before the final phase
 * starts, and only final assigns seek to the beginning, so the main phase is everything before the
 * first such assign.
 *
 * @example
 * ```ts
 * import { mainPhaseOffsets } from "./kafka.ts";
 * mainPhaseOffsets([]); // { keys: [], targets: Map {} }
 * ```
 */
export function mainPhaseOffsets(history: readonly Op[]): {
  keys: string[];
  targets: Map<string, ExactInt>;
} {
  const seen = new Map<string, ExactInt>();
  for (const op of history) {
    if (op["seek-to-beginning?"] === true) break;
    if (typeof op.process !== "number") continue;
    const { sent, polled } = okMaxOffsets(op);
    for (const m of [sent, polled]) {
      for (const [k, o] of m) seen.set(k, maxExact(seen.get(k) ?? -1, o));
    }
  }
  const keys = [...seen.keys()].sort(compareKeys);
  // Keys only ever polled empty stay targets at -1, as in Jepsen's `final-polls`
  // (`jepsen/tests/kafka.clj`): a poll must return such a key, even with no messages, before the
  // thread stops waiting on it.
  return { keys, targets: new Map(keys.map((k) => [k, seen.get(k)!])) };
}

async function finalPhase(ctx: FinalContext): Promise<void> {
  const { keys, targets } = mainPhaseOffsets(ctx.history);
  // Jepsen's final generator emits nothing at all when the main phase saw no keys.
  if (keys.length === 0) return;
  const timeUp = () => ctx.elapsedMs() >= FINAL_LIMIT_MS;
  if (timeUp()) return;
  await ctx.invoke({ f: "crash", value: null });
  if (timeUp()) return;
  await ctx.invoke({ f: "assign", value: keys, "seek-to-beginning?": true });
  const remaining = new Map(targets);
  while (remaining.size > 0 && !timeUp()) {
    const done = await ctx.invoke({ f: "poll", value: [["poll"]] });
    // Jepsen's `FinalPolls` drops a key once an ok poll returns it at or past its target; a key
    // returned with no messages counts as offset -1, which meets a target of -1.
    for (const [k, o] of okMaxOffsets(done).polled) {
      if ((remaining.get(k) ?? Infinity) <= o) remaining.delete(k);
    }
    if (remaining.size === 0) break;
    await ctx.sleep(ctx.rng.next() * 400);
  }
}

/**
 * The kafka workload.
 *
 * @example
 * ```ts
 * import { kafka } from "./kafka.ts";
 * kafka.name; // "kafka"
 * kafka.idempotent.has("assign"); // true
 * ```
 */
export const kafka: Workload = {
  name: "kafka",
  wrapped: true,
  idempotent: new Set(["assign"]),
  reusableClients: false,
  openClient(rpc: ClientRpc): WorkloadClient {
    return new KafkaClient(rpc);
  },
  generator(opts: TestOptions, rng: Rng): MainGenerator {
    return new KafkaGenerator(opts, rng);
  },
  final(ctx: FinalContext): Promise<void> {
    return finalPhase(ctx);
  },
  check(history: readonly Op[]) {
    return checkKafka(history);
  },
};
