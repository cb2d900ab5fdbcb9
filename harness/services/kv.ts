/**
 * Maelstrom's four built-in services as in-process objects: `lin-kv` (linearizable), `seq-kv`
 * (sequentially consistent, with observable stale reads), `lww-kv` (two replicas that never
 * converge, as in Maelstrom's code) and `lin-tso` (a counter 0, 1, 2, ...).
 *
 * The network delivers each request to {@linkcode Service.handle} one at a time and sends the
 * returned body back with `in_reply_to` added; replies carry no `msg_id`.
 *
 * Value semantics: keys and values are arbitrary JSON and compare by value, through the shared
 * canonical string `jsonKey` (object keys sorted). Node output is parsed losslessly
 * (`harness/json.ts`), so integers beyond 2^53 keep every digit and `1.0` stays apart from `1`, as
 * in Clojure. The services never modify a stored value,
 * and a `read_ok` returns the stored object itself, so callers must not mutate request or reply
 * values.
 *
 * A missing field (`key`, `value`, `from`, `to`) is `null`, as in Maelstrom's
 * `src/maelstrom/service.clj`, which reads each field from the body map and gets `nil` when it is
 * absent: a read of a missing `key` reads the `null` key (error 20 unless something was written
 * there), a write without `value` stores `null`, and a cas without `from` succeeds only when the
 * current value is `null`. Error texts render values as JSON, where Maelstrom prints EDN.
 *
 * @module
 */
import { ErrorCode } from "../../lib/errors.ts";
import type { Rng, Service } from "../types.ts";
import { jsonKey } from "../workloads/schema.ts";

/** The node ids of the four services, in the order Maelstrom lists them.
 *
 * @example
 * ```ts
 * import { SERVICE_IDS } from "./kv.ts";
 * SERVICE_IDS.includes("seq-kv"); // true
 * ```
 */
export const SERVICE_IDS = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"] as const;

/** One of {@linkcode SERVICE_IDS}. */
export type ServiceId = (typeof SERVICE_IDS)[number];

/** How many past states seq-kv keeps (Maelstrom's ring buffer size). */
const SEQ_KV_RING = 32;

/** How many replicas lww-kv simulates (Maelstrom's code, not its docs, which say 5). */
const LWW_KV_REPLICAS = 2;

/** Creates one service.
 *
 * `rng` drives seq-kv's choice of state and lww-kv's choice of replica; the same seed and the same
 * request order give the same replies.
 *
 * @example
 * ```ts
 * import { createService } from "./kv.ts";
 * import { createRng } from "../rng.ts";
 * const kv = createService("lin-kv", createRng(1));
 * kv.handle("n0", { type: "write", key: "x", value: 1, msg_id: 1 }); // { type: "write_ok" }
 * kv.handle("n1", { type: "read", key: "x", msg_id: 1 }); // { type: "read_ok", value: 1 }
 * ```
 */
export function createService(id: ServiceId, rng: Rng): Service {
  switch (id) {
    case "lin-kv":
      return new LinKv();
    case "seq-kv":
      return new SeqKv(rng);
    case "lww-kv":
      return new LwwKv(rng);
    case "lin-tso":
      return new LinTso();
    default: {
      // Reachable only from untyped callers; the message quotes what was asked for.
      const never: never = id;
      throw new Error(
        `Unknown service id ${JSON.stringify(never)}; expected one of ${SERVICE_IDS.join(", ")}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

/** A validated KV request, with the canonical strings computed once. */
type KvRequest =
  | { kind: "read"; key: unknown; keyId: string }
  | { kind: "write"; key: unknown; keyId: string; value: unknown; valueId: string }
  | {
    kind: "cas";
    key: unknown;
    keyId: string;
    from: unknown;
    fromId: string;
    to: unknown;
    toId: string;
    create: boolean;
  };

/** What a key maps to: the value as it came in, and its canonical string for comparisons. */
interface Entry {
  value: unknown;
  valueId: string;
}

/** Parses a KV request body. Returns `undefined` for a type the KV services do not know (no
 * reply). Absent fields read as `null`, as Clojure's keyword lookup gives `nil`. */
function parseKvRequest(body: Record<string, unknown>): KvRequest | undefined {
  const type = body.type;
  if (type !== "read" && type !== "write" && type !== "cas") return undefined;
  const field = (name: string): unknown => body[name] ?? null;
  const key = field("key");
  const keyId = jsonKey(key);
  if (type === "read") return { kind: "read", key, keyId };
  if (type === "write") {
    const value = field("value");
    return { kind: "write", key, keyId, value, valueId: jsonKey(value) };
  }
  // Clojure truthiness: everything except null and false counts as true, so `0` and `""` do.
  const flag = body.create_if_not_exists;
  const create = flag !== undefined && flag !== null && flag !== false;
  return {
    kind: "cas",
    key,
    keyId,
    from: field("from"),
    fromId: jsonKey(field("from")),
    to: field("to"),
    toId: jsonKey(field("to")),
    create,
  };
}

/** The outcome of a KV request against one state: the reply, and the entry to store when the
 * request changes the state (absent when the state is left exactly as it was). */
interface KvOutcome {
  reply: Record<string, unknown>;
  set?: Entry;
}

/** An error reply body, as `RpcError.toBody` writes it, without building an `Error` (whose stack
 * trace costs more than the rest of a request: kafka's compare-and-sets fail by the thousand). */
const errorBody = (code: number, text: string): Record<string, unknown> => ({
  type: "error",
  code,
  text,
});

const KEY_MISSING = (): Record<string, unknown> =>
  errorBody(ErrorCode.KeyDoesNotExist, "key does not exist");

/** Maelstrom's `PersistentKV` semantics against one state, seen through `lookup`. A write or cas
 * that stores the value a key already has leaves the state unchanged, which matters to seq-kv. */
function evaluateKv(
  req: KvRequest,
  lookup: (keyId: string) => Entry | undefined,
): KvOutcome {
  const current = lookup(req.keyId);
  switch (req.kind) {
    case "read":
      return current === undefined
        ? { reply: KEY_MISSING() }
        : { reply: { type: "read_ok", value: current.value } };
    case "write": {
      const reply = { type: "write_ok" };
      if (current !== undefined && current.valueId === req.valueId) return { reply };
      return { reply, set: { value: req.value, valueId: req.valueId } };
    }
    case "cas": {
      if (current === undefined) {
        if (!req.create) return { reply: KEY_MISSING() };
        return { reply: { type: "cas_ok" }, set: { value: req.to, valueId: req.toId } };
      }
      if (current.valueId !== req.fromId) {
        return {
          reply: errorBody(
            ErrorCode.PreconditionFailed,
            `current value ${JSON.stringify(current.value)} is not ${JSON.stringify(req.from)}`,
          ),
        };
      }
      const reply = { type: "cas_ok" };
      if (current.valueId === req.toId) return { reply };
      return { reply, set: { value: req.to, valueId: req.toId } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// lin-kv

/** One map, changed in place: every request sees the effect of all earlier ones. */
class LinKv implements Service {
  readonly id = "lin-kv";
  #map = new Map<string, Entry>();

  handle(_src: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    const req = parseKvRequest(body);
    if (req === undefined) return undefined;
    const { reply, set } = evaluateKv(req, (k) => this.#map.get(k));
    if (set !== undefined) this.#map.set(req.keyId, set);
    return reply;
  }
}

// ---------------------------------------------------------------------------------------------
// seq-kv

/** One version of one key: from state `version` on (until a later version), the key holds
 * `entry`. */
interface Version {
  version: number;
  entry: Entry;
}

/**
 * seq-kv's last 32 states, stored as per-key version chains rather than 32 copies of the map.
 * State `s` maps each key to the newest version numbered `s` or lower. A state-changing request
 * appends one version to one key, so it costs O(1) whatever the size of the map, and a lookup
 * walks back at most ~33 versions of one key. Each chain is pruned when its key is written: only
 * versions still visible from the oldest retained state are kept.
 */
class SeqKv implements Service {
  readonly id = "seq-kv";
  #rng: Rng;
  #latest = 0;
  #chains = new Map<string, Version[]>();
  #clientIndex = new Map<string, number>();

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  handle(src: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    const req = parseKvRequest(body);
    if (req === undefined) return undefined;
    const latest = this.#latest;
    const clientIndex = this.#clientIndex.get(src) ?? 0;
    // Maelstrom picks uniformly from the client's last index to the newest state.
    const chosen = clientIndex + this.#rng.int(0, latest - clientIndex + 1);
    // [quirk] The ring buffer is indexed modulo the number of states it holds, so a client that
    // lags by more than 32 states reads a wrapped-around state inside the window while its index
    // is recorded as the (older) chosen one.
    const held = Math.min(latest + 1, SEQ_KV_RING);
    const seen = latest - ((latest - chosen) % held);
    const stale = evaluateKv(req, (k) => this.#lookup(k, seen));
    if (stale.set === undefined) {
      this.#clientIndex.set(src, chosen);
      return stale.reply;
    }
    // The request would change the state, so it cannot be placed in the past without breaking
    // the total order: it runs against the newest state instead, and always appends a state,
    // even when the re-run changes nothing (as Maelstrom does).
    const fresh = evaluateKv(req, (k) => this.#lookup(k, latest));
    const next = latest + 1;
    if (fresh.set !== undefined) this.#append(req.keyId, next, fresh.set);
    this.#latest = next;
    this.#clientIndex.set(src, next);
    return fresh.reply;
  }

  #lookup(keyId: string, state: number): Entry | undefined {
    const chain = this.#chains.get(keyId);
    if (chain === undefined) return undefined;
    for (let i = chain.length - 1; i >= 0; i--) {
      if (chain[i].version <= state) return chain[i].entry;
    }
    return undefined;
  }

  #append(keyId: string, version: number, entry: Entry): void {
    let chain = this.#chains.get(keyId);
    if (chain === undefined) {
      chain = [];
      this.#chains.set(keyId, chain);
    }
    chain.push({ version, entry });
    // Versions older than the one visible from the oldest retained state can never be read.
    const oldest = version - (SEQ_KV_RING - 1);
    let keepFrom = 0;
    for (let i = chain.length - 1; i >= 0; i--) {
      if (chain[i].version <= oldest) {
        keepFrom = i;
        break;
      }
    }
    if (keepFrom > 0) chain.splice(0, keepFrom);
  }
}

// ---------------------------------------------------------------------------------------------
// lww-kv

/** One lww-kv replica: a Lamport clock and key → `{ts, value}`. */
interface LwwReplica {
  clock: number;
  map: Map<string, Entry & { ts: number }>;
}

/**
 * Two independent replicas; each request goes to one chosen uniformly.
 *
 * [quirk] Maelstrom computes a last-write-wins merge of two random replicas before each request
 * but then rebuilds the replica vector from the pre-merge value, so the merge is lost and the
 * replicas never converge. This class reproduces that outcome by never merging: reads alternate
 * at random between two independent histories, and each write lands in only one of them. The
 * timestamps are kept for fidelity even though nothing reads them.
 */
class LwwKv implements Service {
  readonly id = "lww-kv";
  #rng: Rng;
  #replicas: LwwReplica[] = Array.from(
    { length: LWW_KV_REPLICAS },
    () => ({ clock: 0, map: new Map() }),
  );

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  handle(_src: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    const req = parseKvRequest(body);
    if (req === undefined) return undefined;
    const replica = this.#replicas[this.#rng.int(0, LWW_KV_REPLICAS)];
    const current = replica.map.get(req.keyId);
    const store = (value: unknown, valueId: string) => {
      // Unlike PersistentKV, every successful update ticks the clock, so it always changes state.
      replica.map.set(req.keyId, { value, valueId, ts: replica.clock });
      replica.clock += 1;
    };
    switch (req.kind) {
      case "read":
        return current === undefined ? KEY_MISSING() : { type: "read_ok", value: current.value };
      case "write":
        store(req.value, req.valueId);
        return { type: "write_ok" };
      case "cas":
        // lww-kv ignores create_if_not_exists.
        if (current === undefined) return KEY_MISSING();
        if (current.valueId !== req.fromId) {
          // Maelstrom prints `from` with `str`, not `pr-str`: strings appear without quotes, and
          // `nil` (a null or missing `from`) prints as nothing at all.
          const from = typeof req.from === "string"
            ? req.from
            : req.from === null
            ? ""
            : JSON.stringify(req.from);
          return errorBody(
            ErrorCode.PreconditionFailed,
            `current value ${JSON.stringify(current.value)} is not ${from}`,
          );
        }
        store(req.to, req.toId);
        return { type: "cas_ok" };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// lin-tso

/** A single counter: `ts` requests get 0, 1, 2, ... across all callers. */
class LinTso implements Service {
  readonly id = "lin-tso";
  #next = 0;

  handle(_src: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    if (body.type !== "ts") return undefined;
    return { type: "ts_ok", ts: this.#next++ };
  }
}
